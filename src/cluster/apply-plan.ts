/**
 * The order in which objects are applied, as tiers: every object of a tier can be sent in
 * parallel; a tier starts when the one before it succeeded. Pure: no I/O.
 *
 *   Namespace (and CRDs) -> ServiceAccount, ClusterRole, Role, ClusterRoleBinding, RoleBinding
 *   -> ConfigMap, Secret, PodSecurityPolicy, ... -> Service -> workloads -> everything else
 *
 * Every tier is a round trip, so objects whose creation does not need one another share one:
 * a binding may name a ServiceAccount that does not exist yet, and an installer allowed to `bind`
 * or `escalate` (cluster-admin is) may bind a role that does not exist yet. A caller without those
 * verbs is refused such a binding (the API server resolves the role to check for escalation and
 * answers 404): apply.ts sends a binding refused so again once its role is applied
 * (bindingRetryable below).
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
  ClusterRoleBinding: 2,
  RoleBinding: 2,
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

/**
 * The role a binding refers to, as the object that defines it would be named: "ClusterRole/name",
 * or "Role/namespace/name" (a RoleBinding's Role is in the binding's namespace). Undefined for
 * anything but a binding.
 */
export function roleRefKey(o: { kind?: unknown; metadata?: unknown; roleRef?: unknown }): string | undefined {
  if (o.kind !== 'ClusterRoleBinding' && o.kind !== 'RoleBinding') return undefined;
  const ref = (o.roleRef ?? {}) as { kind?: unknown; name?: unknown };
  if (typeof ref.name !== 'string') return undefined;
  if (ref.kind === 'ClusterRole') return `ClusterRole/${ref.name}`;
  const ns = ((o.metadata ?? {}) as { namespace?: unknown }).namespace;
  return ref.kind === 'Role' && o.kind === 'RoleBinding' ? `Role/${typeof ns === 'string' ? ns : ''}/${ref.name}` : undefined;
}

/** The key roleRefKey gives for the role this object defines, or undefined if it is not a role. */
export function roleKey(o: { kind?: unknown; metadata?: unknown }): string | undefined {
  const meta = (o.metadata ?? {}) as { name?: unknown; namespace?: unknown };
  if (typeof meta.name !== 'string') return undefined;
  if (o.kind === 'ClusterRole') return `ClusterRole/${meta.name}`;
  if (o.kind === 'Role') return `Role/${typeof meta.namespace === 'string' ? meta.namespace : ''}/${meta.name}`;
  return undefined;
}
