/**
 * The questions on a terminal (a pseudo-terminal from util-linux `script`): uninstall asks before
 * deleting the pod network, install before changing a running Weave Net; "no" changes nothing and
 * exits 0 with "Nothing changed" (no `error:`); --yes does not ask; a pipe never asks.
 */
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bin, repoRoot } from '../cli/run-cli.js';
import { sim, snapshot, weavectl } from './harness.js';
import type { Simulator } from '../sim/index.js';

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Runs weavectl on a pseudo-terminal, typing `answer` once the question is on the screen. */
function onTerminal(s: Simulator, args: string[], answer: string): Promise<{ code: number | null; screen: string }> {
  const cmd = [process.execPath, bin, '--kubeconfig', s.kubeconfigPath, ...args].map(shellQuote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', cmd, '/dev/null'], {
      cwd: repoRoot,
      env: { ...process.env, CI: '', NO_COLOR: '1', TERM: 'xterm' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    let answered = false;
    child.stdout.on('data', (d) => {
      screen += d;
      if (!answered && /\[y\/N\] [^\n]*$/.test(screen)) {
        answered = true;
        child.stdin.write(`${answer}\r`);
      }
    });
    child.stderr.on('data', (d) => (screen += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen: screen.replace(/\r/g, '') });
    });
  });
}

describe.skipIf(!hasScript)('questions on a terminal (util-linux script)', () => {
  it('uninstall asks; "n" deletes nothing and exits 0 with "Nothing changed"; "y" deletes', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    expect((await weavectl(s, ['install', '--wait=false'])).code).toBe(0);
    const before = snapshot(s);
    const no = await onTerminal(s, ['uninstall'], 'n');
    expect(no.screen).toMatch(/Delete Weave Net \(daemonset kube-system\/weave-net and its objects\)\? .*\[y\/N\]/);
    expect(no.screen).toMatch(/Nothing changed: the uninstall was not confirmed/);
    expect(no.screen).not.toMatch(/error:/);
    expect(no.code).toBe(0);
    expect(snapshot(s)).toBe(before);

    const yes = await onTerminal(s, ['uninstall', '--wait=false'], 'y');
    expect(yes.code, yes.screen).toBe(0);
    expect(yes.screen).toMatch(/daemonset\.apps "weave-net" deleted/);
    expect(s.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')).toBeUndefined();
  });

  it('install on a running Weave Net asks; "n" changes nothing and exits 0', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    expect((await weavectl(s, ['install', '--wait=false', '--mtu', '1400'])).code).toBe(0);
    const before = snapshot(s);
    const no = await onTerminal(s, ['install', '--mtu', '1376'], 'n');
    expect(no.screen).toMatch(/Apply these changes to the running Weave Net\? \[y\/N\]/);
    expect(no.screen).toMatch(/Nothing changed: the upgrade was not confirmed/);
    expect(no.screen).not.toMatch(/error:/);
    expect(no.code).toBe(0);
    expect(snapshot(s)).toBe(before);
  });

  it('--yes and a pipe do not ask', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 1 });
    expect((await weavectl(s, ['install', '--wait=false'])).code).toBe(0);
    const yes = await onTerminal(s, ['uninstall', '--yes', '--wait=false'], 'n');
    expect(yes.screen).not.toMatch(/\[y\/N\]/);
    expect(yes.code, yes.screen).toBe(0);
    expect(s.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')).toBeUndefined();
    expect((await weavectl(s, ['install', '--wait=false'])).code).toBe(0);
    const piped = await weavectl(s, ['uninstall', '--wait=false']);
    expect(piped.code, piped.stderr).toBe(0);
    expect(s.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')).toBeUndefined();
  });
});
