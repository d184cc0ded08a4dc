import { usageError } from '../errors.js';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.Duration holds at most 2^63-1 ns (about 292 years); a longer one is refused, as Go refuses it. */
export const MAX_DURATION_MS = Math.floor((2 ** 63 - 1) / 1e6);

/**
 * Parses a duration the way kubectl's --timeout does (Go's time.ParseDuration): "90s", "5m",
 * "1h30m", "250ms", "1.5h", "0" (meaning no limit). A bare number is refused, except 0, because
 * kubectl refuses it too ("missing unit in duration"). Any length up to Go's limit works (the
 * timers behind it chain: util/timers.ts).
 */
export function parseDuration(text: string, flag = '--timeout'): number {
  const s = text.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    matched = re.lastIndex;
  }
  if (s.length === 0 || matched !== s.length) {
    throw usageError(`invalid duration for ${flag}: "${text}"`, 'use a number with a unit, e.g. 90s, 5m, 1h30m (0 means no limit)');
  }
  if (total > MAX_DURATION_MS) throw usageError(`invalid duration for ${flag}: "${text}" is longer than the longest duration (about 292 years)`, 'e.g. 600h');
  return Math.round(total);
}

/**
 * kubectl's --request-timeout (client-go's clientcmd.ParseTimeout): a whole number of seconds
 * ("30"), or a duration with its unit ("1s", "2m", "3h"); "0" means requests have no timeout of their
 * own (the command's --timeout still bounds them).
 */
export function parseRequestTimeout(text: string, flag = '--request-timeout'): number {
  const s = text.trim();
  if (/^\d+$/.test(s)) {
    const ms = Number(s) * 1000;
    if (ms > MAX_DURATION_MS) throw usageError(`invalid ${flag} "${text}": longer than the longest duration (about 292 years)`);
    return ms;
  }
  try {
    return parseDuration(s, flag);
  } catch {
    throw usageError(
      `invalid ${flag} "${text}": must be a whole number of seconds, or a number with a unit (e.g. 1s, 2m, 3h)`,
      '0 means requests have no timeout of their own',
    );
  }
}

/**
 * A duration in messages, the way Go's time.Duration.String prints it: 300000 -> "5m0s",
 * 1500 -> "1.5s", 90500 -> "1m30.5s", 250 -> "250ms". Exact to the millisecond, so a --timeout
 * given as 1500ms is named 1.5s (not rounded to 2s); a fraction of a millisecond (a time measured
 * with performance.now()) is rounded away. A caller printing a measured time that wants whole
 * seconds rounds it itself.
 */
export function formatDuration(ms: number): string {
  const whole = Math.round(ms);
  if (whole < 1000) return `${whole}ms`;
  const h = Math.floor(whole / 3_600_000);
  const m = Math.floor((whole % 3_600_000) / 60_000);
  const sec = Math.floor((whole % 60_000) / 1000);
  const frac = whole % 1000;
  const secText = frac ? `${sec}.${String(frac).padStart(3, '0').replace(/0+$/, '')}` : `${sec}`;
  return (h ? `${h}h` : '') + (h || m ? `${m}m` : '') + `${secText}s`;
}
