/**
 * The IP range and IPAM state of the whole network, from what each node's weave reports: the range
 * most peers use (disagreement means IPALLOC_RANGE changed under a running network), its size, and
 * the worst state any node is in. Pure.
 */
import { parseCidr } from '../net/cidr.js';
import type { ReportProblem, StatusReport } from './model.js';
import type { DaemonSetSummary } from './objects.js';
import type { IpamState } from './parse.js';

/** IPAM states from best to worst. */
export const IPAM_ORDER: IpamState[] = ['ready', 'idle', 'priming', 'waiting-for-ips', 'unknown', 'awaiting-consensus', 'all-owners-unreachable'];

/** The number of addresses of a CIDR; null when it is not one. */
export function rangeSize(range: string | null): number | null {
  if (!range) return null;
  try {
    const c = parseCidr(range);
    return 2 ** (32 - c.prefix);
  } catch {
    return null;
  }
}

/**
 * `ranges`: how many nodes report each range; `states`: how many nodes are in each IPAM state.
 * Problems: the nodes disagree on the range; the DaemonSet's IPALLOC_RANGE is not the range in use.
 */
export function ipamSummary(
  ranges: ReadonlyMap<string, number>,
  states: Partial<Record<IpamState, number>>,
  ds: DaemonSetSummary | undefined,
): { ipam: StatusReport['ipam']; problems: Omit<ReportProblem, 'node'>[] } {
  const problems: Omit<ReportProblem, 'node'>[] = [];
  // The IP range the peers agree on; disagreement means IPALLOC_RANGE changed under a running network.
  const rangeList = [...ranges.entries()].sort((a, b) => b[1] - a[1]);
  const range = rangeList[0]?.[0] ?? null;
  if (rangeList.length > 1) {
    problems.push({
      severity: 'error',
      message: `the nodes report different IP ranges: ${rangeList.map(([r, n]) => `${r} on ${n} node${n === 1 ? '' : 's'}`).join(', ')}`,
      hint: 'peers with different ranges refuse each other; the range kept in /var/lib/weave/weave-netdata.db wins over IPALLOC_RANGE (weave#2874)',
    });
  }
  if (ds?.ipallocRange && range && range.includes('/') && range !== ds.ipallocRange) {
    problems.push({
      severity: 'warning',
      message: `the DaemonSet sets IPALLOC_RANGE=${ds.ipallocRange} but weave uses ${range}`,
      hint: 'the range kept in /var/lib/weave/weave-netdata.db on the nodes wins; a new range needs that file removed on every node and every weave pod restarted',
    });
  }
  let state: IpamState | null = null;
  for (const s of IPAM_ORDER) if (states[s]) state = s;
  return { ipam: { range, size: rangeSize(range), state, states }, problems };
}
