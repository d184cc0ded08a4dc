import { afterEach, describe, expect, it } from 'vitest';
import { ApiSurface, parseK8sVersion } from './src/apis.js';
import { startSimulator, type Simulator } from './index.js';
import { daemonSet, get, post } from './testkit.js';
import type { Obj } from './src/types.js';

/** What kubectl 1.35 sends to /api and /apis. */
const KUBECTL_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
const V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

function served(v: string): Set<string> {
  const s = new ApiSurface(parseK8sVersion(v));
  const out = new Set<string>();
  for (const gv of s.versions) for (const r of gv.resources) out.add(`${gv.groupVersion}/${r.name}`);
  return out;
}

describe('discovery per Kubernetes version', () => {
  it('1.7.5: /version, groups, extensions DaemonSets, rbac v1beta1 + v1alpha1 and no rbac v1', async () => {
    sim = await startSimulator({ k8sVersion: '1.7.5', nodes: 1 });
    const v = await get(sim, '/version');
    expect(v.body).toMatchObject({ major: '1', minor: '7', gitVersion: 'v1.7.5', platform: 'linux/amd64' });
    const api = await get(sim, '/api');
    expect(api.body['kind']).toBe('APIVersions');
    expect(api.body['versions']).toEqual(['v1']);
    const apis = await get(sim, '/apis');
    const groups = Object.fromEntries((apis.body['groups'] as { name: string; versions: { groupVersion: string }[]; preferredVersion: { groupVersion: string } }[]).map((g) => [g.name, g]));
    expect(groups['rbac.authorization.k8s.io']!.versions.map((x) => x.groupVersion)).toEqual(['rbac.authorization.k8s.io/v1beta1', 'rbac.authorization.k8s.io/v1alpha1']);
    expect(groups['apps']!.versions.map((x) => x.groupVersion)).toEqual(['apps/v1beta1']);
    expect(groups['networking.k8s.io']!.preferredVersion.groupVersion).toBe('networking.k8s.io/v1');
    const ext = await get(sim, '/apis/extensions/v1beta1');
    const res = ext.body['resources'] as { name: string; kind: string; shortNames?: string[]; namespaced: boolean; verbs: string[] }[];
    expect(res.find((r) => r.name === 'daemonsets')).toMatchObject({ kind: 'DaemonSet', namespaced: true, shortNames: ['ds'] });
    expect(res.find((r) => r.name === 'deployments')?.shortNames).toEqual(['deploy']);
    expect(res.find((r) => r.name === 'networkpolicies')?.shortNames).toEqual(['netpol']);
    expect(res.find((r) => r.name === 'daemonsets/status')).toBeTruthy();
    const appsB1 = await get(sim, '/apis/apps/v1beta1');
    expect((appsB1.body['resources'] as { name: string }[]).map((r) => r.name)).toEqual(expect.arrayContaining(['deployments', 'statefulsets']));
    // not served on 1.7
    for (const p of ['/apis/apps/v1', '/apis/rbac.authorization.k8s.io/v1', '/apis/apps/v1/namespaces/kube-system/daemonsets', '/apis/policy/v1']) {
      const r = await get(sim, p);
      expect(r.status, p).toBe(404);
      expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });
    }
    const core = await get(sim, '/api/v1');
    const names = (core.body['resources'] as { name: string; shortNames?: string[] }[]).map((r) => `${r.name}:${(r.shortNames ?? []).join('|')}`);
    expect(names).toEqual(expect.arrayContaining(['namespaces:ns', 'pods:po', 'nodes:no', 'services:svc', 'serviceaccounts:sa', 'configmaps:cm']));
  });

  it('1.29.2: apps/v1, rbac v1, networking v1, policy v1, no extensions workloads', async () => {
    sim = await startSimulator({ k8sVersion: '1.29.2', nodes: 1 });
    const apis = await get(sim, '/apis');
    const names = (apis.body['groups'] as { name: string; versions: { groupVersion: string }[] }[]).flatMap((g) => g.versions.map((v) => v.groupVersion));
    expect(names).toEqual(expect.arrayContaining(['apps/v1', 'rbac.authorization.k8s.io/v1', 'networking.k8s.io/v1', 'policy/v1', 'authorization.k8s.io/v1']));
    expect(names.some((n) => n.startsWith('extensions/'))).toBe(false);
    expect(names).not.toContain('rbac.authorization.k8s.io/v1beta1');
    expect(names).not.toContain('policy/v1beta1');
    expect((await get(sim, '/apis/extensions/v1beta1/namespaces/kube-system/daemonsets')).status).toBe(404);
    expect((await get(sim, '/apis/apps/v1/namespaces/kube-system/foos')).body['message']).toBe('the server could not find the requested resource');
    expect((await get(sim, '/apis/apps/v1')).body['resources']).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'daemonsets', singularName: 'daemonset', kind: 'DaemonSet', shortNames: ['ds'] })]));
  });

  it('1.6 to 1.26 answer only the legacy documents, whatever the Accept header says', async () => {
    for (const v of ['1.7.5', '1.22.0', '1.26.3']) {
      sim = await startSimulator({ k8sVersion: v, nodes: 1 });
      for (const accept of [KUBECTL_ACCEPT, V2, V2BETA1, 'application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json']) {
        const api = await get(sim, '/api', { accept });
        expect(api.status, `${v} ${accept}`).toBe(200);
        expect(api.headers.get('content-type')).toBe('application/json');
        expect(api.headers.get('vary')).toBeNull();
        expect(api.body['kind']).toBe('APIVersions');
        const apis = await get(sim, '/apis', { accept });
        expect(apis.headers.get('content-type')).toBe('application/json');
        expect(apis.body['kind']).toBe('APIGroupList');
      }
      await sim.stop();
      sim = undefined;
    }
  });

  it('1.27 to 1.29 serve apidiscovery.k8s.io/v2beta1, not v2', async () => {
    for (const v of ['1.27.0', '1.29.2']) {
      sim = await startSimulator({ k8sVersion: v, nodes: 1 });
      for (const accept of [KUBECTL_ACCEPT, V2BETA1, `${V2},${V2BETA1}`]) {
        for (const path of ['/api', '/apis']) {
          const r = await get(sim, path, { accept });
          expect(r.status, `${v} ${path} ${accept}`).toBe(200);
          expect(r.headers.get('content-type')).toBe('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList');
          expect(r.headers.get('vary')).toBe('Accept');
          expect(r.body).toMatchObject({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2beta1', metadata: {} });
        }
      }
      // v2 alone is not served: the legacy document, as when nothing aggregated is acceptable
      const v2 = await get(sim, '/apis', { accept: `${V2},application/json` });
      expect(v2.headers.get('content-type')).toBe('application/json');
      expect(v2.body['kind']).toBe('APIGroupList');
      await sim.stop();
      sim = undefined;
    }
  });

  it('1.30 to 1.32 serve v2 and v2beta1, 1.33 and later only v2', async () => {
    for (const [v, beta] of [['1.30.0', true], ['1.32.4', true], ['1.33.0', false], ['1.35.0', false]] as const) {
      sim = await startSimulator({ k8sVersion: v, nodes: 1 });
      const first = await get(sim, '/apis', { accept: KUBECTL_ACCEPT });
      expect(first.headers.get('content-type'), v).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
      expect(first.body['apiVersion']).toBe('apidiscovery.k8s.io/v2');
      // the client's order decides: v2beta1 first gets v2beta1 where it is served
      const betaFirst = await get(sim, '/api', { accept: `${V2BETA1},${V2},application/json` });
      expect(betaFirst.body['apiVersion'], v).toBe(beta ? 'apidiscovery.k8s.io/v2beta1' : 'apidiscovery.k8s.io/v2');
      const betaOnly = await get(sim, '/api', { accept: `${V2BETA1},application/json` });
      expect(betaOnly.body['kind'], v).toBe(beta ? 'APIGroupDiscoveryList' : 'APIVersions');
      expect(betaOnly.headers.get('content-type')).toBe(beta ? 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList' : 'application/json');
      await sim.stop();
      sim = undefined;
    }
  });

  it('negotiates like the API server: first acceptable clause, q-values, protobuf skipped, plain JSON legacy', async () => {
    sim = await startSimulator({ k8sVersion: '1.35.0', nodes: 1 });
    const kindOf = async (accept: string | undefined) => (await get(sim!, '/apis', accept === undefined ? {} : { accept })).body['kind'];
    expect(await kindOf(undefined)).toBe('APIGroupList');
    expect(await kindOf('application/json')).toBe('APIGroupList');
    expect(await kindOf('*/*')).toBe('APIGroupList');
    // a plain type before the aggregated one wins
    expect(await kindOf(`application/json,${V2}`)).toBe('APIGroupList');
    // ... unless its q-value is lower
    expect(await kindOf(`application/json;q=0.9,${V2}`)).toBe('APIGroupDiscoveryList');
    expect(await kindOf(`${V2};q=0,application/json`)).toBe('APIGroupList');
    // aggregated protobuf is not served by the simulator: skipped, the next clause decides
    expect(await kindOf(`application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,${V2},application/json`)).toBe('APIGroupDiscoveryList');
    // a Table (or any other conversion) is not acceptable on discovery: skipped
    expect(await kindOf(`application/json;as=Table;v=v1;g=meta.k8s.io,${V2}`)).toBe('APIGroupDiscoveryList');
    // parameters in any order, with spaces
    expect(await kindOf('application/json; as=APIGroupDiscoveryList; v=v2; g=apidiscovery.k8s.io')).toBe('APIGroupDiscoveryList');
    // only /api and /apis are aggregated
    const group = await get(sim, '/apis/apps', { accept: KUBECTL_ACCEPT });
    expect(group.body['kind']).toBe('APIGroup');
    const gv = await get(sim, '/apis/apps/v1', { accept: KUBECTL_ACCEPT });
    expect(gv.body['kind']).toBe('APIResourceList');
    expect(gv.headers.get('content-type')).toBe('application/json');
  });

  it('the aggregated documents: one item per group in APIGroupList order, versions preferred first, ETag and 304', async () => {
    sim = await startSimulator({ k8sVersion: '1.29.2', nodes: 1 });
    const api = await get(sim, '/api', { accept: KUBECTL_ACCEPT });
    // creationTimestamp: null up to 1.33 (zero time serialized), omitted from 1.34
    expect((api.body['items'] as Obj[]).map((i) => i['metadata'])).toEqual([{ creationTimestamp: null }]);
    const coreV1 = api.body['items'][0]['versions'] as Obj[];
    expect(coreV1.map((v) => [v['version'], v['freshness']])).toEqual([['v1', 'Current']]);
    const pods = (coreV1[0]!['resources'] as Obj[]).find((r) => r['resource'] === 'pods')!;
    expect(pods).toMatchObject({ resource: 'pods', singularResource: 'pod', scope: 'Namespaced', responseKind: { group: '', version: '', kind: 'Pod' }, shortNames: ['po'], categories: ['all'] });
    expect((pods['subresources'] as Obj[]).find((s) => s['subresource'] === 'exec')).toEqual({ subresource: 'exec', responseKind: { group: '', version: '', kind: 'PodExecOptions' }, verbs: ['create', 'get'] });
    const ns = (coreV1[0]!['resources'] as Obj[]).find((r) => r['resource'] === 'namespaces')!;
    expect(ns['scope']).toBe('Cluster');

    const apis = await get(sim, '/apis', { accept: KUBECTL_ACCEPT });
    const legacy = await get(sim, '/apis');
    const legacyGroups = legacy.body['groups'] as { name: string; versions: { version: string }[] }[];
    const items = apis.body['items'] as { metadata: { name: string }; versions: Obj[] }[];
    expect(items.map((i) => i.metadata.name)).toEqual(legacyGroups.map((g) => g.name));
    for (const [i, g] of legacyGroups.entries()) expect(items[i]!.versions.map((v) => v['version'])).toEqual(g.versions.map((v) => v.version));
    const apps = items.find((i) => i.metadata.name === 'apps')!;
    const deploy = (apps.versions[0]!['resources'] as Obj[]).find((r) => r['resource'] === 'deployments')!;
    expect(deploy['subresources']).toEqual([
      { subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] },
      { subresource: 'status', responseKind: { group: '', version: '', kind: 'Deployment' }, verbs: ['get', 'patch', 'update'] },
    ]);
    const cr = (items.find((i) => i.metadata.name === 'rbac.authorization.k8s.io')!.versions[0]!['resources'] as Obj[]).find((r) => r['resource'] === 'clusterroles')!;
    expect(cr).toEqual({ resource: 'clusterroles', responseKind: { group: '', version: '', kind: 'ClusterRole' }, scope: 'Cluster', singularResource: 'clusterrole', verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] });

    // the aggregated handler's caching headers: a strong ETag, 304 when the client has it
    const etag = apis.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9A-F]{128}"$/);
    expect(apis.headers.get('cache-control')).toBe('public');
    expect(api.headers.get('etag')).not.toBe(etag);
    const again = await fetch(`${sim.url}/apis`, { headers: { accept: KUBECTL_ACCEPT, 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe('');

    // 1.34 and later omit the zero creationTimestamp
    await sim.stop();
    sim = await startSimulator({ k8sVersion: '1.34.1', nodes: 1 });
    const newer = await get(sim, '/apis', { accept: KUBECTL_ACCEPT });
    expect((newer.body['items'] as Obj[]).find((i) => i['metadata']['name'] === 'apps')!['metadata']).toEqual({ name: 'apps' });
  });

  it('every resource of the aggregated documents is what the legacy per-group-version lists say (1.27, 1.29, 1.35)', async () => {
    for (const v of ['1.27.3', '1.29.2', '1.35.0']) {
      sim = await startSimulator({ k8sVersion: v, nodes: 1 });
      const fromAggregated: string[] = [];
      for (const root of ['/api', '/apis']) {
        const doc = await get(sim, root, { accept: KUBECTL_ACCEPT });
        expect(doc.body['kind']).toBe('APIGroupDiscoveryList');
        for (const item of doc.body['items'] as { metadata: { name?: string }; versions: { version: string; resources: Obj[] }[] }[]) {
          for (const ver of item.versions) {
            const gv = item.metadata.name ? `${item.metadata.name}/${ver.version}` : ver.version;
            for (const r of ver.resources) {
              const namespaced = r['scope'] === 'Namespaced';
              fromAggregated.push(`${gv} ${r['resource']} ${r['responseKind']['kind']} ${namespaced} ${r['verbs'].join(',')}`);
              for (const s of (r['subresources'] ?? []) as Obj[]) fromAggregated.push(`${gv} ${r['resource']}/${s['subresource']} ${s['responseKind']['kind']} ${namespaced} ${s['verbs'].join(',')}`);
            }
          }
        }
      }
      const fromLegacy: string[] = [];
      const gvs = [...((await get(sim, '/api')).body['versions'] as string[])];
      for (const g of (await get(sim, '/apis')).body['groups'] as { versions: { groupVersion: string }[] }[]) gvs.push(...g.versions.map((x) => x.groupVersion));
      for (const gv of gvs) {
        const list = await get(sim, gv.includes('/') ? `/apis/${gv}` : `/api/${gv}`);
        expect(list.status).toBe(200);
        for (const r of list.body['resources'] as { name: string; kind: string; namespaced: boolean; verbs: string[] }[]) {
          fromLegacy.push(`${gv} ${r.name} ${r.kind} ${r.namespaced} ${r.verbs.join(',')}`);
        }
      }
      expect(fromLegacy.length, v).toBeGreaterThan(40);
      expect([...fromAggregated].sort(), v).toEqual([...fromLegacy].sort());
      await sim.stop();
      sim = undefined;
    }
  });

  it('gets the version boundaries right from 1.6 to 1.35', () => {
    expect(() => parseK8sVersion('1.5.0')).toThrow(/1\.6 to 1\.35/);
    expect(() => parseK8sVersion('banana')).toThrow(/invalid Kubernetes version/);
    expect(served('1.6.0').has('rbac.authorization.k8s.io/v1beta1/clusterroles')).toBe(true);
    expect(served('1.6.0').has('networking.k8s.io/v1/networkpolicies')).toBe(false);
    expect(served('1.7.0').has('networking.k8s.io/v1/networkpolicies')).toBe(true);
    expect(served('1.7.0').has('rbac.authorization.k8s.io/v1/clusterroles')).toBe(false);
    expect(served('1.8.0').has('rbac.authorization.k8s.io/v1/clusterroles')).toBe(true);
    expect(served('1.8.0').has('rbac.authorization.k8s.io/v1alpha1/clusterroles')).toBe(false);
    expect(served('1.8.0').has('apps/v1beta2/daemonsets')).toBe(true);
    expect(served('1.8.0').has('apps/v1/daemonsets')).toBe(false);
    expect(served('1.9.0').has('apps/v1/daemonsets')).toBe(true);
    expect(served('1.10.0').has('policy/v1beta1/podsecuritypolicies')).toBe(true);
    expect(served('1.15.0').has('extensions/v1beta1/daemonsets')).toBe(true);
    expect(served('1.15.0').has('apps/v1beta2/daemonsets')).toBe(true);
    expect(served('1.16.0').has('extensions/v1beta1/daemonsets')).toBe(false);
    expect(served('1.16.0').has('apps/v1beta2/daemonsets')).toBe(false);
    expect(served('1.16.0').has('extensions/v1beta1/ingresses')).toBe(true);
    expect(served('1.21.0').has('rbac.authorization.k8s.io/v1beta1/roles')).toBe(true);
    expect(served('1.22.0').has('rbac.authorization.k8s.io/v1beta1/roles')).toBe(false);
    expect(served('1.22.0').has('extensions/v1beta1/ingresses')).toBe(false);
    expect(served('1.24.0').has('policy/v1beta1/podsecuritypolicies')).toBe(true);
    expect(served('1.25.0').has('policy/v1beta1/podsecuritypolicies')).toBe(false);
    expect(served('1.35.0').has('apps/v1/daemonsets')).toBe(true);
  });

  it('serves one DaemonSet through every group version of its kind, with the apiVersion of the URL', async () => {
    sim = await startSimulator({ k8sVersion: '1.9.11', nodes: 1 });
    const ds = daemonSet('weave-net');
    ds['apiVersion'] = 'extensions/v1beta1';
    const created = await post(sim, '/apis/extensions/v1beta1/namespaces/kube-system/daemonsets', ds);
    expect(created.status).toBe(201);
    expect(created.body['apiVersion']).toBe('extensions/v1beta1');
    // extensions/v1beta1 defaults to OnDelete; apps/v1 would default to RollingUpdate
    expect(created.body['spec']['updateStrategy']).toEqual({ type: 'OnDelete' });
    const viaApps = await get(sim, '/apis/apps/v1/namespaces/kube-system/daemonsets');
    expect(viaApps.body['apiVersion']).toBe('apps/v1');
    expect(viaApps.body['kind']).toBe('DaemonSetList');
    expect((viaApps.body['items'] as { metadata: { name: string } }[]).map((i) => i.metadata.name)).toEqual(['weave-net']);
    const one = await get(sim, '/apis/apps/v1beta2/namespaces/kube-system/daemonsets/weave-net');
    expect(one.body).toMatchObject({ apiVersion: 'apps/v1beta2', kind: 'DaemonSet', metadata: { uid: created.body['metadata']['uid'] } });
    expect(one.body['spec']['templateGeneration']).toBeUndefined();
    const missing = await get(sim, '/apis/extensions/v1beta1/namespaces/kube-system/daemonsets/nope');
    expect(missing.body['message']).toBe('daemonsets.extensions "nope" not found');
  });

  it('sends the deprecation warning of a served but deprecated API (servers >= 1.19)', async () => {
    sim = await startSimulator({ k8sVersion: '1.21.5', nodes: 1 });
    const r = await get(sim, '/apis/rbac.authorization.k8s.io/v1beta1/clusterroles');
    expect(r.status).toBe(200);
    expect(r.headers.get('warning')).toBe('299 - "rbac.authorization.k8s.io/v1beta1 ClusterRole is deprecated in v1.17+, unavailable in v1.22+; use rbac.authorization.k8s.io/v1 ClusterRole"');
  });

  it('serves the OpenAPI index kubectl reads, and an empty v2 document', async () => {
    sim = await startSimulator({ nodes: 1 });
    const idx = await get(sim, '/openapi/v3');
    const url = idx.body['paths']['apis/apps/v1']['serverRelativeURL'] as string;
    const doc = await get(sim, url);
    const patchOp = doc.body['paths']['/apis/apps/v1/namespaces/{namespace}/daemonsets/{name}']['patch'];
    expect(patchOp['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', version: 'v1', kind: 'DaemonSet' });
    expect(patchOp['parameters'].map((p: { name: string }) => p.name)).toContain('fieldValidation');
    const v2 = await fetch(`${sim.url}/openapi/v2`, { headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' } });
    expect(v2.status).toBe(200);
    expect((await v2.arrayBuffer()).byteLength).toBe(0);
  });
});
