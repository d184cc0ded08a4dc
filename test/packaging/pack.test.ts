/**
 * `npm pack` makes a package that installs globally and runs offline with nothing else present: the
 * bundle in dist/ holds every library (package.json lists them as devDependencies, for the build),
 * so `npm install -g ./weavectl-*.tgz` needs no registry. Installed into an empty prefix with an
 * empty npm cache and --offline, then run from an empty folder with only node on PATH.
 * Needs the bundle (npm test builds it first).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { repoRoot } from '../cli/run-cli.js';

let dir: string;
let tarball: string;
const npm = join(dirname(process.execPath), 'npm');

function sh(file: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: opts.cwd ?? dir, env: opts.env ?? process.env, encoding: 'utf8', timeout: 240_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weavectl-pack-'));
  // --ignore-scripts: pack the dist/ that `npm test` built (prepare would rebuild it under the other tests)
  const r = await sh(existsSync(npm) ? npm : 'npm', ['pack', '--ignore-scripts', '--pack-destination', dir, '--json'], { cwd: repoRoot });
  expect(r.code, r.stderr).toBe(0);
  const info = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(dir, info[0]!.filename);
}, 300_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('npm pack, npm install -g, offline', () => {
  it('the package has no runtime dependencies to fetch and ships bin/, dist/ and templates/ only', async () => {
    expect((pkg as { dependencies?: unknown }).dependencies).toBeUndefined();
    const r = await sh('tar', ['-tzf', tarball]);
    const files = r.stdout.split('\n').filter(Boolean);
    expect(files).toContain('package/bin/weavectl.js');
    expect(files).toContain('package/dist/weavectl.js');
    expect(files.some((f) => f.startsWith('package/dist/templates/'))).toBe(true);
    expect(files.some((f) => f.startsWith('package/templates/net/'))).toBe(true);
    expect(files.filter((f) => !/^package\/(bin|dist|templates)\/|^package\/(package\.json|README\.md|LICENSE)$/.test(f))).toEqual([]);
    expect(files.some((f) => f.startsWith('package/dist/bin/') || f.startsWith('package/dist/sea/'))).toBe(false);
  });

  it('installs into an empty prefix with an empty cache and no registry, and runs --version and the README render from an empty folder', async () => {
    const prefix = join(dir, 'prefix');
    const env = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: dir, npm_config_registry: 'http://127.0.0.1:9/' };
    const inst = await sh(existsSync(npm) ? npm : 'npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--cache', join(dir, 'cache'), '--prefix', prefix, tarball], { env });
    expect(inst.code, inst.stderr).toBe(0);
    expect(readdirSync(join(prefix, 'lib', 'node_modules'))).toEqual(['weavectl']);
    // nothing but weavectl itself was installed: the bundle needs no node_modules
    expect(existsSync(join(prefix, 'lib', 'node_modules', 'weavectl', 'node_modules'))).toBe(false);
    const empty = mkdtempSync(join(dir, 'cwd-'));
    const run = (args: string[]) => sh(join(prefix, 'bin', 'weavectl'), args, { cwd: empty, env: { ...env, PATH: `${join(prefix, 'bin')}:${env.PATH}` } });
    const v = await run(['--version']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toBe(`${pkg.version}\n`);
    const render = await run(['install', '--k8s-version', '1.7.5', '--ipalloc', '172.25.64.0/18', '--dry-run=client', '-o', 'yaml']);
    expect(render.code, render.stderr).toBe(0);
    expect(render.stdout).toMatch(/^kind: DaemonSet$/m);
    expect(render.stdout).toContain('value: 172.25.64.0/18');
    expect(render.stdout).toContain('image: weaveworks/weave-kube:2.7.0');
    const scope = await run(['scope', '--k8s-version', '1.29', '--dry-run=client', '-o', 'name']);
    expect(scope.code, scope.stderr).toBe(0);
    expect(scope.stdout).toContain('deployment.apps/weave-scope-app');
  });
});
