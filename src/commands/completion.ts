/**
 * `weavectl completion bash|zsh|fish`: a completion script for the shell, as kubectl and cilium
 * print theirs. The scripts are thin: on TAB they run `weavectl __complete WORDS...`, which answers
 * from the same command tree that parses the command line (subcommands, each command's flags and
 * the global flags, the values of -o and --dry-run) and, for --context and -n, from the kubeconfig
 * (its context names and their namespaces; no cluster is asked, so a TAB never waits on the network).
 */
import type { Command, Option } from 'commander';
import { usageError } from '../errors.js';
import { programName } from '../util/program-name.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .argument('<shell>', 'bash, zsh or fish')
    .description('Print a shell completion script for bash, zsh or fish (commands, flags, and --context and -n values from the kubeconfig)')
    .addHelpText(
      'after',
      `
Examples:
  # bash: this shell, then every new one
  source <(weavectl completion bash)
  weavectl completion bash > ~/.local/share/bash-completion/completions/weavectl

  # zsh (with compinit loaded)
  source <(weavectl completion zsh)

  # fish
  weavectl completion fish > ~/.config/fish/completions/weavectl.fish`,
    )
    .action((shell: string) => {
      if (!(SHELLS as readonly string[]).includes(shell)) throw usageError(`unsupported shell "${shell}": use bash, zsh or fish`);
      process.stdout.write(completionScript(shell as Shell));
    });
}

export function completionScript(shell: Shell, name = 'weavectl'): string {
  const fn = `__${name.replace(/[^A-Za-z0-9_]/g, '_')}_complete`;
  if (shell === 'bash') {
    return `# bash completion for ${name}: source <(${name} completion bash)
${fn}() {
    local cur="\${COMP_WORDS[COMP_CWORD]}"
    local IFS=$'\\n'
    local candidates
    candidates=$("\${COMP_WORDS[0]}" __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return 0
    COMPREPLY=($(compgen -W "\${candidates}" -- "\${cur}"))
}
complete -o default -F ${fn} ${name}
`;
  }
  if (shell === 'zsh') {
    return `#compdef ${name}
# zsh completion for ${name}: source <(${name} completion zsh)
${fn}() {
    local -a candidates
    candidates=("\${(@f)$(\${words[1]} __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
    if (( \${#candidates} == 0 )) || [[ -z "\${candidates[1]}" ]]; then
        _files
    else
        compadd -- "\${candidates[@]}"
    fi
}
if [[ "\${funcstack[1]}" == "${fn}" ]]; then
    ${fn} "$@"
else
    compdef ${fn} ${name}
fi
`;
  }
  return `# fish completion for ${name}: ${name} completion fish | source
function ${fn}
    set -l tokens (commandline -opc) (commandline -ct)
    ${name} __complete $tokens[2..-1] 2>/dev/null
end
complete -c ${name} -f -a '(${fn})'
`;
}

/** The options a command takes: its own and those of its parents (the global flags). */
function optionsOf(cmd: Command): Option[] {
  const out: Option[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) out.push(...c.options.filter((o) => !o.hidden));
  return out;
}

function findOption(cmd: Command, word: string): Option | undefined {
  return optionsOf(cmd).find((o) => o.long === word || o.short === word);
}

/** Values of an option's argument: fixed lists, and the kubeconfig's contexts and namespaces. */
async function optionValues(opt: Option, words: readonly string[]): Promise<string[]> {
  const long = opt.long ?? '';
  if (long === '--output') return ['json', 'yaml', 'name'];
  if (long === '--dry-run') return ['none', 'client', 'server'];
  if (opt.argChoices) return [...opt.argChoices];
  if (long === '--context' || long === '--namespace') {
    const i = words.indexOf('--kubeconfig');
    const kubeconfig = i >= 0 ? words[i + 1] : undefined;
    const { listContexts } = await import('../cluster/kubeconfig.js');
    const contexts = listContexts(kubeconfig ? { kubeconfig } : {});
    if (long === '--context') return contexts.map((c) => c.name);
    return [...new Set(['kube-system', 'weave', 'default', ...contexts.map((c) => c.namespace).filter((n): n is string => Boolean(n))])];
  }
  return []; // a path or free text: the shell completes file names
}

/**
 * The candidates for the last of `words` (the words after the program name; the last is the one
 * being completed, maybe ''), filtered by what it starts with.
 */
export async function complete(program: Command, words: readonly string[]): Promise<string[]> {
  let cmd = program;
  const before = words.slice(0, -1);
  const current = words.at(-1) ?? '';
  for (let i = 0; i < before.length; i++) {
    const w = before[i] as string;
    if (w.startsWith('-')) {
      const opt = findOption(cmd, w.split('=')[0] as string);
      if (opt?.required && !w.includes('=')) i++; // its value is the next word
      continue;
    }
    const sub = cmd.commands.find((c) => c.name() === w || c.aliases().includes(w));
    if (sub) cmd = sub;
  }
  const prev = before.at(-1);
  const prevOpt = prev?.startsWith('-') && !prev.includes('=') ? findOption(cmd, prev) : undefined;
  // A value the option after which the word stands takes ([value] options: only where they have known values).
  const values = prevOpt && (prevOpt.required || prevOpt.optional) ? await optionValues(prevOpt, words) : [];
  let candidates: string[];
  if (prevOpt?.required || values.length > 0) candidates = values;
  else if (current.startsWith('-')) {
    candidates = optionsOf(cmd).flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f)));
    candidates.push('--help');
  } else {
    candidates = cmd.commands.filter((c) => !(c as Command & { _hidden?: boolean })._hidden).map((c) => c.name());
    if (cmd === program) candidates.push('help');
    if (cmd.name() === 'completion') candidates.push(...SHELLS);
    candidates = candidates.filter((c) => c !== programName());
  }
  return [...new Set(candidates)].filter((c) => c.startsWith(current));
}
