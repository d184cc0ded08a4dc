/**
 * Peers that own part of the range and that connected nodes cannot reach, with the rmpeer command
 * (for one healthy pod) and whether a node of that name still exists. Pure.
 */
import type { ReportProblem, UnreachablePeer } from './model.js';
import type { UnreachableOwner } from './probe.js';
import { naturalCompare } from './text.js';
import { weaveExecCommand } from './weave-exec.js';

/**
 * `reports`: per node, the owners it cannot reach; nodes in `isolated` (no connection at all) are
 * left out: an isolated node sees every other peer as unreachable. `nodeNames`: the cluster's nodes;
 * `execPod`: the pod the rmpeer command runs in.
 */
export function unreachablePeerReport(
  reports: readonly { node: string; owners: readonly UnreachableOwner[] }[],
  isolated: ReadonlySet<string>,
  nodeNames: ReadonlySet<string>,
  namespace: string,
  execPod: string,
): { peers: UnreachablePeer[]; problems: Omit<ReportProblem, 'node'>[] } {
  const problems: Omit<ReportProblem, 'node'>[] = [];
  const agg = new Map<string, UnreachableOwner & { reportedBy: number; reporters: string[] }>();
  for (const r of reports) {
    if (isolated.has(r.node)) continue; // an isolated node sees every other peer as unreachable
    for (const o of r.owners) {
      const u = agg.get(o.peer) ?? { ...o, reportedBy: 0, reporters: [] };
      u.reportedBy++;
      if (u.reporters.length < 3) u.reporters.push(r.node);
      agg.set(o.peer, u);
    }
  }
  const peers: UnreachablePeer[] = [...agg.values()]
    .sort((a, b) => naturalCompare(a.nickname, b.nickname) || naturalCompare(a.peer, b.peer))
    .map(({ reporters, ...u }) => {
      const nodeExists = nodeNames.has(u.nickname);
      const peer: UnreachablePeer = { ...u, nodeExists, rmpeer: weaveExecCommand(namespace, execPod, `rmpeer ${u.peer}`) };
      const from = `${u.reportedBy} node${u.reportedBy === 1 ? '' : 's'} (${reporters.join(', ')}${u.reportedBy > reporters.length ? ', ...' : ''})`;
      problems.push({
        severity: 'warning',
        message:
          `peer ${u.peer}(${u.nickname}) owns ${u.ips} IPs (${u.percent}% of the range) and is unreachable from ${from}` +
          (nodeExists ? `; node ${u.nickname} is still in the cluster` : `; there is no node ${u.nickname} in the cluster`),
        hint: nodeExists
          ? `fix weave on node ${u.nickname}; do not rmpeer a peer whose node is alive`
          : `weavectl peers rmpeer ${u.peer} reclaims its range once it has checked that no node reaches the peer; by hand, only if node ${u.nickname} is really gone: ${peer.rmpeer} (once, in one pod: two peers claiming the same range break the network)`,
      });
      return peer;
    });
  return { peers, problems };
}
