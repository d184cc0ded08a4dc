/**
 * When waitForRollout diagnoses, on a manual clock: a done status ends the wait at once (unless the
 * last diagnosis was blocking or confirmDone asks), a stall is diagnosed promptly, and a big
 * rollout that progresses is diagnosed rarely.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.js';
import { WeavectlError } from '../../src/errors.js';
import type { Problem } from '../../src/rollout/diagnose.js';
import { daemonSetStatus } from '../../src/rollout/status.js';
import { waitForRollout, type Clock, type DiagnoseContext, type WaitOptions, type WaitResult } from '../../src/rollout/wait.js';
import { MemoryCluster } from '../fakes/memory-cluster.js';
import { ds, type DsOpts } from '../fakes/builders.js';

const REF = { apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'kube-system', name: 'weave-net' };

const flush = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

/** Timers that fire only when the test advances the time. */
class ManualClock implements Clock {
  t = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers.delete(h as number);
  }
  /** Moves to `to`, firing every timer due on the way, in order. */
  async advanceTo(to: number): Promise<void> {
    for (;;) {
      await flush();
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= to && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = to;
    await flush();
  }
}

/** One DaemonSet in the memory cluster: listed once, then each update() is a write the open watch sees. */
class LiveCluster extends MemoryCluster {
  constructor(first: KubeObject) {
    super();
    this.put(first);
  }
  update(o: DsOpts): void {
    if (!this.calls.some((c) => c.startsWith('watch '))) throw new Error('not watching yet');
    this.put(ds(o));
  }
}

interface Call {
  reason: string;
  at: number;
  desired: number;
}

/** A diagnosis that records each call and answers from `answer` (or waits on a promise the test settles). */
function recorder(clock: ManualClock, answer: (c: Call, n: number) => Problem[] | Promise<Problem[]> = () => []) {
  const calls: Call[] = [];
  const diagnose = async (ctx: DiagnoseContext) => {
    const c = { reason: ctx.reason, at: clock.now(), desired: ctx.status.counts.desired };
    calls.push(c);
    return answer(c, calls.length);
  };
  return { calls, diagnose };
}

function start(cluster: LiveCluster, clock: ManualClock, extra: Partial<WaitOptions>) {
  let result: WaitResult | undefined;
  let error: unknown;
  const p = waitForRollout({ cluster, ref: REF, evaluate: daemonSetStatus, timeoutMs: 0, inactivityTimeoutMs: 0, clock, ...extra }).then(
    (r) => (result = r),
    (e) => (error = e),
  );
  return {
    p,
    get result() {
      return result;
    },
    get error() {
      return error;
    },
  };
}

