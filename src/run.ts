/**
 * Runs the commander program and turns every error into one line on stderr and an exit code.
 * Loaded by main.ts for everything but `--version`.
 */
import { CommanderError } from 'commander';
import { buildProgram } from './cli.js';
import { EXIT_FAILURE, EXIT_USAGE, WeavectlError } from './errors.js';
import { Reporter } from './output/reporter.js';

export async function run(argv: string[]): Promise<number> {
  const verbose = argv.includes('-v') || argv.includes('--verbose');
  const color = !argv.includes('--no-color');
  try {
    await (await buildProgram(argv)).parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return report(err, verbose, color);
  }
}

function report(err: unknown, verbose: boolean, color: boolean): number {
  if (err instanceof CommanderError) {
    // commander has already printed its one-line message (unknown option, missing argument, suggestion).
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    return err.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  const reporter = new Reporter({ color, verbose });
  reporter.endProgress();
  if (err instanceof WeavectlError) {
    reporter.error(err.message, err.hint);
    if (verbose && err.stack) process.stderr.write(err.stack + '\n');
    return err.exitCode;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  reporter.error(`unexpected: ${e.message}`, verbose ? undefined : 'run again with --verbose for the stack trace, and report it as a bug');
  if (verbose && e.stack) process.stderr.write(e.stack + '\n');
  return EXIT_FAILURE;
}
