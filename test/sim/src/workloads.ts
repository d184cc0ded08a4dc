/**
 * The kube-controller-manager's workload controllers: DaemonSet (with ControllerRevisions and RollingUpdate /
 * OnDelete), ReplicaSet, Deployment, plus the garbage collector and the namespace controller.
 *
 * Time: one loop step is one simulated second, so `minReadySeconds: 5` means five steps (5 × stepDelayMs) and a
 * Deployment's `progressDeadlineSeconds: 10` ten steps.
 *
 * The DaemonSet controller follows pkg/controller/daemon: `manage` creates a pod on each eligible node without one
 * and deletes pods on nodes that should not run one; `rollingUpdate` (maxSurge 0) deletes old pods so that at most
 * `maxUnavailable` nodes lack an available pod (old pods that are not available go first); the status counts are
 * computed exactly as `updateDaemonSetStatus` does. A sync that created or deleted pods skips the rolling update
 * (the real controller's expectations have the same effect). maxSurge > 0 is treated as 0.
 */

import { R, type ResourceDef } from './apis.js';
import type { Target } from './apiserver.js';
import { computeHash, controllerRef, isPodReady, setCondition, type Core } from './core.js';
import type { Kubelet } from './kubelet.js';
import { nodeMatchesPodSpec, pinnedNode, tolerates } from './kubelet.js';
import { clone, deepEqual } from './patch.js';
import type { StoreEvent } from './store.js';
import type { Obj } from './types.js';

const MANAGER = 'kube-controller-manager';

function target(res: ResourceDef, gv: string, ns: string, name: string): Target {
  const group = gv.includes('/') ? gv.slice(0, gv.indexOf('/')) : '';
  return { gv, group, res, namespace: ns, name };
}

