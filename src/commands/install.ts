/**
 * `weavectl install`: pick the Weave Net manifest for the cluster's Kubernetes version, patch in
 * the settings, then print it (--dry-run=client) or apply it and wait for the rollout. The flags and
 * the steps are here; rendering is in install-render.ts, the upgrade steps in install-upgrade.ts.
 */
import { Option, type Command } from 'commander';
import { EXIT_FAILURE, failure } from '../errors.js';
import { formatMinor, parseK8sVersion } from '../manifest/k8s-version.js';
import { netFlavourFor } from '../manifest/catalog.js';
import {
  NET_DAEMONSET,
  NET_OBJECTS,
  parseConnLimit,
  parseEnvFlag,
  mtuWarning,
  parseMtu,
  parsePasswordSecret,
  validateImageRegistry,
  type NetSettings,
} from '../manifest/net-settings.js';
import { validateIpalloc } from '../net/cidr.js';
import { applyManifest, checkServed, openCluster, requireServerDryRun, resolveVersion, waitForWorkloads } from './cluster-session.js';
import { confirm, keepLiveSettings, preflight, reportReleaseChange, showChanges } from './install-upgrade.js';
import { globalsOf, reporterFor, type Globals } from './global.js';
import { parseBool } from './bool-flag.js';
import { printApplied } from './render.js';
import { addSourceOptions, type SourceFlags } from './source-flags.js';
import type { GuardAllow } from '../upgrade/guard.js';
import type { KubeObject } from '../cluster/types.js';

export interface InstallFlags extends SourceFlags {
  k8sVersion?: string;
  weaveVersion?: string;
  weaveRepo?: string;
  ipalloc?: string;
  mtu?: string;
  connLimit?: string;
  /** Commander's `--no-masq-local`: true when not given, false when given bare, 'on'/'off' with a value. */
  masqLocal: boolean | 'on' | 'off';
  disableNpc?: boolean;
  /** false: --no-password-secret */
  passwordSecret?: string | false;
  env: string[];
  imageRegistry?: string;
  wait: boolean;
  forceConflicts?: boolean;
  skipChecks?: boolean;
  allowRangeChange?: boolean;
  allowPasswordChange?: boolean;
  allowNpcChange?: boolean;
  allowDowngrade?: boolean;
  diff?: boolean;
  yes?: boolean;
  checkpoint?: boolean;
}

