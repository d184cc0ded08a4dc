/**
 * `weavectl scope`: Weave Scope for the cluster's Kubernetes version, with the weave-scope-app
 * Service patched to the given external IPs and port; printed (--dry-run=client) or applied and waited for.
 */
import { Option, type Command } from 'commander';
import type { KubeObject } from '../cluster/types.js';
import { scopeFlavourFor } from '../manifest/catalog.js';
import { formatMinor, parseK8sVersion, type K8sVersion } from '../manifest/k8s-version.js';
import { toObjects, type Manifest } from '../manifest/manifest.js';
import { applyScopeSettings, parseExternalIPs, parsePort, parseServiceType, SCOPE_SERVICE, type ScopeSettings } from '../manifest/patch-scope.js';
import { validateImageRegistry } from '../manifest/net-settings.js';
import { loadScopeTemplate } from '../manifest/templates.js';
import { validateScope } from '../manifest/validate.js';
import type { Reporter } from '../output/reporter.js';
import { applyManifest, checkServed, openCluster, requireServerDryRun, resolveVersion, waitForWorkloads } from './cluster-session.js';
import { globalsOf, reporterFor, type Globals } from './global.js';
import { parseBool } from './bool-flag.js';
import { printApplied, printManifest } from './render.js';
import { addSourceOptions, checkSourceFlags, fetchManifest, type SourceFlags } from './source-flags.js';

interface ScopeFlags extends SourceFlags {
  k8sVersion?: string;
  externalIp: string[];
  port: string;
  serviceType?: string;
  readOnly?: boolean;
  imageRegistry?: string;
  wait: boolean;
  forceConflicts?: boolean;
}

export function registerScope(program: Command): void {
  const cmd = program
    .command('scope')
    .description('Install Weave Scope and expose its UI (Service weave-scope-app) on external IPs and a port')
    .option('--k8s-version <version>', 'Kubernetes version to render for (default: asked from the cluster)')
    .option('--external-ip <ip>', 'an external IP for the weave-scope-app Service (repeatable)', (v: string, prev: string[]) => [...prev, v], [])
    .option('--port <port>', 'Service port of the Scope UI (targetPort is always 4040)', '4040')
    .option('--service-type <type>', 'ClusterIP, NodePort or LoadBalancer')
    .option('--read-only', 'run the probes with --probe.no-controls=true: no shells or container controls from the UI')
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

Scope's UI has no authentication: anyone who reaches it sees the cluster, and unless --read-only
is given can open a shell in any container.`,
    )
    .action(async (_opts: unknown, command: Command) => {
      await runScope(command.opts() as ScopeFlags, globalsOf(command));
    });
}

export function scopeSettingsFromFlags(f: ScopeFlags): ScopeSettings {
  return {
    ...(f.externalIp.length > 0 ? { externalIPs: parseExternalIPs(f.externalIp) } : {}),
    port: parsePort(f.port),
    ...(f.serviceType === undefined ? {} : { serviceType: parseServiceType(f.serviceType) }),
    readOnly: Boolean(f.readOnly),
    ...(f.imageRegistry === undefined ? {} : { imageRegistry: validateImageRegistry(f.imageRegistry) }),
  };
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

async function runScope(f: ScopeFlags, g: Globals): Promise<void> {
  const reporter = reporterFor(g);
  const settings = scopeSettingsFromFlags(f);

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
    const v = await resolveVersion(cluster, f.k8sVersion, reporter);
    const { manifest } = patchScope(await renderScope(f, v.k8s, v.raw, reporter), settings, reporter);
    const objects = toObjects(manifest) as KubeObject[];
    await checkServed(
      cluster,
      objects,
      f.k8sVersion === undefined ? 'this Scope manifest does not fit the cluster' : `the manifest for Kubernetes ${formatMinor(v.server)} fits this cluster: run without --k8s-version`,
    );
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
  const port = Number(svc.spec?.ports?.[0]?.port ?? 4040);
  const ips: string[] = svc.spec?.externalIPs ?? [];
  if (ips.length > 0) return `Weave Scope UI: ${ips.map((ip) => `http://${ip.includes(':') ? `[${ip}]` : ip}:${port}/`).join(' ')}`;
  if (svc.spec?.type === 'NodePort') return `Weave Scope UI: on every node at its node port: kubectl get svc -n ${ns} ${SCOPE_SERVICE} -o jsonpath='{.spec.ports[0].nodePort}'`;
  if (svc.spec?.type === 'LoadBalancer') return `Weave Scope UI: at the load balancer's address, port ${port}: kubectl get svc -n ${ns} ${SCOPE_SERVICE}`;
  return `Weave Scope UI: kubectl port-forward -n ${ns} svc/${SCOPE_SERVICE} ${port}:${port}, then open http://localhost:${port}/`;
}
