/**
 * The generic rollout wait loop: kubectl rollout status's list-watch of one object
 * (watchtools.UntilWithSync over a field selector metadata.name=NAME), made to survive what
 * kubectl users hit: dropped streams (resume from the last resourceVersion), expired
 * resourceVersions (410: re-list), silent connections (inactivity timeout: restart the watch),
 * transient API errors (5xx, 429, connection resets: retry with backoff). It can also stop early
 * on a fatal problem the caller's diagnosis finds, and it says what is still missing when the
 * time runs out.
 *
 * The status of the object is the caller's pure `evaluate` (./status.ts); nothing here knows
 * about DaemonSets.
 */
import type { Cluster, KubeObject, KubeStatus, ResourceRef, WatchEvent } from '../cluster/types.js';
import { WeavectlError, errorText, failure } from '../errors.js';
import { groupOf } from '../kube/kinds.js';
import { kubeApiErrorIn, retryClass } from '../cluster/status-errors.js';
import { formatDuration } from '../util/duration.js';
import { setLongTimeout, type LongTimer } from '../util/timers.js';
import type { Problem } from './diagnose.js';
import type { RolloutStatus } from './status.js';

/** Time, injectable so tests can be exact. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  // any length: `--timeout 600h` is longer than one setTimeout holds (util/timers.ts)
  setTimeout: (fn, ms) => setLongTimeout(fn, ms),
  clearTimeout: (h) => (h as LongTimer | undefined)?.clear(),
};

export interface WaitOptions {
  cluster: Pick<Cluster, 'list' | 'watch'>;
  /** The one object to watch. */
  ref: ResourceRef & { name: string };
  /** Pure status of the object (daemonSetStatus, deploymentStatus, or a caller's wrapper). */
  evaluate: (obj: KubeObject) => RolloutStatus;
  /** Overall limit in ms; 0 waits forever (kubectl --timeout=0). */
  timeoutMs: number;
  /** Restart the watch when no event or bookmark arrived for this long; 0 disables. Default 60s. */
  inactivityTimeoutMs?: number;
  /** false: evaluate once and resolve (kubectl --watch=false). Default true. */
  watch?: boolean;
  /** Called with each new status (when its message changes). */
  onProgress?: (status: RolloutStatus) => void;
  /** Called when the set of problems found by `diagnose` changes (non-fatal ones are worth a warning). */
  onProblems?: (problems: Problem[]) => void;
  /** Called when a list or watch failed transiently and will be retried. */
  onRetry?: (info: { what: 'list' | 'watch'; error: unknown; attempt: number; delayMs: number }) => void;
  /**
   * What else is wrong (crash loops, missing nodes...). A "fatal" problem ends the wait at once; a
   * "blocking" one keeps a done status from counting. Its own errors are ignored (diagnosis must
   * never break the wait). When it is called, and why (DiagnoseContext.reason):
   * - 'start': after the first evaluation, for a rollout of at most diagnosePodsPerInterval pods;
   * - 'stalled': when the status has not moved for a while (scaled like the period, at most 2
   *   intervals), once per stall;
   * - 'periodic': every diagnoseIntervalMs x ceil(pods / diagnosePodsPerInterval);
   * - 'done': when the status says done but the last diagnosis found a blocking problem, or
   *   `confirmDone` asks for a look (again periodically until nothing blocks). Any other done
   *   status ends the wait at once, without a diagnosis;
   * - 'final': at the timeout (bounded by finalDiagnoseTimeoutMs) and with watch: false.
   * Not on every status change: a big rollout changes its status thousands of times.
   */
  diagnose?: (ctx: DiagnoseContext) => Promise<Problem[]>;
  /** A done status that needs a diagnosis before it counts (e.g. a DaemonSet that wants 0 pods). */
  confirmDone?: (obj: KubeObject, status: RolloutStatus) => boolean;
  /** Default 5000. 0 or less: no periodic or stall diagnosis. */
  diagnoseIntervalMs?: number;
  /** Pods one diagnosis interval covers: the period grows with the rollout's size. Default 100. */
  diagnosePodsPerInterval?: number;
  /**
   * How long the last diagnosis at a timeout may take before the message is built without it.
   * Default 3000, plus 1000 per 1000 pods (reading 5,000 pods page by page takes seconds).
   */
  finalDiagnoseTimeoutMs?: number;
  /** Aborting ends the wait with a failure ("interrupted"). */
  signal?: AbortSignal;
  clock?: Clock;
  /** Retry delays for transient errors: initialMs doubling up to maxMs. Default 500 / 10000. */
  backoff?: { initialMs: number; maxMs: number };
  /** timeoutSeconds asked of the server for each watch request. Default 300 (the server ends the stream then; we resume). */
  watchTimeoutSeconds?: number;
}

