/**
 * The kubectl plugin: installed as `kubectl-weave` on PATH, the same program answers `kubectl weave …`
 * (the real kubectl finds and runs it) and names itself as invoked in help and messages.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { ensureKubectl, kubectlUnavailableReason } from '../sim/kubectl.js';
import { bin } from './run-cli.js';

let kubectl: string | undefined;
let dir: string;

beforeAll(async () => {
  kubectl = await ensureKubectl();
  dir = mkdtempSync(join(tmpdir(), 'weavectl-plugin-'));
  symlinkSync(bin, join(dir, 'kubectl-weave'));
  symlinkSync(bin, join(dir, 'kubectl_complete-weave'));
}, 300_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      // kubectl-weave on PATH, and node for its #!/usr/bin/env node line
      { env: { PATH: `${dir}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: dir, KUBECONFIG: join(dir, 'none'), NO_COLOR: '1' }, encoding: 'utf8', timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('kubectl weave (kubectl-weave on PATH)', () => {
  it('kubectl finds the plugin and runs it: kubectl weave --version', async (ctx) => {
    if (!kubectl) return ctx.skip(`no kubectl: ${kubectlUnavailableReason}`);
    const list = await run(kubectl, ['plugin', 'list']);
    expect(list.stdout).toContain(join(dir, 'kubectl-weave'));
    const v = await run(kubectl, ['weave', '--version']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toBe(`${pkg.version}\n`);
  });

  it('help and messages name the program as invoked: kubectl weave install ...', async (ctx) => {
    if (!kubectl) return ctx.skip(`no kubectl: ${kubectlUnavailableReason}`);
    const help = await run(kubectl, ['weave', 'install', '--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: kubectl weave install \[options\]/);
    expect(help.stdout).toContain('  kubectl weave install --k8s-version 1.7.5 --ipalloc 172.25.64.0/18 --dry-run=client -o yaml');
    expect(help.stdout).toContain('Use "kubectl weave options" for a list of global command-line options');
    expect(help.stdout).not.toMatch(/\bweavectl (install|options)/);
    const up = await run(kubectl, ['weave', 'upgrade']);
    expect(up.code).toBe(2);
    expect(up.stderr).toContain('hint: see what would change with `kubectl weave install --diff`, then run `kubectl weave install`');
    const bad = await run(kubectl, ['weave', 'instal']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown command 'instal'/);
  });

  it('kubectl weave <TAB>: kubectl asks kubectl_complete-weave, which answers in cobra\'s format', async (ctx) => {
    if (!kubectl) return ctx.skip(`no kubectl: ${kubectlUnavailableReason}`);
    const cmds = await run(kubectl, ['__complete', 'weave', 'pol']);
    expect(cmds.code, cmds.stderr).toBe(0);
    expect(cmds.stdout).toBe('policy\n:4\n');
    const values = await run(kubectl, ['__complete', 'weave', 'status', '-o', '']);
    expect(values.stdout).toBe('json\nyaml\nname\n:4\n');
    // nothing to offer (a path): the shell's default, file names
    const path = await run(kubectl, ['__complete', 'weave', '--kubeconfig', '']);
    expect(path.stdout).toBe(':0\n');
  });

  it('the same program answers as weavectl when not named kubectl-weave', async () => {
    const r = await run(bin, ['install', '--help']);
    expect(r.stdout).toMatch(/^Usage: weavectl install \[options\]/);
  });
});
