/**
 * Paged listing (list's default page size, listPages) and PATCH (merge, strategic, JSON patch)
 * against the Kubernetes API simulator (test/sim). The requests the simulator receives are read
 * with node:diagnostics_channel, so the tests see the limit and continue parameters really sent.
 */
import dc from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, DEFAULT_PAGE_SIZE, type KubeCluster } from '../../src/cluster/kube-cluster.js';
import type { KubeObject } from '../../src/cluster/types.js';
import { startSimulator, type Simulator } from '../sim/index.js';

/** The requests one simulator receives (method and URL), in order. */
function recordRequests(sim: Simulator): { urls: URL[]; methods: string[]; contentTypes: string[]; stop: () => void } {
  const port = Number(new URL(sim.url).port);
  const rec = { urls: [] as URL[], methods: [] as string[], contentTypes: [] as string[], stop: () => undefined as void };
  const onStart = (msg: unknown) => {
    const req = (msg as { request: IncomingMessage }).request;
    if (req.socket?.localPort !== port) return;
    rec.urls.push(new URL(req.url ?? '/', sim.url));
    rec.methods.push(req.method ?? '');
    rec.contentTypes.push(String(req.headers['content-type'] ?? ''));
  };
  dc.subscribe('http.server.request.start', onStart);
  rec.stop = () => dc.unsubscribe('http.server.request.start', onStart);
  return rec;
}

const cm = (namespace: string, name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, labels },
  data: { v: name },
});

