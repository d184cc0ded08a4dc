/** Text of `weavectl peers` and `weavectl peers rmpeer`. Pure. */
import type { ChalkInstance } from 'chalk';
import type { PeerRow, PeersReport, Refusal } from './model.js';
import type { ReclaimResult } from './collect.js';

function columns(rows: readonly string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** "3/4 (k8s-vm1, k8s-vm3, k8s-vm4)" when few, "3/40" when many. */
function reachedText(p: PeerRow): string {
  const of = p.reachableFrom.length + p.unreachableFrom.length;
  if (of === 0) return '-';
  return `${p.reachableFrom.length}/${of}`;
}

function rangesText(p: PeerRow): string {
  if (p.ranges === null) return '?';
  if (p.ranges.length <= 3) return p.ranges.join(',') || '-';
  return `${p.ranges.slice(0, 2).join(',')},... (${p.ranges.length} blocks)`;
}

/** The peer table, then what is unreachable or gone and what to do. */
export function renderPeers(report: PeersReport, c: ChalkInstance): string {
  const lines: string[] = [];
  const header = ['PEER', 'NODE', 'NODE IN API', 'REACHED FROM', 'IPS', 'RANGES'];
  const rows = report.peers.map((p) => [
    p.peer,
    p.node,
    p.nodeExists ? 'yes' : p.gone ? 'no (gone)' : 'no',
    reachedText(p),
    `${p.ips}${p.percent !== null ? ` (${p.percent}%)` : ''}`,
    rangesText(p),
  ]);
  const table = columns([header, ...rows]);
  lines.push(c.bold(table[0]!));
  table.slice(1).forEach((l, i) => {
    const p = report.peers[i]!;
    lines.push(p.gone ? c.yellow(l) : p.running ? l : c.red(l));
  });
  lines.push('');
  const range = report.range ? ` of ${report.range}` : '';
  lines.push(`${report.peers.length} peer${report.peers.length === 1 ? '' : 's'} own addresses${range}; ${report.nodes.answered} of ${report.nodes.asked} nodes answered${report.ringFrom ? `; ring read on ${report.ringFrom}` : ''}`);
  for (const e of report.nodes.errors) lines.push(c.red(`× ${e.node} (${e.pod}): ${e.error}`));
  const gone = report.peers.filter((p) => p.gone);
  if (gone.length > 0) {
    lines.push(
      c.yellow(`‼ ${gone.length} peer${gone.length === 1 ? "'s node is" : "s' nodes are"} gone and no node reaches ${gone.length === 1 ? 'it' : 'them'}: ${gone.map((p) => `${p.node} (${p.ips} IPs)`).join(', ')}`),
    );
    lines.push(`  reclaim the addresses: weavectl peers rmpeer --gone   (preview: add --dry-run)`);
  }
  const stuck = report.peers.filter((p) => !p.running && !p.gone);
  for (const p of stuck) {
    lines.push(c.red(`× peer ${p.peer}(${p.nickname}) runs in no weave-net pod but ${p.nodeExists ? `node ${p.node} exists` : `${p.reachableFrom.length} node(s) still reach it`}: fix that node's weave, do not rmpeer it`));
  }
  return `${lines.join('\n')}\n`;
}

export interface RmpeerOutcome {
  dryRun: boolean;
  /** The pod rmpeer ran (or would run) in. */
  pod: string | null;
  node: string | null;
  reclaimed: ReclaimResult[];
  refused: Refusal[];
}

/** One line per peer reclaimed (or that would be), then the refusals. */
export function renderRmpeer(o: RmpeerOutcome, c: ChalkInstance): string {
  const lines: string[] = [];
  for (const r of o.reclaimed) {
    const what = r.ranges && r.ranges.length > 0 ? r.ranges.join(', ') : `${r.ips} IPs`;
    if (o.dryRun) lines.push(`would reclaim ${what} (${r.ips} IPs) from peer ${r.peer}(${r.nickname}) into ${o.node} (${o.pod}) (dry run)`);
    else lines.push(c.green(`reclaimed ${what} (${r.takenOver} IPs) from peer ${r.peer}(${r.nickname}) into ${o.node} (${o.pod})`));
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
