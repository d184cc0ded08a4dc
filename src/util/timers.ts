/**
 * Timers for any duration. Node's setTimeout holds at most 2^31-1 ms (about 24.8 days): a longer
 * delay is taken as 1 ms (with a TimeoutOverflowWarning), so `--timeout 600h` would time out at
 * once. A long timer here is a chain of shorter ones.
 */

/** The longest delay setTimeout keeps. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimer {
  clear(): void;
}

/** Calls fn after ms (any finite length; Infinity never calls it). */
export function setLongTimeout(fn: () => void, ms: number, opts: { unref?: boolean } = {}): LongTimer {
  let handle: NodeJS.Timeout | undefined;
  let cleared = false;
  const due = Date.now() + ms;
  const arm = (left: number) => {
    if (cleared || !Number.isFinite(left)) return;
    handle = setTimeout(
      () => {
        const rest = due - Date.now();
        if (rest > 0) arm(rest);
        else fn();
      },
      Math.max(0, Math.min(left, MAX_TIMER_MS)),
    );
    if (opts.unref) handle.unref();
  };
  arm(ms);
  return {
    clear() {
      cleared = true;
      if (handle) clearTimeout(handle);
    },
  };
}

/** Resolves after ms, or at once when `signal` aborts (never rejects): a wait a Ctrl-C may cut short. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
