/**
 * CONN_LIMIT end to end: `weavectl install --conn-limit 2` on 5 simulated nodes. Each weave router
 * then keeps 2 connections (the simulator's topology: test/sim/src/conn-limit.ts) and lists the other
 * targets as failed with "Connection limit reached (2)" (v2.8.1 vendor/github.com/weaveworks/mesh/
 * local_peer.go checkConnectionLimit, status.go); status and check expect min(nodes - 1, CONN_LIMIT)
 * established connections per node and do not count the refused targets as failures. Under a
 * binding limit a node below it is not short while it knows every peer and nothing else fails
 * (src/status/node-row.ts): with CONN_LIMIT=3 on 5 nodes every router holds 2.
 * Needs the bundle: `npm test` builds it first (or `node scripts/build.mjs`).
 */
import { describe, expect, it } from 'vitest';
import { sim, weavectl } from './harness.js';
import type { Simulator } from '../sim/index.js';

async function installed(limit = 2): Promise<Simulator> {
  const s = await sim({ k8sVersion: '1.29.2', nodes: 5, stepDelayMs: 5 });
  const r = await weavectl(s, ['install', '--conn-limit', String(limit), '--timeout', '60s'], { timeoutMs: 90_000 });
  expect(r.code).toBe(0);
  return s;
}

interface Row {
  node: string;
  status: string;
  connections: { established: number; peers: number; expected: number; short: boolean; failed: unknown[] };
}

describe('CONN_LIMIT=2 on 5 nodes', () => {
  it('status and check are healthy: 2 of 2 expected connections per node, the refused targets not reported', async () => {
    const s = await installed();
    const r = await weavectl(s, ['status', '-o', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.healthy).toBe(true);
    expect(doc.problems).toEqual([]);
    expect(doc.nodes.map((n: Row) => [n.node, n.status, n.connections])).toEqual(
      [1, 2, 3, 4, 5].map((i) => [`k8s-vm${i}`, 'ok', { established: 2, peers: 4, expected: 2, short: false, failed: [] }]),
    );
    expect(doc.datapath).toMatchObject({ overlay: 'fastdp', fastdp: 10, sleeve: 0 });
    const c = await weavectl(s, ['check', '-o', 'json']);
    expect(c.code).toBe(0);
    const conns = JSON.parse(c.stdout).categories.find((x: { name: string }) => x.name === 'connections');
    expect(conns.checks[0]).toMatchObject({ id: 'connections-established', result: 'ok', message: '10 connections established on 5 nodes' });
  });

  it('a partition between two connected nodes is still an error naming the failed connection', async () => {
    const s = await installed();
    s.faults.partition('k8s-vm1', 'k8s-vm2'); // neighbours on the ring: connected under the limit
    const r = await weavectl(s, ['status', '-o', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    const vm1 = doc.problems.find((p: { node: string }) => p.node === 'k8s-vm1');
    expect(vm1.message).toMatch(/^1 of 2 expected peer connections established; k8s-vm2 \(.*\) failed \(read tcp4 .* i\/o timeout/);
    const c = await weavectl(s, ['check', '-o', 'json']);
    expect(c.code).toBe(1);
    const conns = JSON.parse(c.stdout).categories.find((x: { name: string }) => x.name === 'connections');
    expect(conns.checks[0]).toMatchObject({ id: 'connections-established', result: 'error' });
    expect(conns.checks[0].message).toContain('k8s-vm1 1/2');
  });

  it('CONN_LIMIT=3 on 5 nodes: every router holds 2, below the limit, and status and check are healthy', async () => {
    const s = await installed(3);
    const r = await weavectl(s, ['status', '-o', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.nodes.map((n: Row) => [n.node, n.status, n.connections])).toEqual(
      [1, 2, 3, 4, 5].map((i) => [`k8s-vm${i}`, 'ok', { established: 2, peers: 4, expected: 3, short: false, failed: [] }]),
    );
    const c = await weavectl(s, ['check', '-o', 'json']);
    expect(c.code).toBe(0);
  });
});
