/**
 * The cluster side of install's guard (src/upgrade/guard.ts holds the rule; finding every Weave Net
 * that runs is src/weave/running.ts): running the guard over the objects about to be applied, and
 * making the write conditional on what the guard saw (optimistic concurrency).
 *
 * Concurrency: the weave-net DaemonSet is applied with `metadata.resourceVersion` set, which the API
 * server treats as a precondition (a different resourceVersion is a 409 Conflict; kubernetes#106745
 * shows the same for server-side apply). For an upgrade it is the resourceVersion the guard read; for
 * a fresh install it is the resourceVersion of the list that found no Weave Net, which every object
 * created after that list exceeds. A 409 on an upgrade re-reads the DaemonSet (a few times at most): a status-only
 * change (controllers make them all the time) is no change to the plan and the write is retried with
 * the new resourceVersion; any other change is refused.
 */
import type { ClusterSession, KubeObject } from '../cluster/types.js';
import { failure, WeavectlError } from '../errors.js';
import { NET_DAEMONSET } from '../weave/names.js';
import type { Reporter } from '../output/reporter.js';
import { guardChange, guardError, type GuardAllow, type GuardVerdict } from '../upgrade/guard.js';
import type { RunningWeave } from '../weave/running.js';

/** Refuses a second Weave Net, or -n naming a namespace it does not run in, before anything else is read or rendered. */
export function refusePlacement(found: RunningWeave, requestedNamespace: string | undefined): void {
  const verdict = guardChange({ planned: [], running: found.running, ...(requestedNamespace !== undefined ? { requestedNamespace } : {}), allow: {} });
  const refused = guardError({ ...verdict, refusals: verdict.refusals.filter((r) => r.rule === 'second-weave' || r.rule === 'namespace') });
  if (refused) throw refused;
}

/**
 * Runs the guard and prints its warnings. Throws its refusal (exit 1), unless `deferRefusal` (--diff:
 * the changes are shown first; the caller throws `guardError(verdict)` after).
 */
export function enforceGuard(
  planned: readonly KubeObject[],
  found: RunningWeave,
  requestedNamespace: string | undefined,
  allow: GuardAllow,
  reporter: Reporter,
  opts: { deferRefusal?: boolean } = {},
): GuardVerdict {
  const verdict = guardChange({ planned, running: found.running, ...(requestedNamespace !== undefined ? { requestedNamespace } : {}), allow });
  const refused = guardError(verdict);
  if (refused && !opts.deferRefusal) throw refused;
  for (const w of verdict.warnings) reporter.warn(w.message);
  return verdict;
}

/** The object without what controllers and the server change on their own (status, resourceVersion, managedFields, generation). */
function planRelevant(o: KubeObject | undefined): string {
  if (!o) return '';
  const { status: _s, ...rest } = o;
  const { resourceVersion: _rv, managedFields: _mf, generation: _g, ...meta } = o.metadata;
  return JSON.stringify(sortKeys({ ...rest, metadata: meta }));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

export interface WritePrecondition {
  kind: 'DaemonSet';
  namespace: string;
  name: string;
  resourceVersion: string;
  /** The DaemonSet as last seen (undefined: absent); a write that meets a 409 retries if only its status moved since. */
  seen?: KubeObject;
  /** A newer resourceVersion to retry with when the DaemonSet changed only where controllers write (status); undefined: really changed. */
  refresh?: () => Promise<string | undefined>;
}

function changedMeanwhile(ns: string, created: boolean): WeavectlError {
  return failure(
    created
      ? `another install created Weave Net (DaemonSet ${ns}/${NET_DAEMONSET}) while this one was planning; nothing of it was overwritten`
      : `DaemonSet ${ns}/${NET_DAEMONSET} was changed by someone else after weavectl read it (another install or upgrade at the same time?); nothing of it was overwritten`,
    'run the command again: it reads what runs now and plans against that',
  );
}

async function readNow(cluster: ClusterSession, apiVersion: string, namespace: string): Promise<{ now?: KubeObject; listRv: string }> {
  const list = await cluster.list({ apiVersion, kind: 'DaemonSet', namespace }, { fieldSelector: `metadata.name=${NET_DAEMONSET}` });
  return { ...(list.items[0] ? { now: list.items[0] } : {}), listRv: list.resourceVersion };
}

/**
 * The precondition the weave-net DaemonSet's write carries: for an upgrade the resourceVersion the
 * guard read (a 409 then re-reads it once: a change of its status alone, which controllers make all
 * the time, moves the precondition; any other change is refused); for a fresh install the
 * resourceVersion of the list that found no Weave Net, which every object created after it exceeds.
 * No extra read before the write: the API server checks the precondition where it writes.
 */
export function preconditionFor(cluster: ClusterSession, found: RunningWeave, verdict: GuardVerdict, namespace: string): WritePrecondition {
  const seen = verdict.current;
  if (!seen) return { kind: 'DaemonSet', namespace, name: NET_DAEMONSET, resourceVersion: found.listResourceVersion };
  const pre: WritePrecondition = { kind: 'DaemonSet', namespace, name: NET_DAEMONSET, resourceVersion: String(seen.metadata.resourceVersion ?? ''), seen };
  pre.refresh = async () => {
    const again = (await readNow(cluster, found.apiVersion, namespace)).now;
    return again && pre.seen && planRelevant(again) === planRelevant(pre.seen) ? String(again.metadata.resourceVersion) : undefined;
  };
  return pre;
}



/** The one-line error for such a write. */
export function conflictError(namespace: string, fresh: boolean): WeavectlError {
  return changedMeanwhile(namespace, fresh);
}
