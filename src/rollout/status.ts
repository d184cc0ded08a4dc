/**
 * Rollout status of one DaemonSet or Deployment: a pure function `object -> status`, exactly
 * kubectl's status viewers (k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go, 1.35):
 * same order of checks, same message strings (without kubectl's trailing newline).
 *
 * The wait loop that feeds these lives in ./wait.ts; what kubectl does not do (crash loops,
 * NotReady nodes, zero desired pods) lives in ./diagnose.ts.
 */
import { groupOf, groupsOf } from '../kube/kinds.js';
import type { KubeObject } from '../cluster/types.js';
import { usageError } from '../errors.js';

export interface RolloutCounts {
  /** DaemonSet: status.desiredNumberScheduled; Deployment: spec.replicas (default 1). */
  desired: number;
  /** DaemonSet: status.updatedNumberScheduled; Deployment: status.updatedReplicas. */
  updated: number;
  /** DaemonSet: status.numberAvailable; Deployment: status.availableReplicas. */
  available: number;
  /** DaemonSet: status.numberReady; Deployment: status.readyReplicas. */
  ready: number;
}

/**
 * kubectl's (message, done, error) triple. When `error` is set the rollout cannot be watched to
 * completion (wrong strategy, progress deadline exceeded, revision mismatch): the caller must
 * fail with it, and `done` is false. `message` is then empty, as in kubectl.
 */
export interface RolloutStatus {
  done: boolean;
  message: string;
  error?: string;
  /** What to do about `error` (weavectl's own evaluators set it; kubectl's never do). */
  hint?: string;
  counts: RolloutCounts;
  /** false while the controller has not observed the latest spec: `counts` are the previous generation's */
  observed?: false;
}

export type DaemonSetStrategy = 'RollingUpdate' | 'OnDelete' | string;

/** Go's %q for a Kubernetes name (DNS-1123, so JSON quoting is the same). */
function q(s: string): string {
  return JSON.stringify(s);
}

