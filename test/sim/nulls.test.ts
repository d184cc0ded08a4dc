/**
 * Explicit nulls: the API server decodes typed kinds into Go structs, so a null is the zero value: not stored
 * (omitempty), "" in a map[string]string, kept only where a field has no omitempty (a Role's rules).
 */
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Obj, type Simulator } from './index.js';
import { call, daemonSet, DS_PATH, patch, post, put } from './testkit.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const APPLY = 'application/apply-patch+yaml';
const apply = (s: Simulator, obj: Obj, manager: string, force = false) =>
  call(s, 'PATCH', `${DS_PATH}/${obj['metadata']['name']}?fieldManager=${manager}${force ? '&force=true' : ''}`, stringify(obj), { 'content-type': APPLY });
const stored = (s: Simulator, name = 'weave-net') => s.get('apps/v1', 'DaemonSet', 'kube-system', name)!;
const hasNull = (v: unknown): boolean => v === null || (typeof v === 'object' && Object.values(v as object).some(hasNull));

/** The 2.8.1 manifest's shape: `env:` with no value in weave-init, plus other nulls of every kind. */
function withNulls(name = 'weave-net'): Obj {
  const ds = daemonSet(name);
  ds['metadata']['annotations'] = null;
  ds['metadata']['labels'] = { name, cleared: null };
  ds['spec']['minReadySeconds'] = null;
  const spec = ds['spec']['template']['spec'];
  spec['initContainers'] = [{ name: 'weave-init', image: 'weaveworks/weave-kube:2.8.1', command: ['/home/weave/init.sh'], env: null, securityContext: null }];
  spec['containers'][0]['resources'] = null;
  spec['nodeSelector'] = null;
  return ds;
}

function fieldsV1Of(o: Obj, manager: string): Obj {
  return (o['metadata']['managedFields'] as Obj[]).find((m) => m['manager'] === manager)!['fieldsV1'];
}

