/**
 * `weavectl install`: the flags, their typed options, and the call. The flow (render, keep the running
 * settings, guard, checks, diff, apply, wait) is src/install/run.ts.
 */
import { Option, type Command } from 'commander';
import { printManifest } from '../deploy/print.js';
import type { InstallOptions } from '../install/options.js';
import { parseBool } from './bool-flag.js';
import { openCluster } from './cluster-session.js';
import { withExitCode } from './exit-code.js';
import { globalsOf, reporterFor, type Globals } from './global.js';
import { optBool, optList, optString, optStringOrFalse, type OptionValues } from './option-values.js';
import { addSourceOptions, sourceOptionsOf } from './source-flags.js';

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
    .option('--generate-password', 'with --password-secret: create that Secret with a random password when it does not exist (never printed; an existing Secret is kept)')
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

  # Encrypt the traffic between peers with a random password kept in a Secret that weavectl creates
  # (only when it does not exist; the password is never printed)
  weavectl install --password-secret weave-passwd --generate-password

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
    .action(withExitCode(async (opts: OptionValues, command: Command) => runInstall(installOptionsOf(opts), globalsOf(command))));
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The flags as typed options. */
export function installOptionsOf(o: OptionValues): InstallOptions {
  const masq = o.masqLocal;
  if (masq !== true && masq !== false && masq !== 'on' && masq !== 'off') throw new TypeError(`option masqLocal: unexpected ${String(masq)}`);
  const opt = <K extends keyof InstallOptions>(key: K, value: InstallOptions[K] | undefined): Partial<InstallOptions> => (value === undefined ? {} : { [key]: value });
  return {
    ...sourceOptionsOf(o),
    ...opt('k8sVersion', optString(o, 'k8sVersion')),
    ...opt('weaveVersion', optString(o, 'weaveVersion')),
    ...opt('weaveRepo', optString(o, 'weaveRepo')),
    ...opt('ipalloc', optString(o, 'ipalloc')),
    ...opt('mtu', optString(o, 'mtu')),
    ...opt('connLimit', optString(o, 'connLimit')),
    masqLocal: masq,
    ...opt('disableNpc', optBool(o, 'disableNpc')),
    ...opt('passwordSecret', optStringOrFalse(o, 'passwordSecret')),
    ...opt('generatePassword', optBool(o, 'generatePassword')),
    env: optList(o, 'env') ?? [],
    ...opt('imageRegistry', optString(o, 'imageRegistry')),
    wait: optBool(o, 'wait') ?? true,
    ...opt('forceConflicts', optBool(o, 'forceConflicts')),
    ...opt('skipChecks', optBool(o, 'skipChecks')),
    ...opt('allowRangeChange', optBool(o, 'allowRangeChange')),
    ...opt('allowPasswordChange', optBool(o, 'allowPasswordChange')),
    ...opt('allowNpcChange', optBool(o, 'allowNpcChange')),
    ...opt('allowDowngrade', optBool(o, 'allowDowngrade')),
    ...opt('diff', optBool(o, 'diff')),
    ...opt('yes', optBool(o, 'yes')),
    ...opt('checkpoint', optBool(o, 'checkpoint')),
  };
}

/** Options -> the flow -> print; returns the exit code. */
async function runInstall(f: InstallOptions, g: Globals): Promise<number> {
  const reporter = reporterFor(g);
  const [{ netSettingsFromOptions }, run] = await Promise.all([import('../install/options.js'), import('../install/run.js')]);
  const { settings, warnings } = netSettingsFromOptions(f);
  for (const w of warnings) reporter.warn(w);
  if (g.dryRun === 'client') {
    await printManifest(await run.renderInstall(f, settings, reporter), g.output, reporter);
    return 0;
  }
  const cluster = await openCluster(g, reporter);
  try {
    return await run.installOnCluster(cluster, f, settings, g, reporter);
  } finally {
    cluster.close();
  }
}
