import { describe, expect, it } from 'vitest';
import type { StatusReport } from '../../src/status/model.js';
import { unhealthyLine, waitUntilHealthy } from '../../src/status/wait.js';

function report(errors: string[], warnings: string[] = []): StatusReport {
  return {
    namespace: 'kube-system',
    healthy: errors.length === 0,
    daemonSet: null,
    ipam: { range: null, size: null, state: null, states: {} },
    datapath: { overlay: null, fastdp: 0, sleeve: 0, mtu: null, encryption: null, sleevePairs: [], fastdpDisabled: false },
    nodes: [],
    unreachablePeers: [],
    problems: [...errors.map((m) => ({ severity: 'error' as const, node: 'n1', message: m, hint: null })), ...warnings.map((m) => ({ severity: 'warning' as const, node: null, message: m, hint: null }))],
    summary: { nodes: 0, ok: 0, warning: 0, error: 0 },
  };
}

/** A fake clock: sleeping advances it. */
function clock() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms) };
}

describe('waitUntilHealthy', () => {
  it('reads until the report is healthy (warnings allowed), through failed reads', async () => {
    const answers: (StatusReport | Error)[] = [report(['pod not ready']), new Error('connection refused'), report([], ['a pair on sleeve'])];
    const seen: string[] = [];
    const c = clock();
    const r = await waitUntilHealthy(
      async () => {
        const a = answers.shift()!;
        if (a instanceof Error) throw a;
        return a;
      },
      { deadline: 60_000, intervalMs: 2_000, ...c, onAttempt: (a) => seen.push(a.error ? `error ${(a.error as Error).message}` : a.report!.healthy ? 'healthy' : unhealthyLine(a.report!)) },
    );
    expect(r.healthy).toBe(true);
    expect(r.attempts).toBe(3);
    expect(seen).toEqual(['1 error: n1: pod not ready', 'error connection refused', 'healthy']);
    expect(c.now()).toBe(4_000);
  });

  it('stops at the deadline with the last report, not healthy', async () => {
    const c = clock();
    const r = await waitUntilHealthy(async () => report(['IPAM: awaiting consensus', 'b', 'c']), { deadline: 10_000, intervalMs: 3_000, ...c });
    expect(r.healthy).toBe(false);
    expect(r.attempts).toBe(5); // at 0, 3, 6 and 9 s, and a last one at 9.5 s (half a second of room)
    expect(c.now()).toBe(9_500);
    expect(unhealthyLine(r.report!)).toBe('3 errors: n1: IPAM: awaiting consensus; n1: b; ...');
  });

  it('starts the last read in time to end by the deadline with room (twice as long as the one before took, and 0.5 s)', async () => {
    const c = clock();
    const starts: number[] = [];
    const r = await waitUntilHealthy(
      async () => {
        starts.push(c.now());
        await c.sleep(2_000); // each read takes 2 s
        return report(['x']);
      },
      { deadline: 10_000, intervalMs: 3_000, ...c },
    );
    expect(starts).toEqual([0, 5_000]); // after the second read (ends at 7 s) 3 s are left, less than 2 x 2 s + 0.5 s
    expect(r.attempts).toBe(2);
    expect(c.now()).toBe(7_000);
  });

  it('keeps the last report when the last read failed', async () => {
    const c = clock();
    let n = 0;
    const r = await waitUntilHealthy(async () => {
      if (n++ === 0) return report(['x']);
      throw new Error('timeout');
    }, { deadline: 5_000, intervalMs: 3_000, ...c });
    expect(r).toMatchObject({ healthy: false, attempts: 3, error: new Error('timeout') }); // at 0, 3 and 4.5 s
    expect(r.report!.problems[0]!.message).toBe('x');
  });
});
