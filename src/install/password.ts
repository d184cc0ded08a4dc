/**
 * Install's care for WEAVE_PASSWORD: the Secret it names must exist (with its key) before anything is
 * applied, and a literal WEAVE_PASSWORD on the running DaemonSet is replaced, never left beside the
 * new valueFrom.
 *
 * Why a separate write for the literal: server-side apply removes only fields its own manager owns;
 * a literal `value` written by kubectl or an editor belongs to that manager, so applying a valueFrom
 * would leave both on the env var (which the API server refuses: "may not be specified when `value`
 * is not empty", pkg/apis/core/validation). A strategic merge patch replaces the env var first: the
 * literal goes and, in the same write, the entry becomes what the manifest sets (from the Secret, or
 * gone), so no pod ever starts without the intended password in between.
 */
import type { ClusterSession, KubeObject } from '../cluster/types.js';
import { isKubeApiError } from '../cluster/status-errors.js';
import { failure } from '../errors.js';
import { WEAVE_CONTAINER } from '../weave/names.js';
import type { Reporter } from '../output/reporter.js';
import { passwordSecretProblem, passwordSecretRef } from '../check/password-secret.js';
import { FIELD_MANAGER } from '../deploy/apply.js';

/** Fails (exit 1) when the planned DaemonSet takes WEAVE_PASSWORD from a Secret or key that does not exist. */
export async function requirePasswordSecret(cluster: ClusterSession, plannedDs: KubeObject | undefined, reporter: Reporter): Promise<void> {
  const ref = plannedDs ? passwordSecretRef(plannedDs) : undefined;
  if (!ref) return;
  let secret: KubeObject | undefined;
  try {
    secret = await cluster.get({ apiVersion: 'v1', kind: 'Secret', namespace: ref.namespace, name: ref.name });
  } catch (err) {
    if (!isKubeApiError(err, 403)) throw err;
    reporter.warn(`may not read Secret ${ref.namespace}/${ref.name}: could not check that it holds the key ${ref.key} weave-net takes WEAVE_PASSWORD from`);
    return;
  }
  const problem = passwordSecretProblem(ref, secret);
  if (problem) throw failure(`${problem.message}; nothing was applied`, problem.hint);
}

function literalPasswordIndex(ds: KubeObject): number {
  const weave = (ds.spec?.template?.spec?.containers as { name?: string; env?: { name?: string; value?: unknown }[] }[] | undefined)?.find((c) => c.name === WEAVE_CONTAINER);
  return (weave?.env ?? []).findIndex((e) => e?.name === 'WEAVE_PASSWORD' && typeof e.value === 'string' && e.value !== '');
}

/**
 * When the running DaemonSet has a literal WEAVE_PASSWORD, replaces that env var with the planned one
 * (one strategic merge patch, conditional on `resourceVersion`) and returns the new resourceVersion;
 * otherwise returns `resourceVersion` unchanged. Returns the patched object too. Not done on a server dry run (nothing is written).
 */
export async function replaceLiteralPassword(
  cluster: ClusterSession,
  current: KubeObject | undefined,
  plannedDs: KubeObject | undefined,
  resourceVersion: string,
  opts: { dryRun: boolean },
): Promise<{ resourceVersion: string; object?: KubeObject }> {
  if (!current || !plannedDs || opts.dryRun || literalPasswordIndex(current) < 0) return { resourceVersion };
  const weave = (plannedDs.spec?.template?.spec?.containers as { name?: string; env?: { name?: string }[] }[] | undefined)?.find((c) => c.name === WEAVE_CONTAINER);
  const planned = weave?.env?.find((e) => e?.name === 'WEAVE_PASSWORD');
  const entry = planned ? { ...planned, value: null } : { name: 'WEAVE_PASSWORD', $patch: 'delete' };
  const patched = await cluster.patch(
    { apiVersion: String(current.apiVersion), kind: 'DaemonSet', namespace: current.metadata.namespace, name: current.metadata.name },
    { metadata: { resourceVersion }, spec: { template: { spec: { containers: [{ name: WEAVE_CONTAINER, env: [entry] }] } } } },
    { type: 'strategic', fieldManager: FIELD_MANAGER },
  );
  return { resourceVersion: String(patched.metadata.resourceVersion), object: patched };
}
