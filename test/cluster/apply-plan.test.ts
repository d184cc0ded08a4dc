import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kubectlName, planApply, roleKey, roleRefKey, tierOf } from '../../src/cluster/apply-plan.js';
import { parseManifest, toObjects } from '../../src/manifest/manifest.js';

const obj = (kind: string, name = kind.toLowerCase(), apiVersion = 'v1') => ({ apiVersion, kind, metadata: { name } });

describe('planApply', () => {
  it('orders namespace, service account, roles, bindings, config, services, workloads, unknown', () => {
    const objects = [
      obj('Ingress', 'ing', 'networking.k8s.io/v1'),
      obj('DaemonSet', 'ds', 'apps/v1'),
      obj('Service'),
      obj('RoleBinding', 'rb', 'rbac.authorization.k8s.io/v1'),
      obj('ConfigMap'),
      obj('ClusterRoleBinding', 'crb', 'rbac.authorization.k8s.io/v1'),
      obj('Role', 'r', 'rbac.authorization.k8s.io/v1'),
      obj('ClusterRole', 'cr', 'rbac.authorization.k8s.io/v1'),
      obj('ServiceAccount'),
      obj('Secret'),
      obj('PodSecurityPolicy', 'psp', 'policy/v1beta1'),
      obj('Namespace'),
      obj('Deployment', 'dep', 'apps/v1'),
    ];
    const plan = planApply(objects);
    const kinds = plan.tiers.map((t) => t.map((p) => p.object.kind));
    expect(kinds).toEqual([
      ['Namespace'],
      ['RoleBinding', 'ClusterRoleBinding', 'Role', 'ClusterRole', 'ServiceAccount'],
      ['ConfigMap', 'Secret', 'PodSecurityPolicy'],
      ['Service'],
      ['DaemonSet', 'Deployment'],
      ['Ingress'],
    ]);
    // indices point back into the manifest
    for (const tier of plan.tiers) for (const p of tier) expect(objects[p.index]).toBe(p.object);
  });

  it('keeps manifest order inside a tier and drops empty tiers', () => {
    const plan = planApply([obj('DaemonSet', 'b', 'apps/v1'), obj('DaemonSet', 'a', 'apps/v1'), obj('ServiceAccount')]);
    expect(plan.tiers.map((t) => t.map((p) => p.index))).toEqual([[2], [0, 1]]);
    expect(planApply([]).tiers).toEqual([]);
  });

  it('an unknown or missing kind goes last', () => {
    expect(tierOf('Widget')).toBeGreaterThan(tierOf('DaemonSet'));
    expect(tierOf('')).toBe(tierOf('Widget'));
    expect(tierOf('toString')).toBe(tierOf('Widget'));
  });

  it('plans the real Weave Net 2.8.1 manifest', () => {
    const text = fs.readFileSync(new URL('../fixtures/upstream/net-2.8.1-k8s-1.11.yaml', import.meta.url), 'utf8');
    const objects = toObjects(parseManifest(text, 'net-2.8.1'));
    const plan = planApply(objects);
    expect(plan.tiers.map((t) => t.map((p) => `${p.object.kind}`))).toEqual([
      ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'],
      ['DaemonSet'],
    ]);
  });
});

describe('roleRefKey / roleKey', () => {
  const rbac = 'rbac.authorization.k8s.io/v1';
  it('a binding names the role the way that role names itself', () => {
    const crb = { apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: 'b' }, roleRef: { kind: 'ClusterRole', name: 'weave-net' } };
    const rb = { apiVersion: rbac, kind: 'RoleBinding', metadata: { name: 'b', namespace: 'kube-system' }, roleRef: { kind: 'Role', name: 'weave-net' } };
    expect(roleRefKey(crb)).toBe(roleKey({ kind: 'ClusterRole', metadata: { name: 'weave-net' } }));
    expect(roleRefKey(rb)).toBe(roleKey({ kind: 'Role', metadata: { name: 'weave-net', namespace: 'kube-system' } }));
    // a Role of another namespace, a RoleBinding to a ClusterRole, and things that are not bindings or roles
    expect(roleRefKey(rb)).not.toBe(roleKey({ kind: 'Role', metadata: { name: 'weave-net', namespace: 'default' } }));
    expect(roleRefKey({ ...rb, roleRef: { kind: 'ClusterRole', name: 'view' } })).toBe('ClusterRole/view');
    expect(roleRefKey({ ...crb, roleRef: { kind: 'Role', name: 'x' } })).toBeUndefined();
    expect(roleRefKey({ kind: 'ClusterRoleBinding', metadata: { name: 'b' } })).toBeUndefined();
    expect(roleRefKey({ kind: 'ServiceAccount', metadata: { name: 'weave-net' } })).toBeUndefined();
    expect(roleKey({ kind: 'ServiceAccount', metadata: { name: 'weave-net' } })).toBeUndefined();
  });
});

describe('kubectlName', () => {
  it('names objects like kubectl', () => {
    expect(kubectlName(obj('DaemonSet', 'weave-net', 'apps/v1'))).toBe('daemonset.apps/weave-net');
    expect(kubectlName(obj('ServiceAccount', 'weave-net'))).toBe('serviceaccount/weave-net');
    expect(kubectlName(obj('ClusterRole', 'weave-net', 'rbac.authorization.k8s.io/v1'))).toBe('clusterrole.rbac.authorization.k8s.io/weave-net');
    expect(kubectlName(obj('DaemonSet', 'weave-net', 'extensions/v1beta1'))).toBe('daemonset.extensions/weave-net');
  });
});