describe('paged lists and patches on Kubernetes 1.29', () => {
  let sim: Simulator;
  let c: KubeCluster;

  beforeAll(async () => {
    sim = await startSimulator({ k8sVersion: '1.29.2', nodes: 3, stepDelayMs: 5 });
    c = await connect({ kubeconfig: sim.kubeconfigPath, env: {}, onWarning: () => undefined, retry: { baseDelayMs: 10 } });
    sim.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pages' } });
    for (let i = 0; i < 7; i++) sim.put(cm('pages', `cm-${i}`, { parity: i % 2 ? 'odd' : 'even' }));
  });
  afterAll(async () => {
    c?.close();
    await sim?.stop();
  });

  it('listPages hands out pages of pageSize, following continue, with apiVersion and kind filled in', async () => {
    const rec = recordRequests(sim);
    const pages: string[][] = [];
    let res: { resourceVersion: string };
    try {
      res = await c.listPages({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'pages' }, { pageSize: 3 }, (items) => {
        expect(items.every((o) => o.apiVersion === 'v1' && o.kind === 'ConfigMap')).toBe(true);
        pages.push(items.map((o) => o.metadata.name));
      });
    } finally {
      rec.stop();
    }
    expect(pages).toEqual([['cm-0', 'cm-1', 'cm-2'], ['cm-3', 'cm-4', 'cm-5'], ['cm-6']]);
    const lists = rec.urls.filter((u) => u.pathname === '/api/v1/namespaces/pages/configmaps');
    expect(lists.map((u) => u.searchParams.get('limit'))).toEqual(['3', '3', '3']);
    expect(lists[0]?.searchParams.has('continue')).toBe(false);
    expect(lists.slice(1).every((u) => (u.searchParams.get('continue') ?? '') !== '')).toBe(true);
    expect(Number(res.resourceVersion)).toBeGreaterThan(0);
  });

  it('listPages waits for an async onPage before asking for the next page, and stops when it throws', async () => {
    const events: string[] = [];
    const rec = recordRequests(sim);
    try {
      await c.listPages({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'pages' }, { pageSize: 4 }, async (items) => {
        events.push(`page ${items.length} after ${rec.urls.length} requests`);
        await new Promise((r) => setTimeout(r, 30));
        events.push('page done');
      });
    } finally {
      rec.stop();
    }
    expect(events).toEqual(['page 4 after 1 requests', 'page done', 'page 3 after 2 requests', 'page done']);

    let calls = 0;
    await expect(
      c.listPages({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'pages' }, { pageSize: 2 }, () => {
        calls++;
        throw new Error('reducer broke');
      }),
    ).rejects.toThrow('reducer broke');
    expect(calls).toBe(1);
  });

  it('listPages: selectors, limit as the page size, cluster-scoped kinds, and an empty list as one empty page', async () => {
    const odd: string[] = [];
    await c.listPages({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'pages' }, { labelSelector: 'parity=odd', limit: 2 }, (items) => {
      expect(items.length).toBeLessThanOrEqual(2);
      odd.push(...items.map((o) => o.metadata.name));
    });
    expect(odd).toEqual(['cm-1', 'cm-3', 'cm-5']);

    const nodes: string[][] = [];
    await c.listPages({ apiVersion: 'v1', kind: 'Node' }, { pageSize: 2 }, (items) => {
      nodes.push(items.map((n) => n.metadata.name));
    });
    expect(nodes).toEqual([['k8s-vm1', 'k8s-vm2'], ['k8s-vm3']]);

    const empty: KubeObject[][] = [];
    const res = await c.listPages({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'pages' }, { labelSelector: 'parity=none' }, (items) => {
      empty.push(items);
    });
    expect(empty).toEqual([[]]);
    expect(res.resourceVersion).not.toBe('');

    await expect(c.listPages({ apiVersion: 'v1', kind: 'ConfigMap' }, { pageSize: 0 }, () => undefined)).rejects.toThrow(
      'invalid list page size 0: must be a whole number of at least 1',
    );
  });

  it('listPages fails clearly when the continue token expires between pages', async () => {
    let pages = 0;
    const err = await c
      .listPages({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'pages' }, { pageSize: 3 }, () => {
        pages++;
        // writes and a compaction between two pages: the token's snapshot is gone
        sim.put(cm('pages', 'late'));
        sim.compact();
      })
      .then(
        () => undefined,
        (e: Error & { hint?: string }) => e,
      );
    sim.delete('v1', 'ConfigMap', 'pages', 'late');
    expect(pages).toBe(1);
    expect(err?.message).toBe(
      'list of configmaps in namespace "pages": the API server\'s continue token expired after 3 objects were read (the list changed too much, or reading it took too long)',
    );
    expect(err?.hint).toBe('try again');
  });

  it(`list reads pages of ${DEFAULT_PAGE_SIZE} by default, of limit when given, and returns every item`, async () => {
    sim.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'many' } });
    const n = DEFAULT_PAGE_SIZE + 20;
    for (let i = 0; i < n; i++) sim.put(cm('many', `m-${String(i).padStart(4, '0')}`));
    const rec = recordRequests(sim);
    let all;
    let small;
    try {
      all = await c.list({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'many' });
      small = await c.list({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'pages' }, { limit: 5 });
    } finally {
      rec.stop();
    }
    expect(all.items).toHaveLength(n);
    expect(new Set(all.items.map((o) => o.metadata.name)).size).toBe(n);
    expect(all.items.every((o) => o.kind === 'ConfigMap' && o.apiVersion === 'v1')).toBe(true);
    const many = rec.urls.filter((u) => u.pathname === '/api/v1/namespaces/many/configmaps');
    expect(many.map((u) => u.searchParams.get('limit'))).toEqual([String(DEFAULT_PAGE_SIZE), String(DEFAULT_PAGE_SIZE)]);
    expect(small.items.map((o) => o.metadata.name)).toEqual(['cm-0', 'cm-1', 'cm-2', 'cm-3', 'cm-4', 'cm-5', 'cm-6']);
    expect(rec.urls.filter((u) => u.pathname === '/api/v1/namespaces/pages/configmaps').map((u) => u.searchParams.get('limit'))).toEqual(['5', '5']);
  });

  it("a merge patch removes an annotation another field manager wrote, keeping the others", async () => {
    sim.put({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'isolated', annotations: { 'net.beta.kubernetes.io/network-policy': '{"ingress":{"isolation":"DefaultDeny"}}', keep: 'me' } },
    });
    const rec = recordRequests(sim);
    let out: KubeObject;
    try {
      out = await c.patch(
        { apiVersion: 'v1', kind: 'Namespace', name: 'isolated' },
        { metadata: { annotations: { 'net.beta.kubernetes.io/network-policy': null } } },
        { type: 'merge', fieldManager: 'weavectl' },
      );
    } finally {
      rec.stop();
    }
    expect(out.metadata.annotations).toEqual({ keep: 'me' });
    expect(sim.get('v1', 'Namespace', undefined, 'isolated')?.metadata.annotations).toEqual({ keep: 'me' });
    const i = rec.methods.indexOf('PATCH');
    expect(rec.urls[i]?.pathname).toBe('/api/v1/namespaces/isolated');
    expect(rec.urls[i]?.searchParams.get('fieldManager')).toBe('weavectl');
    expect(rec.contentTypes[i]).toBe('application/merge-patch+json');
  });

  it('a strategic merge patch merges containers by name; a merge patch would replace the list', async () => {
    const ds = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'two', namespace: 'pages' },
      spec: {
        selector: { matchLabels: { app: 'two' } },
        template: {
          metadata: { labels: { app: 'two' } },
          spec: { containers: [{ name: 'a', image: 'img/a:1' }, { name: 'b', image: 'img/b:1' }] },
        },
      },
    };
    sim.put(ds);
    const ref = { apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'pages', name: 'two' };
    const body = { spec: { template: { spec: { containers: [{ name: 'a', env: [{ name: 'X', value: '1' }] }] } } } };
    const out = await c.patch(ref, body, { type: 'strategic' });
    const containers = out.spec.template.spec.containers as { name: string; image: string; env?: unknown[] }[];
    expect(containers.map((x) => `${x.name} ${x.image}`)).toEqual(['a img/a:1', 'b img/b:1']);
    expect(containers[0]?.env).toEqual([{ name: 'X', value: '1' }]);
    // the same body as a JSON merge patch replaces the whole list: container a without an image is refused
    await expect(c.patch(ref, body, { type: 'merge' })).rejects.toThrow(/image/);
    expect((sim.get('apps/v1', 'DaemonSet', 'pages', 'two')?.spec.template.spec.containers as unknown[]).length).toBe(2);
  });

  it('a JSON patch applies operations; a failed test operation changes nothing', async () => {
    sim.put(cm('pages', 'jp'));
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'pages', name: 'jp' };
    const rec = recordRequests(sim);
    let out: KubeObject;
    try {
      out = await c.patch(ref, [{ op: 'add', path: '/data/extra', value: 'yes' }, { op: 'remove', path: '/data/v' }], { type: 'json' });
    } finally {
      rec.stop();
    }
    expect(out.data).toEqual({ extra: 'yes' });
    expect(rec.contentTypes[rec.methods.indexOf('PATCH')]).toBe('application/json-patch+json');
    await expect(c.patch(ref, [{ op: 'test', path: '/data/extra', value: 'no' }, { op: 'remove', path: '/data/extra' }], { type: 'json' })).rejects.toThrow();
    expect(sim.get('v1', 'ConfigMap', 'pages', 'jp')?.data).toEqual({ extra: 'yes' });
  });

  it('patch: dry-run does not store, a missing object is an error, a wrong body is refused before sending', async () => {
    sim.put(cm('pages', 'dry'));
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'pages', name: 'dry' };
    const out = await c.patch(ref, { data: { v: 'changed' } }, { type: 'merge', dryRun: true });
    expect(out.data).toEqual({ v: 'changed' });
    expect(sim.get('v1', 'ConfigMap', 'pages', 'dry')?.data).toEqual({ v: 'dry' });

    await expect(c.patch({ ...ref, name: 'ghost' }, { data: {} }, { type: 'merge' })).rejects.toThrow('configmaps "ghost" not found');

    const rec = recordRequests(sim);
    try {
      await expect(c.patch(ref, [{ op: 'remove', path: '/data' }], { type: 'merge' })).rejects.toThrow('a merge patch of ConfigMap dry must be an object');
      await expect(c.patch(ref, { data: {} }, { type: 'json' })).rejects.toThrow('a json patch of ConfigMap dry must be an array of operations');
      await expect(c.patch(ref, {}, { type: 'apply' as never })).rejects.toThrow('unknown patch type "apply": use merge, strategic or json');
    } finally {
      rec.stop();
    }
    expect(rec.methods.filter((m) => m === 'PATCH')).toEqual([]);
  });

  it('patch: merge patches are retried after a 500, JSON patches are not', async () => {
    sim.put(cm('pages', 'retry'));
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'pages', name: 'retry' };
    const undo = sim.faults.failRequests({ status: 500, count: 1, method: 'PATCH' });
    try {
      expect((await c.patch(ref, { data: { v: 'merged' } }, { type: 'merge' })).data).toEqual({ v: 'merged' });
    } finally {
      undo();
    }
    const undo2 = sim.faults.failRequests({ status: 500, count: 1, method: 'PATCH' });
    try {
      await expect(c.patch(ref, [{ op: 'add', path: '/data/w', value: '1' }], { type: 'json' })).rejects.toThrow('500 from the API server');
    } finally {
      undo2();
    }
    expect(sim.get('v1', 'ConfigMap', 'pages', 'retry')?.data).toEqual({ v: 'merged' });
  });
});

