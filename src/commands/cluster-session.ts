/**
 * What the commands that talk to a cluster share: connecting (the client library is loaded
 * here, on demand), the server's version, applying a manifest with one result line per object,
 * and waiting for workloads with live progress. Each piece loads its module lazily so that
 * rendering never pays for the cluster code.
 */
import type { KubeCluster } from '../cluster/kube-cluster.js';
import type { ApplyOptions, KubeObject } from '../cluster/types.js';
import { failure } from '../errors.js';
import { parseK8sVersion, versionFromServer, formatMinor, type K8sVersion } from '../manifest/k8s-version.js';
import type { Manifest } from '../manifest/manifest.js';
import type { Reporter } from '../output/reporter.js';
import { liveLine } from '../output/rollout-progress.js';
import type { RolloutStatus } from '../rollout/status.js';
import type { WorkloadRef } from '../rollout/workload.js';
import { remainingMs, type Globals } from './global.js';

export const FIELD_MANAGER = 'weavectl';

export async function openCluster(g: Globals, reporter: Reporter): Promise<KubeCluster> {
  const { connect } = await import('../cluster/kube-cluster.js');
  return connect({
    kubeconfig: g.kubeconfig,
    context: g.context,
    ...(g.namespaceSet ? { namespace: g.namespace } : {}),
    ...(g.requestTimeoutMs !== undefined ? { requestTimeoutMs: g.requestTimeoutMs } : {}),
    deadline: g.deadline,
    overrides: g.overrides,
    commandTimeoutMs: g.timeoutMs,
    onWarning: (m) => reporter.warn(m),
  });
}

/**
 * --dry-run=server needs Kubernetes 1.13 (server-side dry-run went beta, on by default, in 1.13; 1.12
 * had it alpha behind a feature gate). An older server does not know dryRun=All and would apply for
 * real, so the command fails here, once, before anything is sent.
 */
export async function requireServerDryRun(cluster: Pick<KubeCluster, 'version'>): Promise<void> {
  const v = await cluster.version();
  const minor = Number.parseInt(v.minor, 10);
  if (v.major === '1' && Number.isFinite(minor) && minor < 13) {
    throw failure(
      `server-side dry-run needs Kubernetes 1.13 or newer; the cluster runs ${v.gitVersion}`,
      'use --dry-run=client (an older server would ignore dryRun and change the cluster, so nothing was sent)',
    );
  }
}

export interface ResolvedVersion {
  k8s: K8sVersion;
  /** What the cloud API gets as k8s-version: the flag as typed, else the server's gitVersion. */
  raw: string;
  server: K8sVersion;
}

/**
 * The Kubernetes version to render for: the server's, unless --k8s-version says otherwise
 * (then a different minor is a warning: the manifest may not fit).
 */
export async function resolveVersion(cluster: KubeCluster, flag: string | undefined, reporter: Reporter): Promise<ResolvedVersion> {
  const sv = await cluster.version();
  const server = versionFromServer(sv);
  if (flag === undefined) {
    reporter.debug(`Cluster ${cluster.server} runs Kubernetes ${sv.gitVersion}`);
    return { k8s: server, raw: sv.gitVersion, server };
  }
  const k8s = parseK8sVersion(flag);
  if (k8s.major !== server.major || k8s.minor !== server.minor) {
    reporter.warn(`--k8s-version ${formatMinor(k8s)} differs from the cluster's Kubernetes ${sv.gitVersion}: the manifest may not fit it`);
  }
  return { k8s, raw: flag, server };
}

