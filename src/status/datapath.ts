/**
 * The data path, from every node's established connections: fastdp or sleeve, the MTU, encryption.
 * A node pair whose connection fell back from fastdp to sleeve is a warning naming the pair; nodes
 * that disagree on encryption are an error (peers with and without a password do not connect). Pure.
 *
 * What weave prints: `status connections` shows each established connection's overlay ("fastdp" or
 * "sleeve", `%-6v` of the overlay's Attrs()["name"]) and its attributes, "mtu=N" (v2.8.1
 * vendor/github.com/weaveworks/mesh/status.go makeLocalConnectionStatusSlice, router/fastdp.go and
 * router/sleeve.go Attrs, prog/weaver/http.go connectionsTemplate). The overlay switch prefers
 * fastdp and falls back to sleeve when fastdp's heartbeats fail (v2.8.1 router/overlay_switch.go):
 * fastdp is VXLAN over UDP 6784, so a blocked UDP 6784 or a path MTU too small for WEAVE_MTU plus
 * VXLAN's overhead leave a pair on sleeve. WEAVE_NO_FASTDP (any value) turns fastdp off on purpose
 * (v2.8.1 prog/weave-kube/launch.sh).
 */
import type { Connectivity } from './connectivity.js';
import { hostOf } from './connectivity.js';
import type { ReportProblem } from './model.js';
import type { DaemonSetSummary } from './objects.js';
import type { NodeProbe } from './probe.js';
import { naturalCompare } from './text.js';

/** WEAVE_MTU when unset: v2.8.1 net/bridge.go (`config.MTU = 1376`). */
export const WEAVE_DEFAULT_MTU = 1376;

export interface NodeDatapath {
  fastdp: number;
  sleeve: number;
  /** The smallest MTU an established connection reports (null: none reported). */
  mtu: number | null;
}

export interface DatapathSummary {
  /** What every established connection uses: fastdp, sleeve, mixed; null when no connection was read. */
  overlay: 'fastdp' | 'sleeve' | 'mixed' | null;
  fastdp: number;
  sleeve: number;
  mtu: { min: number; max: number } | null;
  /** As the nodes report it: enabled or disabled everywhere, mixed, or null when none reported. */
  encryption: 'enabled' | 'disabled' | 'mixed' | null;
  /** Node pairs whose connection is on sleeve (each pair once, names in natural order). */
  sleevePairs: { nodes: [string, string]; mtu: number | null }[];
  /** WEAVE_NO_FASTDP is set: sleeve is intended. */
  fastdpDisabled: boolean;
}

export interface DatapathInput {
  /** Node name and its probe (undefined: not read). */
  nodes: readonly { node: string; probe: NodeProbe | undefined }[];
  conn: Pick<Connectivity, 'nodeByIP'>;
  ds?: Pick<DaemonSetSummary, 'mtu' | 'noFastdp' | 'namespace'>;
}

/** Each node's data path, the cluster's, and the problems. */
export function datapathReport(input: DatapathInput): { perNode: Map<string, NodeDatapath>; summary: DatapathSummary; problems: Omit<ReportProblem, 'node'>[] } {
  const perNode = new Map<string, NodeDatapath>();
  const pairs = new Map<string, { nodes: [string, string]; mtu: number | null }>();
  const enc = { on: [] as string[], off: [] as string[] };
  let fastdp = 0;
  let sleeve = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const { node, probe } of input.nodes) {
    const enabled = probe?.weave?.encryption;
    if (enabled === true) enc.on.push(node);
    else if (enabled === false) enc.off.push(node);
    const c = probe?.connections;
    if (!c || c.fastdp === undefined) continue;
    const slow = c.slow ?? [];
    const mtus = c.mtus ?? [];
    perNode.set(node, { fastdp: c.fastdp, sleeve: slow.length, mtu: mtus.length ? mtus[0]! : null });
    fastdp += c.fastdp;
    sleeve += slow.length;
    for (const m of mtus) {
      min = Math.min(min, m);
      max = Math.max(max, m);
    }
    for (const s of slow) {
      const other = input.conn.nodeByIP.get(hostOf(s.address)) ?? s.nickname ?? hostOf(s.address);
      const names = [node, other].sort(naturalCompare) as [string, string];
      const key = names.join('\u0000');
      const prev = pairs.get(key);
      const mtu = s.mtu ?? null;
      pairs.set(key, { nodes: names, mtu: prev?.mtu != null && mtu !== null ? Math.min(prev.mtu, mtu) : (prev?.mtu ?? mtu) });
    }
  }
  const sleevePairs = [...pairs.values()].sort((a, b) => naturalCompare(a.nodes[0], b.nodes[0]) || naturalCompare(a.nodes[1], b.nodes[1]));
  const fastdpDisabled = input.ds?.noFastdp === true;
  const summary: DatapathSummary = {
    overlay: fastdp + sleeve === 0 ? null : sleeve === 0 ? 'fastdp' : fastdp === 0 ? 'sleeve' : 'mixed',
    fastdp,
    sleeve,
    mtu: min === Infinity ? null : { min, max },
    encryption: enc.on.length && enc.off.length ? 'mixed' : enc.on.length ? 'enabled' : enc.off.length ? 'disabled' : null,
    sleevePairs,
    fastdpDisabled,
  };
  const problems: Omit<ReportProblem, 'node'>[] = [];
  if (summary.encryption === 'mixed') {
    const list = (l: string[]) => `${l.slice(0, 5).join(', ')}${l.length > 5 ? ` and ${l.length - 5} more` : ''}`;
    problems.push({
      severity: 'error',
      message: `encryption is enabled on ${list(enc.on)} and disabled on ${list(enc.off)}: peers with and without a password do not connect`,
      hint: `every weave-net pod must run with the same WEAVE_PASSWORD; a rollout may be half done: weavectl rollout-status${input.ds?.namespace ? ` -n ${input.ds.namespace}` : ''}`,
    });
  }
  if (!fastdpDisabled) {
    const weaveMtu = input.ds?.mtu ?? WEAVE_DEFAULT_MTU;
    for (const p of sleevePairs) {
      const mtu = p.mtu !== null ? ` (MTU ${p.mtu})` : '';
      const lower = p.mtu !== null && p.mtu < weaveMtu ? p.mtu - (p.mtu % 4) : undefined;
      problems.push({
        severity: 'warning',
        message: `${p.nodes[0]} and ${p.nodes[1]} fell back from fastdp to sleeve${mtu}: the path between them carries less than WEAVE_MTU ${weaveMtu} plus VXLAN's overhead, or UDP 6784 (fastdp's VXLAN) is blocked between them; sleeve is slower`,
        hint: `open UDP 6784 between the two nodes; if the path MTU is the cause, lower the MTU: weavectl install --mtu ${lower ?? '<smaller>'}`,
      });
    }
  }
  return { perNode, summary, problems };
}
