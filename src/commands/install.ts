/**
 * `weavectl install`: pick the Weave Net manifest for the cluster's Kubernetes version, patch in
 * the settings, then print it (--dry-run=client) or apply it and wait for the rollout. The flags and
 * the steps are here; rendering is in install-render.ts, the upgrade steps in install-upgrade.ts.
 */
import { Option, type Command } from 'commander';
import { failure } from '../errors.js';
import { formatMinor, parseK8sVersion } from '../manifest/k8s-version.js';
import { netFlavourFor } from '../manifest/catalog.js';
import {
  NET_DAEMONSET,
  NET_OBJECTS,
  parseConnLimit,
  parseEnvFlag,
  parseMtu,
  parsePasswordSecret,
  validateImageRegistry,
  type NetSettings,
} from '../manifest/net-settings.js';
import { validateIpalloc } from '../net/cidr.js';
import { applyManifest, checkServed, openCluster, resolveVersion, waitForWorkloads } from './cluster-session.js';
import { confirm, keepLiveSettings, preflight, showChanges } from './install-upgrade.js';
import { globalsOf, reporterFor, type Globals } from './global.js';
import { parseBool } from './bool-flag.js';
import { addSourceOptions, type SourceFlags } from './source-flags.js';

export interface InstallFlags extends SourceFlags {
  k8sVersion?: string;
  weaveVersion?: string;
  weaveRepo?: string;
  ipalloc?: string;
  mtu?: string;
  connLimit?: string;
  masqLocal: boolean;
  disableNpc?: boolean;
  /** false: --no-password-secret */
  passwordSecret?: string | false;
  env: string[];
  imageRegistry?: string;
  wait: boolean;
  forceConflicts?: boolean;
  skipChecks?: boolean;
  allowRangeChange?: boolean;
  diff?: boolean;
  yes?: boolean;
}

