/**
 * The scheduler and the kubelets: bind pods to nodes, then walk each pod through ContainerCreating → Running →
 * Ready, with the pod faults (crash loops, image pull errors, config errors, never-ready) applied per container.
 *
 * One pod step per loop step (a "simulated second"): a new pod is Pending, the next step its containers are
 * created, the step after they run (and are Ready unless a readinessProbe delays them by its initialDelaySeconds,
 * in steps). Pods on a node that is not Ready make no progress (and lose Ready when their node goes NotReady).
 * A pod being deleted disappears one step after its deletionTimestamp is set, whatever its node's state.
 */

import { allocatePodIp } from './dataplane.js';
import { condition, isNodeReady, setCondition, type Core } from './core.js';
import { deepEqual, isPlainObject } from './patch.js';
import { nowRfc3339, type StoreEvent } from './store.js';
import type { Obj } from './types.js';

/** Does a toleration list tolerate a taint? */
export function tolerates(tolerations: Obj[] | undefined, taint: Obj): boolean {
  for (const t of tolerations ?? []) {
    if (t['effect'] && t['effect'] !== taint['effect']) continue;
    const op = t['operator'] ?? 'Equal';
    if (op === 'Exists') {
      if (!t['key'] || t['key'] === taint['key']) return true;
    } else if (t['key'] === taint['key'] && (t['value'] ?? '') === (taint['value'] ?? '')) return true;
  }
  return false;
}

function nodeSelectorTermMatches(term: Obj, node: Obj): boolean {
  const labels = (node['metadata']?.['labels'] ?? {}) as Record<string, string>;
  const exprs = (term['matchExpressions'] ?? []) as Obj[];
  const fields = (term['matchFields'] ?? []) as Obj[];
  if (exprs.length === 0 && fields.length === 0) return false;
  const check = (e: Obj, value: string | undefined, has: boolean): boolean => {
    const vals = ((e['values'] ?? []) as unknown[]).map(String);
    switch (e['operator']) {
      case 'In':
        return has && vals.includes(value!);
      case 'NotIn':
        return !has || !vals.includes(value!);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      case 'Gt':
        return has && Number(value) > Number(vals[0]);
      case 'Lt':
        return has && Number(value) < Number(vals[0]);
      default:
        return false;
    }
  };
  for (const e of exprs) if (!check(e, labels[e['key']], Object.prototype.hasOwnProperty.call(labels, e['key']))) return false;
  for (const e of fields) {
    if (e['key'] !== 'metadata.name') return false;
    if (!check(e, node['metadata']['name'], true)) return false;
  }
  return true;
}

/** nodeSelector + required node affinity. */
export function nodeMatchesPodSpec(spec: Obj, node: Obj): boolean {
  const ns = spec['nodeSelector'];
  if (isPlainObject(ns)) {
    const labels = (node['metadata']?.['labels'] ?? {}) as Record<string, string>;
    for (const [k, v] of Object.entries(ns)) if (labels[k] !== v) return false;
  }
  const terms = spec['affinity']?.['nodeAffinity']?.['requiredDuringSchedulingIgnoredDuringExecution']?.['nodeSelectorTerms'];
  if (Array.isArray(terms) && terms.length > 0 && !terms.some((t: Obj) => nodeSelectorTermMatches(t, node))) return false;
  return true;
}

/** The node a pod is pinned to by a `metadata.name` matchFields term (DaemonSet pods). */
export function pinnedNode(spec: Obj): string | undefined {
  const terms = spec['affinity']?.['nodeAffinity']?.['requiredDuringSchedulingIgnoredDuringExecution']?.['nodeSelectorTerms'];
  if (!Array.isArray(terms)) return undefined;
  for (const t of terms as Obj[]) {
    for (const f of (t['matchFields'] ?? []) as Obj[]) {
      if (f['key'] === 'metadata.name' && f['operator'] === 'In' && Array.isArray(f['values']) && f['values'].length === 1) return String(f['values'][0]);
    }
  }
  return undefined;
}