export type DiagnoseReason = 'start' | 'stalled' | 'periodic' | 'done' | 'final';

/** What a diagnosis is told: why it runs, and the object and status as last seen. */
export interface DiagnoseContext {
  reason: DiagnoseReason;
  object: KubeObject;
  status: RolloutStatus;
  /** Aborted when the answer is no longer wanted (the wait ended, or the final look ran out of time): send no more requests. */
  signal: AbortSignal;
}

export interface WaitResult {
  /** true unless watch was false and the rollout was not done. */
  done: boolean;
  status: RolloutStatus;
  object: KubeObject;
  /** The last problems the diagnosis found (info ones only, when done). */
  problems: Problem[];
}

// ---------------------------------------------------------------------------------------------
// Names in messages


/** The REST resource of a kind, the way the API server names it in errors: DaemonSet -> daemonsets. */
export function resourceName(kind: string): string {
  const k = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(k)) return `${k}es`;
  if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  return `${k}s`;
}

/** The API server's NotFound text: `daemonsets.apps "weave-net" not found`. */
export function notFoundMessage(ref: ResourceRef & { name: string }): string {
  const group = groupOf(ref.apiVersion);
  return `${resourceName(ref.kind)}${group ? `.${group}` : ''} ${JSON.stringify(ref.name)} not found`;
}

/** How kubectl's status viewers name an object: `daemon set "weave-net"`, `deployment "x"`. */
export function describeObject(ref: { kind: string; name: string }): string {
  const noun = ref.kind === 'DaemonSet' ? 'daemon set' : ref.kind.toLowerCase();
  return `${noun} ${JSON.stringify(ref.name)}`;
}

// ---------------------------------------------------------------------------------------------
// Errors from list and watch

function sameCounts(a: RolloutStatus, b: RolloutStatus): boolean {
  return a.counts.desired === b.counts.desired && a.counts.updated === b.counts.updated && a.counts.available === b.counts.available && a.counts.ready === b.counts.ready;
}

function isStatusExpired(s: KubeStatus): boolean {
  return s.code === 410 || s.reason === 'Expired' || s.reason === 'Gone';
}

// ---------------------------------------------------------------------------------------------

const DEFAULTS = {
  inactivityTimeoutMs: 60_000,
  diagnoseIntervalMs: 5_000,
  finalDiagnoseTimeoutMs: 3_000,
  diagnosePodsPerInterval: 100,
  /** A stall is noticed after min(interval, this) x the size factor (and at most 2 intervals). */
  stallUnitMs: 1_000,
  backoff: { initialMs: 500, maxMs: 10_000 },
  watchTimeoutSeconds: 300,
  /** A watch that ends sooner than this with no event is resumed after a backoff, not at once. */
  minHealthyWatchMs: 1_000,
};

/**
 * Waits until `evaluate` says the object is rolled out (resolves), or fails with one line:
 * the evaluator's error, a fatal problem from `diagnose`, the object deleted or not found, a
 * list/watch error that is not transient, an abort, or `timed out waiting for the condition`
 * followed by the last status and what the diagnosis says is missing.
 */
export function waitForRollout(opts: WaitOptions): Promise<WaitResult> {
  return new Waiter(opts).run();
}

type WatchOutcome = { kind: 'ended' | 'inactive' | 'expired' | 'aborted' } | { kind: 'transient'; error: unknown };