export function registerInstall(program: Command): void {
  const cmd = program
    .command('install')
    .description('Install or upgrade Weave Net: render the manifest for the cluster, apply it and wait for the rollout')
    .option('--k8s-version <version>', 'Kubernetes version to render for: 1.7.5, v1.29, v1.10.0-gke.1, or base64 of `kubectl version` (default: asked from the cluster)')
    .option('--weave-version <version>', 'Weave Net release (default: the newest release that shipped a manifest for that Kubernetes version)')
    .option('--weave-repo <repo>', 'weaveworks (upstream, archived; the default) or reweave (the community fork, images rajchaudhuri/*); an upgrade keeps the running one')
    .option('--ipalloc <cidr>', 'IP range for pods (IPALLOC_RANGE), e.g. 172.25.64.0/18 (Weave default 10.32.0.0/12)')
    .option('--mtu <bytes>', 'WEAVE_MTU')
    .option('--conn-limit <n>', 'CONN_LIMIT: the most peer connections a node makes')
    .option('--no-masq-local', 'NO_MASQ_LOCAL=1: keep client source IPs for traffic to local pods')
    .addOption(
      new Option('--disable-npc [bool]', 'run without weave-npc (no NetworkPolicy enforcement; EXPECT_NPC=0); --disable-npc=false turns a running one back on').argParser(
        parseBool('--disable-npc'),
      ),
    )
    .option('--password-secret <name[:key]>', 'encrypt traffic with the password in this kube-system Secret (WEAVE_PASSWORD from secretKeyRef)')
    .option('--no-password-secret', 'no WEAVE_PASSWORD: an upgrade drops the running one (traffic between peers is no longer encrypted)')
    .option('--env <NAME=VALUE>', 'set an environment variable on the weave container (repeatable)', collect, [])
    .option('--image-registry <registry>', 'pull every image from this registry mirror, e.g. registry.corp:5000/mirror')
    .addOption(new Option('--wait [bool]', 'wait for the weave-net rollout (--wait=false to skip)').argParser(parseBool('--wait')).default(true))
    .option('--force-conflicts', 'take over fields another field manager (kubectl, kops) owns')
    .option('--skip-checks', 'do not run the pre-flight checks (weavectl check --pre)')
    .option('--allow-range-change', 'allow a new --ipalloc on a running Weave Net (it makes a new network: see weavectl install --help)')
    .option('--diff', 'print what would change in the cluster, and stop')
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

  # An upgrade that turns weave-npc back on, or drops the password (traffic no longer encrypted)
  weavectl install --disable-npc=false
  weavectl install --no-password-secret

Changing IPALLOC_RANGE on a running cluster makes a new network: peers refuse each other until a
quorum restarts and running pods can lose connectivity (weaveworks/weave#2874); the old range stays
in /var/lib/weave/weave-netdata.db on every node. It is refused unless --allow-range-change.`,
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
  if (f.mtu !== undefined) settings.mtu = parseMtu(f.mtu);
  if (f.connLimit !== undefined) settings.connLimit = parseConnLimit(f.connLimit);
  if (f.masqLocal === false) settings.noMasqLocal = true;
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
  return { settings, warnings };
}

async function runInstall(f: InstallFlags, g: Globals): Promise<void> {
  const reporter = reporterFor(g, { jsonEvents: g.dryRun !== 'client' });
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
    const [manifest, { printManifest }] = await Promise.all([renderNet(f, k8s, k8sRaw, settings, reporter), import('./render.js')]);
    printManifest(manifest, g.output, reporter);
    return;
  }

  const cluster = await openCluster(g, reporter);
  try {
    // What install reads travels in its first round trip: the server's version, discovery and Weave
    // Net's objects as they are now (the running weave-net among them). The code that renders the
    // manifest and runs the checks is loaded while they are on their way.
    cluster.warmUp();
    cluster.prefetch(NET_OBJECTS);
    const [{ CheckContext }, render] = await Promise.all([import('../check/checks.js'), import('./install-render.js')]);
    const ctx = new CheckContext({
      cluster,
      namespace: g.namespace,
      ...(settings.ipalloc !== undefined ? { ipalloc: settings.ipalloc } : {}),
      allowRangeChange: Boolean(f.allowRangeChange),
    });
    const [v, liveDs] = await Promise.all([resolveVersion(cluster, f.k8sVersion, reporter), ctx.weaveDaemonSet()]);

    // An upgrade keeps what the running Weave Net was configured with, unless a flag says otherwise.
    let effective = settings;
    if (liveDs) {
      const kept = await keepLiveSettings(liveDs, settings, f, reporter);
      effective = kept.settings;
      // The running release line (upstream or reweave) is kept too, unless --weave-repo says otherwise.
      if (f.weaveRepo === undefined && kept.repo) f = { ...f, weaveRepo: kept.repo };
    }
    // After the range decision above, whose refusal says more than the check that repeats it.
    if (!f.skipChecks) await preflight(ctx, reporter);

    const { manifest, objects } = await render.renderAnnotated(f, v, effective, reporter);
    await checkServed(
      cluster,
      objects,
      f.k8sVersion === undefined
        ? 'this Weave Net manifest does not fit the cluster: choose another with --weave-version or --source'
        : `the manifest for Kubernetes ${formatMinor(v.server)} fits this cluster: run without --k8s-version`,
    );

    if (liveDs || f.diff) {
      const changes = await showChanges(cluster, objects, reporter);
      if (f.diff) return;
      if (liveDs && changes > 0 && !(await confirm(f, g, reporter))) throw failure('nothing was changed: the upgrade was not confirmed');
    }

    const applied = await applyManifest(cluster, manifest, { dryRun: g.dryRun === 'server', force: Boolean(f.forceConflicts) }, reporter);
    if (g.output === 'yaml') reporter.document(render.yamlOf(applied));
    if (!f.wait || g.dryRun === 'server') return;
    const ds = objects.find((o) => o.kind === 'DaemonSet' && o.metadata.name === NET_DAEMONSET);
    if (!ds) throw failure('the manifest has no DaemonSet weave-net to wait for');
    await waitForWorkloads(
      cluster,
      [{ apiVersion: String(ds.apiVersion), kind: 'DaemonSet', namespace: ds.metadata.namespace ?? 'kube-system', name: NET_DAEMONSET }],
      g,
      reporter,
    );
  } finally {
    cluster.close();
  }
}