function hex(n: number, rng: Core['rng']): string {
  let s = '';
  for (let i = 0; i < n; i++) s += rng.int(16).toString(16);
  return s;
}

export class Kubelet {
  /** pod uid → the step it became Ready */
  private readySince = new Map<string, number>();
  /** "uid/container" → the step its readiness probe first succeeds */
  private readyAt = new Map<string, number>();
  private unschedulable = new Set<string>();
  private podIpCounter = new Map<string, number>();
  private nodeIndex = new Map<string, number>();
  private unsubscribe: (() => void)[] = [];

  constructor(private readonly c: Core) {
    this.unsubscribe.push(c.store.subscribe('pods', (e) => this.onPod(e)));
    this.unsubscribe.push(c.store.subscribe('nodes', (e) => this.onNode(e)));
    this.unsubscribe.push(
      c.faults.onChange(() => {
        for (const p of c.store.list('pods')) this.enqueue(p);
      }),
    );
  }

  stop(): void {
    for (const u of this.unsubscribe) u();
  }

  /** Whether a pod has been Ready for at least `minReadySeconds` steps. */
  isAvailable(pod: Obj, minReadySeconds: number): boolean {
    const ready = condition(pod, 'Ready');
    if (ready?.['status'] !== 'True') return false;
    if (!minReadySeconds) return true;
    const since = this.readySince.get(pod['metadata']['uid']);
    if (since !== undefined) return this.c.loop.step - since >= minReadySeconds;
    const t = Date.parse(String(ready['lastTransitionTime'] ?? ''));
    return Number.isFinite(t) && Date.now() - t >= minReadySeconds * this.c.stepDelayMs;
  }

  /** Steps until a Ready pod becomes available (0 when it is). */
  stepsUntilAvailable(pod: Obj, minReadySeconds: number): number {
    const since = this.readySince.get(pod['metadata']['uid']);
    if (since === undefined || !minReadySeconds) return 0;
    return Math.max(0, since + minReadySeconds - this.c.loop.step);
  }

  private key(pod: Obj): string {
    return `kubelet/${pod['metadata']['namespace']}/${pod['metadata']['name']}`;
  }

  enqueue(pod: Obj, afterSteps = 1): void {
    const ns = pod['metadata']['namespace'] as string;
    const name = pod['metadata']['name'] as string;
    this.c.loop.enqueue(this.key(pod), () => this.sync(ns, name), afterSteps);
  }

  private onPod(e: StoreEvent): void {
    if (e.type === 'DELETED') {
      const uid = e.object['metadata']['uid'] as string;
      this.readySince.delete(uid);
      for (const cc of (e.object['spec']?.['containers'] ?? []) as Obj[]) this.readyAt.delete(`${uid}/${cc['name']}`);
      this.unschedulable.delete(`${e.namespace}/${e.name}`);
      this.c.podLogs.deletePod(e.namespace, e.name);
      return;
    }
    // the kubelet's own status writes do not wake it; a new pod, a binding, a spec change or a deletion does
    const prev = e.prev;
    if (
      e.type === 'ADDED' ||
      !prev ||
      (e.object['metadata']['deletionTimestamp'] && !prev['metadata']['deletionTimestamp']) ||
      !deepEqual(e.object['spec'], prev['spec'])
    ) {
      this.enqueue(e.object);
    }
  }

