/**
 * The REST names of the built-in kinds weavectl reads and writes. A kind's plural and scope never
 * change between the versions of its group, so an object of a built-in kind can be addressed before
 * discovery has answered: a command can read the objects it needs in the same round trip as the
 * server's version and discovery. Discovery stays the authority: an answer that is not about the
 * object asked for (the server does not serve that group/version) sends the caller back to it.
 * Pure: no I/O.
 */
import { splitApiVersion, type ResourceInfo } from './discovery.js';

const BUILTIN: Record<string, { plural: string; namespaced: boolean }> = {
  '/Namespace': { plural: 'namespaces', namespaced: false },
  '/Node': { plural: 'nodes', namespaced: false },
  '/Pod': { plural: 'pods', namespaced: true },
  '/Service': { plural: 'services', namespaced: true },
  '/ServiceAccount': { plural: 'serviceaccounts', namespaced: true },
  '/ConfigMap': { plural: 'configmaps', namespaced: true },
  '/Secret': { plural: 'secrets', namespaced: true },
  '/Endpoints': { plural: 'endpoints', namespaced: true },
  'apps/DaemonSet': { plural: 'daemonsets', namespaced: true },
  'apps/Deployment': { plural: 'deployments', namespaced: true },
  'apps/ReplicaSet': { plural: 'replicasets', namespaced: true },
  'extensions/DaemonSet': { plural: 'daemonsets', namespaced: true },
  'extensions/Deployment': { plural: 'deployments', namespaced: true },
  'extensions/NetworkPolicy': { plural: 'networkpolicies', namespaced: true },
  'extensions/PodSecurityPolicy': { plural: 'podsecuritypolicies', namespaced: false },
  'networking.k8s.io/NetworkPolicy': { plural: 'networkpolicies', namespaced: true },
  'policy/PodSecurityPolicy': { plural: 'podsecuritypolicies', namespaced: false },
  'rbac.authorization.k8s.io/ClusterRole': { plural: 'clusterroles', namespaced: false },
  'rbac.authorization.k8s.io/ClusterRoleBinding': { plural: 'clusterrolebindings', namespaced: false },
  'rbac.authorization.k8s.io/Role': { plural: 'roles', namespaced: true },
  'rbac.authorization.k8s.io/RoleBinding': { plural: 'rolebindings', namespaced: true },
};

/** Where apiVersion+kind would be served if the server serves it, or undefined for a kind not listed here. */
export function builtinResource(apiVersion: string, kind: string): ResourceInfo | undefined {
  const { group, version } = splitApiVersion(apiVersion);
  const b = BUILTIN[`${group}/${kind}`];
  if (!b || version === '') return undefined;
  return { apiVersion, group, version, kind, plural: b.plural, namespaced: b.namespaced, verbs: [] };
}

/**
 * Whether a 404's Status is about the object itself ("daemonsets.apps "weave-net" not found"), as
 * opposed to a path the server does not serve ("the server could not find the requested resource").
 */
export function isObjectNotFound(status: unknown, info: ResourceInfo, name: string): boolean {
  const s = status as { reason?: unknown; details?: { name?: unknown; kind?: unknown } } | undefined;
  return s?.reason === 'NotFound' && s.details?.name === name && (s.details.kind === undefined || s.details.kind === info.plural);
}
