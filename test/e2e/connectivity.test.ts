/**
 * `weavectl connectivity test` end to end: the built CLI against the simulator, Weave Net installed
 * by `weavectl install`; the probes' wget/ping/nslookup answer from the simulator's data plane
 * (test/sim/src/dataplane.ts), and faults break it (`sim.faults.partition`, `pathMtu`).
 * Needs the bundle: `npm test` builds it first (or `node scripts/build.mjs`).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bin, type CliResult } from '../cli/run-cli.js';
import { sim, weavectl } from './harness.js';
import type { Simulator } from '../sim/index.js';

async function installed(k8sVersion: string, nodes: number, args: string[] = []): Promise<Simulator> {
  const s = await sim({ k8sVersion, nodes, stepDelayMs: 5 });
  const r = await weavectl(s, ['install', '--timeout', '60s', ...args], { timeoutMs: 90_000 });
  expect(r.stderr).not.toMatch(/error:/);
  expect(r.code).toBe(0);
  return s;
}

const test = (s: Simulator, args: string[] = []): Promise<CliResult> => weavectl(s, ['connectivity', 'test', '--timeout', '90s', ...args], { timeoutMs: 120_000 });

function testNamespaceGone(s: Simulator): boolean {
  return !s.store.get('namespaces', '', 'weavectl-test');
}

describe('weavectl connectivity test on a healthy cluster', () => {
  it('passes at Kubernetes 1.7.5 (extensions/v1beta1 DaemonSets), prints the grid, and removes the probes', async () => {
    const s = await installed('1.7.5', 3, ['--ipalloc', '172.25.64.0/18']);
    const r = await test(s);
    expect(r.stderr).not.toMatch(/error:/);
    expect(r.code).toBe(0);
    // one line per test: 3 nodes × (self + 2 others) × pod-to-pod, host-to-pod; 6 cross pairs × df-ping; 3 × service, dns
    const lines = r.stdout.split('\n').filter((l) => /^[✓✗!-] /.test(l));
    expect(lines).toHaveLength(9 * 2 + 6 + 3 * 2);
    expect(lines.every((l) => l.startsWith('✓ '))).toBe(true);
    expect(r.stdout).toMatch(/^✓ df-ping +k8s-vm1 → k8s-vm2$/m);
    expect(r.stdout).toContain('df-ping at 1376 bytes');
    expect(r.stdout).toMatch(/^ 1 {2}k8s-vm1 +✓ ✓ ✓$/m);
    expect(r.stdout).toContain('30 tests: 30 passed');
    expect(r.stderr).toContain('Removed the probes (namespace weavectl-test)');
    expect(testNamespaceGone(s)).toBe(true);
    // the probe pods had addresses in the weave range (the data plane and weave status agree)
  });

  it('passes at a current Kubernetes with --include policy; -o json is one document of the documented shape', async () => {
    const s = await installed('1.29.2', 4);
    const r = await test(s, ['--include', 'policy', '-o', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(['success', 'tests']);
    expect(doc.success).toBe(true);
    for (const t of doc.tests) {
      expect(Object.keys(t).filter((k) => k !== 'message')).toEqual(['name', 'from', 'to', 'result']);
      expect(['ok', 'warning', 'error', 'skipped']).toContain(t.result);
    }
    expect(doc.tests.filter((t: { name: string }) => t.name === 'policy-deny')).toEqual([{ name: 'policy-deny', from: 'k8s-vm1', to: 'k8s-vm2', result: 'ok' }]);
    expect(doc.tests.filter((t: { name: string }) => t.name === 'policy-allow')).toEqual([{ name: 'policy-allow', from: 'k8s-vm1', to: 'k8s-vm2', result: 'ok' }]);
    expect(testNamespaceGone(s)).toBe(true);
  });

  it('--all-pairs tests every ordered pair; --cleanup=false leaves the probes', async () => {
    const s = await installed('1.29.2', 4);
    const r = await test(s, ['--all-pairs', '--cleanup=false', '-o', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.tests.filter((t: { name: string }) => t.name === 'pod-to-pod')).toHaveLength(16);
    expect(s.store.get('namespaces', '', 'weavectl-test')).toBeTruthy();
    expect(s.store.list('daemonsets', 'weavectl-test').map((d) => d['metadata']['name']).sort()).toEqual(['weavectl-client', 'weavectl-echo', 'weavectl-host']);
    expect(r.stderr).toContain('kubectl delete namespace weavectl-test');
  });
});

describe('weavectl connectivity test --include policy on a legacy release', () => {
  it('Weave Net 2.0.5 on Kubernetes 1.7.5: isolation by the DefaultDeny annotation, an extensions/v1beta1 policy admits', async () => {
    const s = await installed('1.7.5', 2, ['--weave-version', '2.0.5']);
    const r = await test(s, ['--include', 'policy', '-o', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.tests.filter((t: { name: string }) => t.name.startsWith('policy'))).toEqual([
      { name: 'policy-deny', from: 'k8s-vm1', to: 'k8s-vm2', result: 'ok' },
      { name: 'policy-allow', from: 'k8s-vm1', to: 'k8s-vm2', result: 'ok' },
    ]);
  });
});

describe('weavectl connectivity test on Kubernetes 1.6', () => {
  it('passes; with --include policy the policy test is a warning when the running weave-npc cannot enforce policies there', async () => {
    const s = await installed('1.6.13', 2);
    const r = await test(s, ['--include', 'policy', '-o', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.success).toBe(true);
    expect(doc.tests.filter((t: { result: string }) => t.result === 'ok')).toHaveLength(doc.tests.length - 2);
    const deny = doc.tests.find((t: { name: string }) => t.name === 'policy-deny');
    expect(deny.result).toBe('warning');
    expect(deny.message).toMatch(/watches only networking\.k8s\.io\/v1 NetworkPolicies, which Kubernetes v1\.6\.13 does not serve/);
    expect(doc.tests.find((t: { name: string }) => t.name === 'policy-allow')).toMatchObject({ result: 'skipped' });
    expect(testNamespaceGone(s)).toBe(true);
  });
});

describe('weavectl connectivity test failure paths', () => {
  it('a partition of two nodes with a third connected to both: weave relays (v2.8.1 router/network_router.go relay), the test passes, status names the failed connection', async () => {
    const s = await installed('1.29.2', 3);
    s.faults.partition('k8s-vm1', 'k8s-vm2');
    const r = await test(s);
    expect(r.stderr).not.toMatch(/error:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✓ pod-to-pod +k8s-vm1 → k8s-vm2$/m);
    const st = await weavectl(s, ['status', '-o', 'json']);
    expect(st.code).toBe(1);
    const vm1 = JSON.parse(st.stdout).problems.find((p: { node: string }) => p.node === 'k8s-vm1');
    expect(vm1.message).toMatch(/^1 of 2 expected peer connections established; k8s-vm2 \(.*\) failed/);
  });

  it('a partition that leaves no way round fails the test, exit 1, naming both nodes (weave relays through a third peer connected to both: test/sim/dataplane.test.ts)', async () => {
    const s = await installed('1.29.2', 3);
    s.faults.partition('k8s-vm1', 'k8s-vm2');
    s.faults.partition('k8s-vm1', 'k8s-vm3');
    const r = await test(s);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✗ pod-to-pod +k8s-vm1 → k8s-vm2: pod on k8s-vm1 → echo pod [\d.]+ on k8s-vm2: no answer within 3s/m);
    expect(r.stdout).toMatch(/^✓ pod-to-pod +k8s-vm2 → k8s-vm3$/m);
    expect(r.stdout).toMatch(/^ 1 {2}k8s-vm1 +✓ ✗ ✗$/m);
    expect(r.stderr).toMatch(/error: connectivity test failed between .*k8s-vm1 → k8s-vm2 \(pod-to-pod, host-to-pod, df-ping\)/);
    expect(testNamespaceGone(s)).toBe(true);
  });

  it('an MTU below WEAVE_MTU on the path fails the don\'t-fragment test only, and status names the sleeve pair', async () => {
    const s = await installed('1.29.2', 2);
    s.faults.pathMtu(1300);
    const r = await test(s, ['-o', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.success).toBe(false);
    const failed = doc.tests.filter((t: { result: string }) => t.result === 'error');
    expect(failed.map((t: { name: string; from: string; to: string }) => `${t.name} ${t.from}->${t.to}`).sort()).toEqual(['df-ping k8s-vm1->k8s-vm2', 'df-ping k8s-vm2->k8s-vm1']);
    expect(failed[0].message).toContain("a 1376-byte don't-fragment packet from");
    expect(failed[0].message).toContain('weavectl install --mtu');
    // ... and status names the pair that fell back to sleeve
    const st = await weavectl(s, ['status']);
    expect(st.stdout).toContain('‼ k8s-vm1 and k8s-vm2 fell back from fastdp to sleeve (MTU 1238)');
  });

  it('a NotReady node: its tests fail at once naming it, without waiting for its probes', async () => {
    const s = await installed('1.29.2', 3);
    s.nodes.setReady('k8s-vm3', false);
    const started = Date.now();
    const r = await test(s, ['-o', 'json']);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    const failed = doc.tests.filter((t: { result: string }) => t.result === 'error');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((t: { from: string; to: string }) => t.from === 'k8s-vm3' || t.to === 'k8s-vm3')).toBe(true);
    expect(failed[0].message).toBe('the probes on k8s-vm3 are not ready (node k8s-vm3 is NotReady)');
    expect(doc.tests.filter((t: { from: string; to: string; result: string }) => t.from !== 'k8s-vm3' && t.to !== 'k8s-vm3').every((t: { result: string }) => t.result === 'ok')).toBe(true);
  });

  it('refuses a --test-namespace weavectl did not make, changing nothing', async () => {
    const s = await installed('1.29.2', 2);
    s.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mine' } });
    const r = await test(s, ['--test-namespace', 'mine']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: namespace mine exists and was not made by weavectl connectivity test: nothing was changed');
    expect(s.store.get('namespaces', '', 'mine')!['metadata']['deletionTimestamp']).toBeUndefined();
    expect(s.store.list('daemonsets', 'mine')).toHaveLength(0);
  });

  it('--timeout stops the tests and still removes the probes', async () => {
    const s = await installed('1.29.2', 3);
    s.faults.latency(150);
    const r = await weavectl(s, ['connectivity', 'test', '--timeout', '4s', '--concurrency', '1'], { timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: timed out before the tests finished \(\d+ done\); the probes are being removed/);
    await s.waitFor(() => testNamespaceGone(s), { timeoutMs: 10_000, message: 'namespace weavectl-test was not removed' });
  });

  it('Ctrl-C stops the tests and removes the probes', async () => {
    const s = await installed('1.29.2', 3);
    s.faults.latency(100);
    const child = spawn(process.execPath, [bin, '--kubeconfig', s.kubeconfigPath, 'connectivity', 'test', '--concurrency', '1'], { env: { ...process.env, NO_COLOR: '1', CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await s.waitFor(() => s.store.list('pods', 'weavectl-test').some((p) => p['status']?.['phase'] === 'Running'), { timeoutMs: 30_000 });
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(stderr).toMatch(/error: interrupted before the tests finished \(\d+ done\); the probes are being removed/);
    await s.waitFor(() => testNamespaceGone(s), { timeoutMs: 10_000, message: 'namespace weavectl-test was not removed' });
  });

  it('may not create the namespace: one error, nothing to remove', async () => {
    const s = await installed('1.29.2', 2);
    s.faults.forbid({ resource: 'namespaces', verb: ['create', 'patch', 'update'] });
    const r = await test(s);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
    expect(r.stderr).toMatch(/error: .*namespaces/);
    expect(r.stderr).not.toMatch(/Removed the probes|could not remove/);
    expect(testNamespaceGone(s)).toBe(true);
  });

  it('bad flags: exit 2, one line, nothing deployed', async () => {
    const s = await sim({ nodes: 1 });
    const bad = await test(s, ['--include', 'bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('error: invalid --include "bogus": the extra tests are: policy');
    const reg = await test(s, ['--image-registry', 'https://x']);
    expect(reg.code).toBe(2);
    expect(testNamespaceGone(s)).toBe(true);
  });
});
