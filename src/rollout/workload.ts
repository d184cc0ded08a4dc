/**
 * weavectl's rollout wait for a DaemonSet or Deployment: kubectl's status viewers (./status.ts)
 * driven by the generic loop (./wait.ts), plus what kubectl does not do (./diagnose.ts): an
 * OnDelete DaemonSet is explained instead of refused; crash loops and image pull failures stop
 * the wait naming pod, node, reason and the last log lines; a DaemonSet that wants no pods on a
 * cluster with nodes is never "successfully rolled out"; a timeout names the nodes still missing.
 *
 * What a diagnosis reads depends on why it runs (see DiagnoseContext in ./wait.ts), so that a
 * rollout of thousands of pods is watched in flat memory:
 * - while the rollout is in progress: the workload's pods by its selector when there are few
 *   (FULL_LIST_MAX_PODS); with more, only the suspects: pods not Running (field selector
 *   status.phase!=Running: image pulls, config errors, init containers, unschedulable) and the
 *   pods the kubelet reported BackOff events for (crash loops of running pods), read one by
 *   one; plus the nodes of the pods that are not Ready or have a problem, one by one;
 * - when a DaemonSet that wants 0 pods says "done": the nodes (is any schedulable?);
 * - at the timeout (or --watch=false): everything, for the message that names what is missing.
 * Listed objects are reduced to small records (slimPod, slimNode) as they arrive; big lists are
 * read page by page (listPages, about 1 MB a page: PAGE_SIZE) and never held whole.
 *
 * Commands call waitForWorkload; the pieces (evaluatorFor, diagnoserFor) are exported for
 * callers that wire their own loop.
 */
import type { Cluster, KubeObject, ListOptions, ResourceRef } from '../cluster/types.js';
import { describeNotReadyNode, notReadyNodes } from '../kube/nodes.js';
import { podProblems } from '../kube/pod-problems.js';
import { podIsReady, podNode } from '../kube/pods.js';
import { daemonSetNodeFit } from '../kube/scheduling.js';
import { daemonSetSelector, labelSelectorMatches, labelSelectorString, workloadSelectorObject } from '../kube/selectors.js';
import {
  describeMissing,
  missingOnNodes,
  onDeleteExplanation,
  podProblemToProblem,
  slimNode,
  slimPod,
  zeroDesiredButSchedulable,
  type Problem,
} from './diagnose.js';
import { daemonSetCounts, daemonSetStatus, daemonSetStrategy, deploymentStatus, viewerKind, type RolloutStatus } from './status.js';
import { kubeApiErrorIn } from '../cluster/status-errors.js';
import { describeObject, waitForRollout, type DiagnoseContext, type WaitOptions, type WaitResult } from './wait.js';

export type WorkloadRef = ResourceRef & { kind: string; namespace: string; name: string };

/**
 * daemonSetStatus, except for OnDelete: kubectl refuses with "rollout status is only available
 * for RollingUpdate strategy type"; we explain, and call it done when every pod already runs
 * the current template and is available (nothing is left to roll). While no pod runs an older
 * template (a DaemonSet just created, or new nodes: currentNumberScheduled <= updatedNumberScheduled)
 * the controller creates the missing pods by itself, so that is waited for as a rolling update is.
 */
export function evaluateDaemonSet(ds: KubeObject): RolloutStatus {
  const status = daemonSetStatus(ds);
  if (!status.error || daemonSetStrategy(ds) === 'RollingUpdate') return status;
  const ex = onDeleteExplanation(ds)!;
  if (ex.upToDate) return { done: true, message: ex.message, counts: status.counts };
  const current = ds.status?.currentNumberScheduled;
  const observed = (ds.metadata.generation ?? 0) <= (ds.status?.observedGeneration ?? 0);
  if (!observed || (typeof current === 'number' && current <= status.counts.updated)) {
    return daemonSetStatus({ ...ds, spec: { ...ds.spec, updateStrategy: { type: 'RollingUpdate' } } });
  }
  return { done: false, message: '', error: ex.message, hint: ex.hint, counts: status.counts };
}

/** The evaluator for a DaemonSet (evaluateDaemonSet) or a Deployment (deploymentStatus, pinned to `revision` when > 0). */
export function evaluatorFor(ref: { apiVersion: string; kind: string }, revision = 0): (obj: KubeObject) => RolloutStatus {
  return viewerKind(ref.apiVersion, ref.kind) === 'DaemonSet' ? evaluateDaemonSet : (obj) => deploymentStatus(obj, revision);
}

