import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_DURATION_MS, formatDuration, parseDuration, parseRequestTimeout } from '../../src/util/duration.js';
import { MAX_TIMER_MS, setLongTimeout } from '../../src/util/timers.js';

describe('parseDuration (kubectl --timeout, Go time.ParseDuration)', () => {
  it.each([
    ['0', 0],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['1.5h', 5_400_000],
    ['600h', 2_160_000_000],
    ['1500us', 2],
  ])('%s -> %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('600h is longer than one setTimeout holds (2^31-1 ms)', () => {
    expect(parseDuration('600h')).toBeGreaterThan(MAX_TIMER_MS);
  });

  it.each(['5', '5 minutes', '', '-5s', '5d', '1e3s'])('refuses %j with a usage error', (text) => {
    expect(() => parseDuration(text)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/invalid duration for --timeout/) }));
  });

  it('refuses what Go cannot hold (more than about 292 years)', () => {
    expect(() => parseDuration('2562048h')).toThrow(/longest duration/);
    expect(parseDuration('2562047h')).toBeLessThanOrEqual(MAX_DURATION_MS);
  });

  it('formats like Go', () => {
    expect(formatDuration(300_000)).toBe('5m0s');
    expect(formatDuration(2_160_000_000)).toBe('600h0m0s');
  });

  it.each([
    ['1500ms', '1.5s'],
    ['90500ms', '1m30.5s'],
    ['90s', '1m30s'],
    ['250ms', '250ms'],
    ['1001ms', '1.001s'],
    ['1h0m0.05s', '1h0m0.05s'],
    ['2h30m', '2h30m0s'],
  ])('what a user types keeps its milliseconds: %s prints as %s (1500ms printed as 2s)', (text, shown) => {
    expect(formatDuration(parseDuration(text))).toBe(shown);
  });

  it('a time measured with performance.now() shows whole milliseconds (was "727.283935546875ms")', () => {
    expect(formatDuration(727.283935546875)).toBe('727ms');
    expect(formatDuration(999.7)).toBe('1s');
    expect(formatDuration(1500.4)).toBe('1.5s');
  });
});

describe("parseRequestTimeout (kubectl --request-timeout, client-go's clientcmd.ParseTimeout)", () => {
  it.each([
    ['0', 0],
    ['30', 30_000],
    ['1s', 1_000],
    ['2m', 120_000],
    ['3h', 10_800_000],
  ])('%s -> %d ms', (text, ms) => {
    expect(parseRequestTimeout(text)).toBe(ms);
  });

  it.each(['-1', 'soon', '1.5', '5 s'])('refuses %j with a usage error naming the flag', (text) => {
    expect(() => parseRequestTimeout(text)).toThrow(
      expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/^invalid --request-timeout ".*": must be a whole number of seconds/) }),
    );
  });
});

describe('setLongTimeout', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires after a delay longer than 2^31-1 ms, not at once', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    setLongTimeout(fn, 600 * 3_600_000);
    vi.advanceTimersByTime(1_000);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(MAX_TIMER_MS);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(600 * 3_600_000 - MAX_TIMER_MS - 1_000);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('a cleared timer never fires; Infinity never fires', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    setLongTimeout(fn, 10).clear();
    setLongTimeout(fn, Infinity);
    vi.advanceTimersByTime(10 * MAX_TIMER_MS);
    expect(fn).not.toHaveBeenCalled();
  });
});