/** A non-negative integer field, or 0 when absent (Go's zero value). */
function int(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/**
 * The update strategy the API server gives a DaemonSet: spec.updateStrategy.type, or when it
 * is missing the default of the object's API version: OnDelete for extensions/v1beta1
 * (SetDefaults_DaemonSet in k8s.io/kubernetes/pkg/apis/extensions/v1beta1), RollingUpdate for
 * apps/v1beta2 and apps/v1. An object without apiVersion is taken as apps/v1 (the only one
 * served since Kubernetes 1.16).
 */
export function daemonSetStrategy(ds: KubeObject): DaemonSetStrategy {
  const type: unknown = ds.spec?.updateStrategy?.type;
  if (typeof type === 'string' && type !== '') return type;
  return ds.apiVersion === 'extensions/v1beta1' ? 'OnDelete' : 'RollingUpdate';
}

export function daemonSetCounts(ds: KubeObject): RolloutCounts {
  const s = ds.status ?? {};
  return {
    desired: int(s.desiredNumberScheduled),
    updated: int(s.updatedNumberScheduled),
    available: int(s.numberAvailable),
    ready: int(s.numberReady),
  };
}

/** kubectl's DaemonSetStatusViewer.Status. */
export function daemonSetStatus(ds: KubeObject): RolloutStatus {
  const counts = daemonSetCounts(ds);
  const name = ds.metadata.name;
  if (daemonSetStrategy(ds) !== 'RollingUpdate') {
    return { done: false, message: '', error: 'rollout status is only available for RollingUpdate strategy type', counts };
  }
  if (int(ds.metadata.generation) <= int(ds.status?.observedGeneration)) {
    if (counts.updated < counts.desired) {
      return {
        done: false,
        message: `Waiting for daemon set ${q(name)} rollout to finish: ${counts.updated} out of ${counts.desired} new pods have been updated...`,
        counts,
      };
    }
    if (counts.available < counts.desired) {
      return {
        done: false,
        message: `Waiting for daemon set ${q(name)} rollout to finish: ${counts.available} of ${counts.desired} updated pods are available...`,
        counts,
      };
    }
    return { done: true, message: `daemon set ${q(name)} successfully rolled out`, counts };
  }
  return { done: false, message: 'Waiting for daemon set spec update to be observed...', counts, observed: false };
}

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

/**
 * deploymentutil.Revision: the deployment.kubernetes.io/revision annotation as an int64, 0 when
 * absent; a bad value gives Go's strconv.ParseInt error text.
 */
export function deploymentRevision(deploy: KubeObject): { revision: number } | { error: string } {
  const v = deploy.metadata.annotations?.[REVISION_ANNOTATION];
  if (v === undefined) return { revision: 0 };
  if (!/^[+-]?\d+$/.test(v)) return { error: `strconv.ParseInt: parsing ${q(v)}: invalid syntax` };
  const n = BigInt(v);
  if (n > 9223372036854775807n || n < -9223372036854775808n) return { error: `strconv.ParseInt: parsing ${q(v)}: value out of range` };
  return { revision: Number(n) };
}

export function deploymentCounts(deploy: KubeObject): RolloutCounts {
  const s = deploy.status ?? {};
  return {
    desired: desiredReplicas(deploy) ?? 0,
    updated: int(s.updatedReplicas),
    available: int(s.availableReplicas),
    ready: int(s.readyReplicas),
  };
}

/**
 * spec.replicas. The API server defaults a missing value to 1 in every Deployment API version,
 * so an object read from a cluster always has it; a manifest without it is given the same 1.
 * kubectl skips the "new replicas" check only when the field is nil, which a served object never is.
 */
function desiredReplicas(deploy: KubeObject): number | undefined {
  const r: unknown = deploy.spec?.replicas;
  if (r === null) return undefined;
  return typeof r === 'number' ? r : 1;
}

/**
 * kubectl's DeploymentStatusViewer.Status. `revision` > 0 pins the rollout to that revision
 * (kubectl rollout status --revision=N).
 */
export function deploymentStatus(deploy: KubeObject, revision = 0): RolloutStatus {
  const counts = deploymentCounts(deploy);
  const name = deploy.metadata.name;
  const s = deploy.status ?? {};
  if (revision > 0) {
    const rev = deploymentRevision(deploy);
    if ('error' in rev) {
      return { done: false, message: '', error: `cannot get the revision of deployment ${q(name)}: ${rev.error}`, counts };
    }
    if (revision !== rev.revision) {
      return { done: false, message: '', error: `desired revision (${revision}) is different from the running revision (${rev.revision})`, counts };
    }
  }
  if (int(deploy.metadata.generation) <= int(s.observedGeneration)) {
    const conditions: unknown = s.conditions;
    const progressing = Array.isArray(conditions)
      ? (conditions as { type?: string; reason?: string }[]).find((c) => c?.type === 'Progressing')
      : undefined;
    if (progressing?.reason === 'ProgressDeadlineExceeded') {
      return { done: false, message: '', error: `deployment ${q(name)} exceeded its progress deadline`, counts };
    }
    const replicas = desiredReplicas(deploy);
    const updated = int(s.updatedReplicas);
    if (replicas !== undefined && updated < replicas) {
      return {
        done: false,
        message: `Waiting for deployment ${q(name)} rollout to finish: ${updated} out of ${replicas} new replicas have been updated...`,
        counts,
      };
    }
    const total = int(s.replicas);
    if (total > updated) {
      return {
        done: false,
        message: `Waiting for deployment ${q(name)} rollout to finish: ${total - updated} old replicas are pending termination...`,
        counts,
      };
    }
    const available = int(s.availableReplicas);
    if (available < updated) {
      return {
        done: false,
        message: `Waiting for deployment ${q(name)} rollout to finish: ${available} of ${updated} updated replicas are available...`,
        counts,
      };
    }
    return { done: true, message: `deployment ${q(name)} successfully rolled out`, counts };
  }
  return { done: false, message: 'Waiting for deployment spec update to be observed...', counts, observed: false };
}

/**
 * Which status viewer a kind gets, as kubectl's StatusViewerFor: DaemonSet and Deployment of the
 * apps and extensions groups. Anything else gets kubectl's error text (exit 2: the user named it).
 */
export function viewerKind(apiVersion: string, kind: string): 'DaemonSet' | 'Deployment' {
  const group = groupOf(apiVersion);
  if ((kind === 'DaemonSet' || kind === 'Deployment') && groupsOf(kind).includes(group)) return kind;
  // schema.GroupKind's String(): "Kind.group", or "Kind" for the core group.
  throw usageError(`no status viewer has been implemented for ${group ? `${kind}.${group}` : kind}`, 'rollout status supports DaemonSets and Deployments');
}