describe('patch on Kubernetes 1.7.5', () => {
  let sim: Simulator;
  let c: KubeCluster;
  beforeAll(async () => {
    sim = await startSimulator({ k8sVersion: '1.7.5', nodes: 1, stepDelayMs: 5 });
    c = await connect({ kubeconfig: sim.kubeconfigPath, env: {}, onWarning: () => undefined, retry: { baseDelayMs: 10 } });
  });
  afterAll(async () => {
    c?.close();
    await sim?.stop();
  });

  it('merge-patches an annotation away; server-side dry-run is refused before it could write', async () => {
    sim.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'old', annotations: { 'net.beta.kubernetes.io/network-policy': '{}' } } });
    const ref = { apiVersion: 'v1', kind: 'Namespace', name: 'old' };
    await expect(c.patch(ref, { metadata: { annotations: { 'net.beta.kubernetes.io/network-policy': null } } }, { type: 'merge', dryRun: true })).rejects.toThrow(
      'server-side dry-run needs Kubernetes 1.13 or newer; the cluster runs v1.7.5',
    );
    expect(sim.get('v1', 'Namespace', undefined, 'old')?.metadata.annotations).toEqual({ 'net.beta.kubernetes.io/network-policy': '{}' });
    const out = await c.patch(ref, { metadata: { annotations: { 'net.beta.kubernetes.io/network-policy': null } } }, { type: 'merge' });
    expect(out.metadata.annotations ?? {}).toEqual({});
    // a list of an old server without limit support still comes back whole
    const pages: number[] = [];
    await c.listPages({ apiVersion: 'v1', kind: 'Namespace' }, { pageSize: 1 }, (items) => {
      pages.push(items.length);
    });
    expect(pages.reduce((a, b) => a + b, 0)).toBe(sim.list('v1', 'Namespace').length);
  });
});
