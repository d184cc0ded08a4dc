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

// ---- explicit nulls ----

/** `map[string]string` fields (by the path of field names to the map): a null value in them decodes to "". */
function isStringMap(kind: string, path: string[]): boolean {
  const n = path.length;
  const last = path[n - 1] ?? '';
  if ((last === 'labels' || last === 'annotations') && path[n - 2] === 'metadata') return true;
  if (last === 'matchLabels') return true;
  if (last === 'nodeSelector' && path[n - 2] === 'spec') return true; // PodSpec.nodeSelector (not affinity's nodeSelectorTerms)
  if (n === 1 && kind === 'ConfigMap' && (last === 'data' || last === 'binaryData')) return true;
  if (n === 1 && kind === 'Secret' && (last === 'data' || last === 'stringData')) return true;
  if (n === 2 && kind === 'Service' && path[0] === 'spec' && last === 'selector') return true;
  return false;
}

/** Fields declared without `omitempty`, whose null the server keeps and serves (`rules: null` of an aggregated ClusterRole). */
function keepsNull(kind: string, path: string[]): boolean {
  return path.length === 1 && path[0] === 'rules' && (kind === 'ClusterRole' || kind === 'Role');
}

/** Struct-typed fields (granular, not atomic) the simulator knows of; a null one in an apply configuration is not owned. */
const STRUCT_FIELDS = new Set([
  'metadata', 'spec', 'status', 'template', 'updateStrategy', 'strategy', 'rollingUpdate', 'securityContext', 'resources', 'affinity', 'nodeAffinity',
  'podAffinity', 'podAntiAffinity', 'readinessProbe', 'livenessProbe', 'startupProbe', 'lifecycle', 'postStart', 'preStop', 'httpGet', 'tcpSocket',
  'exec', 'grpc', 'valueFrom', 'fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef', 'hostPath', 'emptyDir', 'configMap', 'secret',
  'persistentVolumeClaim', 'projected', 'downwardAPI', 'dnsConfig', 'capabilities', 'seLinuxOptions', 'seccompProfile', 'limits', 'requests',
  'data', 'stringData', 'binaryData', 'labels', 'annotations', 'nodeSelector', 'matchLabels',
]);

/**
 * Whether a null at `path` in a server-side apply configuration is a granular value (an associative or set list, or a
 * struct or map: structured-merge-diff neither owns it nor lets it replace the live value, which the merge keeps) rather
 * than a leaf (a scalar, atomic list or atomic struct: owned, and it removes the live value). `live` is the live value
 * there, when any.
 */
export function nullIsGranular(kind: string, path: string[], live: unknown): boolean {
  if (isAtomicStruct(kind, path)) return false;
  if (listType(kind, path).type !== 'atomic' || isStringMap(kind, path)) return true;
  if (live !== null && typeof live === 'object' && !Array.isArray(live)) return true;
  if (live !== undefined) return false;
  return STRUCT_FIELDS.has(path[path.length - 1] ?? '');
}

/**
 * What decoding into the API's Go types does to the explicit nulls of a typed object: a null field is the zero value
 * and, every optional field being `omitempty`, is not stored (`env: null`, `resources: null`, `labels: null`); a null
 * value in a `map[string]string` (labels, annotations, nodeSelector, matchLabels, ConfigMap and Secret data, a
 * Service's selector) is the empty string; a field without `omitempty` keeps its null (a Role's `rules`). Elements of
 * lists are left as they are. Mutates and returns `obj` (field names from the object root, as in `listType`).
 */
export function decodeNulls<T>(kind: string, obj: T, path: string[] = []): T {
  if (Array.isArray(obj)) {
    for (const x of obj) if (x !== null && typeof x === 'object') decodeNulls(kind, x, path);
    return obj;
  }
  if (obj === null || typeof obj !== 'object') return obj;
  const o = obj as Record<string, unknown>;
  const stringMap = path.length > 0 && isStringMap(kind, path);
  for (const [k, v] of Object.entries(o)) {
    if (v === null) {
      if (stringMap) o[k] = '';
      else if (!keepsNull(kind, [...path, k])) delete o[k];
    } else if (typeof v === 'object') decodeNulls(kind, v, [...path, k]);
  }
  return obj;
}
