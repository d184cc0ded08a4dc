/**
 * managedFields and server-side apply, after structured-merge-diff (the library the API server uses), reduced to what
 * the simulator's schema knowledge allows (see schema.ts):
 * - a field set is a set of paths; a path is a list of path elements `f:name`, `k:{"name":"weave"}`, `v:"x"`
 *   exactly as in `fieldsV1`; leaf fields, atomic lists/structs and list items are members, structs are not;
 * - Update (create, PUT, merge/strategic/JSON patch) gives the manager the fields it added or changed and takes
 *   them from everyone else; removed fields leave every set;
 * - Apply merges the configuration into the live object, prunes the fields this manager applied before and no longer
 *   applies when no one else owns them, and reports a conflict for every field another manager owns whose value the
 *   apply would change (unless forced, which takes the field over).
 */

import { ApiError } from './errors.js';
import { clone, deepEqual, isPlainObject } from './patch.js';
import { decodeNulls, isAtomicStruct, itemKey, keyString, listType, nullIsGranular } from './schema.js';
import { nowRfc3339 } from './store.js';
import type { Obj } from './types.js';

const SEP = '\u0001';

/** Fields of metadata the field manager never tracks. */
const IGNORED_METADATA = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds']);

export type Scope = 'main' | 'status';

interface Node {
  leaf: boolean;
  value: unknown;
}
type Collected = Map<string, Node>;

function collectValue(kind: string, v: unknown, schemaPath: string[], pe: string, out: Collected): void {
  if (v === null || v === undefined || typeof v !== 'object') {
    out.set(pe, { leaf: true, value: v });
    return;
  }
  if (Array.isArray(v)) {
    const lt = listType(kind, schemaPath);
    if (v.length === 0 || lt.type === 'atomic') {
      out.set(pe, { leaf: true, value: v });
      return;
    }
    if (lt.type === 'set') {
      for (const x of v) out.set(`${pe}${SEP}v:${JSON.stringify(x)}`, { leaf: false, value: x });
      return;
    }
    const keys = v.map((item) => itemKey(lt, item));
    if (keys.some((k) => k === undefined)) {
      out.set(pe, { leaf: true, value: v });
      return;
    }
    v.forEach((item, i) => {
      const ipe = `${pe}${SEP}k:${keyString(keys[i]!)}`;
      out.set(ipe, { leaf: false, value: item });
      collectMap(kind, item as Obj, schemaPath, ipe, out);
    });
    return;
  }
  const o = v as Obj;
  if (Object.keys(o).length === 0 || isAtomicStruct(kind, schemaPath)) {
    out.set(pe, { leaf: true, value: v });
    return;
  }
  collectMap(kind, o, schemaPath, pe, out);
}

function collectMap(kind: string, o: Obj, schemaPath: string[], prefix: string, out: Collected): void {
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    collectValue(kind, v, [...schemaPath, k], prefix ? `${prefix}${SEP}f:${k}` : `f:${k}`, out);
  }
}

/** Every tracked path of an object with its value. `main` leaves out status; `status` is status only. */
export function collect(kind: string, obj: Obj, scope: Scope): Collected {
  const out: Collected = new Map();
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || k === 'apiVersion' || k === 'kind') continue;
    if (scope === 'status' ? k !== 'status' : k === 'status') continue;
    if (k === 'metadata' && isPlainObject(v)) {
      const md: Obj = {};
      for (const [mk, mv] of Object.entries(v)) if (!IGNORED_METADATA.has(mk)) md[mk] = mv;
      if (Object.keys(md).length) collectMap(kind, md, ['metadata'], 'f:metadata', out);
      continue;
    }
    collectValue(kind, v, [k], `f:${k}`, out);
  }
  return out;
}

// ---- fieldsV1 encoding ----

/** Field paths → the fieldsV1 trie. */
export function toFieldsV1(paths: Iterable<string>): Obj {
  const root: Obj = {};
  const members: string[][] = [];
  for (const p of paths) members.push(p.split(SEP));
  // A member that also has children gets ".": {}.
  const memberSet = new Set([...paths]);
  for (const pes of members) {
    let cur = root;
    for (const pe of pes) {
      if (!isPlainObject(cur[pe])) cur[pe] = {};
      cur = cur[pe] as Obj;
    }
  }
  const mark = (node: Obj, prefix: string): void => {
    for (const [k, child] of Object.entries(node)) {
      if (k === '.') continue;
      const p = prefix ? `${prefix}${SEP}${k}` : k;
      const c = child as Obj;
      const hasChildren = Object.keys(c).length > 0;
      if (hasChildren) {
        mark(c, p);
        if (memberSet.has(p)) c['.'] = {};
      }
    }
  };
  mark(root, '');
  return sortTrie(root);
}

