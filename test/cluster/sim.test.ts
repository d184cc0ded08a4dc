/**
 * The cluster layer against the Kubernetes API simulator (test/sim): discovery per version,
 * server-side apply of the real Weave manifests (created / unchanged / configured, conflicts,
 * force, dry-run), unknown fields, faults (403, 5xx, watch cuts, expired resourceVersions),
 * exec and logs.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAll, type ApplyOutcome } from '../../src/cluster/apply.js';
import { connect, type KubeCluster } from '../../src/cluster/kube-cluster.js';
import type { KubeObject, WatchEvent } from '../../src/cluster/types.js';
import { parseManifest, toObjects } from '../../src/manifest/manifest.js';
import { startSimulator, type Simulator } from '../sim/index.js';

const REF = new URL('../fixtures/upstream/', import.meta.url);
const manifest = (file: string): KubeObject[] => toObjects(parseManifest(fs.readFileSync(new URL(file, REF), 'utf8'), file)) as KubeObject[];

const FM = { fieldManager: 'weavectl' };
const dsRef = (apiVersion = 'apps/v1') => ({ apiVersion, kind: 'DaemonSet', namespace: 'kube-system', name: 'weave-net' });

function results(outcomes: ApplyOutcome[]): string[] {
  return outcomes.map((o) => `${o.name} ${o.outcome === 'applied' ? o.result : o.outcome}`);
}

function weaveDs(objects: KubeObject[]): KubeObject {
  const ds = objects.find((o) => o.kind === 'DaemonSet');
  if (!ds) throw new Error('no DaemonSet in the manifest');
  return ds;
}

/** A copy of the DaemonSet with an extra env var on the weave container. */
function withEnv(ds: KubeObject, name: string, value: string): KubeObject {
  const copy = structuredClone(ds);
  const c = (copy.spec.template.spec.containers as { name: string; env?: unknown[] }[]).find((x) => x.name === 'weave')!;
  c.env = [...(c.env ?? []), { name, value }];
  return copy;
}

