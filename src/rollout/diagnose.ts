/**
 * What kubectl rollout status does not tell (kubectl#738, kubernetes#64331, #53023, #113844):
 * which eligible nodes still lack a pod, an updated pod or an available pod; why a DaemonSet wants
 * zero pods on a cluster that has nodes; what to do with an OnDelete DaemonSet; pod problems
 * (crash loops, image pulls) as rollout problems. The Kubernetes facts these rest on (pod problems,
 * NotReady nodes, which nodes a DaemonSet fits, label selectors) are in src/kube/.
 *
 * Pure: objects in, findings out. The wait loop (./wait.ts) turns them into an early stop or
 * into the "still missing" part of a timeout message.
 */
import type { KubeObject } from '../cluster/types.js';
import { conditionOf, type Condition } from '../kube/conditions.js';
import { nodeReadyCondition } from '../kube/nodes.js';
import { describePodProblem, podProblemHint, PROBLEM_REASONS, type ContainerStatus, type PodProblem } from '../kube/pod-problems.js';
import { podAvailability, podNode } from '../kube/pods.js';
import { daemonSetNodeFit, type NodeFit } from '../kube/scheduling.js';
import { daemonSetSelector } from '../kube/selectors.js';
import { daemonSetCounts, daemonSetStrategy } from './status.js';

/**
 * fatal:    stop waiting now and fail (the rollout cannot finish without someone acting);
 * blocking: the rollout is not done even if the status viewer says so (keep waiting);
 * info:     worth saying while waiting and when the time runs out.
 */
export type Severity = 'fatal' | 'blocking' | 'info';

export interface Problem {
  severity: Severity;
  /** One line, naming the pod / node / reason. */
  message: string;
  hint?: string;
}

export function podProblemToProblem(p: PodProblem): Problem {
  return { severity: p.fatal ? 'fatal' : 'info', message: describePodProblem(p), hint: podProblemHint(p) };
}

// ---------------------------------------------------------------------------------------------
// Which eligible nodes lack a pod, an updated pod, an available pod

export interface MissingOnNode {
  node: string;
  /** The first thing missing there: a pod at all, a pod of the current template, an available one. */
  missing: 'pod' | 'updated' | 'available';
  /** The pod that is there but not good enough. */
  pod?: string;
  /** Why that pod is not available: "not Ready", "Ready for 2s of minReadySeconds 5". */
  detail?: string;
}

export interface MissingOptions {
  /** ms since the epoch; "now" for the minReadySeconds check. */
  now: number;
  /** The current ControllerRevision hash (label controller-revision-hash), when known. */
  currentRevisionHash?: string;
}

/** The DaemonSet's template generation: the apps/v1 annotation, the extensions/v1beta1 field, or metadata.generation. */
export function templateGeneration(ds: KubeObject): string | undefined {
  const ann = ds.metadata.annotations?.['deprecated.daemonset.template.generation'];
  if (ann) return ann;
  const field: unknown = ds.spec?.templateGeneration;
  if (typeof field === 'number') return String(field);
  return typeof ds.metadata.generation === 'number' ? String(ds.metadata.generation) : undefined;
}

/** The DaemonSet controller's IsPodUpdated: the template generation label or the revision hash matches. */
export function isPodUpdated(ds: KubeObject, pod: KubeObject, currentRevisionHash?: string): boolean {
  const labels = pod.metadata.labels ?? {};
  const gen = templateGeneration(ds);
  const templateMatches = gen !== undefined && labels['pod-template-generation'] === gen;
  const hashMatches = !!currentRevisionHash && labels['controller-revision-hash'] === currentRevisionHash;
  return templateMatches || hashMatches;
}

function ownedBy(pod: KubeObject, uid: string | undefined): boolean {
  if (!uid) return true;
  const ctrl = pod.metadata.ownerReferences?.find((o) => o.controller);
  return ctrl === undefined ? false : ctrl.uid === uid;
}

/**
 * For each node the DaemonSet should run on: no pod at all, no pod of the current template,
 * or no available pod (Ready for minReadySeconds). Only nodes that lack something are listed,
 * by node name. Pods owned by another controller (when the DaemonSet's uid is known) and pods
 * being deleted do not count.
 */
