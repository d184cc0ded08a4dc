/**
 * What install would change, object by object, for `--diff`: a readable, unified-ish diff of the live
 * objects against the desired ones. Pure.
 *
 * Only paths present in the desired object are compared: the server adds defaults (dnsPolicy,
 * terminationMessagePath, ...), status and bookkeeping metadata that the manifest never sets, and
 * server-side apply leaves alone what the manifest does not name unless weavectl's field manager set it
 * before: those fields it removes, and they are found by comparing the live object with the result of a
 * server dry-run apply (as `kubectl diff` does), given to diffObjects. Lists of named things (containers,
 * initContainers, env, volumes, volumeMounts, ports) are matched by name, so an env var shows as
 * added, removed or changed instead of a shifted list. Values that mean the same (null / {} / [] vs
 * absent, 5 vs "5") are equal.
 *
 *   daemonset.apps/weave-net (kube-system): changed
 *     ~ spec.template.spec.containers[weave].image: weaveworks/weave-kube:2.0.5 -> weaveworks/weave-kube:2.7.0
 *     + spec.template.spec.containers[weave].env[NO_MASQ_LOCAL]: "1"
 *     - spec.template.spec.containers[weave].env[EXTRA_ARGS]: "--log-level=debug"
 *   role.rbac.authorization.k8s.io/weave-net (kube-system): new
 *   serviceaccount/weave-net (kube-system): unchanged
 */
import { REDACTED_VALUE } from '../manifest/redact.js';
import { groupOf } from '../kube/kinds.js';
import type { KubeObject } from '../cluster/types.js';

export type ChangeKind = 'added' | 'removed' | 'changed';

export interface FieldChange {
  /** "spec.template.spec.containers[weave].env[IPALLOC_RANGE]" */
  path: string;
  kind: ChangeKind;
  old?: unknown;
  new?: unknown;
}

export type ObjectStatus = 'new' | 'changed' | 'unchanged' | 'not-in-manifest';

export interface ObjectDiff {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  /** kubectl's "daemonset.apps/weave-net" */
  resource: string;
  status: ObjectStatus;
  changes: FieldChange[];
}

