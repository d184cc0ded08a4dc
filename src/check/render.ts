/**
 * Check results for people (linkerd's layout) and for scripts (a stable JSON document). Pure.
 *
 * Text, grouped by category, one glyph per check; a warning or failure (and an ok result with
 * something to say) is followed by its message and hint, indented:
 *
 *   kubernetes-api
 *   --------------
 *   √ can reach the Kubernetes API
 *
 *   ip-ranges
 *   ---------
 *   × the pod range holds no node address
 *       pod range 10.32.0.0/12 (Weave Net's default) holds the addresses of 1 node: ...
 *       hint: choose a range away from the node network, e.g. --ipalloc 172.30.0.0/16
 *
 *   Status check results are ×
 *
 * Glyphs: √ ok, ‼ warning, × failure, - skipped.
 *
 * JSON (`-o json`), one document on stdout:
 *
 *   {
 *     "success": false,                       // no check failed (warnings allowed)
 *     "categories": [
 *       { "name": "ip-ranges",
 *         "checks": [
 *           { "id": "ip-ranges-nodes",        // stable
 *             "description": "the pod range holds no node address",
 *             "result": "error",              // "ok" | "warning" | "error" | "skipped"
 *             "message": "...",               // optional
 *             "hint": "..." } ] } ]           // optional
 *   }
 *
 * Categories and checks keep the order they ran in.
 */
import { sanitizeDeep } from '../output/sanitize.js';
import { Chalk, type ChalkInstance } from 'chalk';
import type { CheckOutcome, CheckReport, CheckStatus } from './framework.js';

export const GLYPHS: Readonly<Record<CheckStatus, string>> = { ok: '√', warn: '‼', fail: '×', skip: '-' };

export type JsonResult = 'ok' | 'warning' | 'error' | 'skipped';
const JSON_RESULTS: Readonly<Record<CheckStatus, JsonResult>> = { ok: 'ok', warn: 'warning', fail: 'error', skip: 'skipped' };

export interface CheckJson {
  success: boolean;
  categories: { name: string; checks: { id: string; description: string; result: JsonResult; message?: string; hint?: string }[] }[];
}

const INDENT = '    ';

/** No colour: for tests and pipes. */
const plain: ChalkInstance = new Chalk({ level: 0 });

export function categoryHeader(name: string): string {
  return `${name}\n${'-'.repeat(name.length)}`;
}

function glyph(status: CheckStatus, c: ChalkInstance): string {
  const g = GLYPHS[status];
  if (status === 'ok') return c.green(g);
  if (status === 'warn') return c.yellow(g);
  if (status === 'fail') return c.red(g);
  return c.dim(g);
}

/** The lines of one result: glyph and description, then the message and hint (each line indented). */
export function resultLines(o: CheckOutcome, c: ChalkInstance = plain): string[] {
  const lines = [`${glyph(o.result.status, c)} ${o.description}`];
  const dimmed = o.result.status === 'ok' || o.result.status === 'skip';
  for (const l of (o.result.message ?? '').split('\n').filter((x) => x.trim() !== '')) lines.push(`${INDENT}${dimmed ? c.dim(l) : l}`);
  if (o.result.hint && o.result.status !== 'ok') lines.push(`${INDENT}${c.dim('hint:')} ${o.result.hint}`);
  return lines;
}

/** "Status check results are √" (‼ with warnings only, × with a failure). */
export function summaryLine(report: CheckReport, c: ChalkInstance = plain): string {
  const status: CheckStatus = report.counts.fail > 0 ? 'fail' : report.counts.warn > 0 ? 'warn' : 'ok';
  return `Status check results are ${glyph(status, c)}`;
}

/**
 * Prints results as they come: a category header before the first result of each category, a
 * blank line between categories. `write` gets whole lines (no trailing newline).
 */
export class TextCheckPrinter {
  private category: string | undefined;

  constructor(
    private readonly write: (text: string) => void,
    private readonly c: ChalkInstance = plain,
  ) {}

  result(raw: CheckOutcome): void {
    const o = sanitizeDeep(raw); // messages quote pods, events and the API server
    if (o.category !== this.category) {
      if (this.category !== undefined) this.write('');
      this.write(categoryHeader(o.category));
      this.category = o.category;
    }
    this.write(resultLines(o, this.c).join('\n'));
  }

  summary(report: CheckReport): void {
    this.write('');
    this.write(summaryLine(report, this.c));
  }
}

/** The whole report as text (no trailing newline). */
export function renderCheckText(report: CheckReport, c: ChalkInstance = plain): string {
  const out: string[] = [];
  const p = new TextCheckPrinter((t) => out.push(t), c);
  for (const o of report.outcomes) p.result(o);
  p.summary(report);
  return out.join('\n');
}

export function checkJson(report: CheckReport): CheckJson {
  const categories: CheckJson['categories'] = [];
  for (const o of report.outcomes) {
    let cat = categories.find((x) => x.name === o.category);
    if (!cat) categories.push((cat = { name: o.category, checks: [] }));
    cat.checks.push({
      id: o.id,
      description: o.description,
      result: JSON_RESULTS[o.result.status],
      ...(o.result.message ? { message: o.result.message } : {}),
      ...(o.result.hint ? { hint: o.result.hint } : {}),
    });
  }
  return { success: report.success, categories };
}

export function renderCheckJson(report: CheckReport): string {
  return JSON.stringify(checkJson(report), null, 2) + '\n';
}
