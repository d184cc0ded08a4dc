/**
 * `weavectl status` for humans: the DaemonSet line, the IPAM summary, one table row per node with
 * a bar of its share of the range, then every problem with its hint (linkerd's √ ‼ ×). Pure:
 * report in, text out. Colour comes from the `paint` given (a chalk instance, or plain()).
 */
import { sanitizeDeep } from '../output/sanitize.js';
import type { NodeRow, RowStatus, StatusReport } from './model.js';

export interface Paint {
  green(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

/** No colour. */
export function plain(): Paint {
  const id = (s: string) => s;
  return { green: id, yellow: id, red: id, dim: id, bold: id };
}

export const GLYPH = { ok: '√', warning: '‼', error: '×' } as const;
export const BAR_WIDTH = 20;

function glyph(status: RowStatus, p: Paint): string {
  return status === 'ok' ? p.green(GLYPH.ok) : status === 'warning' ? p.yellow(GLYPH.warning) : p.red(GLYPH.error);
}

/** A bar of `BAR_WIDTH` cells: the node's share of the range, at least one cell when it owns anything. */
export function shareBar(ips: number | null, size: number | null, percent: number | null, width = BAR_WIDTH): string {
  let fraction: number | null = null;
  if (ips !== null && size) fraction = ips / size;
  else if (percent !== null) fraction = percent / 100;
  if (fraction === null) return '';
  let cells = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  if (cells === 0 && fraction > 0) cells = 1;
  return '█'.repeat(cells) + '░'.repeat(width - cells);
}

function dash(v: string | number | null | undefined): string {
  return v === null || v === undefined || v === '' ? '-' : String(v);
}

function percentText(p: number | null): string {
  return p === null ? '-' : `${p.toFixed(1)}%`;
}

function connectionsText(r: NodeRow): string {
  if (!r.connections) return '-';
  const c = r.connections;
  return c.expected < c.peers ? `${c.established}/${c.expected} (of ${c.peers})` : `${c.established}/${c.expected}`;
}

function readyText(r: NodeRow): string {
  return r.containers === null ? '-' : `${r.containersReady}/${r.containers}`;
}

const HEADERS = ['NODE', 'POD', 'READY', 'VERSION', 'BRIDGE', 'IPS', 'SHARE', 'ACTIVE', 'CONNECTIONS', 'NPC'] as const;
type Header = (typeof HEADERS)[number];

/** Columns given up, in this order, when the table is wider than the terminal (after the bar). */
const DROP_ORDER: readonly Header[] = ['ACTIVE', 'IPS', 'BRIDGE', 'POD', 'VERSION'];
const MIN_BAR = 10;
const MIN_NODE = 12;

export interface StatusLayout {
  columns: Header[];
  /** 0: no bar */
  barWidth: number;
  /** the NODE column is cut to this many characters (…) */
  nodeWidth?: number;
}

/**
 * How the node table fits `width` columns (a terminal's; undefined: a pipe, no limit): first the bar
 * narrows to MIN_BAR, then it goes, then columns go in DROP_ORDER, then node names are shortened.
 */
export function fitTable(cells: readonly string[][], barTitle: string, width: number | undefined): StatusLayout {
  let columns = [...HEADERS] as Header[];
  const colWidth = (h: Header) => Math.max(h.length, ...cells.map((c) => c[HEADERS.indexOf(h)]!.length));
  const tableWidth = (cols: Header[], bar: number, node?: number) =>
    3 + cols.reduce((n, h) => n + (h === 'NODE' && node !== undefined ? Math.min(node, colWidth(h)) : colWidth(h)), 0) + 2 * (cols.length - 1) + (bar > 0 ? 2 + Math.max(bar, titleFor(barTitle, bar).length) : 0);
  if (width === undefined || tableWidth(columns, BAR_WIDTH) <= width) return { columns, barWidth: BAR_WIDTH };
  for (let bar = BAR_WIDTH - 1; bar >= MIN_BAR; bar--) if (tableWidth(columns, bar) <= width) return { columns, barWidth: bar };
  if (tableWidth(columns, 0) <= width) return { columns, barWidth: 0 };
  for (const drop of DROP_ORDER) {
    columns = columns.filter((h) => h !== drop);
    if (tableWidth(columns, 0) <= width) return { columns, barWidth: 0 };
  }
  const spare = width - tableWidth(columns.filter((h) => h !== 'NODE'), 0) - 2;
  return { columns, barWidth: 0, nodeWidth: Math.max(MIN_NODE, spare) };
}

/** The bar's title: "SHARE OF 10.32.0.0/12" over a full bar, "RANGE" over a narrowed one. */
function titleFor(barTitle: string, bar: number): string {
  return bar >= BAR_WIDTH ? barTitle : 'RANGE';
}

function cut(text: string, width: number | undefined): string {
  return width === undefined || text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** `width`: the terminal's columns; the node table is fitted to it (see fitTable). */
export function renderStatus(raw: StatusReport, paint: Paint = plain(), opts: { width?: number } = {}): string {
  // exec output and errors come from the pods: no escape sequence of theirs reaches the terminal
  const report = sanitizeDeep(raw);
  const p = paint;
  const out: string[] = [];
  const ds = report.daemonSet;
  if (ds) {
    const dsOk = ds.desired > 0 && ds.ready === ds.desired && ds.available === ds.desired;
    const upToDate = ds.updated === ds.desired;
    const g = dsOk ? (upToDate ? glyph('ok', p) : glyph('warning', p)) : glyph('error', p);
    const image = ds.image ? `, ${ds.image}` : '';
    out.push(`${p.bold(`DaemonSet ${report.namespace}/${ds.name}`)} (${ds.apiVersion}${image})`);
    out.push(`  ${g} ${ds.desired} desired, ${ds.updated} up to date, ${ds.ready} ready, ${ds.available} available`);
  } else {
    out.push(`${glyph('error', p)} no DaemonSet weave-net in namespace ${report.namespace}`);
  }

  const ipam = report.ipam;
  if (ipam.range) {
    const size = ipam.size !== null ? ` (${ipam.size} addresses)` : '';
    const counted = Object.values(ipam.states).reduce((a, b) => a + (b ?? 0), 0);
    const ready = ipam.states.ready ?? 0;
    const states = Object.entries(ipam.states)
      .filter(([s]) => s !== 'ready')
      .map(([s, n]) => `${s} on ${n}`)
      .join(', ');
    const g = ready === counted ? glyph('ok', p) : ipam.state === 'awaiting-consensus' || ipam.state === 'all-owners-unreachable' ? glyph('error', p) : glyph('warning', p);
    out.push(`${p.bold('IPAM')} range ${ipam.range}${size}`);
    out.push(`  ${g} consensus ready on ${ready} of ${counted} node${counted === 1 ? '' : 's'}${states ? `; ${states}` : ''}`);
  }
  if (report.unreachablePeers.length > 0) {
    const ips = report.unreachablePeers.reduce((n, u) => n + u.ips, 0);
    const n = report.unreachablePeers.length;
    out.push(`  ${glyph('warning', p)} ${n} unreachable peer${n === 1 ? ' owns' : 's own'} ${ips} addresses (see below)`);
  }

  const dp = report.datapath;
  if (dp && dp.overlay !== null) {
    const total = dp.fastdp + dp.sleeve;
    const mtu = dp.mtu ? `, MTU ${dp.mtu.min === dp.mtu.max ? dp.mtu.min : `${dp.mtu.min}-${dp.mtu.max}`}` : '';
    const encryption = dp.encryption ? `, encryption ${dp.encryption}` : '';
    const what =
      dp.overlay === 'fastdp'
        ? `fastdp on all ${total} connection${total === 1 ? '' : 's'}`
        : dp.overlay === 'sleeve'
          ? `sleeve on all ${total} connection${total === 1 ? '' : 's'}${dp.fastdpDisabled ? ' (WEAVE_NO_FASTDP)' : ''}`
          : `fastdp on ${dp.fastdp} of ${total} connections, sleeve on ${dp.sleeve}`;
    const bad = (dp.sleeve > 0 && !dp.fastdpDisabled) || dp.encryption === 'mixed';
    out.push(`${p.bold('Datapath')} ${what}${mtu}${encryption}`);
    if (bad) {
      for (const pair of dp.fastdpDisabled ? [] : dp.sleevePairs.slice(0, 10)) {
        out.push(`  ${glyph('warning', p)} sleeve between ${pair.nodes[0]} and ${pair.nodes[1]}${pair.mtu !== null ? ` (MTU ${pair.mtu})` : ''}`);
      }
      if (!dp.fastdpDisabled && dp.sleevePairs.length > 10) out.push(`  ${glyph('warning', p)} and ${dp.sleevePairs.length - 10} more pairs (see below)`);
      if (dp.encryption === 'mixed') out.push(`  ${glyph('error', p)} the nodes disagree on encryption (see below)`);
    }
  }

  if (report.nodes.length > 0) {
    const barTitle = ipam.range ? `SHARE OF ${ipam.range}` : 'SHARE OF RANGE';
    const cells = report.nodes.map((r) => [
      r.node,
      dash(r.pod),
      readyText(r),
      dash(r.version),
      dash(r.bridge),
      dash(r.ips),
      percentText(r.percent),
      dash(r.activeIPs),
      connectionsText(r),
      dash(r.npc),
    ]);
    const layout = fitTable(cells, barTitle, opts.width);
    const keep = layout.columns.map((h) => HEADERS.indexOf(h));
    const pick = (row: readonly string[]) => keep.map((i) => (i === 0 ? cut(row[i]!, layout.nodeWidth) : row[i]!));
    const shown = cells.map(pick);
    const heads = pick(HEADERS);
    const widths = heads.map((h, i) => Math.max(h.length, ...shown.map((c) => c[i]!.length)));
    const line = (cols: readonly string[]) => cols.map((c, i) => c.padEnd(widths[i]!)).join('  ');
    out.push('');
    out.push(`   ${line(heads)}  ${layout.barWidth > 0 ? titleFor(barTitle, layout.barWidth) : ''}`.trimEnd());
    report.nodes.forEach((r, i) => {
      const bar = layout.barWidth > 0 ? shareBar(r.ips, ipam.size, r.percent, layout.barWidth) : '';
      out.push(`${glyph(r.status, p)}  ${line(shown[i]!)}  ${bar}`.trimEnd());
    });
  }

  if (report.problems.length > 0) {
    out.push('');
    out.push(p.bold('Problems'));
    for (const pr of report.problems) {
      const where = pr.node ? `${pr.node}: ` : '';
      out.push(`${glyph(pr.severity, p)} ${where}${pr.message}`);
      if (pr.hint) out.push(`    ${p.dim(`hint: ${pr.hint}`)}`);
    }
    if (report.unreachablePeers.some((u) => !u.nodeExists)) {
      out.push(
        `    ${p.dim('rmpeer hands the peer\'s addresses to the peer it runs on: run it only for peers whose nodes are really gone, once, in one pod (two peers owning the same range break the network)')}`,
      );
    }
  }

  out.push('');
  const s = report.summary;
  const errors = report.problems.filter((x) => x.severity === 'error').length;
  const warnings = report.problems.length - errors;
  const counts = `${s.nodes} node${s.nodes === 1 ? '' : 's'}: ${s.ok} ok, ${s.warning} with warnings, ${s.error} with errors`;
  if (report.healthy) {
    out.push(warnings > 0 ? `${glyph('warning', p)} Weave Net works, with ${warnings} warning${warnings === 1 ? '' : 's'} (${counts})` : `${glyph('ok', p)} Weave Net is healthy (${counts})`);
  } else {
    out.push(`${glyph('error', p)} Weave Net is not healthy: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} (${counts})`);
  }
  return `${out.join('\n')}\n`;
}
