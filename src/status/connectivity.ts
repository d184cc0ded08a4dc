/**
 * Which peers most nodes cannot connect to, from every node's failed connections: a node that
 * cannot reach those is not at fault, the peer is (and its own row says so). Also the addresses
 * weave still dials that are no node's (a deleted node still in the peer list weave got at start).
 * Pure.
 */
import type { ReportProblem } from './model.js';
import type { PodSummary } from './objects.js';
import type { NodeProbe } from './probe.js';
import type { ReportInput } from './report.js';
import { naturalCompare } from './text.js';
import { weaveExecCommand } from './weave-exec.js';

export interface Connectivity {
  /** Node by address: the nodes' InternalIPs when listed, else the weave pods' hostIPs. */
  nodeByIP: ReadonlyMap<string, string>;
  /** Address by node name. */
  ipOf: ReadonlyMap<string, string>;
  /** Failing peers that most other nodes cannot reach, by address: how many fail, of how many. */
  down: ReadonlyMap<string, { failing: number; of: number }>;
  /** Addresses that are no node's, with how many nodes still dial them. */
  staleTo: ReadonlyMap<string, number>;
  /** The address is no node's (only when every node's address is known). */
  stale(host: string): boolean;
  /** "node-2 (10.0.0.2)", or the address alone. */
  hostLabel(host: string): string;
}

/** The host of "10.0.0.4:6783". */
export function hostOf(address: string): string {
  return address.replace(/:\d+$/, '');
}

export function analyzeConnections(input: Pick<ReportInput, 'nodes' | 'probes'>, podByNode: ReadonlyMap<string, PodSummary>, rowNames: readonly string[]): Connectivity {
  // Node addresses: from the nodes when listed, else from the weave pods (host network: hostIP).
  const nodeByIP = input.nodes
    ? new Map(input.nodes.flatMap((n) => (n.internalIP ? [[n.internalIP, n.name] as const] : [])))
    : new Map([...podByNode.entries()].flatMap(([n, p]) => (p.hostIP && p.node ? [[p.hostIP, n] as const] : [])));
  const ipOf = new Map([...nodeByIP.entries()].map(([ip, n]) => [n, ip]));
  // A target that is no node's address: a deleted node still in the peer list weave got at start.
  const allIPs = input.nodes ? input.nodes.length > 0 && nodeByIP.size === input.nodes.length : podByNode.size > 0 && nodeByIP.size === podByNode.size;
  const stale = (h: string) => allIPs && !nodeByIP.has(h);
  const failedTo = new Map<string, number>();
  const staleTo = new Map<string, number>();
  let withConnections = 0;
  const counted = new Set<string>(); // the nodes whose connections were read
  for (const name of rowNames) {
    const pod = podByNode.get(name);
    const c: NodeProbe['connections'] = pod ? input.probes.get(pod.name)?.connections : undefined;
    if (!c) continue;
    withConnections++;
    counted.add(name);
    for (const f of new Set(c.failed.map((x) => hostOf(x.address)))) {
      const m = stale(f) ? staleTo : failedTo;
      m.set(f, (m.get(f) ?? 0) + 1);
    }
  }
  const down = new Map<string, { failing: number; of: number }>();
  for (const [h, n] of failedTo) {
    // the node itself is among the counted only when its own connections were read
    const self = nodeByIP.has(h) && counted.has(nodeByIP.get(h)!) ? 1 : 0;
    if (n >= 2 && n * 2 > withConnections - self) down.set(h, { failing: n, of: withConnections - self });
  }
  const hostLabel = (h: string) => (nodeByIP.has(h) ? `${nodeByIP.get(h)} (${h})` : h);
  return { nodeByIP, ipOf, down, staleTo, stale, hostLabel };
}

/** The cluster-wide problems: addresses that are no node's, then peers most nodes cannot reach. */
export function connectivityProblems(conn: Connectivity, namespace: string): Omit<ReportProblem, 'node'>[] {
  const out: Omit<ReportProblem, 'node'>[] = [];
  for (const [h, n] of [...conn.staleTo].sort((a, b) => naturalCompare(a[0], b[0]))) {
    out.push({
      severity: 'warning',
      message: `weave on ${n} node${n === 1 ? '' : 's'} still tries to connect to ${h}, which is not the address of any node (a deleted node?)`,
      hint: `forget it in each weave-net pod (${weaveExecCommand(namespace, '<pod>', `forget ${h}`)}), or restart the weave-net pods one at a time`,
    });
  }
  for (const [h, d] of [...conn.down].sort((a, b) => naturalCompare(a[0], b[0]))) {
    out.push({
      severity: 'error',
      message: `${conn.hostLabel(h)} cannot be reached from ${d.failing} of ${d.of} other nodes`,
      hint: 'weave needs TCP 6783 and UDP 6783-6784 open between all nodes; check that node and its weave-net pod',
    });
  }
  return out;
}
