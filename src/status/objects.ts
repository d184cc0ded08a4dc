/**
 * The Kubernetes objects of a Weave Net status, reduced to what the report needs: the weave-net DaemonSet
 * (its counts, image, settings), its pods (containers' states, node, problems) and the nodes. Pure.
 */
import { compareWeave, releaseLine } from '../weave/releases.js';
import type { KubeObject } from '../cluster/types.js';
import { NPC_CONTAINER, WEAVE_CONTAINER } from '../weave/names.js';
import { describePodProblem, podProblems } from '../kube/pod-problems.js';
import { nodeIsReady } from '../kube/nodes.js';
import { podIsReady, podNode } from '../kube/pods.js';
import { daemonSetNodeFit } from '../kube/scheduling.js';
import { daemonSetCounts, daemonSetStatus } from '../rollout/status.js';
import { versionFromImage } from './parse.js';

/**
 * The CONN_LIMIT default of a Weave release, from the release table (src/weave/releases.ts: launch.sh
 * `CONN_LIMIT=${CONN_LIMIT:-N}` per line): each peer connects to at most this many others, so on bigger
 * clusters a peer is not connected to every other peer directly. Before the table's first line (1.9.4)
 * weaver's own flag default applies: 30 (v1.8.2 prog/weaver/main.go `-conn-limit`); an unknown version: 200.
 */
export function defaultConnLimit(version: string | undefined): number {
  const m = /^v?(\d+\.\d+\.\d+)/.exec(version ?? '');
  if (!m) return 200;
  if (compareWeave(m[1]!, '1.9.4') < 0) return 30;
  return releaseLine(m[1]!)?.connLimitDefault ?? 200;
}

export interface ContainerState {
  state: 'running' | 'waiting' | 'terminated' | 'unknown';
  reason?: string;
  ready: boolean;
  restarts: number;
}

export interface PodSummary {
  name: string;
  node?: string;
  phase: string;
  ready: boolean;
  containersReady: number;
  containers: number;
  restarts: number;
  image?: string;
  weave?: ContainerState;
  /** undefined when the pod has no weave-npc container (--disable-npc). */
  npc?: ContainerState;
  npcInSpec: boolean;
  terminating: boolean;
  /** status.hostIP: the node's address (weave pods use the host network). */
  hostIP?: string;
  /** CrashLoopBackOff, ImagePullBackOff... in one line (src/kube/pod-problems.ts). */
  problem?: string;
  ownerUid?: string;
}

export interface NodeSummary {
  name: string;
  ready: boolean;
  /** The DaemonSet should run a pod there (taints, selectors). */
  eligible: boolean;
  internalIP?: string;
}

export interface DaemonSetSummary {
  name: string;
  namespace: string;
  apiVersion: string;
  uid?: string;
  desired: number;
  updated: number;
  ready: number;
  available: number;
  message: string;
  done: boolean;
  image?: string;
  version?: string;
  ipallocRange?: string;
  connLimit: number;
  npc: boolean;
  /** WEAVE_MTU when the DaemonSet sets it as a number. */
  mtu?: number;
  /** WEAVE_NO_FASTDP is set (v2.8.1 prog/weave-kube/launch.sh: any non-empty value passes --no-fastdp): sleeve is intended. */
  noFastdp?: boolean;
}

function containerState(status: any): ContainerState { // eslint-disable-line @typescript-eslint/no-explicit-any
  const restarts = typeof status?.restartCount === 'number' ? status.restartCount : 0;
  const ready = status?.ready === true;
  const s = status?.state ?? {};
  if (s.running) return { state: 'running', ready, restarts };
  if (s.waiting) return { state: 'waiting', ...(s.waiting.reason ? { reason: String(s.waiting.reason) } : {}), ready, restarts };
  if (s.terminated) return { state: 'terminated', ...(s.terminated.reason ? { reason: String(s.terminated.reason) } : {}), ready, restarts };
  return { state: 'unknown', ready, restarts };
}

