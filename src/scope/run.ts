/**
 * The flow of `weavectl scope`: Weave Scope for the cluster's Kubernetes version, with the
 * weave-scope-app Service patched to the given external IPs and port; a re-run keeps what the running
 * Scope was configured with; the changes shown (--diff) or applied and waited for.
 * src/commands/scope.ts turns the flags into ScopeOptions and calls these.
 */
import type { ClusterSession, KubeObject } from '../cluster/types.js';
import { isKubeApiError } from '../cluster/status-errors.js';
import { applyManifest } from '../deploy/apply.js';
import { showChanges } from '../deploy/changes.js';
import { printApplied } from '../deploy/print.js';
import { checkServed, requireServerDryRun, resolveVersion } from '../deploy/version.js';
import { waitForWorkloads } from '../deploy/wait.js';
import { EXIT_FAILURE, failure } from '../errors.js';
import { formatMinor, parseK8sVersion } from '../manifest/k8s-version.js';
import { toObjects, type Manifest } from '../manifest/manifest.js';
import { moveScopeNamespace } from '../manifest/patch-scope.js';
import { SCOPE_AGENT_DAEMONSET, SCOPE_APP_PORT, SCOPE_CLUSTER_AGENT_DEPLOYMENT, SCOPE_NAMESPACE, SCOPE_SERVICE, WEAVE_NAMESPACE } from '../weave/names.js';
import { confirm } from '../output/ask.js';
import type { DryRun, OutputFormat } from '../output/formats.js';
import type { Reporter } from '../output/reporter.js';
import type { Deadline } from '../util/deadline.js';
import { mergeScopeSettings, readScopeSettings, type LiveScope, type ScopeFlagSettings } from '../upgrade/scope-settings.js';
import type { ScopeOptions } from './options.js';
import { patchScope, renderScope } from './render.js';
import { WEAVE_DEFAULT_IPALLOC } from '../net/cidr.js';
import { programName } from '../util/program-name.js';
import { allowFromContext, extraFlagSettings, liveExtras, offlineRuntime, prepareBasicAuth, removeAllowFromPolicy, resolveRuntime } from './extras.js';

/** What scope takes from the global flags. */
export interface ScopeContext extends Deadline {
  dryRun: DryRun;
  output: OutputFormat;
}

/** --dry-run=client: the manifest scope would apply, rendered without a cluster (for --k8s-version, else Kubernetes 1.9+). */
export async function renderScopeManifest(f: ScopeOptions, flagSettings: ScopeFlagSettings, reporter: Reporter): Promise<Manifest> {
  const settings = mergeScopeSettings(undefined, flagSettings).settings;
  let k8sRaw = f.k8sVersion;
  if (k8sRaw === undefined) {
    k8sRaw = '1.29';
    reporter.info('No --k8s-version and no cluster asked (--dry-run=client): rendering for current Kubernetes (1.9 and later)');
  }
  const runtime = offlineRuntime(extraFlagSettings(f, true).runtime, reporter);
  const k8s = parseK8sVersion(k8sRaw);
  if (settings.allowFrom && settings.allowFrom.length > 0) {
    reporter.info(`--allow-from without a cluster (--dry-run=client): the probes' Weave Net range is taken as ${WEAVE_DEFAULT_IPALLOC}`);
  }
  return patchScope(await renderScope(f, k8s, k8sRaw, reporter), { ...settings, ...(runtime ? { runtime } : {}) }, reporter, { k8sMinor: k8s.major > 1 ? 1000 : k8s.minor }).manifest;
}

/** Service weave-scope-app in every namespace: where Scope runs. Where listing all namespaces is forbidden: in Scope's two namespaces (weave, kube-system). */
export async function findRunningScope(cluster: ClusterSession, reporter: Reporter): Promise<KubeObject[]> {
  try {
    return (await cluster.list({ apiVersion: 'v1', kind: 'Service' }, { fieldSelector: `metadata.name=${SCOPE_SERVICE}` })).items;
  } catch (err) {
    if (!isKubeApiError(err, 403)) throw err;
  }
  reporter.warn('may not list Services in every namespace: looked for a running Weave Scope in weave and kube-system only');
  const found = await Promise.all([SCOPE_NAMESPACE, WEAVE_NAMESPACE].map((namespace) => cluster.get({ apiVersion: 'v1', kind: 'Service', namespace, name: SCOPE_SERVICE })));
  return found.filter((o): o is KubeObject => o !== undefined);
}

/**
 * Install or re-run Weave Scope on the cluster. Prints the applied objects (-o yaml|json|name) and where
 * the UI is; returns the exit code (--diff: 1 when something would change, as kubectl diff).
 */