/** An int or percentage (of `total`), rounded up or down, like intstr.GetScaledValueFromIntOrPercent. */
export function scaledValue(v: unknown, total: number, roundUp: boolean, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(String(v));
  if (!m) return Number(v) || 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

function byCreation(a: Obj, b: Obj): number {
  const ta = String(a['metadata']['creationTimestamp'] ?? '');
  const tb = String(b['metadata']['creationTimestamp'] ?? '');
  if (ta !== tb) return ta < tb ? -1 : 1;
  return String(a['metadata']['name']) < String(b['metadata']['name']) ? -1 : 1;
}

/** DaemonSet pods tolerate these taints automatically (the controller adds the tolerations, 1.12+). */
function daemonTolerations(spec: Obj, minor: number): Obj[] {
  const add: Obj[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    ...(minor >= 17 ? [{ key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' }] : []),
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
    ...(spec['hostNetwork'] ? [{ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' }] : []),
  ];
  const out = [...((spec['tolerations'] ?? []) as Obj[])];
  for (const t of add) if (!out.some((x) => x['key'] === t['key'] && x['effect'] === t['effect'] && (x['operator'] ?? 'Equal') === 'Exists')) out.push(t);
  return out;
}

export class Controllers {
  private unsubscribe: (() => void)[] = [];
  /** deployment uid → step of its last progress, and the counts then */
  private lastProgress = new Map<string, number>();
  private lastCounts = new Map<string, string>();

  constructor(
    private readonly c: Core,
    private readonly kubelet: Kubelet,
  ) {
    const s = c.store;
    this.unsubscribe.push(
      s.subscribe('daemonsets', (e) => this.onOwner(e, 'ds')),
      s.subscribe('replicasets', (e) => {
        this.onOwner(e, 'rs');
        this.onOwned(e);
      }),
      s.subscribe('deployments', (e) => this.onOwner(e, 'deploy')),
      s.subscribe('pods', (e) => this.onOwned(e)),
      s.subscribe('nodes', (e) => this.onNode(e)),
      s.subscribe('namespaces', (e) => this.onNamespace(e)),
      s.subscribe('*', (e) => this.onAny(e)),
    );
  }

  stop(): void {
    for (const u of this.unsubscribe) u();
  }

  private get minor(): number {
    return this.c.surface.k8s.minor;
  }

  private onOwner(e: StoreEvent, kind: 'ds' | 'rs' | 'deploy'): void {
    if (e.type === 'DELETED') return;
    const uid = e.object['metadata']['uid'] as string;
    this.enqueueOwner(kind, uid);
  }

  private enqueueOwner(kind: 'ds' | 'rs' | 'deploy', uid: string, afterSteps = 1): void {
    const fn = kind === 'ds' ? () => this.syncDaemonSet(uid) : kind === 'rs' ? () => this.syncReplicaSet(uid) : () => this.syncDeployment(uid);
    this.c.loop.enqueue(`${kind}/${uid}`, fn, afterSteps);
  }

  /** A pod or ReplicaSet changed: its controller (DaemonSet, ReplicaSet, Deployment) syncs. */
  private onOwned(e: StoreEvent): void {
    const ref = controllerRef(e.object) ?? (e.prev ? controllerRef(e.prev) : undefined);
    if (!ref) return;
    const kind = ref['kind'] === 'DaemonSet' ? 'ds' : ref['kind'] === 'ReplicaSet' ? 'rs' : ref['kind'] === 'Deployment' ? 'deploy' : undefined;
    if (kind) this.enqueueOwner(kind, ref['uid']);
  }

  private onNode(e: StoreEvent): void {
    if (e.type === 'MODIFIED' && e.prev) {
      const a = e.object;
      const b = e.prev;
      const relevant = !deepEqual(a['spec'], b['spec']) || !deepEqual(a['metadata']['labels'], b['metadata']['labels']) || !deepEqual(readyOf(a), readyOf(b));
      if (!relevant) return;
    }
    for (const ds of this.c.store.list('daemonsets')) this.enqueueOwner('ds', ds['metadata']['uid']);
  }

  // ---------------------------------------------------------------- garbage collector

  private onAny(e: StoreEvent): void {
    if (e.type === 'DELETED') {
      const uid = e.object['metadata']['uid'] as string;
      if (this.c.store.dependents(uid).length) this.c.loop.enqueue(`gc/${uid}`, () => this.collect(uid));
      return;
    }
    const md = e.object['metadata'];
    if (md['deletionTimestamp'] && ((md['finalizers'] ?? []) as string[]).includes('foregroundDeletion')) {
      const uid = md['uid'] as string;
      this.c.loop.enqueue(`gc-fg/${uid}`, () => this.foreground(uid));
    }
  }

  /** Deletes the dependents of a deleted owner whose owners are all gone (background propagation). */
  private collect(ownerUid: string): void {
    const c = this.c;
    for (const dep of c.store.dependents(ownerUid)) {
      const refs = (dep.object['metadata']['ownerReferences'] ?? []) as Obj[];
      if (refs.some((r) => c.store.getByUid(r['uid']))) continue;
      this.deleteObject(dep.store, dep.object, 'Background');
    }
  }

  /** Foreground deletion: delete dependents, then drop the finalizer once none is left. */
  private foreground(uid: string): void {
    const c = this.c;
    const owner = c.store.getByUid(uid);
    if (!owner) return;
    const deps = c.store.dependents(uid);
    if (deps.length) {
      for (const d of deps) if (!d.object['metadata']['deletionTimestamp']) this.deleteObject(d.store, d.object, 'Foreground');
      c.loop.enqueue(`gc-fg/${uid}`, () => this.foreground(uid));
      return;
    }
    const o = owner.object;
    const finalizers = ((o['metadata']['finalizers'] ?? []) as string[]).filter((f) => f !== 'foregroundDeletion');
    if (finalizers.length === 0) c.api.internalRemove(owner.store, o['metadata']['namespace'] ?? '', o['metadata']['name']);
    else c.api.internalUpdate(owner.store, { ...o, metadata: { ...o['metadata'], finalizers } }, 'kube-controller-manager', 'main');
  }

  private deleteObject(store: string, o: Obj, policy: string): void {
    const res = Object.values(R).find((r) => r.store === store);
    if (!res) {
      this.c.api.internalRemove(store, o['metadata']['namespace'] ?? '', o['metadata']['name']);
      return;
    }
    const gv = this.c.surface.preferredFor(store) ?? 'v1';
    try {
      this.c.api.delete(target(res, gv, o['metadata']['namespace'] ?? '', o['metadata']['name']), { propagationPolicy: policy });
    } catch {
      // already gone
    }
  }

  // ---------------------------------------------------------------- namespaces

  private onNamespace(e: StoreEvent): void {
    if (e.type === 'ADDED') {
      // the service account controller gives every namespace its "default" ServiceAccount
      const name = e.name;
      this.c.loop.enqueue(`sa/${name}`, () => {
        const ns = this.c.store.get('namespaces', '', name);
        if (!ns || ns['metadata']['deletionTimestamp'] || this.c.store.get('serviceaccounts', name, 'default')) return;
        this.c.api.internalCreate('serviceaccounts', 'ServiceAccount', 'v1', { metadata: { name: 'default', namespace: name } }, MANAGER);
      });
    }
    if (e.type !== 'DELETED' && e.object['metadata']['deletionTimestamp']) {
      const name = e.name;
      this.c.loop.enqueue(`ns/${name}`, () => this.syncNamespace(name));
    }
  }

  private syncNamespace(name: string): void {
    const c = this.c;
    const ns = c.store.get('namespaces', '', name);
    if (!ns || !ns['metadata']['deletionTimestamp']) return;
    const stores = c.store.storesWithNamespace(name);
    if (stores.length) {
      for (const s of stores) {
        for (const o of c.store.list(s, name)) {
          if (o['metadata']['deletionTimestamp']) continue;
          if (s === 'pods') this.deleteObject(s, o, 'Background');
          else c.api.internalRemove(s, name, o['metadata']['name']);
        }
      }
      c.loop.enqueue(`ns/${name}`, () => this.syncNamespace(name));
      return;
    }
    c.api.internalRemove('namespaces', '', name);
  }

  // ---------------------------------------------------------------- shared

  private ownedPods(uid: string): Obj[] {
    return this.c.store
      .dependents(uid)
      .filter((d) => d.store === 'pods' && controllerRef(d.object)?.['uid'] === uid)
      .map((d) => d.object);
  }

  private deletePod(pod: Obj, owner: Obj): void {
    const c = this.c;
    try {
      c.api.delete(target(R.pods, 'v1', pod['metadata']['namespace'], pod['metadata']['name']), {});
      c.events.record(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod['metadata']['name']}`, owner['kind'] === 'DaemonSet' ? 'daemonset-controller' : 'replicaset-controller');
    } catch {
      // already gone
    }
  }

  private writeStatus(store: string, o: Obj, status: Obj): Obj {
    if (deepEqual(o['status'], status)) return o;
    return this.c.api.internalUpdate(store, { ...o, status }, MANAGER, 'status');
  }

  private ownerRef(o: Obj, gv: string): Obj {
    return { apiVersion: gv, kind: o['kind'], name: o['metadata']['name'], uid: o['metadata']['uid'], controller: true, blockOwnerDeletion: true };
  }

  // ---------------------------------------------------------------- DaemonSet

  /** shouldRun (a new pod may be placed) and shouldContinueRunning (an existing pod may stay). */
  private dsPlacement(spec: Obj, tolerations: Obj[], node: Obj): { shouldRun: boolean; shouldContinue: boolean } {
    if (!nodeMatchesPodSpec(spec, node)) return { shouldRun: false, shouldContinue: false };
    const taints = (node['spec']?.['taints'] ?? []) as Obj[];
    const noExec = taints.some((t) => t['effect'] === 'NoExecute' && !tolerates(tolerations, t));
    const noSched = taints.some((t) => t['effect'] === 'NoSchedule' && !tolerates(tolerations, t));
    return { shouldRun: !noExec && !noSched, shouldContinue: !noExec };
  }

  private syncControllerRevision(ds: Obj, hash: string): void {
    const c = this.c;
    const ns = ds['metadata']['namespace'] as string;
    const uid = ds['metadata']['uid'] as string;
    const revs = c.store
      .dependents(uid)
      .filter((d) => d.store === 'controllerrevisions')
      .map((d) => d.object);
    const name = `${ds['metadata']['name']}-${hash}`;
    const maxRev = revs.reduce((m, r) => Math.max(m, Number(r['revision'] ?? 0)), 0);
    const cur = revs.find((r) => r['metadata']['name'] === name);
    const gv = c.surface.preferredFor('controllerrevisions', 'apps') ?? 'apps/v1beta1';
    const dsGv = c.surface.preferredFor('daemonsets', 'apps') ?? 'extensions/v1beta1';
    if (!cur) {
      const template = clone(ds['spec']['template']);
      template['$patch'] = 'replace';
      c.api.internalCreate(
        'controllerrevisions',
        'ControllerRevision',
        gv,
        {
          metadata: { name, namespace: ns, labels: { ...(ds['spec']['template']?.['metadata']?.['labels'] ?? {}), 'controller-revision-hash': hash }, annotations: {}, ownerReferences: [this.ownerRef(ds, dsGv)] },
          data: { spec: { template } },
          revision: maxRev + 1,
        },
        MANAGER,
      );
    } else if (Number(cur['revision']) !== maxRev) {
      c.api.internalUpdate('controllerrevisions', { ...cur, revision: maxRev + 1 }, MANAGER, 'main');
    }
    // history limit
    const limit = Number(ds['spec']?.['revisionHistoryLimit'] ?? 10);
    const old = c.store
      .dependents(uid)
      .filter((d) => d.store === 'controllerrevisions' && d.object['metadata']['name'] !== name)
      .map((d) => d.object)
      .sort((a, b) => Number(a['revision']) - Number(b['revision']));
    const liveHashes = new Set(this.ownedPods(uid).map((p) => p['metadata']['labels']?.['controller-revision-hash']));
    const removable = old.filter((r) => !liveHashes.has(r['metadata']['labels']?.['controller-revision-hash']));
    while (removable.length > limit) {
      const r = removable.shift()!;
      c.api.internalRemove('controllerrevisions', ns, r['metadata']['name']);
    }
  }

  private newDaemonPod(ds: Obj, node: string, hash: string): Obj {
    const tmpl = clone(ds['spec']['template'] ?? {}) as Obj;
    const spec = (tmpl['spec'] ?? {}) as Obj;
    const generation = String(ds['spec']?.['templateGeneration'] ?? ds['metadata']['generation'] ?? 1);
    spec['tolerations'] = daemonTolerations(spec, this.minor);
    if (this.minor >= 12) {
      const aff = (spec['affinity'] ??= {}) as Obj;
      const na = (aff['nodeAffinity'] ??= {}) as Obj;
      na['requiredDuringSchedulingIgnoredDuringExecution'] = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] };
    } else spec['nodeName'] = node;
    const gv = this.c.surface.preferredFor('daemonsets', 'apps') ?? 'extensions/v1beta1';
    const md: Obj = {
      generateName: `${ds['metadata']['name']}-`,
      namespace: ds['metadata']['namespace'],
      labels: { ...(tmpl['metadata']?.['labels'] ?? {}), 'controller-revision-hash': hash, 'pod-template-generation': generation },
      ownerReferences: [this.ownerRef(ds, gv)],
    };
    if (tmpl['metadata']?.['annotations']) md['annotations'] = tmpl['metadata']['annotations'];
    return { metadata: md, spec, status: { phase: 'Pending', qosClass: 'BestEffort' } };
  }

  private syncDaemonSet(uid: string): void {
    const c = this.c;
    const found = c.store.getByUid(uid);
    if (!found || found.store !== 'daemonsets') return;
    const ds = found.object;
    if (ds['metadata']['deletionTimestamp']) return;
    const template = ds['spec']?.['template'];
    const hash = computeHash(template, ds['status']?.['collisionCount']);
    this.syncControllerRevision(ds, hash);
    const minReady = Number(ds['spec']?.['minReadySeconds'] ?? 0);
    const generation = String(ds['spec']?.['templateGeneration'] ?? ds['metadata']['generation'] ?? 1);
    const isUpdated = (p: Obj) => {
      const l = p['metadata']['labels'] ?? {};
      return l['controller-revision-hash'] === hash || (l['controller-revision-hash'] === undefined && l['pod-template-generation'] === generation);
    };

    const nodes = c.store.list('nodes', '');
    const nodeNames = new Set(nodes.map((n) => n['metadata']['name'] as string));
    const byNode = new Map<string, Obj[]>();
    for (const p of this.ownedPods(uid)) {
      const n = (p['spec']?.['nodeName'] as string | undefined) ?? pinnedNode(p['spec'] ?? {});
      if (!n) continue;
      let l = byNode.get(n);
      if (!l) byNode.set(n, (l = []));
      l.push(p);
    }
    for (const l of byNode.values()) l.sort(byCreation);

    // ---- manage
    let changed = false;
    const placement = new Map<string, { shouldRun: boolean; shouldContinue: boolean }>();
    const podSpec = (template?.['spec'] ?? {}) as Obj;
    const tolerations = daemonTolerations(podSpec, this.minor);
    for (const node of nodes) {
      const name = node['metadata']['name'] as string;
      const pl = this.dsPlacement(podSpec, tolerations, node);
      placement.set(name, pl);
      const pods = byNode.get(name) ?? [];
      const active = pods.filter((p) => !p['metadata']['deletionTimestamp']);
      if (pl.shouldRun && pods.length === 0) {
        const pod = c.api.internalCreate('pods', 'Pod', 'v1', this.newDaemonPod(ds, name, hash), MANAGER);
        c.events.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod['metadata']['name']}`, 'daemonset-controller');
        changed = true;
      } else if (pl.shouldContinue) {
        for (const p of active) {
          if (p['status']?.['phase'] === 'Failed') {
            this.deletePod(p, ds);
            changed = true;
          }
        }
        const running = active.filter((p) => p['status']?.['phase'] !== 'Failed');
        for (const p of running.slice(1)) {
          this.deletePod(p, ds);
          changed = true;
        }
      } else {
        for (const p of active) {
          this.deletePod(p, ds);
          changed = true;
        }
      }
    }
    for (const [n, pods] of byNode) {
      if (nodeNames.has(n)) continue;
      for (const p of pods) if (!p['metadata']['deletionTimestamp']) {
        this.deletePod(p, ds);
        changed = true;
      }
    }

    // ---- rolling update
    const strategy = ds['spec']?.['updateStrategy'] ?? {};
    let desired = 0;
    for (const pl of placement.values()) if (pl.shouldRun) desired++;
    if (!changed && strategy['type'] === 'RollingUpdate') {
      const maxUnavailable = Math.max(scaledValue(strategy['rollingUpdate']?.['maxUnavailable'], desired, true, 1), 0) || (scaledValue(strategy['rollingUpdate']?.['maxSurge'], desired, true, 0) === 0 ? 1 : 0);
      let numUnavailable = 0;
      const allowedReplacement: Obj[] = [];
      const candidates: Obj[] = [];
      for (const node of nodes) {
        const name = node['metadata']['name'] as string;
        // like rollingUpdate's nodeToDaemonPods: only nodes that have pods (terminating ones included)
        const all = byNode.get(name) ?? [];
        if (all.length === 0) continue;
        const pods = all.filter((p) => !p['metadata']['deletionTimestamp']);
        const newPod = pods.find(isUpdated);
        const oldPod = pods.find((p) => !isUpdated(p));
        if (pods.length > 1 || (!newPod && !oldPod)) {
          numUnavailable++;
          continue;
        }
        if (newPod) {
          if (!this.kubelet.isAvailable(newPod, minReady)) numUnavailable++;
          continue;
        }
        if (!this.kubelet.isAvailable(oldPod!, minReady)) allowedReplacement.push(oldPod!);
        else if (numUnavailable < maxUnavailable) candidates.push(oldPod!);
      }
      let remaining = Math.max(0, maxUnavailable - numUnavailable);
      remaining = Math.min(remaining, candidates.length);
      const toDelete = [...allowedReplacement, ...candidates.slice(0, remaining)];
      for (const p of toDelete) {
        this.deletePod(p, ds);
        changed = true;
      }
    }

    // ---- status (from the pods as they were at the start of this sync, like the informer caches)
    let current = 0;
    let ready = 0;
    let available = 0;
    let updated = 0;
    let misscheduled = 0;
    let wakeIn = 0;
    for (const node of nodes) {
      const name = node['metadata']['name'] as string;
      const pl = placement.get(name)!;
      const pods = byNode.get(name) ?? [];
      if (pl.shouldRun) {
        if (pods.length === 0) continue;
        current++;
        const pod = pods.length === 1 ? pods[0]! : [...pods].sort(podByCreationAndPhase)[0]!;
        if (isPodReady(pod)) {
          ready++;
          if (this.kubelet.isAvailable(pod, minReady)) available++;
          else {
            const w = this.kubelet.stepsUntilAvailable(pod, minReady);
            if (w > 0) wakeIn = wakeIn ? Math.min(wakeIn, w) : w;
          }
        }
        if (isUpdated(pod)) updated++;
      } else if (pods.length > 0) misscheduled++;
    }
    const st: Obj = {
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desired,
      numberReady: ready,
      observedGeneration: ds['metadata']['generation'],
      updatedNumberScheduled: updated,
      numberAvailable: available,
    };
    if (desired - available > 0) st['numberUnavailable'] = desired - available;
    if (ds['status']?.['collisionCount'] !== undefined) st['collisionCount'] = ds['status']['collisionCount'];
    // the real status omits zero-valued optional counters
    if (!st['updatedNumberScheduled']) delete st['updatedNumberScheduled'];
    if (!st['numberAvailable']) delete st['numberAvailable'];
    this.writeStatus('daemonsets', ds, st);
    if (wakeIn) this.enqueueOwner('ds', uid, wakeIn);
  }

  // ---------------------------------------------------------------- ReplicaSet

  private syncReplicaSet(uid: string): void {
    const c = this.c;
    const found = c.store.getByUid(uid);
    if (!found || found.store !== 'replicasets') return;
    const rs = found.object;
    if (rs['metadata']['deletionTimestamp']) return;
    const ns = rs['metadata']['namespace'] as string;
    const desired = Number(rs['spec']?.['replicas'] ?? 1);
    const minReady = Number(rs['spec']?.['minReadySeconds'] ?? 0);
    const pods = this.ownedPods(uid);
    const active = pods.filter((p) => !p['metadata']['deletionTimestamp'] && p['status']?.['phase'] !== 'Failed' && p['status']?.['phase'] !== 'Succeeded');
    const diff = active.length - desired;
    if (diff < 0) {
      const gv = c.surface.preferredFor('replicasets', 'apps') ?? 'extensions/v1beta1';
      const tmpl = rs['spec']?.['template'] ?? {};
      for (let i = 0; i < -diff; i++) {
        const md: Obj = { generateName: `${rs['metadata']['name']}-`, namespace: ns, labels: { ...(tmpl['metadata']?.['labels'] ?? {}) }, ownerReferences: [this.ownerRef(rs, gv)] };
        if (tmpl['metadata']?.['annotations']) md['annotations'] = tmpl['metadata']['annotations'];
        const pod = c.api.internalCreate('pods', 'Pod', 'v1', { metadata: md, spec: clone(tmpl['spec'] ?? {}), status: { phase: 'Pending', qosClass: 'BestEffort' } }, MANAGER);
        c.events.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod['metadata']['name']}`, 'replicaset-controller');
      }
    } else if (diff > 0) {
      const rank = (p: Obj) => (!p['spec']?.['nodeName'] ? 0 : p['status']?.['phase'] === 'Pending' ? 1 : !isPodReady(p) ? 2 : 3);
      const victims = [...active].sort((a, b) => rank(a) - rank(b) || -byCreation(a, b)).slice(0, diff);
      for (const p of victims) this.deletePod(p, rs);
    }
    let ready = 0;
    let available = 0;
    let labeled = 0;
    let wakeIn = 0;
    const tmplLabels = (rs['spec']?.['template']?.['metadata']?.['labels'] ?? {}) as Record<string, string>;
    for (const p of active) {
      const l = (p['metadata']['labels'] ?? {}) as Record<string, string>;
      if (Object.entries(tmplLabels).every(([k, v]) => l[k] === v)) labeled++;
      if (isPodReady(p)) {
        ready++;
        if (this.kubelet.isAvailable(p, minReady)) available++;
        else {
          const w = this.kubelet.stepsUntilAvailable(p, minReady);
          if (w > 0) wakeIn = wakeIn ? Math.min(wakeIn, w) : w;
        }
      }
    }
    const st: Obj = { replicas: active.length };
    if (labeled) st['fullyLabeledReplicas'] = labeled;
    if (ready) st['readyReplicas'] = ready;
    if (available) st['availableReplicas'] = available;
    st['observedGeneration'] = rs['metadata']['generation'];
    this.writeStatus('replicasets', rs, st);
    if (wakeIn) this.enqueueOwner('rs', uid, wakeIn);
  }

  // ---------------------------------------------------------------- Deployment

  private syncDeployment(uid: string): void {
    const c = this.c;
    const found = c.store.getByUid(uid);
    if (!found || found.store !== 'deployments') return;
    let d = found.object;
    if (d['metadata']['deletionTimestamp']) return;
    const ns = d['metadata']['namespace'] as string;
    const spec = (d['spec'] ?? {}) as Obj;
    const replicas = Number(spec['replicas'] ?? 1);
    const hash = computeHash(spec['template'], d['status']?.['collisionCount']);
    const rsGv = c.surface.preferredFor('replicasets', 'apps') ?? 'extensions/v1beta1';
    const dGv = c.surface.preferredFor('deployments', 'apps') ?? 'extensions/v1beta1';
    const all = c.store
      .dependents(uid)
      .filter((x) => x.store === 'replicasets' && controllerRef(x.object)?.['uid'] === uid)
      .map((x) => x.object)
      .sort(byCreation);
    let newRS = all.find((r) => r['metadata']['labels']?.['pod-template-hash'] === hash);
    const oldRSs = all.filter((r) => r !== newRS);
    const strategy = (spec['strategy'] ?? {}) as Obj;
    const recreate = strategy['type'] === 'Recreate';
    const maxSurge = recreate ? 0 : scaledValue(strategy['rollingUpdate']?.['maxSurge'], replicas, true, 1);
    let maxUnavailable = recreate ? 0 : scaledValue(strategy['rollingUpdate']?.['maxUnavailable'], replicas, false, 0);
    if (!recreate && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
    const specReplicas = (r: Obj | undefined) => Number(r?.['spec']?.['replicas'] ?? 0);
    const revisionOf = (r: Obj) => Number(r['metadata']['annotations']?.['deployment.kubernetes.io/revision'] ?? 0);
    let createdRS = false;
    let progressed = false;

    if (!newRS && !spec['paused']) {
      const maxRev = all.reduce((m, r) => Math.max(m, revisionOf(r)), 0);
      const current = all.reduce((s, r) => s + specReplicas(r), 0);
      let start: number;
      if (recreate) start = oldRSs.some((r) => specReplicas(r) > 0 || Number(r['status']?.['replicas'] ?? 0) > 0) ? 0 : replicas;
      else start = Math.max(0, Math.min(replicas + maxSurge - current, replicas));
      const tmpl = clone(spec['template'] ?? {}) as Obj;
      tmpl['metadata'] = { ...(tmpl['metadata'] ?? {}), labels: { ...(tmpl['metadata']?.['labels'] ?? {}), 'pod-template-hash': hash } };
      const sel = clone(spec['selector'] ?? {}) as Obj;
      sel['matchLabels'] = { ...(sel['matchLabels'] ?? {}), 'pod-template-hash': hash };
      const rsSpec: Obj = { replicas: start, selector: sel, template: tmpl };
      if (spec['minReadySeconds']) rsSpec['minReadySeconds'] = spec['minReadySeconds'];
      newRS = c.api.internalCreate(
        'replicasets',
        'ReplicaSet',
        rsGv,
        {
          metadata: {
            name: `${d['metadata']['name']}-${hash}`,
            namespace: ns,
            labels: { ...(tmpl['metadata']['labels'] ?? {}) },
            annotations: { 'deployment.kubernetes.io/desired-replicas': String(replicas), 'deployment.kubernetes.io/max-replicas': String(replicas + maxSurge), 'deployment.kubernetes.io/revision': String(maxRev + 1) },
            ownerReferences: [this.ownerRef(d, dGv)],
          },
          spec: rsSpec,
        },
        MANAGER,
      );
      createdRS = true;
      if (start > 0) c.events.record(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${newRS['metadata']['name']} to ${start}`, 'deployment-controller');
      d = c.api.internalUpdate('deployments', { ...d, metadata: { ...d['metadata'], annotations: { ...(d['metadata']['annotations'] ?? {}), 'deployment.kubernetes.io/revision': String(maxRev + 1) } } }, MANAGER, 'main');
    } else if (newRS) {
      // a rollback to an old template: it becomes the newest revision
      const maxRev = all.reduce((m, r) => Math.max(m, revisionOf(r)), 0);
      if (revisionOf(newRS) < maxRev) {
        newRS = c.api.internalUpdate('replicasets', { ...newRS, metadata: { ...newRS['metadata'], annotations: { ...(newRS['metadata']['annotations'] ?? {}), 'deployment.kubernetes.io/revision': String(maxRev + 1) } } }, MANAGER, 'main');
      }
      const rev = newRS['metadata']['annotations']?.['deployment.kubernetes.io/revision'];
      if (rev && d['metadata']['annotations']?.['deployment.kubernetes.io/revision'] !== rev) {
        d = c.api.internalUpdate('deployments', { ...d, metadata: { ...d['metadata'], annotations: { ...(d['metadata']['annotations'] ?? {}), 'deployment.kubernetes.io/revision': rev } } }, MANAGER, 'main');
      }
    }

    const scale = (rs: Obj, n: number) => {
      const cur = specReplicas(rs);
      if (cur === n) return rs;
      progressed = true;
      c.events.record(d, 'Normal', 'ScalingReplicaSet', `Scaled ${n > cur ? 'up' : 'down'} replica set ${rs['metadata']['name']} to ${n}${n < cur ? ` from ${cur}` : ''}`, 'deployment-controller');
      const annotations = { ...(rs['metadata']['annotations'] ?? {}), 'deployment.kubernetes.io/desired-replicas': String(replicas), 'deployment.kubernetes.io/max-replicas': String(replicas + maxSurge) };
      return c.api.internalUpdate('replicasets', { ...rs, metadata: { ...rs['metadata'], annotations }, spec: { ...rs['spec'], replicas: n } }, MANAGER, 'main');
    };

    if (!spec['paused'] && newRS && !createdRS) {
      if (recreate) {
        for (const r of oldRSs) if (specReplicas(r) > 0) scale(r, 0);
        const oldPods = oldRSs.reduce((s, r) => s + Number(r['status']?.['replicas'] ?? 0), 0);
        if (oldPods === 0 && !progressed) newRS = scale(newRS, replicas);
      } else {
        // scale up the new ReplicaSet
        const total = all.reduce((s, r) => s + specReplicas(r), 0);
        if (specReplicas(newRS) > replicas) newRS = scale(newRS, replicas);
        else if (specReplicas(newRS) < replicas) {
          const up = Math.min(replicas + maxSurge - total, replicas - specReplicas(newRS));
          if (up > 0) newRS = scale(newRS, specReplicas(newRS) + up);
        }
        if (!progressed) {
          // scale down old ReplicaSets
          const allPods = all.reduce((s, r) => s + specReplicas(r), 0);
          const minAvailable = replicas - maxUnavailable;
          const newUnavailable = specReplicas(newRS) - Number(newRS['status']?.['availableReplicas'] ?? 0);
          let maxScaledDown = allPods - minAvailable - newUnavailable;
          if (maxScaledDown > 0) {
            // unhealthy replicas first
            for (const r of oldRSs) {
              if (maxScaledDown <= 0) break;
              const unhealthy = specReplicas(r) - Number(r['status']?.['availableReplicas'] ?? 0);
              if (unhealthy <= 0) continue;
              const n = Math.min(unhealthy, maxScaledDown);
              scale(r, specReplicas(r) - n);
              maxScaledDown -= n;
            }
            const fresh = oldRSs.map((r) => c.store.get('replicasets', ns, r['metadata']['name'])).filter((r): r is Obj => !!r);
            const allNow = specReplicas(newRS) + fresh.reduce((s, r) => s + specReplicas(r), 0);
            const availNow = Number(newRS['status']?.['availableReplicas'] ?? 0) + fresh.reduce((s, r) => s + Number(r['status']?.['availableReplicas'] ?? 0), 0);
            let canDown = Math.min(allNow - minAvailable - newUnavailable, availNow - minAvailable);
            for (const r of fresh) {
              if (canDown <= 0) break;
              const n = Math.min(specReplicas(r), canDown);
              if (n <= 0) continue;
              scale(r, specReplicas(r) - n);
              canDown -= n;
            }
          }
        }
      }
      // history limit: delete the oldest empty old ReplicaSets beyond revisionHistoryLimit
      const limit = Number(spec['revisionHistoryLimit'] ?? 10);
      const empty = oldRSs
        .map((r) => c.store.get('replicasets', ns, r['metadata']['name']))
        .filter((r): r is Obj => !!r && specReplicas(r) === 0 && Number(r['status']?.['replicas'] ?? 0) === 0)
        .sort((a, b) => revisionOf(a) - revisionOf(b));
      while (empty.length > limit) {
        const r = empty.shift()!;
        c.api.internalRemove('replicasets', ns, r['metadata']['name']);
      }
    }

    // ---- status
    const rsNow = c.store
      .dependents(uid)
      .filter((x) => x.store === 'replicasets' && controllerRef(x.object)?.['uid'] === uid)
      .map((x) => x.object);
    const newNow = newRS ? rsNow.find((r) => r['metadata']['name'] === newRS!['metadata']['name']) : undefined;
    const sum = (f: string, list: Obj[]) => list.reduce((s, r) => s + Number(r['status']?.[f] ?? 0), 0);
    const statusReplicas = sum('replicas', rsNow);
    const updatedReplicas = newNow ? Number(newNow['status']?.['replicas'] ?? 0) : 0;
    const readyReplicas = sum('readyReplicas', rsNow);
    const availableReplicas = sum('availableReplicas', rsNow);
    const unavailable = Math.max(0, replicas - availableReplicas);
    const prev = (d['status'] ?? {}) as Obj;
    const st: Obj = { observedGeneration: d['metadata']['generation'] };
    if (statusReplicas) st['replicas'] = statusReplicas;
    if (updatedReplicas) st['updatedReplicas'] = updatedReplicas;
    if (readyReplicas) st['readyReplicas'] = readyReplicas;
    if (availableReplicas) st['availableReplicas'] = availableReplicas;
    if (unavailable) st['unavailableReplicas'] = unavailable;
    if (prev['collisionCount'] !== undefined) st['collisionCount'] = prev['collisionCount'];

    // progress: a new or scaled ReplicaSet, a spec change, or pods becoming (un)ready/available
    const counts = JSON.stringify([statusReplicas, updatedReplicas, readyReplicas, availableReplicas, newNow?.['metadata']?.['name'], d['metadata']['generation']]);
    if (createdRS || progressed || counts !== this.lastCounts.get(uid)) this.lastProgress.set(uid, c.loop.step);
    this.lastCounts.set(uid, counts);

    let conds = (prev['conditions'] ?? []) as Obj[];
    const avail = availableReplicas >= replicas - maxUnavailable;
    conds = setCondition(conds, avail ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' } : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' }, { updateTime: true });
    const rsName = newNow?.['metadata']?.['name'] ?? newRS?.['metadata']?.['name'];
    const oldPods = rsNow.filter((r) => r !== newNow).reduce((s, r) => s + Number(r['status']?.['replicas'] ?? 0), 0);
    const complete = updatedReplicas === replicas && availableReplicas === replicas && statusReplicas === replicas && oldPods === 0;
    const deadline = Number(spec['progressDeadlineSeconds'] ?? 600);
    const progressingPrev = conds.find((x) => x['type'] === 'Progressing');
    let progressing: { type: string; status: string; reason: string; message: string };
    if (spec['paused']) progressing = { type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' };
    else if (complete) progressing = { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.` };
    else if (createdRS) progressing = { type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "${rsName}"` };
    else if (c.loop.step - (this.lastProgress.get(uid) ?? c.loop.step) > deadline) progressing = { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${rsName}" has timed out progressing.` };
    else if (progressingPrev?.['reason'] === 'ProgressDeadlineExceeded' && this.lastProgress.get(uid) !== c.loop.step) progressing = { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: String(progressingPrev['message']) };
    else progressing = { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rsName}" is progressing.` };
    const pChanged = !progressingPrev || progressingPrev['reason'] !== progressing.reason || this.lastProgress.get(uid) === c.loop.step;
    conds = setCondition(conds, progressing, { updateTime: true });
    if (!pChanged && progressingPrev) conds = conds.map((x) => (x['type'] === 'Progressing' ? { ...x, lastUpdateTime: progressingPrev['lastUpdateTime'] } : x));
    // Available first, then Progressing, as the controller writes them
    st['conditions'] = [...conds].sort((a, b) => (a['type'] === 'Available' ? -1 : b['type'] === 'Available' ? 1 : 0));
    this.writeStatus('deployments', d, st);
    if (!complete && !spec['paused'] && progressing.reason !== 'ProgressDeadlineExceeded') {
      const left = (this.lastProgress.get(uid) ?? c.loop.step) + deadline + 1 - c.loop.step;
      if (left > 0) this.enqueueOwner('deploy', uid, left);
    }
  }
}

function readyOf(n: Obj): unknown {
  return ((n['status']?.['conditions'] ?? []) as Obj[]).find((c) => c['type'] === 'Ready')?.['status'];
}

/** podByCreationTimestampAndPhase: running before pending, older first. */
function podByCreationAndPhase(a: Obj, b: Obj): number {
  const ra = a['status']?.['phase'] === 'Running' ? 0 : 1;
  const rb = b['status']?.['phase'] === 'Running' ? 0 : 1;
  if (ra !== rb) return ra - rb;
  return byCreation(a, b);
}

