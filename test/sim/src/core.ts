/** What the controllers share: the store, the API semantics, the clock, faults, logs, and helpers. */

import type { ApiSurface } from './apis.js';
import type { ApiServer } from './apiserver.js';
import type { Faults } from './faults.js';
import type { Loop } from './loop.js';
import { isPlainObject } from './patch.js';
import { nowRfc3339, type Rng, type Store } from './store.js';
import type { Obj, PodLogs } from './types.js';

export interface Core {
  store: Store;
  api: ApiServer;
  surface: ApiSurface;
  loop: Loop;
  faults: Faults;
  rng: Rng;
  podLogs: PodLogs;
  events: EventRecorder;
  stepDelayMs: number;
}

/** FNV-32a of a string. */
export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** JSON with sorted keys, so equal objects hash equally. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isPlainObject(v)) {
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * controller.ComputeHash: FNV-32a over the template (and the collision count), printed in decimal and mapped through
 * rand.SafeEncodeString's alphabet, so the values look like the real `controller-revision-hash` / `pod-template-hash`.
 */
export function computeHash(template: unknown, collisionCount?: number): string {
  let s = canonicalJson(template);
  if (collisionCount) s += `#${collisionCount}`;
  const dec = String(fnv32a(s));
  const a = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (const ch of dec) out += a[ch.charCodeAt(0) % a.length];
  return out;
}

export function condition(obj: Obj | undefined, type: string): Obj | undefined {
  const cs = obj?.['status']?.['conditions'];
  return Array.isArray(cs) ? (cs as Obj[]).find((c) => c?.['type'] === type) : undefined;
}

export function isNodeReady(node: Obj | undefined): boolean {
  return condition(node, 'Ready')?.['status'] === 'True';
}

export function isPodReady(pod: Obj): boolean {
  return condition(pod, 'Ready')?.['status'] === 'True';
}

/** The controller owner reference of an object. */
export function controllerRef(o: Obj): Obj | undefined {
  return ((o['metadata']?.['ownerReferences'] ?? []) as Obj[]).find((r) => r?.['controller'] === true);
}

/** Sets (or adds) a condition; keeps lastTransitionTime when the status does not change. */
export function setCondition(conds: Obj[], c: { type: string; status: string; reason?: string; message?: string }, opts: { probeTime?: boolean; updateTime?: boolean } = {}): Obj[] {
  const now = nowRfc3339();
  const out = [...conds];
  const i = out.findIndex((x) => x['type'] === c.type);
  const prev = i >= 0 ? out[i] : undefined;
  const n: Obj = { type: c.type, status: c.status };
  if (opts.probeTime) n['lastProbeTime'] = null;
  if (opts.updateTime) n['lastUpdateTime'] = prev && prev['status'] === c.status && prev['reason'] === c.reason && prev['message'] === c.message ? prev['lastUpdateTime'] : now;
  n['lastTransitionTime'] = prev && prev['status'] === c.status ? prev['lastTransitionTime'] : now;
  if (c.reason) n['reason'] = c.reason;
  if (c.message) n['message'] = c.message;
  if (i >= 0) out[i] = n;
  else out.push(n);
  return out;
}

/** Events like the real components record them (aggregated: a repeat bumps count and lastTimestamp). */
export class EventRecorder {
  private seen = new Map<string, { namespace: string; name: string }>();
  private counter = 0;
  enabled = true;

  constructor(private readonly core: () => Core) {}

  record(involved: Obj, type: 'Normal' | 'Warning', reason: string, message: string, component: string, host?: string, fieldPath?: string): void {
    if (!this.enabled) return;
    const c = this.core();
    const md = involved['metadata'] ?? {};
    const namespace = (md['namespace'] as string | undefined) || 'default';
    const key = `${md['uid']}\u0000${reason}\u0000${message}\u0000${fieldPath ?? ''}`;
    const now = nowRfc3339();
    const prev = this.seen.get(key);
    if (prev) {
      const e = c.store.get('events', prev.namespace, prev.name);
      if (e) {
        c.store.update('events', { ...e, count: Number(e['count'] ?? 1) + 1, lastTimestamp: now });
        return;
      }
    }
    // like the real "<name>.<hex UnixNano>" names: unique and increasing
    const name = `${md['name']}.${(0x17a00000 + ++this.counter).toString(16)}${'0'.repeat(8)}`;
    const involvedObject: Obj = { kind: involved['kind'], namespace: md['namespace'], name: md['name'], uid: md['uid'], apiVersion: involved['apiVersion'], resourceVersion: md['resourceVersion'] };
    if (!md['namespace']) delete involvedObject['namespace'];
    if (fieldPath) involvedObject['fieldPath'] = fieldPath;
    const ev: Obj = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace, uid: c.store.newUid(), creationTimestamp: now },
      involvedObject,
      reason,
      message,
      source: host ? { component, host } : { component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: component === 'kubelet' ? 'kubelet' : '',
      reportingInstance: host ?? '',
    };
    c.store.create('events', ev);
    this.seen.set(key, { namespace, name });
  }
}
