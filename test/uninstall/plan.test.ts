/**
 * The uninstall plan against every manifest Weave ever shipped: each object of each reference
 * Net manifest (weave 1.9.8 .. 2.8.1, reweave 2.9.0) and of the Scope manifests (both layouts)
 * must be in the plan, with an API version the plan tries.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  kubectlName,
  nodeLeftovers,
  objectKey,
  passwordSecretOf,
  uninstallPlan,
  type PlannedDeletion,
} from '../../src/uninstall/plan.js';
import { repoRoot } from '../cli/run-cli.js';

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };

function objectsOf(file: string): Obj[] {
  const out: Obj[] = [];
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const o = doc.toJS() as (Obj & { items?: Obj[] }) | null;
    if (!o) continue;
    if (o.kind === 'List') out.push(...(o.items ?? []));
    else out.push(o);
  }
  return out;
}

const refDir = join(repoRoot, 'test', 'fixtures', 'upstream');
const refs = readdirSync(refDir).filter((f) => f.endsWith('.yaml'));
const CLUSTER_SCOPED = new Set(['ClusterRole', 'ClusterRoleBinding', 'PodSecurityPolicy', 'Namespace']);

function covered(plan: PlannedDeletion[], o: Obj, defaultNs: string): boolean {
  const ns = CLUSTER_SCOPED.has(o.kind) ? undefined : (o.metadata.namespace ?? defaultNs);
  return plan.some((p) => p.kind === o.kind && p.name === o.metadata.name && p.namespace === ns && p.apiVersions.includes(o.apiVersion));
}

describe('uninstallPlan', () => {
  it('covers every object of every reference Weave Net manifest', () => {
    const plan = uninstallPlan({ namespace: 'kube-system', scope: false });
    const nets = refs.filter((f) => f.startsWith('net-'));
    expect(nets.length).toBeGreaterThanOrEqual(17);
    for (const f of nets) {
      for (const o of objectsOf(join(refDir, f))) expect(covered(plan, o, 'kube-system'), `${f}: ${o.kind} ${o.metadata.name} (${o.apiVersion})`).toBe(true);
    }
  });

  it('with --scope, covers both Scope layouts (namespace weave, and kube-system before 1.7) and the PSP', () => {
    const plan = uninstallPlan({ namespace: 'kube-system', scope: true });
    const files = [
      ...refs.filter((f) => f.startsWith('scope-')).map((f) => join(refDir, f)),
      join(repoRoot, 'templates', 'scope', 'current.yaml'),
      join(repoRoot, 'templates', 'scope', 'legacy.yaml'),
    ];
    let n = 0;
    for (const f of files) {
      for (const o of objectsOf(f)) {
        n++;
        expect(covered(plan, o, 'kube-system'), `${f}: ${o.kind} ${o.metadata.name} (${o.apiVersion})`).toBe(true);
      }
    }
    expect(n).toBeGreaterThan(30);
    expect(plan.filter((p) => p.product === 'net')).toEqual(uninstallPlan({ namespace: 'kube-system', scope: false }));
  });

  it('deletes the DaemonSet first and the Namespace last; another -n moves the namespaced objects', () => {
    const plan = uninstallPlan({ namespace: 'weave-system', scope: true });
    expect(plan[0]).toMatchObject({ kind: 'DaemonSet', name: 'weave-net', namespace: 'weave-system' });
    expect(plan.at(-1)).toMatchObject({ kind: 'Namespace', name: 'weave' });
    expect(plan.filter((p) => p.product === 'net').map((p) => `${p.kind}/${p.namespace ?? ''}/${p.name}`)).toEqual([
      'DaemonSet/weave-system/weave-net',
      'RoleBinding/weave-system/weave-net',
      'Role/weave-system/weave-net',
      'RoleBinding/weave-system/weave-net-kube-peer',
      'Role/weave-system/weave-net-kube-peer',
      'ClusterRoleBinding//weave-net',
      'ClusterRole//weave-net',
      'ServiceAccount/weave-system/weave-net',
      'ConfigMap/weave-system/weave-net',
    ]);
    expect(plan.some((p) => p.kind === 'Secret')).toBe(false);
    // Scope in its own namespace is not listed twice
    const inWeave = uninstallPlan({ namespace: 'weave', scope: true }).filter((p) => p.kind === 'Deployment' && p.name === 'weave-scope-app');
    expect(inWeave).toHaveLength(1);
  });

  it('tries the API versions of every era, newest first', () => {
    const plan = uninstallPlan({ namespace: 'kube-system', scope: true });
    const versions = (kind: string) => plan.find((p) => p.kind === kind)!.apiVersions;
    expect(versions('DaemonSet')).toEqual(['apps/v1', 'apps/v1beta2', 'extensions/v1beta1']);
    expect(versions('PodSecurityPolicy')).toEqual(['policy/v1beta1', 'extensions/v1beta1']);
    expect(versions('ClusterRole')[0]).toBe('rbac.authorization.k8s.io/v1');
  });
});

describe('names', () => {
  it('spells objects like kubectl', () => {
    expect(kubectlName('DaemonSet', 'extensions/v1beta1', 'weave-net')).toBe('daemonset.extensions "weave-net"');
    expect(kubectlName('ServiceAccount', 'v1', 'weave-net')).toBe('serviceaccount "weave-net"');
    expect(kubectlName('ClusterRole', 'rbac.authorization.k8s.io/v1', 'weave-net')).toBe('clusterrole.rbac.authorization.k8s.io "weave-net"');
    expect(objectKey('DaemonSet', 'apps/v1', 'weave-net', 'kube-system')).toBe('kube-system/daemonset.apps/weave-net');
    expect(objectKey('Namespace', 'v1', 'weave')).toBe('namespace/weave');
  });
});

describe('passwordSecretOf', () => {
  it("finds the Secret WEAVE_PASSWORD comes from, if any", () => {
    const ds = (env: unknown[]) => ({ spec: { template: { spec: { containers: [{ name: 'weave', env }, { name: 'weave-npc' }] } } } });
    expect(passwordSecretOf(ds([{ name: 'IPALLOC_RANGE', value: '10.32.0.0/12' }, { name: 'WEAVE_PASSWORD', valueFrom: { secretKeyRef: { name: 'weave-passwd', key: 'pw' } } }]))).toEqual({
      name: 'weave-passwd',
      key: 'pw',
    });
    expect(passwordSecretOf(ds([{ name: 'WEAVE_PASSWORD', value: 'literal' }]))).toBeUndefined();
    expect(passwordSecretOf(ds([]))).toBeUndefined();
    expect(passwordSecretOf(undefined)).toBeUndefined();
  });
});

describe('nodeLeftovers', () => {
  it('names each thing left on the nodes with the command that removes it', () => {
    const l = nodeLeftovers();
    expect(l.map((x) => x.id)).toEqual(['cni-config', 'cni-plugins', 'interfaces', 'ipam-data', 'iptables', 'ipsets']);
    const all = l.flatMap((x) => x.clean).join('\n');
    for (const cmd of ['rm -f /etc/cni/net.d/10-weave.conflist', 'ip link delete weave', 'ip link delete datapath', 'ip link delete vxlan-6784', 'rm -rf /var/lib/weave', 'grep -v WEAVE']) {
      expect(all).toContain(cmd);
    }
    for (const x of l) expect(x.clean.length).toBeGreaterThan(0);
  });
});
