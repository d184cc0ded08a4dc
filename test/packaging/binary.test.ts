/**
 * `npm run binary`: the single executable (Node's single executable application support, postject
 * from npm) runs on a machine with no Node on PATH, no node_modules and no templates/: copied alone
 * into an empty folder, it prints the version and renders the README's manifest exactly as
 * `node bin/weavectl.js` does, and answers as `kubectl weave` when named kubectl-weave.
 * Skipped, saying why, only where postject cannot make one: a Node before 20.12 (no SEA assets) or
 * a node binary without the SEA fuse.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { bin, repoRoot } from '../cli/run-cli.js';

const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
const cannot =
  major < 20 || (major === 20 && minor < 12)
    ? `Node ${process.version} has no single executable assets (20.12+)`
    : !readFileSync(process.execPath).includes('NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2')
      ? `${process.execPath} has no NODE_SEA_FUSE: postject cannot make a single executable from it`
      : undefined;

let dir: string;
let exe: string;

function sh(file: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: opts.cwd ?? dir, env: opts.env ?? { PATH: '/usr/bin:/bin', HOME: dir }, encoding: 'utf8', timeout: 240_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  if (cannot) return;
  dir = mkdtempSync(join(tmpdir(), 'weavectl-binary-'));
  const built = join(dir, 'build', 'weavectl');
  const r = await sh(process.execPath, [join(repoRoot, 'scripts', 'build-binary.mjs'), '--out', built], { cwd: repoRoot, env: process.env });
  expect(r.code, r.stderr).toBe(0);
  // alone in an empty folder
  exe = join(dir, 'alone', 'weavectl');
  await sh('mkdir', ['-p', join(dir, 'alone')]);
  copyFileSync(built, exe);
  rmSync(join(dir, 'build'), { recursive: true, force: true });
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(cannot !== undefined)(`the single executable${cannot ? ` (skipped: ${cannot})` : ''}`, () => {
  it('runs alone: --version, version --client, and the README render as node bin/weavectl.js renders it', async () => {
    const v = await sh(exe, ['--version']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toBe(`${pkg.version}\n`);
    const c = await sh(exe, ['version', '--client']);
    expect(c.stdout).toMatch(new RegExp(`^weavectl: ${pkg.version.replace(/\./g, '\\.')} \\(node v20`));
    const args = ['install', '--k8s-version', '1.7.5', '--ipalloc', '172.25.64.0/18', '--dry-run=client', '-o', 'yaml'];
    const alone = await sh(exe, args);
    expect(alone.code, alone.stderr).toBe(0);
    expect(alone.stderr).not.toMatch(/ExperimentalWarning|single executable/i);
    const viaNode = await sh(process.execPath, [bin, ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' } });
    expect(alone.stdout).toBe(viaNode.stdout);
    for (const k8s of ['1.7', '1.29']) {
      const scope = await sh(exe, ['scope', '--k8s-version', k8s, '--dry-run=client', '-o', 'json']);
      expect(scope.code, scope.stderr).toBe(0);
      expect(JSON.parse(scope.stdout).items.map((o: { kind: string }) => o.kind)).toContain('DaemonSet');
    }
  });

  it('--snapshot (a V8 startup snapshot instead of the code cache) renders the same', async () => {
    const snap = join(dir, 'snap', 'weavectl');
    const b = await sh(process.execPath, [join(repoRoot, 'scripts', 'build-binary.mjs'), '--snapshot', '--out', snap], { cwd: repoRoot, env: process.env });
    expect(b.code, b.stderr).toBe(0);
    const args = ['install', '--k8s-version', '1.29', '--dry-run=client', '-o', 'yaml'];
    const [a, c] = await Promise.all([sh(snap, args), sh(exe, args)]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toBe(c.stdout);
    expect((await sh(snap, ['--version'])).stdout).toBe(`${pkg.version}\n`);
  }, 300_000);

  it('named kubectl-weave, it is kubectl weave', async () => {
    const plugin = join(dir, 'alone', 'kubectl-weave');
    symlinkSync(exe, plugin);
    const r = await sh(plugin, ['install', '--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: kubectl weave install \[options\]/);
  });
});
