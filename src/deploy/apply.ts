/**
 * Writing a manifest: server-side apply of every object with one kubectl-style result line each,
 * conditional writes (resourceVersion preconditions) retried when only the status moved meanwhile.
 */
import type { ApplyOptions, ClusterSession, KubeObject } from '../cluster/types.js';
import type { Manifest } from '../manifest/manifest.js';
import type { Reporter } from '../output/reporter.js';

/** The field manager of everything weavectl writes. */
export const FIELD_MANAGER = 'weavectl';

export interface ApplyFlags {
  dryRun: boolean;
  force: boolean;
  /**
   * Objects written only if their resourceVersion still is this one (`metadata.resourceVersion` in
   * the body: the API server answers 409 Conflict otherwise).
   */
  preconditions?: readonly Precondition[];
}

export interface Precondition {
  kind: string;
  namespace?: string;
  name: string;
  resourceVersion: string;
  /** On a 409: a newer resourceVersion to retry with (the object changed only where controllers write), or undefined. */
  refresh?: () => Promise<string | undefined>;
}

/** How often a write whose object only changed status meanwhile is retried with the newer resourceVersion. */
const PRECONDITION_RETRIES = 5;

/**
 * The cluster as applyAll sees it, with conditional writes retried after a 409 when `refresh` finds
 * only a status change (controllers update status all the time; that is no change to the plan).
 */
function retryingPreconditions(cluster: ClusterSession, preconditions: readonly Precondition[]) {
  return {
    version: () => cluster.version(),
    serves: (apiVersion: string, kind: string) => cluster.serves(apiVersion, kind),
    servedVersionsOf: (kind: string) => cluster.servedVersionsOf(kind),
    prepareApply: (objects: readonly KubeObject[]) => cluster.prepareApply(objects),
    get: cluster.get.bind(cluster),
    list: cluster.list.bind(cluster),
    listPages: cluster.listPages.bind(cluster),
    watch: cluster.watch.bind(cluster),
    create: cluster.create.bind(cluster),
    delete: cluster.delete.bind(cluster),
    patch: cluster.patch.bind(cluster),
    exec: cluster.exec.bind(cluster),
    portForward: cluster.portForward.bind(cluster),
    logs: cluster.logs.bind(cluster),
    async apply(obj: KubeObject, opts: ApplyOptions) {
      const pre = preconditions.find((p) => p.kind === obj.kind && p.name === obj.metadata.name && (p.namespace ?? '') === (obj.metadata.namespace ?? ''));
      let body = obj;
      for (let attempt = 0; ; attempt++) {
        try {
          return await cluster.apply(body, opts);
        } catch (err) {
          const { isKubeApiError, isPreconditionConflict } = await import('../cluster/status-errors.js');
          if (!pre?.refresh || attempt >= PRECONDITION_RETRIES || !isKubeApiError(err, 409) || err.reason !== 'Conflict' || !isPreconditionConflict(err)) throw err;
          const rv = await pre.refresh();
          if (rv === undefined) throw err;
          body = { ...body, metadata: { ...body.metadata, resourceVersion: rv } };
        }
      }
    },
  };
}

/** Server-side apply of every object, one kubectl-style line per object: "daemonset.apps/weave-net configured". */
export async function applyManifest(cluster: ClusterSession, manifest: Manifest, flags: ApplyFlags, reporter: Reporter): Promise<KubeObject[]> {
  const [{ applyAll }, { toObjects }] = await Promise.all([import('../cluster/apply.js'), import('../manifest/manifest.js')]);
  const suffix = flags.dryRun ? ' (server dry run)' : '';
  const objects = (toObjects(manifest) as KubeObject[]).map((o) => {
    const pre = flags.preconditions?.find((p) => p.kind === o.kind && p.name === o.metadata.name && (p.namespace ?? '') === (o.metadata.namespace ?? ''));
    return pre && pre.resourceVersion !== '' ? { ...o, metadata: { ...o.metadata, resourceVersion: pre.resourceVersion } } : o;
  });
  const target = flags.preconditions?.some((p) => p.refresh) ? retryingPreconditions(cluster, flags.preconditions) : cluster;
  const outcomes = await applyAll(target, objects, {
    fieldManager: FIELD_MANAGER,
    force: flags.force,
    dryRun: flags.dryRun,
    onResult: (o) => {
      if (o.outcome === 'applied') reporter.success(`${o.name} ${o.result}${suffix}`);
      else if (o.outcome === 'skipped') reporter.info(`${o.name} not applied (an earlier object failed)`);
    },
  });
  return outcomes.flatMap((o) => (o.outcome === 'applied' ? [o.object] : []));
}
