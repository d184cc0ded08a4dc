/**
 * What kubectl rollout status does not tell (kubectl#738, kubernetes#64331, #53023, #113844):
 * which pod is crash looping or cannot pull its image, and on which node; which nodes are
 * NotReady; which eligible nodes still lack a pod, an updated pod or an available pod; why a
 * DaemonSet wants zero pods on a cluster that has nodes; what to do with an OnDelete DaemonSet.
 *
 * Pure: objects in, findings out. The wait loop (./wait.ts) turns them into an early stop or
 * into the "still missing" part of a timeout message.
 */
import type { KubeObject } from '../cluster/types.js';
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

// ---------------------------------------------------------------------------------------------
// Pods

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

interface ContainerStatus {
  name?: string;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string } };
  lastState?: { terminated?: { exitCode?: number; reason?: string; signal?: number } };
}

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
  const ready = nodes ? new Map(nodes.map((n) => [n.metadata.name, nodeReadyCondition(n)?.status === 'True'])) : undefined;
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

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
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
  return `${where}: ${what}${p.reason}${extra}${p.message ? `: ${oneLine(p.message)}` : ''}`;
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

export function podProblemToProblem(p: PodProblem): Problem {
  return { severity: p.fatal ? 'fatal' : 'info', message: describePodProblem(p), hint: podProblemHint(p) };
}

// ---------------------------------------------------------------------------------------------
// Nodes

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

function conditionOf(obj: KubeObject, type: string): Condition | undefined {
  const conditions: unknown = obj.status?.conditions;
  if (!Array.isArray(conditions)) return undefined;
  return (conditions as Condition[]).find((c) => c?.type === type);
}

function nodeReadyCondition(node: KubeObject): Condition | undefined {
  return conditionOf(node, 'Ready');
}

export interface NotReadyNode {
  node: string;
  /** The Ready condition's status: "False", "Unknown", or "" when the node reports none. */
  status: string;
  reason?: string;
  message?: string;
  since?: string;
}

/** Nodes whose Ready condition is not True, by name. */
export function notReadyNodes(nodes: KubeObject[]): NotReadyNode[] {
  const out: NotReadyNode[] = [];
  for (const n of nodes) {
    const c = nodeReadyCondition(n);
    if (c?.status === 'True') continue;
    out.push({
      node: n.metadata.name,
      status: c?.status ?? '',
      ...(c?.reason ? { reason: c.reason } : {}),
      ...(c?.message ? { message: oneLine(c.message) } : {}),
      ...(c?.lastTransitionTime ? { since: c.lastTransitionTime } : {}),
    });
  }
  return out.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
}

/** `node node-b is NotReady (KubeletNotReady: container runtime network not ready ...)`. */
export function describeNotReadyNode(n: NotReadyNode): string {
  const state = n.status === 'Unknown' ? 'NotReady (status Unknown: the kubelet stopped reporting)' : n.status === '' ? 'NotReady (no Ready condition yet)' : 'NotReady';
  const why = [n.reason, n.message].filter(Boolean).join(': ');
  return `node ${n.node} is ${state}${why ? ` (${why})` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Which nodes a DaemonSet should run on (the DaemonSet controller's NodeShouldRunDaemonPod)

interface Taint {
  key?: string;
  value?: string;
  effect?: string;
}
interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}
interface Requirement {
  key?: string;
  operator?: string;
  values?: string[];
}
interface SelectorTerm {
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

function requirementMatches(r: Requirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1 || !/^-?\d+$/.test(value) || !/^-?\d+$/.test(values[0]!)) return false;
      const a = BigInt(value);
      const b = BigInt(values[0]!);
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
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

/** A label selector as text (`name=weave-net`, `tier in (a,b)`, `!legacy`). */
export function labelSelectorString(sel: unknown): string {
  if (!sel || typeof sel !== 'object') return '';
  const s = sel as { matchLabels?: Record<string, string>; matchExpressions?: Requirement[] };
  const parts = Object.entries(s.matchLabels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(`${e.key}`);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

/** The DaemonSet's pod selector: spec.selector, or (old extensions/v1beta1 objects without one) the template labels. */
export function daemonSetSelector(ds: KubeObject): string {
  const sel = labelSelectorString(ds.spec?.selector);
  if (sel) return sel;
  return labelSelectorString({ matchLabels: ds.spec?.template?.metadata?.labels ?? {} });
}

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
// Label selectors as objects

/** Whether labels match a metav1.LabelSelector ({matchLabels, matchExpressions}); an empty or missing selector matches nothing. */
export function labelSelectorMatches(sel: unknown, labels: Record<string, string> | undefined): boolean {
  if (!sel || typeof sel !== 'object') return false;
  const s = sel as { matchLabels?: Record<string, string>; matchExpressions?: Requirement[] };
  const ml = Object.entries(s.matchLabels ?? {});
  const exprs = s.matchExpressions ?? [];
  if (ml.length === 0 && exprs.length === 0) return false;
  const l = labels ?? {};
  for (const [k, v] of ml) if (!Object.hasOwn(l, k) || l[k] !== v) return false;
  for (const e of exprs) {
    if (e.operator === 'Gt' || e.operator === 'Lt') return false; // not valid in a label selector
    if (!requirementMatches(e, e.key !== undefined && Object.hasOwn(l, e.key) ? l[e.key] : undefined)) return false;
  }
  return true;
}

/** The pod selector of a DaemonSet (spec.selector, else its template labels) or a Deployment (spec.selector), as an object. */
export function workloadSelectorObject(obj: KubeObject): unknown {
  const sel: unknown = obj.spec?.selector;
  if (sel && typeof sel === 'object' && (Object.keys((sel as { matchLabels?: object }).matchLabels ?? {}).length > 0 || ((sel as { matchExpressions?: unknown[] }).matchExpressions ?? []).length > 0)) {
    return sel;
  }
  return obj.kind === 'DaemonSet' ? { matchLabels: obj.spec?.template?.metadata?.labels ?? {} } : undefined;
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

/** Whether a pod's Ready condition is True. */
export function podIsReady(pod: KubeObject): boolean {
  return conditionOf(pod, 'Ready')?.status === 'True';
}
