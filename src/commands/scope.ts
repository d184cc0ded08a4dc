/**
 * `weavectl scope`: the flags, their typed options, and the call. The flow (render, keep the running
 * settings, diff, apply, wait, where the UI is) is src/scope/run.ts.
 */
import { Option, type Command } from 'commander';
import { printManifest } from '../deploy/print.js';
import type { ScopeOptions } from '../scope/options.js';
import { parseBool } from './bool-flag.js';
import { openCluster } from './cluster-session.js';
import { withExitCode } from './exit-code.js';
import { globalsOf, reporterFor, type Globals } from './global.js';
import { optBool, optList, optString, type OptionValues } from './option-values.js';
import { addSourceOptions, sourceOptionsOf } from './source-flags.js';
import { registerScopeOpen, registerScopeStatus } from './scope-open.js';

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
    .option('--basic-auth-secret <name>', 'basic auth for the UI from this Secret (keys username, password), on the app and the probes (Scope 1.10+)')
    .option('--no-basic-auth', 'turn basic auth off (a re-run keeps it on otherwise)')
    .option('--generate', 'create the --basic-auth-secret Secret with a random password (never printed; an existing Secret is kept)')
    .option('--runtime <runtime>', "the nodes' container runtime for the probes: auto (from the nodes, the default for a new install), docker, containerd or crio")
    .option('--allow-from <cidr>', 'only these sources (and the probes) reach the UI: a NetworkPolicy in front of the app (repeatable)', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--no-allow-from', 'remove the --allow-from NetworkPolicy')
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

  # Basic auth from a new Secret with a random password; only 203.0.113.0/24 reaches the UI
  weavectl scope --external-ip 10.200.33.12 --basic-auth-secret scope-auth --generate --allow-from 203.0.113.0/24

  # Probes for containerd nodes (auto: what the nodes report)
  weavectl scope --runtime containerd

  # Reach the UI without exposing it; see how it runs
  weavectl scope open
  weavectl scope status

Scope's UI has no authentication unless --basic-auth-secret is given: anyone who reaches it sees the
cluster, and unless --read-only is given can open a shell in any container. (Kubernetes 1.6-1.8:
namespace kube-system.)`,
    )
    .action(withExitCode(async (opts: OptionValues, command: Command) => runScope(scopeOptionsOf(opts), globalsOf(command))));
  // subcommands: `scope open --port 0` gives open's --port to scope (commander); scope-open.ts reads it there
  // and refuses every other flag of scope (src/commands/parent-flags.ts)
  registerScopeOpen(cmd);
  registerScopeStatus(cmd);
}

/** The flags as typed options. */
export function scopeOptionsOf(o: OptionValues): ScopeOptions {
  const opt = <K extends keyof ScopeOptions>(key: K, value: ScopeOptions[K] | undefined): Partial<ScopeOptions> => (value === undefined ? {} : { [key]: value });
  return {
    ...sourceOptionsOf(o),
    ...opt('k8sVersion', optString(o, 'k8sVersion')),
    ...opt('externalIp', o.externalIp === false ? false : optList(o, 'externalIp')),
    ...opt('port', optString(o, 'port')),
    ...opt('serviceType', optString(o, 'serviceType')),
    ...opt('readOnly', optBool(o, 'readOnly')),
    ...opt('diff', optBool(o, 'diff')),
    ...opt('yes', optBool(o, 'yes')),
    ...opt('imageRegistry', optString(o, 'imageRegistry')),
    wait: optBool(o, 'wait') ?? true,
    ...opt('forceConflicts', optBool(o, 'forceConflicts')),
    // issue 15: --no-basic-auth is false here (commander gives basicAuth true when it is not given)
    ...opt('basicAuthSecret', o.basicAuth === false ? false : optString(o, 'basicAuthSecret')),
    ...opt('generate', optBool(o, 'generate')),
    ...opt('runtime', optString(o, 'runtime')),
    ...opt('allowFrom', o.allowFrom === false ? false : optList(o, 'allowFrom')),
  };
}

/** Options -> the flow -> print; returns the exit code. */
async function runScope(f: ScopeOptions, g: Globals): Promise<number> {
  const reporter = reporterFor(g);
  const [{ scopeFlagSettings }, run] = await Promise.all([import('../scope/options.js'), import('../scope/run.js')]);
  const flagSettings = scopeFlagSettings(f, g.dryRun === 'client');
  if (g.dryRun === 'client') {
    await printManifest(await run.renderScopeManifest(f, flagSettings, reporter), g.output, reporter);
    return 0;
  }
  const cluster = await openCluster(g, reporter);
  try {
    return await run.scopeOnCluster(cluster, f, flagSettings, g, reporter);
  } finally {
    cluster.close();
  }
}
