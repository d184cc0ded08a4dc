/**
 * Faults a test injects (`sim.faults`). Every method returns a function that removes the fault again.
 *
 * Pod faults are read by the simulated kubelet whenever it (re)starts a container, and adding one makes the kubelet
 * look at every pod again, so a fault also hits pods that are already running.
 */

import { errors, type ApiError } from './errors.js';
import type { Store } from './store.js';
import type { Obj } from './types.js';

/** Which pods (and containers) a pod fault applies to. Every given field must match. */
export interface PodMatch {
  namespace?: string;
  /** pods of this DaemonSet */
  daemonSet?: string;
  /** pods of this Deployment (through its ReplicaSets) */
  deployment?: string;
  replicaSet?: string;
  /** pods on this node */
  node?: string;
  /** this pod */
  pod?: string;
  /** only this container (default: every container of the pod) */
  container?: string;
  /** containers whose image contains this string / matches this expression */
  image?: string | RegExp;
  predicate?: (pod: Obj, container: Obj) => boolean;
}

export type PodFaultType = 'CrashLoopBackOff' | 'ImagePullBackOff' | 'ErrImagePull' | 'CreateContainerConfigError' | 'NeverReady';

export interface PodFault {
  type: PodFaultType;
  match: PodMatch;
  /** log line(s) a crashing container writes before it exits; message of the waiting state for the others */
  message?: string;
  exitCode?: number;
}

export interface RequestFault {
  /** 500, 503, 429, or any other code */
  status: number;
  /** fail the next N matching requests (default: unlimited while the fault is on) */
  count?: number;
  /** fail this fraction (0..1) of matching requests, deterministically */
  fraction?: number;
  /** only requests whose path (without query) contains this string / matches this expression */
  path?: string | RegExp;
  /** only this HTTP method */
  method?: string;
  /** 429: the Retry-After seconds (default 1) */
  retryAfterSeconds?: number;
  /** the Status message */
  message?: string;
}

export interface WatchCut {
  /** close the stream after this many events (0: right after the response starts) */
  after: number;
  /** only watches of this resource (plural, e.g. "daemonsets") */
  resource?: string;
  /** how many watches to cut (default: every watch while the fault is on) */
  count?: number;
}

/** Attributes of a request, as authorization sees them. */
export interface AccessAttributes {
  user: string;
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

export interface AccessRule {
  verb?: string | string[];
  group?: string;
  resource?: string | string[];
  subresource?: string;
  namespace?: string;
  name?: string;
  user?: string;
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

function listMatch(want: string | string[] | undefined, v: string): boolean {
  if (want === undefined) return true;
  return Array.isArray(want) ? want.includes(v) || want.includes('*') : want === v || want === '*';
}

function ruleMatches(r: AccessRule, a: AccessAttributes): boolean {
  return (
    listMatch(r.verb, a.verb) &&
    (r.group === undefined || r.group === a.group || r.group === '*') &&
    listMatch(r.resource, a.resource) &&
    (r.subresource === undefined || r.subresource === a.subresource) &&
    (r.namespace === undefined || r.namespace === a.namespace) &&
    (r.name === undefined || r.name === a.name) &&
    (r.user === undefined || r.user === a.user)
  );
}

export class Faults {
  private podFaults: PodFault[] = [];
  private requestFaults: { f: RequestFault; remaining: number; seen: number }[] = [];
  private watchCuts: { c: WatchCut; remaining: number }[] = [];
  private denies: AccessRule[] = [];
  private allows: AccessRule[] = [];
  private authorizers: ((a: AccessAttributes) => boolean | undefined)[] = [];
  /** extra latency per request, ms */
  latencyMs = 0;
  /** watches (and list continues) from a resourceVersion below this get 410 Expired */
  expireBefore = 0;
  private listeners = new Set<() => void>();

  constructor(private readonly store: Store) {}

  private changed(): void {
    for (const l of this.listeners) l();
  }

  /** Called when pod faults change (the kubelet re-examines pods). */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  // ---- pods ----

  private addPodFault(f: PodFault): () => void {
    this.podFaults.push(f);
    this.changed();
    return () => {
      const i = this.podFaults.indexOf(f);
      if (i >= 0) this.podFaults.splice(i, 1);
      this.changed();
    };
  }

  /** Matching containers crash repeatedly: CrashLoopBackOff, restartCount increasing, lastState terminated, logs with `message`. */
  crashLoop(match: PodMatch, opts: { message?: string; exitCode?: number } = {}): () => void {
    return this.addPodFault({ type: 'CrashLoopBackOff', match, message: opts.message, exitCode: opts.exitCode ?? 1 });
  }

  /** Image pulls fail: ErrImagePull, then ImagePullBackOff (or always `reason` when given). */
  imagePull(match: PodMatch, opts: { reason?: 'ErrImagePull' | 'ImagePullBackOff'; message?: string } = {}): () => void {
    return this.addPodFault({ type: opts.reason ?? 'ImagePullBackOff', match, message: opts.message });
  }

