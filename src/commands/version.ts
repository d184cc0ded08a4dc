/**
 * `weavectl version [--client]`: the client's version and, with a cluster, the Kubernetes version, the
 * Weave Net release that runs there (its images and readiness) and Weave Scope's, as `cilium version`
 * shows cilium-cli's and the running Cilium's. `--version` stays the fast path (main.ts, no cluster).
 *
 * Exit code 1 when the cluster cannot be read (the client's line is printed first, as kubectl version
 * does); a cluster without Weave is not an error.
 */
import { versionsOf } from '../kube/kinds.js';
import type { Command } from 'commander';
import type { KubeCluster } from '../cluster/kube-cluster.js';
import type { KubeObject } from '../cluster/types.js';
import { usageError } from '../errors.js';
import pkg from '../../package.json' with { type: 'json' };
import { openCluster } from './cluster-session.js';
import { printResult } from '../output/print.js';
import { globalsOf, reporterFor, type Globals } from './global.js';
import { optBool, type OptionValues } from './option-values.js';
import { NET_DAEMONSET, SCOPE_APP, SCOPE_NAMESPACE, WEAVE_CONTAINER } from '../weave/names.js';

export interface WorkloadVersion {
  /** "2.8.1": the tag of the main container's image */
  version?: string;
  namespace: string;
  object: string;
  images: string[];
  ready: number;
  desired: number;
}

export interface VersionReport {
  client: { version: string; node: string; platform: string };
  kubernetes?: { gitVersion: string; major: string; minor: string };
  /** null: not running in the cluster */
  weaveNet?: WorkloadVersion | null;
  weaveScope?: WorkloadVersion | null;
}

interface VersionFlags {
  client?: boolean;
}

/** The flags as typed options. */
function versionOptionsOf(o: OptionValues): VersionFlags {
  const client = optBool(o, 'client');
  return client !== undefined ? { client } : {};
}

export function registerVersion(program: Command): void {
  program
    .command('version')
    .description('Print the weavectl version and, from the cluster, the Kubernetes version and the running Weave Net and Weave Scope releases')
    .option('--client', 'only the weavectl version: no cluster is asked')
    .addHelpText(
      'after',
      `
Examples:
  # weavectl, Kubernetes, and what runs of Weave Net and Weave Scope
  weavectl version

  # No cluster needed
  weavectl version --client

  # For a script
  weavectl version -o json`,
    )
    .action(async (_opts: unknown, command: Command) => {
      await runVersion(versionOptionsOf(command.opts()), globalsOf(command));
    });
}

export function clientVersion(): VersionReport['client'] {
  return { version: pkg.version, node: process.version, platform: `${process.platform}/${process.arch}` };
}

async function findWorkload(cluster: Pick<KubeCluster, 'serves' | 'get'>, kind: 'DaemonSet' | 'Deployment', namespaces: string[], name: string): Promise<KubeObject | undefined> {
  for (const apiVersion of versionsOf(kind)) {
    if (!(await cluster.serves(apiVersion, kind))) continue;
    for (const namespace of namespaces) {
      const o = await cluster.get({ apiVersion, kind, namespace, name });
      if (o) return o;
    }
    return undefined;
  }
  return undefined;
}

/** The version of a workload from the tag of its container `main` (else the first). */
export function workloadVersion(o: KubeObject, main: string): WorkloadVersion {
  const containers = (o.spec?.template?.spec?.containers ?? []) as { name: string; image?: string }[];
  const images = containers.map((c) => c.image ?? '').filter(Boolean);
  const image = (containers.find((c) => c.name === main) ?? containers[0])?.image ?? '';
  const lastColon = image.lastIndexOf(':');
  const tag = lastColon > image.lastIndexOf('/') ? image.slice(lastColon + 1).replace(/@.*$/, '') : undefined;
  const st = (o.status ?? {}) as Record<string, number | undefined>;
  const kind = String(o.kind ?? '');
  return {
    ...(tag ? { version: tag.replace(/^v/, '') } : {}),
    namespace: o.metadata.namespace ?? '',
    object: `${kind.toLowerCase()}/${o.metadata.name}`,
    images,
    ready: kind === 'DaemonSet' ? (st.numberReady ?? 0) : (st.readyReplicas ?? 0),
    desired: kind === 'DaemonSet' ? (st.desiredNumberScheduled ?? 0) : Number(o.spec?.replicas ?? 1),
  };
}

export async function clusterVersions(cluster: Pick<KubeCluster, 'version' | 'serves' | 'get'>, namespace: string): Promise<Required<Omit<VersionReport, 'client'>>> {
  const v = await cluster.version();
  const [net, scope] = await Promise.all([
    findWorkload(cluster, 'DaemonSet', [namespace], NET_DAEMONSET),
    // Scope 1.9+ manifests use namespace weave; the Kubernetes 1.6-1.8 one puts it in kube-system.
    findWorkload(cluster, 'Deployment', [...new Set([SCOPE_NAMESPACE, namespace])], SCOPE_APP),
  ]);
  return {
    kubernetes: { gitVersion: v.gitVersion, major: v.major, minor: v.minor },
    weaveNet: net ? workloadVersion(net, WEAVE_CONTAINER) : null,
    weaveScope: scope ? workloadVersion(scope, 'app') : null,
  };
}

export function renderVersion(r: VersionReport): string {
  const lines = [`weavectl: ${r.client.version} (node ${r.client.node}, ${r.client.platform})`];
  if (r.kubernetes) lines.push(`Kubernetes (server): ${r.kubernetes.gitVersion}`);
  const show = (label: string, w: WorkloadVersion | null | undefined) => {
    if (w === undefined) return;
    if (w === null) return void lines.push(`${label} (running): not found`);
    lines.push(`${label} (running): ${w.version ?? 'unknown'} in ${w.namespace}, ${w.ready}/${w.desired} ready`);
    for (const i of w.images) lines.push(`  image: ${i}`);
  };
  show('Weave Net', r.weaveNet);
  show('Weave Scope', r.weaveScope);
  return lines.join('\n');
}

async function print(r: VersionReport, g: Globals, reporter: ReturnType<typeof reporterFor>): Promise<void> {
  await printResult(reporter, g.output, { json: () => r, text: () => renderVersion(r) });
}

async function runVersion(f: VersionFlags, g: Globals): Promise<void> {
  const reporter = reporterFor(g);
  if (g.dryRun !== 'none') throw usageError('version only reads: --dry-run has no meaning here');
  const client = clientVersion();
  if (f.client) return print({ client }, g, reporter);
  let cluster: KubeCluster | undefined;
  try {
    cluster = await openCluster(g, reporter);
    await print({ client, ...(await clusterVersions(cluster, g.namespace)) }, g, reporter);
  } catch (err) {
    // As kubectl version: what the client knows is printed, then the error (exit 1).
    if (g.output === 'text') reporter.data(renderVersion({ client }));
    throw err;
  } finally {
    cluster?.close();
  }
}
