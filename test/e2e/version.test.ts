/** `weavectl version`: the client, and from the cluster the Kubernetes version and what runs of Weave Net and Scope. */
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { runCli } from '../cli/run-cli.js';
import { sim, weavectl } from './harness.js';

describe('weavectl version', () => {
  it('--client needs no cluster; --version stays the bare version', async () => {
    const r = await runCli(['version', '--client']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`weavectl: ${pkg.version} (node ${process.version}, ${process.platform}/${process.arch})\n`);
    expect((await runCli(['--version'])).stdout).toBe(`${pkg.version}\n`);
  });

  it('with a cluster: Kubernetes, then Weave Net and Scope as they run (release, namespace, readiness, images); -o json', async () => {
    const s = await sim({ k8sVersion: '1.7.5', nodes: 2 });
    const none = await weavectl(s, ['version']);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toContain('Kubernetes (server): v1.7.5\nWeave Net (running): not found\nWeave Scope (running): not found\n');

    expect((await weavectl(s, ['install', '--weave-version', '2.0.5', '--timeout', '60s'])).code).toBe(0);
    expect((await weavectl(s, ['scope', '--wait=false'])).code).toBe(0);
    const r = await weavectl(s, ['version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'Weave Net (running): 2.0.5 in kube-system, 2/2 ready\n  image: weaveworks/weave-kube:2.0.5\n  image: weaveworks/weave-npc:2.0.5\nWeave Scope (running): 1.13.2 in kube-system',
    );
    const j = await weavectl(s, ['version', '-o', 'json']);
    expect(j.code, j.stderr).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({
      client: { version: pkg.version },
      kubernetes: { gitVersion: 'v1.7.5', major: '1', minor: '7' },
      weaveNet: { version: '2.0.5', namespace: 'kube-system', object: 'daemonset/weave-net', images: ['weaveworks/weave-kube:2.0.5', 'weaveworks/weave-npc:2.0.5'], ready: 2, desired: 2 },
      weaveScope: { version: '1.13.2', namespace: 'kube-system', object: 'deployment/weave-scope-app' },
    });
  });

  it('an unreachable cluster: the client line, then one error line, exit 1', async () => {
    const r = await runCli(['version']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^weavectl: /);
    expect(r.stderr).toMatch(/^error: /m);
  });
});
