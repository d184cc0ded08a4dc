/**
 * An in-memory Cluster for the rollout tests: scripted list results and watch streams, and a
 * record of every call (so tests can assert the resourceVersion each watch started from).
 */
import { expect } from 'vitest';
import { WeavectlError } from '../../src/errors.js';
import { KubeApiError, networkError, type NetworkError } from '../../src/cluster/status-errors.js';
import type { Cluster, KubeObject, ListOptions, ListPagesOptions, ListResult, ResourceRef, WatchEvent, WatchOptions } from '../../src/cluster/types.js';

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

/** An error answer of the API server, as the cluster layer throws it (a KubeApiError with its Status). */
export function httpError(code: number, message = `HTTP ${code}`): KubeApiError {
  return new KubeApiError(message, code, { kind: 'Status', status: 'Failure', message, code });
}

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

export class FakeCluster implements Cluster {
  /** Scripted answers to list() of the watched kind, in order; the last one repeats. */
  lists: ListStep[] = [];
  /** Scripted watch streams, in order; when they run out, a watch hangs until aborted. */
  watches: WatchStep[][] = [];
  /** Objects by "Kind/namespace/name" for get(), and by Kind for list() of other kinds. */
  objects = new Map<string, KubeObject>();
  byKind = new Map<string, KubeObject[]>();
  /** Which kind list() scripts apply to. */
  watchedKind = 'DaemonSet';
  logText = '';
  forbiddenKinds = new Set<string>();

  /** Every get/list/logs call waits this long (to see which requests run in parallel). */
  delayMs = 0;
  inFlight = 0;
  maxInFlight = 0;

  listCalls: { ref: ResourceRef; opts?: ListOptions }[] = [];
  getCalls: (ResourceRef & { name: string })[] = [];
  watchCalls: { ref: ResourceRef; opts: WatchOptions; signal: AbortSignal }[] = [];
  logCalls: { pod: { namespace: string; name: string }; container: string; tailLines?: number }[] = [];
  private listIndex = 0;

