/**
 * What keeps a pod's containers from running, in the kubelet's words (container waiting reasons,
 * the scheduler's Unschedulable), with the kubectl command that shows more. Used by rollout
 * diagnosis, `weavectl check` and `weavectl status`. Pure: objects in, findings out.
 */
import type { KubeObject } from '../cluster/types.js';
import { nodeIsReady } from './nodes.js';
import { podNode } from './pods.js';
import { oneLine } from '../util/text.js';

/** Container waiting reasons that mean the container is not going to start by itself soon. */
export const PROBLEM_REASONS = [
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'InvalidImageName',
] as const;

/** Restarts after which a CrashLoopBackOff is taken as a real crash loop rather than a hiccup. */
export const CRASH_LOOP_MIN_RESTARTS = 2;

/**
 * Whether a waiting reason is worth stopping the wait for.
 *
 * - ImagePullBackOff, InvalidImageName, CreateContainerConfigError: fatal. The kubelet only
 *   backs off after a pull has failed; a bad image name never resolves; a missing Secret or
 *   ConfigMap key needs someone to create it.
 * - ErrImagePull: NOT fatal on its own. It is the state right after one failed pull, and the
 *   kubelet turns it into ImagePullBackOff within seconds, which is fatal; so a pull that keeps
 *   failing still stops the wait early, while a single registry hiccup does not.
 * - CrashLoopBackOff: fatal once the container has restarted at least CRASH_LOOP_MIN_RESTARTS
 *   times (a component that exits once while it waits for the API server is normal).
 * - CreateContainerError: not fatal (often transient, e.g. "name already in use").
 */
export function isFatal(reason: string, restartCount = 0): boolean {
  switch (reason) {
    case 'ImagePullBackOff':
    case 'InvalidImageName':
    case 'CreateContainerConfigError':
      return true;
    case 'CrashLoopBackOff':
      return restartCount >= CRASH_LOOP_MIN_RESTARTS;
    default:
      return false;
  }
}

export interface PodProblem {
  pod: string;
  namespace?: string;
  /** The node the pod runs on or, for a DaemonSet pod not yet scheduled, the node it targets. */
  node?: string;
  /** false when the pod's node is known and not Ready (only when nodes were given). */
  nodeReady?: boolean;
  /** Empty for pod-level problems (Unschedulable). */
  container: string;
  initContainer: boolean;
  /** A waiting reason of PROBLEM_REASONS, or "Unschedulable". */
  reason: string;
  message: string;
  restartCount: number;
  /** "exit code 1 (Error)" from the container's last termination, when known. */
  lastTermination?: string;
  fatal: boolean;
}

/** The fields of a container status that podProblems reads. */
export interface ContainerStatus {
  name?: string;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string } };
  lastState?: { terminated?: { exitCode?: number; reason?: string; signal?: number } };
}

function lastTermination(cs: ContainerStatus): string | undefined {
  const t = cs.lastState?.terminated;
  if (!t) return undefined;
  const code = typeof t.exitCode === 'number' ? `exit code ${t.exitCode}` : t.signal ? `signal ${t.signal}` : 'terminated';
  return t.reason ? `${code} (${t.reason})` : code;
}

/**
 * Pods whose containers (init containers included) wait with one of PROBLEM_REASONS, and pods
 * the scheduler cannot place (PodScheduled=False, reason Unschedulable). Fatal ones first,
 * then by namespace/pod name. Pods being deleted are skipped.
 */
export function podProblems(pods: KubeObject[], nodes?: KubeObject[]): PodProblem[] {
  const ready = nodes ? new Map(nodes.map((n) => [n.metadata.name, nodeIsReady(n)])) : undefined;
  const out: PodProblem[] = [];
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const node = podNode(pod);
    const base = {
      pod: pod.metadata.name,
      ...(pod.metadata.namespace ? { namespace: pod.metadata.namespace } : {}),
      ...(node ? { node } : {}),
      ...(node && ready?.has(node) ? { nodeReady: ready.get(node) } : {}),
    };
    const lists: [unknown, boolean][] = [
      [pod.status?.initContainerStatuses, true],
      [pod.status?.containerStatuses, false],
    ];
    for (const [list, init] of lists) {
      if (!Array.isArray(list)) continue;
      for (const cs of list as ContainerStatus[]) {
        const reason = cs?.state?.waiting?.reason;
        if (!reason || !(PROBLEM_REASONS as readonly string[]).includes(reason)) continue;
        const restartCount = typeof cs.restartCount === 'number' ? cs.restartCount : 0;
        const term = lastTermination(cs);
        out.push({
          ...base,
          container: cs.name ?? '',
          initContainer: init,
          reason,
          message: (cs.state?.waiting?.message ?? '').trim(),
          restartCount,
          ...(term ? { lastTermination: term } : {}),
          fatal: isFatal(reason, restartCount),
        });
      }
    }
    const conditions: unknown = pod.status?.conditions;
    if (Array.isArray(conditions)) {
      const sched = (conditions as { type?: string; status?: string; reason?: string; message?: string }[]).find(
        (c) => c?.type === 'PodScheduled',
      );
      if (sched?.status === 'False' && sched.reason === 'Unschedulable') {
        out.push({ ...base, container: '', initContainer: false, reason: 'Unschedulable', message: (sched.message ?? '').trim(), restartCount: 0, fatal: false });
      }
    }
  }
  const key = (p: PodProblem) => `${p.namespace ?? ''}/${p.pod}`;
  return out
    .map((p, i) => ({ p, i }))
    .sort((a, b) => Number(b.p.fatal) - Number(a.p.fatal) || (key(a.p) < key(b.p) ? -1 : key(a.p) > key(b.p) ? 1 : a.i - b.i))
    .map((x) => x.p);
}

/**
 * One line: `pod kube-system/weave-net-x on node-a: container weave: CrashLoopBackOff
 * (3 restarts, last exit code 1 (Error)): back-off 40s restarting failed container=weave ...`.
 */
export function describePodProblem(p: PodProblem): string {
  const where = `pod ${p.namespace ? `${p.namespace}/` : ''}${p.pod}${p.node ? ` on ${p.node}${p.nodeReady === false ? ' (NotReady)' : ''}` : ''}`;
  const what = p.container ? `${p.initContainer ? 'init container' : 'container'} ${p.container}: ` : '';
  const details: string[] = [];
  if (p.reason === 'CrashLoopBackOff' || p.restartCount > 0) details.push(`${p.restartCount} restart${p.restartCount === 1 ? '' : 's'}`);
  if (p.lastTermination) details.push(`last ${p.lastTermination}`);
  const extra = details.length ? ` (${details.join(', ')})` : '';
  return `${where}: ${what}${p.reason}${extra}${p.message ? `: ${oneLine(p.message, Infinity)}` : ''}`;
}

/** What to do about a pod problem: the kubectl command that shows more. */
export function podProblemHint(p: PodProblem): string {
  const ns = p.namespace ? `-n ${p.namespace} ` : '';
  const c = p.container ? ` -c ${p.container}` : '';
  switch (p.reason) {
    case 'CrashLoopBackOff':
      return `see why it exits: kubectl ${ns}logs ${p.pod}${c} --previous`;
    case 'ImagePullBackOff':
    case 'ErrImagePull':
    case 'InvalidImageName':
      return `check the image reference and that the node can pull it (registry, credentials): kubectl ${ns}describe pod ${p.pod}`;
    case 'CreateContainerConfigError':
      return `a Secret or ConfigMap the pod refers to is missing: kubectl ${ns}describe pod ${p.pod}`;
    default:
      return `kubectl ${ns}describe pod ${p.pod}`;
  }
}