  /** Containers wait in CreateContainerConfigError (e.g. a missing Secret). */
  createContainerConfigError(match: PodMatch, opts: { message?: string } = {}): () => void {
    return this.addPodFault({ type: 'CreateContainerConfigError', match, message: opts.message });
  }

  /** Containers run but never pass their readiness probe. */
  neverReady(match: PodMatch): () => void {
    return this.addPodFault({ type: 'NeverReady', match });
  }

  /** The fault for a container of a pod, if any (the newest matching one wins). */
  podFault(pod: Obj, container: Obj): PodFault | undefined {
    for (let i = this.podFaults.length - 1; i >= 0; i--) {
      const f = this.podFaults[i]!;
      if (this.matches(f.match, pod, container)) return f;
    }
    return undefined;
  }

  private matches(m: PodMatch, pod: Obj, container: Obj): boolean {
    const md = pod['metadata'] ?? {};
    if (m.namespace !== undefined && md['namespace'] !== m.namespace) return false;
    if (m.pod !== undefined && md['name'] !== m.pod) return false;
    if (m.node !== undefined && pod['spec']?.['nodeName'] !== m.node) return false;
    if (m.container !== undefined && container['name'] !== m.container) return false;
    if (m.image !== undefined) {
      const img = String(container['image'] ?? '');
      if (typeof m.image === 'string' ? !img.includes(m.image) : !m.image.test(img)) return false;
    }
    const owner = ((md['ownerReferences'] ?? []) as Obj[]).find((r) => r['controller']);
    if (m.daemonSet !== undefined && !(owner?.['kind'] === 'DaemonSet' && owner['name'] === m.daemonSet)) return false;
    if (m.replicaSet !== undefined && !(owner?.['kind'] === 'ReplicaSet' && owner['name'] === m.replicaSet)) return false;
    if (m.deployment !== undefined) {
      if (owner?.['kind'] !== 'ReplicaSet') return false;
      const rs = this.store.get('replicasets', md['namespace'] ?? '', owner['name']);
      const dep = ((rs?.['metadata']?.['ownerReferences'] ?? []) as Obj[]).find((r) => r['controller']);
      if (!(dep?.['kind'] === 'Deployment' && dep['name'] === m.deployment)) return false;
    }
    if (m.predicate && !m.predicate(pod, container)) return false;
    return true;
  }

  // ---- HTTP ----

  /** Adds `ms` of latency to every request. */
  latency(ms: number): () => void {
    this.latencyMs += ms;
    return () => {
      this.latencyMs -= ms;
    };
  }

  /** Fails matching requests with `status` (500, 503, 429 with Retry-After, ...). */
  failRequests(f: RequestFault): () => void {
    const e = { f, remaining: f.count ?? Infinity, seen: 0 };
    this.requestFaults.push(e);
    return () => {
      const i = this.requestFaults.indexOf(e);
      if (i >= 0) this.requestFaults.splice(i, 1);
    };
  }

  /** The injected error for a request, if one applies (consumes a count). */
  takeRequestFault(method: string, path: string): ApiError | undefined {
    for (const e of this.requestFaults) {
      const f = e.f;
      if (e.remaining <= 0) continue;
      if (f.method && f.method.toUpperCase() !== method.toUpperCase()) continue;
      if (f.path !== undefined && (typeof f.path === 'string' ? !path.includes(f.path) : !f.path.test(path))) continue;
      e.seen++;
      if (f.fraction !== undefined) {
        // deterministic: fail when the running share of failures falls below the fraction
        const failedSoFar = Math.floor((e.seen - 1) * f.fraction);
        const failedNow = Math.floor(e.seen * f.fraction);
        if (failedNow === failedSoFar) continue;
      }
      e.remaining--;
      if (f.status === 429) return errors.tooManyRequests(f.retryAfterSeconds ?? 1);
      if (f.status === 503) return errors.serviceUnavailable(f.message);
      if (f.status === 500) return errors.internal(f.message ?? 'injected fault');
      const err = errors.internal(f.message ?? 'injected fault');
      return Object.assign(err, { code: f.status }) as ApiError;
    }
    return undefined;
  }

  /** The server closes watch streams after `after` events. */
  cutWatches(c: WatchCut): () => void {
    const e = { c, remaining: c.count ?? Infinity };
    this.watchCuts.push(e);
    return () => {
      const i = this.watchCuts.indexOf(e);
      if (i >= 0) this.watchCuts.splice(i, 1);
    };
  }

  /** For a new watch: after how many events to cut it (undefined = never). */
  takeWatchCut(resource: string): number | undefined {
    for (const e of this.watchCuts) {
      if (e.remaining <= 0) continue;
      if (e.c.resource !== undefined && e.c.resource !== resource) continue;
      e.remaining--;
      return e.c.after;
    }
    return undefined;
  }

