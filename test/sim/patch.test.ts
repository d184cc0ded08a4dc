import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from './index.js';
import { jsonPatch, mergePatch, strategicMergePatch } from './src/patch.js';
import { daemonSet, DS_PATH, get, patch, post } from './testkit.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const MERGE = 'application/merge-patch+json';
const SMP = 'application/strategic-merge-patch+json';
const JSONP = 'application/json-patch+json';

function twoContainers() {
  const ds = daemonSet('weave-net');
  ds['spec']['template']['spec']['containers'] = [
    { name: 'weave', image: 'weaveworks/weave-kube:2.8.1', env: [{ name: 'IPALLOC_RANGE', value: '10.32.0.0/12' }, { name: 'CONN_LIMIT', value: '200' }], ports: [{ containerPort: 6784 }] },
    { name: 'weave-npc', image: 'weaveworks/weave-npc:2.8.1' },
  ];
  ds['spec']['template']['spec']['volumes'] = [{ name: 'weavedb', hostPath: { path: '/var/lib/weave' } }];
  return ds;
}

describe('patch functions', () => {
  it('merge patch: maps merge, null deletes, lists replace', () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { b: null, d: 3 }, l: [3] })).toEqual({ a: { c: 2, d: 3 }, l: [3] });
  });

  it('strategic merge patch: keyed lists merge, $patch delete/replace, $setElementOrder, $retainKeys, primitive lists', () => {
    const orig = {
      metadata: { finalizers: ['a'] },
      spec: {
        containers: [
          { name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }] },
          { name: 'b', image: 'b:1' },
        ],
        tolerations: [{ operator: 'Exists' }],
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
      },
    };
    const out = strategicMergePatch('Pod', orig, {
      metadata: { finalizers: ['b'], '$deleteFromPrimitiveList/finalizers': ['a'] },
      spec: {
        $setElementOrder: undefined,
        '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }],
        containers: [{ name: 'a', env: [{ name: 'Y', value: '2' }] }, { name: 'b', $patch: 'delete' }, { name: 'c', image: 'c:1' }],
        tolerations: [{ key: 'k', operator: 'Equal', value: 'v' }],
        strategy: { $retainKeys: ['type'], type: 'Recreate' },
      },
    });
    expect(out['metadata']['finalizers']).toEqual(['b']);
    expect(out['spec']['containers']).toEqual([
      { name: 'c', image: 'c:1' },
      { name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }] },
    ]);
    expect(out['spec']['tolerations']).toEqual([{ key: 'k', operator: 'Equal', value: 'v' }]);
    expect(out['spec']['strategy']).toEqual({ type: 'Recreate' });
    expect(strategicMergePatch('Pod', orig, { spec: { containers: [{ $patch: 'replace' }, { name: 'z', image: 'z' }] } })['spec']['containers']).toEqual([{ name: 'z', image: 'z' }]);
  });

  it('JSON patch: add/remove/replace/move/copy/test', () => {
    const doc = { a: [1, 2], b: { c: 'x' } };
    expect(
      jsonPatch(doc, [
        { op: 'add', path: '/a/-', value: 3 },
        { op: 'replace', path: '/b/c', value: 'y' },
        { op: 'copy', from: '/b/c', path: '/d' },
        { op: 'move', from: '/d', path: '/e' },
        { op: 'remove', path: '/a/0' },
        { op: 'test', path: '/e', value: 'y' },
        { op: 'add', path: '/b/x~1y', value: 1 },
      ]),
    ).toEqual({ a: [2, 3], b: { c: 'y', 'x/y': 1 }, e: 'y' });
    expect(() => jsonPatch(doc, [{ op: 'test', path: '/b/c', value: 'nope' }])).toThrow(/test failed/);
    expect(() => jsonPatch(doc, [{ op: 'remove', path: '/zz' }])).toThrow(/missing path/);
  });
});

