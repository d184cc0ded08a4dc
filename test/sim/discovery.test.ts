import { afterEach, describe, expect, it } from 'vitest';
import { ApiSurface, parseK8sVersion } from './apis.js';
import { startSimulator, type Simulator } from './index.js';
import { daemonSet, get, post } from './testkit.js';

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

  it('answers aggregated discovery requests with the plain APIGroupList', async () => {
    sim = await startSimulator({ nodes: 1 });
    const r = await get(sim, '/apis', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(r.body['kind']).toBe('APIGroupList');
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