class Waiter {
  private readonly o: WaitOptions;
  private readonly clock: Clock;
  private readonly what: string;
  private readonly fieldSelector: string;
  private readonly collection: ResourceRef;
  /** Aborted when the wait ends for any reason: stops the watch, sleeps and timers. */
  private readonly stop = new AbortController();
  private finished = false;
  private resolveOuter!: (r: WaitResult) => void;
  private rejectOuter!: (e: unknown) => void;
  private timers = new Set<unknown>();

  private lastStatus: RolloutStatus | undefined;
  private lastObject: KubeObject | undefined;
  private problems: Problem[] = [];
  private problemsKey = '';
  private diagnosing: Promise<void> | undefined;
  /** A diagnosis asked for while one was running: runs right after it. */
  private diagnoseNext: DiagnoseReason | undefined;
  /** The timer of the next stall or periodic diagnosis. */
  private diagnoseTimer: unknown;
  private startedAt = 0;
  /** Status changes (message, done or counts) so far, and when the last one happened. */
  private changes = 0;
  private lastChangeAt = 0;
  /** When the last diagnosis started, and how many changes it had seen. */
  private lastDiagnosisAt: number | undefined;
  private diagnosedChanges = -1;
  private timingOut = false;
  /** One per diagnosis in flight: aborted when the wait ends (or the final one is given up on). */
  private readonly diagnoses = new Set<AbortController>();

  constructor(opts: WaitOptions) {
    this.o = opts;
    this.clock = opts.clock ?? realClock;
    this.what = describeObject(opts.ref);
    this.fieldSelector = `metadata.name=${opts.ref.name}`;
    this.collection = { apiVersion: opts.ref.apiVersion, kind: opts.ref.kind, ...(opts.ref.namespace ? { namespace: opts.ref.namespace } : {}) };
  }

  run(): Promise<WaitResult> {
    const outer = new Promise<WaitResult>((resolve, reject) => {
      this.resolveOuter = resolve;
      this.rejectOuter = reject;
    });
    const signal = this.o.signal;
    if (signal?.aborted) {
      this.fail(failure(`interrupted while waiting for ${this.what}`));
      return outer;
    }
    const onAbort = () => this.fail(failure(`interrupted while waiting for ${this.what}`));
    signal?.addEventListener('abort', onAbort, { once: true });
    this.stop.signal.addEventListener('abort', () => signal?.removeEventListener('abort', onAbort), { once: true });
    this.startedAt = this.clock.now();
    if (this.o.timeoutMs > 0) {
      this.after(this.o.timeoutMs, () => void this.timeout());
    }
    this.loop().catch((err) => this.fail(err));
    return outer;
  }

  // ---- ending ---------------------------------------------------------------------------------

  /**
   * Marks the wait finished (every later event, timer or answer is ignored from here on) and stops
   * the watch, the timers and the diagnoses on the next turn of the event loop: the caller gets the
   * outcome first, so a command that exits on it does not wait for the teardown of a connection it
   * is about to drop anyway (the last answer of a rollout is followed by the exit at once).
   */
  private end(): boolean {
    if (this.finished) return false;
    this.finished = true;
    // what runs now; a final diagnosis started after this (timeout) is not stopped with it
    const timers = [...this.timers];
    const diagnoses = [...this.diagnoses];
    this.timers.clear();
    setImmediate(() => {
      for (const t of timers) this.clock.clearTimeout(t);
      this.stop.abort();
      for (const ac of diagnoses) ac.abort();
    });
    return true;
  }

  private succeed(done: boolean): void {
    if (!this.end()) return;
    this.resolveOuter({ done, status: this.lastStatus!, object: this.lastObject!, problems: this.problems });
  }

  private fail(err: unknown): void {
    if (!this.end()) return;
    this.rejectOuter(err);
  }

  private after(ms: number, fn: () => void): unknown {
    const h = this.clock.setTimeout(() => {
      this.timers.delete(h);
      if (!this.finished) fn();
    }, ms);
    this.timers.add(h);
    return h;
  }

