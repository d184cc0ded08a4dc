/**
 * How `weavectl connectivity test` shows its results. Pure.
 *
 * - one line per test: "✓ pod-to-pod  node-1 → node-2" or "✗ df-ping  node-1 → node-2: why";
 * - the node × node grid of the pair tests (pod-to-pod, host-to-pod, df-ping): ✓ every test of the
 *   pair passed, ✗ one failed, ! a warning, · not tested (rows: from, columns: to);
 * - the summary line;
 * - -o json: `{"success": bool, "tests": [{"name","from","to","result","message"?}]}`.
 */
import type { TestOutcome } from './evaluate.js';
import { PAIR_TESTS } from './plan.js';

export interface Paint {
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
}

const plain: Paint = { green: (s) => s, red: (s) => s, yellow: (s) => s, dim: (s) => s };

const MARK = { ok: '✓', error: '✗', warning: '!', skipped: '-' } as const;

export function testLine(o: TestOutcome, paint: Paint = plain): string {
  const mark = o.result === 'ok' ? paint.green(MARK.ok) : o.result === 'error' ? paint.red(MARK.error) : o.result === 'warning' ? paint.yellow(MARK.warning) : paint.dim(MARK.skipped);
  const route = o.from === o.to ? `${o.from} (same node)` : `${o.from} → ${o.to}`;
  return `${mark} ${o.name.padEnd(14)} ${route}${o.message ? `: ${o.message}` : ''}`;
}

/** The cell of a pair: the worst result of its pair tests. */
export function pairCell(outcomes: readonly TestOutcome[], from: string, to: string): '✓' | '✗' | '!' | '·' {
  const mine = outcomes.filter((o) => o.from === from && o.to === to && PAIR_TESTS.includes(o.name) && o.result !== 'skipped');
  if (mine.length === 0) return '·';
  if (mine.some((o) => o.result === 'error')) return '✗';
  if (mine.some((o) => o.result === 'warning')) return '!';
  return '✓';
}

/** The node × node grid (rows: from, columns: to); columns are numbered, the legend names them. */
export function renderGrid(nodes: readonly string[], outcomes: readonly TestOutcome[], paint: Paint = plain): string {
  if (nodes.length === 0) return '';
  const width = Math.max(...nodes.map((n) => n.length), 'from \\ to'.length);
  const num = nodes.map((_, i) => String(i + 1));
  const colWidth = Math.max(...num.map((n) => n.length)) + 1;
  const lines: string[] = [];
  lines.push(`${'from \\ to'.padEnd(width + 4)} ${num.map((n) => n.padStart(colWidth)).join('')}`);
  nodes.forEach((from, i) => {
    const cells = nodes.map((to) => {
      const c = pairCell(outcomes, from, to);
      const painted = c === '✓' ? paint.green(c) : c === '✗' ? paint.red(c) : c === '!' ? paint.yellow(c) : paint.dim(c);
      return ' '.repeat(colWidth - 1) + painted;
    });
    lines.push(`${String(i + 1).padStart(2)}  ${from.padEnd(width)} ${cells.join('')}`);
  });
  return `${lines.join('\n')}\n`;
}

export function summaryLine(outcomes: readonly TestOutcome[]): string {
  const count = (r: TestOutcome['result']) => outcomes.filter((o) => o.result === r).length;
  const parts = [`${count('ok')} passed`];
  if (count('error')) parts.push(`${count('error')} failed`);
  if (count('warning')) parts.push(`${count('warning')} with warnings`);
  if (count('skipped')) parts.push(`${count('skipped')} skipped`);
  return `${outcomes.length} test${outcomes.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

/** The failing node pairs, named, for the error line: "k8s-vm1 → k8s-vm2 (pod-to-pod, df-ping)". */
export function failedPairs(outcomes: readonly TestOutcome[]): string[] {
  const by = new Map<string, string[]>();
  for (const o of outcomes) {
    if (o.result !== 'error') continue;
    const key = o.from === o.to ? `${o.from} (same node)` : `${o.from} → ${o.to}`;
    by.set(key, [...(by.get(key) ?? []), o.name]);
  }
  return [...by.entries()].map(([k, names]) => `${k} (${names.join(', ')})`);
}

export interface ConnectivityJson {
  success: boolean;
  tests: { name: string; from: string; to: string; result: string; message?: string }[];
}

export function connectivityJson(outcomes: readonly TestOutcome[]): ConnectivityJson {
  return {
    success: !outcomes.some((o) => o.result === 'error'),
    tests: outcomes.map((o) => ({ name: o.name, from: o.from, to: o.to, result: o.result, ...(o.message ? { message: o.message } : {}) })),
  };
}