function sortTrie(o: Obj): Obj {
  const out: Obj = {};
  const keys = Object.keys(o).sort((a, b) => (a === '.' ? -1 : b === '.' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  for (const k of keys) out[k] = sortTrie(o[k] as Obj);
  return out;
}

/** The fieldsV1 trie → field paths. */
export function fromFieldsV1(trie: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (node: Obj, prefix: string): void => {
    for (const [k, child] of Object.entries(node)) {
      if (k === '.') continue;
      const p = prefix ? `${prefix}${SEP}${k}` : k;
      const c = isPlainObject(child) ? child : {};
      const keys = Object.keys(c);
      if (keys.length === 0 || keys.includes('.')) out.add(p);
      walk(c, p);
    }
  };
  if (isPlainObject(trie)) walk(trie, '');
  return out;
}

/** `.spec.template.spec.containers[name="weave"].image`, like fieldpath.Path.String(). */
export function pathString(p: string): string {
  let s = '';
  for (const pe of p.split(SEP)) {
    if (pe.startsWith('f:')) s += `.${pe.slice(2)}`;
    else if (pe.startsWith('k:')) {
      const k = JSON.parse(pe.slice(2)) as Obj;
      s += `[${Object.keys(k)
        .sort()
        .map((f) => `${f}=${JSON.stringify(k[f])}`)
        .join(',')}]`;
    } else if (pe.startsWith('v:')) s += `[=${pe.slice(2)}]`;
    else if (pe.startsWith('i:')) s += `[${pe.slice(2)}]`;
  }
  return s;
}

// ---- managers ----

export interface ManagerInfo {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
}

/**
 * A managedFields entry. Its field set is decoded from the stored trie only when needed, and an entry nobody changed
 * is written back as it was, so a write costs O(changed fields), not O(all managed fields).
 */
class Entry {
  private decoded: Set<string> | undefined;
  dirty = false;
  constructor(
    readonly info: ManagerInfo,
    public time: string | undefined,
    private readonly raw: Obj | undefined,
    fields?: Set<string>,
  ) {
    this.decoded = fields;
    if (fields) this.dirty = true;
  }

  get fields(): Set<string> {
    if (!this.decoded) this.decoded = fromFieldsV1(this.raw);
    return this.decoded;
  }

  get size(): number {
    if (!this.decoded && !this.dirty) return this.raw && Object.keys(this.raw).length ? 1 : 0;
    return this.fields.size;
  }

  /** Whether the member `p` is in the set (without decoding it). */
  has(p: string): boolean {
    if (this.decoded) return this.decoded.has(p);
    let node: unknown = this.raw;
    for (const pe of p.split(SEP)) {
      if (!isPlainObject(node)) return false;
      node = node[pe];
      if (node === undefined) return false;
    }
    if (!isPlainObject(node)) return false;
    const keys = Object.keys(node);
    return keys.length === 0 || keys.includes('.');
  }

  /** Removes these members; true when any was there. */
  removeAll(paths: Iterable<string>): boolean {
    let hit = false;
    for (const p of paths) {
      if (!this.has(p)) continue;
      this.fields.delete(p);
      hit = true;
    }
    if (hit) this.dirty = true;
    return hit;
  }

  fieldsV1(): Obj {
    return !this.dirty && this.raw ? this.raw : toFieldsV1(this.fields);
  }
}

function identity(i: ManagerInfo): string {
  return JSON.stringify([i.manager, i.operation, i.operation === 'Apply' ? '' : i.apiVersion, i.subresource ?? '']);
}

function decode(managedFields: unknown): Map<string, Entry> {
  const m = new Map<string, Entry>();
  if (!Array.isArray(managedFields)) return m;
  for (const e of managedFields) {
    if (!isPlainObject(e)) continue;
    const info: ManagerInfo = { manager: String(e['manager'] ?? ''), operation: e['operation'] === 'Apply' ? 'Apply' : 'Update', apiVersion: String(e['apiVersion'] ?? '') };
    if (e['subresource']) info.subresource = String(e['subresource']);
    const id = identity(info);
    const raw = isPlainObject(e['fieldsV1']) ? e['fieldsV1'] : {};
    const prev = m.get(id);
    if (prev) {
      const merged = new Set([...prev.fields, ...fromFieldsV1(raw)]);
      m.set(id, new Entry(info, prev.time, undefined, merged));
    } else m.set(id, new Entry(info, typeof e['time'] === 'string' ? e['time'] : undefined, raw));
  }
  return m;
}

function encode(m: Map<string, Entry>): Obj[] {
  const entries = [...m.values()].filter((e) => e.size > 0);
  entries.sort((p, q) => {
    if (p.info.operation !== q.info.operation) return p.info.operation < q.info.operation ? -1 : 1;
    const pt = p.time ? Date.parse(p.time) : 0;
    const qt = q.time ? Date.parse(q.time) : 0;
    if (pt !== qt) return pt - qt;
    if (p.info.manager !== q.info.manager) return p.info.manager < q.info.manager ? -1 : 1;
    if (p.info.apiVersion !== q.info.apiVersion) return p.info.apiVersion < q.info.apiVersion ? -1 : 1;
    return (p.info.subresource ?? '') < (q.info.subresource ?? '') ? -1 : 1;
  });
  return entries.map((e) => {
    const o: Obj = { manager: e.info.manager, operation: e.info.operation, apiVersion: e.info.apiVersion, time: e.time ?? nowRfc3339(), fieldsType: 'FieldsV1', fieldsV1: e.fieldsV1() };
    if (e.info.subresource) o['subresource'] = e.info.subresource;
    return o;
  });
}

/** The managers an incoming object carries when they replace the live ones (user-set managedFields), else the live ones. */
function baseManagers(live: Obj | undefined, next: Obj): Map<string, Entry> {
  const given = next['metadata']?.['managedFields'];
  const liveMf = live?.['metadata']?.['managedFields'];
  if (Array.isArray(given) && given.length > 0 && !deepEqual(given, liveMf)) {
    const d = decode(given);
    if ([...d.values()].some((e) => e.size > 0)) return d;
  }
  return decode(liveMf);
}

interface Comparison {
  added: Set<string>;
  removed: Set<string>;
  modified: Set<string>;
}

function compare(oldC: Collected, newC: Collected): Comparison {
  const added = new Set<string>();
  const removed = new Set<string>();
  const modified = new Set<string>();
  for (const [p, n] of newC) {
    const o = oldC.get(p);
    if (!o) added.add(p);
    else if (n.leaf && o.leaf && !deepEqual(n.value, o.value)) modified.add(p);
    else if (n.leaf !== o.leaf) modified.add(p);
  }
  for (const p of oldC.keys()) if (!newC.has(p)) removed.add(p);
  return { added, removed, modified };
}

function setEq(a: Set<string>, b: Set<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/**
 * The managedFields after an Update operation (create, PUT, non-apply PATCH) from `live` (undefined on create) to `next`.
 */
export function managedFieldsAfterUpdate(kind: string, live: Obj | undefined, next: Obj, info: ManagerInfo, scope: Scope): Obj[] {
  const managers = baseManagers(live, next);
  const oldC = live ? collect(kind, live, scope) : new Map<string, Node>();
  const newC = collect(kind, next, scope);
  const cmp = compare(oldC, newC);
  const changed = new Set([...cmp.added, ...cmp.modified]);
  const id = identity(info);
  for (const [mid, e] of managers) {
    if (mid === id) continue;
    const a = e.removeAll(changed);
    const b = e.removeAll(cmp.removed);
    const touched = a || b;
    if (touched && e.size === 0) managers.delete(mid);
  }
  const mine = managers.get(id);
  const prevFields = mine ? new Set(mine.fields) : new Set<string>();
  const fields = new Set([...prevFields].filter((p) => !cmp.removed.has(p)));
  for (const p of changed) fields.add(p);
  if (fields.size === 0) managers.delete(id);
  else if (mine && setEq(prevFields, fields)) {
    // unchanged: keep the entry as it is
  } else managers.set(id, new Entry(info, nowRfc3339(), undefined, fields));
  return encode(managers);
}

// ---- apply ----

/** The configuration merged into the live object; a null (a leaf's: see dropGranularNulls) replaces the live value. */
function mergeApplied(kind: string, live: unknown, cfg: unknown, schemaPath: string[]): unknown {
  if (cfg === null) return null;
  if (Array.isArray(cfg)) {
    const lt = listType(kind, schemaPath);
    if (!Array.isArray(live) || lt.type === 'atomic') return clone(cfg);
    if (lt.type === 'set') {
      const out = [...live];
      for (const v of cfg) if (!out.some((x) => deepEqual(x, v))) out.push(clone(v));
      return out;
    }
    const out: unknown[] = [...live];
    for (const item of cfg) {
      const k = itemKey(lt, item);
      const idx = k ? out.findIndex((x) => deepEqual(itemKey(lt, x), k)) : -1;
      if (idx >= 0) out[idx] = mergeApplied(kind, out[idx], item, schemaPath);
      else out.push(clone(item));
    }
    return out;
  }
  if (isPlainObject(cfg)) {
    if (!isPlainObject(live) || isAtomicStruct(kind, schemaPath)) return clone(cfg);
    const out: Obj = { ...live };
    for (const [k, v] of Object.entries(cfg)) {
      const m = mergeApplied(kind, out[k], v, [...schemaPath, k]);
      if (m === undefined) delete out[k];
      else out[k] = m;
    }
    return out;
  }
  return cfg;
}

/**
 * Drops the nulls of an apply configuration that structured-merge-diff treats as granular (an associative list, a
 * struct or a map: not owned, the live value kept), so that the nulls left are leaves (owned; they remove the value).
 */
function dropGranularNulls(kind: string, cfg: unknown, live: unknown, schemaPath: string[]): void {
  if (Array.isArray(cfg)) {
    const lt = listType(kind, schemaPath);
    if (lt.type !== 'map') return;
    for (const item of cfg) {
      if (!isPlainObject(item)) continue;
      const k = itemKey(lt, item);
      const liveItem = k && Array.isArray(live) ? live.find((x) => deepEqual(itemKey(lt, x), k)) : undefined;
      dropGranularNullsIn(kind, item, liveItem, schemaPath);
    }
    return;
  }
  if (isPlainObject(cfg) && !isAtomicStruct(kind, schemaPath)) dropGranularNullsIn(kind, cfg, live, schemaPath);
}

function dropGranularNullsIn(kind: string, cfg: Obj, live: unknown, schemaPath: string[]): void {
  for (const [k, v] of Object.entries(cfg)) {
    const p = [...schemaPath, k];
    const lv = isPlainObject(live) ? live[k] : undefined;
    if (v === null) {
      if (nullIsGranular(kind, p, lv)) delete cfg[k];
    } else dropGranularNulls(kind, v, lv, p);
  }
}

/**
 * Removes the member at `path` from `obj` (mutates); no-op when absent. A map or list the removal empties becomes null
 * in its parent (structured-merge-diff's remove leaves no empty container; decodeNulls then drops it).
 */
function removePath(kind: string, obj: Obj, path: string): void {
  const pes = path.split(SEP);
  let cur: unknown = obj;
  let parent: Obj | undefined;
  let parentKey = '';
  const emptied = (): void => {
    const empty = Array.isArray(cur) ? cur.length === 0 : isPlainObject(cur) && Object.keys(cur).length === 0;
    if (empty && parent) parent[parentKey] = null;
  };
  const schemaPath: string[] = [];
  for (let i = 0; i < pes.length; i++) {
    const pe = pes[i]!;
    const last = i === pes.length - 1;
    if (pe.startsWith('f:')) {
      const f = pe.slice(2);
      if (!isPlainObject(cur)) return;
      if (last) {
        if (!(f in cur)) return;
        delete cur[f];
        emptied();
        return;
      }
      schemaPath.push(f);
      parent = cur;
      parentKey = f;
      cur = cur[f];
    } else if (pe.startsWith('k:') || pe.startsWith('v:')) {
      if (!Array.isArray(cur)) return;
      const lt = listType(kind, schemaPath);
      let idx = -1;
      if (pe.startsWith('k:') && lt.type === 'map') {
        const want = JSON.parse(pe.slice(2)) as Obj;
        idx = cur.findIndex((x) => deepEqual(itemKey(lt, x), want));
      } else if (pe.startsWith('v:')) {
        const want = JSON.parse(pe.slice(2)) as unknown;
        idx = cur.findIndex((x) => deepEqual(x, want));
      }
      if (idx < 0) return;
      if (last) {
        cur.splice(idx, 1);
        emptied();
        return;
      }
      parent = undefined; // an item the removal empties stays (as an empty item)
      cur = cur[idx];
    } else return;
  }
}

export interface ApplyResult {
  object: Obj;
}

/**
 * Server-side apply of `config` onto `live` (undefined: create). Returns the new object with its managedFields.
 * Throws a 409 ApiError listing the conflicts unless `force`.
 */
export function serverSideApply(kind: string, live: Obj | undefined, config: Obj, info: ManagerInfo, force: boolean): Obj {
  const base: Obj = live ? clone(live) : {};
  const cfg = clone(config);
  delete cfg['status'];
  if (isPlainObject(cfg['metadata'])) delete cfg['metadata']['managedFields'];
  dropGranularNulls(kind, cfg, base, []);
  const managers = decode(live?.['metadata']?.['managedFields']);
  const id = identity(info);
  const cfgC = collect(kind, cfg, 'main');
  const applied = new Set(cfgC.keys());
  /** leaves the configuration sets to null: owned, and they remove the live value */
  const nullLeaves = new Set<string>();
  for (const [p, n] of cfgC) if (n.leaf && n.value === null) nullLeaves.add(p);
  const last = managers.get(id)?.fields ?? new Set<string>();

  // merge, then prune what this manager no longer applies and no one else owns
  const merged = mergeApplied(kind, base, cfg, []) as Obj;
  const othersOwn = (p: string): boolean => {
    for (const [mid, e] of managers) {
      if (mid === id) continue;
      if (e.fields.has(p)) return true;
      const prefix = p + SEP;
      for (const f of e.fields) if (f.startsWith(prefix)) return true;
    }
    return false;
  };
  const toPrune = [...last].filter((p) => !applied.has(p) && !othersOwn(p));
  // shallowest first: removing a list item (found by its key) makes the removal of its fields a no-op
  toPrune.sort((a, b) => a.split(SEP).length - b.split(SEP).length);
  for (const p of toPrune) removePath(kind, merged, p);
  // the typed object the server stores: nulls dropped (or "" in string maps)
  decodeNulls(kind, merged);
  if (live) merged['status'] = live['status'];
  if (merged['status'] === undefined) delete merged['status'];

  // conflicts: fields other managers own whose value this apply changes
  const liveC = live ? collect(kind, live, 'main') : new Map<string, Node>();
  const mergedC = collect(kind, merged, 'main');
  const cmp = compare(liveC, mergedC);
  const changed = new Set([...cmp.added, ...cmp.modified]);
  const conflicts: { manager: ManagerInfo; path: string }[] = [];
  for (const [mid, e] of managers) {
    if (mid === id) continue;
    // a null leaf changes the value to null (then dropped): a conflict like any other change
    for (const p of [...e.fields].sort()) if (changed.has(p) || (nullLeaves.has(p) && cmp.removed.has(p))) conflicts.push({ manager: e.info, path: p });
  }
  if (conflicts.length > 0 && !force) throw conflictError(conflicts);
  for (const [mid, e] of managers) {
    if (mid === id) continue;
    e.removeAll(changed);
    e.removeAll(cmp.removed);
  }
  const prev = managers.get(id);
  if (!(prev && setEq(prev.fields, applied) && !changed.size)) managers.set(id, new Entry(info, nowRfc3339(), undefined, applied));
  merged['metadata'] = { ...(merged['metadata'] ?? {}), managedFields: encode(managers) };
  return merged;
}

function printManager(i: ManagerInfo): string {
  let s = JSON.stringify(i.manager);
  if (i.subresource) s += ` with subresource ${JSON.stringify(i.subresource)}`;
  if (i.operation === 'Update') s += ` using ${i.apiVersion}`;
  return s;
}

function conflictError(conflicts: { manager: ManagerInfo; path: string }[]) {
  const causes = conflicts.map((c) => ({ type: 'FieldManagerConflict', message: `conflict with ${printManager(c.manager)}`, field: pathString(c.path) }));
  let message: string;
  if (conflicts.length === 1) {
    const c = conflicts[0]!;
    message = `Apply failed with 1 conflict: conflict with ${printManager(c.manager)}: ${pathString(c.path)}`;
  } else {
    const by = new Map<string, { info: ManagerInfo; paths: string[] }>();
    for (const c of conflicts) {
      const k = identity(c.manager);
      if (!by.has(k)) by.set(k, { info: c.manager, paths: [] });
      by.get(k)!.paths.push(pathString(c.path));
    }
    const lines: string[] = [];
    for (const k of [...by.keys()].sort()) {
      const g = by.get(k)!;
      lines.push(`conflicts with ${printManager(g.info)}:`);
      for (const p of g.paths) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, { causes });
}
