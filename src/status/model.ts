/**
 * The Weave Net status report: its shape (types only). It is built by ./report.ts from the object summaries
 * (./objects.ts) and what each node's weave answered (./probe.ts).
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
 *       "short": false,                    // fewer than expected, and CONN_LIMIT does not explain it (node-row.ts)
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
import type { IpamState } from './parse.js';
import type { DatapathSummary, NodeDatapath } from './datapath.js';
import type { FailedConnection, UnreachableOwner } from './probe.js';

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
  connections: { established: number; peers: number; expected: number; short: boolean; failed: FailedConnection[] } | null;
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