describe('waitForRollout: when it diagnoses', () => {
  it('a done status ends the wait at once, without a diagnosis, even while one is running', async () => {
    const clock = new ManualClock();
    const cluster = new LiveCluster(ds({ desired: 3, updated: 1, available: 0 }));
    let release: (p: Problem[]) => void = () => {};
    const { calls, diagnose } = recorder(clock, () => new Promise((r) => (release = r)));
    const w = start(cluster, clock, { diagnose });
    await flush();
    expect(calls.map((c) => c.reason)).toEqual(['start']); // small rollout: a look at the start
    cluster.update({ desired: 3, updated: 3, available: 3 });
    await flush();
    expect(w.result).toMatchObject({ done: true, status: { message: 'daemon set "weave-net" successfully rolled out' } });
    expect(calls.map((c) => c.reason)).toEqual(['start']);
    release([{ severity: 'fatal', message: 'too late to matter' }]);
    await flush();
    expect(w.error).toBeUndefined();
  });

  it('a blocking problem found earlier is re-checked when the status says done, until it clears', async () => {
    const clock = new ManualClock();
    const cluster = new LiveCluster(ds({ desired: 3, updated: 1, available: 0 }));
    const blocking: Problem = { severity: 'blocking', message: 'something blocks' };
    const { calls, diagnose } = recorder(clock, (_c, n) => (n <= 2 ? [blocking] : []));
    const w = start(cluster, clock, { diagnose, diagnoseIntervalMs: 1000 });
    await flush();
    cluster.update({ desired: 3, updated: 3, available: 3 });
    await flush();
    expect(calls.map((c) => c.reason)).toEqual(['start', 'done']);
    expect(w.result).toBeUndefined(); // the 'done' look still found it
    await clock.advanceTo(1000);
    expect(calls.map((c) => [c.reason, c.at])).toEqual([
      ['start', 0],
      ['done', 0],
      ['done', 1000],
    ]);
    expect(w.result).toMatchObject({ done: true, problems: [] });
  });

  it('confirmDone: a done status is diagnosed before it counts, and a fatal answer fails', async () => {
    const clock = new ManualClock();
    const cluster = new LiveCluster(ds({ desired: 0, updated: 0, available: 0 }));
    const { calls, diagnose } = recorder(clock, () => [{ severity: 'fatal', message: 'wants 0 pods although the cluster has 1 schedulable node', hint: 'tolerate it' }]);
    const w = start(cluster, clock, { diagnose, confirmDone: (obj) => obj.status.desiredNumberScheduled === 0 });
    await flush();
    expect(calls.map((c) => c.reason)).toEqual(['done']);
    expect(w.error).toBeInstanceOf(WeavectlError);
    expect((w.error as WeavectlError).message).toBe('wants 0 pods although the cluster has 1 schedulable node');
    expect((w.error as WeavectlError).hint).toBe('tolerate it');
  });

  it('a small rollout: a look at the start, one when it stalls for 1 s, then every interval; not on each status change', async () => {
    const clock = new ManualClock();
    const cluster = new LiveCluster(ds({ desired: 10, updated: 0, available: 0 }));
    const { calls, diagnose } = recorder(clock);
    const w = start(cluster, clock, { diagnose, diagnoseIntervalMs: 5000, timeoutMs: 8000, finalDiagnoseTimeoutMs: 100 });
    await flush();
    for (let u = 1; u <= 9; u++) {
      await clock.advanceTo(u * 100);
      cluster.update({ desired: 10, updated: u, available: 0 });
    }
    await clock.advanceTo(1899);
    expect(calls.map((c) => c.reason)).toEqual(['start']);
    await clock.advanceTo(8000);
    await w.p;
    expect(calls.map((c) => [c.reason, c.at])).toEqual([
      ['start', 0],
      ['stalled', 1900],
      ['periodic', 6900],
      ['final', 8000],
    ]);
    expect((w.error as WeavectlError).message).toMatch(/^timed out waiting for the condition after 8s: Waiting for daemon set "weave-net" rollout to finish: 9 out of 10/);
  });

  it('a big rollout: no look at the start, none while it progresses until the period (interval x pods/100) is up; a stall gets one', async () => {
    const clock = new ManualClock();
    const cluster = new LiveCluster(ds({ desired: 1000, updated: 0, available: 0 }));
    const { calls, diagnose } = recorder(clock);
    start(cluster, clock, { diagnose, diagnoseIntervalMs: 5000 });
    await flush();
    // progress every 2 s for a minute: the period of 10 x 5 s comes up once
    for (let t = 2000; t <= 60_000; t += 2000) {
      await clock.advanceTo(t);
      cluster.update({ desired: 1000, updated: t / 100, available: 0 });
    }
    expect(calls.map((c) => [c.reason, c.at])).toEqual([['periodic', 50_000]]);
    // then it stops moving: a look 10 s later (2 intervals at most), then the period again
    await clock.advanceTo(200_000);
    expect(calls.map((c) => [c.reason, c.at])).toEqual([
      ['periodic', 50_000],
      ['stalled', 70_000],
      ['periodic', 120_000],
      ['periodic', 170_000],
    ]);
    expect(calls.every((c) => c.desired === 1000)).toBe(true);
  });

  it('diagnosePodsPerInterval sets the scale; 0 or less means every interval', async () => {
    const clock = new ManualClock();
    const cluster = new LiveCluster(ds({ desired: 1000, updated: 0, available: 0 }));
    const { calls, diagnose } = recorder(clock);
    start(cluster, clock, { diagnose, diagnoseIntervalMs: 5000, diagnosePodsPerInterval: 0 });
    await clock.advanceTo(12_000);
    expect(calls.map((c) => [c.reason, c.at])).toEqual([
      ['start', 0],
      ['periodic', 5000],
      ['periodic', 10_000],
    ]);
  });
});
