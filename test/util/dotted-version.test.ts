import { describe, expect, it } from 'vitest';
import { compareDotted } from '../../src/util/dotted-version.js';
import { sleep } from '../../src/util/timers.js';

describe('compareDotted', () => {
  it('orders by number, not by text', () => {
    expect(compareDotted('2.10.0', '2.9.0')).toBeGreaterThan(0);
    expect(compareDotted('1.9.1', '1.10.0')).toBeLessThan(0);
    expect(compareDotted('2.8.1', '2.8.1')).toBe(0);
  });
  it('reads a missing part as 0', () => {
    expect(compareDotted('1.13', '1.13.0')).toBe(0);
    expect(compareDotted('1.13', '1.13.2')).toBeLessThan(0);
  });
});

describe('sleep', () => {
  it('resolves at once when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const t = Date.now();
    await sleep(60_000, ac.signal);
    expect(Date.now() - t).toBeLessThan(1000);
  });
  it('resolves when the signal aborts during the wait', async () => {
    const ac = new AbortController();
    const done = sleep(60_000, ac.signal);
    setTimeout(() => ac.abort(), 10);
    const t = Date.now();
    await done;
    expect(Date.now() - t).toBeLessThan(1000);
  });
});
