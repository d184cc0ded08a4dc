/**
 * The rollout tests' cluster: the memory cluster with scripted list results and watch streams for
 * the watched kind, and a record of every call (so tests can assert the resourceVersion each watch
 * started from).
 */
import { expect } from 'vitest';
import { WeavectlError } from '../../src/errors.js';
import { MemoryCluster } from '../fakes/memory-cluster.js';
import { networkError, type NetworkError } from '../../src/cluster/status-errors.js';
import type { KubeObject, ListOptions, ListPagesOptions, ListResult, ResourceRef, WatchEvent, WatchOptions } from '../../src/cluster/types.js';

export type WatchStep =
  | { event: WatchEvent }
  | { sleep: number }
  /** The stream ends (the server closed it, or the connection dropped). */
  | { end: true }
  /** The request fails (e.g. a 410 answer, ECONNRESET). */
  | { throw: unknown }
  /** Nothing more until the client aborts. */
  | { hang: true };

export type ListStep = ListResult | { throw: unknown };

/** A dropped or refused connection, as the cluster layer throws it (a NetworkError with the socket's code). */
export function netError(code: string): NetworkError {
  return networkError(Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(`read ${code}`), { code }) }), { verb: 'watch' }, { server: 'https://fake.cluster.invalid' });
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The memory cluster (test/fakes/memory-cluster.ts: one implementation of get, list, selectors and
 * faults) with the watched kind scripted: list() and watch() of `watchedKind` answer `lists` and
 * `watches` in order; every other read goes to the store (`add()` objects; `forbid()` for 403s).
 * Calls are recorded apart (listCalls, getCalls, watchCalls, logCalls), and each get/list/logs waits
 * `delayMs` counted in `inFlight` (to see which requests run in parallel).
 */
export class FakeCluster extends MemoryCluster {
  /** Scripted answers to list() of the watched kind, in order; the last one repeats. */
  lists: ListStep[] = [];
  /** Scripted watch streams, in order; when they run out, a watch hangs until aborted. */
  watches: WatchStep[][] = [];
  /** Which kind list() and watch() scripts apply to. */
  watchedKind = 'DaemonSet';
  /** What logs() answers for any container. */
  logText = '';

  /** Every get/list/logs call waits this long (to see which requests run in parallel). */
  delayMs = 0;
  inFlight = 0;
  maxInFlight = 0;

  listCalls: { ref: ResourceRef; opts?: ListOptions }[] = [];
  getCalls: (ResourceRef & { name: string })[] = [];
  watchCalls: { ref: ResourceRef; opts: WatchOptions; signal: AbortSignal }[] = [];
  logCalls: { pod: { namespace: string; name: string }; container: string; tailLines?: number }[] = [];
  private listIndex = 0;

  constructor() {
    super({ k8sVersion: '1.35.0' });
  }

  /** Stores the objects (created or replaced, status included). */
  add(...objs: KubeObject[]): this {
    for (const o of objs) this.put(o);
    return this;
  }

  /** Runs fn as one request: counts it in flight for delayMs. */
  protected async request<T>(fn: () => T | Promise<T>): Promise<T> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      return await fn();
    } finally {
      this.inFlight--;
    }
  }
  override async get<T extends KubeObject = KubeObject>(ref: ResourceRef & { name: string }): Promise<T | undefined> {
    this.getCalls.push(ref);
    return this.request(() => super.get<T>(ref));
  }
  override async list<T extends KubeObject = KubeObject>(ref: ResourceRef, opts?: ListOptions): Promise<ListResult<T>> {
    this.listCalls.push({ ref, ...(opts ? { opts } : {}) });
    if (ref.kind !== this.watchedKind) {
      return this.request(async () => {
        const items: T[] = [];
        const { resourceVersion } = await this.storePages<T>(ref, { ...opts, pageSize: opts?.limit ?? 500 }, (page) => {
          items.push(...page);
        });
        return { items, resourceVersion };
      });
    }
    const step = this.lists[Math.min(this.listIndex, this.lists.length - 1)];
    this.listIndex++;
    if (!step) return { items: [], resourceVersion: '1' };
    if ('throw' in step) throw step.throw;
    return step as ListResult<T>;
  }
  /** list(), handed out in pages of pageSize (an empty list is one empty page, as from the API server). */
  override async listPages<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: ListPagesOptions, onPage: (items: T[]) => void | Promise<void>): Promise<{ resourceVersion: string }> {
    const { items, resourceVersion } = await this.list<T>(ref, opts);
    const size = opts.pageSize ?? opts.limit ?? 500;
    let i = 0;
    do {
      await onPage(items.slice(i, i + size));
      i += size;
    } while (i < items.length);
    return { resourceVersion };
  }
  /** The store's listPages (MemoryCluster's, whatever a subclass overrides). */
  protected storePages<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: ListPagesOptions, onPage: (items: T[]) => void | Promise<void>): Promise<{ resourceVersion: string }> {
    return super.listPages<T>(ref, opts, onPage);
  }
  /** The watched kind's scripted streams (other kinds: the store's watch). */
  override async watch<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: WatchOptions, onEvent: (e: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
    this.watchCalls.push({ ref, opts, signal });
    if (ref.kind !== this.watchedKind) return super.watch(ref, opts, onEvent, signal);
    const script = this.watches.shift() ?? [{ hang: true }];
    for (const step of script) {
      if (signal.aborted) return;
      if ('event' in step) onEvent(step.event as WatchEvent<T>);
      else if ('sleep' in step) await delay(step.sleep, signal);
      else if ('end' in step) return;
      else if ('throw' in step) throw step.throw;
      else if ('hang' in step) {
        await delay(1e9, signal);
        return;
      }
    }
    // A script that runs out without end/hang: the stream stays open (quiet) until aborted.
    await delay(1e9, signal);
  }
  override async logs(pod: { namespace: string; name: string }, container: string, opts?: { tailLines?: number }): Promise<string> {
    this.logCalls.push({ pod, container, ...(opts?.tailLines !== undefined ? { tailLines: opts.tailLines } : {}) });
    return this.request(() => this.logText);
  }
}

/** A FakeCluster whose listPages is recorded apart from list and answers one page per request (delayMs each). */
export class PagedFakeCluster extends FakeCluster {
  pageCalls: { ref: ResourceRef; opts: ListPagesOptions; pages: number }[] = [];
  /** Called after each page was handed out (tests abort from here). */
  afterPage?: (kind: string, pages: number) => void;
  override async listPages<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: ListPagesOptions, onPage: (items: T[]) => void | Promise<void>): Promise<{ resourceVersion: string }> {
    const call = { ref, opts, pages: 0 };
    this.pageCalls.push(call);
    // the store's pages (MemoryCluster.listPages), each one request
    return this.storePages<T>(ref, opts, async (page) => {
      await this.request(() => undefined);
      call.pages++;
      await onPage(page);
      this.afterPage?.(ref.kind, call.pages);
    });
  }
}

/** Awaits a promise that must fail with a WeavectlError, and returns the error. */
export async function rejection(p: Promise<unknown>): Promise<WeavectlError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(WeavectlError);
    return e as WeavectlError;
  }
  throw new Error('expected the wait to fail');
}
