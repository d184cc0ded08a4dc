/**
 * The Weave Net status model: the DaemonSet, its pods and the nodes (Kubernetes objects) plus what
 * each node's weave answered (parsed by ./parse.ts), turned into one report. Pure.
 *
 * The report is what `weavectl status -o json` prints. Its shape is stable: fields are only ever
 * added, never renamed or removed, and every field is present (null when unknown):
 *
 * {
 *   "namespace": "kube-system",
 *   "healthy": true,                       // false: at least one problem of severity "error" (exit code 1)
 *   "daemonSet": {                         // null when there is no DaemonSet weave-net in the namespace
 *     "name": "weave-net", "apiVersion": "apps/v1",
 *     "desired": 4, "updated": 4, "ready": 4, "available": 4,
 *     "message": "daemon set \"weave-net\" successfully rolled out",
 *     "image": "weaveworks/weave-kube:2.8.1", "version": "2.8.1",
 *     "ipallocRange": "172.25.64.0/18",    // IPALLOC_RANGE of the weave container, null = weave's default
 *     "npc": true                          // the pods run weave-npc
 *   },
 *   "ipam": {
 *     "range": "172.25.64.0/18",           // the range the peers report (null when none answered)
 *     "size": 16384,                       // addresses in it (null when not a CIDR)
 *     "state": "ready",                    // the worst state any node reports: ready | idle | priming | waiting-for-ips |
 *                                          // awaiting-consensus | all-owners-unreachable | unknown (null: none answered)
 *     "states": { "ready": 4 }             // how many nodes report each state
 *   },
 *   "datapath": {                          // from every node's established connections (./datapath.ts)
 *     "overlay": "fastdp",                 // fastdp | sleeve | mixed (null: none read)
 *     "fastdp": 12, "sleeve": 0, "mtu": { "min": 1376, "max": 1376 },
 *     "encryption": "disabled",            // enabled | disabled | mixed (null: none read)
 *     "sleevePairs": [ { "nodes": ["node-1", "node-2"], "mtu": 1300 } ],   // pairs that fell back to sleeve
 *     "fastdpDisabled": false              // WEAVE_NO_FASTDP set: sleeve is intended
 *   },
 *   "nodes": [ {                           // one per node that runs, or should run, a weave-net pod; by node name
 *     "node": "node-1", "status": "ok",    // ok | warning | error
 *     "internalIP": "10.0.0.1",            // the node's InternalIP (or its weave pod's hostIP); null when unknown
 *     "nodeReady": true,                   // the node's Ready condition; null when the nodes were not read: they are
 *                                          // only when something is wrong (not every weave-net pod ready), or not allowed
 *     "pod": "weave-net-abcde", "podPhase": "Running", "containersReady": 2, "containers": 2, "restarts": 0,
 *     "version": "2.8.1",                  // as weave reports it, else the image tag
 *     "peer": "02:6a:..", "nickname": "node-1",
 *     "bridge": "172.25.64.1/18",          // address of the weave bridge
 *     "ips": 8192, "percent": 50, "activeIPs": 3,   // the node's share of the range
 *     "ipamState": "ready",
 *     "connections": {                     // null when weave could not be read
 *       "established": 3,                  // established connections to other peers
 *       "peers": 3,                        // the other weave-net peers of the cluster
 *       "expected": 3,                     // what this node should have: the peers, less those most nodes
 *                                          // cannot reach (their own rows say so), at most CONN_LIMIT
 *       "failed": [ { "address": "10.0.0.4:6783", "state": "retrying", "info": "..." } ]
 *     },
 *     "encryption": false,
 *     "datapath": { "fastdp": 3, "sleeve": 0, "mtu": 1376 },   // established connections by overlay, their
 *                                          // smallest MTU; null when the connections were not read
 *     "npc": "running",                    // running | disabled | absent | waiting: REASON | terminated: REASON | unknown
 *     "error": null                        // why the node could not be read, or the first error found there
 *   } ],
 *   "unreachablePeers": [ {               // peers that own part of the range and that some node cannot reach
 *     "peer": "02:..", "nickname": "node-5", "ips": 4096, "percent": 25,
 *     "reportedBy": 3,                     // nodes that report it unreachable
 *     "nodeExists": false,                 // a node named like the peer's nickname is still in the cluster
 *     "rmpeer": "kubectl exec -n kube-system weave-net-abcde -c weave -- /home/weave/weave --local rmpeer 02:.."
 *   } ],
 *   "problems": [ { "severity": "error", "node": "node-3", "message": "...", "hint": "..." } ],
 *   "summary": { "nodes": 4, "ok": 3, "warning": 0, "error": 1 }
 * }
 */
