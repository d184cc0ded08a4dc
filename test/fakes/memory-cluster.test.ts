/**
 * The in-memory cluster answers as the API server and the cluster layer do, where the flows depend on it:
 * discovery by version, preconditions and conflicts, apply results, selectors, paging, watches, errors.
 */
import { describe, expect, it } from 'vitest';
import { isKubeApiError, KubeApiError } from '../../src/cluster/status-errors.js';
import type { KubeObject, WatchEvent } from '../../src/cluster/types.js';
import { WeavectlError } from '../../src/errors.js';
import { MemoryCluster } from './memory-cluster.js';

const cm = (name: string, data: Record<string, string>, namespace = 'kube-system'): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data }) as KubeObject;
const ref = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name });

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

describe('discovery follows the Kubernetes version (the simulator\'s API table)', () => {
  it('1.7.5 serves DaemonSets in extensions/v1beta1 only; 1.29 in apps/v1 only', async () => {
    const old = new MemoryCluster({ k8sVersion: '1.7.5' });
    expect(await old.serves('extensions/v1beta1', 'DaemonSet')).toBe(true);
    expect(await old.serves('apps/v1', 'DaemonSet')).toBe(false);
    expect((await old.servedVersionsOf('NetworkPolicy')).sort()).toEqual(['extensions/v1beta1', 'networking.k8s.io/v1']);
    const now = new MemoryCluster({ k8sVersion: '1.29.2' });
    expect(await now.serves('apps/v1', 'DaemonSet')).toBe(true);
    expect(await now.serves('extensions/v1beta1', 'DaemonSet')).toBe(false);
    expect(await now.version()).toEqual({ major: '1', minor: '29', gitVersion: 'v1.29.2' });
  });

  it('refuses a kind it does not serve as the cluster layer does, naming where it is served', async () => {
    const c = new MemoryCluster({ k8sVersion: '1.29.2' });
    const err = await rejection(c.get({ apiVersion: 'extensions/v1beta1', kind: 'DaemonSet', namespace: 'kube-system', name: 'weave-net' }));
    expect(err).toBeInstanceOf(WeavectlError);
    expect((err as Error).message).toBe('the cluster does not serve DaemonSet in extensions/v1beta1 (it serves DaemonSet in apps/v1)');
  });

  it('one object whatever group version reads it', async () => {
    const c = new MemoryCluster({ k8sVersion: '1.10.0' });
    c.put({ apiVersion: 'extensions/v1beta1', kind: 'DaemonSet', metadata: { name: 'weave-net', namespace: 'kube-system' }, spec: {} });
    const viaApps = await c.get({ apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'kube-system', name: 'weave-net' });
    expect(viaApps?.apiVersion).toBe('apps/v1');
    expect(viaApps?.metadata.uid).toBe(c.peek('extensions/v1beta1', 'DaemonSet', 'kube-system', 'weave-net')?.metadata.uid);
  });
});

