/**
 * `weavectl status --wait`: read the status again and again until Weave Net is healthy (no error in the
 * report; warnings allowed, as the exit code of status allows them), or the deadline comes. A read that
 * fails (the API server restarting, a request timing out) counts as not healthy yet. The reading itself
 * is given (`collect`), so the loop is tested without a cluster.
 */
import type { StatusReport } from './model.js';

export interface WaitHealthyOptions {
  /** Epoch ms; Infinity: no limit. */
  deadline: number;
  /** Between two reads. */
  intervalMs: number;
  /** After every read: the report, or why it could not be read. */
  onAttempt?: (r: { report?: StatusReport; error?: unknown; attempt: number }) => void;
  signal?: AbortSignal;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface WaitHealthyResult {
  /** The last report read (undefined when none could be read). */
  report?: StatusReport;
  /** The last read's error, when it failed. */
  error?: unknown;
  healthy: boolean;
  attempts: number;
}

/** The errors of a report, as one short line: "2 errors: node-3: pod ... is not Ready; ...". */
export function unhealthyLine(report: StatusReport): string {
  const errors = report.problems.filter((p) => p.severity === 'error');
  const first = errors.slice(0, 2).map((p) => `${p.node ? `${p.node}: ` : ''}${p.message}`);
  return `${errors.length} error${errors.length === 1 ? '' : 's'}${first.length ? `: ${first.join('; ')}${errors.length > 2 ? '; ...' : ''}` : ''}`;
}

export async function waitUntilHealthy(collect: () => Promise<StatusReport>, o: WaitHealthyOptions): Promise<WaitHealthyResult> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let last: WaitHealthyResult = { healthy: false, attempts: 0 };
  for (let attempt = 1; ; attempt++) {
    let report: StatusReport | undefined;
    let error: unknown;
    const started = now();
    try {
      report = await collect();
    } catch (err) {
      error = err;
    }
    last = { ...(report ? { report } : last.report ? { report: last.report } : {}), ...(error !== undefined ? { error } : {}), healthy: report?.healthy === true, attempts: attempt };
    o.onAttempt?.({ ...(report ? { report } : {}), ...(error !== undefined ? { error } : {}), attempt });
    if (last.healthy || o.signal?.aborted) return last;
    // The next read starts after the interval, or earlier: in time to end by the deadline with room
    // to spare (twice as long as this one took, and half a second), since a read cut short by the
    // deadline reports its own timeouts instead of Weave Net's state. Not one whole interval early.
    const took = now() - started;
    const left = o.deadline - now() - (2 * took + 500);
    if (left <= 0) return last;
    await sleep(Math.min(o.intervalMs, left));
    if (o.signal?.aborted) return last;
  }
}
