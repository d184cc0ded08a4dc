import { versionsOf } from '../../src/kube/kinds.js';
import type { Simulator } from '../sim/index.js';

/**
 * What the snapshot covers: each kind weavectl writes, with the API versions it may be served under
 * (newest first, from the kinds table src/kube/kinds.ts; one store backs them all, so the first served one
 * lists everything). `optional` kinds
 * may be missing from a cluster altogether (RBAC before 1.6, NetworkPolicy before 1.3).
 */
const KINDS: { kind: string; versions: readonly string[]; optional?: boolean }[] = [
  { kind: 'ServiceAccount', versions: versionsOf('ServiceAccount') },
  { kind: 'ConfigMap', versions: versionsOf('ConfigMap') },
  { kind: 'Secret', versions: versionsOf('Secret') },
  { kind: 'Service', versions: versionsOf('Service') },
  { kind: 'Namespace', versions: versionsOf('Namespace') },
  { kind: 'ClusterRole', versions: versionsOf('ClusterRole'), optional: true },
  { kind: 'ClusterRoleBinding', versions: versionsOf('ClusterRoleBinding'), optional: true },
  { kind: 'Role', versions: versionsOf('Role'), optional: true },
  { kind: 'RoleBinding', versions: versionsOf('RoleBinding'), optional: true },
  { kind: 'DaemonSet', versions: versionsOf('DaemonSet') },
  { kind: 'Deployment', versions: versionsOf('Deployment') },
  { kind: 'NetworkPolicy', versions: versionsOf('NetworkPolicy'), optional: true },
];

/**
 * A snapshot of the objects weavectl writes, to prove a refused command changed nothing. Workloads are
 * compared by generation (spec changes only): their status keeps changing while controllers work; every
 * other object by resourceVersion. A kind the simulator should serve and does not is an error, never an
 * empty list (an empty snapshot would make "nothing changed" pass without checking anything).
 */
export function snapshot(s: Simulator): string {
  const out: string[] = [];
  for (const { kind, versions, optional } of KINDS) {
    const apiVersion = versions.find((v) => s.surface.resourceForKind(v, kind) !== undefined);
    if (apiVersion === undefined) {
      if (optional) continue;
      throw new Error(`snapshot: the simulated Kubernetes ${s.k8sVersion.gitVersion} serves no ${kind} under ${versions.join(', ')}`);
    }
    const items = s.list(apiVersion, kind) as { metadata: { namespace?: string; name: string; resourceVersion?: string; generation?: number } }[];
    for (const o of items) {
      const version = o.metadata.generation !== undefined && (kind === 'DaemonSet' || kind === 'Deployment') ? `generation ${o.metadata.generation}` : `rv ${o.metadata.resourceVersion}`;
      out.push(`${kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}@${version}`);
    }
  }
  return out.sort().join('\n');
}
