/**
 * The commander program: global flags and the list of commands, nothing else.
 * Each command's own flags live in src/commands/<verb>.ts, next to the code that uses them.
 */
import { Command, Option } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { DEFAULT_TIMEOUT } from './commands/global.js';
import { usageError } from './errors.js';
import { asInvoked, programName } from './util/program-name.js';

type Register = (program: Command) => void;

/**
 * Every command, in the order help lists them. A command's module is loaded only when it runs;
 * help, `help CMD` and a misspelt command (which needs every name for its suggestion) load them all.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  install: async () => (await import('./commands/install.js')).registerInstall,
  scope: async () => (await import('./commands/scope.js')).registerScope,
  'rollout-status': async () => (await import('./commands/rollout-status.js')).registerRolloutStatus,
  check: async () => (await import('./commands/check.js')).registerCheck,
  status: async () => (await import('./commands/status.js')).registerStatus,
  connectivity: async () => (await import('./commands/connectivity.js')).registerConnectivity,
  peers: async () => (await import('./commands/peers.js')).registerPeers,
  sysdump: async () => (await import('./commands/sysdump.js')).registerSysdump,
  uninstall: async () => (await import('./commands/uninstall.js')).registerUninstall,
  policy: async () => (await import('./commands/policy.js')).registerPolicy,
  npc: async () => (await import('./commands/npc.js')).registerNpc,
  versions: async () => (await import('./commands/versions.js')).registerVersions,
  version: async () => (await import('./commands/version.js')).registerVersion,
  completion: async () => (await import('./commands/completion.js')).registerCompletion,
  options: async () => registerOptions,
};

/** The command words, for completion and the suggestion of a misspelt command. */

/** Global options that take a value in the next argument (so that value is not the command). */
const VALUE_OPTIONS = new Set([
  '--kubeconfig',
  '--context',
  '-n',
  '--namespace',
  '-o',
  '--output',
  '--timeout',
  '--request-timeout',
  '-s',
  '--server',
  '--cluster',
  '--user',
  '--token',
  '--as',
  '--as-group',
  '--as-uid',
  '--certificate-authority',
]);

/**
 * kubectl writes `--insecure-skip-tls-verify=true|false`; commander's boolean flags take no value,
 * and an optional value would swallow the command word after the flag. The two spellings are turned
 * into the flag, or its absence, before parsing.
 */
export function normalizeArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of argv) {
    const m = /^--insecure-skip-tls-verify=(.*)$/.exec(a);
    if (!m) out.push(a);
    else if (/^(true|1|yes)$/.test(m[1]!)) out.push('--insecure-skip-tls-verify');
    else if (!/^(false|0|no)$/.test(m[1]!)) throw usageError(`--insecure-skip-tls-verify takes true or false, not "${m[1]}"`);
  }
  return out;
}

/** The words of a command line that are not flags or their values: ["policy", "allow"]. */
export function wordsOf(args: readonly string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') break;
    if (VALUE_OPTIONS.has(a)) {
      i++;
      continue;
    }
    if (a === '--dry-run' && /^(none|client|server)$/.test(args[i + 1] ?? '')) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    words.push(a);
  }
  return words;
}

/** The command word of a command line, if it names one of ours. */
export function commandOf(args: readonly string[]): string | undefined {
  const a = wordsOf(args)[0];
  return a !== undefined && Object.prototype.hasOwnProperty.call(COMMANDS, a) ? a : undefined;
}

/**
 * commander's own errors ("error: unknown option '--ipaloc'", then "(Did you mean --ipalloc?)" on a
 * line of its own) as weavectl prints every error: one `error:` line, the suggestion as its hint.
 */
export function writeCommanderError(str: string, write: (s: string) => void): void {
  const m = /^([^\n]*)\n\(Did you mean ([^\n]*)\?\)\s*$/.exec(str);
  write(m ? `${m[1]}\nhint: did you mean ${m[2]}?\n` : str);
}

