/**
 * The flow of `weavectl install`: pick the Weave Net manifest for the cluster's Kubernetes version,
 * patch in the settings, keep what a running Weave Net was configured with, guard the change, run the
 * pre-flight checks, show the changes (--diff), apply and wait for the rollout. Rendering is in
 * render.ts, the upgrade steps in upgrade.ts, the guard's cluster side in guard.ts, the password
 * Secret in password.ts; src/commands/install.ts turns the flags into InstallOptions and calls these.
 */
import type { ClusterSession, KubeObject } from '../cluster/types.js';
import { isPreconditionConflict } from '../cluster/status-errors.js';
import { applyManifest } from '../deploy/apply.js';
import { showChanges } from '../deploy/changes.js';
import { printApplied } from '../deploy/print.js';
import { checkServed, requireServerDryRun, resolveVersion } from '../deploy/version.js';
import { waitForWorkloads } from '../deploy/wait.js';
import { EXIT_FAILURE, failure } from '../errors.js';
import { netFlavourFor } from '../manifest/catalog.js';
import { formatMinor, parseK8sVersion } from '../manifest/k8s-version.js';
import type { Manifest } from '../manifest/manifest.js';
import { NET_OBJECTS, type NetSettings } from '../manifest/net-settings.js';
import { NET_DAEMONSET, WEAVE_NAMESPACE } from '../weave/names.js';
import { confirm } from '../output/ask.js';
import type { DryRun, OutputFormat } from '../output/formats.js';
import type { Reporter } from '../output/reporter.js';
import type { Deadline } from '../util/deadline.js';
import { guardError } from '../upgrade/guard.js';
import { findRunningWeave } from '../weave/running.js';
import { guardAllow, type InstallOptions } from './options.js';
import { keepLiveSettings, preflight, reportReleaseChange } from './upgrade.js';

/** What install takes from the global flags. */
export interface InstallContext extends Deadline {
  dryRun: DryRun;
  output: OutputFormat;
  /** -n, or the default namespace */
  namespace: string;
  /** -n was given */
  namespaceSet: boolean;
}

/**
 * --dry-run=client: the manifest install would apply, rendered without a cluster (for --k8s-version,
 * else Kubernetes 1.11+), refused when it holds what no manifest may (a literal password, a bad range).
 */
export async function renderInstall(f: InstallOptions, settings: NetSettings, reporter: Reporter): Promise<Manifest> {
  if (f.generatePassword) reporter.info('--dry-run=client: no cluster is asked, so no Secret is created (--generate-password creates it on a real install when it is missing)');
  const { renderNet } = await import('./render.js');
  let k8sRaw = f.k8sVersion;
  if (k8sRaw === undefined) {
    k8sRaw = '1.11';
    reporter.info('No --k8s-version and no cluster asked (--dry-run=client): rendering for Kubernetes 1.11 and later');
  }
  const k8s = parseK8sVersion(k8sRaw);
  reporter.debug(`Kubernetes ${formatMinor(k8s)} -> Weave Net flavour ${netFlavourFor(k8s)}`);
  const [manifest, { guardChange, guardError }, { toObjects }] = await Promise.all([
    renderNet(f, k8s, k8sRaw, settings, reporter),
    import('../upgrade/guard.js'),
    import('../manifest/manifest.js'),
  ]);
  // No cluster to compare with: the guard still refuses what no manifest may hold (a literal password, a bad range).
  const refused = guardError(guardChange({ planned: toObjects(manifest) as KubeObject[], running: [], allow: {} }));
  if (refused) throw refused;
  return manifest;
}

/**
 * Install or upgrade Weave Net on the cluster. Prints the applied objects (-o yaml|json|name) as they
 * are written; returns the exit code (--diff: 1 when something would change, as kubectl diff).
 */