/** Metadata the server owns; never compared. */
const SERVER_METADATA = new Set(['managedFields', 'resourceVersion', 'uid', 'generation', 'creationTimestamp', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds']);

/** List fields whose items are matched by a key rather than by position. */
const KEYED_LISTS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
};

/** Keyed lists whose items the manifest no longer has are shown as removed (server-side apply removes the ones its manager owns). */
const SHOW_REMOVED = new Set(['containers', 'initContainers', 'env', 'volumes', 'volumeMounts']);


/** "daemonset.apps/weave-net", "serviceaccount/weave-net". */
export function resourceOf(o: { apiVersion?: string; kind?: string; metadata?: { name?: string } }): string {
  const group = groupOf(String(o.apiVersion ?? ''));
  return `${String(o.kind ?? '').toLowerCase()}${group ? `.${group}` : ''}/${o.metadata?.name ?? ''}`;
}

/** The identity of an object across API versions: a DaemonSet is the same object in extensions/v1beta1 and apps/v1. */
function identity(o: KubeObject): string {
  return `${o.kind ?? ''}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function scalarEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const simple = (x: unknown) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';
  return simple(a) && simple(b) && String(a) === String(b);
}

/** Deep equality on desired paths only (extra keys on the live side are defaults). */
function covers(live: unknown, desired: unknown): boolean {
  if (isEmpty(desired)) return !(Array.isArray(desired) && Array.isArray(live) && live.length > 0);
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) return false;
    return desired.every((d, i) => covers(live[i], d));
  }
  if (isObject(desired)) {
    if (!isObject(live)) return false;
    return Object.entries(desired).every(([k, d]) => covers(live[k], d));
  }
  return scalarEqual(live, desired);
}

function keyText(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v);
}

function compare(path: string, field: string, live: unknown, desired: unknown, out: FieldChange[]): void {
  if (isEmpty(desired)) {
    // `env:` (null) or {} in the manifest set nothing; [] empties a list the live object has.
    if (Array.isArray(desired) && Array.isArray(live) && live.length > 0) out.push({ path, kind: 'changed', old: live, new: desired });
    return;
  }
  if (live === undefined || live === null) {
    // A new string map (labels, annotations): one line per key reads better than one JSON blob.
    if (STRING_MAPS.has(field) && isObject(desired)) {
      for (const [k, v] of Object.entries(desired)) if (!isEmpty(v)) out.push({ path: childPath(path, k), kind: 'added', new: v });
      return;
    }
    out.push({ path, kind: 'added', new: desired });
    return;
  }
  const key = KEYED_LISTS[field];
  if (key && Array.isArray(desired) && Array.isArray(live)) {
    const liveByKey = new Map<string, unknown>();
    for (const item of live) if (isObject(item) && item[key] !== undefined) liveByKey.set(keyText(item[key]), item);
    const seen = new Set<string>();
    for (const item of desired) {
      if (!isObject(item) || item[key] === undefined) continue;
      const k = keyText(item[key]);
      seen.add(k);
      const itemPath = `${path}[${k}]`;
      const was = liveByKey.get(k);
      if (was === undefined) out.push({ path: itemPath, kind: 'added', new: item });
      else if (field === 'env') {
        if (!envEqual(was as Record<string, unknown>, item)) out.push({ path: itemPath, kind: 'changed', old: was, new: item });
      } else compareObject(itemPath, was, item, out);
    }
    if (SHOW_REMOVED.has(field)) {
      for (const [k, item] of liveByKey) if (!seen.has(k)) out.push({ path: `${path}[${k}]`, kind: 'removed', old: item });
    }
    return;
  }
  if (isObject(desired)) {
    if (!isObject(live)) {
      out.push({ path, kind: 'changed', old: live, new: desired });
      return;
    }
    compareObject(path, live, desired, out);
    return;
  }
  if (Array.isArray(desired)) {
    if (!covers(live, desired)) out.push({ path, kind: 'changed', old: live, new: desired });
    return;
  }
  if (!scalarEqual(live, desired)) out.push({ path, kind: 'changed', old: live, new: desired });
}

/** Maps of strings whose keys are shown one per line. */
const STRING_MAPS = new Set(['labels', 'annotations', 'matchLabels', 'nodeSelector']);

/** "a.b", or a["weavectl.io/settings"] for a key that is not a plain name. */
function childPath(path: string, key: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

function compareObject(path: string, live: unknown, desired: Record<string, unknown>, out: FieldChange[]): void {
  const l = isObject(live) ? live : {};
  for (const [k, d] of Object.entries(desired)) compare(childPath(path, k), k, l[k], d, out);
}

/** Two env entries mean the same: same literal value (absent = ""), or the same valueFrom (on the desired paths). */
function envEqual(live: Record<string, unknown>, desired: Record<string, unknown>): boolean {
  const dFrom = desired.valueFrom;
  const lFrom = live.valueFrom;
  if (!isEmpty(dFrom) || !isEmpty(lFrom)) return !isEmpty(dFrom) && !isEmpty(lFrom) && covers(lFrom, dFrom);
  return String(live.value ?? '') === String(desired.value ?? '');
}

/**
 * The fields of `live` that `after` (the object as a server dry-run apply of the manifest left it) no longer has:
 * what server-side apply removes because the field manager set them before and the manifest no longer does.
 * Paths as compare() writes them (keyed lists by key, string maps one key per line); status and server metadata
 * are left out; an empty value (null, {}, []) counts as absent.
 */
export function removedFields(live: KubeObject, after: KubeObject): FieldChange[] {
  const out: FieldChange[] = [];
  const a = after as Record<string, unknown>;
  for (const [k, l] of Object.entries(live as Record<string, unknown>)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'status') continue;
    if (k === 'metadata' && isObject(l)) {
      const meta = Object.fromEntries(Object.entries(l).filter(([mk]) => !SERVER_METADATA.has(mk) && mk !== 'name' && mk !== 'namespace'));
      gone('metadata', 'metadata', meta, a.metadata, out);
      continue;
    }
    gone(k, k, l, a[k], out);
  }
  return out;
}

/** The `field` of an item of a keyed list (containers[weave]) in gone(). */
const KEYED_ITEM = '';

function gone(path: string, field: string, live: unknown, after: unknown, out: FieldChange[]): void {
  if (isEmpty(live)) return;
  if (isEmpty(after)) {
    // A keyed-list item goes whole (its path names it); a map goes key by key, down to the values it holds.
    if (field !== KEYED_ITEM && isObject(live)) {
      for (const [k, v] of Object.entries(live)) gone(childPath(path, k), k, v, undefined, out);
      return;
    }
    out.push({ path, kind: 'removed', old: live });
    return;
  }
  const key = KEYED_LISTS[field];
  if (key && Array.isArray(live) && Array.isArray(after)) {
    const afterByKey = new Map<string, unknown>();
    for (const item of after) if (isObject(item) && item[key] !== undefined) afterByKey.set(keyText(item[key]), item);
    for (const item of live) {
      if (!isObject(item) || item[key] === undefined) continue;
      const k = keyText(item[key]);
      gone(`${path}[${k}]`, KEYED_ITEM, item, afterByKey.get(k), out);
    }
    return;
  }
  if (isObject(live) && isObject(after)) {
    for (const [k, l] of Object.entries(live)) gone(childPath(path, k), k, l, after[k], out);
  }
  // a list or a value the apply keeps, or changes to one the manifest sets: compare() shows those
}

/** `path` is `other` or lies inside it, or the other way round. */
function overlaps(path: string, other: string): boolean {
  const inside = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`);
  return inside(path, other) || inside(other, path);
}

