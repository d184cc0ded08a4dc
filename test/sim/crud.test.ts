import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from './index.js';
import { call, daemonSet, del, DS_PATH, get, post, put } from './testkit.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const cm = (name: string, labels: Record<string, string> = {}, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data: { a: '1' }, ...extra });
const CM = '/api/v1/namespaces/default/configmaps';

describe('objects', () => {
  it('bootstraps namespaces, the kubernetes service and nodes', async () => {
    sim = await startSimulator();
    const ns = await get(sim, '/api/v1/namespaces');
    expect((ns.body['items'] as { metadata: { name: string } }[]).map((n) => n.metadata.name)).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    const svc = await get(sim, '/api/v1/namespaces/default/services/kubernetes');
    expect(svc.body['spec']['clusterIP']).toBe('10.96.0.1');
    const nodes = await get(sim, '/api/v1/nodes');
    const items = nodes.body['items'] as { metadata: { name: string }; status: { addresses: { type: string; address: string }[]; nodeInfo: { kubeletVersion: string } } }[];
    expect(items.map((n) => n.metadata.name)).toEqual(['k8s-vm1', 'k8s-vm2', 'k8s-vm3']);
    expect(items[0]!.status.addresses).toEqual([
      { type: 'InternalIP', address: '10.200.33.11' },
      { type: 'Hostname', address: 'k8s-vm1' },
    ]);
    expect(items[0]!.status.nodeInfo.kubeletVersion).toBe('v1.29.2');
    await sim.stop();
    sim = await startSimulator({ k8sVersion: '1.7.5', nodes: 1 });
    expect((await get(sim, '/api/v1/namespaces/default/services/kubernetes')).body['spec']['clusterIP']).toBe('10.0.0.1');
  });

  it('creates, reads, updates and deletes, with the real Status errors', async () => {
    sim = await startSimulator({ nodes: 1 });
    const c = await post(sim, CM, cm('one', {}, { unknownTopLevel: { kept: true } }));
    expect(c.status).toBe(201);
    const md = c.body['metadata'];
    expect(md).toMatchObject({ name: 'one', namespace: 'default' });
    expect(md['uid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(md['resourceVersion'])).toBeGreaterThan(0);
    expect(md['creationTimestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(c.body['unknownTopLevel']).toEqual({ kept: true });

    const dup = await post(sim, CM, cm('one'));
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ reason: 'AlreadyExists', message: 'configmaps "one" already exists', details: { name: 'one', kind: 'configmaps' } });

    const got = await get(sim, `${CM}/one`);
    expect(got.body['data']).toEqual({ a: '1' });
    const updated = await put(sim, `${CM}/one`, { ...got.body, data: { a: '2' } });
    expect(updated.status).toBe(200);
    expect(Number(updated.body['metadata']['resourceVersion'])).toBeGreaterThan(Number(md['resourceVersion']));
    const stale = await put(sim, `${CM}/one`, { ...got.body, data: { a: '3' } });
    expect(stale.status).toBe(409);
    expect(stale.body['message']).toBe('Operation cannot be fulfilled on configmaps "one": the object has been modified; please apply your changes to the latest version and try again');
    expect(stale.body['reason']).toBe('Conflict');

    const nf = await get(sim, `${DS_PATH}/weave-net`);
    expect(nf.status).toBe(404);
    expect(nf.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'daemonsets.apps "weave-net" not found', reason: 'NotFound', details: { name: 'weave-net', group: 'apps', kind: 'daemonsets' }, code: 404 });

    const d = await del(sim, `${CM}/one`);
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'one', kind: 'configmaps' } });
    expect((await get(sim, `${CM}/one`)).status).toBe(404);
  });

  it('rejects invalid objects (422), missing namespaces (404) and unsupported verbs (405)', async () => {
    sim = await startSimulator({ nodes: 1 });
    const ds = daemonSet('weave-net');
    delete ds['spec']['selector'];
    const r = await post(sim, DS_PATH, ds);
    expect(r.status).toBe(422);
    expect(r.body['reason']).toBe('Invalid');
    expect(r.body['message']).toBe('DaemonSet.apps "weave-net" is invalid: spec.selector: Required value');
    expect(r.body['details']['causes']).toEqual([{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' }]);
    const mism = daemonSet('weave-net');
    mism['spec']['selector'] = { matchLabels: { name: 'other' } };
    const r2 = await post(sim, DS_PATH, mism);
    expect(r2.body['message']).toBe('DaemonSet.apps "weave-net" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"name":"weave-net"}: `selector` does not match template `labels`');
    const noNs = await post(sim, '/api/v1/namespaces/nope/configmaps', cm('x'));
    expect(noNs.status).toBe(404);
    expect(noNs.body['message']).toBe('namespaces "nope" not found');
    const m = await call(sim, 'PUT', CM, cm('x'));
    expect(m.status).toBe(405);
    expect(m.body['reason']).toBe('MethodNotAllowed');
    const ssar = await get(sim, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews');
    expect(ssar.status).toBe(405);
  });

  it('bumps generation on spec changes only', async () => {
    sim = await startSimulator({ nodes: 1 });
    const c = await post(sim, DS_PATH, daemonSet('g'));
    expect(c.body['metadata']['generation']).toBe(1);
    const cur = (await get(sim, `${DS_PATH}/g`)).body;
    // no resourceVersion: an unconditional update (the controller writes status meanwhile)
    const labelled = await put(sim, `${DS_PATH}/g`, { ...cur, metadata: { ...cur['metadata'], resourceVersion: undefined, labels: { name: 'g', x: 'y' } } });
    expect(labelled.body['metadata']['generation']).toBe(1);
    expect(labelled.body['metadata']['labels']).toEqual({ name: 'g', x: 'y' });
    const spec = { ...labelled.body['spec'], minReadySeconds: 3 };
    const changed = await put(sim, `${DS_PATH}/g`, { ...labelled.body, metadata: { ...labelled.body['metadata'], resourceVersion: undefined }, spec });
    expect(changed.body['metadata']['generation']).toBe(2);
  });

  it('filters with label selectors (=, ==, !=, in, notin, exists, !exists) and field selectors', async () => {
    sim = await startSimulator({ nodes: 1 });
    await post(sim, CM, cm('a', { app: 'weave', tier: 'net' }));
    await post(sim, CM, cm('b', { app: 'scope' }));
    await post(sim, CM, cm('c', { app: 'other', tier: 'ui' }));
    const names = async (q: string) => ((await get(sim!, `${CM}?${q}`)).body['items'] as { metadata: { name: string } }[]).map((i) => i.metadata.name);
    expect(await names('labelSelector=' + encodeURIComponent('app=weave'))).toEqual(['a']);
    expect(await names('labelSelector=' + encodeURIComponent('app==scope'))).toEqual(['b']);
    expect(await names('labelSelector=' + encodeURIComponent('app!=weave'))).toEqual(['b', 'c']);
    expect(await names('labelSelector=' + encodeURIComponent('app in (weave, scope)'))).toEqual(['a', 'b']);
    expect(await names('labelSelector=' + encodeURIComponent('app notin (weave)'))).toEqual(['b', 'c']);
    expect(await names('labelSelector=' + encodeURIComponent('tier'))).toEqual(['a', 'c']);
    expect(await names('labelSelector=' + encodeURIComponent('!tier'))).toEqual(['b']);
    expect(await names('labelSelector=' + encodeURIComponent('tier,app!=other'))).toEqual(['a']);
    expect(await names('fieldSelector=' + encodeURIComponent('metadata.name=b'))).toEqual(['b']);
    expect(await names('fieldSelector=' + encodeURIComponent('metadata.name!=b'))).toEqual(['a', 'c']);
    const bad = await get(sim, `${CM}?fieldSelector=${encodeURIComponent('spec.nodeName=x')}`);
    expect(bad.status).toBe(400);
    expect(bad.body['message']).toBe('field label not supported: spec.nodeName');
    const pods = await get(sim, `/api/v1/pods?fieldSelector=${encodeURIComponent('spec.nodeName=k8s-vm1')}`);
    expect(pods.status).toBe(200);
  });

  it('paginates with limit and continue', async () => {
    sim = await startSimulator({ nodes: 1 });
    for (const n of ['a', 'b', 'c', 'd', 'e']) await post(sim, CM, cm(n));
    const p1 = await get(sim, `${CM}?limit=2`);
    expect((p1.body['items'] as { metadata: { name: string } }[]).map((i) => i.metadata.name)).toEqual(['a', 'b']);
    expect(p1.body['metadata']['remainingItemCount']).toBe(3);
    const tok = p1.body['metadata']['continue'] as string;
    expect(tok).toBeTruthy();
    const p2 = await get(sim, `${CM}?limit=2&continue=${encodeURIComponent(tok)}`);
    expect((p2.body['items'] as { metadata: { name: string } }[]).map((i) => i.metadata.name)).toEqual(['c', 'd']);
    expect(p2.body['metadata']['resourceVersion']).toBe(p1.body['metadata']['resourceVersion']);
    const p3 = await get(sim, `${CM}?limit=2&continue=${encodeURIComponent(p2.body['metadata']['continue'])}`);
    expect((p3.body['items'] as { metadata: { name: string } }[]).map((i) => i.metadata.name)).toEqual(['e']);
    expect(p3.body['metadata']['continue']).toBeUndefined();
    await post(sim, CM, cm('f'));
    sim.compact();
    const gone = await get(sim, `${CM}?limit=2&continue=${encodeURIComponent(tok)}`);
    expect(gone.status).toBe(410);
    expect(gone.body['reason']).toBe('Expired');
  });

  it('dryRun=All changes nothing and returns what would be', async () => {
    sim = await startSimulator({ nodes: 1 });
    const rv = sim.resourceVersion;
    const c = await post(sim, `${CM}?dryRun=All`, cm('dry'));
    expect(c.status).toBe(201);
    expect(c.body['metadata']['name']).toBe('dry');
    expect((await get(sim, `${CM}/dry`)).status).toBe(404);
    await post(sim, CM, cm('real'));
    const before = (await get(sim, `${CM}/real`)).body;
    const u = await put(sim, `${CM}/real?dryRun=All`, { ...before, data: { a: 'dry' } });
    expect(u.body['data']).toEqual({ a: 'dry' });
    expect((await get(sim, `${CM}/real`)).body['data']).toEqual({ a: '1' });
    const d = await del(sim, `${CM}/real?dryRun=All`);
    expect(d.status).toBe(200);
    expect((await get(sim, `${CM}/real`)).status).toBe(200);
    expect(sim.resourceVersion).toBe(rv + 1);
  });

  it('deletes a namespace with its objects; protected namespaces refuse', async () => {
    sim = await startSimulator({ nodes: 1 });
    await post(sim, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'weave' } });
    await post(sim, '/api/v1/namespaces/weave/configmaps', cm('x'));
    const d = await del(sim, '/api/v1/namespaces/weave');
    expect(d.status).toBe(200);
    expect(d.body['status']['phase']).toBe('Terminating');
    const late = await post(sim, '/api/v1/namespaces/weave/configmaps', cm('y'));
    expect(late.status).toBe(403);
    expect(late.body['message']).toBe('configmaps "y" is forbidden: unable to create new content in namespace weave because it is being terminated');
    await sim.waitFor(() => !sim!.get('v1', 'Namespace', undefined, 'weave'));
    expect(sim.store.list('configmaps', 'weave')).toEqual([]);
    const ks = await del(sim, '/api/v1/namespaces/kube-system');
    expect(ks.status).toBe(403);
    expect(ks.body['message']).toBe('namespaces "kube-system" is forbidden: this namespace may not be deleted');
  });

  it('deletes the pods of a deleted DaemonSet (background propagation), keeps them with Orphan', async () => {
    sim = await startSimulator({ nodes: 2 });
    await post(sim, DS_PATH, daemonSet('bg'));
    await sim.waitFor(() => sim!.list('v1', 'Pod', 'kube-system').length === 2);
    await del(sim, `${DS_PATH}/bg`, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
    await sim.waitFor(() => sim!.list('v1', 'Pod', 'kube-system').length === 0);
    await post(sim, DS_PATH, daemonSet('orphan'));
    await sim.waitFor(() => sim!.list('v1', 'Pod', 'kube-system').filter((p) => p['status']['phase'] === 'Running').length === 2);
    await del(sim, `${DS_PATH}/orphan?propagationPolicy=Orphan`);
    sim.runSteps(3);
    const pods = sim.list('v1', 'Pod', 'kube-system');
    expect(pods.length).toBe(2);
    expect(pods.every((p) => !p['metadata']['ownerReferences'])).toBe(true);
  });

  it('requires the bearer token (401) and denies the forbidden token and RBAC rules (403)', async () => {
    sim = await startSimulator({ nodes: 1, token: 'secret', forbiddenToken: 'nope' });
    expect((await get(sim, '/api/v1/namespaces')).status).toBe(401);
    expect((await get(sim, '/api/v1/namespaces', { authorization: 'Bearer wrong' })).body).toMatchObject({ reason: 'Unauthorized', code: 401, message: 'Unauthorized' });
    expect((await get(sim, '/version')).status).toBe(200);
    expect((await get(sim, '/healthz')).status).toBe(200);
    // a token the server does not know is refused on every path, /version and the health checks included
    for (const p of ['/version', '/version/', '/healthz', '/livez', '/readyz']) {
      const w = await get(sim, p, { authorization: 'Bearer wrong' });
      expect(w.status, p).toBe(401);
      expect(w.body, p).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401, message: 'Unauthorized' });
    }
    expect((await get(sim, '/version', { authorization: 'Bearer secret' })).status).toBe(200);
    expect((await get(sim, '/api/v1/namespaces', { authorization: 'Bearer secret' })).status).toBe(200);
    const f = await get(sim, '/api/v1/namespaces', { authorization: 'Bearer nope' });
    expect(f.status).toBe(403);
    expect(f.body['message']).toBe('namespaces is forbidden: User "sim-forbidden" cannot list resource "namespaces" in API group "" at the cluster scope');
    sim.faults.forbid({ verb: 'create', resource: 'daemonsets', group: 'apps' });
    const r = await call(sim, 'POST', DS_PATH, daemonSet('x'), { authorization: 'Bearer secret' });
    expect(r.status).toBe(403);
    expect(r.body['message']).toBe('daemonsets.apps is forbidden: User "sim-user" cannot create resource "daemonsets" in API group "apps" in the namespace "kube-system"');
    expect(r.body['details']).toEqual({ group: 'apps', kind: 'daemonsets' });
    const review = (attrs: Record<string, string>) => call(sim!, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: attrs } }, { authorization: 'Bearer secret' });
    const denied = await review({ verb: 'create', group: 'apps', resource: 'daemonsets', namespace: 'kube-system' });
    expect(denied.status).toBe(201);
    expect(denied.body['status']['allowed']).toBe(false);
    const allowed = await review({ verb: 'get', group: 'apps', resource: 'daemonsets', namespace: 'kube-system' });
    expect(allowed.body['status']['allowed']).toBe(true);
  });

  it('serves Tables for kubectl get', async () => {
    sim = await startSimulator({ nodes: 2 });
    const t = await get(sim, '/api/v1/nodes', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    expect(t.body['kind']).toBe('Table');
    expect((t.body['columnDefinitions'] as { name: string }[]).map((c) => c.name).slice(0, 5)).toEqual(['Name', 'Status', 'Roles', 'Age', 'Version']);
    expect((t.body['rows'] as { cells: unknown[] }[])[0]!.cells.slice(0, 3)).toEqual(['k8s-vm1', 'Ready', '<none>']);
    sim.nodes.setReady('k8s-vm2', false);
    const t2 = await get(sim, '/api/v1/nodes/k8s-vm2', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    expect((t2.body['rows'] as { cells: unknown[] }[])[0]!.cells[1]).toBe('NotReady');
  });
});