export function missingOnNodes(ds: KubeObject, pods: KubeObject[], nodes: KubeObject[], opts: MissingOptions): MissingOnNode[] {
  const minReady = typeof ds.spec?.minReadySeconds === 'number' ? ds.spec.minReadySeconds : 0;
  const byNode = new Map<string, KubeObject[]>();
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp || !ownedBy(pod, ds.metadata.uid)) continue;
    const phase: unknown = pod.status?.phase;
    if (phase === 'Failed' || phase === 'Succeeded') continue;
    const node = podNode(pod);
    if (!node) continue;
    const list = byNode.get(node) ?? [];
    list.push(pod);
    byNode.set(node, list);
  }
  const out: MissingOnNode[] = [];
  for (const node of [...nodes].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))) {
    if (!daemonSetNodeFit(ds, node).eligible) continue;
    const name = node.metadata.name;
    const here = byNode.get(name) ?? [];
    if (here.length === 0) {
      out.push({ node: name, missing: 'pod' });
      continue;
    }
    const updated = here.filter((p) => isPodUpdated(ds, p, opts.currentRevisionHash));
    if (updated.length === 0) {
      out.push({ node: name, missing: 'updated', pod: here[0]!.metadata.name, detail: 'runs an old pod template' });
      continue;
    }
    const availability = updated.map((p) => ({ p, a: podAvailability(p, minReady, opts.now) }));
    if (!availability.some((x) => x.a.available)) {
      const first = availability[0]!;
      out.push({ node: name, missing: 'available', pod: first.p.metadata.name, ...(first.a.detail ? { detail: first.a.detail } : {}) });
    }
  }
  return out;
}

function listNames(names: string[], max = 5): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/** One line: `no pod on node-c; no updated pod on node-b; no available pod on node-a (weave-net-x: not Ready)`. */
export function describeMissing(missing: MissingOnNode[]): string {
  const parts: string[] = [];
  const noPod = missing.filter((m) => m.missing === 'pod').map((m) => m.node);
  if (noPod.length) parts.push(`no pod on ${listNames(noPod)}`);
  const old = missing.filter((m) => m.missing === 'updated').map((m) => m.node);
  if (old.length) parts.push(`no updated pod on ${listNames(old)}`);
  const unavailable = missing.filter((m) => m.missing === 'available');
  if (unavailable.length) {
    const shown = unavailable.slice(0, 5).map((m) => `${m.node} (${m.pod}${m.detail ? `: ${m.detail}` : ''})`);
    parts.push(`no available pod on ${shown.join(', ')}${unavailable.length > 5 ? ` and ${unavailable.length - 5} more` : ''}`);
  }
  return parts.join('; ');
}

// ---------------------------------------------------------------------------------------------
// desiredNumberScheduled = 0 on a cluster with nodes

export interface ZeroDesired {
  /** Stop now: no node can take the pod, which no amount of waiting changes. */
  fatal: boolean;
  message: string;
  hint: string;
  /** Nodes our reading of the DaemonSet says should get a pod (the controller has not caught up). */
  eligible: string[];
  /** Nodes the DaemonSet excludes, with the reason. */
  excluded: NodeFit[];
}

/**
 * kubectl calls a DaemonSet with desiredNumberScheduled 0 "successfully rolled out". On a
 * cluster that has schedulable (not cordoned) nodes that is almost never what the user wants
 * (a CNI or an agent must run on every node), and the usual causes are a taint the pods do not
 * tolerate (control-plane, a custom NoSchedule), a nodeSelector or affinity that matches no node.
 * Returns undefined when the DaemonSet wants pods, has not been observed yet, or there is no
 * schedulable node.
 *
 * fatal when no node at all fits (the explanation is definitive); when some node fits by our
 * reading, the controller has not caught up yet: not done, but not a reason to stop.
 */
