/**
 * Facts about one pod, as Kubernetes defines them (k8s.io/kubernetes pkg/api/v1/pod util.go:
 * IsPodReady, IsPodAvailable): the node it is on, whether it is Ready, whether it is available.
 * Pure: objects in, answers out.
 */
import type { KubeObject } from '../cluster/types.js';
import { conditionOf } from './conditions.js';

/**
 * The node a pod is on: spec.nodeName, or for a pending DaemonSet pod the node its required
 * node affinity pins it to (matchFields metadata.name In [node]), which the DaemonSet
 * controller sets since Kubernetes 1.12.
 */
export function podNode(pod: KubeObject): string | undefined {
  const nodeName: unknown = pod.spec?.nodeName;
  if (typeof nodeName === 'string' && nodeName !== '') return nodeName;
  const terms: unknown = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!Array.isArray(terms)) return undefined;
  for (const t of terms as { matchFields?: { key?: string; operator?: string; values?: string[] }[] }[]) {
    for (const f of t?.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

/** podutil.IsPodAvailable: Ready, and Ready for longer than minReadySeconds. */
export function podAvailability(pod: KubeObject, minReadySeconds: number, now: number): { available: boolean; detail?: string } {
  const c = conditionOf(pod, 'Ready');
  if (c?.status !== 'True') {
    const phase: unknown = pod.status?.phase;
    return { available: false, detail: `not Ready${typeof phase === 'string' && phase !== 'Running' ? ` (${phase})` : ''}` };
  }
  if (minReadySeconds <= 0) return { available: true };
  const since = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  if (!Number.isNaN(since) && since + minReadySeconds * 1000 < now) return { available: true };
  const readyFor = Number.isNaN(since) ? 0 : Math.max(0, Math.floor((now - since) / 1000));
  return { available: false, detail: `Ready for ${readyFor}s of minReadySeconds ${minReadySeconds}` };
}

/**
 * podutil.IsPodReady: the pod's Ready condition is True (kubectl's READY column, the endpoints
 * controller). A pod being deleted still counts as Ready until its condition changes.
 */
export function podIsReady(pod: KubeObject): boolean {
  return conditionOf(pod, 'Ready')?.status === 'True';
}

/**
 * Ready (podIsReady), Running, and not being deleted: a pod to exec into now. A pod being deleted
 * can still report Ready while it shuts down, and a pod that is not Running has no container to
 * exec into. `weavectl npc rules` picks the weave-net pod it reads the rules from with it.
 */
export function podIsReadyAndNotTerminating(pod: KubeObject): boolean {
  return pod.status?.phase === 'Running' && !pod.metadata.deletionTimestamp && podIsReady(pod);
}