/**
 * A DaemonSet "done" with desiredNumberScheduled 0 must be confirmed against the nodes (kubectl
 * would call it rolled out; on a cluster with schedulable nodes it is not). Any other done status
 * is decided by the status alone.
 */
export function confirmDoneFor(ref: { apiVersion: string; kind: string }): ((obj: KubeObject) => boolean) | undefined {
  return viewerKind(ref.apiVersion, ref.kind) === 'DaemonSet' ? (obj) => daemonSetCounts(obj).desired === 0 : undefined;
}

export interface DiagnoseOptions {
  /** Clock for the minReadySeconds check. */
  now?: () => number;
  /** Log lines to fetch for a crash-looping container (0: none). Default 5. */
  logTailLines?: number;
}

/**
 * What the diagnosis reads with. `listPages` (page by page, nothing kept) is what keeps big lists
 * flat in memory; without it they go through `list` (every item kept until the list returns).
 */
export type DiagnoseCluster = Pick<Cluster, 'get' | 'list' | 'logs' | 'listPages'>;

/** Up to this many pods, an in-progress diagnosis lists all of the workload's pods (~10 kB each in JSON). */
export const FULL_LIST_MAX_PODS = 200;
/**
 * Objects per page of the big lists: about 1 MB of JSON a page (a weave-net pod is ~10 kB with
 * its managedFields, a node ~2.5 kB, an event ~1 kB). Bigger pages save round trips but leave
 * more garbage between collections: a 5,000-pod list by pages of 500 peaks near 200 MB of RSS,
 * by pages of 100 near 100 MB.
 */
export const PAGE_SIZE: Readonly<Record<string, number>> = { Pod: 100, Node: 500 };
/** Kinds without an entry in PAGE_SIZE. */
export const LIST_PAGE_SIZE = 500;

function pageSizeFor(ref: ResourceRef): number {
  return PAGE_SIZE[ref.kind] ?? LIST_PAGE_SIZE;
}

/** Nodes fetched one by one (those of the pods that are not Ready or have a problem). */
const MAX_NODE_GETS = 10;
/** Pods fetched one by one because of a BackOff event. */
const MAX_EVENT_SUSPECTS = 10;

const POD: ResourceRef = { apiVersion: 'v1', kind: 'Pod' };
const NODE: ResourceRef = { apiVersion: 'v1', kind: 'Node' };
const EVENT: ResourceRef = { apiVersion: 'v1', kind: 'Event' };

/**
 * Lists and maps each item as it arrives (slimPod, slimNode...); `big` lists go by pages.
 * undefined when the list fails (e.g. no RBAC to list nodes: diagnose with what we have).
 */
async function collect<R>(cluster: DiagnoseCluster, ref: ResourceRef, opts: ListOptions, map: (o: KubeObject) => R, big: boolean, signal?: AbortSignal): Promise<R[] | undefined> {
  try {
    if (signal?.aborted) return undefined;
    if (big) {
      for (let attempt = 0; ; attempt++) {
        const out: R[] = [];
        try {
          await cluster.listPages(ref, { ...opts, pageSize: pageSizeFor(ref) }, (items) => {
            // No more pages once the answer is not wanted.
            if (signal?.aborted) throw new Error('diagnosis abandoned');
            for (const o of items) out.push(map(o));
          });
          return out;
        } catch (err) {
          // The continue token expired between pages: start over once, from a fresh snapshot.
          if (attempt === 0 && kubeApiErrorIn(err)?.code === 410) continue;
          throw err;
        }
      }
    }
    const res = await cluster.list(ref, opts);
    const out: R[] = [];
    for (const o of res.items) out.push(map(o));
    return out;
  } catch {
    return undefined;
  }
}

/** The pods a controller owns (by uid when known; everything the selector matched otherwise). */
function owned(pods: KubeObject[], uid: string | undefined): KubeObject[] {
  if (!uid) return pods;
  return pods.filter((p) => {
    const ctrl = p.metadata.ownerReferences?.find((o) => o.controller);
    return !ctrl || ctrl.uid === uid;
  });
}