import { compareWeave, releaseLine } from '../weave/releases.js';
import type { KubeObject } from '../cluster/types.js';
import { NET_DAEMONSET, NPC_CONTAINER, WEAVE_CONTAINER } from '../weave/names.js';
import { describePodProblem, podProblems } from '../kube/pod-problems.js';
import { nodeIsReady } from '../kube/nodes.js';
import { podIsReady, podNode } from '../kube/pods.js';
import { daemonSetNodeFit } from '../kube/scheduling.js';
import { daemonSetCounts, daemonSetStatus } from '../rollout/status.js';
import {
  parseBridgeAddresses,
  parseStatusIpam,
  parseWeaveStatus,
  summarizeConnections,
  versionFromImage,
  type IpamState,
  type WeaveStatus,
} from './parse.js';
import { buildNodeRow } from './node-row.js';
import { analyzeConnections, connectivityProblems } from './connectivity.js';
import { datapathReport, type DatapathSummary, type NodeDatapath } from './datapath.js';
import { ipamSummary } from './ipam.js';
import { naturalCompare } from './text.js';
import { oneLine } from '../util/text.js';
import { unreachablePeerReport } from './unreachable-peers.js';
import { WEAVE_SCRIPT } from './weave-exec.js';


/** What is run in the weave container of each pod. */
export const PROBE_COMMANDS = {
  status: [WEAVE_SCRIPT, '--local', 'status'],
  ipam: [WEAVE_SCRIPT, '--local', 'status', 'ipam'],
  connections: [WEAVE_SCRIPT, '--local', 'status', 'connections'],
  bridge: ['ip', '-4', '-o', 'addr', 'show', 'dev', 'weave'],
} as const;
export type ProbeCommand = keyof typeof PROBE_COMMANDS;

/**
 * The CONN_LIMIT default of a Weave release, from the release table (src/weave/releases.ts: launch.sh
 * `CONN_LIMIT=${CONN_LIMIT:-N}` per line): each peer connects to at most this many others, so on bigger
 * clusters a peer is not connected to every other peer directly. Before the table's first line (1.9.4)
 * weaver's own flag default applies: 30 (v1.8.2 prog/weaver/main.go `-conn-limit`); an unknown version: 200.
 */
export function defaultConnLimit(version: string | undefined): number {
  const m = /^v?(\d+\.\d+\.\d+)/.exec(version ?? '');
  if (!m) return 200;
  if (compareWeave(m[1]!, '1.9.4') < 0) return 30;
  return releaseLine(m[1]!)?.connLimitDefault ?? 200;
}

// ---------------------------------------------------------------------------------------------
// Inputs, reduced from the Kubernetes objects

export interface ContainerState {
  state: 'running' | 'waiting' | 'terminated' | 'unknown';
  reason?: string;
  ready: boolean;
  restarts: number;
}

export interface PodSummary {
  name: string;
  node?: string;
  phase: string;
  ready: boolean;
  containersReady: number;
  containers: number;
  restarts: number;
  image?: string;
  weave?: ContainerState;
  /** undefined when the pod has no weave-npc container (--disable-npc). */
  npc?: ContainerState;
  npcInSpec: boolean;
  terminating: boolean;
  /** status.hostIP: the node's address (weave pods use the host network). */
  hostIP?: string;
  /** CrashLoopBackOff, ImagePullBackOff... in one line (src/kube/pod-problems.ts). */
  problem?: string;
  ownerUid?: string;
}

export interface NodeSummary {
  name: string;
  ready: boolean;
  /** The DaemonSet should run a pod there (taints, selectors). */
  eligible: boolean;
  internalIP?: string;
}

