/**
 * `weavectl scope`: Weave Scope for the cluster's Kubernetes version, with the weave-scope-app
 * Service patched to the given external IPs and port; printed (--dry-run=client) or applied and waited for.
 */
import { Option, type Command } from 'commander';
import type { KubeObject } from '../cluster/types.js';
import { scopeFlavourFor } from '../manifest/catalog.js';
import { formatMinor, parseK8sVersion, type K8sVersion } from '../manifest/k8s-version.js';
import { toObjects, type Manifest } from '../manifest/manifest.js';
import {
  applyScopeSettings,
  moveScopeNamespace,
  parseExternalIPs,
  parsePort,
  parseServiceType,
  SCOPE_AGENT_DAEMONSET,
  SCOPE_CLUSTER_AGENT_DEPLOYMENT,
  SCOPE_SERVICE,
  type ScopeSettings,
} from '../manifest/patch-scope.js';
import type { KubeCluster } from '../cluster/kube-cluster.js';
import { EXIT_FAILURE, failure } from '../errors.js';
import { isKubeApiError } from '../cluster/status-errors.js';
import { mergeScopeSettings, readScopeSettings, type LiveScope, type ScopeFlagSettings } from '../upgrade/scope-settings.js';
import { confirm, showChanges } from './install-upgrade.js';
import { validateImageRegistry } from '../manifest/net-settings.js';
import { loadScopeTemplate } from '../manifest/templates.js';
import { validateScope } from '../manifest/validate.js';
import type { Reporter } from '../output/reporter.js';
import { applyManifest, checkServed, openCluster, requireServerDryRun, resolveVersion, waitForWorkloads } from './cluster-session.js';
import { globalsOf, reporterFor, type Globals } from './global.js';
import { parseBool } from './bool-flag.js';
import { printApplied, printManifest } from './render.js';
import { addSourceOptions, checkSourceFlags, fetchManifest, type SourceFlags } from './source-flags.js';
import { SCOPE_APP_PORT } from '../weave/names.js';

interface ScopeFlags extends SourceFlags {
  k8sVersion?: string;
  /** undefined: not given (a re-run keeps the running ones); false: --no-external-ip */
  externalIp?: string[] | false;
  port?: string;
  serviceType?: string;
  readOnly?: boolean;
  diff?: boolean;
  yes?: boolean;
  imageRegistry?: string;
  wait: boolean;
  forceConflicts?: boolean;
}

