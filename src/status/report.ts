/**
 * The Weave Net status report (./model.ts) built from the object summaries (./objects.ts) and each node's
 * answers (./probe.ts). Pure.
 */
import { NET_DAEMONSET } from '../weave/names.js';
import type { IpamState } from './parse.js';
import { buildNodeRow } from './node-row.js';
import { analyzeConnections, connectivityProblems } from './connectivity.js';
import { datapathReport } from './datapath.js';
import { ipamSummary } from './ipam.js';
import { naturalCompare } from './text.js';
import { unreachablePeerReport } from './unreachable-peers.js';
import type { NodeRow, ReportProblem, Severity, StatusReport } from './model.js';
import type { DaemonSetSummary, NodeSummary, PodSummary } from './objects.js';
import type { NodeProbe, UnreachableOwner } from './probe.js';

export interface ReportInput {
  namespace: string;
  daemonSet?: DaemonSetSummary;
  pods: PodSummary[];
  /** undefined when the nodes could not be listed (RBAC): rows come from the pods alone. */
  nodes?: NodeSummary[];
  /** By pod name. A running pod without a probe was not asked (see `skipped`). */
  probes: ReadonlyMap<string, NodeProbe>;
  /** --node: only these nodes get rows. */
  nodeFilter?: readonly string[];
  /** When there is no DaemonSet in `namespace`: the namespaces that have one. */
  elsewhere?: readonly string[];
}

/** What the DaemonSet itself says is wrong (missing, no pods wanted, pods not ready or not updated). */
function daemonSetProblems(input: ReportInput): Omit<ReportProblem, 'node'>[] {
  const ns = input.namespace;
  const ds = input.daemonSet;
  const out: Omit<ReportProblem, 'node'>[] = [];
  const add = (severity: Severity, message: string, hint: string | null = null) => out.push({ severity, message, hint });
  if (!ds) {
    const other = input.elsewhere ?? [];
    add(
      'error',
      `DaemonSet ${NET_DAEMONSET} not found in namespace ${ns}`,
      other.length > 0 ? `it is in namespace ${other.join(', ')}: run with -n ${other[0]}` : 'install Weave Net with "weavectl install", or give its namespace with -n',
    );
  } else {
    if (ds.desired === 0) add('error', `DaemonSet ${ds.name} wants no pods: no node fits it`, `kubectl describe daemonset -n ${ns} ${ds.name}`);
    else if (ds.ready < ds.desired || ds.available < ds.desired) {
      add('error', `DaemonSet ${ds.name}: ${ds.ready} of ${ds.desired} pods ready, ${ds.available} available`, `weavectl rollout-status -n ${ns}`);
    }
    if (ds.updated < ds.desired && ds.desired > 0) {
      add('warning', `DaemonSet ${ds.name}: ${ds.updated} of ${ds.desired} pods run the current template`, `weavectl rollout-status -n ${ns}`);
    }
  }
  return out;
}

/** The weave-net pod of each node (key: node name, or "(unscheduled) POD"): the DaemonSet's own, a live one before a terminating one. */
function podsByNode(input: ReportInput): Map<string, PodSummary> {
  const ds = input.daemonSet;
  const podByNode = new Map<string, PodSummary>();
  for (const p of input.pods) {
    if (ds?.uid && p.ownerUid && p.ownerUid !== ds.uid) continue;
    if (p.phase === 'Succeeded' || p.phase === 'Failed') continue;
    const key = p.node ?? `(unscheduled) ${p.name}`;
    const prev = podByNode.get(key);
    if (!prev || (prev.terminating && !p.terminating)) podByNode.set(key, p);
  }
  return podByNode;
}

/**
 * The report, in steps: the DaemonSet's problems; the pod of each node; which peers most nodes cannot
 * reach (./connectivity.ts); one row per node (./node-row.ts); the IP range and IPAM state the peers
 * agree on (./ipam.ts); peers that own addresses and cannot be reached (./unreachable-peers.ts);
 * nodes --node names that have no row. Problems: errors first, then cluster-wide before per node.
 */
