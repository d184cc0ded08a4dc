/**
 * Waiting before a retry, shared by the cluster layer (src/cluster/transport.ts) and the manifest
 * fetcher (src/manifest/sources/http.ts): the server's Retry-After, else exponential backoff with
 * jitter. Pure (the random source is an argument).
 */

/**
 * Retry-After in ms: delay-seconds (a whole number: RFC 9110 §10.2.3, so "1.5" or "-3" is not one)
 * or an HTTP date relative to `now` (0 when past). undefined when absent or unreadable: the caller
 * falls back to its backoff.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  // Date.parse reads "1.5" or "-3" as dates; an HTTP date has a weekday and a month name
  if (Number.isNaN(at) || !/[a-z]/i.test(v)) return undefined;
  return Math.max(0, at - now);
}

export interface Backoff {
  /** The first delay (attempt 1), doubled for each attempt after it. */
  baseMs: number;
  /** No delay is longer. */
  maxMs: number;
  /** The delay is scaled by a factor from jitter[0] to jitter[1] (spreads the retries of many clients). */
  jitter: readonly [number, number];
}

/** The delay before retry number `attempt` (1, 2, ...): base x 2^(attempt-1), capped, jittered, capped again. */
export function backoffDelay(attempt: number, b: Backoff, random: () => number = Math.random): number {
  const exp = Math.min(b.maxMs, b.baseMs * 2 ** Math.max(0, attempt - 1));
  const [lo, hi] = b.jitter;
  return Math.min(b.maxMs, Math.round(exp * (lo + random() * (hi - lo))));
}