export function registerScope(program: Command): void {
  const cmd = program
    .command('scope')
    .description('Install Weave Scope and expose its UI (Service weave-scope-app) on external IPs and a port')
    .option('--k8s-version <version>', 'Kubernetes version to render for (default: asked from the cluster)')
    .option('--external-ip <ip>', 'an external IP for the weave-scope-app Service (repeatable; replaces the running ones)', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--no-external-ip', 'no external IPs (a re-run drops the running ones)')
    .option('--port <port>', "Service port of the Scope UI (targetPort is always 4040; default 4040, or the running port; upstream's own Service uses 80)")
    .option('--service-type <type>', 'ClusterIP, NodePort or LoadBalancer (default: the running type)')
    .addOption(
      new Option('--read-only [bool]', 'run the probes with --probe.no-controls=true: no shells or container controls from the UI; --read-only=false turns controls back on').argParser(
        parseBool('--read-only'),
      ),
    )
    .option('--diff', 'print what would change in the cluster, and stop')
    .option('-y, --yes', 'apply changes to a running Scope without asking (a pipe or CI never asks)')
    .option('--image-registry <registry>', 'pull the Scope image from this registry mirror')
    .addOption(new Option('--wait [bool]', 'wait for the Scope workloads (--wait=false to skip)').argParser(parseBool('--wait')).default(true))
    .option('--force-conflicts', 'take over fields another field manager owns');
  addSourceOptions(cmd)
    .addHelpText(
      'after',
      `
Examples:
  # Render Scope for a Kubernetes 1.7 cluster, UI on 10.200.33.12:4040, no cluster needed
  weavectl scope --k8s-version 1.7.5 --external-ip 10.200.33.12 --dry-run=client -o yaml

  # Install on the current cluster with the UI read-only
  weavectl scope --external-ip 10.200.33.12 --read-only

  # Run again (an upgrade): the external IPs, port, Service type, read-only probes and namespace of
  # the running Scope are kept unless a flag changes them; see first what would change
  weavectl scope --diff
  weavectl scope --yes

  # Change what runs: drop the external IPs, turn the UI's controls back on
  weavectl scope --no-external-ip --read-only=false

  # Reach the UI without exposing it: weavectl's Service listens on --port (4040), upstream's on 80
  kubectl -n weave port-forward svc/weave-scope-app 4040:4040   # then http://localhost:4040
  kubectl -n weave port-forward svc/weave-scope-app 4040:80     # a Scope installed from upstream's YAML

Scope's UI has no authentication: anyone who reaches it sees the cluster, and unless --read-only
is given can open a shell in any container. (Kubernetes 1.6-1.8: namespace kube-system.)`,
    )
    .action(async (_opts: unknown, command: Command) => {
      await runScope(command.opts() as ScopeFlags, globalsOf(command));
    });
}

/** Flags -> settings; only what was given (a re-run keeps the rest from the running Scope). */
export function scopeFlagSettings(f: ScopeFlags): ScopeFlagSettings {
  return {
    ...(f.externalIp === false ? { externalIPs: [] } : f.externalIp !== undefined ? { externalIPs: parseExternalIPs(f.externalIp) } : {}),
    ...(f.port === undefined ? {} : { port: parsePort(f.port) }),
    ...(f.serviceType === undefined ? {} : { serviceType: parseServiceType(f.serviceType) }),
    ...(f.readOnly === undefined ? {} : { readOnly: f.readOnly }),
    ...(f.imageRegistry === undefined ? {} : { imageRegistry: validateImageRegistry(f.imageRegistry) }),
  };
}

/** The flags as settings for a fresh install (what is not given: the defaults). */
export function scopeSettingsFromFlags(f: ScopeFlags): ScopeSettings {
  return mergeScopeSettings(undefined, scopeFlagSettings(f)).settings;
}

export async function renderScope(f: ScopeFlags, k8s: K8sVersion, k8sRaw: string, reporter: Reporter): Promise<Manifest> {
  checkSourceFlags(f);
  let manifest: Manifest;
  if (f.source === 'embedded') {
    const flavour = scopeFlavourFor(k8s);
    reporter.info(`Using Weave Scope 1.13.2 manifest for ${flavour === 'legacy' ? 'Kubernetes 1.6-1.8 (namespace kube-system)' : 'Kubernetes 1.9+ (namespace weave)'} (embedded)`);
    manifest = loadScopeTemplate(flavour);
  } else {
    manifest = await fetchManifest(f, { product: 'scope', k8sVersionRaw: k8sRaw }, reporter);
  }
  for (const w of validateScope(manifest, { allowAnyImage: f.allowAnyImage })) reporter.warn(w);
  return manifest;
}

/** Service weave-scope-app in every namespace: where Scope runs. Where listing all namespaces is forbidden: in Scope's two namespaces (weave, kube-system). */
async function findRunningScope(cluster: KubeCluster, reporter: Reporter): Promise<KubeObject[]> {
  try {
    return (await cluster.list({ apiVersion: 'v1', kind: 'Service' }, { fieldSelector: `metadata.name=${SCOPE_SERVICE}` })).items;
  } catch (err) {
    if (!isKubeApiError(err, 403)) throw err;
  }
  reporter.warn('may not list Services in every namespace: looked for a running Weave Scope in weave and kube-system only');
  const found = await Promise.all(['weave', 'kube-system'].map((namespace) => cluster.get({ apiVersion: 'v1', kind: 'Service', namespace, name: SCOPE_SERVICE })));
  return found.filter((o): o is KubeObject => o !== undefined);
}

async function runScope(f: ScopeFlags, g: Globals): Promise<void> {
  const reporter = reporterFor(g);
  const flagSettings = scopeFlagSettings(f);
  const settings = mergeScopeSettings(undefined, flagSettings).settings;

  if (g.dryRun === 'client') {
    let k8sRaw = f.k8sVersion;
    if (k8sRaw === undefined) {
      k8sRaw = '1.29';
      reporter.info('No --k8s-version and no cluster asked (--dry-run=client): rendering for current Kubernetes (1.9 and later)');
    }
    const { manifest } = patchScope(await renderScope(f, parseK8sVersion(k8sRaw), k8sRaw, reporter), settings, reporter);
    printManifest(manifest, g.output, reporter);
    return;
  }

  const cluster = await openCluster(g, reporter);
  try {
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
    const renderedNs = (toObjects(rendered) as KubeObject[]).find((o) => o.kind === 'Service' && o.metadata.name === SCOPE_SERVICE)?.metadata.namespace ?? 'weave';

    // A re-run keeps what the running Scope was configured with, its namespace too, unless a flag says otherwise.
    const liveSvc = running[0];
    let live: LiveScope | undefined;
    if (liveSvc) {
      const ns = liveSvc.metadata.namespace ?? 'weave';
      if (ns !== renderedNs) rendered = moveScopeNamespace(rendered, ns);
      const plain = toObjects(rendered) as KubeObject[];
      const probes = await Promise.all(
        plain
          .filter((o) => (o.kind === 'DaemonSet' && o.metadata.name === SCOPE_AGENT_DAEMONSET) || (o.kind === 'Deployment' && o.metadata.name === SCOPE_CLUSTER_AGENT_DEPLOYMENT))
          .map((o) => cluster.get({ apiVersion: String(o.apiVersion), kind: String(o.kind), namespace: ns, name: o.metadata.name })),
      );
      live = readScopeSettings(liveSvc, probes.filter((o): o is KubeObject => o !== undefined));
    }
    const merged = mergeScopeSettings(live, flagSettings);
    if (live) {
      reporter.info(`Weave Scope is running in ${live.namespace}: keeping its settings unless a flag changes them`);
      reporter.info(`  kept     namespace ${live.namespace}${live.namespace === renderedNs ? '' : ` (the manifest's is ${renderedNs})`}`);
      for (const k of merged.kept) reporter.info(`  kept     ${k}`);
      for (const c of merged.changed) reporter.info(`  changed  ${c}`);
    }
    const { manifest } = patchScope(rendered, merged.settings, reporter);
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
        if (changes > 0) process.exitCode = EXIT_FAILURE;
        return;
      }
      if (live && changes > 0 && !(await confirm(f, g, reporter, 'Apply these changes to the running Weave Scope?'))) {
        // A "no" is an answer, not a failure: exit 0.
        reporter.info('Nothing changed: the changes were not confirmed');
        return;
      }
    }
    printApplied(await applyManifest(cluster, manifest, { dryRun: g.dryRun === 'server', force: Boolean(f.forceConflicts) }, reporter), g.output, reporter);
    if (g.dryRun === 'server') return;
    if (f.wait) {
      const workloads = objects
        .filter((o) => o.kind === 'DaemonSet' || o.kind === 'Deployment')
        .map((o) => ({ apiVersion: String(o.apiVersion), kind: String(o.kind), namespace: o.metadata.namespace ?? 'weave', name: o.metadata.name }));
      await waitForWorkloads(cluster, workloads, g, reporter);
    }
    const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === SCOPE_SERVICE);
    // where the UI is: part of the result (stdout in text mode)
    if (svc) reporter.success(howToReach(svc));
  } finally {
    cluster.close();
  }
}

