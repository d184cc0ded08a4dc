/**
 * docs/architecture.md stays true to the code: every path it names (in backquotes) exists, and its
 * "Where each flag is handled" tables list every command and subcommand that src/cli.ts registers,
 * and every flag each of them (and the program itself) declares.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DOC = 'docs/architecture.md';
const doc = readFileSync(join(root, DOC), 'utf8');

/** The text in backquotes that is a repository path: `src/cli.ts`, `test/sim/`, `test/sim/*.test.ts`, `README.md`. */
function pathsNamed(text: string): string[] {
  const quoted = [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] as string);
  return quoted.filter(
    (q) => /^(src|test|docs|bench|scripts|templates|bin)\/[\w.*/-]*$/.test(q) || /^[\w-]+\.(md|json|ts|mjs)$/.test(q),
  );
}

/** Does a path exist? A `*` in the last segment must match at least one file of that folder. */
function exists(path: string): boolean {
  const slash = path.lastIndexOf('/');
  const last = path.slice(slash + 1);
  if (!last.includes('*')) return existsSync(join(root, path));
  const dir = join(root, path.slice(0, slash));
  if (!existsSync(dir)) return false;
  const pattern = new RegExp(`^${last.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return readdirSync(dir).some((f) => pattern.test(f));
}

interface Row {
  commands: string[];
  flags: string[];
}

/** The rows of the tables under "## Where each flag is handled": the commands (first cell) and the flags named in the row. */
function flagRows(): { global: Row[]; commands: Row[] } {
  const section = doc.split(/^## Where each flag is handled$/m)[1];
  if (section === undefined) throw new Error(`${DOC} has no "## Where each flag is handled" section`);
  const tables = section.split(/\n\s*\n/).filter((block) => block.trimStart().startsWith('|'));
  const rowsOf = (table: string): string[][] =>
    table
      .trim()
      .split('\n')
      .slice(2) // header and |---|
      .map((line) => line.split(' | ').map((c) => c.replace(/^\|\s*|\s*\|$/g, '')));
  const flagsIn = (cell: string): string[] => [...cell.matchAll(/(?<![\w-])(--?[A-Za-z][\w-]*)/g)].map((m) => m[1] as string);
  const [globalTable, commandTable] = tables;
  if (globalTable === undefined || commandTable === undefined) throw new Error(`${DOC}: expected two flag tables`);
  return {
    global: rowsOf(globalTable).map((cells) => ({ commands: [], flags: flagsIn(cells[0] ?? '') })),
    commands: rowsOf(commandTable).map((cells) => ({
      commands: [...(cells[0] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string),
      flags: flagsIn(cells[1] ?? ''),
    })),
  };
}

/**
 * Every runnable command: "install", "policy allow" (a command with subcommands is listed by them, and
 * by itself too when it runs on its own: `scope` and `scope open`, `peers` and `peers rmpeer`).
 */
function leafCommands(cmd: Command, prefix = ''): Array<{ name: string; cmd: Command }> {
  return cmd.commands.flatMap((c) => {
    const name = `${prefix}${c.name()}`;
    if (c.commands.length === 0) return [{ name, cmd: c }];
    const runsItself = (c as unknown as { _actionHandler: unknown })._actionHandler != null;
    return [...(runsItself ? [{ name, cmd: c }] : []), ...leafCommands(c, `${name} `)];
  });
}

/** The flags a command declares, as their names: `-y, --yes` gives `-y` and `--yes`. */
function flagsOf(cmd: Command): string[] {
  return cmd.options.flatMap((o) => [o.short, o.long].filter((f): f is string => f !== undefined));
}

describe(`${DOC} names only what exists`, () => {
  const paths = pathsNamed(doc);

  it('finds the paths it checks', () => {
    expect(paths).toContain('src/cli.ts');
    expect(paths).toContain('src/cluster/status-errors.ts');
    expect(paths).toContain('test/sim/*.test.ts');
    expect(paths.length).toBeGreaterThan(50);
  });

  it('every path in backquotes exists in the repository', () => {
    expect(paths.filter((p) => !exists(p))).toEqual([]);
  });

  it('the path check tells a missing path from an existing one', () => {
    expect(exists('src/cli.ts')).toBe(true);
    expect(exists('test/sim/*.test.ts')).toBe(true);
    expect(exists('src/no-such-module.ts')).toBe(false);
    expect(exists('test/sim/*.no-such-suffix')).toBe(false);
    expect(pathsNamed('see `src/x.ts`, `README.md`, `daemonset.apps/weave-net` and `@kubernetes/client-node`')).toEqual(['src/x.ts', 'README.md']);
  });

  it('README.md links to it', () => {
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain('](docs/architecture.md)');
  });
});

describe(`${DOC} lists every command and flag of src/cli.ts`, async () => {
  const program = await buildProgram(['node', 'weavectl']);
  const commands = leafCommands(program);
  const { global, commands: rows } = flagRows();

  it('finds the commands it checks', () => {
    const names = commands.map((c) => c.name);
    expect(names).toContain('install');
    expect(names).toContain('policy allow');
    expect(names).toContain('options');
    expect(names).not.toContain('policy');
    expect(names).toContain('scope'); // runs on its own, and has subcommands
    expect(names).toContain('scope open');
  });

  it('every command has a row in the flag table', () => {
    const documented = new Set(rows.flatMap((r) => r.commands));
    expect(commands.map((c) => c.name).filter((n) => !documented.has(n))).toEqual([]);
  });

  it("every command's flags are in its rows", () => {
    const missing = commands.flatMap(({ name, cmd }) => {
      const documented = new Set(rows.filter((r) => r.commands.includes(name)).flatMap((r) => r.flags));
      return flagsOf(cmd)
        .filter((f) => !documented.has(f))
        .map((f) => `${name} ${f}`);
    });
    expect(missing).toEqual([]);
  });

  it('every global flag is in the global table', () => {
    const documented = new Set(global.flatMap((r) => r.flags));
    expect(flagsOf(program).filter((f) => !documented.has(f))).toEqual([]);
  });

  it('the table names no command that does not exist', () => {
    const names = new Set(commands.map((c) => c.name));
    expect(rows.flatMap((r) => r.commands).filter((n) => !names.has(n))).toEqual([]);
  });
});
