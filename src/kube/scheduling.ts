/**
 * Which nodes a DaemonSet should run on, as the DaemonSet controller decides it
 * (NodeShouldRunDaemonPod): nodeName, nodeSelector, required node affinity, taints against the
 * pod's tolerations plus the ones the controller adds. Pure.
 */
import type { KubeObject } from '../cluster/types.js';
import { requirementMatches, type Requirement } from './selectors.js';

export interface Taint {
  key?: string;
  value?: string;
  effect?: string;
}
export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}
export interface SelectorTerm {
  matchExpressions?: Requirement[];
  matchFields?: Requirement[];
}

/**
 * The tolerations the DaemonSet controller adds to every daemon pod
 * (util.AddOrUpdateDaemonPodTolerations); network-unavailable only for hostNetwork pods.
 */
export function daemonPodTolerations(hostNetwork: boolean): Toleration[] {
  const t: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (hostNetwork) t.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  return t;
}

/** core/v1 Toleration.ToleratesTaint. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? '') {
    case '':
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

function describeTaint(t: Taint): string {
  return `${t.key ?? ''}${t.value ? `=${t.value}` : ''}:${t.effect ?? ''}`;
}

/** A NodeSelectorTerm: all of its expressions and fields; an empty term matches nothing. */
function termMatches(term: SelectorTerm, node: KubeObject): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  for (const e of exprs) if (!requirementMatches(e, e.key !== undefined && Object.hasOwn(labels, e.key) ? labels[e.key] : undefined)) return false;
  for (const f of fields) {
    if (f.key !== 'metadata.name') return false;
    if (!requirementMatches(f, node.metadata.name)) return false;
  }
  return true;
}

export interface NodeFit {
  node: string;
  eligible: boolean;
  /** Why the DaemonSet does not run there: "taint x:NoSchedule is not tolerated", ... */
  reason?: string;
}

/**
 * Whether a DaemonSet should run a pod on a node, as the DaemonSet controller decides it
 * (spec.nodeName, nodeSelector and required node affinity, NoSchedule/NoExecute taints against
 * the pod's tolerations plus the ones the controller adds). A cordoned node still gets daemon
 * pods: they tolerate node.kubernetes.io/unschedulable.
 */
export function daemonSetNodeFit(ds: KubeObject, node: KubeObject): NodeFit {
  const name = node.metadata.name;
  const pod = ds.spec?.template?.spec ?? {};
  if (typeof pod.nodeName === 'string' && pod.nodeName !== '' && pod.nodeName !== name) {
    return { node: name, eligible: false, reason: `the pod template's nodeName is ${pod.nodeName}` };
  }
  const labels = node.metadata.labels ?? {};
  const selector: Record<string, string> = pod.nodeSelector ?? {};
  for (const [k, v] of Object.entries(selector)) {
    if (!Object.hasOwn(labels, k) || labels[k] !== v) {
      const has = Object.hasOwn(labels, k) ? `node has ${k}=${labels[k]}` : `node has no label ${k}`;
      return { node: name, eligible: false, reason: `nodeSelector ${k}=${v} does not match (${has})` };
    }
  }
  const terms: unknown = pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (Array.isArray(terms) && !(terms as SelectorTerm[]).some((t) => termMatches(t ?? {}, node))) {
    return { node: name, eligible: false, reason: 'required node affinity does not match' };
  }
  const tolerations: Toleration[] = [...(Array.isArray(pod.tolerations) ? (pod.tolerations as Toleration[]) : []), ...daemonPodTolerations(pod.hostNetwork === true)];
  const taints: Taint[] = Array.isArray(node.spec?.taints) ? (node.spec.taints as Taint[]) : [];
  for (const taint of taints) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerations.some((t) => toleratesTaint(t, taint))) {
      return { node: name, eligible: false, reason: `taint ${describeTaint(taint)} is not tolerated` };
    }
  }
  return { node: name, eligible: true };
}
