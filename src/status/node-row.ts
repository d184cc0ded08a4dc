/**
 * One node's row of the status report: its node and weave-net pod, what its weave answered
 * (version, IPAM, its share of the range, the bridge, its connections), and what is wrong there.
 * Pure.
 */
import { NET_DAEMONSET, NPC_CONTAINER, WEAVE_CONTAINER } from '../weave/names.js';
import type { Connectivity } from './connectivity.js';
import { hostOf } from './connectivity.js';
import type { NodeRow, RowStatus, Severity } from './model.js';
import type { DaemonSetSummary, NodeSummary, PodSummary } from './objects.js';
import type { FailedConnection, NodeProbe, UnreachableOwner } from './probe.js';
import { versionFromImage, type IpamState } from './parse.js';
import { oneLine } from '../util/text.js';
import { weaveExecCommand } from './weave-exec.js';

/** How bad an IPAM state is. */
export const IPAM_SEVERITY: Record<IpamState, RowStatus> = {
  ready: 'ok',
  idle: 'warning',
  priming: 'warning',
  'waiting-for-ips': 'warning',
  unknown: 'warning',
  'awaiting-consensus': 'error',
  'all-owners-unreachable': 'error',
};

export interface NodeIssue {
  severity: Severity;
  message: string;
  hint: string | null;
}

export interface NodeRowInput {
  /** The node's name, or "(unscheduled) POD". */
  name: string;
  namespace: string;
  ds: DaemonSetSummary | undefined;
  pod: PodSummary | undefined;
  node: NodeSummary | undefined;
  probe: NodeProbe | undefined;
  /** The other weave-net peers of the cluster. */
  otherPeers: number;
  /** CONN_LIMIT: a peer connects to at most this many others. */
  connLimit: number;
  conn: Connectivity;
}

export interface NodeRowResult {
  row: NodeRow;
  /** What is wrong on this node, in the order found. */
  issues: NodeIssue[];
  /** The IPAM state and range this node's weave reports. */
  ipam?: { state: IpamState; range?: string };
  /** No peer connection established although some were expected. */
  isolated: boolean;
  /** The owners of addresses this node cannot reach. */
  unreachable: UnreachableOwner[];
  /** The pod, when it is running, Ready, not terminating and answered without errors (a pod to exec into). */
  healthyPod?: string;
}

function npcText(pod: PodSummary, ds: DaemonSetSummary | undefined): string {
  if (!pod.npcInSpec) return ds && !ds.npc ? 'disabled' : 'absent';
  const s = pod.npc;
  if (!s) return 'unknown';
  if (s.state === 'running') return 'running';
  if (s.state === 'unknown') return 'unknown';
  return s.reason ? `${s.state}: ${s.reason}` : s.state;
}

