/** The cluster's nodes and the controls a test has over them (`sim.nodes`). */

import { setCondition, type Core } from './core.js';
import { clone } from './patch.js';
import type { Obj } from './types.js';

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface AddNodeOptions {
  ready?: boolean;
  labels?: Record<string, string>;
  taints?: Taint[];
  /** default: the cluster's version */
  kubeletVersion?: string;
  /** default: 10.200.33.(10+n) */
  internalIP?: string;
}

function ipFromInt(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

const BASE_IP = (10 << 24) + (200 << 16) + (33 << 8) + 10;

export const NOT_READY_MESSAGE =
  'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized';

export class NodeControl {
  private index = 0;

  constructor(private readonly core: Core) {}

  private manager = 'kubelet';

  /** Adds a node (Ready unless told otherwise). */
  add(name?: string, opts: AddNodeOptions = {}): Obj {
    const c = this.core;
    const i = ++this.index;
    const n = name ?? `k8s-vm${i}`;
    if (c.store.get('nodes', '', n)) throw new Error(`node ${n} already exists`);
    const k8s = c.surface.k8s;
    const kubeletVersion = opts.kubeletVersion ?? k8s.gitVersion;
    const ip = opts.internalIP ?? ipFromInt(BASE_IP + i);
    const labels: Record<string, string> = {
      'beta.kubernetes.io/arch': 'amd64',
      'beta.kubernetes.io/os': 'linux',
      ...(k8s.minor >= 14 ? { 'kubernetes.io/arch': 'amd64', 'kubernetes.io/os': 'linux' } : {}),
      'kubernetes.io/hostname': n,
      ...opts.labels,
    };
    const ready = opts.ready ?? true;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const cond = (type: string, reason: string, message: string) => ({ type, status: 'False', lastHeartbeatTime: now, lastTransitionTime: now, reason, message });
    const conditions = [
      cond('MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      cond('DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      ...(k8s.minor >= 10 ? [cond('PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available')] : []),
      ready
        ? { type: 'Ready', status: 'True', lastHeartbeatTime: now, lastTransitionTime: now, reason: 'KubeletReady', message: 'kubelet is posting ready status' }
        : { type: 'Ready', status: 'False', lastHeartbeatTime: now, lastTransitionTime: now, reason: 'KubeletNotReady', message: NOT_READY_MESSAGE },
    ];
    const node: Obj = {
      metadata: { name: n, labels, annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' } },
      spec: opts.taints?.length ? { taints: clone(opts.taints) } : {},
      status: {
        capacity: { cpu: '4', 'ephemeral-storage': '101445540Ki', memory: '16393520Ki', pods: '110' },
        allocatable: { cpu: '4', 'ephemeral-storage': '93492209510', memory: '16291120Ki', pods: '110' },
        conditions,
        addresses: [
          { type: 'InternalIP', address: ip },
          { type: 'Hostname', address: n },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          machineID: c.rng.uid().replace(/-/g, ''),
          systemUUID: c.rng.uid().toUpperCase(),
          bootID: c.rng.uid(),
          kernelVersion: '5.15.0-105-generic',
          osImage: 'Ubuntu 22.04.4 LTS',
          containerRuntimeVersion: k8s.minor >= 20 ? 'containerd://1.7.12' : 'docker://17.3.2',
          kubeletVersion,
          kubeProxyVersion: kubeletVersion,
          operatingSystem: 'linux',
          architecture: 'amd64',
        },
      },
    };
    return c.api.internalCreate('nodes', 'Node', 'v1', node, this.manager);
  }

  /** Removes a node (its pods are deleted by the pod garbage collector a step later). */
  remove(name: string): void {
    if (!this.core.api.internalRemove('nodes', '', name)) throw new Error(`node ${name} not found`);
  }

  get(name: string): Obj | undefined {
    return this.core.store.get('nodes', '', name);
  }

  list(): Obj[] {
    return this.core.store.list('nodes', '');
  }

  names(): string[] {
    return this.list().map((n) => n['metadata']['name'] as string);
  }

  private mustGet(name: string): Obj {
    const n = this.get(name);
    if (!n) throw new Error(`node ${name} not found`);
    return clone(n);
  }

  /**
   * Sets the Ready condition. NotReady: Ready=False, reason KubeletNotReady with the CNI-not-ready message (or
   * `unknown: true` for Ready=Unknown "Kubelet stopped posting node status."). `taint: true` also adds the
   * `node.kubernetes.io/not-ready` (or unreachable) NoSchedule taint, as the node lifecycle controller does.
   */
  setReady(name: string, ready: boolean, opts: { unknown?: boolean; message?: string; taint?: boolean } = {}): void {
    const n = this.mustGet(name);
    const status = ready ? 'True' : opts.unknown ? 'Unknown' : 'False';
    const reason = ready ? 'KubeletReady' : opts.unknown ? 'NodeStatusUnknown' : 'KubeletNotReady';
    const message = opts.message ?? (ready ? 'kubelet is posting ready status' : opts.unknown ? 'Kubelet stopped posting node status.' : NOT_READY_MESSAGE);
    const conds = setCondition(n['status']['conditions'] ?? [], { type: 'Ready', status, reason, message });
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    n['status']['conditions'] = conds.map((x) => ({ type: x['type'], status: x['status'], lastHeartbeatTime: now, lastTransitionTime: x['lastTransitionTime'], reason: x['reason'], message: x['message'] }));
    this.core.api.internalUpdate('nodes', n, this.manager, 'status');
    const key = opts.unknown ? 'node.kubernetes.io/unreachable' : 'node.kubernetes.io/not-ready';
    if (!ready && opts.taint) this.taint(name, { key, effect: 'NoSchedule' });
    if (ready) {
      for (const k of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
        if ((this.get(name)?.['spec']?.['taints'] ?? []).some((t: Obj) => t['key'] === k)) this.untaint(name, k);
      }
    }
  }

  /** Adds (or replaces, by key and effect) a taint. */
  taint(name: string, taint: Taint): void {
    const n = this.mustGet(name);
    const taints = ((n['spec']['taints'] ?? []) as Obj[]).filter((t) => !(t['key'] === taint.key && t['effect'] === taint.effect));
    const t: Obj = { key: taint.key, effect: taint.effect };
    if (taint.value !== undefined) t['value'] = taint.value;
    if (taint.effect === 'NoExecute') t['timeAdded'] = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    taints.push(t);
    n['spec'] = { ...n['spec'], taints };
    this.core.api.internalUpdate('nodes', n, 'node-controller', 'main');
  }

  /** Removes taints with this key (and effect, when given). */
  untaint(name: string, key: string, effect?: string): void {
    const n = this.mustGet(name);
    const taints = ((n['spec']['taints'] ?? []) as Obj[]).filter((t) => !(t['key'] === key && (effect === undefined || t['effect'] === effect)));
    const spec = { ...n['spec'] };
    if (taints.length) spec['taints'] = taints;
    else delete spec['taints'];
    n['spec'] = spec;
    this.core.api.internalUpdate('nodes', n, 'node-controller', 'main');
  }

  /** `kubectl cordon` / `uncordon`. */
  cordon(name: string, unschedulable = true): void {
    const n = this.mustGet(name);
    const spec = { ...n['spec'] };
    if (unschedulable) spec['unschedulable'] = true;
    else delete spec['unschedulable'];
    n['spec'] = spec;
    this.core.api.internalUpdate('nodes', n, 'kubectl-cordon', 'main');
  }

  /** Sets labels (a value of null removes the label). */
  label(name: string, labels: Record<string, string | null>): void {
    const n = this.mustGet(name);
    const l: Record<string, string> = { ...(n['metadata']['labels'] ?? {}) };
    for (const [k, v] of Object.entries(labels)) {
      if (v === null) delete l[k];
      else l[k] = v;
    }
    n['metadata'] = { ...n['metadata'], labels: l };
    this.core.api.internalUpdate('nodes', n, 'kubectl-label', 'main');
  }
}
