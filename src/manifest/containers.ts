/**
 * Helpers over yaml Documents for the parts of workloads that patches touch: pod specs,
 * containers, env and images. They edit the Document's nodes in place (so comments, key order and
 * quoting of the upstream manifest survive); callers work on a clone (cloneManifest). Pure.
 */
import { Document, isMap, isScalar, isSeq, Scalar, YAMLMap, YAMLSeq, type Node } from 'yaml';

/**
 * The pod spec of a workload document, as a live node: spec.template.spec for DaemonSet, Deployment,
 * StatefulSet, ReplicaSet, ReplicationController and Job; spec.jobTemplate.spec.template.spec for a
 * CronJob; spec for a Pod. Undefined when the document has none.
 */
export function podSpecOf(doc: Document): YAMLMap | undefined {
  const kind = doc.get('kind');
  let node: unknown;
  if (kind === 'Pod') node = doc.getIn(['spec'], true);
  else if (kind === 'CronJob') node = doc.getIn(['spec', 'jobTemplate', 'spec', 'template', 'spec'], true);
  else node = doc.getIn(['spec', 'template', 'spec'], true);
  return isMap(node) ? (node as YAMLMap) : undefined;
}

export interface ContainerEntry {
  /** The container's mapping node (live: edits change the document). */
  node: YAMLMap;
  name: string;
  /** True for initContainers. */
  init: boolean;
}

/** Every container and initContainer of the pod spec, initContainers first (the order the kubelet runs them). */
export function containersOf(doc: Document): ContainerEntry[] {
  const spec = podSpecOf(doc);
  if (!spec) return [];
  const out: ContainerEntry[] = [];
  for (const [field, init] of [['initContainers', true], ['containers', false]] as const) {
    const seq = spec.get(field, true);
    if (!isSeq(seq)) continue;
    for (const item of seq.items) {
      if (!isMap(item)) continue;
      const name = item.get('name');
      out.push({ node: item as YAMLMap, name: typeof name === 'string' ? name : String(name ?? ''), init });
    }
  }
  return out;
}

/**
 * The container (or, when there is none of that name, initContainer) called `name`.
 * `opts.init` restricts the search to initContainers (true) or containers (false).
 */
export function findContainer(doc: Document, name: string, opts: { init?: boolean } = {}): YAMLMap | undefined {
  const all = containersOf(doc).filter((c) => c.name === name && (opts.init === undefined || c.init === opts.init));
  return (all.find((c) => !c.init) ?? all[0])?.node;
}

/** Removes the container `name` from `containers` (not initContainers). Returns whether it was there. */
export function removeContainer(doc: Document, name: string): boolean {
  const seq = podSpecOf(doc)?.get('containers', true);
  if (!isSeq(seq)) return false;
  const before = seq.items.length;
  seq.items = seq.items.filter((item) => !(isMap(item) && item.get('name') === name));
  return seq.items.length !== before;
}

/** The value of an env entry: a literal, or a `valueFrom` source (secretKeyRef, fieldRef, ...). */
export type EnvValue = string | { valueFrom: Record<string, unknown> };

function envSeq(container: YAMLMap, create: boolean): YAMLSeq | undefined {
  const existing = container.get('env', true);
  if (isSeq(existing)) return existing as YAMLSeq;
  if (!create) return undefined;
  // Absent, `env:` with no value (as in weave-init of Net 2.8.x) or something unusable: a fresh list.
  const seq = new YAMLSeq();
  container.set('env', seq);
  return seq;
}

function entryName(item: unknown): string | undefined {
  if (!isMap(item)) return undefined;
  const n = item.get('name');
  return typeof n === 'string' ? n : undefined;
}

/** The env entry `name` of a container, as plain values; undefined when absent. */
export function getEnv(container: YAMLMap, name: string): EnvValue | undefined {
  const seq = envSeq(container, false);
  if (!seq) return undefined;
  // Kubernetes: with duplicate names the last one wins.
  const item = [...seq.items].reverse().find((i) => entryName(i) === name);
  return isMap(item) ? getEnvOf(item as YAMLMap) : undefined;
}

