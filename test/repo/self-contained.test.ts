/**
 * The repository stands alone: a clone with nothing beside it must build, test and run. So no source,
 * test, script or benchmark names a path outside the repository's root (the developers' reference folder
 * beside the clone was read by 12 test files, and a plain clone failed `npm test`).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', 'src', 'test', 'scripts', 'bench', 'bin', '.ci', 'package.json', 'vitest.config.ts', 'tsconfig.json'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((f) => /\.(ts|mts|mjs|js|json|sh)$/.test(f) || f === '.ci/run')
  .filter((f) => !f.startsWith('test/fixtures/upstream/'));

/** `new URL('<rel>', import.meta.url)`: the relative URLs a module resolves against its own location. */
const URL_LITERAL = /new URL\(\s*(['"`])(\.{1,2}\/[^'"`]*)\1\s*,\s*import\.meta\.url\s*\)/g;

describe('the repository reads nothing outside its own root', () => {
  it('finds the files it checks', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain('test/fixtures/upstream.ts');
  });

  it('no file names the shared/ folder that sits beside the developers\' clone', () => {
    // spelt in pieces so that this file does not name it itself
    const shared = 'sha' + 'red';
    const pattern = new RegExp(`\\.\\./${shared}\\b|${shared}/reference|'\\.\\.',\\s*'${shared}'`);
    const offenders = files.filter((f) => pattern.test(readFileSync(join(root, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('every `new URL(relative, import.meta.url)` resolves inside the repository', () => {
    const outside: string[] = [];
    for (const f of files) {
      const text = readFileSync(join(root, f), 'utf8');
      for (const m of text.matchAll(URL_LITERAL)) {
        const target = resolve(dirname(join(root, f)), m[2]!);
        if (relative(root, target).startsWith('..')) outside.push(`${f}: ${m[2]}`);
      }
    }
    expect(outside).toEqual([]);
  });

  it('the upstream manifests the tests compare against are in the repository, each listed in SOURCES.md', () => {
    const sources = readFileSync(join(root, 'test/fixtures/upstream/SOURCES.md'), 'utf8');
    const yamls = execFileSync('git', ['ls-files', '-co', '--exclude-standard', 'test/fixtures/upstream'], { cwd: root, encoding: 'utf8' })
      .split('\n').filter((f) => f.endsWith('.yaml')).map((f) => f.split('/').pop()!);
    expect(yamls.length).toBeGreaterThanOrEqual(20);
    for (const y of yamls) expect(sources, `${y} has no line in SOURCES.md`).toContain(y);
  });
});