describe('PATCH over HTTP', () => {
  it('merge patch', async () => {
    sim = await startSimulator({ nodes: 1 });
    await post(sim, DS_PATH, twoContainers());
    const r = await patch(sim, `${DS_PATH}/weave-net`, MERGE, { metadata: { labels: { extra: 'yes' } }, spec: { minReadySeconds: 5 } });
    expect(r.status).toBe(200);
    expect(r.body['metadata']['labels']).toEqual({ name: 'weave-net', extra: 'yes' });
    expect(r.body['spec']['minReadySeconds']).toBe(5);
    expect(r.body['metadata']['generation']).toBe(2);
  });

  it('strategic merge patch merges containers by name and env by name', async () => {
    sim = await startSimulator({ nodes: 1 });
    await post(sim, DS_PATH, twoContainers());
    const r = await patch(sim, `${DS_PATH}/weave-net`, SMP, {
      spec: { template: { spec: { containers: [{ name: 'weave', image: 'weaveworks/weave-kube:2.8.2', env: [{ name: 'IPALLOC_RANGE', value: '172.25.64.0/18' }] }], volumes: [{ name: 'xtables-lock', hostPath: { path: '/run/xtables.lock' } }] } } },
    });
    expect(r.status).toBe(200);
    const cs = r.body['spec']['template']['spec']['containers'];
    expect(cs.map((c: { name: string; image: string }) => `${c.name}=${c.image}`)).toEqual(['weave=weaveworks/weave-kube:2.8.2', 'weave-npc=weaveworks/weave-npc:2.8.1']);
    expect(cs[0].env).toEqual([{ name: 'IPALLOC_RANGE', value: '172.25.64.0/18' }, { name: 'CONN_LIMIT', value: '200' }]);
    expect(cs[0].ports).toEqual([{ containerPort: 6784, protocol: 'TCP' }]);
    expect(r.body['spec']['template']['spec']['volumes'].map((v: { name: string }) => v.name)).toEqual(['weavedb', 'xtables-lock']);
  });

  it('JSON patch, with a failing test op answering 422', async () => {
    sim = await startSimulator({ nodes: 1 });
    await post(sim, DS_PATH, twoContainers());
    const r = await patch(sim, `${DS_PATH}/weave-net`, JSONP, [{ op: 'replace', path: '/spec/template/spec/containers/1/image', value: 'weaveworks/weave-npc:2.8.2' }]);
    expect(r.status).toBe(200);
    expect(r.body['spec']['template']['spec']['containers'][1]['image']).toBe('weaveworks/weave-npc:2.8.2');
    const bad = await patch(sim, `${DS_PATH}/weave-net`, JSONP, [{ op: 'test', path: '/metadata/name', value: 'other' }]);
    expect(bad.status).toBe(422);
  });

  it('a patch with a stale resourceVersion conflicts; an unknown content type is 415; dryRun changes nothing', async () => {
    sim = await startSimulator({ nodes: 1 });
    await post(sim, '/api/v1/namespaces/default/configmaps', { metadata: { name: 'c' }, data: { a: '1' } });
    const stale = await patch(sim, '/api/v1/namespaces/default/configmaps/c', MERGE, { metadata: { resourceVersion: '1' }, data: { a: '2' } });
    expect(stale.status).toBe(409);
    const ct = await patch(sim, '/api/v1/namespaces/default/configmaps/c', 'application/json', { data: { a: '2' } });
    expect(ct.status).toBe(415);
    expect(ct.body['reason']).toBe('UnsupportedMediaType');
    const dry = await patch(sim, '/api/v1/namespaces/default/configmaps/c?dryRun=All', MERGE, { data: { a: '9' } });
    expect(dry.body['data']).toEqual({ a: '9' });
    expect((await get(sim, '/api/v1/namespaces/default/configmaps/c')).body['data']).toEqual({ a: '1' });
    const nf = await patch(sim, '/api/v1/namespaces/default/configmaps/missing', MERGE, { data: {} });
    expect(nf.status).toBe(404);
  });

  it('a PATCH that changes nothing keeps the resourceVersion', async () => {
    sim = await startSimulator({ nodes: 1 });
    const c = await post(sim, '/api/v1/namespaces/default/configmaps', { metadata: { name: 'c' }, data: { a: '1' } });
    const r = await patch(sim, '/api/v1/namespaces/default/configmaps/c', MERGE, { data: { a: '1' } });
    expect(r.body['metadata']['resourceVersion']).toBe(c.body['metadata']['resourceVersion']);
  });
});
