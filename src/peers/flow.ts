/**
 * The flows of `weavectl peers` and `weavectl peers rmpeer`, given an open cluster: collect the
 * ring, decide what may be removed (./model.ts planReclaim), run rmpeer once in one healthy pod.
 * Nothing is changed when any named peer is refused.
 */
import { failure } from '../errors.js';
import type { Reporter } from '../output/reporter.js';
import { collectPeers, reclaimPeers, type PeersCluster } from './collect.js';
import { planReclaim, type PeersReport } from './model.js';
import type { RmpeerOutcome } from './render.js';

export interface PeersOptions {
  namespace: string;
  concurrency: number;
  execTimeoutMs: number;
}

export async function listPeers(cluster: PeersCluster, opts: PeersOptions, reporter: Reporter): Promise<PeersReport> {
  return (await collectPeers(cluster, opts, reporter)).report;
}

/**
 * `rmpeer NAME...` or `rmpeer --gone`. Throws (exit 1, nothing run) when a named peer may not be
 * removed; with --gone the peers that do not qualify are left alone and listed as refused.
 */
export async function rmpeer(
  cluster: PeersCluster,
  what: { names: readonly string[] } | { gone: true },
  opts: PeersOptions & { dryRun: boolean },
  reporter: Reporter,
): Promise<RmpeerOutcome> {
  const { report, execPod } = await collectPeers(cluster, opts, reporter);
  const plan = planReclaim(report, what);
  if ('names' in what && plan.refused.length > 0) {
    const first = plan.refused[0]!;
    const more = plan.refused.length > 1 ? ` (and ${plan.refused.length - 1} more: ${plan.refused.slice(1).map((r) => r.name).join(', ')})` : '';
    throw failure(`refusing to rmpeer ${first.name}: ${first.reason}${more}; nothing was changed`, first.hint);
  }
  for (const r of plan.refused) reporter.warn(`leaving ${r.name} alone: ${r.reason}`);
  const base = { dryRun: opts.dryRun, pod: execPod?.name ?? null, node: execPod?.node ?? null, refused: plan.refused };
  if (plan.reclaim.length === 0) return { ...base, reclaimed: [] };
  if (!execPod) {
    throw failure('no healthy weave-net pod could be read to run rmpeer in; nothing was changed', 'weavectl status shows why');
  }
  if (opts.dryRun) {
    return { ...base, reclaimed: plan.reclaim.map((r) => ({ peer: r.peer, nickname: r.nickname, node: r.node, ranges: r.ranges, ips: r.ips, takenOver: 0 })) };
  }
  reporter.info(`Running weave --local rmpeer ${plan.reclaim.map((r) => r.peer).join(' ')} in ${execPod.name} on ${execPod.node}`);
  const reclaimed = await reclaimPeers(cluster, opts.namespace, execPod.name, plan.reclaim, opts.execTimeoutMs);
  for (const r of reclaimed) {
    if (r.takenOver === 0 && r.ips > 0) reporter.warn(`weave took over 0 IPs from ${r.peer}(${r.nickname}): another peer may have reclaimed them already (weavectl peers shows the ring now)`);
  }
  return { ...base, reclaimed };
}
