/**
 * Runs the commander program and turns every error into one line on stderr and an exit code.
 * Loaded by main.ts for everything but `--version`.
 */
import { CommanderError } from 'commander';
import { buildProgram } from './cli.js';
import { EXIT_USAGE, WeavectlError } from './errors.js';
import { classifyError } from './cluster/status-errors.js';
import { Reporter } from './output/reporter.js';

export async function run(argv: string[]): Promise<number> {
  const { verbose, color } = reportFlags(argv);
  try {
    await (await buildProgram(argv)).parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return report(err, verbose, color);
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
