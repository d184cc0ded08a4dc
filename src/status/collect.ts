/**
 * What `weavectl status` reads from a cluster: the weave-net DaemonSet, its pods (and the nodes, when
 * something is wrong), and what weave says on every node (by exec into the `weave` container:
 * a `weave --local report -f` digest of what `weave --local status`, `status connections` and `status
 * ipam` say, and the bridge address), reduced as it arrives and turned into the report (src/status/report.ts). The command (flags, printing, exit code) is
 * src/commands/status.ts.
 */
import { versionsOf } from '../kube/kinds.js';
import type { Cluster, KubeObject } from '../cluster/types.js';
import { errorText } from '../errors.js';
import type { Reporter } from '../output/reporter.js';
import type { StatusReport } from './model.js';
import { summarizeDaemonSet, summarizeNode, summarizePod, type DaemonSetSummary, type NodeSummary, type PodSummary } from './objects.js';
import { FALLBACK_COMMANDS, PROBE_COMMANDS, summarizeProbe, type CommandResult, type NodeProbe, type ProbeCommand } from './probe.js';
import { buildReport } from './report.js';
import { digestRefused } from './digest.js';
import { NET_DAEMONSET, WEAVE_CONTAINER, NET_POD_SELECTOR as WEAVE_POD_SELECTOR } from '../weave/names.js';
import { formatDuration } from '../util/duration.js';

const LIST_PAGE = 100;

/**
 * How many nodes are asked at once when --concurrency is not given: 10, and one more per 100 nodes
 * beyond 1,000, at most 40. Each node's answers take about one round trip through the API server
 * and the kubelet (its two execs run side by side), so the time grows with nodes / concurrency
 * round trips: a big cluster, which has the control plane to match, gets more at once. Not more
 * than 40: each exec in flight holds its buffers, and at 50 the peak memory of a 5,000-node status
 * passed 200 MB (bench/status.mjs) for a second less.
 */
export function autoConcurrency(nodes: number): number {
  return Math.min(40, Math.max(10, 10 + Math.ceil((nodes - 1000) / 100)));
}

/** Runs `fn` over `items` with at most `limit` running at once. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Asks the weave container of one pod, both at once: the report digest (./digest.ts: what
 * `weave status` says, the connections other than the ones CONN_LIMIT refused, and the local and
 * unreachable owners of the IPAM ring) and the bridge address. The connections are always read:
 * they alone say which overlay each connection uses (fastdp or sleeve), its MTU and whether it is
 * encrypted (the data path, ./datapath.ts). When weave refuses the digest's template (it answered,
 * with an error), `status`, `status ipam` and `status connections` are asked instead, in the time left.
 * Whatever has not answered by the deadline is an error.
 */
export async function probePod(cluster: Pick<Cluster, 'exec'>, namespace: string, pod: string, timeoutMs: number): Promise<NodeProbe> {
  const deadlineAt = Date.now() + timeoutMs;
  const results: Partial<Record<ProbeCommand, CommandResult>> = {};
  const run = (k: ProbeCommand, command: readonly string[]) =>
    cluster.exec({ namespace, name: pod }, WEAVE_CONTAINER, [...command], { timeoutMs: Math.max(1, deadlineAt - Date.now()) }).then(
      (r) => {
        results[k] = r;
      },
      (err) => {
        results[k] = { error: errorText(err) };
      },
    );
  const asked: ProbeCommand[] = Object.keys(PROBE_COMMANDS) as (keyof typeof PROBE_COMMANDS)[];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs + 250); // the exec's own timeout normally ends it first
  });
  const all = Promise.all(
    (Object.keys(PROBE_COMMANDS) as (keyof typeof PROBE_COMMANDS)[]).map(async (k) => {
      await run(k, PROBE_COMMANDS[k]);
      const d = results.digest;
      if (k === 'digest' && d && !('error' in d) && digestRefused(d) && Date.now() < deadlineAt) {
        asked.push('status', 'ipam', 'connections');
        await Promise.all((Object.keys(FALLBACK_COMMANDS) as (keyof typeof FALLBACK_COMMANDS)[]).map((f) => run(f, FALLBACK_COMMANDS[f])));
      }
    }),
  );
  await Promise.race([all, deadline]);
  clearTimeout(timer);
  const late: Partial<Record<ProbeCommand, CommandResult>> = {};
  for (const k of asked) late[k] = results[k] ?? { error: `no answer within ${formatDuration(timeoutMs)}` };
  return summarizeProbe(late);
}

async function findDaemonSet(cluster: Pick<Cluster, 'serves' | 'get'>, namespace: string): Promise<KubeObject | undefined> {
  for (const apiVersion of versionsOf('DaemonSet')) {
    if (!(await cluster.serves(apiVersion, 'DaemonSet'))) continue;
    const ds = await cluster.get({ apiVersion, kind: 'DaemonSet', namespace, name: NET_DAEMONSET });
    if (ds) return { ...ds, apiVersion: ds.apiVersion ?? apiVersion };
  }
  return undefined;
}