export async function scopeOnCluster(cluster: ClusterSession, f: ScopeOptions, flagSettings: ScopeFlagSettings, g: ScopeContext, reporter: Reporter): Promise<number> {
  cluster.warmUp(); // the version and discovery in one round trip
  if (g.dryRun === 'server') await requireServerDryRun(cluster);
  const [v, running] = await Promise.all([resolveVersion(cluster, f.k8sVersion, reporter), findRunningScope(cluster, reporter)]);
  if (running.length > 1) {
    throw failure(
      `Weave Scope runs more than once (Service ${SCOPE_SERVICE} in ${running.map((o) => o.metadata.namespace).join(', ')}): weavectl will not change either`,
      'remove the one that should not run, then run weavectl scope again',
    );
  }
  let rendered = await renderScope(f, v.k8s, v.raw, reporter);
  const renderedNs = (toObjects(rendered) as KubeObject[]).find((o) => o.kind === 'Service' && o.metadata.name === SCOPE_SERVICE)?.metadata.namespace ?? SCOPE_NAMESPACE;

  // A re-run keeps what the running Scope was configured with, its namespace too, unless a flag says otherwise.
  const liveSvc = running[0];
  let live: LiveScope | undefined;
  if (liveSvc) {
    const ns = liveSvc.metadata.namespace ?? SCOPE_NAMESPACE;
    if (ns !== renderedNs) rendered = moveScopeNamespace(rendered, ns);
    const plain = toObjects(rendered) as KubeObject[];
    const probes = await Promise.all(
      plain
        .filter((o) => (o.kind === 'DaemonSet' && o.metadata.name === SCOPE_AGENT_DAEMONSET) || (o.kind === 'Deployment' && o.metadata.name === SCOPE_CLUSTER_AGENT_DEPLOYMENT))
        .map((o) => cluster.get({ apiVersion: String(o.apiVersion), kind: String(o.kind), namespace: ns, name: o.metadata.name })),
    );
    const appApi = String(plain.find((o) => o.kind === 'Deployment')?.apiVersion ?? 'apps/v1');
    live = readScopeSettings(liveSvc, probes.filter((o): o is KubeObject => o !== undefined), await liveExtras(cluster, ns, appApi));
  }
  // --runtime auto (or a new install without --runtime): from the nodes; a re-run without it keeps what runs
  const runtime = await resolveRuntime(cluster, extraFlagSettings(f, false).runtime, live !== undefined, reporter);
  const merged = mergeScopeSettings(live, { ...flagSettings, ...(runtime ? { runtime } : {}) });
  if (live) {
    reporter.info(`Weave Scope is running in ${live.namespace}: keeping its settings unless a flag changes them`);
    reporter.info(`  kept     namespace ${live.namespace}${live.namespace === renderedNs ? '' : ` (the manifest's is ${renderedNs})`}`);
    for (const k of merged.kept) reporter.info(`  kept     ${k}`);
    for (const c of merged.changed) reporter.info(`  changed  ${c}`);
  }
  const scopeNs = live?.namespace ?? renderedNs;
  // the basic-auth Secret is checked before anything is written (absent without --generate: refused here)
  const createSecret = await prepareBasicAuth(cluster, scopeNs, merged.settings, Boolean(f.generate), reporter);
  const ctx = merged.settings.allowFrom && merged.settings.allowFrom.length > 0 ? await allowFromContext(cluster, v.k8s.major > 1 ? 1000 : v.k8s.minor, reporter) : {};
  const { manifest } = patchScope(rendered, merged.settings, reporter, ctx);
  const objects = toObjects(manifest) as KubeObject[];
  await checkServed(
    cluster,
    objects,
    f.k8sVersion === undefined ? 'this Scope manifest does not fit the cluster' : `the manifest for Kubernetes ${formatMinor(v.server)} fits this cluster: run without --k8s-version`,
  );
  if (live || f.diff) {
    const changes = await showChanges(cluster, objects, reporter, [], f.diff ? g.output : 'text');
    if (f.diff) {
      // kubectl diff's convention: exit 1 when there are differences, 0 when none.
      return changes > 0 ? EXIT_FAILURE : 0;
    }
    if (live && changes > 0 && !(await confirm(f, g, reporter, 'Apply these changes to the running Weave Scope?'))) {
      // A "no" is an answer, not a failure: exit 0.
      reporter.info('Nothing changed: the changes were not confirmed');
      return 0;
    }
  }
  await createSecret(g.dryRun === 'server');
  await printApplied(await applyManifest(cluster, manifest, { dryRun: g.dryRun === 'server', force: Boolean(f.forceConflicts) }, reporter), g.output, reporter);
  if ((live?.settings.allowFrom ?? []).length > 0 && (merged.settings.allowFrom ?? []).length === 0) {
    await removeAllowFromPolicy(cluster, scopeNs, g.dryRun === 'server', reporter);
  }
  if (g.dryRun === 'server') return 0;
  if (f.wait) {
    const workloads = objects
      .filter((o) => o.kind === 'DaemonSet' || o.kind === 'Deployment')
      .map((o) => ({ apiVersion: String(o.apiVersion), kind: String(o.kind), namespace: o.metadata.namespace ?? SCOPE_NAMESPACE, name: o.metadata.name }));
    await waitForWorkloads(cluster, workloads, g, reporter);
  }
  const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === SCOPE_SERVICE);
  // where the UI is: part of the result (stdout in text mode)
  if (svc) reporter.success(howToReach(svc));
  return 0;
}

/** Where the UI is, from the Service as applied. */
export function howToReach(svc: KubeObject): string {
  const ns = svc.metadata.namespace ?? SCOPE_NAMESPACE;
  const port = Number(svc.spec?.ports?.[0]?.port ?? SCOPE_APP_PORT);
  const ips: string[] = svc.spec?.externalIPs ?? [];
  if (ips.length > 0) return `Weave Scope UI: ${ips.map((ip) => `http://${ip.includes(':') ? `[${ip}]` : ip}:${port}/`).join(' ')}`;
  if (svc.spec?.type === 'NodePort') return `Weave Scope UI: on every node at its node port: kubectl get svc -n ${ns} ${SCOPE_SERVICE} -o jsonpath='{.spec.ports[0].nodePort}'`;
  if (svc.spec?.type === 'LoadBalancer') return `Weave Scope UI: at the load balancer's address, port ${port}: kubectl get svc -n ${ns} ${SCOPE_SERVICE}`;
  return `Weave Scope UI: not exposed; reach it with: ${programName()} scope open (or kubectl port-forward -n ${ns} svc/${SCOPE_SERVICE} ${port}:${port})`;
}
