/**
 * A command's exit code, returned by its run function and handed to src/run.ts through the program it
 * ran in (not through process.exitCode): 0 ok, 1 a failure that still printed its result (an unhealthy
 * status, a failed check, a --diff with changes, as kubectl diff).
 */
import type { Command } from 'commander';

const KEY = 'weavectlExitCode';

function rootOf(cmd: Command): Command {
  let c = cmd;
  while (c.parent) c = c.parent;
  return c;
}

/** An action handler from a run function that returns the exit code; commander passes the command last. */
export function withExitCode<A extends unknown[]>(run: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const code = await run(...args);
    const cmd = args[args.length - 1] as Command;
    rootOf(cmd).setOptionValue(KEY, code);
  };
}

/** The exit code the command that ran returned (0 when it returned none). */
export function exitCodeOf(program: Command): number {
  const code: unknown = program.getOptionValue(KEY);
  return typeof code === 'number' ? code : 0;
}