  async version() {
    return { major: '1', minor: '35', gitVersion: 'v1.35.0' };
  }
  async serves() {
    return true;
  }
  async servedVersionsOf(): Promise<string[]> {
    return [];
  }
  prepareApply(): void {}
  /** Runs fn as one request: counts it in flight for delayMs. */
  protected async request<T>(fn: () => T): Promise<T> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      return fn();
    } finally {
      this.inFlight--;
    }
  }
  async get<T extends KubeObject = KubeObject>(ref: ResourceRef & { name: string }): Promise<T | undefined> {
    this.getCalls.push(ref);
    return this.request(() => {
      if (this.forbiddenKinds.has(ref.kind)) throw httpError(403, `${ref.kind.toLowerCase()}s is forbidden`);
      const direct = this.objects.get(`${ref.kind}/${ref.namespace ?? ''}/${ref.name}`);
      if (direct) return direct as T;
      return (this.byKind.get(ref.kind) ?? []).find((o) => o.metadata.name === ref.name && (ref.namespace === undefined || (o.metadata.namespace ?? '') === ref.namespace)) as T | undefined;
    });
  }
  /** The objects of a kind other than the watched one that list() answers with: label and field selectors applied. */
  protected selected(ref: ResourceRef, opts?: ListOptions): KubeObject[] {
    let items = this.byKind.get(ref.kind) ?? [];
    if (opts?.labelSelector) {
      const want = opts.labelSelector.split(',').map((kv) => kv.split('='));
      items = items.filter((o) => want.every(([k, v]) => o.metadata.labels?.[k!] === v));
    }
    if (opts?.fieldSelector) {
      const reqs = opts.fieldSelector.split(',').map((r) => /^([^!=]+)(!=|=)(.*)$/.exec(r)!);
      items = items.filter((o) =>
        reqs.every(([, path, op, value]) => {
          let cur: unknown = o;
          for (const k of path!.split('.')) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined;
          const v = cur === undefined || cur === null ? '' : String(cur);
          return op === '=' ? v === value : v !== value;
        }),
      );
    }
    return items;
  }
  async list<T extends KubeObject = KubeObject>(ref: ResourceRef, opts?: ListOptions): Promise<ListResult<T>> {
    this.listCalls.push({ ref, ...(opts ? { opts } : {}) });
    if (this.forbiddenKinds.has(ref.kind)) throw httpError(403, `${ref.kind.toLowerCase()}s is forbidden`);
    if (ref.kind !== this.watchedKind) {
      return this.request(() => ({ items: this.selected(ref, opts) as T[], resourceVersion: '1' }));
    }
    const step = this.lists[Math.min(this.listIndex, this.lists.length - 1)];
    this.listIndex++;
    if (!step) return { items: [], resourceVersion: '1' };
    if ('throw' in step) throw step.throw;
    return step as ListResult<T>;
  }
  /** list(), handed out in pages of pageSize (an empty list is one empty page, as from the API server). */
  async listPages<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: ListPagesOptions, onPage: (items: T[]) => void | Promise<void>): Promise<{ resourceVersion: string }> {
    const { items, resourceVersion } = await this.list<T>(ref, opts);
    const size = opts.pageSize ?? opts.limit ?? 500;
    let i = 0;
    do {
      await onPage(items.slice(i, i + size));
      i += size;
    } while (i < items.length);
    return { resourceVersion };
  }
  async watch<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    opts: WatchOptions,
    onEvent: (e: WatchEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    this.watchCalls.push({ ref, opts, signal });
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
  async apply(): Promise<never> {
    throw new Error('not used');
  }
  async create(): Promise<KubeObject> {
    throw new Error('create is not used by the rollout tests');
  }

  async delete(): Promise<boolean> {
    throw new Error('not used');
  }
  async patch(): Promise<never> {
    throw new Error('patch is not used by the rollout tests');
  }
  async exec(): Promise<never> {
    throw new Error('not used');
  }
  async portForward(): Promise<never> {
    throw new Error('port-forward is not used by the rollout tests');
  }
  async logs(pod: { namespace: string; name: string }, container: string, opts?: { tailLines?: number }): Promise<string> {
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
    if (this.forbiddenKinds.has(ref.kind)) throw httpError(403, `${ref.kind.toLowerCase()}s is forbidden`);
    const items = this.selected(ref, opts);
    const size = opts.pageSize ?? opts.limit ?? 500;
    for (let i = 0; i === 0 || i < items.length; i += size) {
      const page = await this.request(() => items.slice(i, i + size));
      call.pages++;
      await onPage(page as T[]);
      this.afterPage?.(ref.kind, call.pages);
    }
    return { resourceVersion: '1' };
  }
}

// ---- object builders ---------------------------------------------------------------------------

export interface DsOpts {
  name?: string;
  namespace?: string;
  apiVersion?: string;
  generation?: number;
  observedGeneration?: number;
  desired?: number;
  updated?: number;
  available?: number;
  ready?: number;
  rv?: string;
  strategy?: string | null;
  uid?: string;
  minReadySeconds?: number;
  tolerations?: unknown[];
  nodeSelector?: Record<string, string>;
  hostNetwork?: boolean;
}

