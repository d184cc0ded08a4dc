/**
 * A yes/no question on a terminal, shared by install (before changing a running Weave Net) and
 * uninstall (before deleting the pod network). --yes, a dry run, a pipe or CI never ask: the
 * command line is then the decision. "No" is an answer, not an error: the caller says
 * "Nothing changed" and exits 0.
 */
import type { Reporter } from './reporter.js';
import type { DryRun } from './formats.js';

export interface Terminal {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export async function askOnTerminal(
  question: string,
  f: { yes?: boolean },
  g: { dryRun: DryRun },
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

/** Asks on a terminal before changing what runs, unless --yes; a pipe or CI never prompts (the command line is the decision). */
export async function confirm(f: { yes?: boolean }, g: { dryRun: DryRun }, reporter: Pick<Reporter, 'mode'>, question = 'Apply these changes to the running Weave Net?'): Promise<boolean> {
  return askOnTerminal(`${question} [y/N] `, f, g, reporter);
}
