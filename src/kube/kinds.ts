/**
 * The kinds weavectl reads and writes: for each, the API versions that serve it (newest first, across
 * its groups), its plural (the URL segment) and whether it is namespaced. A kind's plural and scope
 * never change between the versions of its group, so an object of one of these kinds can be addressed
 * before discovery has answered (src/cluster/kube-cluster.ts reads at these paths in the same round
 * trip as the server's version); discovery stays the authority on what a cluster serves.
 *
 * Versions, from the Kubernetes deprecation guide and release notes (the simulator serves the same:
 * test/sim/src/apis.ts; test/kube/kinds.test.ts holds this table to its discovery):
 * - apps/v1 from 1.9; apps/v1beta2 1.8-1.15; apps/v1beta1 1.6-1.15 (Deployment; ControllerRevision from 1.7);
 *   extensions/v1beta1 DaemonSet, Deployment, ReplicaSet, NetworkPolicy, PodSecurityPolicy up to 1.15;
 * - networking.k8s.io/v1 NetworkPolicy from 1.7; policy/v1beta1 PodSecurityPolicy 1.10-1.24;
 * - rbac.authorization.k8s.io/v1 from 1.8, v1beta1 1.6-1.21, v1alpha1 1.6-1.7;
 * - authorization.k8s.io/v1 from 1.6, v1beta1 up to 1.21.
 * Pure: no I/O.
 */

export interface KindInfo {
  kind: string;
  /** The API versions ("apps/v1", "v1") that serve it, newest first. */
  versions: readonly string[];
  /** "daemonsets" */
  plural: string;
  namespaced: boolean;
}

/** Where one apiVersion serves one kind. */
export interface KindResource {
  apiVersion: string;
  /** "" for the core group. */
  group: string;
  version: string;
  kind: string;
  /** "daemonsets" */
  plural: string;
  namespaced: boolean;
}

const APPS_DS = ['apps/v1', 'apps/v1beta2', 'extensions/v1beta1'] as const;
const RBAC = ['rbac.authorization.k8s.io/v1', 'rbac.authorization.k8s.io/v1beta1', 'rbac.authorization.k8s.io/v1alpha1'] as const;

const k = (kind: string, versions: readonly string[], plural: string, namespaced: boolean): KindInfo => ({ kind, versions, plural, namespaced });

/** Every kind weavectl touches. */
export const KINDS: readonly KindInfo[] = [
  k('Namespace', ['v1'], 'namespaces', false),
  k('Node', ['v1'], 'nodes', false),
  k('Pod', ['v1'], 'pods', true),
  k('Service', ['v1'], 'services', true),
  k('ServiceAccount', ['v1'], 'serviceaccounts', true),
  k('ConfigMap', ['v1'], 'configmaps', true),
  k('Secret', ['v1'], 'secrets', true),
  k('Endpoints', ['v1'], 'endpoints', true),
  k('Event', ['v1'], 'events', true),
  k('DaemonSet', APPS_DS, 'daemonsets', true),
  k('Deployment', ['apps/v1', 'apps/v1beta2', 'apps/v1beta1', 'extensions/v1beta1'], 'deployments', true),
  k('ReplicaSet', APPS_DS, 'replicasets', true),
  k('ControllerRevision', ['apps/v1', 'apps/v1beta2', 'apps/v1beta1'], 'controllerrevisions', true),
  k('NetworkPolicy', ['networking.k8s.io/v1', 'extensions/v1beta1'], 'networkpolicies', true),
  k('PodSecurityPolicy', ['policy/v1beta1', 'extensions/v1beta1'], 'podsecuritypolicies', false),
  k('ClusterRole', RBAC, 'clusterroles', false),
  k('ClusterRoleBinding', RBAC, 'clusterrolebindings', false),
  k('Role', RBAC, 'roles', true),
  k('RoleBinding', RBAC, 'rolebindings', true),
  k('SelfSubjectAccessReview', ['authorization.k8s.io/v1', 'authorization.k8s.io/v1beta1'], 'selfsubjectaccessreviews', false),
];

const BY_KIND = new Map(KINDS.map((i) => [i.kind, i]));

/** The kind's entry of the table, or undefined for a kind weavectl does not know. */
export function kindInfo(kind: string): KindInfo | undefined {
  return BY_KIND.get(kind);
}

/** The API versions that serve a kind, newest first ([] for a kind not in the table). */
export function versionsOf(kind: string): readonly string[] {
  return BY_KIND.get(kind)?.versions ?? [];
}

/** The API groups a kind is served in ("" for the core group), in the order of its versions. */
export function groupsOf(kind: string): string[] {
  return [...new Set(versionsOf(kind).map(groupOf))];
}

/** Where `apiVersion` would serve `kind` if the server serves it, or undefined when the table does not list that pair. */
export function kindResource(apiVersion: string, kind: string): KindResource | undefined {
  const info = BY_KIND.get(kind);
  if (!info || !info.versions.includes(apiVersion)) return undefined;
  const { group, version } = splitApiVersion(apiVersion);
  return { apiVersion, group, version, kind, plural: info.plural, namespaced: info.namespaced };
}

/** The first of a kind's versions the cluster serves (asked newest first), or undefined when it serves none. */
export async function firstServed(cluster: { serves(apiVersion: string, kind: string): Promise<boolean> }, kind: string, versions: readonly string[] = versionsOf(kind)): Promise<string | undefined> {
  for (const v of versions) if (await cluster.serves(v, kind)) return v;
  return undefined;
}

/** "apps/v1" -> { group: "apps", version: "v1" }; "v1" -> { group: "", version: "v1" }. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** The API group of an apiVersion: "apps/v1" -> "apps", "v1" -> "" (the core group). */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}