export function registerInstall(program: Command): void {
  const cmd = program
    .command('install')
    .description('Install or upgrade Weave Net: render the manifest for the cluster, apply it and wait for the rollout')
    .option('--k8s-version <version>', 'Kubernetes version to render for: 1.7.5, v1.29, v1.10.0-gke.1, or base64 of `kubectl version` (default: asked from the cluster)')
    .option('--weave-version <version>', 'Weave Net release (default: the newest release that shipped a manifest for that Kubernetes version)')
    .option('--weave-repo <repo>', 'weaveworks (upstream, archived; the default) or reweave (the community fork, images rajchaudhuri/*); an upgrade keeps the running one')
    .option('--ipalloc <cidr>', 'IP range for pods (IPALLOC_RANGE), e.g. 172.25.64.0/18 (Weave default 10.32.0.0/12)')
    .option('--mtu <bytes>', 'WEAVE_MTU: 576 to 65448, best a multiple of 4 (fast datapath; others are warned about); 1376 by default, 8916 for jumbo frames')
    .option('--conn-limit <n>', 'CONN_LIMIT: the most peer connections a node makes')
    .addOption(
      new Option(
        '--no-masq-local [bool]',
        "keep client source IPs for traffic to local pods (NO_MASQ_LOCAL; off by default up to 2.6, on from 2.7); --no-masq-local=false turns it off; written as the release reads it (2.4-2.6 take any value as on)",
      ).argParser((v: string) => (parseBool('--no-masq-local')(v) ? 'on' : 'off')),
    )
    .addOption(
      new Option('--disable-npc [bool]', 'run without weave-npc (no NetworkPolicy enforcement; EXPECT_NPC=0); --disable-npc=false turns a running one back on (with --allow-npc-change)').argParser(
        parseBool('--disable-npc'),
      ),
    )
    .option('--password-secret <name[:key]>', 'encrypt traffic with the password in this kube-system Secret (WEAVE_PASSWORD from secretKeyRef)')
    .option('--no-password-secret', 'no WEAVE_PASSWORD: an upgrade drops the running one with --allow-password-change (traffic between peers is no longer encrypted)')
    .option('--env <NAME=VALUE>', 'set an environment variable on the weave container (repeatable)', collect, [])
    .option('--image-registry <registry>', 'pull every image from this registry mirror, e.g. registry.corp:5000/mirror')
    .option(
      '--checkpoint',
      "let weave call checkpoint-api.weave.works for its version check (leaves CHECKPOINT_DISABLE out); by default weavectl sets CHECKPOINT_DISABLE=1: the endpoint is dead and was sent node details",
    )
    .addOption(new Option('--wait [bool]', 'wait for the weave-net rollout (--wait=false to skip)').argParser(parseBool('--wait')).default(true))
    .option('--force-conflicts', 'take over fields another field manager (kubectl, kops) owns')
    .option('--skip-checks', 'do not run the pre-flight checks (weavectl check --pre)')
    .option('--allow-range-change', 'allow a different IPALLOC_RANGE on a running Weave Net, from --ipalloc, --env or the manifest (it makes a new network: see below)')
    .option('--allow-password-change', 'allow dropping, adding or switching the WEAVE_PASSWORD of a running Weave Net (peers cut off from each other during the rollout)')
    .option('--allow-npc-change', 'allow turning weave-npc on or off on a running Weave Net (NetworkPolicies start or stop being enforced)')
    .option('--allow-downgrade', 'allow installing an older Weave Net release than the one running')
    .option('--diff', 'print what would change in the cluster, and stop (exit 1 when something would change, 0 when nothing, as kubectl diff)')
    .option('-y, --yes', 'apply changes to a running Weave Net without asking (a pipe or CI never asks)');
  addSourceOptions(cmd)
    .addHelpText(
      'after',
      `
Examples:
  # Render for Kubernetes 1.7 with a custom pod range, no cluster needed
  weavectl install --k8s-version 1.7.5 --ipalloc 172.25.64.0/18 --dry-run=client -o yaml

  # The same, piped to kubectl
  weavectl install --k8s-version 1.7.5 --ipalloc 172.25.64.0/18 --dry-run=client -o yaml | kubectl apply -f -

  # Fetch the manifest from the reweave endpoint instead of the embedded one, pinning its hash
  weavectl install --source cloud --cloud-url https://reweave.azurewebsites.net --weave-repo reweave --sha256 <hex>

  # Air-gapped: every image from a private mirror
  weavectl install --image-registry registry.corp:5000/mirror

  # Upgrade a running Weave Net: its IPALLOC_RANGE, MTU, password secret, other env and registry are
  # kept; see first what would change
  weavectl install --diff
  weavectl install --yes

  # Let weave make its version check (weavectl sets CHECKPOINT_DISABLE=1 unless told so)
  weavectl install --checkpoint

  # Turn no-masq-local off (Weave Net 2.7+ turns it on by default)
  weavectl install --no-masq-local=false

  # An upgrade that turns weave-npc back on, or drops the password (traffic no longer encrypted):
  # changes to a running pod network, each allowed by its own flag
  weavectl install --disable-npc=false --allow-npc-change
  weavectl install --no-password-secret --allow-password-change

  # A new pod range on a running Weave Net (plan an outage), or an older release
  weavectl install --ipalloc 10.40.0.0/16 --allow-range-change
  weavectl install --weave-version 2.6.0 --allow-downgrade

Safety: before anything is written, the objects about to be applied are compared with the Weave Net
that runs (found in any namespace), whatever flag, --env or manifest produced them. Refused unless
allowed: a different IPALLOC_RANGE (--allow-range-change), WEAVE_PASSWORD dropped, added or switched
(--allow-password-change), weave-npc turned on or off (--allow-npc-change), an older release
(--allow-downgrade). Always refused: a second Weave Net next to a running one, -n naming a namespace
Weave Net does not run in, a password written into the manifest. The weave-net DaemonSet is written
only if it is still what weavectl read (else: "changed by someone else", run again).

Changing IPALLOC_RANGE on a running cluster makes a new network: peers refuse each other until a
quorum restarts and running pods can lose connectivity (weaveworks/weave#2874); the old range stays
in /var/lib/weave/weave-netdata.db on every node.

An upgrade to another release says what changes with it: each default that moves between the two
release lines (CONN_LIMIT 30 -> 100 -> 200, NO_MASQ_LOCAL off -> on from 2.7, the iptables-nft default
of reweave 2.9.0, weave-npc's semantics) with the flag that keeps today's behaviour. Settings are
carried by meaning: NO_MASQ_LOCAL="0" on 2.4-2.6 means on, so 2.7+ gets "1".`,
    )
    .action(async (_opts: unknown, command: Command) => {
      await runInstall(command.opts() as InstallFlags, globalsOf(command));
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Flags -> settings; every bad value is refused here, before anything is fetched or sent. */
export function netSettingsFromFlags(f: InstallFlags): { settings: NetSettings; warnings: string[] } {
  const warnings: string[] = [];
  const settings: NetSettings = {};
  if (f.ipalloc !== undefined) {
    const r = validateIpalloc(f.ipalloc);
    settings.ipalloc = r.cidr;
    warnings.push(...r.warnings);
  }
  if (f.mtu !== undefined) {
    settings.mtu = parseMtu(f.mtu);
    const w = mtuWarning(settings.mtu);
    if (w) warnings.push(w);
  }
  if (f.connLimit !== undefined) settings.connLimit = parseConnLimit(f.connLimit);
  if (f.masqLocal === false || f.masqLocal === 'on') settings.noMasqLocal = true;
  else if (f.masqLocal === 'off') settings.noMasqLocal = false;
  if (f.disableNpc !== undefined) settings.disableNpc = f.disableNpc;
  if (f.passwordSecret === false) settings.noPassword = true;
  else if (f.passwordSecret !== undefined) {
    parsePasswordSecret(f.passwordSecret);
    settings.passwordSecret = f.passwordSecret;
  }
  if (f.env.length > 0) {
    settings.env = {};
    for (const e of f.env) {
      const { name, value } = parseEnvFlag(e);
      settings.env[name] = value;
    }
  }
  if (f.imageRegistry !== undefined) settings.imageRegistry = validateImageRegistry(f.imageRegistry);
  if (f.checkpoint) settings.checkpoint = true;
  return { settings, warnings };
}

/** The guard's overrides, from the flags. */
function guardAllow(f: InstallFlags): GuardAllow {
  return { rangeChange: Boolean(f.allowRangeChange), passwordChange: Boolean(f.allowPasswordChange), npcChange: Boolean(f.allowNpcChange), downgrade: Boolean(f.allowDowngrade) };
}

async function runInstall(f: InstallFlags, g: Globals): Promise<void> {
  const reporter = reporterFor(g);
  const { settings, warnings } = netSettingsFromFlags(f);
  for (const w of warnings) reporter.warn(w);

  if (g.dryRun === 'client') {
    const { renderNet } = await import('./install-render.js');
    let k8sRaw = f.k8sVersion;
    if (k8sRaw === undefined) {
      k8sRaw = '1.11';
      reporter.info('No --k8s-version and no cluster asked (--dry-run=client): rendering for Kubernetes 1.11 and later');
    }
    const k8s = parseK8sVersion(k8sRaw);
    reporter.debug(`Kubernetes ${formatMinor(k8s)} -> Weave Net flavour ${netFlavourFor(k8s)}`);
    const [manifest, { printManifest }, { guardChange, guardError }, { toObjects }] = await Promise.all([
      renderNet(f, k8s, k8sRaw, settings, reporter),
      import('./render.js'),
      import('../upgrade/guard.js'),
      import('../manifest/manifest.js'),
    ]);
    // No cluster to compare with: the guard still refuses what no manifest may hold (a literal password, a bad range).
    const refused = guardError(guardChange({ planned: toObjects(manifest) as KubeObject[], running: [], allow: {} }));
    if (refused) throw refused;
    printManifest(manifest, g.output, reporter);
    return;
  }

  const cluster = await openCluster(g, reporter);
  try {
    // What install reads travels in its first round trip: the server's version, discovery, Weave
    // Net's objects as they are now, and every Weave Net DaemonSet in the cluster (any namespace).
    // The code that renders the manifest and runs the checks is loaded while they are on their way.
    cluster.warmUp();
    cluster.prefetch(NET_OBJECTS);
    if (g.dryRun === 'server') await requireServerDryRun(cluster);
    const [{ CheckContext }, render, guard] = await Promise.all([import('../check/framework.js'), import('./install-render.js'), import('./install-guard.js')]);
    const requestedNamespace = g.namespaceSet ? g.namespace : undefined;
    const [v, found] = await Promise.all([resolveVersion(cluster, f.k8sVersion, reporter), guard.findRunningWeave(cluster, g.namespace, reporter)]);
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
    const refused = guard.guardError(verdict);
    const ds = objects.find((o) => o.kind === 'DaemonSet' && o.metadata.name === NET_DAEMONSET);
    const netNamespace = ds?.metadata.namespace ?? 'kube-system';

    // The password Secret and key exist before anything refers to them.
    const password = await import('./install-password.js');
    if (!refused) await password.requirePasswordSecret(cluster, ds, reporter);

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
        if (changes > 0) process.exitCode = EXIT_FAILURE;
        return;
      }
      if (liveDs && changes > 0 && !(await confirm(f, g, reporter))) {
        // A "no" is an answer, not a failure (as cilium and apt): exit 0.
        reporter.info('Nothing changed: the upgrade was not confirmed');
        return;
      }
    }

    // Written only if the weave-net DaemonSet is still what the guard saw (or still absent).
    const precondition = guard.preconditionFor(cluster, found, verdict, netNamespace);
    let applied;
    try {
      // A literal WEAVE_PASSWORD is replaced first (one conditional patch), never left beside the valueFrom.
      const replace = (rv: string) => password.replaceLiteralPassword(cluster, precondition.seen, ds, rv, { dryRun: g.dryRun === 'server' });
      const replaced = await replace(precondition.resourceVersion).catch(async (err: unknown) => {
        // only the status moved since the guard's read: the same patch on the newer resourceVersion
        const rv = guard.isPreconditionConflict(err) ? await precondition.refresh?.() : undefined;
        if (rv === undefined) throw err;
        return replace(rv);
      });
      precondition.resourceVersion = replaced.resourceVersion;
      if (replaced.object) precondition.seen = replaced.object;
      applied = await applyManifest(cluster, manifest, { dryRun: g.dryRun === 'server', force: Boolean(f.forceConflicts), preconditions: [precondition] }, reporter);
    } catch (err) {
      if (guard.isPreconditionConflict(err)) throw guard.conflictError(netNamespace, !verdict.current);
      throw err;
    }
    printApplied(applied, g.output, reporter);
    if (!f.wait || g.dryRun === 'server') return;
    if (!ds) throw failure('the manifest has no DaemonSet weave-net to wait for');
    await waitForWorkloads(
      cluster,
      [{ apiVersion: String(ds.apiVersion), kind: 'DaemonSet', namespace: netNamespace, name: NET_DAEMONSET }],
      g,
      reporter,
    );
  } finally {
    cluster.close();
  }
}