  /**
   * Watches from a resourceVersion older than `rv` (default: the current one, i.e. every RV handed out so far)
   * get the 410 Expired ERROR event.
   */
  expireResourceVersions(rv?: number): () => void {
    const prev = this.expireBefore;
    this.expireBefore = rv ?? this.store.resourceVersion + 1;
    return () => {
      this.expireBefore = prev;
    };
  }

  // ---- authorization ----

  /** Denies matching requests with the RBAC 403 (and SelfSubjectAccessReviews answer allowed: false). */
  forbid(rule: AccessRule): () => void {
    this.denies.push(rule);
    return () => {
      const i = this.denies.indexOf(rule);
      if (i >= 0) this.denies.splice(i, 1);
    };
  }

  /** Allows matching requests even when a `forbid` rule matches (for "everything except ..."). */
  allow(rule: AccessRule): () => void {
    this.allows.push(rule);
    return () => {
      const i = this.allows.indexOf(rule);
      if (i >= 0) this.allows.splice(i, 1);
    };
  }

  /** A custom authorizer: true allows, false denies, undefined defers to the rules. Newest first. */
  authorizer(fn: (a: AccessAttributes) => boolean | undefined): () => void {
    this.authorizers.push(fn);
    return () => {
      const i = this.authorizers.indexOf(fn);
      if (i >= 0) this.authorizers.splice(i, 1);
    };
  }

  /** Whether a request is allowed (default: yes). */
  allowed(a: AccessAttributes): boolean {
    for (let i = this.authorizers.length - 1; i >= 0; i--) {
      const r = this.authorizers[i]!(a);
      if (r !== undefined) return r;
    }
    if (this.allows.some((r) => ruleMatches(r, a))) return true;
    return !this.denies.some((r) => ruleMatches(r, a));
  }

  /**
   * The caller may not `bind` or `escalate` roles: RBAC's escalation check then resolves the role a
   * binding refers to, and a binding to a role that does not exist (yet) is refused with 404, the
   * role's NotFound. (Whether the caller holds the role's permissions is not checked: every
   * existing role counts as held.)
   */
  noBindPermission(): () => void {
    this.bindingsNeedRoles = true;
    return () => {
      this.bindingsNeedRoles = false;
    };
  }

  /** See noBindPermission. */
  bindingsNeedRoles = false;

  // ---- the data plane (dataplane.ts, weave-node.ts) ----

  /** Node pairs ("a\u0000b", names sorted) whose pods cannot reach each other; their weave connection fails. */
  private partitions = new Set<string>();
  /** Path MTU limits between nodes: `nodes` undefined means every pair of nodes. */
  private mtuLimits: { mtu: number; nodes?: [string, string] }[] = [];

  /**
   * Cuts the network between two nodes: their pods (and host-network processes) cannot reach each
   * other, and their weave connection shows failed (the mesh still knows both peers through others).
   */
  partition(a: string, b: string): () => void {
    const key = pairKey(a, b);
    this.partitions.add(key);
    return () => {
      this.partitions.delete(key);
    };
  }

  /** Whether traffic between the two nodes is cut by `partition`. */
  partitioned(a: string, b: string): boolean {
    return a !== b && this.partitions.has(pairKey(a, b));
  }

  /**
   * The underlay between nodes (every pair, or the given one) carries at most `mtu` bytes of overlay
   * packet: larger don't-fragment packets vanish, and the weave connections fall back from fastdp to
   * sleeve with that MTU.
   */
  pathMtu(mtu: number, nodes?: [string, string]): () => void {
    const e = { mtu, ...(nodes ? { nodes } : {}) };
    this.mtuLimits.push(e);
    return () => {
      const i = this.mtuLimits.indexOf(e);
      if (i >= 0) this.mtuLimits.splice(i, 1);
    };
  }

  /** The smallest `pathMtu` limit between two different nodes, if any. */
  pathMtuBetween(a: string, b: string): number | undefined {
    if (a === b) return undefined;
    let out: number | undefined;
    for (const e of this.mtuLimits) {
      if (e.nodes && pairKey(e.nodes[0], e.nodes[1]) !== pairKey(a, b)) continue;
      out = out === undefined ? e.mtu : Math.min(out, e.mtu);
    }
    return out;
  }

  /** Removes every fault. */
  clear(): void {
    this.partitions.clear();
    this.mtuLimits = [];
    this.podFaults = [];
    this.requestFaults = [];
    this.watchCuts = [];
    this.denies = [];
    this.allows = [];
    this.authorizers = [];
    this.latencyMs = 0;
    this.expireBefore = 0;
    this.bindingsNeedRoles = false;
    this.changed();
  }
}
