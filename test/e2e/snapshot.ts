import type { Simulator } from '../sim/index.js';

/**
 * A snapshot of the objects weavectl writes, to prove a refused command changed nothing. Workloads are
 * compared by generation (spec changes only): their status keeps changing while controllers work.
 */
export function snapshot(s: Simulator): string {
  const out: string[] = [];
  for (const [apiVersion, kind] of [
    ['v1', 'ServiceAccount'],
    ['v1', 'ConfigMap'],
    ['v1', 'Service'],
    ['v1', 'Namespace'],
    ['rbac.authorization.k8s.io/v1beta1', 'ClusterRole'],
    ['rbac.authorization.k8s.io/v1beta1', 'ClusterRoleBinding'],
    ['rbac.authorization.k8s.io/v1beta1', 'Role'],
    ['rbac.authorization.k8s.io/v1beta1', 'RoleBinding'],
    ['extensions/v1beta1', 'DaemonSet'],
    ['extensions/v1beta1', 'Deployment'],
  ] as const) {
    let items: { metadata: { namespace?: string; name: string; resourceVersion?: string; generation?: number } }[] = [];
    try {
      items = s.list(apiVersion, kind) as typeof items;
    } catch {
      try {
        items = s.list(apiVersion.replace('v1beta1', 'v1').replace('extensions/', 'apps/'), kind) as typeof items;
      } catch {
        items = [];
      }
    }
    for (const o of items) {
      const version = o.metadata.generation !== undefined ? `generation ${o.metadata.generation}` : o.metadata.resourceVersion;
      out.push(`${kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}@${version}`);
    }
  }
  return out.sort().join('\n');
}

