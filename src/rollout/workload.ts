/**
 * weavectl's rollout wait for a DaemonSet or Deployment: kubectl's status viewers (./status.ts)
 * driven by the generic loop (./wait.ts), plus what kubectl does not do (./diagnose.ts): an
 * OnDelete DaemonSet is explained instead of refused; crash loops and image pull failures stop
 * the wait naming pod, node, reason and the last log lines; a DaemonSet that wants no pods on a
 * cluster with nodes is never "successfully rolled out"; a timeout names the nodes still missing.
 *
 * Commands call waitForWorkload; the pieces (evaluatorFor, diagnoserFor) are exported for
 * callers that wire their own loop.
 */
import type { Cluster, KubeObject, ResourceRef } from '../cluster/types.js';
import {
  daemonSetNodeFit,
  daemonSetSelector,
  describeMissing,
  describeNotReadyNode,
  labelSelectorString,
  missingOnNodes,
  notReadyNodes,
  onDeleteExplanation,
  podProblemToProblem,
  podProblems,
  zeroDesiredButSchedulable,
  type PodProblem,
  type Problem,
} from './diagnose.js';
import { daemonSetStatus, daemonSetStrategy, deploymentStatus, viewerKind, type RolloutStatus } from './status.js';
import { describeObject, waitForRollout, type WaitOptions, type WaitResult } from './wait.js';

export type WorkloadRef = ResourceRef & { kind: string; namespace: string; name: string };

/**
 * daemonSetStatus, except for OnDelete: kubectl refuses with "rollout status is only available
 * for RollingUpdate strategy type"; we explain, and call it done when every pod already runs
 * the current template and is available (nothing is left to roll).
 */
export function evaluateDaemonSet(ds: KubeObject): RolloutStatus {
  const status = daemonSetStatus(ds);
  if (!status.error || daemonSetStrategy(ds) === 'RollingUpdate') return status;
  const ex = onDeleteExplanation(ds)!;
  if (ex.upToDate) return { done: true, message: ex.message, counts: status.counts };
  return { done: false, message: '', error: ex.message, hint: ex.hint, counts: status.counts };
}

/** The evaluator for a DaemonSet (evaluateDaemonSet) or a Deployment (deploymentStatus, pinned to `revision` when > 0). */
export function evaluatorFor(ref: { apiVersion: string; kind: string }, revision = 0): (obj: KubeObject) => RolloutStatus {
  return viewerKind(ref.apiVersion, ref.kind) === 'DaemonSet' ? evaluateDaemonSet : (obj) => deploymentStatus(obj, revision);
}

export interface DiagnoseOptions {
  /** Clock for the minReadySeconds check. */
  now?: () => number;
  /** Log lines to fetch for a crash-looping container (0: none). Default 5. */
  logTailLines?: number;
}

const POD: ResourceRef = { apiVersion: 'v1', kind: 'Pod' };
const NODE: ResourceRef = { apiVersion: 'v1', kind: 'Node' };