export function zeroDesiredButSchedulable(ds: KubeObject, nodes: KubeObject[]): ZeroDesired | undefined {
  if (daemonSetCounts(ds).desired !== 0) return undefined;
  const gen = typeof ds.metadata.generation === 'number' ? ds.metadata.generation : 0;
  const observed = typeof ds.status?.observedGeneration === 'number' ? ds.status.observedGeneration : 0;
  if (gen > observed) return undefined;
  const schedulable = nodes.filter((n) => n.spec?.unschedulable !== true);
  if (schedulable.length === 0) return undefined;
  const fits = [...nodes].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1)).map((n) => daemonSetNodeFit(ds, n));
  const eligible = fits.filter((f) => f.eligible).map((f) => f.node);
  const excluded = fits.filter((f) => !f.eligible);
  const who = `daemon set ${JSON.stringify(ds.metadata.name)}`;
  const count = `${schedulable.length} schedulable node${schedulable.length === 1 ? '' : 's'}`;
  if (eligible.length > 0) {
    return {
      fatal: false,
      message: `${who} wants 0 pods although ${listNames(eligible)} should run one (the DaemonSet controller has not scheduled them yet)`,
      hint: `kubectl -n ${ds.metadata.namespace ?? 'default'} describe daemonset ${ds.metadata.name}`,
      eligible,
      excluded,
    };
  }
  const byReason = new Map<string, string[]>();
  for (const f of excluded) {
    const list = byReason.get(f.reason ?? 'excluded') ?? [];
    list.push(f.node);
    byReason.set(f.reason ?? 'excluded', list);
  }
  const why = [...byReason.entries()].map(([reason, names]) => `${listNames(names, 3)}: ${reason}`).join('; ');
  return {
    fatal: true,
    message: `${who} wants 0 pods although the cluster has ${count}: ${why}`,
    hint: "add a toleration for the taint, or fix the nodeSelector / node affinity of the DaemonSet's pod template",
    eligible,
    excluded,
  };
}

// ---------------------------------------------------------------------------------------------
// OnDelete


export interface OnDeleteExplanation {
  /** Every pod runs the current template and is available: nothing left to roll. */
  upToDate: boolean;
  message: string;
  hint: string;
}

/**
 * Instead of kubectl's bare "rollout status is only available for RollingUpdate strategy type":
 * what OnDelete means (the DaemonSet never replaces a pod by itself; a new pod with the current
 * template appears when the old one is deleted), how far the pods are, and the commands.
 * undefined for a RollingUpdate DaemonSet. extensions/v1beta1 DaemonSets default to OnDelete.
 */
export function onDeleteExplanation(ds: KubeObject): OnDeleteExplanation | undefined {
  const strategy = daemonSetStrategy(ds);
  if (strategy === 'RollingUpdate') return undefined;
  const { desired, updated, available } = daemonSetCounts(ds);
  const ns = ds.metadata.namespace ?? 'default';
  const name = ds.metadata.name;
  const defaulted = !ds.spec?.updateStrategy?.type && ds.apiVersion === 'extensions/v1beta1' ? ' (the extensions/v1beta1 default)' : '';
  const observed = (typeof ds.metadata.generation === 'number' ? ds.metadata.generation : 0) <= (typeof ds.status?.observedGeneration === 'number' ? ds.status.observedGeneration : 0);
  const upToDate = observed && updated >= desired && available >= desired;
  const progress = !observed
    ? 'the change has not been observed yet'
    : upToDate
      ? `all ${desired} pods run the current template and are available`
      : `${updated} of ${desired} pods run the current template, ${available} available`;
  const selector = daemonSetSelector(ds);
  const del = selector ? `kubectl -n ${ns} delete pod -l ${selector} --field-selector spec.nodeName=NODE` : `kubectl -n ${ns} delete pod POD`;
  return {
    upToDate,
    message: `daemon set ${JSON.stringify(name)} uses the ${strategy} update strategy${defaulted}: its pods are replaced only when they are deleted; ${progress}`,
    hint: `replace the old pods one node at a time with \`${del}\`, or switch to rolling updates: kubectl -n ${ns} patch daemonset ${name} --type merge -p '{"spec":{"updateStrategy":{"type":"RollingUpdate"}}}'`,
  };
}

// ---------------------------------------------------------------------------------------------
// Small copies of listed objects: what the findings above read, and nothing else

/** The pod labels the DaemonSet controller's IsPodUpdated reads. */
const UPDATE_LABELS = ['pod-template-generation', 'controller-revision-hash'] as const;