function diffOne(live: KubeObject | undefined, desired: KubeObject, after?: KubeObject): ObjectDiff {
  const base = {
    apiVersion: String(desired.apiVersion ?? ''),
    kind: String(desired.kind ?? ''),
    name: String(desired.metadata?.name ?? ''),
    ...(desired.metadata?.namespace ? { namespace: desired.metadata.namespace } : {}),
    resource: resourceOf(desired),
  };
  if (!live) return { ...base, status: 'new', changes: [] };
  const changes: FieldChange[] = [];
  if (live.apiVersion && desired.apiVersion && live.apiVersion !== desired.apiVersion) {
    changes.push({ path: 'apiVersion', kind: 'changed', old: live.apiVersion, new: desired.apiVersion });
  }
  for (const [k, d] of Object.entries(desired)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'status') continue;
    if (k === 'metadata' && isObject(d)) {
      const meta = Object.fromEntries(Object.entries(d).filter(([mk]) => !SERVER_METADATA.has(mk) && mk !== 'name' && mk !== 'namespace'));
      compareObject('metadata', live.metadata, meta, changes);
      continue;
    }
    compare(k, k, (live as Record<string, unknown>)[k], d, changes);
  }
  if (after) {
    const shown = changes.map((c) => c.path);
    for (const r of removedFields(live, after)) if (!shown.some((p) => overlaps(r.path, p))) changes.push(r);
  }
  return { ...base, status: changes.length ? 'changed' : 'unchanged', changes };
}

/**
 * Diffs the desired objects against the live ones (matched by kind, namespace and name; the API
 * version may differ). `applied`: the objects as a server dry-run apply of the manifest returned them; the fields
 * of a live object that its dry-run result no longer has are shown as removed. Live objects the manifest does not have are listed as `not-in-manifest`
 * (install leaves them alone). The order is the desired order, then the leftovers.
 */
