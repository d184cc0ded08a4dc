/**
 * The commander program: global flags and the list of commands, nothing else.
 * Each command's own flags live in src/commands/<verb>.ts, next to the code that uses them.
 */
import { Command, Option } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { registerCheck } from './commands/check.js';
import { DEFAULT_TIMEOUT } from './commands/global.js';
import { registerInstall } from './commands/install.js';
import { registerNpc } from './commands/npc.js';
import { registerPolicy } from './commands/policy.js';
import { registerRolloutStatus } from './commands/rollout-status.js';
import { registerScope } from './commands/scope.js';
import { registerStatus } from './commands/status.js';
import { registerUninstall } from './commands/uninstall.js';

export function buildProgram(): Command {
  const program = new Command('weavectl')
    .description('Install, configure and operate Weave Net and Weave Scope on Kubernetes clusters')
    .version(pkg.version, '-V, --version', 'print the weavectl version')
    .option('--kubeconfig <path>', 'path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'the kubeconfig context to use')
    .option('-n, --namespace <namespace>', 'namespace of Weave Net (default: kube-system)')
    .addOption(new Option('-o, --output <format>', 'print objects or results as yaml or json instead of text'))
    .addOption(
      new Option('--dry-run [mode]', 'none | client (render only, no cluster) | server (send with dryRun=All)').preset('client'),
    )
    .option('--timeout <duration>', 'how long to wait, e.g. 90s, 5m (0 waits forever)', DEFAULT_TIMEOUT)
    .option('-v, --verbose', 'print debug lines and stack traces of errors')
    .option('--no-color', 'do not colour output (NO_COLOR is honoured too)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      // commander's own errors ("error: unknown option '--ipaloc' (Did you mean --ipalloc?)") stay one line.
      outputError: (str, write) => write(str),
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
  weavectl rollout-status --timeout 5m`,
    );

  registerInstall(program);
  registerScope(program);
  registerRolloutStatus(program);
  registerCheck(program);
  registerStatus(program);
  registerUninstall(program);
  registerPolicy(program);
  registerNpc(program);

  // Subcommands inherit exitOverride and output configuration.
  for (const cmd of program.commands) cmd.exitOverride().showSuggestionAfterError(true);
  return program;
}