export interface DaemonSetSummary {
  name: string;
  namespace: string;
  apiVersion: string;
  uid?: string;
  desired: number;
  updated: number;
  ready: number;
  available: number;
  message: string;
  done: boolean;
  image?: string;
  version?: string;
  ipallocRange?: string;
  connLimit: number;
  npc: boolean;
  /** WEAVE_MTU when the DaemonSet sets it as a number. */
  mtu?: number;
  /** WEAVE_NO_FASTDP is set (v2.8.1 prog/weave-kube/launch.sh: any non-empty value passes --no-fastdp): sleeve is intended. */
  noFastdp?: boolean;
}

function containerState(status: any): ContainerState { // eslint-disable-line @typescript-eslint/no-explicit-any
  const restarts = typeof status?.restartCount === 'number' ? status.restartCount : 0;
  const ready = status?.ready === true;
  const s = status?.state ?? {};
  if (s.running) return { state: 'running', ready, restarts };
  if (s.waiting) return { state: 'waiting', ...(s.waiting.reason ? { reason: String(s.waiting.reason) } : {}), ready, restarts };
  if (s.terminated) return { state: 'terminated', ...(s.terminated.reason ? { reason: String(s.terminated.reason) } : {}), ready, restarts };
  return { state: 'unknown', ready, restarts };
}

export function summarizePod(pod: KubeObject): PodSummary {
  const spec = pod.spec ?? {};
  const containers: { name?: string; image?: string }[] = Array.isArray(spec.containers) ? spec.containers : [];
  const statuses: { name?: string }[] = Array.isArray(pod.status?.containerStatuses) ? pod.status.containerStatuses : [];
  const byName = new Map(statuses.map((s) => [s?.name, s]));
  const weaveSpec = containers.find((c) => c?.name === WEAVE_CONTAINER);
  const npcInSpec = containers.some((c) => c?.name === NPC_CONTAINER);
  const problems = podProblems([pod]);
  const node = podNode(pod);
  const ctrl = pod.metadata.ownerReferences?.find((o) => o.controller);
  return {
    name: pod.metadata.name,
    ...(node ? { node } : {}),
    phase: typeof pod.status?.phase === 'string' ? pod.status.phase : 'Unknown',
    ready: podIsReady(pod),
    containersReady: statuses.filter((s) => (s as { ready?: boolean }).ready === true).length,
    containers: containers.length,
    restarts: statuses.reduce((n, s) => n + (typeof (s as { restartCount?: number }).restartCount === 'number' ? (s as { restartCount: number }).restartCount : 0), 0),
    ...(weaveSpec?.image ? { image: weaveSpec.image } : {}),
    ...(byName.has(WEAVE_CONTAINER) ? { weave: containerState(byName.get(WEAVE_CONTAINER)) } : {}),
    ...(byName.has(NPC_CONTAINER) ? { npc: containerState(byName.get(NPC_CONTAINER)) } : {}),
    npcInSpec,
    terminating: Boolean(pod.metadata.deletionTimestamp),
    ...(typeof pod.status?.hostIP === 'string' && pod.status.hostIP ? { hostIP: pod.status.hostIP } : {}),
    ...(problems.length ? { problem: describePodProblem(problems[0]!) } : {}),
    ...(ctrl?.uid ? { ownerUid: ctrl.uid } : {}),
  };
}

export function summarizeNode(node: KubeObject, ds?: KubeObject): NodeSummary {
  const addresses: { type?: string; address?: string }[] = Array.isArray(node.status?.addresses) ? node.status.addresses : [];
  const ip = addresses.find((a) => a?.type === 'InternalIP')?.address;
  return {
    name: node.metadata.name,
    ready: nodeIsReady(node),
    eligible: ds ? daemonSetNodeFit(ds, node).eligible : true,
    ...(ip ? { internalIP: ip } : {}),
  };
}

