/** The one Retry-After parser and backoff of the cluster layer and the manifest fetcher (src/util/retry.ts). */
import { describe, expect, it } from 'vitest';
import { FETCH_BACKOFF } from '../../src/manifest/sources/http.js';
import { backoffDelay, parseRetryAfter } from '../../src/util/retry.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-05-01T10:00:00Z');

  it('delay-seconds and HTTP dates (a past date is 0)', () => {
    expect(parseRetryAfter('5', now)).toBe(5000);
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter(['0'], now)).toBe(0);
    expect(parseRetryAfter(' 7 ', now)).toBe(7000);
    expect(parseRetryAfter('Wed, 01 May 2024 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('Wed, 01 May 2024 09:00:00 GMT', now)).toBe(0);
  });

  it('"1.5", "-3" and words are not a Retry-After (RFC 9110: delay-seconds is a whole number), whoever parses it', () => {
    // The cluster layer read "1.5" as 1500 ms and the fetcher as nothing; now both read it as nothing.
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter('-3', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it("the fetcher's: 500 ms doubling to 8 s, scaled by 0.5..1", () => {
    expect([1, 2, 3, 4, 5, 6, 10].map((a) => backoffDelay(a, FETCH_BACKOFF, () => 1))).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
    expect(backoffDelay(1, FETCH_BACKOFF, () => 0)).toBe(250);
    expect(backoffDelay(3, FETCH_BACKOFF, () => 0.5)).toBe(1500);
  });

  it("the cluster layer's: 250 ms doubling, scaled by 0.75..1.25, never above the cap", () => {
    const b = { baseMs: 250, maxMs: 10_000, jitter: [0.75, 1.25] as const };
    expect(backoffDelay(1, b, () => 0)).toBe(188);
    expect(backoffDelay(1, b, () => 0.5)).toBe(250);
    expect(backoffDelay(3, b, () => 1)).toBe(1250);
    expect(backoffDelay(8, b, () => 1)).toBe(10_000);
    expect(backoffDelay(20, b, () => 0.5)).toBe(10_000);
  });
});