describe('explicit nulls', () => {
  it('create and PUT store no nulls; a null in a string map is ""', async () => {
    sim = await startSimulator({ nodes: 1, stepDelayMs: 60_000 }); // no controller writes: resourceVersions change only by the test's requests
    const r = await post(sim, DS_PATH, withNulls());
    expect(r.status).toBe(201);
    const ds = stored(sim);
    expect(hasNull(ds)).toBe(false);
    expect(ds['metadata']['annotations']).toBeUndefined();
    expect(ds['metadata']['labels']).toEqual({ name: 'weave-net', cleared: '' });
    expect(ds['spec']['minReadySeconds']).toBeUndefined();
    expect(ds['spec']['template']['spec']['initContainers'][0]).not.toHaveProperty('env');
    expect(ds['spec']['template']['spec']).not.toHaveProperty('nodeSelector');
    // no ownership of a null: the manager owns what it set
    expect(ds['metadata']['managedFields']).toHaveLength(1);
    const init = ds['metadata']['managedFields'][0]['fieldsV1']['f:spec']['f:template']['f:spec']['f:initContainers']['k:{"name":"weave-init"}'];
    expect(init).toMatchObject({ 'f:name': {}, 'f:image': {} });
    expect(init['f:env']).toBeUndefined();

    // PUT of the same object with its nulls: nothing changes
    const rv = ds['metadata']['resourceVersion'];
    const again = withNulls();
    again['metadata']['resourceVersion'] = rv;
    const p = await put(sim, `${DS_PATH}/weave-net`, again);
    expect(p.status).toBe(200);
    expect(hasNull(p.body)).toBe(false);
    expect(stored(sim)['metadata']['resourceVersion']).toBe(rv);
    expect(stored(sim)['metadata']['generation']).toBe(1);
  });

  it('a Role keeps `rules: null` (no omitempty), as the real server serves it', async () => {
    sim = await startSimulator({ nodes: 1, stepDelayMs: 60_000 }); // no controller writes: resourceVersions change only by the test's requests
    const r = await post(sim, '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'empty', labels: null }, rules: null });
    expect(r.status).toBe(201);
    expect(r.body['rules']).toBeNull();
    expect(r.body['metadata']).not.toHaveProperty('labels');
  });

  it('patches: a merge or strategic null deletes; nulls a JSON patch adds are not stored', async () => {
    sim = await startSimulator({ nodes: 1, stepDelayMs: 60_000 }); // no controller writes: resourceVersions change only by the test's requests
    const ds = daemonSet('weave-net');
    ds['spec']['template']['spec']['containers'][0]['env'] = [{ name: 'A', value: '1' }];
    ds['metadata']['annotations'] = { keep: 'x', drop: 'y' };
    await post(sim, DS_PATH, ds);
    const m = await patch(sim, `${DS_PATH}/weave-net`, 'application/merge-patch+json', { metadata: { annotations: { drop: null } } });
    expect(m.status).toBe(200);
    expect(stored(sim)['metadata']['annotations']).toEqual({ keep: 'x' });
    const s = await patch(sim, `${DS_PATH}/weave-net`, 'application/strategic-merge-patch+json', { spec: { template: { spec: { containers: [{ name: 'weave', env: null }] } } } });
    expect(s.status).toBe(200);
    expect(stored(sim)['spec']['template']['spec']['containers'][0]).not.toHaveProperty('env');
    const gen = stored(sim)['metadata']['generation'];
    const rv = stored(sim)['metadata']['resourceVersion'];
    const j = await patch(sim, `${DS_PATH}/weave-net`, 'application/json-patch+json', [
      { op: 'add', path: '/spec/minReadySeconds', value: null },
      { op: 'add', path: '/spec/template/spec/containers/0/resources', value: null },
    ]);
    expect(j.status).toBe(200);
    expect(hasNull(stored(sim))).toBe(false);
    // resources was {} (defaulted) and is again: nothing changed, no new generation or resourceVersion
    expect(stored(sim)['metadata']['generation']).toBe(gen);
    expect(stored(sim)['metadata']['resourceVersion']).toBe(rv);
    // a list replaced by a merge patch: nulls inside its items are dropped too
    const t = await patch(sim, `${DS_PATH}/weave-net`, 'application/merge-patch+json', { spec: { template: { spec: { tolerations: [{ operator: 'Exists', effect: null }] } } } });
    expect(t.status).toBe(200);
    expect(stored(sim)['spec']['template']['spec']['tolerations']).toEqual([{ operator: 'Exists' }]);
  });

  it('server-side apply: re-applying a manifest with nulls is a no-op; granular nulls are not owned, leaf nulls are', async () => {
    sim = await startSimulator({ nodes: 1, stepDelayMs: 60_000 }); // no controller writes: resourceVersions change only by the test's requests
    const cfg = withNulls();
    const first = await apply(sim, cfg, 'weavectl');
    expect(first.status).toBe(201);
    expect(hasNull(first.body)).toBe(false);
    const created = stored(sim);
    expect(created['metadata']['labels']).toEqual({ name: 'weave-net', cleared: '' });
    const f = fieldsV1Of(created, 'weavectl');
    const tpl = f['f:spec']['f:template']['f:spec'];
    // env (an associative list), securityContext and resources (structs), nodeSelector and annotations (maps): not owned
    expect(tpl['f:initContainers']['k:{"name":"weave-init"}']).toEqual({ '.': {}, 'f:command': {}, 'f:image': {}, 'f:name': {} });
    expect(tpl['f:containers']['k:{"name":"weave"}']).toEqual({ '.': {}, 'f:image': {}, 'f:name': {} });
    expect(tpl['f:nodeSelector']).toBeUndefined();
    expect(f['f:metadata']['f:annotations']).toBeUndefined();
    // a scalar set to null is owned (structured-merge-diff owns null leaves)
    expect(f['f:spec']['f:minReadySeconds']).toEqual({});
    expect(f['f:metadata']['f:labels']['f:cleared']).toEqual({});

    const again = await apply(sim, cfg, 'weavectl');
    expect(again.status).toBe(200);
    const after = stored(sim);
    expect(after['metadata']['generation']).toBe(1);
    expect(after['metadata']['resourceVersion']).toBe(created['metadata']['resourceVersion']);
  });

  it('server-side apply: a granular null keeps the live value; a leaf null removes it and conflicts with its owner', async () => {
    sim = await startSimulator({ nodes: 1, stepDelayMs: 60_000 }); // no controller writes: resourceVersions change only by the test's requests
    const base = daemonSet('weave-net');
    base['spec']['template']['spec']['containers'][0]['env'] = [{ name: 'A', value: '1' }];
    base['spec']['minReadySeconds'] = 5;
    expect((await apply(sim, base, 'other')).status).toBe(201);

    const nulls = daemonSet('weave-net');
    nulls['spec']['template']['spec']['containers'][0]['env'] = null;
    nulls['spec']['minReadySeconds'] = null;
    const c = await apply(sim, nulls, 'weavectl');
    expect(c.status).toBe(409);
    expect(c.body['message']).toBe('Apply failed with 1 conflict: conflict with "other": .spec.minReadySeconds');

    const forced = await apply(sim, nulls, 'weavectl', true);
    expect(forced.status).toBe(200);
    const ds = stored(sim);
    expect(ds['spec']).not.toHaveProperty('minReadySeconds');
    expect(ds['spec']['template']['spec']['containers'][0]['env']).toEqual([{ name: 'A', value: '1' }]);
    const w = fieldsV1Of(ds, 'weavectl');
    expect(w['f:spec']['f:minReadySeconds']).toEqual({});
    expect(fieldsV1Of(ds, 'other')['f:spec']['f:minReadySeconds']).toBeUndefined();
  });

  it('server-side apply: a null list drops the items this manager applied before, and the emptied list', async () => {
    sim = await startSimulator({ nodes: 1, stepDelayMs: 60_000 }); // no controller writes: resourceVersions change only by the test's requests
    const withEnv = daemonSet('weave-net');
    withEnv['spec']['template']['spec']['containers'][0]['env'] = [{ name: 'A', value: '1' }];
    expect((await apply(sim, withEnv, 'weavectl')).status).toBe(201);
    const nulls = daemonSet('weave-net');
    nulls['spec']['template']['spec']['containers'][0]['env'] = null;
    const r = await apply(sim, nulls, 'weavectl');
    expect(r.status).toBe(200);
    // the emptied list is not stored as [] (structured-merge-diff's remove leaves no empty list; omitempty)
    expect(stored(sim)['spec']['template']['spec']['containers'][0]).not.toHaveProperty('env');
    expect(hasNull(stored(sim))).toBe(false);
  });
});
