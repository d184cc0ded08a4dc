/**
 * Objects as the API server holds them, for the tests: a Weave Net DaemonSet with its status (`ds`),
 * nodes (`node`) and its pods (`pod`) in the states a rollout goes through; a weave-net DaemonSet as
 * a user applies it, without status (`weaveNetDaemonSet`).
 */
import type { KubeObject } from '../../src/cluster/types.js';

export interface DsOpts {
  name?: string;
  namespace?: string;
  apiVersion?: string;
  generation?: number;
  observedGeneration?: number;
  desired?: number;
  /** Nodes running a pod of any template (status.currentNumberScheduled); default: desired. */
  current?: number;
  updated?: number;
  available?: number;
  ready?: number;
  rv?: string;
  strategy?: string | null;
  uid?: string;
  minReadySeconds?: number;
  tolerations?: unknown[];
  nodeSelector?: Record<string, string>;
  hostNetwork?: boolean;
}

export function ds(o: DsOpts = {}): KubeObject {
  const spec: Record<string, unknown> = {
    selector: { matchLabels: { name: o.name ?? 'weave-net' } },
    template: {
      metadata: { labels: { name: o.name ?? 'weave-net' } },
      spec: {
        ...(o.hostNetwork ? { hostNetwork: true } : {}),
        ...(o.tolerations ? { tolerations: o.tolerations } : {}),
        ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
        containers: [{ name: 'weave', image: 'weaveworks/weave-kube:2.8.1' }],
      },
    },
    ...(o.minReadySeconds !== undefined ? { minReadySeconds: o.minReadySeconds } : {}),
  };
  if (o.strategy !== null) spec.updateStrategy = { type: o.strategy ?? 'RollingUpdate' };
  return {
    apiVersion: o.apiVersion ?? 'apps/v1',
    kind: 'DaemonSet',
    metadata: {
      name: o.name ?? 'weave-net',
      namespace: o.namespace ?? 'kube-system',
      generation: o.generation ?? 1,
      resourceVersion: o.rv ?? '100',
      uid: o.uid ?? 'ds-uid',
      annotations: { 'deprecated.daemonset.template.generation': String(o.generation ?? 1) },
    },
    spec,
    status: {
      observedGeneration: o.observedGeneration ?? o.generation ?? 1,
      desiredNumberScheduled: o.desired ?? 3,
      currentNumberScheduled: o.current ?? o.desired ?? 3,
      updatedNumberScheduled: o.updated ?? o.desired ?? 3,
      numberAvailable: o.available ?? o.desired ?? 3,
      numberReady: o.ready ?? o.available ?? o.desired ?? 3,
    },
  };
}

/**
 * The weave-net DaemonSet a user applies (no status: a controller fills it in): Weave `version` on the
 * weave and weave-npc containers, `env` on weave, `npcArgs` on weave-npc.
 */
export function weaveNetDaemonSet(o: { version?: string; apiVersion?: string; env?: Record<string, string>; npcArgs?: string[] } = {}): KubeObject {
  const version = o.version ?? '2.8.1';
  return {
    apiVersion: o.apiVersion ?? 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'weave-net', namespace: 'kube-system', labels: { name: 'weave-net' } },
    spec: {
      selector: { matchLabels: { name: 'weave-net' } },
      template: {
        metadata: { labels: { name: 'weave-net' } },
        spec: {
          hostNetwork: true,
          tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }],
          containers: [
            { name: 'weave', image: `weaveworks/weave-kube:${version}`, env: Object.entries(o.env ?? {}).map(([name, value]) => ({ name, value })) },
            { name: 'weave-npc', image: `weaveworks/weave-npc:${version}`, ...(o.npcArgs?.length ? { args: o.npcArgs } : {}) },
          ],
        },
      },
    },
  };
}

export function node(name: string, o: { ready?: boolean | 'Unknown'; taints?: unknown[]; labels?: Record<string, string>; unschedulable?: boolean; reason?: string; message?: string } = {}): KubeObject {
  const status = o.ready === undefined || o.ready === true ? 'True' : o.ready === 'Unknown' ? 'Unknown' : 'False';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...(o.labels ?? {}) } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: {
      conditions: [
        {
          type: 'Ready',
          status,
          ...(o.reason ? { reason: o.reason } : {}),
          ...(o.message ? { message: o.message } : {}),
          lastTransitionTime: '2025-01-01T00:00:00Z',
        },
      ],
    },
  };
}

export interface PodOpts {
  node?: string;
  pendingFor?: string;
  generation?: number;
  hash?: string;
  ready?: boolean;
  readySince?: string;
  waiting?: { reason: string; message?: string; restartCount?: number; container?: string; init?: boolean };
  lastExit?: { exitCode: number; reason?: string };
  owner?: string;
  deleting?: boolean;
  phase?: string;
  namespace?: string;
  unschedulable?: string;
}

export function pod(name: string, o: PodOpts = {}): KubeObject {
  const containerStatus = (cname: string, w?: PodOpts['waiting']) => ({
    name: cname,
    restartCount: w?.restartCount ?? 0,
    ready: !w && o.ready !== false,
    state: w ? { waiting: { reason: w.reason, ...(w.message ? { message: w.message } : {}) } } : { running: { startedAt: '2025-01-01T00:00:00Z' } },
    ...(o.lastExit ? { lastState: { terminated: o.lastExit } } : {}),
  });
  const w = o.waiting;
  const conditions: unknown[] = [{ type: 'Ready', status: o.ready === false || w ? 'False' : 'True', lastTransitionTime: o.readySince ?? '2025-01-01T00:00:00Z' }];
  if (o.unschedulable) conditions.push({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: o.unschedulable });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.namespace ?? 'kube-system',
      labels: {
        name: 'weave-net',
        'pod-template-generation': String(o.generation ?? 1),
        ...(o.hash ? { 'controller-revision-hash': o.hash } : {}),
      },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'weave-net', uid: o.owner ?? 'ds-uid', controller: true }],
      ...(o.deleting ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}),
    },
    spec: {
      ...(o.node ? { nodeName: o.node } : {}),
      ...(o.pendingFor
        ? {
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [o.pendingFor] }] }],
                },
              },
            },
          }
        : {}),
      containers: [{ name: 'weave' }, { name: 'weave-npc' }],
    },
    status: {
      phase: o.phase ?? (w && w.init ? 'Pending' : 'Running'),
      conditions,
      ...(w?.init
        ? { initContainerStatuses: [containerStatus(w.container ?? 'weave-init', w)], containerStatuses: [] }
        : {
            containerStatuses: [
              containerStatus('weave', w && (w.container ?? 'weave') === 'weave' ? w : undefined),
              containerStatus('weave-npc', w && w.container === 'weave-npc' ? w : undefined),
            ],
          }),
    },
  };
}