// ---- protobuf bodies (kubectl create secret|configmap|namespace|serviceaccount) ----

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}
const field = (no: number, payload: Buffer | string) => {
  const b = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.concat([varint((no << 3) | 2), varint(b.length), b]);
};
const entry = (k: string, v: Buffer | string) => Buffer.concat([field(1, k), field(2, v)]);

describe('protobuf request bodies', () => {
  it('decodes a Secret as kubectl create secret sends it; refuses kinds it cannot decode', async () => {
    sim = await startSimulator({ nodes: 1 });
    const meta = Buffer.concat([field(1, 'weave-passwd'), field(11, entry('app', 'weave'))]);
    const secret = Buffer.concat([field(1, meta), field(2, entry('weave-passwd', Buffer.from([0, 1, 2, 255]))), field(3, 'Opaque')]);
    const envelope = Buffer.concat([Buffer.from('k8s\u0000', 'binary'), field(1, Buffer.concat([field(1, 'v1'), field(2, 'Secret')])), field(2, secret)]);
    const r = await fetch(`${sim.url}/api/v1/namespaces/kube-system/secrets`, { method: 'POST', body: envelope, headers: { 'content-type': 'application/vnd.kubernetes.protobuf', accept: 'application/vnd.kubernetes.protobuf,application/json' } });
    expect(r.status).toBe(201);
    expect(r.headers.get('content-type')).toBe('application/json');
    const s = sim.get('v1', 'Secret', 'kube-system', 'weave-passwd')!;
    expect(s['metadata']['labels']).toEqual({ app: 'weave' });
    expect(s['data']).toEqual({ 'weave-passwd': Buffer.from([0, 1, 2, 255]).toString('base64') });
    expect(s['type']).toBe('Opaque');
    const dep = Buffer.concat([Buffer.from('k8s\u0000', 'binary'), field(1, Buffer.concat([field(1, 'apps/v1'), field(2, 'Deployment')])), field(2, field(1, field(1, 'x')))]);
    const bad = await fetch(`${sim.url}/apis/apps/v1/namespaces/default/deployments`, { method: 'POST', body: dep, headers: { 'content-type': 'application/vnd.kubernetes.protobuf' } });
    expect(bad.status).toBe(415);
  });
});
