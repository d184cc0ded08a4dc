/**
 * Discovery against the Kubernetes API simulator (test/sim) and a scripted server on 127.0.0.1:
 * aggregated discovery (apidiscovery.k8s.io v2beta1 on 1.27-1.29, v2 from 1.30) answers every
 * question from /api and /apis; a legacy server (1.26 and older), or a version the aggregated
 * document marks Stale, is read per group/version as before. The requests the servers receive are
 * read with node:diagnostics_channel, so the counts are what really went over the wire.
 */
import dc from 'node:diagnostics_channel';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Discovery, DISCOVERY_ACCEPT, type ResourceInfo } from '../../src/cluster/discovery.js';
import { connect } from '../../src/cluster/kube-cluster.js';
import { Transport, type HttpRequest } from '../../src/cluster/transport.js';
import { startSimulator, type Simulator } from '../sim/index.js';

interface Seen {
  path: string;
  accept: string;
}

/** The requests the server on `url` receives (path and Accept), in order. */
function recordRequests(url: string): { seen: Seen[]; paths: () => string[]; stop: () => void } {
  const port = Number(new URL(url).port);
  const seen: Seen[] = [];
  const on = (msg: unknown) => {
    const req = (msg as { request: http.IncomingMessage }).request;
    if (req.socket?.localPort !== port) return;
    seen.push({ path: new URL(req.url ?? '/', url).pathname, accept: String(req.headers['accept'] ?? '') });
  };
  dc.subscribe('http.server.request.start', on);
  const rec = {
    seen,
    paths: () => seen.map((s) => s.path),
    stop: () => {
      dc.unsubscribe('http.server.request.start', on);
    },
  };
  cleanups.push(rec.stop);
  return rec;
}

