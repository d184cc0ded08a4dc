/**
 * The order in which objects are applied, as tiers: every object of a tier can be sent in
 * parallel; a tier starts when the one before it succeeded. Pure: no I/O.
 *
 *   Namespace (and CRDs) -> ServiceAccount, ClusterRole, Role -> ClusterRoleBinding, RoleBinding
 *   -> ConfigMap, Secret, PodSecurityPolicy, ... -> Service -> workloads -> everything else
 *
 * Roles go before their bindings: without the role, the API server's RBAC escalation check
 * refuses a binding unless the caller may `bind`. ServiceAccounts share the roles' tier: nothing
 * about creating either needs the other (a binding may name a ServiceAccount that does not exist
 * yet), and every tier is a round trip.
 */

export interface PlanObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown } | unknown;
}

export interface PlannedObject<T> {
  /** Position in the manifest. */
  index: number;
  object: T;
}

export interface ApplyPlan<T> {
  /** Non-empty tiers in apply order; inside a tier, manifest order. */
  tiers: PlannedObject<T>[][];
}

const TIER_OF: Record<string, number> = {
  Namespace: 0,
  CustomResourceDefinition: 0,
  ServiceAccount: 2,
  ClusterRole: 2,
  Role: 2,
  ClusterRoleBinding: 3,
  RoleBinding: 3,
  ConfigMap: 4,
  Secret: 4,
  PodSecurityPolicy: 4,
  PriorityClass: 4,
  NetworkPolicy: 4,
  ResourceQuota: 4,
  LimitRange: 4,
  StorageClass: 4,
  PersistentVolume: 4,
  PersistentVolumeClaim: 4,
  Service: 5,
  DaemonSet: 6,
  Deployment: 6,
  StatefulSet: 6,
  ReplicaSet: 6,
  ReplicationController: 6,
  Job: 6,
  CronJob: 6,
  Pod: 6,
};
const UNKNOWN_TIER = 7;

export function tierOf(kind: string): number {
  return Object.prototype.hasOwnProperty.call(TIER_OF, kind) ? (TIER_OF[kind] as number) : UNKNOWN_TIER;
}

export function planApply<T extends PlanObject>(objects: readonly T[]): ApplyPlan<T> {
  const tiers: PlannedObject<T>[][] = [];
  objects.forEach((object, index) => {
    const t = tierOf(typeof object.kind === 'string' ? object.kind : '');
    (tiers[t] ??= []).push({ index, object });
  });
  return { tiers: tiers.filter((t): t is PlannedObject<T>[] => Array.isArray(t) && t.length > 0) };
}

/**
 * kubectl's name of an object in results: "daemonset.apps/weave-net", "serviceaccount/weave-net",
 * "clusterrole.rbac.authorization.k8s.io/weave-net".
 */
export function kubectlName(o: { apiVersion?: unknown; kind?: unknown; metadata?: unknown }): string {
  const apiVersion = typeof o.apiVersion === 'string' ? o.apiVersion : '';
  const kind = typeof o.kind === 'string' ? o.kind.toLowerCase() : 'object';
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const meta = (o.metadata ?? {}) as { name?: unknown };
  const name = typeof meta.name === 'string' ? meta.name : '';
  return `${kind}${group ? `.${group}` : ''}/${name}`;
}
