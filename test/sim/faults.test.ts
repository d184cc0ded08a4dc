import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from './index.js';
import { get } from './testkit.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

describe('request faults', () => {
  it('fails the next N matching requests with 500, 503 or 429 + Retry-After', async () => {
    sim = await startSimulator({ nodes: 1 });
    sim.faults.failRequests({ status: 503, count: 2, path: '/apis/apps' });
    expect((await get(sim, '/api/v1/nodes')).status).toBe(200);
    const a = await get(sim, '/apis/apps/v1/daemonsets');
    expect(a.status).toBe(503);
    expect(a.body).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 });
    expect((await get(sim, '/apis/apps/v1/daemonsets')).status).toBe(503);
    expect((await get(sim, '/apis/apps/v1/daemonsets')).status).toBe(200);
    const undo = sim.faults.failRequests({ status: 429, retryAfterSeconds: 3, method: 'GET' });
    const t = await get(sim, '/api/v1/nodes');
    expect(t.status).toBe(429);
    expect(t.headers.get('retry-after')).toBe('3');
    expect(t.body).toMatchObject({ reason: 'TooManyRequests', details: { retryAfterSeconds: 3 } });
    undo();
    sim.faults.failRequests({ status: 500, count: 1 });
    const i = await get(sim, '/api/v1/nodes');
    expect(i.body).toMatchObject({ reason: 'InternalError', code: 500 });
    expect(i.body['message']).toMatch(/^Internal error occurred: /);
  });

  it('fails a fraction of matching requests, deterministically', async () => {
    sim = await startSimulator({ nodes: 1 });
    sim.faults.failRequests({ status: 500, fraction: 0.25, path: /\/api\/v1\/nodes$/ });
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push((await get(sim, '/api/v1/nodes')).status);
    expect(codes.filter((c) => c === 500)).toHaveLength(2);
  });

  it('adds latency', async () => {
    sim = await startSimulator({ nodes: 1, latencyMs: 20 });
    sim.faults.latency(30);
    const t0 = Date.now();
    await get(sim, '/api/v1/nodes');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
  });

  it('denies per verb and resource until removed; allow rules and custom authorizers override', async () => {
    sim = await startSimulator({ nodes: 1 });
    const undo = sim.faults.forbid({ verb: ['list', 'watch'], resource: 'nodes' });
    const r = await get(sim, '/api/v1/nodes');
    expect(r.status).toBe(403);
    expect(r.body['message']).toBe('nodes is forbidden: User "sim-user" cannot list resource "nodes" in API group "" at the cluster scope');
    const one = await get(sim, '/api/v1/nodes/k8s-vm1');
    expect(one.status).toBe(200);
    undo();
    expect((await get(sim, '/api/v1/nodes')).status).toBe(200);
    sim.faults.forbid({ resource: '*' });
    sim.faults.allow({ verb: 'get', resource: 'namespaces', name: 'kube-system' });
    expect((await get(sim, '/api/v1/namespaces/kube-system')).status).toBe(200);
    const ns = await get(sim, '/api/v1/namespaces/default');
    expect(ns.body['message']).toBe('namespaces "default" is forbidden: User "sim-user" cannot get resource "namespaces" in API group "" at the cluster scope');
    sim.faults.authorizer((a) => (a.resource === 'namespaces' ? true : undefined));
    expect((await get(sim, '/api/v1/namespaces/default')).status).toBe(200);
  });
});
