/**
 * Commands that run until the user stops them (`scope open`): --timeout bounds what they do before
 * they settle (finding the pod, listening), not the session, so run.ts sets no watchdog for them.
 */
import type { Command } from 'commander';

const marked = new WeakSet<Command>();

export function runsUntilInterrupted(cmd: Command): Command {
  marked.add(cmd);
  return cmd;
}

export function isUntilInterrupted(cmd: Command): boolean {
  return marked.has(cmd);
}

/** Resolves with the signal's name on the first SIGINT or SIGTERM (the handlers are removed then). */
export function interrupted(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