function slimContainerStatuses(list: unknown): ContainerStatus[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const out: ContainerStatus[] = [];
  for (const cs of list as ContainerStatus[]) {
    const reason = cs?.state?.waiting?.reason;
    if (!reason || !(PROBLEM_REASONS as readonly string[]).includes(reason)) continue;
    const t = cs.lastState?.terminated;
    out.push({
      ...(cs.name !== undefined ? { name: cs.name } : {}),
      ...(typeof cs.restartCount === 'number' ? { restartCount: cs.restartCount } : {}),
      state: { waiting: { reason, ...(cs.state?.waiting?.message !== undefined ? { message: cs.state.waiting.message } : {}) } },
      ...(t ? { lastState: { terminated: { ...(t.exitCode !== undefined ? { exitCode: t.exitCode } : {}), ...(t.reason !== undefined ? { reason: t.reason } : {}), ...(t.signal !== undefined ? { signal: t.signal } : {}) } } } : {}),
    });
  }
  return out;
}

/**
 * A pod reduced to what podProblems, podNode, podAvailability, isPodUpdated and missingOnNodes
 * read (name, namespace, the update labels, the controller reference, deletion, node, phase, the
 * Ready and Unschedulable conditions, the container statuses that wait for a problem reason):
 * those functions give the same answers for it as for the whole pod, in a few hundred bytes
 * instead of ~10 kB. Lists of thousands of pods are mapped through it as they arrive.
 */
export function slimPod(pod: KubeObject): KubeObject {
  const md = pod.metadata;
  const labels: Record<string, string> = {};
  for (const k of UPDATE_LABELS) if (md.labels && Object.hasOwn(md.labels, k)) labels[k] = md.labels[k]!;
  const ctrl = md.ownerReferences?.find((o) => o.controller);
  const nodeName: unknown = pod.spec?.nodeName;
  const spec: Record<string, unknown> = {};
  if (typeof nodeName === 'string' && nodeName !== '') spec.nodeName = nodeName;
  else {
    const target = podNode(pod);
    if (target) {
      spec.affinity = {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [target] }] }] } },
      };
    }
  }
  const status: Record<string, unknown> = {};
  const phase: unknown = pod.status?.phase;
  if (phase !== undefined) status.phase = phase;
  const conditions: Condition[] = [];
  const ready = conditionOf(pod, 'Ready');
  if (ready) conditions.push({ type: 'Ready', status: ready.status, ...(ready.lastTransitionTime ? { lastTransitionTime: ready.lastTransitionTime } : {}) });
  const sched = conditionOf(pod, 'PodScheduled');
  if (sched?.status === 'False' && sched.reason === 'Unschedulable') conditions.push({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: sched.message ?? '' });
  if (conditions.length) status.conditions = conditions;
  const init = slimContainerStatuses(pod.status?.initContainerStatuses);
  if (init?.length) status.initContainerStatuses = init;
  const main = slimContainerStatuses(pod.status?.containerStatuses);
  if (main?.length) status.containerStatuses = main;
  return {
    ...(pod.apiVersion ? { apiVersion: pod.apiVersion } : {}),
    ...(pod.kind ? { kind: pod.kind } : {}),
    metadata: {
      name: md.name,
      ...(md.namespace ? { namespace: md.namespace } : {}),
      ...(md.uid ? { uid: md.uid } : {}),
      labels,
      ...(ctrl ? { ownerReferences: [{ apiVersion: ctrl.apiVersion, kind: ctrl.kind, name: ctrl.name, uid: ctrl.uid, controller: true }] } : {}),
      ...(md.deletionTimestamp ? { deletionTimestamp: md.deletionTimestamp } : {}),
    },
    spec,
    status,
  };
}

/**
 * A node reduced to what notReadyNodes, daemonSetNodeFit and zeroDesiredButSchedulable read:
 * name, labels, taints, unschedulable, the Ready condition.
 */
export function slimNode(node: KubeObject): KubeObject {
  const ready = nodeReadyCondition(node);
  const taints: unknown = node.spec?.taints;
  return {
    ...(node.apiVersion ? { apiVersion: node.apiVersion } : {}),
    ...(node.kind ? { kind: node.kind } : {}),
    metadata: { name: node.metadata.name, ...(node.metadata.labels ? { labels: node.metadata.labels } : {}) },
    spec: {
      ...(Array.isArray(taints) && taints.length ? { taints } : {}),
      ...(node.spec?.unschedulable === true ? { unschedulable: true } : {}),
    },
    status: ready ? { conditions: [ready] } : {},
  };
}