export function summarizeDaemonSet(ds: KubeObject): DaemonSetSummary {
  const st = daemonSetStatus(ds);
  const counts = daemonSetCounts(ds);
  const containers: { name?: string; image?: string; env?: { name?: string; value?: string }[] }[] = Array.isArray(ds.spec?.template?.spec?.containers)
    ? ds.spec.template.spec.containers
    : [];
  const weave = containers.find((c) => c?.name === WEAVE_CONTAINER);
  const env = new Map((weave?.env ?? []).map((e) => [e?.name, e?.value]));
  const version = versionFromImage(weave?.image);
  const connLimit = Number.parseInt(env.get('CONN_LIMIT') ?? '', 10);
  const expectNpc = env.get('EXPECT_NPC');
  return {
    name: ds.metadata.name,
    namespace: ds.metadata.namespace ?? '',
    apiVersion: ds.apiVersion ?? 'apps/v1',
    ...(ds.metadata.uid ? { uid: ds.metadata.uid } : {}),
    ...counts,
    message: st.message || st.error || '',
    done: st.done,
    ...(weave?.image ? { image: weave.image } : {}),
    ...(version ? { version } : {}),
    ...(env.get('IPALLOC_RANGE') ? { ipallocRange: env.get('IPALLOC_RANGE')! } : {}),
    connLimit: Number.isInteger(connLimit) && connLimit > 0 ? connLimit : defaultConnLimit(version),
    npc: containers.some((c) => c?.name === NPC_CONTAINER) && expectNpc !== '0',
    ...(/^\d+$/.test(env.get('WEAVE_MTU') ?? '') ? { mtu: Number(env.get('WEAVE_MTU')) } : {}),
    ...(env.get('WEAVE_NO_FASTDP') ? { noFastdp: true } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// One node's answers, reduced as soon as they arrive (the raw text is not kept)

export type CommandResult = { stdout: string; stderr: string; exitCode: number } | { error: string };

export interface FailedConnection {
  address: string;
  state: string;
  info: string;
}

/** An established connection that does not use fastdp (sleeve, or an overlay weavectl does not know). */
export interface SlowConnection {
  address: string;
  overlay: string;
  nickname?: string;
  mtu?: number;
}

export interface UnreachableOwner {
  peer: string;
  nickname: string;
  ips: number;
  percent: number;
}

export interface NodeProbe {
  weave?: WeaveStatus;
  /** The local peer's line of `status ipam`; undefined when it owns nothing (or IPAM could not be read). */
  share?: { ips: number; percent: number; active?: number };
  /** `status ipam` was read (even if empty). */
  ipamRead: boolean;
  unreachable: UnreachableOwner[];
  connections?: {
    established: number;
    failed: FailedConnection[];
    encrypted: number;
    unencrypted: number;
    /** established connections over fastdp */
    fastdp?: number;
    /** established connections over anything else (sleeve) */
    slow?: SlowConnection[];
    /** the MTUs the established connections report, distinct, ascending */
    mtus?: number[];
  };
  /** undefined: not read; null: read, the bridge has no IPv4 address. */
  bridge?: string | null;
  /** One line per command that failed: `weave --local status ipam: exit code 1: ...`. */
  errors: string[];
}

function commandText(cmd: ProbeCommand): string {
  return PROBE_COMMANDS[cmd].join(' ').replace(`${WEAVE_SCRIPT} `, 'weave ');
}

/** The text of a command that worked, or records why it did not. */
function outputOf(cmd: ProbeCommand, r: CommandResult | undefined, errors: string[]): string | undefined {
  if (r === undefined) return undefined;
  if ('error' in r) {
    errors.push(`${commandText(cmd)}: ${oneLine(r.error, 240)}`);
    return undefined;
  }
  if (r.exitCode !== 0) {
    const why = oneLine(r.stderr, 240) || oneLine(r.stdout, 240) || 'no output';
    errors.push(`${commandText(cmd)}: exit code ${r.exitCode}: ${why}`);
    return undefined;
  }
  return r.stdout;
}

export function summarizeProbe(results: Partial<Record<ProbeCommand, CommandResult>>): NodeProbe {
  const errors: string[] = [];
  const probe: NodeProbe = { ipamRead: false, unreachable: [], errors };
  const parse = <T>(cmd: ProbeCommand, text: string | undefined, fn: (t: string) => T): T | undefined => {
    if (text === undefined) return undefined;
    try {
      return fn(text);
    } catch (err) {
      errors.push(`${commandText(cmd)}: ${(err as Error).message}`);
      return undefined;
    }
  };

  const weave = parse('status', outputOf('status', results.status, errors), parseWeaveStatus);
  if (weave) probe.weave = weave;

  parse('ipam', outputOf('ipam', results.ipam, errors), (t) => {
    parseStatusIpam(t, (o) => {
      if (o.local && (weave?.name === undefined || weave.name === o.peer)) {
        probe.share = { ips: o.ips, percent: o.percent, ...(o.active !== undefined ? { active: o.active } : {}) };
      } else if (!o.reachable) {
        probe.unreachable.push({ peer: o.peer, nickname: o.nickname, ips: o.ips, percent: o.percent });
      }
    });
    probe.ipamRead = true;
  });

  parse('connections', outputOf('connections', results.connections, errors), (t) => {
    const sum = summarizeConnections(t);
    const c = {
      established: sum.fastdp,
      failed: [] as FailedConnection[],
      encrypted: sum.fastdpEncrypted,
      unencrypted: sum.fastdpUnencrypted,
      fastdp: sum.fastdp,
      slow: [] as SlowConnection[],
      mtus: [...sum.fastdpMtus],
    };
    for (const conn of sum.others) {
      if (conn.self) continue;
      if (conn.state === 'established') {
        c.established++;
        if (conn.encrypted === true) c.encrypted++;
        else if (conn.encrypted === false) c.unencrypted++;
        if (conn.overlay === 'fastdp') c.fastdp++;
        else if (conn.overlay !== undefined) {
          c.slow.push({ address: conn.address, overlay: conn.overlay, ...(conn.nickname ? { nickname: conn.nickname } : {}), ...(conn.mtu !== undefined ? { mtu: conn.mtu } : {}) });
        }
        if (conn.mtu !== undefined && !c.mtus.includes(conn.mtu)) c.mtus.push(conn.mtu);
      } else if (conn.state !== 'pending' && conn.state !== 'connecting') {
        c.failed.push({ address: conn.address, state: conn.state, info: conn.info });
      }
    }
    c.mtus.sort((a, b) => a - b);
    probe.connections = c;
  });

  const bridgeText = outputOf('bridge', results.bridge, errors);
  if (bridgeText !== undefined) probe.bridge = parseBridgeAddresses(bridgeText)[0] ?? null;
  return probe;
}

// ---------------------------------------------------------------------------------------------
// The report

export type Severity = 'error' | 'warning';
export type RowStatus = 'ok' | 'warning' | 'error';

export interface ReportProblem {
  severity: Severity;
  node: string | null;
  message: string;
  hint: string | null;
}

export interface NodeRow {
  node: string;
  status: RowStatus;
  internalIP: string | null;
  nodeReady: boolean | null;
  pod: string | null;
  podPhase: string | null;
  containersReady: number | null;
  containers: number | null;
  restarts: number | null;
  version: string | null;
  peer: string | null;
  nickname: string | null;
  bridge: string | null;
  ips: number | null;
  percent: number | null;
  activeIPs: number | null;
  ipamState: IpamState | null;
  connections: { established: number; peers: number; expected: number; failed: FailedConnection[] } | null;
  encryption: boolean | null;
  npc: string | null;
  error: string | null;
  /** The node's established connections by overlay and their smallest MTU; null when they were not read. */
  datapath: NodeDatapath | null;
}

export interface UnreachablePeer extends UnreachableOwner {
  reportedBy: number;
  nodeExists: boolean;
  rmpeer: string;
}

export interface StatusReport {
  namespace: string;
  healthy: boolean;
  daemonSet: {
    name: string;
    apiVersion: string;
    desired: number;
    updated: number;
    ready: number;
    available: number;
    message: string;
    image: string | null;
    version: string | null;
    ipallocRange: string | null;
    npc: boolean;
  } | null;
  ipam: { range: string | null; size: number | null; state: IpamState | null; states: Partial<Record<IpamState, number>> };
  datapath: DatapathSummary;
  nodes: NodeRow[];
  unreachablePeers: UnreachablePeer[];
  problems: ReportProblem[];
  summary: { nodes: number; ok: number; warning: number; error: number };
}

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
