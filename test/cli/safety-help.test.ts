/** Every override flag of the guard is in `install --help` with an example, and in the README's "Safety" section. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const FLAGS = ['--allow-range-change', '--allow-password-change', '--allow-npc-change', '--allow-downgrade'];

describe('the safety flags are documented', () => {
  it('install --help lists each with an example line', async () => {
    const r = await runCli(['install', '--help']);
    expect(r.code).toBe(0);
    for (const flag of FLAGS) {
      expect(r.stdout, flag).toMatch(new RegExp(`^  ${flag} `, 'm'));
      expect(r.stdout, flag).toMatch(new RegExp(`^  weavectl install .*${flag}`, 'm'));
    }
  });

  it('scope --help shows the re-run and its flags', async () => {
    const r = await runCli(['scope', '--help']);
    for (const flag of ['--no-external-ip', '--read-only [bool]', '--diff', '--yes']) expect(r.stdout).toContain(flag);
    expect(r.stdout).toMatch(/^  weavectl scope --no-external-ip --read-only=false$/m);
  });

  it('README has a Safety section naming each flag and what it overrides', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const safety = readme.slice(readme.indexOf('### Safety'), readme.indexOf('### `weavectl check`'));
    expect(safety.length).toBeGreaterThan(500);
    for (const flag of FLAGS) expect(safety).toMatch(new RegExp(`\\| \`${flag}\` \\|`));
  });
});