/** The current ControllerRevision's hash of a DaemonSet (the pods' controller-revision-hash label). */
async function currentRevisionHash(cluster: DiagnoseCluster, ds: KubeObject, selector: string, signal?: AbortSignal): Promise<string | undefined> {
  if (!ds.metadata.uid || !ds.apiVersion?.startsWith('apps/') || !selector) return undefined;
  const revisions = await collect(
    cluster,
    { apiVersion: 'apps/v1', kind: 'ControllerRevision', ...(ds.metadata.namespace ? { namespace: ds.metadata.namespace } : {}) },
    { labelSelector: selector },
    (r) => ({ owned: r.metadata.ownerReferences?.some((o) => o.uid === ds.metadata.uid) === true, revision: Number(r.revision ?? 0), hash: r.metadata.labels?.['controller-revision-hash'] }),
    false,
    signal,
  );
  let best: { revision: number; hash: string | undefined } | undefined;
  for (const r of revisions ?? []) {
    if (!r.owned) continue;
    if (!best || r.revision > best.revision) best = r;
  }
  return best?.hash;
}

/** The last log lines of a crash-looping container, for the problem's hint ('' when there are none). */
async function lastLogLines(cluster: DiagnoseCluster, pod: { namespace: string; name: string }, container: string, tail: number): Promise<string> {
  try {
    // The previous run is the one that crashed; a container that has not restarted yet has only the current one.
    let text = await cluster.logs(pod, container, { tailLines: tail, previous: true }).catch(() => '');
    if (!text.trim()) text = await cluster.logs(pod, container, { tailLines: tail });
    const lines = text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .slice(-3);
    return lines.map((l) => JSON.stringify(l.length > 200 ? `${l.slice(0, 199)}…` : l)).join(' | ');
  } catch {
    return '';
  }
}

/**
 * The pod problems, fatal first; the first fatal crash loop gets its last log lines. The logs
 * are fetched while `nodes` (a promise: the nodes are being read meanwhile) arrive.
 */
async function podFindings(
  cluster: DiagnoseCluster,
  pods: KubeObject[],
  nodes: Promise<KubeObject[] | undefined>,
  tail: number,
  signal?: AbortSignal,
): Promise<{ problems: Problem[]; nodes: KubeObject[] | undefined }> {
  // Problems come in the same order with or without the nodes: the first fatal one is known now.
  const first = podProblems(pods).find((p) => p.fatal);
  const crash = first?.reason === 'CrashLoopBackOff' && first.namespace && first.container ? first : undefined;
  const [logs, nodeList] = await Promise.all([
    crash && tail > 0 && !signal?.aborted ? lastLogLines(cluster, { namespace: crash.namespace!, name: crash.pod }, crash.container, tail) : Promise.resolve(''),
    nodes,
  ]);
  let logsAdded = false;
  const problems = podProblems(pods, nodeList).map((p) => {
    const problem = podProblemToProblem(p);
    if (!p.fatal || logsAdded) return problem;
    logsAdded = true;
    return crash && logs && p.pod === crash.pod && p.container === crash.container && p.reason === crash.reason ? { ...problem, hint: `${problem.hint}; last log lines: ${logs}` } : problem;
  });
  return { problems, nodes: nodeList };
}

function notReadyFindings(nodes: KubeObject[], only?: Set<string>): Problem[] {
  const list = notReadyNodes(nodes).filter((n) => !only || only.has(n.node));
  const shown = list.slice(0, 3).map((n): Problem => ({ severity: 'info', message: describeNotReadyNode(n), hint: `kubectl describe node ${n.node}` }));
  if (list.length > 3) shown.push({ severity: 'info', message: `${list.length - 3} more nodes are NotReady: ${list.slice(3).map((n) => n.node).join(', ')}` });
  return shown;
}

/** Nodes by name, one GET each, in parallel; the ones that cannot be read are left out. */
async function getNodes(cluster: DiagnoseCluster, names: string[], signal?: AbortSignal): Promise<KubeObject[] | undefined> {
  if (signal?.aborted) return undefined;
  const got = await Promise.all(names.map((name) => cluster.get({ ...NODE, name }).catch(() => undefined)));
  return got.filter((n): n is KubeObject => n !== undefined).map(slimNode);
}

/** The nodes worth a look: those of pods that have a problem or are not Ready (sorted, at most MAX_NODE_GETS). */
function nodesOfInterest(pods: KubeObject[]): string[] {
  const problem = new Set(podProblems(pods).map((p) => p.pod));
  const names = new Set<string>();
  for (const p of pods) {
    if (p.metadata.deletionTimestamp || (podIsReady(p) && !problem.has(p.metadata.name))) continue;
    const n = podNode(p);
    if (n) names.add(n);
  }
  return [...names].sort().slice(0, MAX_NODE_GETS);
}