/** Namespaces that do have a DaemonSet weave-net (for the hint when -n names another). */
async function findElsewhere(cluster: Pick<Cluster, 'serves' | 'list'>): Promise<string[]> {
  for (const apiVersion of versionsOf('DaemonSet')) {
    if (!(await cluster.serves(apiVersion, 'DaemonSet'))) continue;
    try {
      const list = await cluster.list({ apiVersion, kind: 'DaemonSet' }, { fieldSelector: `metadata.name=${NET_DAEMONSET}` });
      return [...new Set(list.items.filter((d) => d.metadata.name === NET_DAEMONSET).map((d) => d.metadata.namespace ?? ''))].filter(Boolean).sort();
    } catch {
      return []; // no right to list DaemonSets everywhere: no hint
    }
  }
  return [];
}

/** The cluster calls `weavectl status` makes. */
export type StatusCluster = Pick<Cluster, 'serves' | 'get' | 'list' | 'listPages' | 'exec'>;

/** Lists a kind and maps every object as its page arrives, so only the summaries stay in memory. */
async function listSummaries<T>(cluster: StatusCluster, ref: { apiVersion: string; kind: string; namespace?: string }, labelSelector: string | undefined, map: (o: KubeObject) => T): Promise<T[]> {
  const out: T[] = [];
  const opts = { ...(labelSelector ? { labelSelector } : {}), limit: LIST_PAGE };
  await cluster.listPages(ref, { ...opts, pageSize: LIST_PAGE }, (items) => {
    for (const o of items) out.push(map(o));
  });
  return out;
}

export async function collectStatus(
  cluster: StatusCluster,
  opts: {
    namespace: string;
    nodes: string[];
    concurrency?: number;
    execTimeoutMs: number;
    /** Epoch ms (--timeout): no node is given longer than what is left of it. */
    deadline?: number;
  },
  reporter: Reporter,
): Promise<StatusReport> {
  const ns = opts.namespace;
  const dsObj = await findDaemonSet(cluster, ns);
  if (!dsObj) return buildReport({ namespace: ns, pods: [], probes: new Map(), elsewhere: await findElsewhere(cluster) });
  const ds: DaemonSetSummary = summarizeDaemonSet(dsObj);

  // Reduce every object as soon as it is listed: only the summaries stay in memory.
  const pods: PodSummary[] = await listSummaries(cluster, { apiVersion: 'v1', kind: 'Pod', namespace: ns }, WEAVE_POD_SELECTOR, summarizePod);
  // The nodes are read only when something is wrong (1,000 Node objects are megabytes): to name
  // NotReady nodes and the nodes that lack a pod. When every pod the DaemonSet wants is there
  // and ready, the pods say all there is to say (their hostIP is the node's address).
  const dsPods = pods.filter((p) => p.node !== undefined && (!ds.uid || !p.ownerUid || p.ownerUid === ds.uid));
  const allWell =
    ds.desired > 0 &&
    ds.ready === ds.desired &&
    ds.available === ds.desired &&
    dsPods.length === ds.desired &&
    dsPods.every((p) => p.ready && p.phase === 'Running' && !p.terminating) &&
    opts.nodes.every((n) => dsPods.some((p) => p.node === n));
  let nodes: NodeSummary[] | undefined;
  if (allWell) {
    reporter.debug(`All ${ds.desired} weave-net pods are ready: the nodes are not read`);
  } else {
    try {
      nodes = await listSummaries(cluster, { apiVersion: 'v1', kind: 'Node' }, undefined, (n) => summarizeNode(n, dsObj));
    } catch (err) {
      reporter.warn(`cannot list nodes (${errorText(err)}): showing only the nodes that run a weave-net pod`);
    }
  }

  const filter = opts.nodes.length > 0 ? new Set(opts.nodes) : undefined;
  const targets = pods.filter(
    (p) => p.node !== undefined && (!filter || filter.has(p.node)) && p.phase === 'Running' && p.weave?.state === 'running' && !p.terminating,
  );
  const probes = new Map<string, NodeProbe>();
  let done = 0;
  const show = () => {
    if (reporter.mode === 'tty') reporter.progress('status', `Asking weave on ${targets.length} node${targets.length === 1 ? '' : 's'}: ${done} answered`);
  };
  const concurrency = opts.concurrency ?? autoConcurrency(targets.length);
  reporter.debug(`Asking weave on ${targets.length} nodes, ${concurrency} at a time, ${formatDuration(opts.execTimeoutMs)} each`);
  show();
  await eachLimited(targets, concurrency, async (pod) => {
    const left = opts.deadline === undefined ? Infinity : Math.floor(opts.deadline - Date.now());
    probes.set(pod.name, await probePod(cluster, ns, pod.name, Math.max(1, Math.min(opts.execTimeoutMs, left))));
    done++;
    show();
  });
  reporter.endProgress();
  return buildReport({ namespace: ns, daemonSet: ds, pods, ...(nodes ? { nodes } : {}), probes, ...(filter ? { nodeFilter: opts.nodes } : {}) });
}
