/**
 * Reads that do not wait for discovery (src/kube/kinds.ts, KubeCluster.get/prefetch/warmUp), against
 * the simulator: what install reads goes out in one round, every answer is the server's, and where a
 * guessed path is not served, discovery decides as before.
 */
import dc from 'node:diagnostics_channel';
import type http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { isObjectNotFound } from '../../src/cluster/status-errors.js';
import { kindResource } from '../../src/kube/kinds.js';
import { connect, type KubeCluster } from '../../src/cluster/kube-cluster.js';
import { NET_OBJECTS } from '../../src/manifest/net-settings.js';
import { startSimulator, type Simulator } from '../sim/index.js';

interface Seen {
  method: string;
  path: string;
  /** Requests already answered when this one arrived. */
  answeredBefore: number;
}

let sim: Simulator | undefined;
let cluster: KubeCluster | undefined;
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  cluster?.close();
  cluster = undefined;
  await sim?.stop();
  sim = undefined;
});

/** Every request the simulator receives, and how many answers had gone out before it arrived. */
function record(url: string): Seen[] {
  const port = Number(new URL(url).port);
  const seen: Seen[] = [];
  let answered = 0;
  const start = (msg: unknown) => {
    const req = (msg as { request: http.IncomingMessage }).request;
    if (req.socket?.localPort !== port) return;
    seen.push({ method: req.method ?? '', path: new URL(req.url ?? '/', url).pathname, answeredBefore: answered });
  };
  const finish = (msg: unknown) => {
    if ((msg as { request: http.IncomingMessage }).request.socket?.localPort === port) answered++;
  };
  dc.subscribe('http.server.request.start', start);
  dc.subscribe('http.server.response.finish', finish);
  cleanups.push(() => {
    dc.unsubscribe('http.server.request.start', start);
    dc.unsubscribe('http.server.response.finish', finish);
  });
  return seen;
}

async function open(k8sVersion: string): Promise<{ c: KubeCluster; seen: Seen[] }> {
  sim = await startSimulator({ k8sVersion, nodes: 1, latencyMs: 15 });
  const seen = record(sim.url);
  cluster = await connect({ kubeconfig: sim.kubeconfigPath, env: {}, onWarning: () => undefined, retry: { baseDelayMs: 10 } });
  return { c: cluster, seen };
}

const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'kube-system', name: 'weave-net' };

describe('reads that do not wait for discovery', () => {
  it('install reads the version, discovery and every Weave Net object in one round, and reads none of them twice', async () => {
    const { c, seen } = await open('1.29.2');
    sim!.put({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'weave-net', namespace: 'kube-system' } });
    c.warmUp();
    c.prefetch(NET_OBJECTS);
    const [sa, live, version] = await Promise.all([
      c.get({ apiVersion: 'v1', kind: 'ServiceAccount', namespace: 'kube-system', name: 'weave-net' }),
      c.get(ds),
      c.version(),
      c.serves('apps/v1', 'DaemonSet'),
    ]);
    expect(sa?.metadata.name).toBe('weave-net');
    expect(live).toBeUndefined();
    expect(version.gitVersion).toBe('v1.29.2');
    expect(seen.every((s) => s.answeredBefore === 0)).toBe(true); // one round
    expect(seen.map((s) => s.path).sort()).toEqual(
      [
        '/api',
        '/apis',
        '/version',
        '/api/v1/namespaces/kube-system/serviceaccounts/weave-net',
        '/apis/rbac.authorization.k8s.io/v1/clusterroles/weave-net',
        '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/weave-net',
        '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles/weave-net',
        '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings/weave-net',
        '/apis/apps/v1/namespaces/kube-system/daemonsets/weave-net',
      ].sort(),
    );
  });

  it('apply uses a read made ahead as the state before, then get() reads afresh', async () => {
    const { c, seen } = await open('1.29.2');
    const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'weave-net', namespace: 'kube-system' } };
    c.prefetch([{ apiVersion: 'v1', kind: 'ServiceAccount', namespace: 'kube-system', name: 'weave-net' }]);
    expect((await c.apply(sa, { fieldManager: 'weavectl' })).result).toBe('created');
    expect(seen.filter((s) => s.method === 'GET' && s.path.endsWith('/serviceaccounts/weave-net'))).toHaveLength(1);
    expect((await c.get({ apiVersion: 'v1', kind: 'ServiceAccount', namespace: 'kube-system', name: 'weave-net' }))?.metadata.name).toBe('weave-net');
    expect(seen.filter((s) => s.method === 'GET' && s.path.endsWith('/serviceaccounts/weave-net'))).toHaveLength(2);
    expect((await c.apply(sa, { fieldManager: 'weavectl' })).result).toBe('unchanged');
  });

  it('a missing object costs one request, not discovery first', async () => {
    const { c, seen } = await open('1.29.2');
    expect(await c.get(ds)).toBeUndefined();
    expect(seen.map((s) => s.path)).toEqual(['/apis/apps/v1/namespaces/kube-system/daemonsets/weave-net']);
  });

  it('where the guessed group/version is not served (1.7: no apps/v1), discovery decides as before', async () => {
    const { c, seen } = await open('1.7.5');
    await expect(c.get(ds)).rejects.toThrow(/does not serve DaemonSet in apps\/v1 \(it serves DaemonSet in extensions\/v1beta1\)/);
    expect(seen[0]?.path).toBe('/apis/apps/v1/namespaces/kube-system/daemonsets/weave-net');
    expect(seen.map((s) => s.path)).toContain('/apis');
    sim!.put({ apiVersion: 'extensions/v1beta1', kind: 'DaemonSet', metadata: { name: 'weave-net', namespace: 'kube-system' }, spec: { template: { metadata: { labels: { name: 'weave-net' } }, spec: { containers: [{ name: 'weave', image: 'weaveworks/weave-kube:2.0.5' }] } } } });
    expect((await c.get({ ...ds, apiVersion: 'extensions/v1beta1' }))?.metadata.name).toBe('weave-net');
  });
});

describe('the kinds table as the early reads use it', () => {
  it('knows the plural and scope of the kinds Weave Net uses, and nothing it does not', () => {
    expect(kindResource('apps/v1', 'DaemonSet')).toMatchObject({ plural: 'daemonsets', namespaced: true, group: 'apps', version: 'v1' });
    expect(kindResource('rbac.authorization.k8s.io/v1beta1', 'ClusterRole')).toMatchObject({ plural: 'clusterroles', namespaced: false });
    expect(kindResource('v1', 'ServiceAccount')).toMatchObject({ plural: 'serviceaccounts', namespaced: true, group: '' });
    expect(kindResource('example.com/v1', 'DaemonSet')).toBeUndefined();
    expect(kindResource('apps/v1', 'Widget')).toBeUndefined();
  });

  it('tells a missing object from a path the server does not serve', () => {
    expect(isObjectNotFound({ reason: 'NotFound', details: { name: 'weave-net', group: 'apps', kind: 'daemonsets' } }, 'daemonsets', 'weave-net')).toBe(true);
    expect(isObjectNotFound({ reason: 'NotFound', details: {}, message: 'the server could not find the requested resource' }, 'daemonsets', 'weave-net')).toBe(false);
    expect(isObjectNotFound({ reason: 'NotFound', details: { name: 'other', kind: 'daemonsets' } }, 'daemonsets', 'weave-net')).toBe(false);
    expect(isObjectNotFound(undefined, 'daemonsets', 'weave-net')).toBe(false);
  });
});