export function buildReport(input: ReportInput): StatusReport {
  const ns = input.namespace;
  const ds = input.daemonSet;
  const problems: ReportProblem[] = [];
  const add = (severity: Severity, node: string | null, message: string, hint: string | null = null) => problems.push({ severity, node, message, hint });
  for (const p of daemonSetProblems(input)) add(p.severity, null, p.message, p.hint);

  const podByNode = podsByNode(input);
  const otherPeers = Math.max(0, Math.max(podByNode.size, ds?.desired ?? 0) - 1);
  const connLimit = ds?.connLimit ?? Infinity;
  const nodeInfo = new Map((input.nodes ?? []).map((n) => [n.name, n]));
  const names = new Set<string>(podByNode.keys());
  for (const n of input.nodes ?? []) if (n.eligible) names.add(n.name);
  const filter = input.nodeFilter && input.nodeFilter.length > 0 ? new Set(input.nodeFilter) : undefined;
  const rowNames = [...names].filter((n) => !filter || filter.has(n)).sort(naturalCompare);

  const conn = analyzeConnections(input, podByNode, rowNames);

  const rows: NodeRow[] = [];
  const ranges = new Map<string, number>();
  const states: Partial<Record<IpamState, number>> = {};
  const healthyPods: string[] = [];
  const isolated = new Set<string>();
  const unreachableReports: { node: string; owners: UnreachableOwner[] }[] = [];
  for (const name of rowNames) {
    const pod = podByNode.get(name);
    const r = buildNodeRow({ name, namespace: ns, ds, pod, node: nodeInfo.get(name), probe: pod ? input.probes.get(pod.name) : undefined, otherPeers, connLimit, conn });
    if (r.ipam) {
      states[r.ipam.state] = (states[r.ipam.state] ?? 0) + 1;
      if (r.ipam.range) ranges.set(r.ipam.range, (ranges.get(r.ipam.range) ?? 0) + 1);
    }
    if (r.isolated) isolated.add(name);
    if (r.unreachable.length) unreachableReports.push({ node: name, owners: r.unreachable });
    if (r.healthyPod) healthyPods.push(r.healthyPod);
    rows.push(r.row);
    for (const i of r.issues) add(i.severity, name, i.message, i.hint);
  }

  for (const p of connectivityProblems(conn, ns)) add(p.severity, null, p.message, p.hint);

  const datapath = datapathReport({
    nodes: rowNames.map((n) => {
      const pod = podByNode.get(n);
      return { node: n, probe: pod ? input.probes.get(pod.name) : undefined };
    }),
    conn,
    ...(ds ? { ds } : {}),
  });
  for (const r of rows) r.datapath = datapath.perNode.get(r.node) ?? null;
  for (const p of datapath.problems) add(p.severity, null, p.message, p.hint);

  const ipam = ipamSummary(ranges, states, ds);
  for (const p of ipam.problems) add(p.severity, null, p.message, p.hint);

  const execPod = healthyPods[0] ?? rows.find((r) => r.pod)?.pod ?? '<weave-net pod>';
  const nodeNames = new Set([...(input.nodes ?? []).map((n) => n.name), ...podByNode.keys()]);
  const unreachable = unreachablePeerReport(unreachableReports, isolated, nodeNames, ns, execPod);
  for (const p of unreachable.problems) add(p.severity, null, p.message, p.hint);

  if (input.nodeFilter) {
    for (const n of input.nodeFilter) {
      if (!names.has(n)) add('error', n, input.nodes && !nodeInfo.has(n) ? `no node named ${n}` : `no weave-net pod on node ${n}`);
    }
  }

  // Errors first, then cluster-wide before per node (stable otherwise).
  const rank = (p: ReportProblem) => (p.severity === 'error' ? 0 : 2) + (p.node === null ? 0 : 1);
  problems.sort((a, b) => rank(a) - rank(b));
  const summary = {
    nodes: rows.length,
    ok: rows.filter((r) => r.status === 'ok').length,
    warning: rows.filter((r) => r.status === 'warning').length,
    error: rows.filter((r) => r.status === 'error').length,
  };
  return {
    namespace: ns,
    healthy: !problems.some((p) => p.severity === 'error'),
    daemonSet: ds
      ? {
          name: ds.name,
          apiVersion: ds.apiVersion,
          desired: ds.desired,
          updated: ds.updated,
          ready: ds.ready,
          available: ds.available,
          message: ds.message,
          image: ds.image ?? null,
          version: ds.version ?? null,
          ipallocRange: ds.ipallocRange ?? null,
          npc: ds.npc,
        }
      : null,
    ipam: ipam.ipam,
    datapath: datapath.summary,
    nodes: rows,
    unreachablePeers: unreachable.peers,
    problems,
    summary,
  };
}