function patchScope(m: Manifest, settings: ScopeSettings, reporter: Reporter): { manifest: Manifest } {
  const { manifest, warnings } = applyScopeSettings(m, settings);
  for (const w of warnings) reporter.warn(w);
  return { manifest };
}

/** Where the UI is, from the Service as applied. */
export function howToReach(svc: KubeObject): string {
  const ns = svc.metadata.namespace ?? 'weave';
  const port = Number(svc.spec?.ports?.[0]?.port ?? SCOPE_APP_PORT);
  const ips: string[] = svc.spec?.externalIPs ?? [];
  if (ips.length > 0) return `Weave Scope UI: ${ips.map((ip) => `http://${ip.includes(':') ? `[${ip}]` : ip}:${port}/`).join(' ')}`;
  if (svc.spec?.type === 'NodePort') return `Weave Scope UI: on every node at its node port: kubectl get svc -n ${ns} ${SCOPE_SERVICE} -o jsonpath='{.spec.ports[0].nodePort}'`;
  if (svc.spec?.type === 'LoadBalancer') return `Weave Scope UI: at the load balancer's address, port ${port}: kubectl get svc -n ${ns} ${SCOPE_SERVICE}`;
  return `Weave Scope UI: kubectl port-forward -n ${ns} svc/${SCOPE_SERVICE} ${port}:${port}, then open http://localhost:${port}/`;
}