export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command(programName())
    .description('Install, configure and operate Weave Net and Weave Scope on Kubernetes clusters')
    .version(pkg.version, '-V, --version', 'print the weavectl version')
    .option('--kubeconfig <path>', 'path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'the kubeconfig context to use')
    .option('-n, --namespace <namespace>', 'namespace of Weave Net (default: kube-system)')
    .addOption(new Option('-o, --output <format>', 'print objects or results as yaml, json or name (kind.group/name, where objects are printed) instead of text'))
    .addOption(
      new Option('--dry-run [mode]', 'none | client (render only, no cluster) | server (send with dryRun=All)').preset('client'),
    )
    .option('--timeout <duration>', 'how long the whole command may take, every request included, e.g. 90s, 5m, 600h (0 waits forever)', DEFAULT_TIMEOUT)
    .option('--request-timeout <duration>', "the limit of one request to the API server, as kubectl's: 30 (seconds), 1s, 2m; 0 = none of its own (default: 30s)")
    .option('-s, --server <url>', "kubectl's: the API server address, instead of the kubeconfig cluster's")
    .option('--cluster <name>', "kubectl's: the kubeconfig cluster to use, instead of the context's")
    .option('--user <name>', "kubectl's: the kubeconfig user to use, instead of the context's")
    .option('--token <token>', "kubectl's: a bearer token for the API server, instead of the user's credentials")
    .option('--as <user>', "kubectl's: the user to impersonate")
    .option('--as-group <group>', "kubectl's: a group to impersonate, with --as (repeatable)", (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--as-uid <uid>', "kubectl's: the UID to impersonate, with --as")
    .option('--certificate-authority <path>', "kubectl's: a CA file to check the API server's certificate with")
    .option('--insecure-skip-tls-verify', "kubectl's: do not check the API server's certificate (insecure)")
    .option('-v, --verbose', 'print debug lines and stack traces of errors')
    .option('--no-color', 'do not colour output (NO_COLOR is honoured too)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      // commander's own errors as every error: one `error:` line, a suggestion as its hint
      outputError: writeCommanderError,
      // Help and usage name the program as invoked (`kubectl weave install ...` as a kubectl plugin).
      writeOut: (str) => process.stdout.write(asInvoked(str)),
      writeErr: (str) => process.stderr.write(asInvoked(str)),
    })
    .addHelpText(
      'after',
      `
Examples:
  # Render Weave Net for a Kubernetes 1.7 cluster with a custom range, no cluster needed
  weavectl install --k8s-version 1.7.5 --ipalloc 172.25.64.0/18 --dry-run=client -o yaml

  # Install Weave Scope and expose its UI on an external IP
  weavectl scope --external-ip 10.200.33.12 --read-only

  # Wait for the weave-net DaemonSet like kubectl rollout status
  weavectl rollout-status --timeout 5m

  # Give a slow API server 10 seconds per request, the whole command 2 minutes
  weavectl status --request-timeout 10s --timeout 2m

  # kubectl's connection flags work as with kubectl, e.g. through \`kubectl proxy\`
  weavectl status -s http://127.0.0.1:8001
  weavectl check --server https://10.200.33.10:6443 --token "$TOKEN" --certificate-authority ca.crt`,
    );

  const wanted = commandOf(argv.slice(2));
  const names = wanted ? [wanted] : Object.keys(COMMANDS);
  for (const register of await Promise.all(names.map((n) => (COMMANDS[n] as () => Promise<Register>)()))) register(program);

  // Subcommands inherit exitOverride and output configuration; every one of them says where the
  // global flags are, as kubectl's help does.
  const footer = `\nUse "${programName()} options" for a list of global command-line options (applies to all commands).`;
  const walk = (cmds: readonly Command[]) => {
    for (const cmd of cmds) {
      cmd.exitOverride().showSuggestionAfterError(true).configureOutput({ ...cmd.configureOutput(), outputError: writeCommanderError });
      if (cmd.name() !== 'options') cmd.addHelpText('after', footer);
      walk(cmd.commands);
    }
  };
  walk(program.commands);
  return program;
}

/** `weavectl options`: the global flags, which every command takes (kubectl's `kubectl options`). */
function registerOptions(program: Command): void {
  program
    .command('options')
    .description('Print the global command-line options, which every command takes')
    .addHelpText('after', '\nExample:\n  weavectl options')
    .action(() => {
      process.stdout.write(asInvoked(globalOptionsText(program)));
    });
}

/** The global options as help lists them: "  --context <name>  the kubeconfig context to use". */
export function globalOptionsText(program: Command): string {
  const help = program.createHelp();
  const options = help.visibleOptions(program).filter((o) => o.long !== '--help');
  const width = Math.max(...options.map((o) => help.optionTerm(o).length));
  const lines = options.map((o) => `  ${help.optionTerm(o).padEnd(width)}  ${help.optionDescription(o)}`);
  return `The following options can be passed to any command:\n\n${lines.join('\n')}\n`;
}
