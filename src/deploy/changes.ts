/**
 * What applying a manifest would change in the cluster, shown as a diff against the live objects
 * (install and scope: an upgrade's summary and --diff).
 */
import type { ClusterSession, KubeObject } from '../cluster/types.js';
import type { OutputFormat } from '../output/formats.js';
import type { Reporter } from '../output/reporter.js';
import { printResult } from '../output/print.js';
import { FIELD_MANAGER } from './apply.js';

/**
 * Prints what applying would change against the live objects, after the `header` lines (the release change);
 * -o json/yaml: the diff as one document. Returns how many objects change.
 */
export async function showChanges(
  cluster: ClusterSession,
  objects: KubeObject[],
  reporter: Reporter,
  header: string[] = [],
  output: OutputFormat = 'text',
): Promise<number> {
  const { diffObjects, formatDiff } = await import('../upgrade/diff.js');
  const pairs = await Promise.all(
    objects.map(async (o) => {
      const served = await cluster.serves(String(o.apiVersion), String(o.kind));
      const live = served ? await cluster.get({ apiVersion: String(o.apiVersion), kind: String(o.kind), namespace: o.metadata.namespace, name: o.metadata.name }) : undefined;
      // A cluster-scoped object that a manifest gives a namespace (Scope's ClusterRole) has none in the cluster.
      const desired = live && live.metadata.namespace === undefined && o.metadata.namespace !== undefined ? { ...o, metadata: { ...o.metadata, namespace: undefined } } : o;
      return { live, desired };
    }),
  );
  const live = pairs.flatMap((p) => (p.live ? [p.live] : []));
  const applied = await dryRunApplied(
    cluster,
    pairs.flatMap((p) => (p.live ? [p.desired] : [])),
    reporter,
  );
  const diffs = diffObjects(
    live,
    pairs.map((p) => p.desired),
    applied,
  );
  const changed = diffs.filter((d) => d.status === 'new' || d.status === 'changed').length;
  if (output === 'text') reporter.info(changed === 0 ? 'No changes: the cluster already runs this manifest' : 'Changes:');
  await printResult(reporter, output, {
    json: () => ({ changed, ...(header.length > 0 ? { notes: header } : {}), objects: diffs }),
    name: () => diffs.filter((d) => d.status === 'new' || d.status === 'changed').map((d) => d.resource).join('\n'),
    text: () => (changed === 0 ? '' : [...header.map((h) => `# ${h}`), formatDiff(diffs, { unchanged: false })].join('\n')),
  });
  return changed;
}

/**
 * The objects that exist already as a server dry-run apply (dryRun=All, weavectl's field manager) returns them:
 * server-side apply removes the fields the manager set before and the manifest no longer sets, and only the
 * server knows which (managedFields, other managers' claims), so --diff asks it, as `kubectl diff` does.
 * Before Kubernetes 1.13 there is no server dry-run (and no server-side apply: nothing is removed then).
 * Forced: a conflict with another manager is the apply's to report; the diff still shows what would change.
 */
async function dryRunApplied(cluster: ClusterSession, existing: KubeObject[], reporter: Reporter): Promise<KubeObject[]> {
  if (existing.length === 0) return [];
  const [v, { minorVersion }] = await Promise.all([cluster.version(), import('../cluster/kube-cluster.js')]);
  if (v.major === '1' && minorVersion(v) < 13) return [];
  const failed: { object: KubeObject; err: unknown }[] = [];
  const results = await Promise.all(
    existing.map(async (o) => {
      try {
        return [(await cluster.apply(o, { fieldManager: FIELD_MANAGER, force: true, dryRun: true })).object];
      } catch (err) {
        failed.push({ object: o, err });
        return [];
      }
    }),
  );
  if (failed.length > 0) {
    // one warning (a user who may only read gets a 403 for every object)
    const { resourceOf } = await import('../upgrade/diff.js');
    const first = failed[0]!;
    const why = `${resourceOf(first.object)}: ${first.err instanceof Error ? first.err.message : String(first.err)}`;
    reporter.warn(
      `could not dry-run the apply of ${failed.length === 1 ? '' : `${failed.length} objects, first `}${why}; the fields the apply would remove from ${failed.length === 1 ? 'it' : 'them'} are not shown`,
    );
  }
  return results.flat();
}