  private onNode(e: StoreEvent): void {
    const name = e.name;
    if (e.type === 'DELETED') {
      // pod GC: pods bound to a node that no longer exists are deleted
      for (const p of this.c.store.podsOn(name)) this.enqueue(p);
      return;
    }
    const readyChanged = isNodeReady(e.object) !== isNodeReady(e.prev);
    if (e.type === 'ADDED' || readyChanged) for (const p of this.c.store.podsOn(name)) this.enqueue(p);
    if (e.type === 'ADDED' || readyChanged || !deepEqual(e.object['spec'], e.prev?.['spec']) || !deepEqual(e.object['metadata']['labels'], e.prev?.['metadata']?.['labels'])) {
      for (const k of this.unschedulable) {
        const i = k.indexOf('/');
        const p = this.c.store.get('pods', k.slice(0, i), k.slice(i + 1));
        if (p) this.enqueue(p);
      }
    }
  }

  private sync(ns: string, name: string): void {
    const c = this.c;
    const pod = c.store.get('pods', ns, name);
    if (!pod) return;
    if (pod['metadata']['deletionTimestamp']) {
      if (((pod['metadata']['finalizers'] ?? []) as unknown[]).length === 0) c.api.internalRemove('pods', ns, name);
      return;
    }
    const nodeName = pod['spec']?.['nodeName'] as string | undefined;
    if (!nodeName) {
      this.schedule(pod);
      return;
    }
    const node = c.store.get('nodes', '', nodeName);
    if (!node) {
      // the pod garbage collector removes pods of deleted nodes
      c.api.internalRemove('pods', ns, name);
      return;
    }
    if (!isNodeReady(node)) {
      if (condition(pod, 'Ready')?.['status'] === 'True') {
        const p: Obj = { ...pod, status: { ...pod['status'] } };
        p['status']['conditions'] = setCondition(p['status']['conditions'] ?? [], { type: 'Ready', status: 'False' }, { probeTime: true });
        this.readySince.delete(pod['metadata']['uid']);
        c.api.internalUpdate('pods', p, 'node-controller', 'status');
      }
      return;
    }
    this.runContainers(pod, node);
  }

  // ---------------------------------------------------------------- scheduler