/** Every env entry of a container, in order, as plain values. */
export function listEnv(container: YAMLMap): { name: string; value: EnvValue }[] {
  const seq = envSeq(container, false);
  if (!seq) return [];
  const out: { name: string; value: EnvValue }[] = [];
  for (const item of seq.items) {
    const name = entryName(item);
    if (name === undefined) continue;
    out.push({ name, value: getEnvOf(item as YAMLMap) });
  }
  return out;
}

function getEnvOf(item: YAMLMap): EnvValue {
  const valueFrom = item.get('valueFrom', true);
  if (isMap(valueFrom)) return { valueFrom: valueFrom.toJSON() as Record<string, unknown> };
  const value = item.get('value');
  return value == null ? '' : String(value);
}

/**
 * Sets env `name` on a container. An existing entry is changed in place (its position and comments
 * kept; `value` and `valueFrom` swapped as needed) and any later duplicates are removed; otherwise the
 * entry is appended. A flow-style empty list (`env: []`) becomes a block list.
 */
export function setEnv(container: YAMLMap, name: string, value: EnvValue): void {
  const seq = envSeq(container, true)!;
  const matches = seq.items.filter((i) => entryName(i) === name);
  const first = matches[0];
  if (isMap(first)) {
    if (typeof value === 'string') {
      first.delete('valueFrom');
      setScalar(first, 'value', value);
    } else {
      first.delete('value');
      first.set('valueFrom', toNode(value.valueFrom));
    }
    if (matches.length > 1) seq.items = seq.items.filter((i) => i === first || entryName(i) !== name);
    return;
  }
  if (seq.flow && seq.items.length === 0) seq.flow = false;
  seq.items.push(toNode(typeof value === 'string' ? { name, value } : { name, valueFrom: value.valueFrom }));
}

/** Removes every env entry `name`. Returns whether one was there. */
export function removeEnv(container: YAMLMap, name: string): boolean {
  const seq = envSeq(container, false);
  if (!seq) return false;
  const before = seq.items.length;
  seq.items = seq.items.filter((i) => entryName(i) !== name);
  return seq.items.length !== before;
}

const scratch = new Document();

/** A yaml node for a plain value (so the edited document holds nodes only, as a parsed one does). */
export function toNode(value: unknown): Node {
  return scratch.createNode(value, { aliasDuplicateObjects: false }) as Node;
}

/** Sets a string value, keeping the quoting style of the scalar it replaces. */
function setScalar(map: YAMLMap, key: string, value: string): void {
  const prev = map.get(key, true);
  if (isScalar(prev)) {
    prev.value = value;
    // A plain scalar that now needs quotes ("1", "true") is quoted by the stringifier on its own.
  } else {
    map.set(key, new Scalar(value));
  }
}

export interface ImageSite {
  /** Container name. */
  container: string;
  init: boolean;
}

/**
 * Calls `fn` for the image of every container and initContainer of a workload document; when `fn`
 * returns a string, the image is replaced with it (quoting style kept).
 */
export function forEachImage(doc: Document, fn: (image: string, site: ImageSite) => string | void | undefined): void {
  for (const c of containersOf(doc)) {
    const image = c.node.get('image');
    if (typeof image !== 'string') continue;
    const next = fn(image, { container: c.name, init: c.init });
    if (typeof next === 'string' && next !== image) setScalar(c.node, 'image', next);
  }
}

/**
 * The live `args` (or `command`) list of a container, created (block style) when absent.
 * New items should be made with `styledScalar` so they match their neighbours' quoting.
 */
export function stringListNode(container: YAMLMap, field: 'args' | 'command'): YAMLSeq {
  const seq = container.get(field, true);
  if (isSeq(seq)) {
    if (seq.flow && seq.items.length === 0) seq.flow = false;
    return seq as YAMLSeq;
  }
  const fresh = new YAMLSeq();
  container.set(field, fresh);
  return fresh;
}

/** A string scalar quoted like the first scalar of `seq` (e.g. single-quoted args stay single-quoted). */
export function styledScalar(seq: YAMLSeq, value: string): Scalar {
  const s = new Scalar(value);
  const model = seq.items.find((i) => isScalar(i)) as Scalar | undefined;
  if (model?.type === Scalar.QUOTE_SINGLE || model?.type === Scalar.QUOTE_DOUBLE) s.type = model.type;
  return s;
}