export function summarizePod(pod: KubeObject): PodSummary {
  const spec = pod.spec ?? {};
  const containers: { name?: string; image?: string }[] = Array.isArray(spec.containers) ? spec.containers : [];
  const statuses: { name?: string }[] = Array.isArray(pod.status?.containerStatuses) ? pod.status.containerStatuses : [];
  const byName = new Map(statuses.map((s) => [s?.name, s]));
  const weaveSpec = containers.find((c) => c?.name === WEAVE_CONTAINER);
  const npcInSpec = containers.some((c) => c?.name === NPC_CONTAINER);
  const problems = podProblems([pod]);
  const node = podNode(pod);
  const ctrl = pod.metadata.ownerReferences?.find((o) => o.controller);
  return {
    name: pod.metadata.name,
    ...(node ? { node } : {}),
    phase: typeof pod.status?.phase === 'string' ? pod.status.phase : 'Unknown',
    ready: podIsReady(pod),
    containersReady: statuses.filter((s) => (s as { ready?: boolean }).ready === true).length,
    containers: containers.length,
    restarts: statuses.reduce((n, s) => n + (typeof (s as { restartCount?: number }).restartCount === 'number' ? (s as { restartCount: number }).restartCount : 0), 0),
    ...(weaveSpec?.image ? { image: weaveSpec.image } : {}),
    ...(byName.has(WEAVE_CONTAINER) ? { weave: containerState(byName.get(WEAVE_CONTAINER)) } : {}),
    ...(byName.has(NPC_CONTAINER) ? { npc: containerState(byName.get(NPC_CONTAINER)) } : {}),
    npcInSpec,
    terminating: Boolean(pod.metadata.deletionTimestamp),
    ...(typeof pod.status?.hostIP === 'string' && pod.status.hostIP ? { hostIP: pod.status.hostIP } : {}),
    ...(problems.length ? { problem: describePodProblem(problems[0]!) } : {}),
    ...(ctrl?.uid ? { ownerUid: ctrl.uid } : {}),
  };
}

export function summarizeNode(node: KubeObject, ds?: KubeObject): NodeSummary {
  const addresses: { type?: string; address?: string }[] = Array.isArray(node.status?.addresses) ? node.status.addresses : [];
  const ip = addresses.find((a) => a?.type === 'InternalIP')?.address;
  return {
    name: node.metadata.name,
    ready: nodeIsReady(node),
    eligible: ds ? daemonSetNodeFit(ds, node).eligible : true,
    ...(ip ? { internalIP: ip } : {}),
  };
}

export function summarizeDaemonSet(ds: KubeObject): DaemonSetSummary {
  const st = daemonSetStatus(ds);
  const counts = daemonSetCounts(ds);
  const containers: { name?: string; image?: string; env?: { name?: string; value?: string }[] }[] = Array.isArray(ds.spec?.template?.spec?.containers)
    ? ds.spec.template.spec.containers
    : [];
  const weave = containers.find((c) => c?.name === WEAVE_CONTAINER);
  const env = new Map((weave?.env ?? []).map((e) => [e?.name, e?.value]));
  const version = versionFromImage(weave?.image);
  const connLimit = Number.parseInt(env.get('CONN_LIMIT') ?? '', 10);
  const expectNpc = env.get('EXPECT_NPC');
  return {
    name: ds.metadata.name,
    namespace: ds.metadata.namespace ?? '',
    apiVersion: ds.apiVersion ?? 'apps/v1',
    ...(ds.metadata.uid ? { uid: ds.metadata.uid } : {}),
    ...counts,
    message: st.message || st.error || '',
    done: st.done,
    ...(weave?.image ? { image: weave.image } : {}),
    ...(version ? { version } : {}),
    ...(env.get('IPALLOC_RANGE') ? { ipallocRange: env.get('IPALLOC_RANGE')! } : {}),
    connLimit: Number.isInteger(connLimit) && connLimit > 0 ? connLimit : defaultConnLimit(version),
    npc: containers.some((c) => c?.name === NPC_CONTAINER) && expectNpc !== '0',
    ...(/^\d+$/.test(env.get('WEAVE_MTU') ?? '') ? { mtu: Number(env.get('WEAVE_MTU')) } : {}),
    ...(env.get('WEAVE_NO_FASTDP') ? { noFastdp: true } : {}),
  };
}
