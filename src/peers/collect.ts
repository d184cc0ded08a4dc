/**
 * `weavectl peers`: reads the IPAM ring from the cluster. Every running weave-net pod is asked
 * `weave --local status ipam` (which peers it reaches), the Nodes are listed (which still exist),
 * and one healthy pod is asked `weave --local report` (the ring's runs of addresses). Then
 * `reclaimPeers` runs `weave --local rmpeer` once, in that one pod. Formats: ./model.ts.
 */
import type { Cluster, KubeObject } from '../cluster/types.js';
import { errorText, failure } from '../errors.js';
import { podIsReadyAndNotTerminating, podNode } from '../kube/pods.js';
import type { Reporter } from '../output/reporter.js';
import { parseStatusIpam } from '../status/parse.js';
import { naturalCompare } from '../status/text.js';
import { WEAVE_SCRIPT } from '../status/weave-exec.js';
import { formatDuration } from '../util/duration.js';
import { NET_POD_SELECTOR, WEAVE_CONTAINER, WEAVE_NAMESPACE } from '../weave/names.js';
import { buildPeers, parseRingReport, parseRmpeerOutput, type NodeAnswer, type PeerRow, type PeersReport, type RingReport } from './model.js';

export type PeersCluster = Pick<Cluster, 'list' | 'exec'> & Partial<Pick<Cluster, 'listPages'>>;

export const STATUS_IPAM = [WEAVE_SCRIPT, '--local', 'status', 'ipam'];
export const REPORT = [WEAVE_SCRIPT, '--local', 'report'];
export const rmpeerCommand = (peers: readonly string[]) => [WEAVE_SCRIPT, '--local', 'rmpeer', ...peers];

interface WeavePod {
  name: string;
  node: string;
  /** Running, Ready, not being deleted: a pod to run rmpeer in. */
  healthy: boolean;
  /** The weave container runs: it can be asked. */
  weaveRunning: boolean;
}

function summarize(p: KubeObject): WeavePod | undefined {
  const node = podNode(p);
  if (!node || !p.spec?.nodeName) return undefined;
  const weave = ((p.status?.containerStatuses ?? []) as { name?: string; state?: { running?: unknown } }[]).find((c) => c.name === WEAVE_CONTAINER);
  return {
    name: p.metadata.name,
    node,
    healthy: podIsReadyAndNotTerminating(p),
    weaveRunning: p.status?.phase === 'Running' && !p.metadata.deletionTimestamp && !!weave?.state?.running,
  };
}

async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function nodeNamesOf(cluster: PeersCluster): Promise<Set<string>> {
  const names = new Set<string>();
  if (cluster.listPages) {
    await cluster.listPages({ apiVersion: 'v1', kind: 'Node' }, { pageSize: 500 }, (items) => {
      for (const n of items) names.add(n.metadata.name);
    });
  } else {
    for (const n of (await cluster.list({ apiVersion: 'v1', kind: 'Node' })).items) names.add(n.metadata.name);
  }
  return names;
}

async function run(cluster: PeersCluster, namespace: string, pod: string, command: string[], timeoutMs: number): Promise<string> {
  const r = await cluster.exec({ namespace, name: pod }, WEAVE_CONTAINER, command, { timeoutMs });
  if (r.exitCode !== 0) throw new Error(`${command.slice(1).join(' ')} exited with ${r.exitCode}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n')[0]}` : ''}`);
  return r.stdout;
}

export interface PeersCollection {
  report: PeersReport;
  /** The pod the ring was read from, which rmpeer runs in (undefined: no healthy pod could be read). */
  execPod?: { name: string; node: string };
}

/** Asks every weave-net pod of `namespace` and builds the peer list. */
export async function collectPeers(
  cluster: PeersCluster,
  opts: { namespace: string; concurrency: number; execTimeoutMs: number },
  reporter: Reporter,
): Promise<PeersCollection> {
  const ns = opts.namespace;
  const pods = (await cluster.list({ apiVersion: 'v1', kind: 'Pod', namespace: ns }, { labelSelector: NET_POD_SELECTOR })).items
    .map(summarize)
    .filter((p): p is WeavePod => p !== undefined)
    .sort((a, b) => naturalCompare(a.node, b.node));
  if (pods.length === 0) {
    throw failure(`no weave-net pods in namespace ${ns}`, ns === WEAVE_NAMESPACE ? 'is Weave Net installed? (weavectl status)' : `Weave Net runs in ${WEAVE_NAMESPACE} by default: drop -n`);
  }
  const nodeNames = await nodeNamesOf(cluster);
  const answers: NodeAnswer[] = [];
  let done = 0;
  const show = () => {
    if (reporter.mode === 'tty') reporter.progress('peers', `Asking weave on ${pods.length} node${pods.length === 1 ? '' : 's'}: ${done} answered`);
  };
  reporter.debug(`Asking weave on ${pods.length} nodes, ${opts.concurrency} at a time, ${formatDuration(opts.execTimeoutMs)} each`);
  show();
  await eachLimited(pods, opts.concurrency, async (p) => {
    if (!p.weaveRunning) {
      answers.push({ node: p.node, pod: p.name, error: `pod ${p.name}: the weave container is not running` });
    } else {
      try {
        answers.push({ node: p.node, pod: p.name, owners: parseStatusIpam(await run(cluster, ns, p.name, STATUS_IPAM, opts.execTimeoutMs)) });
      } catch (err) {
        answers.push({ node: p.node, pod: p.name, error: errorText(err) });
      }
    }
    done++;
    show();
  });
  reporter.endProgress();

  // The ring from one healthy pod that answered and sees the most peers (not an isolated one).
  const reached = (a: NodeAnswer) => (a.owners ?? []).filter((o) => o.local || o.reachable).length;
  const candidates = answers
    .filter((a) => a.owners && nodeNames.has(a.node) && pods.find((p) => p.name === a.pod)?.healthy)
    .sort((a, b) => reached(b) - reached(a) || naturalCompare(a.node, b.node));
  let ring: { node: string; report: RingReport } | undefined;
  let execPod: PeersCollection['execPod'];
  for (const c of candidates.slice(0, 3)) {
    try {
      ring = { node: c.node, report: parseRingReport(await run(cluster, ns, c.pod, REPORT, opts.execTimeoutMs)) };
      execPod = { name: c.pod, node: c.node };
      break;
    } catch (err) {
      reporter.warn(`cannot read the IPAM ring from ${c.pod} on ${c.node}: ${errorText(err)}`);
    }
  }
  return { report: buildPeers({ namespace: ns, answers, nodeNames, ...(ring ? { ring } : {}) }), ...(execPod ? { execPod } : {}) };
}

export interface ReclaimResult {
  peer: string;
  nickname: string;
  node: string;
  ranges: string[] | null;
  /** Addresses the ring said it owned. */
  ips: number;
  /** What weave said it took over ("4096 IPs taken over from ..."), by count. */
  takenOver: number;
}

/** Runs `weave --local rmpeer` once, for every peer in `rows`, in `pod`. */
export async function reclaimPeers(cluster: PeersCluster, namespace: string, pod: string, rows: readonly PeerRow[], timeoutMs: number): Promise<ReclaimResult[]> {
  const out = await run(cluster, namespace, pod, rmpeerCommand(rows.map((r) => r.peer)), timeoutMs);
  const counts = parseRmpeerOutput(out);
  return rows.map((r) => ({ peer: r.peer, nickname: r.nickname, node: r.node, ranges: r.ranges, ips: r.ips, takenOver: counts.get(r.peer) ?? 0 }));
}
