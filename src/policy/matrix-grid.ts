/**
 * The allow matrix as a readable grid: rows are sources, columns destinations (numbered, the
 * numbers repeated on the rows), one mark per pair. Pure string building.
 *
 *   from \ to                        1  2  3
 *    1 prod/iperf-prod-1       [i]   ✓  ✗  ✓
 *    2 prod/iperf-prod-2       [i]   ✗  ✓  ✓
 *    3 dev/client                    ✓  ✓  ✓
 */
import type { PolicyMatrix } from './matrix.js';

export interface GridOptions {
  /** `.`/`X` instead of `✓`/`✗` (for terminals without Unicode, or NO_COLOR-style plain logs). */
  ascii?: boolean;
  /** Longest row label before it is shortened in the middle (default 40). */
  maxLabel?: number;
  /** Print the legend lines under the grid (default true). */
  legend?: boolean;
}

/** Shortens in the middle, keeping the namespace and the end of the name: "prod/iperf-…-7d9f". */
export function truncateLabel(label: string, max: number, ascii = false): string {
  if (label.length <= max) return label;
  const ell = ascii ? '~' : '…';
  if (max <= 1) return label.slice(0, Math.max(0, max));
  const keep = max - ell.length;
  const head = Math.ceil(keep / 2);
  const tail = keep - head;
  return `${label.slice(0, head)}${ell}${tail > 0 ? label.slice(label.length - tail) : ''}`;
}

export function renderMatrixGrid(m: PolicyMatrix, opts: GridOptions = {}): string {
  const n = m.pods.length;
  const yes = opts.ascii ? '.' : '✓';
  const no = opts.ascii ? 'X' : '✗';
  const maxLabel = Math.max(4, opts.maxLabel ?? 40);
  if (n === 0) return 'no pods\n';
  const idxW = String(n).length;
  const cellW = Math.max(idxW, 1) + 1;
  const labels = m.pods.map((p) => truncateLabel(p, maxLabel, opts.ascii));
  const labelW = Math.max(...labels.map((l) => [...l].length), 'from \\ to'.length - idxW - 1);
  const iso = (i: number) => {
    const a = m.ingressIsolated[i] ? 'i' : '';
    const b = m.egressIsolated[i] ? 'e' : '';
    return a || b ? `[${a}${b}]` : '';
  };
  const isoW = Math.max(0, ...m.pods.map((_, i) => iso(i).length));
  const pad = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - [...s].length));
  const rowHead = (i: number) => `${String(i + 1).padStart(idxW)} ${pad(labels[i]!, labelW)}${isoW ? ` ${pad(iso(i), isoW)}` : ''} `;
  const headW = [...rowHead(0)].length;
  const lines: string[] = [];
  let header = pad('from \\ to', headW);
  for (let j = 0; j < n; j++) header += String(j + 1).padStart(cellW);
  lines.push(header.trimEnd());
  for (let i = 0; i < n; i++) {
    let line = rowHead(i);
    const row = m.allowed[i]!;
    for (let j = 0; j < n; j++) line += (row[j] ? yes : no).padStart(cellW);
    lines.push(line.trimEnd());
  }
  if (opts.legend ?? true) {
    lines.push('');
    lines.push(`${yes} allowed  ${no} denied${m.port ? ` (on ${m.port})` : ''}; columns are destinations, numbered as the rows`);
    if (isoW) lines.push('[i] isolated for ingress, [e] isolated for egress');
    lines.push(`${m.allowedCount} of ${n * n} pairs allowed`);
  }
  return `${lines.join('\n')}\n`;
}