/** The same transport, but never asking for aggregated discovery: the legacy path, against the same server. */
function legacyOnly(t: Transport): Transport {
  return new Proxy(t, {
    get(target, prop) {
      if (prop === 'json') {
        return <T>(req: HttpRequest): Promise<T> => {
          const { accept: _ignored, ...rest } = req;
          return target.json<T>(rest);
        };
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function sim(k8sVersion: string): Promise<Simulator> {
  const s = await startSimulator({ k8sVersion, nodes: 1, stepDelayMs: 1000 });
  cleanups.push(() => s.stop());
  return s;
}

/**
 * The transport of a cluster connected as weavectl connects (kubeconfig, credentials, options), taken from
 * the KubeCluster so these tests do not depend on how a Transport is put together.
 */
async function transport(kubeconfig: string, legacy = false): Promise<Transport> {
  const c = await connect({ kubeconfig, env: {}, onWarning: () => undefined, retry: { baseDelayMs: 5 } });
  cleanups.push(() => c.close());
  const t = (c as unknown as { t: unknown }).t;
  if (!(t instanceof Transport)) throw new Error('KubeCluster no longer keeps its Transport in "t": update this helper');
  return legacy ? legacyOnly(t) : t;
}

const QUESTIONS: [string, string][] = [
  ['apps/v1', 'DaemonSet'],
  ['rbac.authorization.k8s.io/v1', 'ClusterRole'],
  ['v1', 'ServiceAccount'],
  ['extensions/v1beta1', 'DaemonSet'],
];

async function ask(d: Discovery): Promise<(ResourceInfo | undefined)[]> {
  const out: (ResourceInfo | undefined)[] = [];
  for (const [apiVersion, kind] of QUESTIONS) out.push(await d.resolve(apiVersion, kind));
  return out;
}

/** Every kind of every served group/version, resolved. */
async function everything(d: Discovery, s: Simulator): Promise<(ResourceInfo | undefined)[]> {
  const out: (ResourceInfo | undefined)[] = [];
  for (const gv of s.surface.versions) for (const r of gv.resources) out.push(await d.resolve(gv.groupVersion, r.kind));
  return out;
}

describe('discovery through aggregated discovery (simulator)', () => {
  for (const version of ['1.29.2', '1.35.0']) {
    it(`${version}: resolving four kinds costs /api and /apis only, with the answers of the legacy path`, async () => {
      const s = await sim(version);
      const rec = recordRequests(s.url);
      const d = new Discovery(await transport(s.kubeconfigPath));
      const answers = await ask(d);
      expect(rec.paths().sort()).toEqual(['/api', '/apis']);
      expect(rec.seen.every((r) => r.accept === DISCOVERY_ACCEPT)).toBe(true);
      expect(answers[0]).toEqual({ apiVersion: 'apps/v1', group: 'apps', version: 'v1', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true, verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] });
      expect(answers[1]).toMatchObject({ plural: 'clusterroles', namespaced: false, group: 'rbac.authorization.k8s.io' });
      expect(answers[2]).toMatchObject({ apiVersion: 'v1', group: '', plural: 'serviceaccounts', namespaced: true });
      expect(answers[3]).toBeUndefined();
      // an unserved kind's failure names where it is served, still without another request
      await expect(d.require('extensions/v1beta1', 'DaemonSet')).rejects.toThrow('the cluster does not serve DaemonSet in extensions/v1beta1 (it serves DaemonSet in apps/v1)');
      expect(await d.servedVersionsOf('ClusterRole')).toEqual(['rbac.authorization.k8s.io/v1']);
      expect(await everything(d, s)).not.toContain(undefined);
      expect(rec.paths()).toHaveLength(2);

      // the legacy path against the same server: the same group/versions in the same order, the same answers
      const legacyRec = recordRequests(s.url);
      const legacy = new Discovery(await transport(s.kubeconfigPath, true));
      expect(await ask(legacy)).toEqual(answers);
      expect(legacyRec.paths()).toEqual(expect.arrayContaining(['/api', '/apis', '/apis/apps/v1', '/apis/rbac.authorization.k8s.io/v1', '/api/v1']));
      expect(legacyRec.seen.find((r) => r.path === '/api')!.accept).toBe('application/json');
      expect(await legacy.groupVersions()).toEqual(await d.groupVersions());
      expect(await everything(legacy, s)).toEqual(await everything(d, s));
      expect(await legacy.servedVersionsOf('ClusterRole')).toEqual(['rbac.authorization.k8s.io/v1']);
    });
  }

  it('1.26 (no aggregated discovery): the same Accept header gets the legacy documents, read per group/version as before', async () => {
    const s = await sim('1.26.3');
    const rec = recordRequests(s.url);
    const d = new Discovery(await transport(s.kubeconfigPath));
    const answers = await ask(d);
    expect(rec.paths()).toEqual(expect.arrayContaining(['/api', '/apis', '/apis/apps/v1', '/apis/rbac.authorization.k8s.io/v1', '/api/v1']));
    expect(rec.paths()).not.toContain('/apis/extensions/v1beta1'); // not in /apis: no request
    expect(rec.paths()).toHaveLength(5);

    // 1.26 and 1.29 serve the same kinds in the same group/versions: the answers of both paths agree
    const modern = await sim('1.29.2');
    const viaAggregated = new Discovery(await transport(modern.kubeconfigPath));
    expect(await ask(viaAggregated)).toEqual(answers);
    expect(await viaAggregated.groupVersions()).toEqual(await d.groupVersions());
  });

  it('servedVersionsOf on both paths: 1.15 legacy, 1.29 aggregated', async () => {
    const old = await sim('1.15.12');
    const d = new Discovery(await transport(old.kubeconfigPath));
    expect(await d.servedVersionsOf('DaemonSet')).toEqual(['extensions/v1beta1', 'apps/v1', 'apps/v1beta2']);
    expect(await d.servedVersionsOf('Widget')).toEqual([]);

    const s = await sim('1.29.2');
    const rec = recordRequests(s.url);
    const agg = new Discovery(await transport(s.kubeconfigPath));
    expect(await agg.servedVersionsOf('DaemonSet')).toEqual(['apps/v1']);
    expect(await agg.servedVersionsOf('NetworkPolicy')).toEqual(['networking.k8s.io/v1']);
    expect(await agg.servedVersionsOf('Widget')).toEqual([]);
    expect(rec.paths().sort()).toEqual(['/api', '/apis']);
  });
});

// ---- a scripted server: a Stale version in the aggregated document ----

const VERBS = ['get', 'list', 'watch'];

function resource(plural: string, kind: string, namespaced: boolean, subresources?: { subresource: string; kind: string; verbs: string[] }[]) {
  return {
    resource: plural,
    responseKind: { group: '', version: '', kind },
    scope: namespaced ? 'Namespaced' : 'Cluster',
    singularResource: plural.replace(/s$/, ''),
    verbs: VERBS,
    ...(subresources ? { subresources: subresources.map((s) => ({ subresource: s.subresource, responseKind: { group: '', version: '', kind: s.kind }, verbs: s.verbs })) } : {}),
  };
}

const AGG_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const SCRIPTED: Record<string, { type: string; body: unknown } | { status: number }> = {
  '/api': {
    type: AGG_TYPE,
    body: {
      kind: 'APIGroupDiscoveryList',
      apiVersion: 'apidiscovery.k8s.io/v2',
      metadata: {},
      items: [{ metadata: {}, versions: [{ version: 'v1', freshness: 'Current', resources: [resource('configmaps', 'ConfigMap', true), resource('nodes', 'Node', false, [{ subresource: 'status', kind: 'Node', verbs: ['get'] }])] }] }],
    },
  },
  '/apis': {
    type: AGG_TYPE,
    body: {
      kind: 'APIGroupDiscoveryList',
      apiVersion: 'apidiscovery.k8s.io/v2',
      metadata: {},
      items: [
        { metadata: { name: 'apps' }, versions: [{ version: 'v1', freshness: 'Current', resources: [resource('daemonsets', 'DaemonSet', true)] }] },
        {
          // an aggregated API server the kube-apiserver could not reach: what it lists is not to be trusted
          metadata: { name: 'metrics.k8s.io' },
          versions: [{ version: 'v1beta1', freshness: 'Stale', resources: [resource('oldpodmetrics', 'PodMetrics', false)] }],
        },
        {
          metadata: { name: 'example.com' },
          versions: [
            { version: 'v1', freshness: 'Stale' },
            { version: 'v1alpha1', freshness: 'Current', resources: [resource('widgets', 'Widget', true)] },
          ],
        },
      ],
    },
  },
  '/apis/metrics.k8s.io/v1beta1': {
    type: 'application/json',
    body: {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'metrics.k8s.io/v1beta1',
      resources: [
        { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
        { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
      ],
    },
  },
  // the unreachable aggregated API itself
  '/apis/example.com/v1': { status: 503 },
};

async function scriptedServer(): Promise<{ url: string; kubeconfig: string }> {
  const server = http.createServer((req, res) => {
    const a = SCRIPTED[new URL(req.url ?? '/', 'http://x').pathname];
    if (!a || 'status' in a) {
      const code = a ? a.status : 404;
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason: code === 404 ? 'NotFound' : 'ServiceUnavailable', message: code === 404 ? 'the server could not find the requested resource' : 'service unavailable' }));
      return;
    }
    res.writeHead(200, { 'Content-Type': a.type, ...(a.type === AGG_TYPE ? { Vary: 'Accept' } : {}) });
    res.end(JSON.stringify(a.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  server.unref();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weavectl-discovery-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const kubeconfig = path.join(dir, 'kubeconfig');
  fs.writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'x',
      clusters: [{ name: 'x', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
      contexts: [{ name: 'x', context: { cluster: 'x' } }],
      users: [],
    }),
  );
  return { url, kubeconfig };
}

describe('a Stale version in the aggregated document', () => {
  it('is listed, but its resources are read the legacy way when needed', async () => {
    const srv = await scriptedServer();
    const rec = recordRequests(srv.url);
    const d = new Discovery(await transport(srv.kubeconfig));
    expect(await d.groupVersions()).toEqual(['v1', 'apps/v1', 'metrics.k8s.io/v1beta1', 'example.com/v1', 'example.com/v1alpha1']);
    expect(await d.resolve('apps/v1', 'DaemonSet')).toMatchObject({ plural: 'daemonsets', namespaced: true });
    expect(await d.resolve('v1', 'Node')).toMatchObject({ plural: 'nodes', namespaced: false, verbs: VERBS });
    expect(await d.resolve('example.com/v1alpha1', 'Widget')).toMatchObject({ plural: 'widgets' });
    expect(rec.paths().sort()).toEqual(['/api', '/apis']);

    // the stale version: one legacy request, whose answer wins over the stale list
    expect(await d.resolve('metrics.k8s.io/v1beta1', 'PodMetrics')).toEqual({
      apiVersion: 'metrics.k8s.io/v1beta1',
      group: 'metrics.k8s.io',
      version: 'v1beta1',
      kind: 'PodMetrics',
      plural: 'pods',
      namespaced: true,
      verbs: ['get', 'list'],
    });
    expect(rec.seen.slice(2)).toEqual([{ path: '/apis/metrics.k8s.io/v1beta1', accept: 'application/json' }]);
    expect(await d.resolve('metrics.k8s.io/v1beta1', 'NodeMetrics')).toMatchObject({ plural: 'nodes' });
    expect(rec.paths()).toHaveLength(3); // cached

    // servedVersionsOf reads the other stale version too; an unreachable one does not hide the rest
    expect(await d.servedVersionsOf('Widget')).toEqual(['example.com/v1alpha1']);
    expect(rec.paths().filter((p) => p === '/apis/example.com/v1').length).toBeGreaterThan(0);
    expect(rec.paths().filter((p) => p !== '/apis/example.com/v1')).toHaveLength(3);
    await expect(d.resolve('example.com/v1', 'Widget')).rejects.toThrow(/503|unavailable/i);
  });
});
