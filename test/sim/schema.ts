/**
 * The bits of the Kubernetes OpenAPI schema that patching and server-side apply need: which lists are merged by a
 * key (and by which), which are sets, which are atomic, and which structs are atomic. Decided by the field path
 * (field names only) and the kind. Unknown paths are atomic lists / granular maps, like an untyped schema.
 */

export type ListType =
  | { type: 'map'; keys: string[]; defaults?: Record<string, unknown>; smpKey: string }
  | { type: 'set' }
  | { type: 'atomic' };

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** True when `path` ends inside a container object: [..., 'containers', <field>] */
function inContainer(path: string[]): boolean {
  return path.length >= 2 && CONTAINER_LISTS.has(path[path.length - 2]!);
}

/** The list type of the list at `path` (field names from the object root, no indices). */
export function listType(kind: string, path: string[]): ListType {
  const last = path[path.length - 1] ?? '';
  if (path.length === 2 && path[0] === 'metadata') {
    if (last === 'finalizers') return { type: 'set' };
    if (last === 'ownerReferences') return { type: 'map', keys: ['uid'], smpKey: 'uid' };
  }
  if (CONTAINER_LISTS.has(last)) return { type: 'map', keys: ['name'], smpKey: 'name' };
  if (inContainer(path)) {
    if (last === 'env') return { type: 'map', keys: ['name'], smpKey: 'name' };
    if (last === 'ports') return { type: 'map', keys: ['containerPort', 'protocol'], defaults: { protocol: 'TCP' }, smpKey: 'containerPort' };
    if (last === 'volumeMounts') return { type: 'map', keys: ['mountPath'], smpKey: 'mountPath' };
    if (last === 'volumeDevices') return { type: 'map', keys: ['devicePath'], smpKey: 'devicePath' };
  }
  if (last === 'volumes' || last === 'imagePullSecrets') return { type: 'map', keys: ['name'], smpKey: 'name' };
  if (last === 'hostAliases') return { type: 'map', keys: ['ip'], smpKey: 'ip' };
  if (kind === 'Service' && path.length === 2 && path[0] === 'spec' && last === 'ports') {
    return { type: 'map', keys: ['port', 'protocol'], defaults: { protocol: 'TCP' }, smpKey: 'port' };
  }
  if (path[0] === 'status' && last === 'conditions') return { type: 'map', keys: ['type'], smpKey: 'type' };
  if (kind === 'Node' && path.length === 2 && path[0] === 'status' && last === 'addresses') return { type: 'map', keys: ['type'], smpKey: 'type' };
  return { type: 'atomic' };
}

const SELECTOR_KINDS = new Set(['DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet', 'Job', 'PodDisruptionBudget']);

/** Structs owned and replaced as a whole (metav1.LabelSelector is `+structType=atomic`, and so are node selector terms). */
export function isAtomicStruct(kind: string, path: string[]): boolean {
  const last = path[path.length - 1] ?? '';
  if (last === 'podSelector' || last === 'namespaceSelector' || last === 'labelSelector') return true;
  if (path.length === 2 && path[0] === 'spec' && last === 'selector' && SELECTOR_KINDS.has(kind)) return true;
  if (last === 'roleRef') return true;
  return false;
}

/** The key of a keyed-list item, with defaults for missing key fields. */
export function itemKey(lt: Extract<ListType, { type: 'map' }>, item: unknown): Record<string, unknown> | undefined {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return undefined;
  const k: Record<string, unknown> = {};
  for (const f of [...lt.keys].sort()) {
    let v = (item as Record<string, unknown>)[f];
    if (v === undefined) v = lt.defaults?.[f];
    if (v === undefined) continue;
    k[f] = v;
  }
  return Object.keys(k).length ? k : undefined;
}

export function keyString(k: Record<string, unknown>): string {
  return JSON.stringify(k);
}
