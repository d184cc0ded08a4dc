/**
 * Runs the commander program and turns every error into one line on stderr and an exit code.
 * Loaded by main.ts for everything but `--version`.
 */
import { CommanderError } from 'commander';
import { buildProgram, normalizeArgs, wordsOf } from './cli.js';
import { exitCodeOf } from './commands/exit-code.js';
import { globalsOf } from './commands/global.js';
import { EXIT_USAGE, failure, usageError, WeavectlError } from './errors.js';
import { formatDuration } from './util/duration.js';
import { setLongTimeout, type LongTimer } from './util/timers.js';
import { isUntilInterrupted } from './util/until-interrupted.js';
import { classifyError } from './cluster/status-errors.js';
import { Reporter } from './output/reporter.js';
import { programName } from './util/program-name.js';

/**
 * How long after --timeout ran out the command is ended whatever it is doing. Every request and
 * wait is bounded by the deadline itself (transport.ts, the rollout waits); this is the backstop,
 * late enough for a timed-out rollout's last diagnosis (3 s) to be printed.
 */
export const DEADLINE_GRACE_MS = 5_000;

export async function run(rawArgv: string[]): Promise<number> {
  const { verbose, color } = reportFlags(rawArgv);
  let watchdog: LongTimer | undefined;
  try {
    let argv = normalizeArgs(rawArgv);
    const args = argv.slice(2);
    // TAB in a shell with `weavectl completion` loaded: the candidates, one a line (never an error).
    if (args[0] === '__complete') {
      // --cobra: kubectl's plugin completion (kubectl_complete-weave), which ends with cobra's directive:
      // 4 (no file names) when there are candidates, 0 (the shell's default, file names) when there are none.
      const cobra = args[1] === '--cobra';
      const words = args.slice(cobra ? 2 : 1);
      const [program, { complete }] = await Promise.all([buildProgram([...argv.slice(0, 2), 'help']), import('./commands/completion.js')]);
      const candidates = await complete(program, words.length > 0 ? words : ['']);
      const lines = cobra ? [...candidates, candidates.length > 0 ? ':4' : ':0'] : candidates;
      if (lines.length > 0) process.stdout.write(lines.join('\n') + '\n');
      return 0;
    }
    const words = wordsOf(args);
    // `weavectl help policy allow` is `weavectl policy allow --help` (commander's help command takes one word).
    if (words[0] === 'help' && words.length > 1) argv = [...argv.slice(0, 2), ...words.slice(1), '--help'];
    // There is no upgrade command: install upgrades a running Weave Net (cilium users type `upgrade`).
    if (words[0] === 'upgrade') {
      throw usageError(
        `unknown command "upgrade" for "${programName()}": install upgrades a running Weave Net, keeping its settings`,
        `see what would change with \`${programName()} install --diff\`, then run \`${programName()} install\``,
      );
    }
    const program = await buildProgram(argv);
    // Bare `weavectl` (or only global flags): the help, on stdout, exit 0, as kubectl does.
    if (words.length === 0 && !args.some((a) => a === '-h' || a === '--help' || a === '-V' || a === '--version')) {
      program.outputHelp();
      return 0;
    }
    const expired = new Promise<never>((_resolve, reject) => {
      program.hook('preAction', (_program, action) => {
        const g = globalsOf(action);
        if (g.deadline === Infinity || isUntilInterrupted(action)) return;
        watchdog = setLongTimeout(
          () => reject(failure(`timed out: the command did not finish within --timeout ${formatDuration(g.timeoutMs)}`, 'raise --timeout, or check that the API server answers: kubectl cluster-info')),
          g.deadline - Date.now() + DEADLINE_GRACE_MS,
          { unref: true },
        );
      });
    });
    expired.catch(() => undefined);
    await Promise.race([program.parseAsync(argv), expired]);
    return exitCodeOf(program);
  } catch (err) {
    return report(err, verbose, color);
  } finally {
    watchdog?.clear();
  }
}

/** Prints an error as one `error:` line (plus its hint; the stack only with --verbose) and returns the exit code. */
export function report(err: unknown, verbose: boolean, color: boolean): number {
  if (err instanceof CommanderError) {
    // commander has already printed its one-line message (unknown option, missing argument, suggestion).
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    return err.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  const reporter = new Reporter({ color, verbose });
  reporter.endProgress();
  const e = classifyError(err);
  reporter.error(e.message, verbose && e.hint?.startsWith('run again with --verbose') ? undefined : e.hint);
  if (verbose) {
    const stack = e.cause instanceof Error && !(err instanceof WeavectlError) ? e.cause.stack : e.stack;
    if (stack) process.stderr.write(stack + '\n');
  }
  return e.exitCode;
}

/** The flags report() needs, read from the raw command line (the guard in main.ts has nothing else). */
export function reportFlags(argv: readonly string[]): { verbose: boolean; color: boolean } {
  return { verbose: argv.includes('-v') || argv.includes('--verbose'), color: !argv.includes('--no-color') };
}