export async function installOnCluster(cluster: ClusterSession, f: InstallOptions, settings: NetSettings, g: InstallContext, reporter: Reporter): Promise<number> {
  // What install reads travels in its first round trip: the server's version, discovery, Weave
  // Net's objects as they are now, and every Weave Net DaemonSet in the cluster (any namespace).
  // The code that renders the manifest and runs the checks is loaded while they are on their way.
  cluster.warmUp();
  cluster.prefetch(NET_OBJECTS);
  if (g.dryRun === 'server') await requireServerDryRun(cluster);
  const [{ CheckContext }, render, guard] = await Promise.all([import('../check/framework.js'), import('./render.js'), import('./guard.js')]);
  const requestedNamespace = g.namespaceSet ? g.namespace : undefined;
  const [v, found] = await Promise.all([resolveVersion(cluster, f.k8sVersion, reporter), findRunningWeave(cluster, g.namespace, reporter)]);
  // A second Weave Net, or -n naming the wrong namespace, is refused before anything is read from it.
  guard.refusePlacement(found, requestedNamespace);

  // An upgrade keeps what the running Weave Net was configured with, unless a flag says otherwise.
  const liveDs = found.running[0];
  let effective = settings;
  let live: Awaited<ReturnType<typeof keepLiveSettings>>['live'] | undefined;
  if (liveDs) {
    const kept = await keepLiveSettings(liveDs, settings, reporter);
    effective = kept.settings;
    live = kept.live;
    // The running release line (upstream or reweave) is kept too, unless --weave-repo says otherwise.
    if (f.weaveRepo === undefined && kept.repo) f = { ...f, weaveRepo: kept.repo };
  }

  const { manifest, objects } = await render.renderAnnotated(f, v, effective, reporter);
  // The guard: the objects about to be applied against what runs, whatever produced them.
  const verdict = guard.enforceGuard(objects, found, requestedNamespace, guardAllow(f), reporter, { deferRefusal: Boolean(f.diff) });
  const refused = guardError(verdict);
  const ds = objects.find((o) => o.kind === 'DaemonSet' && o.metadata.name === NET_DAEMONSET);
  const netNamespace = ds?.metadata.namespace ?? WEAVE_NAMESPACE;

  // The password Secret and key exist before anything refers to them (--generate-password: or it is
  // created, right before the apply, once nothing else can stop the install).
  const password = await import('./password.js');
  const generate = f.generatePassword && !refused ? await import('./generated-password.js') : undefined;
  const toCreate = generate ? await generate.missingPasswordSecret(cluster, ds) : undefined;
  if (toCreate) reporter.info(`Secret ${toCreate.namespace}/${toCreate.name} does not exist: it will be created with a random password (--generate-password)`);
  else if (!refused) await password.requirePasswordSecret(cluster, ds, reporter);

  // The pre-flight checks look at the range that is about to be applied, wherever it came from.
  if (!f.skipChecks && !refused) {
    const planned = verdict.plannedRange;
    const ctx = new CheckContext({
      cluster,
      namespace: netNamespace,
      ...(planned && (liveDs || !planned.isDefault)
        ? { ipalloc: planned.cidr, ipallocSource: settings.ipalloc !== undefined ? '--ipalloc' : planned.isDefault ? "Weave Net's default" : 'IPALLOC_RANGE about to be applied' }
        : {}),
      allowRangeChange: Boolean(f.allowRangeChange),
    });
    await preflight(ctx, reporter);
  }
  await checkServed(
    cluster,
    objects,
    f.k8sVersion === undefined
      ? 'this Weave Net manifest does not fit the cluster: choose another with --weave-version or --source'
      : `the manifest for Kubernetes ${formatMinor(v.server)} fits this cluster: run without --k8s-version`,
  );

  // What changes with the release (upgrade or not, defaults that move between lines), with the summary and in --diff.
  const releaseLines = live ? await reportReleaseChange(live, objects, effective, reporter) : [];
  if (liveDs || f.diff) {
    const changes = await showChanges(cluster, objects, reporter, releaseLines, f.diff ? g.output : 'text');
    if (refused) throw refused; // --diff: the changes shown, and why they would be refused
    if (f.diff) {
      // kubectl diff's convention: exit 1 when there are differences, 0 when none.
      return changes > 0 ? EXIT_FAILURE : 0;
    }
    if (liveDs && changes > 0 && !(await confirm(f, g, reporter))) {
      // A "no" is an answer, not a failure (as cilium and apt): exit 0.
      reporter.info('Nothing changed: the upgrade was not confirmed');
      return 0;
    }
  }

  if (generate && toCreate) {
    const made = await generate.createPasswordSecret(cluster, toCreate, { dryRun: g.dryRun === 'server' }, reporter);
    if (made === 'exists') await password.requirePasswordSecret(cluster, ds, reporter);
  }

  // Written only if the weave-net DaemonSet is still what the guard saw (or still absent).
  const precondition = guard.preconditionFor(cluster, found, verdict, netNamespace);
  let applied;
  try {
    // A literal WEAVE_PASSWORD is replaced first (one conditional patch), never left beside the valueFrom.
    const replace = (rv: string) => password.replaceLiteralPassword(cluster, precondition.seen, ds, rv, { dryRun: g.dryRun === 'server' });
    const replaced = await replace(precondition.resourceVersion).catch(async (err: unknown) => {
      // only the status moved since the guard's read: the same patch on the newer resourceVersion
      const rv = isPreconditionConflict(err) ? await precondition.refresh?.() : undefined;
      if (rv === undefined) throw err;
      return replace(rv);
    });
    precondition.resourceVersion = replaced.resourceVersion;
    if (replaced.object) precondition.seen = replaced.object;
    applied = await applyManifest(cluster, manifest, { dryRun: g.dryRun === 'server', force: Boolean(f.forceConflicts), preconditions: [precondition] }, reporter);
  } catch (err) {
    if (isPreconditionConflict(err)) throw guard.conflictError(netNamespace, !verdict.current);
    throw err;
  }
  await printApplied(applied, g.output, reporter);
  if (!f.wait || g.dryRun === 'server') return 0;
  if (!ds) throw failure('the manifest has no DaemonSet weave-net to wait for');
  await waitForWorkloads(cluster, [{ apiVersion: String(ds.apiVersion), kind: 'DaemonSet', namespace: netNamespace, name: NET_DAEMONSET }], g, reporter);
  return 0;
}
