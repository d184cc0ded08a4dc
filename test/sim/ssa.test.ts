import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Obj, type Simulator } from './index.js';
import { call, daemonSet, DS_PATH, get, patch, post } from './testkit.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const APPLY = 'application/apply-patch+yaml';
const apply = (s: Simulator, path: string, obj: Obj, query: string) => call(s, 'PATCH', `${path}?${query}`, stringify(obj), { 'content-type': APPLY });

function managers(o: Obj): string[] {
  return (o['metadata']['managedFields'] as Obj[]).map((m) => `${m['manager']}/${m['operation']}${m['subresource'] ? `/${m['subresource']}` : ''}`);
}

describe('server-side apply', () => {
  it('requires a fieldManager; creates when missing; records managedFields per manager', async () => {
    sim = await startSimulator({ nodes: 1 });
    const ds = daemonSet('weave-net');
    const noMgr = await call(sim, 'PATCH', `${DS_PATH}/weave-net`, stringify(ds), { 'content-type': APPLY });
    expect(noMgr.status).toBe(400);
    expect(noMgr.body['message']).toBe('fieldManager is required for apply requests');
    const created = await apply(sim, `${DS_PATH}/weave-net`, ds, 'fieldManager=weavectl');
    expect(created.status).toBe(201);
    expect(managers(created.body)).toEqual(['weavectl/Apply']);
    const mf = created.body['metadata']['managedFields'][0];
    expect(mf).toMatchObject({ manager: 'weavectl', operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1' });
    expect(mf['fieldsV1']['f:spec']['f:template']['f:spec']['f:containers']).toEqual({ 'k:{"name":"weave"}': { '.': {}, 'f:image': {}, 'f:name': {} } });
    expect(mf['fieldsV1']['f:spec']['f:selector']).toEqual({});
    // defaults are not owned by the applier
    expect(mf['fieldsV1']['f:spec']['f:revisionHistoryLimit']).toBeUndefined();
    await sim.waitFor(() => sim!.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')?.['status']?.['observedGeneration'] === 1);
    const after = sim.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')!;
    expect(managers(after)).toEqual(['weavectl/Apply', 'kube-controller-manager/Update/status']);
    // applying the same again changes nothing
    const again = await apply(sim, `${DS_PATH}/weave-net`, ds, 'fieldManager=weavectl');
    expect(again.status).toBe(200);
    expect(again.body['metadata']['generation']).toBe(1);
  });

  it('conflicts with another manager changing a field, with the real message; force takes it over', async () => {
    sim = await startSimulator({ nodes: 1 });
    await post(sim, `${DS_PATH}?fieldManager=kubectl-client-side-apply`, daemonSet('weave-net'));
    const newer = daemonSet('weave-net', 'weaveworks/weave-kube:2.8.2');
    const c = await apply(sim, `${DS_PATH}/weave-net`, newer, 'fieldManager=kubectl');
    expect(c.status).toBe(409);
    expect(c.body['reason']).toBe('Conflict');
    expect(c.body['message']).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.template.spec.containers[name="weave"].image');
    expect(c.body['details']['causes']).toEqual([{ type: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.template.spec.containers[name="weave"].image' }]);

    const two = daemonSet('weave-net', 'weaveworks/weave-kube:2.8.2', { minReadySeconds: 9 });
    const cur = (await get(sim, `${DS_PATH}/weave-net`)).body;
    await patch(sim, `${DS_PATH}/weave-net?fieldManager=other`, 'application/merge-patch+json', { spec: { minReadySeconds: 1 } });
    void cur;
    const c2 = await apply(sim, `${DS_PATH}/weave-net`, two, 'fieldManager=kubectl');
    expect(c2.status).toBe(409);
    expect(c2.body['message']).toBe(
      'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n- .spec.template.spec.containers[name="weave"].image\nconflicts with "other" using apps/v1:\n- .spec.minReadySeconds',
    );

    const forced = await apply(sim, `${DS_PATH}/weave-net`, newer, 'fieldManager=kubectl&force=true');
    expect(forced.status).toBe(200);
    expect(forced.body['spec']['template']['spec']['containers'][0]['image']).toBe('weaveworks/weave-kube:2.8.2');
    const csa = (forced.body['metadata']['managedFields'] as Obj[]).find((m) => m['manager'] === 'kubectl-client-side-apply')!;
    expect(csa['fieldsV1']['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"weave"}']['f:image']).toBeUndefined();
  });

  it('applying the value another manager set is shared ownership, not a conflict', async () => {
    sim = await startSimulator({ nodes: 1 });
    await post(sim, `${DS_PATH}?fieldManager=kubectl-create`, daemonSet('weave-net'));
    const r = await apply(sim, `${DS_PATH}/weave-net`, daemonSet('weave-net'), 'fieldManager=kubectl');
    expect(r.status).toBe(200);
  });

  it('removes fields the manager applied before and omits now, unless someone else owns them', async () => {
    sim = await startSimulator({ nodes: 1 });
    const withEnv = daemonSet('weave-net');
    withEnv['metadata']['labels'] = { name: 'weave-net', tier: 'net' };
    withEnv['spec']['template']['spec']['containers'][0]['env'] = [{ name: 'A', value: '1' }, { name: 'B', value: '2' }];
    await apply(sim, `${DS_PATH}/weave-net`, withEnv, 'fieldManager=weavectl');
    await patch(sim, `${DS_PATH}/weave-net?fieldManager=someone`, 'application/merge-patch+json', { metadata: { labels: { owned: 'elsewhere' } } });
    const less = daemonSet('weave-net');
    less['spec']['template']['spec']['containers'][0]['env'] = [{ name: 'A', value: '1' }];
    const r = await apply(sim, `${DS_PATH}/weave-net`, less, 'fieldManager=weavectl');
    expect(r.status).toBe(200);
    expect(r.body['metadata']['labels']).toEqual({ name: 'weave-net', owned: 'elsewhere' });
    expect(r.body['spec']['template']['spec']['containers'][0]['env']).toEqual([{ name: 'A', value: '1' }]);
  });

  it('dryRun=All applies nothing', async () => {
    sim = await startSimulator({ nodes: 1 });
    const r = await apply(sim, `${DS_PATH}/weave-net`, daemonSet('weave-net'), 'fieldManager=weavectl&dryRun=All');
    expect(r.status).toBe(201);
    expect(r.body['metadata']['managedFields'][0]['manager']).toBe('weavectl');
    expect((await get(sim, `${DS_PATH}/weave-net`)).status).toBe(404);
  });

  it('metadata.resourceVersion in the configuration is a precondition on an existing object (409), ignored on create (kubernetes#106745)', async () => {
    // controllers stopped (a large step delay): the DaemonSet's status must not move its resourceVersion between the writes
    sim = await startSimulator({ nodes: 1, stepDelayMs: 3_600_000 });
    const listRv = String(sim.store.resourceVersion);
    const created = await apply(sim, `${DS_PATH}/weave-net`, { ...daemonSet('weave-net'), metadata: { name: 'weave-net', resourceVersion: listRv } }, 'fieldManager=a');
    expect(created.status).toBe(201);
    const rv = created.body['metadata']['resourceVersion'];
    expect(Number(rv)).toBeGreaterThan(Number(listRv));
    // another writer with the stale resourceVersion of the list that found nothing
    const late = await apply(sim, `${DS_PATH}/weave-net`, { ...daemonSet('weave-net'), metadata: { name: 'weave-net', resourceVersion: listRv } }, 'fieldManager=a');
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ reason: 'Conflict', message: 'Operation cannot be fulfilled on daemonsets.apps "weave-net": the object has been modified; please apply your changes to the latest version and try again' });
    expect(sim.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')!['metadata']['resourceVersion']).toBe(rv);
    // with the current one it applies
    const ok = await apply(sim, `${DS_PATH}/weave-net`, { ...daemonSet('weave-net'), metadata: { name: 'weave-net', resourceVersion: rv } }, 'fieldManager=a');
    expect(ok.status).toBe(200);
  });

  it('keeps fields the schema does not know', async () => {
    sim = await startSimulator({ nodes: 1 });
    const ds = daemonSet('weave-net');
    ds['spec']['template']['spec']['containers'][0]['futureField'] = { x: 1 };
    const r = await apply(sim, `${DS_PATH}/weave-net`, ds, 'fieldManager=weavectl');
    expect(r.body['spec']['template']['spec']['containers'][0]['futureField']).toEqual({ x: 1 });
  });

  it('is not served before 1.16, and no managedFields before 1.18', async () => {
    sim = await startSimulator({ k8sVersion: '1.15.3', nodes: 1 });
    const r = await apply(sim, `${DS_PATH}/weave-net`, daemonSet('weave-net'), 'fieldManager=weavectl');
    expect(r.status).toBe(415);
    const c = await post(sim, DS_PATH, daemonSet('weave-net'));
    expect(c.body['metadata']['managedFields']).toBeUndefined();
  });
});