describe('writes', () => {
  it('apply creates, then says unchanged without a write, then configured with a new resourceVersion', async () => {
    const c = new MemoryCluster();
    const first = await c.apply(cm('a', { k: '1' }), { fieldManager: 'weavectl' });
    expect(first.result).toBe('created');
    const rv = first.object.metadata.resourceVersion;
    const again = await c.apply(cm('a', { k: '1' }), { fieldManager: 'weavectl' });
    expect(again.result).toBe('unchanged');
    expect(again.object.metadata.resourceVersion).toBe(rv);
    const changed = await c.apply(cm('a', { k: '2' }), { fieldManager: 'weavectl' });
    expect(changed.result).toBe('configured');
    expect(Number(changed.object.metadata.resourceVersion)).toBeGreaterThan(Number(rv));
    expect((await c.get(ref('a')))?.data).toEqual({ k: '2' });
  });

  it('metadata.resourceVersion is a precondition: 409 Conflict when the object moved, ignored on create', async () => {
    const c = new MemoryCluster();
    const { object } = await c.apply({ ...cm('a', { k: '1' }), metadata: { name: 'a', namespace: 'kube-system', resourceVersion: '1' } }, { fieldManager: 'weavectl' });
    c.put({ ...object, data: { k: 'someone else' } } as KubeObject);
    const stale = { ...cm('a', { k: '2' }), metadata: { name: 'a', namespace: 'kube-system', resourceVersion: String(object.metadata.resourceVersion) } };
    const err = await rejection(c.apply(stale, { fieldManager: 'weavectl' }));
    expect(isKubeApiError(err, 409)).toBe(true);
    expect((err as KubeApiError).reason).toBe('Conflict');
    expect((await c.get(ref('a')))?.data).toEqual({ k: 'someone else' });
  });

  it('a field another manager owns is a 409 apply conflict unless forced', async () => {
    const c = new MemoryCluster();
    await c.apply(cm('a', { k: '1' }), { fieldManager: 'kubectl' });
    const err = await rejection(c.apply(cm('a', { k: '2' }), { fieldManager: 'weavectl' }));
    expect(isKubeApiError(err, 409)).toBe(true);
    expect((err as Error).message).toMatch(/^apply conflict on configmaps "a" in namespace "kube-system": /);
    expect((await c.apply(cm('a', { k: '2' }), { fieldManager: 'weavectl', force: true })).result).toBe('configured');
  });

  it('create of an existing object is 409 AlreadyExists; in a missing namespace 404', async () => {
    const c = new MemoryCluster();
    await c.create(cm('a', {}));
    const exists = await rejection(c.create(cm('a', {})));
    expect(isKubeApiError(exists, 409) && exists.reason).toBe('AlreadyExists');
    const noNs = await rejection(c.create(cm('b', {}, 'nowhere')));
    expect(isKubeApiError(noNs, 404)).toBe(true);
  });

  it('a dry run writes nothing; before 1.13 it is refused', async () => {
    const c = new MemoryCluster();
    const before = c.snapshot();
    expect((await c.apply(cm('a', { k: '1' }), { fieldManager: 'weavectl', dryRun: true })).result).toBe('created');
    expect(c.snapshot()).toEqual(before);
    const old = new MemoryCluster({ k8sVersion: '1.12.0' });
    expect(((await rejection(old.apply(cm('a', {}), { fieldManager: 'weavectl', dryRun: true }))) as Error).message).toMatch(/^server-side dry-run needs Kubernetes 1.13/);
  });

  it('patches: strategic merges env by name; a stale resourceVersion in the body is 409', async () => {
    const c = new MemoryCluster();
    const ds = c.put({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'weave-net', namespace: 'kube-system' },
      spec: { template: { spec: { containers: [{ name: 'weave', env: [{ name: 'A', value: '1' }, { name: 'WEAVE_PASSWORD', value: 'secret' }] }] } } },
    });
    const dsRef = { apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'kube-system', name: 'weave-net' };
    const patched = await c.patch(dsRef, { metadata: { resourceVersion: ds.metadata.resourceVersion }, spec: { template: { spec: { containers: [{ name: 'weave', env: [{ name: 'WEAVE_PASSWORD', $patch: 'delete' }] }] } } } }, { type: 'strategic' });
    expect(patched.spec.template.spec.containers[0].env).toEqual([{ name: 'A', value: '1' }]);
    expect(patched.metadata.generation).toBe(2);
    const stale = await rejection(c.patch(dsRef, { metadata: { resourceVersion: ds.metadata.resourceVersion }, spec: {} }, { type: 'merge' }));
    expect(isKubeApiError(stale, 409)).toBe(true);
  });

  it('delete says whether there was something to delete', async () => {
    const c = new MemoryCluster();
    c.put(cm('a', {}));
    expect(await c.delete(ref('a'))).toBe(true);
    expect(await c.delete(ref('a'))).toBe(false);
    expect(await c.get(ref('a'))).toBeUndefined();
  });
});

describe('reads', () => {
  it('label and field selectors, all namespaces or one, in pages', async () => {
    const c = new MemoryCluster();
    c.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } });
    for (let i = 0; i < 5; i++) c.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `weave-net-${i}`, namespace: 'kube-system', labels: { name: 'weave-net' } } });
    c.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'prod', labels: { app: 'web' } } });
    const weave = await c.list({ apiVersion: 'v1', kind: 'Pod' }, { labelSelector: 'name=weave-net' });
    expect(weave.items.map((p) => p.metadata.name)).toEqual(['weave-net-0', 'weave-net-1', 'weave-net-2', 'weave-net-3', 'weave-net-4']);
    expect((await c.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'prod' })).items.map((p) => p.metadata.name)).toEqual(['web']);
    expect((await c.list({ apiVersion: 'v1', kind: 'Pod' }, { fieldSelector: 'metadata.name=web' })).items).toHaveLength(1);
    const pages: number[] = [];
    await c.listPages({ apiVersion: 'v1', kind: 'Pod' }, { pageSize: 2 }, (items) => {
      pages.push(items.length);
    });
    expect(pages).toEqual([2, 2, 2]);
  });

  it('a forbidden request is the cluster layer\'s 403, and a SelfSubjectAccessReview for it denies', async () => {
    const c = new MemoryCluster().forbid({ verb: 'list', kind: 'DaemonSet' });
    const err = await rejection(c.list({ apiVersion: 'apps/v1', kind: 'DaemonSet' }));
    expect(isKubeApiError(err, 403)).toBe(true);
    expect((err as Error).message).toMatch(/^forbidden: cannot list daemonsets\.apps \(cluster-wide\)/);
    const review = await c.create({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'list', group: 'apps', resource: 'daemonsets' } } });
    expect(review.status).toEqual({ allowed: false, reason: 'memory cluster: denied by a reviewDenies entry or a forbid() rule' });
  });

  it('a watch from a resourceVersion sends what changed after it, then live changes until aborted; 410 after compaction', async () => {
    const c = new MemoryCluster();
    const { resourceVersion } = await c.list({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system' });
    c.put(cm('a', { k: '1' }));
    const seen: string[] = [];
    const abort = new AbortController();
    const done = c.watch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system' }, { resourceVersion }, (e: WatchEvent) => {
      if (e.type !== 'ERROR') seen.push(`${e.type} ${e.object.metadata.name} ${String(((e.object as KubeObject).data as Record<string, string>).k)}`);
      if (seen.length === 2) abort.abort();
    }, abort.signal);
    await c.apply(cm('a', { k: '2' }), { fieldManager: 'weavectl', force: true });
    await done;
    expect(seen).toEqual(['ADDED a 1', 'MODIFIED a 2']);
    c.compact();
    const events: WatchEvent[] = [];
    await c.watch({ apiVersion: 'v1', kind: 'ConfigMap' }, { resourceVersion }, (e) => events.push(e), new AbortController().signal);
    expect(events).toEqual([{ type: 'ERROR', object: expect.objectContaining({ code: 410, reason: 'Expired' }) }]);
  });

  it('exec and logs are scripted; a missing pod is 404', async () => {
    const c = new MemoryCluster().onExec((pod, container, command) => ({ stdout: `${pod.metadata.name} ${container} ${command.join(' ')}`, stderr: '', exitCode: 0 }));
    c.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'weave-net-0', namespace: 'kube-system' } });
    expect((await c.exec({ namespace: 'kube-system', name: 'weave-net-0' }, 'weave', ['weave', 'status'])).stdout).toBe('weave-net-0 weave weave status');
    expect(isKubeApiError(await rejection(c.exec({ namespace: 'kube-system', name: 'gone' }, 'weave', ['true'])), 404)).toBe(true);
    c.setLogs({ namespace: 'kube-system', name: 'weave-net-0' }, 'weave', 'one\ntwo\nthree\n');
    expect(await c.logs({ namespace: 'kube-system', name: 'weave-net-0' }, 'weave', { tailLines: 2 })).toBe('two\nthree\n');
  });
});

