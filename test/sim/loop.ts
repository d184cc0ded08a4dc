/**
 * The controllers' clock: work items keyed for de-duplication, run in steps `stepDelayMs` apart. Items due in the
 * same step run in the order they were queued, so a run is deterministic. The timer is unref'd and only armed
 * while there is work, so an idle simulator costs nothing and never keeps a process alive.
 */

export class Loop {
  private items = new Map<string, { due: number; seq: number; fn: () => void }>();
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running = false;
  /** steps run so far: the simulator's notion of time (one step = one simulated second) */
  step = 0;
  /** Errors thrown by work items (tests can assert this stays empty). */
  readonly errors: Error[] = [];

  constructor(readonly stepDelayMs: number) {}

  /**
   * Runs `fn` `afterSteps` steps from now (at least 1), unless an item with the same key is already due sooner.
   */
  enqueue(key: string, fn: () => void, afterSteps = 1): void {
    if (this.stopped) return;
    const due = this.step + Math.max(1, Math.ceil(afterSteps));
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
    this.step++;
    const due = [...this.items.entries()].filter(([, v]) => v.due <= this.step).sort((a, b) => a[1].due - b[1].due || a[1].seq - b[1].seq);
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
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.items.clear();
  }
}