  private cancel(h: unknown): void {
    if (h === undefined) return;
    this.clock.clearTimeout(h);
    this.timers.delete(h);
  }

  /** Resolves after ms, or early when the wait ends. */
  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.finished) return Promise.resolve();
    return new Promise((resolve) => {
      const h = this.after(ms, () => {
        this.stop.signal.removeEventListener('abort', done);
        resolve();
      });
      const done = () => {
        this.cancel(h);
        resolve();
      };
      this.stop.signal.addEventListener('abort', done, { once: true });
    });
  }

  private backoffMs(attempt: number): number {
    const b = this.o.backoff ?? DEFAULTS.backoff;
    return Math.min(b.maxMs, b.initialMs * 2 ** Math.max(0, attempt - 1));
  }

  /** A failure for an error that ends the wait; `code`: the HTTP status, when the error is a watch's Status event. */
  private fatalApiError(action: string, err: unknown, code = kubeApiErrorIn(err)?.code): WeavectlError {
    if (err instanceof WeavectlError) return err;
    const hint =
      code === 401
        ? 'the credentials in the kubeconfig were refused; log in again or pick another --context'
        : code === 403
          ? `your user may not ${action} ${resourceName(this.o.ref.kind)}${this.o.ref.namespace ? ` in namespace ${this.o.ref.namespace}` : ''}`
          : code === 404
            ? `the cluster does not serve ${this.o.ref.apiVersion} ${this.o.ref.kind}`
            : undefined;
    return failure(`cannot ${action} ${this.what}: ${errorText(err)}`, hint, err);
  }

  // ---- the list-watch loop --------------------------------------------------------------------

  private async loop(): Promise<void> {
    let rv = await this.list(false);
    if (this.finished) return;
    if (this.o.watch === false) {
      await this.diagnoseOnce('final');
      const blocked = this.problems.some((p) => p.severity !== 'info');
      this.succeed(this.lastStatus!.done && !blocked);
      return;
    }
    let transientAttempts = 0;
    let expiredInARow = 0;
    while (!this.finished) {
      const started = this.clock.now();
      const { outcome, lastRV, events } = await this.watchOnce(rv);
      if (this.finished) return;
      rv = lastRV;
      if (events > 0) {
        transientAttempts = 0;
      }
      switch (outcome.kind) {
        case 'aborted':
          return;
        case 'inactive':
          // The connection went quiet: start a new watch from where we were.
          break;
        case 'ended': {
          // The server closed the stream (its timeoutSeconds, an apiserver restart, a proxy):
          // resume from the last resourceVersion. Back off only when it keeps ending at once.
          const quick = events === 0 && this.clock.now() - started < DEFAULTS.minHealthyWatchMs;
          if (quick) {
            transientAttempts++;
            await this.sleep(this.backoffMs(transientAttempts));
            if (this.finished) return;
            // A watch that ends before delivering anything (a proxy that cuts streams) shows no
            // progress however often it is resumed: a list does.
            rv = await this.list(true);
            continue;
          }
          break;
        }
        case 'transient': {
          transientAttempts++;
          const delayMs = this.backoffMs(transientAttempts);
          this.o.onRetry?.({ what: 'watch', error: outcome.error, attempt: transientAttempts, delayMs });
          await this.sleep(delayMs);
          break;
        }
        case 'expired': {
          // 410: the resourceVersion is too old to watch from: list again, watch from the new one.
          expiredInARow++;
          if (expiredInARow > 1) await this.sleep(this.backoffMs(expiredInARow - 1));
          if (this.finished) return;
          rv = await this.list(true);
          continue;
        }
      }
      expiredInARow = 0;
    }
  }

  /** Lists the object (field selector metadata.name=NAME), evaluates it; returns the list's resourceVersion. */
  private async list(relist: boolean): Promise<string> {
    let attempt = 0;
    for (;;) {
      let res: Awaited<ReturnType<Cluster['list']>>;
      try {
        res = await this.o.cluster.list(this.collection, { fieldSelector: this.fieldSelector });
      } catch (err) {
        if (this.finished) return '';
        // A 410 on a list is not ours to fix by listing from an older version: retried like a 5xx.
        if (retryClass(err) === 'fatal') {
          this.fail(this.fatalApiError('list', err));
          return '';
        }
        attempt++;
        const delayMs = this.backoffMs(attempt);
        this.o.onRetry?.({ what: 'list', error: err, attempt, delayMs });
        await this.sleep(delayMs);
        if (this.finished) return '';
        continue;
      }
      if (this.finished) return '';
      const obj = res.items.find((i) => i.metadata?.name === this.o.ref.name);
      if (!obj) {
        if (relist || this.lastObject) {
          this.fail(failure(`${this.what} was deleted while waiting for its rollout`));
        } else {
          const ns = this.o.ref.namespace;
          this.fail(failure(notFoundMessage(this.o.ref), ns ? `looked in namespace ${ns}; use -n/--namespace to pick another` : undefined));
        }
        return '';
      }
      try {
        this.observe(obj);
      } catch (err) {
        this.fail(err);
      }
      return res.resourceVersion;
    }
  }

  /** One watch request from rv until it ends, goes quiet, expires, fails or the wait ends. */
  private async watchOnce(rv: string): Promise<{ outcome: WatchOutcome; lastRV: string; events: number }> {
    const ac = new AbortController();
    const onStop = () => ac.abort();
    this.stop.signal.addEventListener('abort', onStop, { once: true });
    let lastRV = rv;
    let events = 0;
    let outcome: WatchOutcome | undefined;
    const inactivityMs = this.o.inactivityTimeoutMs ?? DEFAULTS.inactivityTimeoutMs;
    let idle: unknown;
    const arm = () => {
      this.cancel(idle);
      if (inactivityMs > 0) {
        idle = this.after(inactivityMs, () => {
          outcome ??= { kind: 'inactive' };
          ac.abort();
        });
      }
    };
    const settle = (o: WatchOutcome) => {
      outcome ??= o;
      ac.abort();
    };
    const onEvent = (e: WatchEvent) => {
      if (ac.signal.aborted || this.finished) return;
      events++;
      arm();
      switch (e.type) {
        case 'ADDED':
        case 'MODIFIED':
          if (e.object?.metadata?.resourceVersion) lastRV = e.object.metadata.resourceVersion;
          if (e.object?.metadata?.name !== this.o.ref.name) return;
          try {
            this.observe(e.object);
          } catch (err) {
            this.fail(err);
          }
          return;
        case 'BOOKMARK':
          if (e.object?.metadata?.resourceVersion) lastRV = e.object.metadata.resourceVersion;
          return;
        case 'DELETED':
          if (e.object?.metadata?.name !== this.o.ref.name) return;
          // Like kubectl: stop rather than silently watch a re-created object.
          this.fail(failure(`${this.what} was deleted while waiting for its rollout`));
          return;
        case 'ERROR': {
          const s = e.object ?? {};
          if (isStatusExpired(s)) return settle({ kind: 'expired' });
          const code = s.code;
          if (typeof code === 'number' && (code >= 500 || code === 429)) return settle({ kind: 'transient', error: s });
          this.fail(this.fatalApiError('watch', s, s.code));
          return;
        }
      }
    };
    arm();
    try {
      await this.o.cluster.watch(
        this.collection,
        {
          fieldSelector: this.fieldSelector,
          resourceVersion: rv,
          allowWatchBookmarks: true,
          timeoutSeconds: this.o.watchTimeoutSeconds ?? DEFAULTS.watchTimeoutSeconds,
        },
        onEvent,
        ac.signal,
      );
    } catch (err) {
      if (!ac.signal.aborted && !this.finished) {
        const kind = retryClass(err);
        if (kind === 'expired') outcome ??= { kind: 'expired' };
        else if (kind === 'transient') outcome ??= { kind: 'transient', error: err };
        else this.fail(this.fatalApiError('watch', err));
      }
    } finally {
      this.cancel(idle);
      this.stop.signal.removeEventListener('abort', onStop);
      ac.abort();
    }
    if (this.finished) return { outcome: { kind: 'aborted' }, lastRV, events };
    return { outcome: outcome ?? { kind: 'ended' }, lastRV, events };
  }

  // ---- evaluation and diagnosis ---------------------------------------------------------------

  private observe(raw: KubeObject): void {
    // List items come without apiVersion/kind; evaluators need them (e.g. the DaemonSet default strategy).
    const obj: KubeObject = raw.apiVersion && raw.kind ? raw : { ...raw, apiVersion: raw.apiVersion ?? this.o.ref.apiVersion, kind: raw.kind ?? this.o.ref.kind };
    const status = this.o.evaluate(obj);
    this.lastObject = obj;
    if (status.error) {
      this.lastStatus = status;
      this.fail(failure(status.error, status.hint));
      return;
    }
    const prev = this.lastStatus;
    const changed = status.message !== prev?.message || status.done !== prev?.done;
    this.lastStatus = status;
    if (changed || !prev || !sameCounts(prev, status)) {
      this.changes++;
      this.lastChangeAt = this.clock.now();
    }
    if (changed) this.o.onProgress?.(status);
    if (this.o.watch === false) return;
    if (!this.o.diagnose) {
      if (status.done) this.succeed(true);
      return;
    }
    if (status.done) {
      // Done is done, at once, unless the last diagnosis found something blocking it or the
      // caller wants this done status confirmed (then: diagnose, and succeed when nothing blocks).
      if (this.problems.some((p) => p.severity === 'blocking') || this.o.confirmDone?.(obj, status)) {
        this.diagnoseSoon('done');
        return;
      }
      this.succeed(true);
      return;
    }
    if (!prev && this.sizeFactor(status) <= 1) this.diagnoseSoon('start');
    else if (!this.diagnosing) this.scheduleDiagnosis();
  }

  /** ceil(pods / diagnosePodsPerInterval), at least 1: how much longer than the interval a big rollout waits between diagnoses. */
  private sizeFactor(status: RolloutStatus): number {
    const c = status.counts;
    const pods = Math.max(c.desired, c.updated, c.available, c.ready);
    const per = this.o.diagnosePodsPerInterval ?? DEFAULTS.diagnosePodsPerInterval;
    return per > 0 ? Math.max(1, Math.ceil(pods / per)) : 1;
  }

  /** Sets the timer of the next diagnosis: when the status has stalled, or the (size-scaled) period is up. */
  private scheduleDiagnosis(): void {
    this.cancel(this.diagnoseTimer);
    this.diagnoseTimer = undefined;
    if (this.finished || !this.o.diagnose || this.o.watch === false || !this.lastStatus) return;
    const every = this.o.diagnoseIntervalMs ?? DEFAULTS.diagnoseIntervalMs;
    if (every <= 0) return;
    const factor = this.sizeFactor(this.lastStatus);
    let due = (this.lastDiagnosisAt ?? this.startedAt) + every * factor;
    let reason: DiagnoseReason = 'periodic';
    if (this.diagnosedChanges !== this.changes) {
      const stallMs = Math.min(2 * every, Math.min(every, DEFAULTS.stallUnitMs) * factor);
      if (this.lastChangeAt + stallMs < due) {
        due = this.lastChangeAt + stallMs;
        reason = 'stalled';
      }
    }
    this.diagnoseTimer = this.after(Math.max(0, due - this.clock.now()), () => {
      this.diagnoseTimer = undefined;
      this.diagnoseSoon(reason);
    });
  }

  /** Runs the diagnosis now, or right after the one in flight; then sets the timer of the next. */
  private diagnoseSoon(reason: DiagnoseReason): void {
    if (this.finished) return;
    // A done status is confirmed by a 'done' diagnosis, whatever asked for it.
    const why: DiagnoseReason = this.lastStatus?.done ? 'done' : reason;
    if (this.diagnosing) {
      if (why === 'done' || this.diagnoseNext === undefined) this.diagnoseNext = why;
      return;
    }
    this.cancel(this.diagnoseTimer);
    this.diagnoseTimer = undefined;
    this.lastDiagnosisAt = this.clock.now();
    this.diagnosedChanges = this.changes;
    this.diagnosing = this.diagnoseOnce(why).finally(() => {
      this.diagnosing = undefined;
      if (this.finished) return;
      const next = this.diagnoseNext;
      this.diagnoseNext = undefined;
      if (next !== undefined) this.diagnoseSoon(next);
      else this.scheduleDiagnosis();
    });
  }

  private async diagnoseOnce(reason: DiagnoseReason, ac = new AbortController()): Promise<void> {
    if (!this.o.diagnose || !this.lastStatus || !this.lastObject) return;
    let found: Problem[];
    this.diagnoses.add(ac);
    try {
      found = await this.o.diagnose({ reason, object: this.lastObject, status: this.lastStatus, signal: ac.signal });
    } catch {
      // A diagnosis that fails says nothing new: keep what the last one said, and let a done
      // status be done unless that last diagnosis was blocking it.
      if (!this.finished && reason === 'done' && this.lastStatus?.done && !this.problems.some((p) => p.severity === 'blocking')) {
        this.succeed(true);
      }
      return;
    } finally {
      this.diagnoses.delete(ac);
    }
    // An answer nobody waits for any more (the wait ended, the final look ran out of time) changes nothing.
    if (ac.signal.aborted || (this.finished && !this.timingOut)) return;
    this.setProblems(found);
    if (this.timingOut || this.o.watch === false) return;
    const fatal = found.filter((p) => p.severity === 'fatal');
    if (fatal.length > 0) {
      const more = fatal.length > 1 ? ` (and ${fatal.length - 1} more)` : '';
      this.fail(failure(`${fatal[0]!.message}${more}`, fatal[0]!.hint));
      return;
    }
    // Only a diagnosis made of a done status can confirm it (an earlier one may not have looked).
    if (reason === 'done' && this.lastStatus?.done && !found.some((p) => p.severity === 'blocking')) this.succeed(true);
  }

  private setProblems(found: Problem[]): void {
    const order = { fatal: 0, blocking: 1, info: 2 } as const;
    const sorted = [...found].sort((a, b) => order[a.severity] - order[b.severity]);
    const key = sorted.map((p) => `${p.severity}\u0000${p.message}`).join('\u0001');
    this.problems = sorted;
    if (key !== this.problemsKey) {
      this.problemsKey = key;
      this.o.onProblems?.(sorted);
    }
  }

  private async timeout(): Promise<void> {
    if (this.finished) return;
    this.timingOut = true;
    // Stop watching, then ask once more what is missing (bounded), then fail.
    const lastStatus = this.lastStatus;
    this.end();
    if (this.o.diagnose) {
      const pods = lastStatus ? Math.max(lastStatus.counts.desired, lastStatus.counts.updated, lastStatus.counts.available, lastStatus.counts.ready) : 0;
      const bound = this.o.finalDiagnoseTimeoutMs ?? DEFAULTS.finalDiagnoseTimeoutMs + 1000 * Math.floor(pods / 1000);
      let h: unknown;
      const ac = new AbortController();
      await Promise.race([
        this.diagnoseOnce('final', ac),
        new Promise<void>((resolve) => {
          h = this.clock.setTimeout(resolve, bound);
        }),
      ]);
      this.clock.clearTimeout(h);
      ac.abort(); // too late: the message is built without it
      this.timingOut = false;
    }
    // kubectl's words first (scripts grep for them), then the last status and what is missing.
    const details: string[] = [];
    if (lastStatus?.message) details.push(lastStatus.message.replace(/\.\.\.$/, ''));
    for (const p of this.problems) details.push(p.message);
    const message = `timed out waiting for the condition after ${formatDuration(this.o.timeoutMs)}${details.length ? `: ${details.join('; ')}` : ''}`;
    this.rejectOuter(
      failure(
        message,
        this.problems.find((p) => p.hint)?.hint ?? 'the rollout goes on in the cluster: follow it with `weavectl rollout-status`, or give it more time with --timeout',
      ),
    );
  }
}
