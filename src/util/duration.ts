import { usageError } from '../errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration the way kubectl's --timeout does (Go's time.ParseDuration subset):
 * "90s", "5m", "1h30m", "250ms", "0" (meaning no limit). A bare number is refused,
 * except 0, because kubectl refuses it too ("missing unit in duration").
 */
export function parseDuration(text: string, flag = '--timeout'): number {
  const s = text.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
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
  return Math.round(total);
}

/** 300000 -> "5m0s" like Go prints durations; used in messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  return (h ? `${h}h` : '') + (h || m ? `${m}m` : '') + `${sec}s`;
}
