/**
 * The object store: one table per storage key (a kind, whatever group version it is reached through), a global
 * resourceVersion counter, a bounded event log for watches that resume from a resourceVersion, and the indexes the
 * controllers need so that per-event work stays O(changed objects).
 *
 * Stored objects are never mutated: every write stores a new object. Readers inside the simulator may hold references.
 */

import type { Obj } from './types.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  rv: number;
  type: EventType;
  store: string;
  namespace: string;
  name: string;
  object: Obj;
  /** the object before a MODIFIED/DELETED write */
  prev?: Obj;
}

export type StoreListener = (e: StoreEvent) => void;

/** Deterministic pseudo random numbers (mulberry32), so names and uids repeat run to run. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Like utilrand.String: characters from "bcdfghjklmnpqrstvwxz2456789". */
  suffix(len = 5): string {
    const a = 'bcdfghjklmnpqrstvwxz2456789';
    let s = '';
    for (let i = 0; i < len; i++) s += a[this.int(a.length)];
    return s;
  }
  uid(): string {
    let h = '';
    for (let i = 0; i < 4; i++) h += Math.floor(this.next() * 4294967296).toString(16).padStart(8, '0');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

let lastSecond = -1;
let lastStamp = '';
/** The current time as the API server prints timestamps (RFC 3339, whole seconds). */
export function nowRfc3339(): string {
  const sec = Math.floor(Date.now() / 1000);
  if (sec !== lastSecond) {
    lastSecond = sec;
    lastStamp = new Date(sec * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  }
  return lastStamp;
}

/** metadata with resourceVersion set, in the position the server prints it (after uid). */
function withRv(md: Obj, rv: number): Obj {
  if ('resourceVersion' in md) return { ...md, resourceVersion: String(rv) };
  const out: Obj = {};
  let placed = false;
  for (const [k, v] of Object.entries(md)) {
    out[k] = v;
    if (k === 'uid') {
      out['resourceVersion'] = String(rv);
      placed = true;
    }
  }
  if (!placed) out['resourceVersion'] = String(rv);
  return out;
}

function refKey(store: string, ns: string, name: string): string {
  return `${store}\u0000${ns}\u0000${name}`;
}

export class Store {
  private rvCounter: number;
  private tables = new Map<string, Map<string, Map<string, Obj>>>();
  private log: StoreEvent[] = [];
  private logStart = 0;
  /** resourceVersions up to this one are no longer in the event log */
  private compacted: number;
  private listeners = new Map<string, Set<StoreListener>>();
  private anyListeners = new Set<StoreListener>();
  /** owner uid -> dependents (store, ns, name) */
  private owners = new Map<string, Map<string, { store: string; namespace: string; name: string }>>();
  /** node name -> pod keys "ns/name" */
  private podsOnNode = new Map<string, Set<string>>();
  private uids = new Map<string, { store: string; namespace: string; name: string }>();

  constructor(
    readonly rng: Rng,
    /** how many events watches can resume from */
    readonly window: number,
    startRv = 1000,
  ) {
    this.rvCounter = startRv;
    this.compacted = startRv;
  }

  /** The current (latest) resourceVersion. */
  get resourceVersion(): number {
    return this.rvCounter;
  }

  /** The oldest resourceVersion a watch can start from. */
  get oldestResumableRv(): number {
    return this.compacted;
  }

  /** Drops the event log (up to `rv`, default everything): watches from before it get 410 Expired. */
  compact(rv = this.rvCounter): void {
    while (this.logStart < this.log.length && this.log[this.logStart]!.rv <= rv) this.logStart++;
    this.compacted = Math.max(this.compacted, rv);
    this.trimLog();
  }

  /** Skips resourceVersions ahead (e.g. to test clients with large numbers). */
  bumpResourceVersion(to: number): void {
    if (to > this.rvCounter) this.rvCounter = to;
  }

  private trimLog(): void {
    if (this.logStart > 1024 && this.logStart > this.log.length / 2) {
      this.log = this.log.slice(this.logStart);
      this.logStart = 0;
    }
  }

  private table(store: string, ns: string, create: boolean): Map<string, Obj> | undefined {
    let t = this.tables.get(store);
    if (!t) {
      if (!create) return undefined;
      t = new Map();
      this.tables.set(store, t);
    }
    let n = t.get(ns);
    if (!n) {
      if (!create) return undefined;
      n = new Map();
      t.set(ns, n);
    }
    return n;
  }

  get(store: string, namespace: string, name: string): Obj | undefined {
    return this.table(store, namespace, false)?.get(name);
  }

  getByUid(uid: string): { store: string; object: Obj } | undefined {
    const r = this.uids.get(uid);
    if (!r) return undefined;
    const o = this.get(r.store, r.namespace, r.name);
    return o ? { store: r.store, object: o } : undefined;
  }

  /** Objects of a store, in one namespace or all ('' for cluster-scoped), sorted like etcd keys (namespace, name). */
  list(store: string, namespace?: string): Obj[] {
    const t = this.tables.get(store);
    if (!t) return [];
    if (namespace !== undefined) {
      const n = t.get(namespace);
      if (!n) return [];
      return [...n.keys()].sort().map((name) => n.get(name)!);
    }
    // etcd key order: "<namespace>/<name>" compared as strings
    const keyed: [string, Obj][] = [];
    for (const [ns, n] of t) for (const [name, o] of n) keyed.push([ns ? `${ns}/${name}` : name, o]);
    keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return keyed.map((k) => k[1]);
  }

  /** Number of objects in a store (all namespaces). */
  count(store: string): number {
    let c = 0;
    for (const n of this.tables.get(store)?.values() ?? []) c += n.size;
    return c;
  }

  /** Namespaces that hold objects of a store. */
  namespacesOf(store: string): string[] {
    return [...(this.tables.get(store)?.keys() ?? [])];
  }

  /** Stores that have objects in a namespace. */
  storesWithNamespace(ns: string): string[] {
    const out: string[] = [];
    for (const [s, t] of this.tables) if ((t.get(ns)?.size ?? 0) > 0) out.push(s);
    return out;
  }

  /** Dependents of an owner (objects whose ownerReferences name this uid). */
  dependents(ownerUid: string): { store: string; object: Obj }[] {
    const m = this.owners.get(ownerUid);
    if (!m) return [];
    const out: { store: string; object: Obj }[] = [];
    for (const r of m.values()) {
      const o = this.get(r.store, r.namespace, r.name);
      if (o) out.push({ store: r.store, object: o });
    }
    return out;
  }

  /** Pods bound to a node. */
  podsOn(node: string): Obj[] {
    const out: Obj[] = [];
    for (const k of this.podsOnNode.get(node) ?? []) {
      const i = k.indexOf('/');
      const p = this.get('pods', k.slice(0, i), k.slice(i + 1));
      if (p) out.push(p);
    }
    return out;
  }

  newUid(): string {
    for (;;) {
      const u = this.rng.uid();
      if (!this.uids.has(u)) return u;
    }
  }

  /**
   * Stores a new object. The caller has set metadata (uid, creationTimestamp, generation); this sets the
   * resourceVersion. Returns the stored object.
   */
  create(store: string, obj: Obj): Obj {
    const md = obj['metadata'] as Obj;
    const ns = (md['namespace'] as string | undefined) ?? '';
    const name = md['name'] as string;
    const rv = ++this.rvCounter;
    const stored = { ...obj, metadata: withRv(md, rv) };
    this.table(store, ns, true)!.set(name, stored);
    this.index(store, ns, name, undefined, stored);
    this.emit({ rv, type: 'ADDED', store, namespace: ns, name, object: stored });
    return stored;
  }

  /** Replaces an object; sets a new resourceVersion. */
  update(store: string, obj: Obj): Obj {
    const md = obj['metadata'] as Obj;
    const ns = (md['namespace'] as string | undefined) ?? '';
    const name = md['name'] as string;
    const t = this.table(store, ns, false);
    const prev = t?.get(name);
    if (!t || !prev) throw new Error(`store: update of missing ${store} ${ns}/${name}`);
    const rv = ++this.rvCounter;
    const stored = { ...obj, metadata: withRv(md, rv) };
    t.set(name, stored);
    this.index(store, ns, name, prev, stored);
    this.emit({ rv, type: 'MODIFIED', store, namespace: ns, name, object: stored, prev });
    return stored;
  }

  /** Removes an object; the DELETED event carries it with a new resourceVersion, as the real server does. */
  remove(store: string, namespace: string, name: string): Obj | undefined {
    const t = this.table(store, namespace, false);
    const prev = t?.get(name);
    if (!t || !prev) return undefined;
    t.delete(name);
    const rv = ++this.rvCounter;
    const gone = { ...prev, metadata: { ...prev['metadata'], resourceVersion: String(rv) } };
    this.index(store, namespace, name, prev, undefined);
    this.emit({ rv, type: 'DELETED', store, namespace, name, object: gone, prev });
    return gone;
  }

  private index(store: string, ns: string, name: string, prev: Obj | undefined, next: Obj | undefined): void {
    const key = refKey(store, ns, name);
    const prevUid = prev?.['metadata']?.['uid'] as string | undefined;
    const nextUid = next?.['metadata']?.['uid'] as string | undefined;
    if (prevUid && prevUid !== nextUid) this.uids.delete(prevUid);
    if (nextUid) this.uids.set(nextUid, { store, namespace: ns, name });
    const prevOwners = ((prev?.['metadata']?.['ownerReferences'] ?? []) as Obj[]).map((r) => r['uid'] as string);
    const nextOwners = ((next?.['metadata']?.['ownerReferences'] ?? []) as Obj[]).map((r) => r['uid'] as string);
    for (const o of prevOwners) {
      if (!nextOwners.includes(o)) {
        const m = this.owners.get(o);
        m?.delete(key);
        if (m && m.size === 0) this.owners.delete(o);
      }
    }
    for (const o of nextOwners) {
      let m = this.owners.get(o);
      if (!m) this.owners.set(o, (m = new Map()));
      m.set(key, { store, namespace: ns, name });
    }
    if (store === 'pods') {
      const pk = `${ns}/${name}`;
      const pn = prev?.['spec']?.['nodeName'] as string | undefined;
      const nn = next?.['spec']?.['nodeName'] as string | undefined;
      if (pn && pn !== nn) {
        const s = this.podsOnNode.get(pn);
        s?.delete(pk);
        if (s && s.size === 0) this.podsOnNode.delete(pn);
      }
      if (nn) {
        let s = this.podsOnNode.get(nn);
        if (!s) this.podsOnNode.set(nn, (s = new Set()));
        s.add(pk);
      }
    }
  }

  private emit(e: StoreEvent): void {
    this.log.push(e);
    if (this.log.length - this.logStart > this.window) {
      const dropped = this.log[this.logStart]!;
      this.logStart++;
      this.compacted = Math.max(this.compacted, dropped.rv);
      this.trimLog();
    }
    for (const l of this.listeners.get(e.store) ?? []) this.call(l, e);
    for (const l of this.anyListeners) this.call(l, e);
  }

  /** Errors thrown by listeners (a watcher or controller hook); they never fail the write that triggered them. */
  readonly listenerErrors: Error[] = [];

  private call(l: StoreListener, e: StoreEvent): void {
    try {
      l(e);
    } catch (err) {
      this.listenerErrors.push(err as Error);
      if (process.env['SIM_DEBUG']) console.error('sim store listener error:', err);
    }
  }

  /** Events of a store after `rv` still in the log. Caller checks `rv >= oldestResumableRv` first. */
  eventsSince(store: string, rv: number): StoreEvent[] {
    // binary search the first event with rv > given
    let lo = this.logStart;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.log[mid]!.rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    const out: StoreEvent[] = [];
    for (let i = lo; i < this.log.length; i++) if (this.log[i]!.store === store) out.push(this.log[i]!);
    return out;
  }

  /** Listens to writes of one store (or every store with '*'). Returns an unsubscribe function. */
  subscribe(store: string, fn: StoreListener): () => void {
    if (store === '*') {
      this.anyListeners.add(fn);
      return () => this.anyListeners.delete(fn);
    }
    let s = this.listeners.get(store);
    if (!s) this.listeners.set(store, (s = new Set()));
    s.add(fn);
    return () => s!.delete(fn);
  }
}