  private schedule(pod: Obj): void {
    const c = this.c;
    const spec = pod['spec'] as Obj;
    const k = `${pod['metadata']['namespace']}/${pod['metadata']['name']}`;
    const pinned = pinnedNode(spec);
    const nodes = pinned ? [c.store.get('nodes', '', pinned)].filter((n): n is Obj => !!n) : c.store.list('nodes', '');
    const reasons = new Map<string, number>();
    const why = (r: string) => reasons.set(r, (reasons.get(r) ?? 0) + 1);
    let best: Obj | undefined;
    let bestCount = Infinity;
    for (const n of nodes) {
      if (!nodeMatchesPodSpec(spec, n)) {
        why("node(s) didn't match Pod's node affinity/selector");
        continue;
      }
      const bad = ((n['spec']?.['taints'] ?? []) as Obj[]).find((t) => (t['effect'] === 'NoSchedule' || t['effect'] === 'NoExecute') && !tolerates(spec['tolerations'], t));
      if (bad) {
        why(`node(s) had untolerated taint {${bad['key']}: ${bad['value'] ?? ''}}`);
        continue;
      }
      if (!pinned) {
        if (n['spec']?.['unschedulable'] && !tolerates(spec['tolerations'], { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })) {
          why('node(s) were unschedulable');
          continue;
        }
        if (!isNodeReady(n) && !tolerates(spec['tolerations'], { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' })) {
          why('node(s) had untolerated taint {node.kubernetes.io/not-ready: }');
          continue;
        }
      }
      const count = c.store.podsOn(n['metadata']['name']).length;
      if (count < bestCount) {
        best = n;
        bestCount = count;
      }
    }
    // stored objects are immutable: copy what changes, share the rest
    const p: Obj = { ...pod };
    if (!best) {
      this.unschedulable.add(k);
      const total = pinned ? c.store.count('nodes') : nodes.length;
      const msg = `0/${total} nodes are available: ${[...reasons.entries()].map(([r, n]) => `${n} ${r}`).sort().join(', ') || `${total} node(s) didn't match Pod's node affinity/selector`}. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
      p['status'] = { ...(p['status'] ?? {}), phase: 'Pending' };
      p['status']['conditions'] = setCondition(p['status']['conditions'] ?? [], { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: msg }, { probeTime: true });
      const changed = c.api.internalUpdate('pods', p, 'kube-scheduler', 'status') !== pod;
      if (changed) c.events.record(pod, 'Warning', 'FailedScheduling', msg, 'default-scheduler');
      return;
    }
    this.unschedulable.delete(k);
    const nodeName = best['metadata']['name'] as string;
    // the binding sets spec.nodeName and the PodScheduled condition in one write
    p['spec'] = { ...p['spec'], nodeName };
    p['status'] = { ...(p['status'] ?? {}), phase: 'Pending' };
    p['status']['conditions'] = setCondition(p['status']['conditions'] ?? [], { type: 'PodScheduled', status: 'True' }, { probeTime: true });
    c.api.internalUpdate('pods', p, 'kube-scheduler', 'main');
    c.events.record(pod, 'Normal', 'Scheduled', `Successfully assigned ${pod['metadata']['namespace']}/${pod['metadata']['name']} to ${nodeName}`, 'default-scheduler');
  }

  // ---------------------------------------------------------------- containers

  private podIp(pod: Obj, node: Obj): string {
    const hostIp = ((node['status']?.['addresses'] ?? []) as Obj[]).find((a) => a['type'] === 'InternalIP')?.['address'] ?? '10.200.33.10';
    if (pod['spec']?.['hostNetwork']) return hostIp;
    const n = node['metadata']['name'] as string;
    let idx = this.nodeIndex.get(n);
    if (idx === undefined) {
      idx = this.nodeIndex.size;
      this.nodeIndex.set(n, idx);
    }
    // the node's share of the running Weave Net's range (dataplane.ts); the old scheme when it has none left
    const fromShare = allocatePodIp(this.c.store, n);
    if (fromShare) return fromShare;
    const k = (this.podIpCounter.get(n) ?? 0) + 1;
    this.podIpCounter.set(n, k);
    // weave's default range 10.32.0.0/12, a /22 per node
    const base = (10 << 24) + (32 << 16) + idx * 1024 + k;
    return [(base >>> 24) & 255, (base >>> 16) & 255, (base >>> 8) & 255, base & 255].join('.');
  }

  private runContainers(pod: Obj, node: Obj): void {
    const c = this.c;
    const p: Obj = { ...pod, status: { ...(pod['status'] ?? {}) } };
    const spec = p['spec'] as Obj;
    const st = p['status'] as Obj;
    const nodeName = node['metadata']['name'] as string;
    const now = nowRfc3339();
    const minor = c.surface.k8s.minor;
    const containers = (spec['containers'] ?? []) as Obj[];
    const inits = (spec['initContainers'] ?? []) as Obj[];
    let requeue = 0;

    if (!Array.isArray(st['containerStatuses'])) {
      // sandbox created: containers being created
      st['phase'] = 'Pending';
      const hostIP = ((node['status']?.['addresses'] ?? []) as Obj[]).find((a) => a['type'] === 'InternalIP')?.['address'];
      st['hostIP'] = hostIP;
      if (minor >= 28) st['hostIPs'] = [{ ip: hostIP }];
      const ip = this.podIp(p, node);
      st['podIP'] = ip;
      if (minor >= 16) st['podIPs'] = [{ ip }];
      st['startTime'] = now;
      let conds = (st['conditions'] ?? []) as Obj[];
      if (minor >= 29) conds = setCondition(conds, { type: 'PodReadyToStartContainers', status: 'True' }, { probeTime: true });
      conds = setCondition(conds, inits.length ? { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: `containers with incomplete status: [${inits.map((x) => x['name']).join(' ')}]` } : { type: 'Initialized', status: 'True' }, { probeTime: true });
      conds = setCondition(conds, { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${containers.map((x) => x['name']).join(' ')}]` }, { probeTime: true });
      conds = setCondition(conds, { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${containers.map((x) => x['name']).join(' ')}]` }, { probeTime: true });
      conds = setCondition(conds, { type: 'PodScheduled', status: 'True' }, { probeTime: true });
      st['conditions'] = orderConditions(conds);
      if (inits.length) st['initContainerStatuses'] = inits.map((ic) => this.waiting(ic, 'PodInitializing'));
      st['containerStatuses'] = containers.map((cc) => this.waiting(cc, inits.length ? 'PodInitializing' : 'ContainerCreating'));
      st['qosClass'] ??= 'BestEffort';
      c.api.internalUpdate('pods', p, 'kubelet', 'status');
      this.enqueue(p, 1);
      return;
    }

    // init containers: each runs to completion in one step unless a fault holds it
    let initsDone = true;
    if (inits.length) {
      const statuses = (st['initContainerStatuses'] ?? []) as Obj[];
      st['initContainerStatuses'] = inits.map((ic) => {
        const cur = statuses.find((s) => s['name'] === ic['name']) ?? this.waiting(ic, 'PodInitializing');
        if (cur['state']?.['terminated']?.['exitCode'] === 0) return cur;
        const fault = c.faults.podFault(p, ic);
        if (!initsDone) return cur;
        if (fault && fault.type !== 'NeverReady') {
          initsDone = false;
          const r = this.faulted(p, ic, cur, fault, nodeName);
          requeue = requeue ? Math.min(requeue, r.requeue) : r.requeue;
          return r.status;
        }
        return { ...this.base(ic, cur), state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now, containerID: cur['containerID'] ?? this.containerId() } }, lastState: {}, ready: true, restartCount: cur['restartCount'] ?? 0, ...(minor >= 16 ? { started: false } : {}) };
      });
      if (initsDone) {
        st['conditions'] = orderConditions(setCondition(st['conditions'] ?? [], { type: 'Initialized', status: 'True' }, { probeTime: true }));
      }
    }

    const statuses = (st['containerStatuses'] ?? []) as Obj[];
    st['containerStatuses'] = containers.map((cc) => {
      const cur = statuses.find((s) => s['name'] === cc['name']) ?? this.waiting(cc, 'ContainerCreating');
      if (!initsDone) return cur;
      const fault = c.faults.podFault(p, cc);
      if (fault) {
        const r = this.faulted(p, cc, cur, fault, nodeName);
        if (r.requeue) requeue = requeue ? Math.min(requeue, r.requeue) : r.requeue;
        return r.status;
      }
      // healthy: running, then ready (after the readiness probe's initial delay)
      const running = cur['state']?.['running'];
      const rk = `${p['metadata']['uid']}/${cc['name']}`;
      if (running) {
        const at = this.readyAt.get(rk) ?? 0;
        if (c.loop.step < at) {
          const wait = at - c.loop.step;
          requeue = requeue ? Math.min(requeue, wait) : wait;
          return { ...cur, ready: false };
        }
        return { ...cur, ready: true };
      }
      {
        const probe = cc['readinessProbe'];
        const delay = isPlainObject(probe) ? Math.max(1, Number(probe['initialDelaySeconds'] ?? 0)) : 0;
        this.readyAt.set(rk, c.loop.step + delay);
        if (delay) requeue = requeue ? Math.min(requeue, delay) : delay;
        c.events.record(p, 'Normal', 'Pulled', `Container image "${cc['image']}" already present on machine`, 'kubelet', nodeName, `spec.containers{${cc['name']}}`);
        c.events.record(p, 'Normal', 'Created', `Created container ${cc['name']}`, 'kubelet', nodeName, `spec.containers{${cc['name']}}`);
        c.events.record(p, 'Normal', 'Started', `Started container ${cc['name']}`, 'kubelet', nodeName, `spec.containers{${cc['name']}}`);
        return { ...this.base(cc, cur), state: { running: { startedAt: now } }, lastState: cur['lastState'] ?? {}, ready: delay === 0, restartCount: cur['restartCount'] ?? 0, ...(minor >= 16 ? { started: true } : {}), containerID: cur['containerID'] ?? this.containerId() };
      }
    });

    const cs = st['containerStatuses'] as Obj[];
    const allReady = cs.length > 0 && cs.every((s) => s['ready'] === true);
    const anyStarted = cs.some((s) => s['state']?.['running'] || Number(s['restartCount'] ?? 0) > 0);
    st['phase'] = anyStarted ? 'Running' : 'Pending';
    const unready = cs.filter((s) => !s['ready']).map((s) => s['name']);
    let conds = (st['conditions'] ?? []) as Obj[];
    conds = setCondition(conds, allReady ? { type: 'Ready', status: 'True' } : { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` }, { probeTime: true });
    conds = setCondition(conds, allReady ? { type: 'ContainersReady', status: 'True' } : { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` }, { probeTime: true });
    st['conditions'] = orderConditions(conds);
    const uid = p['metadata']['uid'] as string;
    if (allReady && !this.readySince.has(uid)) this.readySince.set(uid, c.loop.step);
    if (!allReady) this.readySince.delete(uid);
    c.api.internalUpdate('pods', p, 'kubelet', 'status');
    if (requeue) this.enqueue(p, requeue);
  }

  private containerId(): string {
    return `containerd://${hex(64, this.c.rng)}`;
  }

  private base(cc: Obj, cur: Obj): Obj {
    const image = String(cc['image'] ?? '');
    return {
      name: cc['name'],
      image,
      imageID: cur['imageID'] || (cur['state']?.['running'] || cur['state']?.['terminated'] ? cur['imageID'] : `${image.includes('/') ? '' : 'docker.io/library/'}${image.split(':')[0]}@sha256:${hex(64, this.c.rng)}`),
      containerID: cur['containerID'],
    };
  }

  private waiting(cc: Obj, reason: string, message?: string): Obj {
    const w: Obj = { reason };
    if (message) w['message'] = message;
    const s: Obj = { name: cc['name'], state: { waiting: w }, lastState: {}, ready: false, restartCount: 0, image: cc['image'], imageID: '' };
    if (this.c.surface.k8s.minor >= 16) s['started'] = false;
    return s;
  }

  /** One step of a faulted container; returns its new status and when to look again. */
  private faulted(pod: Obj, cc: Obj, cur: Obj, fault: NonNullable<ReturnType<Core['faults']['podFault']>>, nodeName: string): { status: Obj; requeue: number } {
    const c = this.c;
    const now = nowRfc3339();
    const minor = c.surface.k8s.minor;
    const ns = pod['metadata']['namespace'] as string;
    const podName = pod['metadata']['name'] as string;
    const name = cc['name'] as string;
    const image = String(cc['image'] ?? '');
    const fieldPath = `spec.containers{${name}}`;
    const started = minor >= 16 ? { started: false } : {};
    const restartCount = Number(cur['restartCount'] ?? 0);
    const waitingReason = cur['state']?.['waiting']?.['reason'];
    switch (fault.type) {
      case 'ErrImagePull':
      case 'ImagePullBackOff': {
        const pullMsg = fault.message ?? `rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/${image.includes('/') ? '' : 'library/'}${image}": failed to resolve reference "docker.io/${image.includes('/') ? '' : 'library/'}${image}": docker.io/${image.includes('/') ? '' : 'library/'}${image}: not found`;
        let reason: string;
        if (fault.type === 'ErrImagePull') reason = 'ErrImagePull';
        else reason = waitingReason === 'ErrImagePull' || waitingReason === 'ImagePullBackOff' ? 'ImagePullBackOff' : 'ErrImagePull';
        const message = reason === 'ImagePullBackOff' ? `Back-off pulling image "${image}"` : pullMsg;
        if (reason !== waitingReason) {
          if (reason === 'ErrImagePull') {
            c.events.record(pod, 'Normal', 'Pulling', `Pulling image "${image}"`, 'kubelet', nodeName, fieldPath);
            c.events.record(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${pullMsg}`, 'kubelet', nodeName, fieldPath);
            c.events.record(pod, 'Warning', 'Failed', 'Error: ErrImagePull', 'kubelet', nodeName, fieldPath);
          } else {
            c.events.record(pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`, 'kubelet', nodeName, fieldPath);
            c.events.record(pod, 'Warning', 'Failed', 'Error: ImagePullBackOff', 'kubelet', nodeName, fieldPath);
          }
        }
        return { status: { ...this.waiting(cc, reason, message), restartCount, lastState: cur['lastState'] ?? {} }, requeue: 3 };
      }
      case 'CreateContainerConfigError': {
        const message = fault.message ?? `secret "${name}-config" not found`;
        if (waitingReason !== 'CreateContainerConfigError') c.events.record(pod, 'Warning', 'Failed', `Error: ${message}`, 'kubelet', nodeName, fieldPath);
        return { status: { ...this.waiting(cc, 'CreateContainerConfigError', message), restartCount, lastState: cur['lastState'] ?? {} }, requeue: 3 };
      }
      case 'NeverReady': {
        const running = cur['state']?.['running'];
        return {
          status: { ...this.base(cc, cur), state: { running: { startedAt: running?.['startedAt'] ?? now } }, lastState: cur['lastState'] ?? {}, ready: false, restartCount, ...(minor >= 16 ? { started: true } : {}), containerID: cur['containerID'] ?? this.containerId() },
          requeue: 0,
        };
      }
      case 'CrashLoopBackOff': {
        const running = cur['state']?.['running'];
        if (running) {
          // it crashes: terminated → waiting in CrashLoopBackOff, restartCount + 1
          const exitCode = fault.exitCode ?? 1;
          const lastState = { terminated: { exitCode, reason: 'Error', startedAt: running['startedAt'] ?? now, finishedAt: now, containerID: cur['containerID'] } };
          const backoff = Math.min(300, 10 * 2 ** Math.min(5, restartCount));
          const message = `back-off ${backoff >= 60 ? `${Math.floor(backoff / 60)}m${backoff % 60 ? `${backoff % 60}s` : ''}` : `${backoff}s`} restarting failed container=${name} pod=${podName}_${ns}(${pod['metadata']['uid']})`;
          c.podLogs.rotate(ns, podName, name);
          c.events.record(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${name} in pod ${podName}_${ns}(${pod['metadata']['uid']})`, 'kubelet', nodeName, fieldPath);
          return {
            status: { ...this.base(cc, cur), state: { waiting: { reason: 'CrashLoopBackOff', message } }, lastState, ready: false, restartCount: restartCount + 1, ...started, containerID: cur['containerID'] },
            requeue: 3,
          };
        }
        // (re)start: it runs for a step and writes its message
        const msg = fault.message ?? `${name}: exiting with code ${fault.exitCode ?? 1}`;
        c.podLogs.append(ns, podName, name, msg.endsWith('\n') ? msg : `${msg}\n`);
        return {
          status: { ...this.base(cc, cur), state: { running: { startedAt: now } }, lastState: cur['lastState'] ?? {}, ready: false, restartCount, ...(minor >= 16 ? { started: true } : {}), containerID: this.containerId() },
          requeue: 1,
        };
      }
    }
    return { status: cur, requeue: 0 };
  }
}

const CONDITION_ORDER = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];
function orderConditions(conds: Obj[]): Obj[] {
  return [...conds].sort((a, b) => {
    const ia = CONDITION_ORDER.indexOf(a['type']);
    const ib = CONDITION_ORDER.indexOf(b['type']);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  });
}