export function diffObjects(live: KubeObject[], desired: KubeObject[], applied: KubeObject[] = []): ObjectDiff[] {
  const byId = new Map(live.filter((o) => o?.metadata).map((o) => [identity(o), o]));
  const afterById = new Map(applied.filter((o) => o?.metadata).map((o) => [identity(o), o]));
  const out = desired.map((d) => diffOne(byId.get(identity(d)), d, afterById.get(identity(d))));
  const wanted = new Set(desired.map(identity));
  for (const o of live) {
    if (!o?.metadata || wanted.has(identity(o))) continue;
    out.push({
      apiVersion: String(o.apiVersion ?? ''),
      kind: String(o.kind ?? ''),
      name: o.metadata.name,
      ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
      resource: resourceOf(o),
      status: 'not-in-manifest',
      changes: [],
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Text

/**
 * A value on one line: strings bare (quoted when they would read ambiguously), env entries as their
 * value, the rest as compact JSON. Shown whole, however long (kubectl diff cuts nothing: a value cut
 * mid-JSON can be neither read nor compared).
 */
export function showValue(v: unknown, field?: string): string {
  if (field === 'env' && isObject(v)) {
    const from = v.valueFrom;
    if (isObject(from)) {
      const [kind, ref] = Object.entries(from)[0] ?? [];
      const r = isObject(ref) ? ref : {};
      if (kind === 'secretKeyRef' || kind === 'configMapKeyRef') return `from ${kind} ${String(r.name ?? '?')}/${String(r.key ?? '?')}`;
      if (kind === 'fieldRef') return `from fieldRef ${String(r.fieldPath ?? '?')}`;
      return `from ${JSON.stringify(from)}`;
    }
    return JSON.stringify(String(v.value ?? ''));
  }
  let text: string;
  if (typeof v === 'string') text = v === '' || /^\s|\s$|^(true|false|null|[0-9.]+)$/.test(v) ? JSON.stringify(v) : v;
  else if (v === undefined) text = 'unset';
  else text = JSON.stringify(v);
  return text;
}

/** The list field a keyed item path ends in: "…containers[weave].env[FOO]" -> "env" (undefined for map keys like annotations["a/b"]). */
function fieldOfPath(path: string): string | undefined {
  const m = /\.?([A-Za-z]+)\[([^\]]*)\]$/.exec(path);
  return m && !m[2]!.startsWith('"') ? m[1] : undefined;
}

/** What a diff shows instead of a password. */
export const REDACTED = REDACTED_VALUE;

/** Env vars whose literal value is a secret: never printed (weave-facts: WEAVE_PASSWORD encrypts the peers' traffic). */
const SECRET_ENV = /\.env\[WEAVE_PASSWORD\]/;

/** A value as shown, with a literal password replaced by REDACTED (a valueFrom still shows where it comes from). */
function shown(v: unknown, field: string | undefined, secret: boolean): string {
  if (!secret || v === undefined) return showValue(v, field);
  if (isObject(v) && isObject(v.valueFrom) && (v.value === undefined || v.value === '')) return showValue(v, field);
  return REDACTED;
}

/** One line per change: "~ path: old -> new", "+ path: new", "- path: old". */
export function formatChange(c: FieldChange): string {
  const secret = SECRET_ENV.test(c.path);
  if (secret) {
    const field = fieldOfPath(c.path);
    if (c.kind === 'added') return `+ ${c.path}: ${shown(c.new, field, true)}`;
    if (c.kind === 'removed') return `- ${c.path}: ${shown(c.old, field, true)}`;
    return `~ ${c.path}: ${shown(c.old, field, true)} -> ${shown(c.new, field, true)}`;
  }
  const field = fieldOfPath(c.path);
  // A whole container, volume or mount: its path names it; its JSON would not fit a line.
  if (field && field !== 'env' && KEYED_LISTS[field] && c.kind !== 'changed') return `${c.kind === 'added' ? '+' : '-'} ${c.path}`;
  if (c.kind === 'added') return `+ ${c.path}: ${showValue(c.new, field)}`;
  if (c.kind === 'removed') return `- ${c.path}: ${showValue(c.old, field)}`;
  return `~ ${c.path}: ${showValue(c.old, field)} -> ${showValue(c.new, field)}`;
}

/** The whole diff as text (no trailing newline); `unchanged: false` leaves unchanged objects out. */
export function formatDiff(diffs: ObjectDiff[], opts: { unchanged?: boolean } = {}): string {
  const lines: string[] = [];
  for (const d of diffs) {
    if (d.status === 'unchanged' && opts.unchanged === false) continue;
    const status = d.status === 'not-in-manifest' ? 'not in the new manifest (left in place)' : d.status;
    lines.push(`${d.resource}${d.namespace ? ` (${d.namespace})` : ''}: ${status}`);
    for (const c of d.changes) lines.push(`  ${formatChange(c)}`);
  }
  return lines.join('\n');
}