/** How many pods the workload has or wants, by its status (0 when the controller has not reported yet). */
function podCount(obj: KubeObject, kind: 'DaemonSet' | 'Deployment'): number {
  const s = obj.status ?? {};
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  if (kind === 'DaemonSet') {
    const c = daemonSetCounts(obj);
    return Math.max(c.desired, c.updated, c.available, c.ready, n(s.currentNumberScheduled)) + n(s.numberMisscheduled);
  }
  const replicas: unknown = obj.spec?.replicas;
  return Math.max(typeof replicas === 'number' ? replicas : 1, n(s.replicas));
}

/**
 * The pods of a big workload that may have a problem, without reading all of them: the ones not
 * Running, and the ones the kubelet reported BackOff events for (a crash-looping container's
 * pod stays Running), read one by one. When the events cannot be listed (RBAC), every pod is
 * read instead, page by page (only with listPages: never the whole list at once).
 */
async function suspectPods(cluster: DiagnoseCluster, ref: WorkloadRef, obj: KubeObject, selector: string, signal?: AbortSignal): Promise<KubeObject[] | undefined> {
  const ns = { namespace: ref.namespace };
  const [pending, events] = await Promise.all([
    collect(cluster, { ...POD, ...ns }, { labelSelector: selector, fieldSelector: 'status.phase!=Running' }, slimPod, true, signal),
    collect(
      cluster,
      { ...EVENT, ...ns },
      { fieldSelector: 'involvedObject.kind=Pod,reason=BackOff' },
      (e) => {
        const io = (e.involvedObject ?? {}) as { name?: unknown };
        const when = [e.lastTimestamp, e.eventTime, e.metadata.creationTimestamp].find((t): t is string => typeof t === 'string' && t !== '') ?? '';
        return { pod: typeof io.name === 'string' ? io.name : '', when };
      },
      true,
      signal,
    ),
  ]);
  if (!events) {
    return collect(cluster, { ...POD, ...ns }, { labelSelector: selector }, slimPod, true, signal);
  }
  const out = pending ?? [];
  const have = new Set(out.map((p) => p.metadata.name));
  // Pods of a DaemonSet are named NAME-xxxxx, of a Deployment NAME-HASH-xxxxx.
  const latest = new Map<string, string>();
  for (const e of events ?? []) {
    if (!e.pod.startsWith(`${ref.name}-`) || have.has(e.pod)) continue;
    if ((latest.get(e.pod) ?? '') <= e.when) latest.set(e.pod, e.when);
  }
  const names = [...latest.entries()]
    .sort((a, b) => (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : a[0] < b[0] ? -1 : 1))
    .slice(0, MAX_EVENT_SUSPECTS)
    .map(([name]) => name);
  const sel = workloadSelectorObject(obj);
  if (signal?.aborted) return out;
  const got = await Promise.all(names.map((name) => cluster.get({ ...POD, ...ns, name }).catch(() => undefined)));
  for (const p of got) if (p && labelSelectorMatches(sel, p.metadata.labels)) out.push(slimPod(p));
  return out;
}

/**
 * The `diagnose` for waitForRollout: what is wrong with the workload's pods and nodes. What it
 * reads depends on the context (see the top of this file); without one it reads the object and
 * makes the complete diagnosis. Lists it is not allowed to make are skipped.
 */