describe('what the check tests vary: reported version, unserved kinds, unreachable, access reviews', () => {
  it('reportedVersion changes what version() answers, not what is served', async () => {
    const c = new MemoryCluster({ k8sVersion: '1.29.2' });
    c.reportedVersion = 'v1.29.2+k3s1';
    expect(await c.version()).toEqual({ major: '1', minor: '29', gitVersion: 'v1.29.2+k3s1' });
    c.reportedVersion = 'v1.5.8';
    expect(await c.version()).toEqual({ major: '1', minor: '5', gitVersion: 'v1.5.8' });
    expect(await c.serves('apps/v1', 'DaemonSet')).toBe(true);
  });

  it('unserve() takes one kind out of discovery at one group version only', async () => {
    const c = new MemoryCluster({ k8sVersion: '1.21.0' }).unserve('authorization.k8s.io/v1', 'SelfSubjectAccessReview');
    expect(await c.serves('authorization.k8s.io/v1', 'SelfSubjectAccessReview')).toBe(false);
    expect(await c.serves('authorization.k8s.io/v1beta1', 'SelfSubjectAccessReview')).toBe(true);
    expect(await c.servedVersionsOf('SelfSubjectAccessReview')).toEqual(['authorization.k8s.io/v1beta1']);
    const err = await rejection(c.create({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'get', resource: 'pods' } } }));
    expect((err as Error).message).toBe('the cluster does not serve SelfSubjectAccessReview in authorization.k8s.io/v1 (it serves SelfSubjectAccessReview in authorization.k8s.io/v1beta1)');
  });

  it('unreachable: every request fails with that error', async () => {
    const c = new MemoryCluster();
    c.put(cm('a', {}));
    c.unreachable = new Error('connect ECONNREFUSED 127.0.0.1:6443');
    for (const p of [c.version(), c.get(ref('a')), c.list({ apiVersion: 'v1', kind: 'ConfigMap' })]) expect(((await rejection(p)) as Error).message).toBe('connect ECONNREFUSED 127.0.0.1:6443');
    c.unreachable = undefined;
    expect((await c.get(ref('a')))?.metadata.name).toBe('a');
  });

  it('access reviews are recorded and denied by reviewDenies (subresources as "nodes/status"); reviewAnswer replaces the answer', async () => {
    const c = new MemoryCluster();
    c.reviewDenies.push({ verb: 'patch', resource: 'nodes/status' });
    const ask = (verb: string, resource: string, subresource?: string) =>
      c.create({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb, group: '', resource, ...(subresource ? { subresource } : {}) } } });
    expect((await ask('patch', 'nodes', 'status')).status).toEqual({ allowed: false, reason: 'memory cluster: denied by a reviewDenies entry or a forbid() rule' });
    expect((await ask('patch', 'nodes')).status).toEqual({ allowed: true });
    expect(c.reviews).toEqual([
      { apiVersion: 'authorization.k8s.io/v1', verb: 'patch', group: '', resource: 'nodes', subresource: 'status' },
      { apiVersion: 'authorization.k8s.io/v1', verb: 'patch', group: '', resource: 'nodes' },
    ]);
    c.reviewAnswer = (o) => o;
    expect((await ask('get', 'pods')).status).toBeUndefined();
  });
});