async function rawPatch(sim: Simulator, path: string, body: unknown, contentType: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${sim.url}${path}`, { method: 'PATCH', headers: { 'Content-Type': contentType }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

describe('on Kubernetes 1.29', () => {
  let sim: Simulator;
  let c: KubeCluster;
  const warnings: string[] = [];
  const net = manifest('net-2.8.1-k8s-1.11.yaml');

  beforeAll(async () => {
    sim = await startSimulator({ k8sVersion: '1.29.2', nodes: 3, stepDelayMs: 5 });
    c = await connect({ kubeconfig: sim.kubeconfigPath, env: {}, onWarning: (w) => warnings.push(w), retry: { baseDelayMs: 20 } });
  });
  afterAll(async () => {
    c?.close();
    await sim?.stop();
  });

  it('connects and reads the version; warns about plain HTTP', async () => {
    expect(c.server).toBe(sim.url);
    expect(c.contextName).toBe('sim');
    expect(c.defaultNamespace).toBe('default');
    const v = await c.version();
    expect(v.gitVersion).toBe('v1.29.2');
    expect(v.minor).toBe('29');
    expect(warnings.some((w) => w.includes('plain HTTP'))).toBe(true);
  });

  it('discovery: serves what 1.29 serves', async () => {
    expect(await c.serves('apps/v1', 'DaemonSet')).toBe(true);
    expect(await c.serves('rbac.authorization.k8s.io/v1', 'ClusterRole')).toBe(true);
    expect(await c.serves('extensions/v1beta1', 'DaemonSet')).toBe(false);
    expect(await c.serves('rbac.authorization.k8s.io/v1beta1', 'ClusterRole')).toBe(false);
    expect(await c.serves('policy/v1beta1', 'PodSecurityPolicy')).toBe(false);
    expect(await c.serves('v1', 'Widget')).toBe(false);
    expect(await c.resourceInfo('apps/v1', 'DaemonSet')).toMatchObject({ plural: 'daemonsets', namespaced: true, group: 'apps' });
    expect(await c.resourceInfo('rbac.authorization.k8s.io/v1', 'ClusterRole')).toMatchObject({ plural: 'clusterroles', namespaced: false });
  });

  it('refuses a manifest with unserved kinds before sending anything', async () => {
    const old = manifest('net-2.7.0-k8s-1.7.yaml');
    await expect(applyAll(c, old, FM)).rejects.toThrow(
      /^the cluster \(v1\.29\.2\) does not serve ClusterRole rbac\.authorization\.k8s\.io\/v1beta1 \(it serves rbac\.authorization\.k8s\.io\/v1\), .*DaemonSet extensions\/v1beta1 \(it serves apps\/v1\)/,
    );
    expect(await c.get({ apiVersion: 'v1', kind: 'ServiceAccount', namespace: 'kube-system', name: 'weave-net' })).toBeUndefined();
  });

  it('applies the Weave Net 2.8.1 manifest: created, then unchanged, then configured after a change', async () => {
    const first = await applyAll(c, net, FM);
    expect(results(first)).toEqual([
      'serviceaccount/weave-net created',
      'clusterrole.rbac.authorization.k8s.io/weave-net created',
      'clusterrolebinding.rbac.authorization.k8s.io/weave-net created',
      'role.rbac.authorization.k8s.io/weave-net created',
      'rolebinding.rbac.authorization.k8s.io/weave-net created',
      'daemonset.apps/weave-net created',
    ]);
    const stored = sim.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net');
    expect(stored?.metadata.managedFields.some((f: { manager: string; operation: string }) => f.manager === 'weavectl' && f.operation === 'Apply')).toBe(true);

    const again = await applyAll(c, net, FM);
    expect(again.map((o) => (o.outcome === 'applied' ? o.result : o.outcome))).toEqual(Array(6).fill('unchanged'));

    const changed = net.map((o) => (o.kind === 'DaemonSet' ? withEnv(o, 'IPALLOC_RANGE', '10.40.0.0/16') : o));
    const third = await applyAll(c, changed, FM);
    expect(results(third).slice(-2)).toEqual(['rolebinding.rbac.authorization.k8s.io/weave-net unchanged', 'daemonset.apps/weave-net configured']);
    const ds = await c.get(dsRef());
    const env = ds?.spec.template.spec.containers.find((x: { name: string }) => x.name === 'weave').env;
    expect(env).toContainEqual({ name: 'IPALLOC_RANGE', value: '10.40.0.0/16' });
    // put it back for the tests below
    expect((await applyAll(c, net, FM)).at(-1)).toMatchObject({ outcome: 'applied', result: 'configured' });
  });

  it('a field the client library has no model for survives the round trip', async () => {
    const ds = structuredClone(weaveDs(net));
    ds.spec.template.spec.containers[0].someFutureField = { enabled: true, level: 3 };
    const { object, result } = await c.apply(ds, FM);
    expect(result).toBe('configured');
    expect(object.spec.template.spec.containers[0].someFutureField).toEqual({ enabled: true, level: 3 });
    const back = await c.get(dsRef());
    expect(back?.spec.template.spec.containers[0].someFutureField).toEqual({ enabled: true, level: 3 });
    const listed = await c.list({ apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'kube-system' });
    expect(listed.items.find((x) => x.metadata.name === 'weave-net')?.spec.template.spec.containers[0].someFutureField).toEqual({ enabled: true, level: 3 });
    expect((await c.apply(weaveDs(net), FM)).result).toBe('configured');
  });

  it('a conflict with another manager names it and the field; force takes the field over', async () => {
    // kubectl (a client-side update) sets the image weavectl manages.
    const seeded = await rawPatch(
      sim,
      '/apis/apps/v1/namespaces/kube-system/daemonsets/weave-net?fieldManager=kubectl',
      { spec: { template: { spec: { containers: [{ name: 'weave', image: 'example.org/weave-kube:patched' }] } } } },
      'application/strategic-merge-patch+json',
    );
    expect(seeded.status).toBe(200);
    const wanted = withEnv(weaveDs(net), 'X', '1');
    const err = await c.apply(wanted, FM).then(
      () => undefined,
      (e: Error & { hint?: string }) => e,
    );
    expect(err?.message).toMatch(/^apply conflict on daemonsets\.apps "weave-net" in namespace "kube-system": \.spec\.template\.spec\.containers\[name="weave"\]\.image \(managed by "kubectl"\)$/);
    expect(err?.hint).toContain('--force-conflicts');
    expect(sim.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')?.spec.template.spec.containers[0].image).toBe('example.org/weave-kube:patched');

    const forced = await c.apply(wanted, { ...FM, force: true });
    expect(forced.result).toBe('configured');
    const ds = sim.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net');
    expect(ds?.spec.template.spec.containers[0].image).toBe(weaveDs(net).spec.template.spec.containers[0].image);
    expect(ds?.metadata.managedFields.find((f: { manager: string }) => f.manager === 'kubectl')).toBeUndefined();
    expect((await c.apply(weaveDs(net), FM)).result).toBe('configured');
  });

  it('metadata.resourceVersion in the object is a precondition: a stale one is a 409 Conflict, nothing written', async () => {
    const live = (await c.get(dsRef()))!;
    const stale = { ...withEnv(weaveDs(net), 'STALE', '1'), metadata: { ...weaveDs(net).metadata, resourceVersion: String(Number(live.metadata.resourceVersion) - 1) } };
    const err = await c.apply(stale, FM).then(
      () => undefined,
      (e: Error & { code?: number; reason?: string }) => e,
    );
    expect(err).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(err?.message).toMatch(/the object has been modified/);
    const after = (await c.list({ apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'kube-system' }, { fieldSelector: 'metadata.name=weave-net' })).items[0]!;
    expect(JSON.stringify(after.spec)).not.toContain('STALE');
  });

  it('fields weavectl wrote itself with a patch are no conflict for its apply (its Update and Apply entries), unlike another manager', async () => {
    const patched = await c.patch(dsRef(), { spec: { template: { spec: { containers: [{ name: 'weave', env: [{ name: 'OWN', value: 'patched' }] }] } } } }, { type: 'strategic', fieldManager: 'weavectl' });
    expect(patched.metadata.managedFields?.map((m) => `${(m as { manager: string }).manager}/${(m as { operation: string }).operation}`)).toContain('weavectl/Update');
    const applied = await c.apply(withEnv(weaveDs(net), 'OWN', 'applied'), FM);
    expect(applied.result).toBe('configured');
    const env = (sim.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')!.spec.template.spec.containers as { name: string; env: { name: string; value?: string }[] }[])[0]!.env;
    expect(env).toContainEqual({ name: 'OWN', value: 'applied' });
    await c.apply(weaveDs(net), FM);
  });

  it('dry-run reports what would change and leaves the store unchanged', async () => {
    // (controllers keep writing status, so compare what an apply could change)
    const applied = () => {
      const o = sim.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net');
      return { spec: o?.spec, labels: o?.metadata.labels, annotations: o?.metadata.annotations, generation: o?.metadata.generation };
    };
    const before = applied();
    const dry = await c.apply(withEnv(weaveDs(net), 'WEAVE_MTU', '1337'), { ...FM, dryRun: true });
    expect(dry.result).toBe('configured');
    expect(JSON.stringify(dry.object.spec)).toContain('1337');
    expect(applied()).toEqual(before);
    expect(JSON.stringify(before.spec)).not.toContain('1337');
    expect((await c.apply(weaveDs(net), { ...FM, dryRun: true })).result).toBe('unchanged');
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry', namespace: 'kube-system' }, data: { a: 'b' } };
    expect((await c.apply(cm, { ...FM, dryRun: true })).result).toBe('created');
    expect(sim.get('v1', 'ConfigMap', 'kube-system', 'dry')).toBeUndefined();
    expect(await c.delete({ apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'kube-system', name: 'weave-net' }, { dryRun: true })).toBe(true);
    expect(applied()).toEqual(before);
  });

  it('403 says which verb on which resource is missing', async () => {
    const undo = sim.faults.forbid({ verb: 'patch', resource: 'daemonsets' });
    try {
      const err = await c.apply(withEnv(weaveDs(net), 'Y', '2'), FM).then(
        () => undefined,
        (e: Error & { hint?: string }) => e,
      );
      expect(err?.message).toMatch(/^forbidden: cannot patch daemonsets\.apps "weave-net" in namespace "kube-system": .*forbidden/);
      expect(err?.hint).toContain('kubectl auth can-i patch daemonsets.apps -n kube-system');
    } finally {
      undo();
    }
  });

  it('retries 500s and 429s of idempotent requests, then succeeds', async () => {
    const fresh = await connect({ kubeconfig: sim.kubeconfigPath, env: {}, retry: { baseDelayMs: 10 } });
    try {
      const undo = sim.faults.failRequests({ status: 500, count: 2, path: '/version' });
      expect((await fresh.version()).gitVersion).toBe('v1.29.2');
      undo();
      const undo2 = sim.faults.failRequests({ status: 500, count: 2, method: 'PATCH', path: '/configmaps/' });
      const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'retry', namespace: 'kube-system' }, data: { a: 'b' } };
      expect((await fresh.apply(cm, FM)).result).toBe('created');
      undo2();
      const undo3 = sim.faults.failRequests({ status: 429, count: 1, retryAfterSeconds: 0, path: '/configmaps/retry' });
      expect((await fresh.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'retry' }))?.data).toEqual({ a: 'b' });
      undo3();
      // a DELETE is not retried
      const undo4 = sim.faults.failRequests({ status: 500, count: 1, method: 'DELETE' });
      await expect(fresh.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'retry' })).rejects.toThrow('500 from the API server');
      undo4();
      expect(await fresh.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'retry' })).toBe(true);
      expect(await fresh.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'retry' })).toBe(false);
    } finally {
      fresh.close();
    }
  });

  it('lists with selectors and pagination', async () => {
    await sim.waitFor(() => sim.list('v1', 'Pod', 'kube-system').filter((p) => p.metadata.labels?.name === 'weave-net').length === 3, { timeoutMs: 10_000 });
    const pods = await c.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'kube-system' }, { labelSelector: 'name=weave-net', limit: 1 });
    expect(pods.items).toHaveLength(3);
    expect(new Set(pods.items.map((p) => p.spec.nodeName)).size).toBe(3);
    expect(pods.items[0]?.kind).toBe('Pod');
    expect(Number(pods.resourceVersion)).toBeGreaterThan(0);
    const one = await c.list({ apiVersion: 'v1', kind: 'Node' }, { fieldSelector: 'metadata.name=k8s-vm2' });
    expect(one.items.map((n) => n.metadata.name)).toEqual(['k8s-vm2']);
    const all = await c.list({ apiVersion: 'v1', kind: 'Pod' }, { labelSelector: 'name=weave-net' });
    expect(all.items).toHaveLength(3);
  });

  it('watches, resumes after a cut stream, and passes a 410 through', async () => {
    const start = await c.list({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system' });
    const events: WatchEvent[] = [];
    const undo = sim.faults.cutWatches({ after: 1, resource: 'configmaps', count: 1 });
    const cmRef = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system' };
    const put = (name: string, v: string) => sim.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'kube-system' }, data: { v } });

    const first = c.watch(cmRef, { resourceVersion: start.resourceVersion, timeoutSeconds: 10 }, (e) => events.push(e), new AbortController().signal);
    setTimeout(() => {
      put('w1', '1');
      put('w2', '2');
    }, 30);
    await first; // cut after one event: resolves, does not throw
    undo();
    expect(events.map((e) => `${e.type} ${(e.object as KubeObject).metadata?.name}`)).toEqual(['ADDED w1']);

    // resume from the last resourceVersion seen: w2 comes next, nothing is lost or repeated
    const lastRv = (events[0]?.object as KubeObject).metadata.resourceVersion;
    const ac = new AbortController();
    const resumed: WatchEvent[] = [];
    const second = c.watch(cmRef, { resourceVersion: lastRv, allowWatchBookmarks: true, timeoutSeconds: 10 }, (e) => {
      if (e.type !== 'BOOKMARK') resumed.push(e);
      if (resumed.length === 2) ac.abort();
    }, ac.signal);
    setTimeout(() => put('w3', '3'), 30);
    await second;
    expect(resumed.map((e) => `${e.type} ${(e.object as KubeObject).metadata?.name}`)).toEqual(['ADDED w2', 'ADDED w3']);

    // an expired resourceVersion comes as an ERROR event with a 410 Status, and the watch resolves
    const undoExpire = sim.faults.expireResourceVersions();
    const errs: WatchEvent[] = [];
    await c.watch(cmRef, { resourceVersion: start.resourceVersion, timeoutSeconds: 5 }, (e) => errs.push(e), new AbortController().signal);
    undoExpire();
    expect(errs[0]?.type).toBe('ERROR');
    expect((errs[0]?.object as { code?: number }).code).toBe(410);
  });

  it('watches one object by name until the server times the watch out', async () => {
    const events: WatchEvent[] = [];
    const t0 = Date.now();
    await c.watch(dsRef(), { timeoutSeconds: 1 }, (e) => events.push(e), new AbortController().signal);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(events.map((e) => `${e.type} ${(e.object as KubeObject).metadata.name}`)).toEqual(['ADDED weave-net']);
  });

  it('execs `weave --local status ipam` in a weave pod and reads logs', async () => {
    const pod = await sim.waitFor(
      () => sim.list('v1', 'Pod', 'kube-system').find((p) => p.metadata.labels?.name === 'weave-net' && p.status?.containerStatuses?.every((s: { state?: { running?: unknown } }) => s.state?.running)),
      { timeoutMs: 10_000 },
    );
    const ref = { namespace: 'kube-system', name: pod.metadata.name as string };
    const r = await c.exec(ref, 'weave', ['/home/weave/weave', '--local', 'status', 'ipam']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/IPs \(\d+(\.\d+)?% of total\)/);
    const bad = await c.exec(ref, 'weave', ['/no/such/binary']);
    expect(bad.exitCode).toBe(126);
    expect(bad.stderr).toContain('executable file not found');
    await expect(c.exec(ref, 'nope', ['true'])).rejects.toThrow(/container/);
    await expect(c.exec({ namespace: 'kube-system', name: 'ghost' }, 'weave', ['true'])).rejects.toThrow('pods "ghost" not found');

    sim.podLogs.set('kube-system', ref.name, 'weave', 'line1\nline2\nline3\n');
    expect(await c.logs(ref, 'weave', { tailLines: 2 })).toBe('line2\nline3\n');
    expect(await c.logs(ref, 'weave')).toBe('line1\nline2\nline3\n');
    sim.podLogs.rotate('kube-system', ref.name, 'weave'); // a restart: that log is now the previous one
    sim.podLogs.set('kube-system', ref.name, 'weave', 'new run\n');
    expect(await c.logs(ref, 'weave', { previous: true, tailLines: 1 })).toBe('line3\n');
    expect(await c.logs(ref, 'weave')).toBe('new run\n');
    await expect(c.logs({ namespace: 'kube-system', name: 'ghost' }, 'weave')).rejects.toThrow('pods "ghost" not found');
  });
});

describe('on Kubernetes 1.7.5', () => {
  let sim: Simulator;
  let c: KubeCluster;
  const warnings: string[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ k8sVersion: '1.7.5', nodes: 4, token: 'sekret', stepDelayMs: 5 });
    c = await connect({ kubeconfig: sim.kubeconfigPath, env: {}, onWarning: (w) => warnings.push(w), retry: { baseDelayMs: 20 } });
  });
  afterAll(async () => {
    c?.close();
    await sim?.stop();
  });

  it('serves rbac v1beta1 and extensions/v1beta1 DaemonSets, not rbac v1 or apps/v1', async () => {
    expect((await c.version()).gitVersion).toBe('v1.7.5');
    expect(await c.serves('rbac.authorization.k8s.io/v1', 'ClusterRole')).toBe(false);
    expect(await c.serves('rbac.authorization.k8s.io/v1beta1', 'ClusterRole')).toBe(true);
    expect(await c.serves('extensions/v1beta1', 'DaemonSet')).toBe(true);
    expect(await c.serves('apps/v1', 'DaemonSet')).toBe(false);
  });

  it('refuses the 1.11 manifest, naming every unserved kind', async () => {
    const err = await applyAll(c, manifest('net-2.8.1-k8s-1.11.yaml'), FM).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toContain('the cluster (v1.7.5) does not serve ');
    for (const k of ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']) expect(err?.message).toContain(`${k} rbac.authorization.k8s.io/v1 (it serves rbac.authorization.k8s.io/v1beta1`);
    expect(err?.message).toContain('DaemonSet apps/v1 (it serves extensions/v1beta1');
  });

  it('applies the 1.7 manifest without server-side apply (created, unchanged, configured)', async () => {
    const net = manifest('net-2.7.0-k8s-1.7.yaml');
    const first = await applyAll(c, net, FM);
    expect(first.every((o) => o.outcome === 'applied' && o.result === 'created')).toBe(true);
    expect(results(first).at(-1)).toBe('daemonset.extensions/weave-net created');
    expect(warnings.filter((w) => w.includes('does not support server-side apply'))).toEqual([
      `the API server ${sim.url} does not support server-side apply: objects are created, or updated with a JSON merge patch (fields removed from the manifest stay in the cluster; conflicts with other field managers are not detected)`,
    ]);
    const again = await applyAll(c, net, FM);
    expect(again.map((o) => (o.outcome === 'applied' ? o.result : o.outcome))).toEqual(Array(net.length).fill('unchanged'));
    const changed = net.map((o) => (o.kind === 'DaemonSet' ? withEnv(o, 'IPALLOC_RANGE', '10.40.0.0/16') : o));
    expect(results(await applyAll(c, changed, FM)).at(-1)).toBe('daemonset.extensions/weave-net configured');
    const ds = await c.get(dsRef('extensions/v1beta1'));
    expect(ds?.spec.template.spec.containers.find((x: { name: string }) => x.name === 'weave').env).toContainEqual({ name: 'IPALLOC_RANGE', value: '10.40.0.0/16' });
  });

  it('without server-side apply the precondition holds too: a create meeting an existing object is not turned into a patch, a stale merge patch is a 409', async () => {
    const net = manifest('net-2.7.0-k8s-1.7.yaml');
    const live = (await c.get(dsRef('extensions/v1beta1')))!;
    const ds = weaveDs(net);
    // created meanwhile (read as absent first): the create's 409 stands, no patch follows
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'raced' };
    c.prefetch([ref]);
    expect(await c.get(ref)).toBeUndefined();
    sim.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'raced', namespace: 'kube-system' }, data: { by: 'other' } });
    const listRv = '1';
    const raced = await c.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'raced', namespace: 'kube-system', resourceVersion: listRv }, data: { by: 'weavectl' } }, FM).then(
      () => undefined,
      (e: Error & { code?: number; reason?: string }) => e,
    );
    expect(raced).toMatchObject({ code: 409, reason: 'AlreadyExists' });
    expect(sim.get('v1', 'ConfigMap', 'kube-system', 'raced')!.data).toEqual({ by: 'other' });
    const stale = { ...withEnv(ds, 'STALE', '1'), metadata: { ...ds.metadata, resourceVersion: String(Number(live.metadata.resourceVersion) - 1) } };
    const err = await c.apply(stale, FM).then(
      () => undefined,
      (e: Error & { code?: number }) => e,
    );
    expect(err).toMatchObject({ code: 409 });
    expect(JSON.stringify((await c.list({ apiVersion: 'extensions/v1beta1', kind: 'DaemonSet', namespace: 'kube-system' })).items[0]!.spec)).not.toContain('STALE');
  });

  it('server-side dry-run is refused before it could write', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'kube-system' } };
    await expect(c.apply(cm, { ...FM, dryRun: true })).rejects.toThrow('server-side dry-run needs Kubernetes 1.13 or newer; the cluster runs v1.7.5');
    expect(sim.get('v1', 'ConfigMap', 'kube-system', 'x')).toBeUndefined();
  });

  it('a wrong token is refused with a clear message', async () => {
    const bad = await connect({ kubeconfig: sim.kubeconfigPath, env: {} });
    // same server, other credentials: rewrite the kubeconfig token
    const text = fs.readFileSync(sim.kubeconfigPath, 'utf8').replace('sekret', 'wrong');
    const p = `${sim.kubeconfigPath}.wrong`;
    fs.writeFileSync(p, text);
    const wrong = await connect({ kubeconfig: p, env: {} });
    try {
      await expect(wrong.serves('v1', 'ConfigMap')).rejects.toThrow(`the API server ${sim.url} refused the credentials of user "sim" (context "sim"): 401 Unauthorized`);
      expect(await bad.serves('v1', 'ConfigMap')).toBe(true);
    } finally {
      bad.close();
      wrong.close();
    }
  });
});