export function buildNodeRow(input: NodeRowInput): NodeRowResult {
  const { name, namespace: ns, ds, pod, node, probe, otherPeers, connLimit, conn } = input;
  const { down, stale, hostLabel } = conn;
  const isNode = !name.startsWith('(unscheduled)');
  const issues: NodeIssue[] = [];
  const issue = (severity: Severity, message: string, hint: string | null = null) => issues.push({ severity, message, hint });
  const result: Omit<NodeRowResult, 'row' | 'issues'> = { isolated: false, unreachable: [] };
  const row: NodeRow = {
    node: name,
    status: 'ok',
    internalIP: conn.ipOf.get(name) ?? null,
    nodeReady: node ? node.ready : null,
    pod: pod?.name ?? null,
    podPhase: pod?.phase ?? null,
    containersReady: pod ? pod.containersReady : null,
    containers: pod ? pod.containers : null,
    restarts: pod ? pod.restarts : null,
    version: (pod && versionFromImage(pod.image)) ?? null,
    peer: null,
    nickname: null,
    bridge: null,
    ips: null,
    percent: null,
    activeIPs: null,
    ipamState: null,
    connections: null,
    encryption: null,
    npc: pod ? npcText(pod, ds) : null,
    error: null,
    datapath: null,
  };

  if (node && !node.ready) issue('error', `node ${name} is NotReady`, `kubectl describe node ${name}`);
  if (!pod) {
    issue('error', isNode ? `no weave-net pod on node ${name}` : 'pod is not scheduled', `kubectl describe daemonset -n ${ns} ${NET_DAEMONSET}`);
  } else {
    if (pod.terminating) issue('warning', `pod ${pod.name} is terminating`);
    if (pod.problem) issue('error', pod.problem, `kubectl logs -n ${ns} ${pod.name} -c ${WEAVE_CONTAINER} --previous`);
    else if (pod.phase !== 'Running') issue('error', `pod ${pod.name} is ${pod.phase}`, `kubectl describe pod -n ${ns} ${pod.name}`);
    else if (!pod.ready) issue('error', `pod ${pod.name} is not Ready (${pod.containersReady}/${pod.containers} containers ready)`, `kubectl describe pod -n ${ns} ${pod.name}`);
    if (pod.npcInSpec && pod.npc?.state !== 'running' && !pod.problem) {
      issue('error', `weave-npc is not running in pod ${pod.name} (${row.npc}): NetworkPolicies are not enforced on this node`, `kubectl logs -n ${ns} ${pod.name} -c ${NPC_CONTAINER}`);
    }
  }

  if (pod && probe) {
    const w = probe.weave;
    if (w) {
      if (w.version) row.version = w.version;
      row.peer = w.name ?? null;
      row.nickname = w.nickname ?? null;
      if (w.encryption !== undefined) row.encryption = w.encryption;
      if (w.ipam) {
        const st = w.ipam.status;
        row.ipamState = st.state;
        result.ipam = { state: st.state, ...(w.ipam.range ? { range: w.ipam.range } : {}) };
        const sev = IPAM_SEVERITY[st.state];
        if (sev !== 'ok') {
          issue(
            sev === 'error' ? 'error' : 'warning',
            `IPAM: ${st.text || 'state unknown'}`,
            st.state === 'awaiting-consensus'
              ? 'consensus needs a quorum of peers that reach each other: look at the connections of the nodes below'
              : st.state === 'all-owners-unreachable'
                ? 'this peer cannot reach any peer that owns addresses: look at its connections'
                : null,
          );
        }
      }
    }
    if (probe.share) {
      row.ips = probe.share.ips;
      row.percent = probe.share.percent;
      row.activeIPs = probe.share.active ?? null;
    } else if (probe.ipamRead) {
      row.ips = 0;
      row.percent = 0;
    }
    if (probe.bridge !== undefined) row.bridge = probe.bridge;

    const c = probe.connections ?? (w?.connections ? { established: w.connections.byState.established ?? 0, failed: [], encrypted: 0, unencrypted: 0 } : undefined);
    if (c) {
      const selfHost = conn.ipOf.get(name);
      const unreachableOthers = new Set(c.failed.map((f) => hostOf(f.address)).filter((h) => down.has(h) && h !== selfHost)).size;
      const expected = Math.min(Math.max(0, otherPeers - unreachableOthers), connLimit);
      // When CONN_LIMIT binds, which peers connect is a race (v2.8.1 mesh connection_maker.go: each
      // router dials targets until local_peer.go checkConnectionLimit refuses, on either end), and a
      // router whose candidates are all full stays under the limit. The mesh still carries its
      // traffic through the others (gossip routes), so such a node is short only when it has no
      // connection at all, does not know every peer (`Peers:` of `weave status`), or has a failing
      // connection other than the ones the limit refused (those are not even read: digest.ts).
      const own = c.failed.filter((f) => !down.has(hostOf(f.address)) && !stale(hostOf(f.address)));
      // weave's Peers leaves out the peers no route reaches: those most nodes cannot reach (their own rows say so) are not missed here
      const downOthers = [...down.keys()].filter((h) => h !== selfHost).length;
      const knowsAll = w?.peers !== undefined && w.peers + downOthers >= otherPeers + 1;
      const short = c.established < expected && !(expected < otherPeers && c.established > 0 && knowsAll && own.length === 0);
      row.connections = { established: c.established, peers: otherPeers, expected, short, failed: c.failed };
      const describe = (list: FailedConnection[]) =>
        `${list
          .slice(0, 3)
          .map((f) => `${hostLabel(hostOf(f.address))} ${f.state}${f.info ? ` (${oneLine(f.info, 80)})` : ''}`)
          .join(', ')}${list.length > 3 ? ` and ${list.length - 3} more` : ''}`;
      if (short) {
        if (c.established === 0) result.isolated = true;
        issue(
          'error',
          `${c.established} of ${expected} expected peer connections established${own.length ? `; ${describe(own)}` : ''}`,
          'weave needs TCP 6783 and UDP 6783-6784 open between all nodes: check firewalls and security groups',
        );
      } else if (own.length > 0 && otherPeers <= connLimit) {
        issue('warning', `failing connection attempts: ${describe(own)}`);
      }
      if (row.encryption === true && c.unencrypted > 0) {
        issue('warning', `${c.unencrypted} established connection${c.unencrypted === 1 ? ' is' : 's are'} not encrypted (trusted subnets?)`);
      }
    }
    if (probe.unreachable.length) result.unreachable = probe.unreachable;
    if (probe.errors.length > 0) {
      const nothing = !w && !probe.ipamRead && !probe.connections && probe.bridge === undefined;
      issue('error', nothing ? `cannot read weave's state: ${probe.errors[0]}` : probe.errors.join('; '), weaveExecCommand(ns, pod.name, 'status'));
    } else if (pod.phase === 'Running' && pod.ready && !pod.terminating) {
      result.healthyPod = pod.name;
    }
  }

  row.status = issues.some((i) => i.severity === 'error') ? 'error' : issues.length ? 'warning' : 'ok';
  row.error = issues.find((i) => i.severity === 'error')?.message ?? null;
  return { row, issues, ...result };
}