export function diagnoserFor(cluster: DiagnoseCluster, ref: WorkloadRef, opts: DiagnoseOptions = {}): (ctx?: DiagnoseContext) => Promise<Problem[]> {
  const kind = viewerKind(ref.apiVersion, ref.kind);
  const now = opts.now ?? Date.now;
  const tail = opts.logTailLines ?? 5;
  const podsRef: ResourceRef = { ...POD, namespace: ref.namespace };
  return async (ctx) => {
    let raw = ctx?.object;
    if (!raw) {
      raw = await cluster.get(ref);
      if (!raw) return [];
    }
    const obj: KubeObject = raw.apiVersion && raw.kind ? raw : { ...raw, apiVersion: raw.apiVersion ?? ref.apiVersion, kind: raw.kind ?? ref.kind };
    const reason = ctx?.reason ?? 'final';
    const signal = ctx?.signal;
    const selector = kind === 'DaemonSet' ? daemonSetSelector(obj) : labelSelectorString(obj.spec?.selector);
    const uid = kind === 'DaemonSet' ? obj.metadata.uid : undefined;
    const count = podCount(obj, kind);

    if (kind === 'DaemonSet' && reason === 'done') {
      // A done status to confirm: desiredNumberScheduled 0 on a cluster with schedulable nodes is not done.
      const nodes = await collect(cluster, NODE, {}, slimNode, true, signal);
      const zero = nodes && zeroDesiredButSchedulable(obj, nodes);
      return zero ? [{ severity: zero.fatal ? 'fatal' : 'blocking', message: zero.message, hint: zero.hint }] : [];
    }

    if (kind === 'DaemonSet' && reason === 'final') {
      // Everything, for the message that names what is missing.
      const [pods, nodes, hash] = await Promise.all([
        selector ? collect(cluster, podsRef, { labelSelector: selector }, slimPod, count > FULL_LIST_MAX_PODS, signal) : Promise.resolve(undefined),
        collect(cluster, NODE, {}, slimNode, true, signal),
        currentRevisionHash(cluster, obj, selector, signal),
      ]);
      const mine = owned(pods ?? [], uid);
      const { problems } = await podFindings(cluster, mine, Promise.resolve(nodes), tail, signal);
      if (!nodes) return problems;
      const zero = zeroDesiredButSchedulable(obj, nodes);
      if (zero) problems.push({ severity: zero.fatal ? 'fatal' : 'blocking', message: zero.message, hint: zero.hint });
      if (pods && !zero) {
        const missing = missingOnNodes(obj, mine, nodes, { now: now(), ...(hash ? { currentRevisionHash: hash } : {}) });
        if (missing.length > 0) {
          problems.push({
            severity: 'info',
            message: `${describeObject(ref)}: ${describeMissing(missing)}`,
            hint: `kubectl -n ${ref.namespace} get pods -l ${selector} -o wide`,
          });
        }
      }
      const eligible = new Set(nodes.filter((n) => daemonSetNodeFit(obj, n).eligible).map((n) => n.metadata.name));
      problems.push(...notReadyFindings(nodes, eligible));
      return problems;
    }

    // In progress (or a Deployment's final look): the pods, and the nodes of those not Ready.
    if (!selector) return [];
    if (kind === 'DaemonSet' && count === 0) return []; // the controller has not reported any pod yet
    const big = count > FULL_LIST_MAX_PODS;
    const pods =
      !big || reason === 'final'
        ? await collect(cluster, podsRef, { labelSelector: selector }, slimPod, big, signal)
        : await suspectPods(cluster, ref, obj, selector, signal);
    const mine = owned(pods ?? [], uid);
    const names = nodesOfInterest(mine);
    const { problems, nodes } = await podFindings(cluster, mine, names.length ? getNodes(cluster, names, signal) : Promise.resolve(undefined), tail, signal);
    if (nodes) problems.push(...notReadyFindings(nodes));
    return problems;
  };
}

export type WorkloadWaitOptions = Omit<WaitOptions, 'ref' | 'evaluate' | 'diagnose' | 'cluster' | 'confirmDone'> & {
  cluster: Pick<Cluster, 'get' | 'list' | 'watch' | 'logs' | 'listPages'>;
  ref: WorkloadRef;
  /** Deployments: kubectl rollout status --revision. */
  revision?: number;
  /** Diagnose pods and nodes (default true); false behaves like kubectl. */
  diagnose?: boolean;
} & DiagnoseOptions;

/** `kubectl rollout status`, weavectl's way, for one DaemonSet or Deployment. */
export function waitForWorkload(opts: WorkloadWaitOptions): Promise<WaitResult> {
  const { revision, diagnose, now, logTailLines, ...rest } = opts;
  const evaluate = evaluatorFor(opts.ref, revision ?? 0);
  const confirmDone = confirmDoneFor(opts.ref);
  return waitForRollout({
    ...rest,
    evaluate,
    ...(diagnose === false
      ? {}
      : {
          diagnose: diagnoserFor(opts.cluster, opts.ref, { ...(now ? { now } : {}), ...(logTailLines !== undefined ? { logTailLines } : {}) }),
          ...(confirmDone ? { confirmDone } : {}),
        }),
  });
}
