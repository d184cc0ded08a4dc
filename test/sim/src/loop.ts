/**
 * The controllers' clock: work items keyed for de-duplication, run in steps `stepDelayMs` apart. Items due in the
 * same step run in the order they were queued, so a run is deterministic. The timer is unref'd and only armed
 * while there is work, so an idle simulator costs nothing and never keeps a process alive.
 *
 * Time: while work is queued, a step is one run of the timer (or one `tick()` by hand), so a burst of work takes
 * the same number of steps however loaded the machine is. While nothing is queued the clock keeps going with the
 * wall clock, one step per `stepDelayMs`, counted lazily (no timer) when someone next reads `step` or queues work:
 * a pod that has been Ready through a second of idle real time has been Ready for 1000 / stepDelayMs steps, as
 * on a real cluster that sat idle.
 */

import { performance } from 'node:perf_hooks';

export class Loop {
  private items = new Map<string, { due: number; seq: number; fn: () => void }>();
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running = false;
  /** steps counted up to the last tick, or up to when the loop went idle */
  private counted = 0;
  /** while idle (nothing queued): the monotonic time from which idle steps are counted */
  private idleSince: number | undefined;
  /** Errors thrown by work items (tests can assert this stays empty). */
  readonly errors: Error[] = [];

  /** `now`: a monotonic clock in ms (tests may pass their own) */
  constructor(
    readonly stepDelayMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.idleSince = this.now();
  }

  /** The simulator's notion of time (one step = one simulated second): steps run, plus idle wall time. */
  get step(): number {
    if (this.idleSince === undefined) return this.counted;
    return this.counted + Math.max(0, Math.floor((this.now() - this.idleSince) / Math.max(1, this.stepDelayMs)));
  }

  /**
   * Runs `fn` `afterSteps` steps from now (at least 1), unless an item with the same key is already due sooner.
   */
  enqueue(key: string, fn: () => void, afterSteps = 1): void {
    if (this.stopped) return;
    this.wake();
    const due = this.counted + Math.max(1, Math.ceil(afterSteps));
    const cur = this.items.get(key);
    if (cur && cur.due <= due) {
      cur.fn = fn;
      return;
    }
    this.items.set(key, { due, seq: this.seq++, fn });
    this.arm();
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  get pending(): number {
    return this.items.size;
  }

  /** Leaves idle time: the steps that passed while idle become counted ones. */
  private wake(): void {
    if (this.idleSince === undefined) return;
    this.counted = this.step;
    this.idleSince = undefined;
  }

  private arm(): void {
    if (this.timer || this.stopped || this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.tick();
    }, this.stepDelayMs);
    this.timer.unref();
  }

  /** Runs one step now (tests may drive the clock by hand). */
  tick(): void {
    if (this.stopped) return;
    this.wake();
    this.counted++;
    const step = this.counted;
    const due = [...this.items.entries()].filter(([, v]) => v.due <= step).sort((a, b) => a[1].due - b[1].due || a[1].seq - b[1].seq);
    this.running = true;
    try {
      for (const [k, v] of due) {
        if (this.items.get(k) !== v) continue;
        this.items.delete(k);
        try {
          v.fn();
        } catch (e) {
          this.errors.push(e as Error);
          if (process.env['SIM_DEBUG']) console.error('sim controller error:', e);
        }
      }
    } finally {
      this.running = false;
    }
    if (this.items.size > 0) this.arm();
    else this.idleSince = this.now();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.items.clear();
  }
}