/** Fails before anything is sent when the cluster does not serve a kind of the manifest. */
export async function checkServed(cluster: KubeCluster, objects: KubeObject[], fits: string): Promise<void> {
  const pairs = new Map<string, { apiVersion: string; kind: string }>();
  for (const o of objects) pairs.set(`${o.apiVersion}/${o.kind}`, { apiVersion: String(o.apiVersion), kind: String(o.kind) });
  const served = await Promise.all([...pairs.values()].map(async (p) => ({ ...p, ok: await cluster.serves(p.apiVersion, p.kind) })));
  const missing = served.filter((p) => !p.ok).map((p) => `${p.kind} ${p.apiVersion}`);
  if (missing.length > 0) {
    const v = await cluster.version();
    throw failure(`the cluster (Kubernetes ${v.gitVersion}) does not serve ${missing.join(', ')}; nothing was applied`, fits);
  }
}

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
function retryingPreconditions(cluster: KubeCluster, preconditions: readonly Precondition[]) {
  return {
    version: () => cluster.version(),
    serves: (apiVersion: string, kind: string) => cluster.serves(apiVersion, kind),
    servedVersionsOf: (kind: string) => cluster.servedVersionsOf(kind),
    prepareApply: (objects: readonly KubeObject[]) => (cluster as { prepareApply?: (o: readonly KubeObject[]) => void }).prepareApply?.(objects),
    get: cluster.get.bind(cluster),
    list: cluster.list.bind(cluster),
    listPages: cluster.listPages.bind(cluster),
    watch: cluster.watch.bind(cluster),
    create: cluster.create.bind(cluster),
    delete: cluster.delete.bind(cluster),
    patch: cluster.patch.bind(cluster),
    exec: cluster.exec.bind(cluster),
    logs: cluster.logs.bind(cluster),
    async apply(obj: KubeObject, opts: ApplyOptions) {
      const pre = preconditions.find((p) => p.kind === obj.kind && p.name === obj.metadata.name && (p.namespace ?? '') === (obj.metadata.namespace ?? ''));
      let body = obj;
      for (let attempt = 0; ; attempt++) {
        try {
          return await cluster.apply(body, opts);
        } catch (err) {
          const { isKubeApiError } = await import('../cluster/status-errors.js');
          if (!pre?.refresh || attempt >= PRECONDITION_RETRIES || !isKubeApiError(err, 409) || err.reason !== 'Conflict' || /^apply conflict/.test(err.message)) throw err;
          const rv = await pre.refresh();
          if (rv === undefined) throw err;
          body = { ...body, metadata: { ...body.metadata, resourceVersion: rv } };
        }
      }
    },
  };
}

/** Server-side apply of every object, one kubectl-style line per object: "daemonset.apps/weave-net configured". */
export async function applyManifest(cluster: KubeCluster, manifest: Manifest, flags: ApplyFlags, reporter: Reporter): Promise<KubeObject[]> {
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

/**
 * Waits for every workload at once, showing one progress line each on stderr (TTY: live; plain:
 * kubectl's messages as they change); the final "successfully rolled out" of each is a result line.
 * Fails with the first failure; returns the final status of each.
 */
export async function waitForWorkloads(cluster: KubeCluster, refs: WorkloadRef[], g: Globals, reporter: Reporter): Promise<RolloutStatus[]> {
  const { waitForWorkload } = await import('../rollout/workload.js');
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    return await Promise.all(
      refs.map(async (ref) => {
        const key = `${ref.kind.toLowerCase()}/${ref.name}`;
        const result = await waitForWorkload({
          cluster,
          ref,
          timeoutMs: g.timeoutMs > 0 ? remainingMs(g) : 0,
          signal: abort.signal,
          onProgress: (s) => {
            if (reporter.mode === 'tty') reporter.progress(key, liveLine(ref.name, s));
            else if (!s.done) reporter.progress(key, s.message || s.error || '');
          },
          onProblems: (problems) => {
            for (const p of problems) {
              if (p.severity === 'blocking') reporter.warn(p.message);
              else if (p.severity === 'info') reporter.debug(p.message);
            }
          },
          onRetry: (r) => reporter.debug(`${r.what} of ${key} failed (${(r.error as Error)?.message ?? r.error}); retrying in ${r.delayMs} ms`),
        }).catch((err) => {
          abort.abort();
          throw err;
        });
        if (reporter.mode === 'tty') reporter.endProgress();
        reporter.success(result.status.message);
        return result.status;
      }),
    );
  } finally {
    process.off('SIGINT', onSigint);
    reporter.endProgress();
  }
}
