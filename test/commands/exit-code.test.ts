/** A command's exit code travels through the program it ran in, not process.exitCode. */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { exitCodeOf, withExitCode } from '../../src/commands/exit-code.js';

function program(code: number): Command {
  const p = new Command('weavectl').exitOverride();
  p.command('diff').action(withExitCode(async (_opts: unknown, _cmd: Command) => code));
  p.command('nested').command('leaf').action(withExitCode(async (_opts: unknown, _cmd: Command) => code + 1));
  return p;
}

describe('withExitCode / exitCodeOf', () => {
  it("hands the run function's code to the program, for a command and a subcommand", async () => {
    const one = program(1);
    await one.parseAsync(['node', 'weavectl', 'diff']);
    expect(exitCodeOf(one)).toBe(1);
    const nested = program(1);
    await nested.parseAsync(['node', 'weavectl', 'nested', 'leaf']);
    expect(exitCodeOf(nested)).toBe(2);
  });

  it('a program whose command returned 0, or that ran none, exits 0; process.exitCode is left alone', async () => {
    const before = process.exitCode;
    const ok = program(0);
    await ok.parseAsync(['node', 'weavectl', 'diff']);
    expect(exitCodeOf(ok)).toBe(0);
    expect(exitCodeOf(new Command('weavectl'))).toBe(0);
    await program(1).parseAsync(['node', 'weavectl', 'diff']);
    expect(process.exitCode).toBe(before);
  });
});