export function ds(o: DsOpts = {}): KubeObject {
  const spec: Record<string, unknown> = {
    selector: { matchLabels: { name: o.name ?? 'weave-net' } },
    template: {
      metadata: { labels: { name: o.name ?? 'weave-net' } },
      spec: {
        ...(o.hostNetwork ? { hostNetwork: true } : {}),
        ...(o.tolerations ? { tolerations: o.tolerations } : {}),
        ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
        containers: [{ name: 'weave', image: 'weaveworks/weave-kube:2.8.1' }],
      },
    },
    ...(o.minReadySeconds !== undefined ? { minReadySeconds: o.minReadySeconds } : {}),
  };
  if (o.strategy !== null) spec.updateStrategy = { type: o.strategy ?? 'RollingUpdate' };
  return {
    apiVersion: o.apiVersion ?? 'apps/v1',
    kind: 'DaemonSet',
    metadata: {
      name: o.name ?? 'weave-net',
      namespace: o.namespace ?? 'kube-system',
      generation: o.generation ?? 1,
      resourceVersion: o.rv ?? '100',
      uid: o.uid ?? 'ds-uid',
      annotations: { 'deprecated.daemonset.template.generation': String(o.generation ?? 1) },
    },
    spec,
    status: {
      observedGeneration: o.observedGeneration ?? o.generation ?? 1,
      desiredNumberScheduled: o.desired ?? 3,
      currentNumberScheduled: o.desired ?? 3,
      updatedNumberScheduled: o.updated ?? o.desired ?? 3,
      numberAvailable: o.available ?? o.desired ?? 3,
      numberReady: o.ready ?? o.available ?? o.desired ?? 3,
    },
  };
}

export function node(name: string, o: { ready?: boolean | 'Unknown'; taints?: unknown[]; labels?: Record<string, string>; unschedulable?: boolean; reason?: string; message?: string } = {}): KubeObject {
  const status = o.ready === undefined || o.ready === true ? 'True' : o.ready === 'Unknown' ? 'Unknown' : 'False';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...(o.labels ?? {}) } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: {
      conditions: [
        {
          type: 'Ready',
          status,
          ...(o.reason ? { reason: o.reason } : {}),
          ...(o.message ? { message: o.message } : {}),
          lastTransitionTime: '2025-01-01T00:00:00Z',
        },
      ],
    },
  };
}

export interface PodOpts {
  node?: string;
  pendingFor?: string;
  generation?: number;
  hash?: string;
  ready?: boolean;
  readySince?: string;
  waiting?: { reason: string; message?: string; restartCount?: number; container?: string; init?: boolean };
  lastExit?: { exitCode: number; reason?: string };
  owner?: string;
  deleting?: boolean;
  phase?: string;
  namespace?: string;
  unschedulable?: string;
}

export function pod(name: string, o: PodOpts = {}): KubeObject {
  const containerStatus = (cname: string, w?: PodOpts['waiting']) => ({
    name: cname,
    restartCount: w?.restartCount ?? 0,
    ready: !w && o.ready !== false,
    state: w ? { waiting: { reason: w.reason, ...(w.message ? { message: w.message } : {}) } } : { running: { startedAt: '2025-01-01T00:00:00Z' } },
    ...(o.lastExit ? { lastState: { terminated: o.lastExit } } : {}),
  });
  const w = o.waiting;
  const conditions: unknown[] = [{ type: 'Ready', status: o.ready === false || w ? 'False' : 'True', lastTransitionTime: o.readySince ?? '2025-01-01T00:00:00Z' }];
  if (o.unschedulable) conditions.push({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: o.unschedulable });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.namespace ?? 'kube-system',
      labels: {
        name: 'weave-net',
        'pod-template-generation': String(o.generation ?? 1),
        ...(o.hash ? { 'controller-revision-hash': o.hash } : {}),
      },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'weave-net', uid: o.owner ?? 'ds-uid', controller: true }],
      ...(o.deleting ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}),
    },
    spec: {
      ...(o.node ? { nodeName: o.node } : {}),
      ...(o.pendingFor
        ? {
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [o.pendingFor] }] }],
                },
              },
            },
          }
        : {}),
      containers: [{ name: 'weave' }, { name: 'weave-npc' }],
    },
    status: {
      phase: o.phase ?? (w && w.init ? 'Pending' : 'Running'),
      conditions,
      ...(w?.init
        ? { initContainerStatuses: [containerStatus(w.container ?? 'weave-init', w)], containerStatuses: [] }
        : {
            containerStatuses: [
              containerStatus('weave', w && (w.container ?? 'weave') === 'weave' ? w : undefined),
              containerStatus('weave-npc', w && w.container === 'weave-npc' ? w : undefined),
            ],
          }),
    },
  };
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