async function tryList(cluster: Pick<Cluster, 'list'>, ref: ResourceRef, labelSelector?: string): Promise<KubeObject[] | undefined> {
  try {
    return (await cluster.list(ref, labelSelector ? { labelSelector } : {})).items;
  } catch {
    return undefined; // e.g. no RBAC to list nodes: diagnose with what we have
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
async function currentRevisionHash(cluster: Pick<Cluster, 'list'>, ds: KubeObject, selector: string): Promise<string | undefined> {
  if (!ds.metadata.uid || !ds.apiVersion?.startsWith('apps/')) return undefined;
  const revisions = await tryList(cluster, { apiVersion: 'apps/v1', kind: 'ControllerRevision', namespace: ds.metadata.namespace }, selector);
  let best: KubeObject | undefined;
  for (const r of revisions ?? []) {
    if (!r.metadata.ownerReferences?.some((o) => o.uid === ds.metadata.uid)) continue;
    if (!best || Number(r.revision ?? 0) > Number(best.revision ?? 0)) best = r;
  }
  return best?.metadata.labels?.['controller-revision-hash'];
}

/** Adds the last log lines of a crash-looping container to the problem's hint. */
async function withLogs(cluster: Partial<Pick<Cluster, 'logs'>>, p: PodProblem, problem: Problem, tail: number): Promise<Problem> {
  if (!cluster.logs || tail <= 0 || p.reason !== 'CrashLoopBackOff' || !p.namespace || !p.container) return problem;
  try {
    // The previous run is the one that crashed; a container that has not restarted yet has only the current one.
    const ref = { namespace: p.namespace, name: p.pod };
    let text = await cluster.logs(ref, p.container, { tailLines: tail, previous: true }).catch(() => '');
    if (!text.trim()) text = await cluster.logs(ref, p.container, { tailLines: tail });
    const lines = text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .slice(-3);
    if (lines.length === 0) return problem;
    return { ...problem, hint: `${problem.hint}; last log lines: ${lines.map((l) => JSON.stringify(l.length > 200 ? `${l.slice(0, 199)}…` : l)).join(' | ')}` };
  } catch {
    return problem;
  }
}

async function podFindings(cluster: Partial<Pick<Cluster, 'logs'>>, pods: KubeObject[], nodes: KubeObject[] | undefined, tail: number): Promise<Problem[]> {
  const found = podProblems(pods, nodes);
  const out: Problem[] = [];
  let logsFetched = false;
  for (const p of found) {
    let problem = podProblemToProblem(p);
    if (p.fatal && !logsFetched) {
      logsFetched = true;
      problem = await withLogs(cluster, p, problem, tail);
    }
    out.push(problem);
  }
  return out;
}

function notReadyFindings(nodes: KubeObject[], only?: Set<string>): Problem[] {
  const list = notReadyNodes(nodes).filter((n) => !only || only.has(n.node));
  const shown = list.slice(0, 3).map((n): Problem => ({ severity: 'info', message: describeNotReadyNode(n), hint: `kubectl describe node ${n.node}` }));
  if (list.length > 3) shown.push({ severity: 'info', message: `${list.length - 3} more nodes are NotReady: ${list.slice(3).map((n) => n.node).join(', ')}` });
  return shown;
}

/**
 * The `diagnose` for waitForRollout: reads the object, its pods (by its selector) and the
 * nodes, and returns what is wrong. Lists it is not allowed to make are skipped.
 */
export function diagnoserFor(cluster: Pick<Cluster, 'get' | 'list'> & Partial<Pick<Cluster, 'logs'>>, ref: WorkloadRef, opts: DiagnoseOptions = {}): () => Promise<Problem[]> {
  const kind = viewerKind(ref.apiVersion, ref.kind);
  const now = opts.now ?? Date.now;
  const tail = opts.logTailLines ?? 5;
  return async () => {
    const fetched = await cluster.get(ref);
    if (!fetched) return [];
    const obj: KubeObject = { ...fetched, apiVersion: fetched.apiVersion ?? ref.apiVersion, kind: fetched.kind ?? ref.kind };
    const selector = kind === 'DaemonSet' ? daemonSetSelector(obj) : labelSelectorString(obj.spec?.selector);
    const [pods, nodes] = await Promise.all([
      selector ? tryList(cluster, { ...POD, namespace: ref.namespace }, selector) : Promise.resolve(undefined),
      tryList(cluster, NODE),
    ]);
    const mine = owned(pods ?? [], kind === 'DaemonSet' ? obj.metadata.uid : undefined);
    const problems = await podFindings(cluster, mine, nodes, tail);
    if (kind === 'DaemonSet' && nodes) {
      const zero = zeroDesiredButSchedulable(obj, nodes);
      if (zero) problems.push({ severity: zero.fatal ? 'fatal' : 'blocking', message: zero.message, hint: zero.hint });
      if (pods && !zero) {
        const hash = await currentRevisionHash(cluster, obj, selector);
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
    } else if (nodes) {
      const used = new Set(mine.map((p) => p.spec?.nodeName).filter((n): n is string => typeof n === 'string'));
      problems.push(...notReadyFindings(nodes, used));
    }
    return problems;
  };
}

export type WorkloadWaitOptions = Omit<WaitOptions, 'ref' | 'evaluate' | 'diagnose' | 'cluster'> & {
  cluster: Pick<Cluster, 'get' | 'list' | 'watch'> & Partial<Pick<Cluster, 'logs'>>;
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
  return waitForRollout({
    ...rest,
    evaluate,
    ...(diagnose === false
      ? {}
      : { diagnose: diagnoserFor(opts.cluster, opts.ref, { ...(now ? { now } : {}), ...(logTailLines !== undefined ? { logTailLines } : {}) }) }),
  });
}
