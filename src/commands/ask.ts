/**
 * A yes/no question on a terminal, shared by install (before changing a running Weave Net) and
 * uninstall (before deleting the pod network). --yes, a dry run, a pipe or CI never ask: the
 * command line is then the decision. "No" is an answer, not an error: the caller says
 * "Nothing changed" and exits 0.
 */
import type { Reporter } from '../output/reporter.js';
import type { Globals } from './global.js';

export interface Terminal {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export async function askOnTerminal(
  question: string,
  f: { yes?: boolean },
  g: Pick<Globals, 'dryRun'>,
  reporter: Pick<Reporter, 'mode'>,
  term: Terminal = { stdin: process.stdin, stderr: process.stderr },
): Promise<boolean> {
  if (f.yes || g.dryRun !== 'none' || !term.stdin.isTTY || !term.stderr.isTTY || reporter.mode !== 'tty') return true;
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: term.stdin, output: term.stderr });
  try {
    const answer = await rl.question(question);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
