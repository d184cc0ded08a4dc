/**
 * The data path in `weavectl status` and `weavectl check`, end to end: the built CLI against the
 * simulator with Weave Net installed by `weavectl install`; the faults of test/sim/src/faults.ts
 * (pathMtu: the connections fall back to sleeve; partition: a connection fails) change what the weave
 * pods answer to `weave --local status connections`.
 * Needs the bundle: `npm test` builds it first (or `node scripts/build.mjs`).
 */
import { describe, expect, it } from 'vitest';
import { sim, weavectl } from './harness.js';
import type { Simulator } from '../sim/index.js';
import { weaveState } from '../sim/src/weave-node.js';

async function installed(nodes = 3, args: string[] = []): Promise<Simulator> {
  const s = await sim({ k8sVersion: '1.29.2', nodes, stepDelayMs: 5 });
  const r = await weavectl(s, ['install', '--timeout', '60s', ...args], { timeoutMs: 90_000 });
  expect(r.code).toBe(0);
  return s;
}

describe('status: the data path', () => {
  it('a healthy cluster: fastdp on every connection at WEAVE_MTU, encryption disabled', async () => {
    const s = await installed();
    const r = await weavectl(s, ['status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Datapath fastdp on all 6 connections, MTU 1376, encryption disabled\n');
    const doc = JSON.parse((await weavectl(s, ['status', '-o', 'json'])).stdout);
    expect(doc.datapath).toEqual({ overlay: 'fastdp', fastdp: 6, sleeve: 0, mtu: { min: 1376, max: 1376 }, encryption: 'disabled', sleevePairs: [], fastdpDisabled: false });
    expect(doc.nodes.map((n: { datapath: unknown }) => n.datapath)).toEqual([1, 2, 3].map(() => ({ fastdp: 2, sleeve: 0, mtu: 1376 })));
  });

  it('an MTU fault between two nodes: status names the sleeve pair, the likely cause and the --mtu hint (a warning: exit 0)', async () => {
    const s = await installed();
    s.faults.pathMtu(1300, ['k8s-vm1', 'k8s-vm3']);
    const r = await weavectl(s, ['status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Datapath fastdp on 4 of 6 connections, sleeve on 2, MTU 1238-1376, encryption disabled\n  ‼ sleeve between k8s-vm1 and k8s-vm3 (MTU 1238)\n');
    expect(r.stdout).toContain(
      "‼ k8s-vm1 and k8s-vm3 fell back from fastdp to sleeve (MTU 1238): the path between them carries less than WEAVE_MTU 1376 plus VXLAN's overhead, or UDP 6784 (fastdp's VXLAN) is blocked between them; sleeve is slower\n    hint: open UDP 6784 between the two nodes; if the path MTU is the cause, lower the MTU: weavectl install --mtu 1236\n",
    );
    const doc = JSON.parse((await weavectl(s, ['status', '-o', 'json'])).stdout);
    expect(doc.datapath.sleevePairs).toEqual([{ nodes: ['k8s-vm1', 'k8s-vm3'], mtu: 1238 }]);
    // the hint works: WEAVE_MTU 1236 plus VXLAN's 50 bytes fits the 1300-byte path, and fastdp is back
    const fixed = await weavectl(s, ['install', '--mtu', '1236', '--yes', '--timeout', '60s'], { timeoutMs: 90_000 });
    expect(fixed.code).toBe(0);
    const after = await weavectl(s, ['status']);
    expect(after.stdout).toContain('Datapath fastdp on all 6 connections, MTU 1236, encryption disabled\n');
  });

  it('a partition: the two nodes miss a connection each (an error naming the failed connection)', async () => {
    const s = await installed();
    s.faults.partition('k8s-vm1', 'k8s-vm2');
    const r = await weavectl(s, ['status', '-o', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    const vm1 = doc.problems.find((p: { node: string }) => p.node === 'k8s-vm1');
    expect(vm1.message).toMatch(/^1 of 2 expected peer connections established; k8s-vm2 \(.*\) failed \(read tcp4 .* i\/o timeout/);
  });
});

describe('check: ipam, connections, encryption, datapath', () => {
  it('pass on a healthy cluster, each in its category', async () => {
    const s = await installed();
    const r = await weavectl(s, ['check', '-o', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const cat = (name: string) => doc.categories.find((c: { name: string }) => c.name === name);
    expect(cat('ipam').checks.map((c: { id: string; result: string }) => `${c.id} ${c.result}`)).toEqual(['ipam-consensus ok', 'ipam-owners-reachable ok']);
    expect(cat('connections').checks[0]).toMatchObject({ id: 'connections-established', result: 'ok', message: '6 connections established on 3 nodes' });
    expect(cat('encryption').checks[0]).toMatchObject({ id: 'encryption-consistent', result: 'ok', message: 'disabled on every node (3)' });
    expect(cat('datapath').checks[0]).toMatchObject({ id: 'datapath-fastdp', result: 'ok', message: 'fastdp on 6 connections, MTU 1376' });
  });

  it('a sleeve pair is a warning (exit 0); IPAM without consensus fails (exit 1)', async () => {
    const s = await installed();
    s.faults.pathMtu(1300, ['k8s-vm2', 'k8s-vm3']);
    const warned = await weavectl(s, ['check']);
    expect(warned.code).toBe(0);
    expect(warned.stdout).toMatch(/‼ every connection uses the fast datapath \(fastdp\)\n.*sleeve between k8s-vm2 and k8s-vm3 \(MTU 1238\)/);
    weaveState(s).awaitingConsensus = true;
    const failed = await weavectl(s, ['check', '-o', 'json']);
    expect(failed.code).toBe(1);
    const ipam = JSON.parse(failed.stdout).categories.find((c: { name: string }) => c.name === 'ipam');
    expect(ipam.checks[0]).toMatchObject({ id: 'ipam-consensus', result: 'error' });
  });
});

describe('check without the right to exec', () => {
  it('the mesh checks warn that they could not look (not a finding)', async () => {
    const s = await installed(2);
    s.faults.forbid({ resource: 'pods', subresource: 'exec' });
    const r = await weavectl(s, ['check', '-o', 'json']);
    const doc = JSON.parse(r.stdout);
    const ipam = doc.categories.find((c: { name: string }) => c.name === 'ipam').checks[0];
    expect(ipam).toMatchObject({ id: 'ipam-consensus', result: 'warning' });
    expect(ipam.message).toMatch(/^could not check: exec into the weave-net pods is forbidden/);
  });
});

describe('status --wait', () => {
  it('waits until Weave Net is healthy', async () => {
    const s = await installed(2);
    weaveState(s).awaitingConsensus = true;
    setTimeout(() => {
      weaveState(s).awaitingConsensus = false;
    }, 1500).unref();
    const started = Date.now();
    const r = await weavectl(s, ['status', '--wait', '--timeout', '30s']);
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThan(1000);
    expect(r.stdout).toContain('√ Weave Net is healthy');
  });

  it('gives up at --timeout: exit 1, the last report, and why', async () => {
    const s = await installed(2);
    weaveState(s).awaitingConsensus = true;
    const r = await weavectl(s, ['status', '--wait', '--timeout', '4s']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('× Weave Net is not healthy');
    expect(r.stderr).toMatch(/error: Weave Net was not healthy within --timeout 4s: \d+ errors?: .*awaiting consensus/);
  });
});
