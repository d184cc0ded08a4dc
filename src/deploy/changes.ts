/**
 * What applying a manifest would change in the cluster, shown as a diff against the live objects
 * (install and scope: an upgrade's summary and --diff).
 */
import type { ClusterSession, KubeObject } from '../cluster/types.js';
import type { OutputFormat } from '../output/formats.js';
import type { Reporter } from '../output/reporter.js';

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
  const diffs = diffObjects(
    live,
    pairs.map((p) => p.desired),
  );
  const changed = diffs.filter((d) => d.status === 'new' || d.status === 'changed').length;
  if (output === 'json' || output === 'yaml') {
    const doc = { changed, ...(header.length > 0 ? { notes: header } : {}), objects: diffs };
    reporter.document(output === 'json' ? JSON.stringify(doc, null, 2) : (await import('yaml')).stringify(doc));
    return changed;
  }
  if (output === 'name') {
    reporter.data(diffs.filter((d) => d.status === 'new' || d.status === 'changed').map((d) => d.resource).join('\n'));
    return changed;
  }
  if (changed === 0) {
    reporter.info('No changes: the cluster already runs this manifest');
    return 0;
  }
  reporter.info('Changes:');
  reporter.data([...header.map((h) => `# ${h}`), formatDiff(diffs, { unchanged: false })].join('\n'));
  return changed;
}
