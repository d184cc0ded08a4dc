/**
 * One in-memory cluster for unit tests: the whole `Cluster` interface (and what KubeCluster adds that
 * the flows use: server, defaultNamespace, warmUp, prefetch, prepareApply, servedVersionsOf, close)
 * over a store in this process, answering as the API server and the cluster layer do:
 *
 * - discovery per Kubernetes version from the simulator's API table (test/sim/src/apis.ts): a kind is
 *   served at the group versions that version serves, and one object is the same object whatever
 *   group version it is read through (a DaemonSet through apps/v1 and extensions/v1beta1);
 * - every write bumps one resourceVersion counter; `metadata.resourceVersion` in a write is a
 *   precondition (409 Conflict when it differs from the stored one; ignored on create, as the
 *   generic registry does); create of an existing object is 409 AlreadyExists;
 * - server-side apply with field managers and 409 apply conflicts (the simulator's field manager,
 *   test/sim/src/fieldmanager.ts); before Kubernetes 1.16, as the cluster layer falls back: create, else
 *   a JSON merge patch; merge, strategic and JSON patches (test/sim/src/patch.ts);
 * - label and field selectors, paged lists with `limit`, and watches from a resourceVersion (410 Gone
 *   for one older than `compact()` kept), live until aborted or `endWatches()`;
 * - errors are the cluster layer's own: `KubeApiError` made by `apiError()` from the Status the API
 *   server would send, `failure()` where the cluster layer refuses before sending;
 * - `forbid()` rules answer 403 and make SelfSubjectAccessReviews deny; `exec` and `logs` are scripted
 *   (`onExec`, `setLogs`); every call is recorded in `calls` ("get apps/v1 DaemonSet kube-system/weave-net");
 * - what a test varies besides: `reportedVersion` (the version string, e.g. "v1.29.2+k3s1"), `unserve()`
 *   (one kind at one group version), `unreachable` (every request fails), and SelfSubjectAccessReviews
 *   (`reviews` recorded, `reviewDenies`, `reviewAnswer`).
 *
 * The rollout and check tests' fakes (test/rollout/fake-cluster.ts, test/check/fake.ts) are this class,
 * extended only where they script (the rollout tests' list/watch of the watched kind).
 *
 * Not modelled: admission, defaulting and validation, controllers (nothing rolls out by itself: a test
 * writes the status it wants with `put`), graceful deletion (a delete removes at once; deleting a
 * Namespace removes what is in it).
 */
import type { Duplex } from 'node:stream';
import { apiError, KubeApiError, type RequestDescription } from '../../src/cluster/status-errors.js';
import type {
  ApplyOptions,
  ApplyResult,
  Cluster,
  ExecResult,
  KubeObject,
  ListOptions,
  ListPagesOptions,
  ListResult,
  PatchOptions,
  ResourceRef,
  ServerVersion,
  WatchEvent,
  WatchOptions,
} from '../../src/cluster/types.js';
import { failure } from '../../src/errors.js';
import { ApiSurface, parseK8sVersion, type ResourceDef } from '../sim/src/apis.js';
import { ApiError, errors } from '../sim/src/errors.js';
import { managedFieldsAfterUpdate, serverSideApply, type ManagerInfo } from '../sim/src/fieldmanager.js';
import { clone, deepEqual, jsonPatch, mergePatch, PatchError, strategicMergePatch } from '../sim/src/patch.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from '../sim/src/selectors.js';
import type { Obj } from '../sim/src/types.js';

/** Which requests a rule matches; an absent field matches any. */
export interface RequestMatch {
  verb?: string;
  kind?: string;
  namespace?: string;
  name?: string;
}

/** Which SelfSubjectAccessReviews deny, by their resourceAttributes; an absent field matches any. */
export interface ReviewDeny {
  verb?: string;
  group?: string;
  /** "nodes", or "nodes/status" for a subresource. */
  resource?: string;
  namespace?: string;
}

export type ExecScript = (pod: KubeObject, container: string, command: string[], opts: { timeoutMs?: number }) => ExecResult | Promise<ExecResult>;

interface Resolved {
  def: ResourceDef;
  group: string;
  gv: string;
}

interface StoredEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  store: string;
  object: Obj;
}

interface LiveWatch {
  store: string;
  push: (e: StoredEvent) => void;
  end: () => void;
}

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export class MemoryCluster implements Cluster {
  readonly server = 'https://memory.cluster.invalid';
  readonly defaultNamespace: string;
  readonly k8s: { major: number; minor: number; patch: number; gitVersion: string };
  private readonly surface: ApiSurface;
  private readonly store = new Map<string, Obj>();
  private rv = 1000;
  private uid = 0;
  private events: StoredEvent[] = [];
  /** The oldest resourceVersion a watch may start from (compact() moves it). */
  private oldestWatchable = 0;
  private readonly live = new Set<LiveWatch>();
  private readonly forbidden: RequestMatch[] = [];
  private readonly failures: { match: RequestMatch; error: () => unknown; times: number }[] = [];
  private execScript: ExecScript | undefined;
  private readonly logTexts = new Map<string, string>();
  private readonly unserved = new Set<string>();
  /** Every call, in order: "get apps/v1 DaemonSet kube-system/weave-net", "list v1 Pod kube-system name=weave-net". */
  readonly calls: string[] = [];
  /**
   * The gitVersion `version()` answers when it is not the served API's (a distribution's "v1.29.2+k3s1",
   * or a version older than the API table knows, such as "v1.5.8"); what is served stays `k8s`'s.
   */
  reportedVersion: string | undefined;
  /** When set, every request (not discovery: serves, servedVersionsOf) fails with this error, e.g. a NetworkError: nothing answers. */
  unreachable: Error | undefined;
  /** Every SelfSubjectAccessReview asked, as its apiVersion and resourceAttributes. */
  reviews: Record<string, unknown>[] = [];
  /** SelfSubjectAccessReviews matching one of these deny (as well as those a forbid() rule matches). */
  reviewDenies: ReviewDeny[] = [];
  /** When set, answers SelfSubjectAccessReviews instead of the rules (e.g. an answer without status, or a throw). */
  reviewAnswer: ((obj: KubeObject) => KubeObject) | undefined;

  constructor(opts: { k8sVersion?: string; defaultNamespace?: string; objects?: readonly KubeObject[] } = {}) {
    this.k8s = parseK8sVersion(opts.k8sVersion ?? '1.29.2');
    this.surface = new ApiSurface(this.k8s);
    this.defaultNamespace = opts.defaultNamespace ?? 'default';
    for (const ns of SYSTEM_NAMESPACES) this.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (const o of opts.objects ?? []) this.put(o);
  }

  // ---- test set-up and inspection (not part of Cluster) ------------------------------------------

  /**
   * Stores an object as given (status included), creating or replacing it, with a new resourceVersion;
   * a namespaced object without a namespace goes to the default one. Returns the stored object.
   */
  put(o: KubeObject): KubeObject {
    const r = this.resolveOrThrow(String(o.apiVersion), String(o.kind));
    const ns = r.def.namespaced ? o.metadata.namespace || this.defaultNamespace : undefined;
    const key = this.key(r.def, ns, o.metadata.name);
    const old = this.store.get(key);
    const md: Obj = { ...clone(o.metadata), ...(ns ? { namespace: ns } : {}) };
    if (!r.def.namespaced) delete md['namespace'];
    md['uid'] ??= old?.['metadata']?.['uid'] ?? this.newUid();
    md['creationTimestamp'] ??= old?.['metadata']?.['creationTimestamp'] ?? '2026-01-01T00:00:00Z';
    if (r.def.generation) md['generation'] ??= 1;
    const obj: Obj = { ...clone(o), apiVersion: r.gv, kind: r.def.kind, metadata: md };
    return this.commit(r.def, key, obj, old ? 'MODIFIED' : 'ADDED') as KubeObject;
  }

  /** The stored object (through any group version serving it), or undefined; not recorded in `calls`. */
  peek(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const r = this.resolve(apiVersion, kind);
    if (!r) return undefined;
    const o = this.store.get(this.key(r.def, r.def.namespaced ? namespace || this.defaultNamespace : undefined, name));
    return o ? (this.present(o, r) as KubeObject) : undefined;
  }

  /** Every stored object of a kind (any namespace), sorted by namespace and name. */
  all(apiVersion: string, kind: string): KubeObject[] {
    const r = this.resolveOrThrow(apiVersion, kind);
    return this.objectsOf(r.def, undefined).map((o) => this.present(o, r) as KubeObject);
  }

  /** The whole store as "store/namespace/name@resourceVersion" keys: equal before and after means nothing was written. */
  snapshot(): string[] {
    return [...this.store.entries()].map(([k, o]) => `${k}@${String(o['metadata']['resourceVersion'])}`).sort();
  }

  /** The current resourceVersion of the store (the last write's). */
  get resourceVersion(): string {
    return String(this.rv);
  }

  /** Discovery no longer lists `kind` in `apiVersion` (as a cluster that turned a group version off). */
  unserve(apiVersion: string, kind: string): this {
    this.unserved.add(`${apiVersion}/${kind}`);
    return this;
  }

  /** Requests matching `m` are answered 403 Forbidden (and SelfSubjectAccessReviews for them deny). */
  forbid(m: RequestMatch): this {
    this.forbidden.push(m);
    return this;
  }

  /** The next `times` requests matching `m` throw `error()` (e.g. a KubeApiError from `apiStatusError`). */
  failNext(m: RequestMatch, error: () => unknown, times = 1): this {
    this.failures.push({ match: m, error, times });
    return this;
  }

  /** What `exec` answers (by default, exec fails: nothing runs in memory). */
  onExec(script: ExecScript): this {
    this.execScript = script;
    return this;
  }

  /** What `logs` answers for one container (previous: the last terminated run). */
  setLogs(pod: { namespace: string; name: string }, container: string, text: string, opts: { previous?: boolean } = {}): this {
    this.logTexts.set(`${pod.namespace}/${pod.name}/${container}/${opts.previous ? 'previous' : 'current'}`, text);
    return this;
  }

  /** Forgets the events before now: a watch from an older resourceVersion gets 410 Gone, as after etcd compaction. */
  compact(): void {
    this.events = [];
    this.oldestWatchable = this.rv;
  }

  /** Ends every open watch stream (as the API server does at its timeout); the watchers decide whether to resume. */
  endWatches(): void {
    for (const w of [...this.live]) w.end();
  }

  // ---- what KubeCluster adds that the flows use --------------------------------------------------

  /** Hints to read ahead: nothing to do in memory. */
  warmUp(): void {}
  prefetch(_refs: readonly (ResourceRef & { name: string })[]): void {}
  prepareApply(_objects: readonly KubeObject[]): void {}
  close(): void {
    this.endWatches();
  }

  async servedVersionsOf(kind: string): Promise<string[]> {
    return this.surface.versions.filter((v) => v.resources.some((r) => r.kind === kind) && !this.unserved.has(`${v.groupVersion}/${kind}`)).map((v) => v.groupVersion);
  }

  // ---- Cluster ------------------------------------------------------------------------------------

  async version(): Promise<ServerVersion> {
    this.calls.push('version');
    this.fault({ verb: 'get', kind: '', name: '' }, { verb: 'get', label: 'GET /version' });
    if (this.reportedVersion !== undefined) {
      const m = /^v?(\d+)\.(\d+)/.exec(this.reportedVersion);
      if (!m) throw new Error(`reportedVersion "${this.reportedVersion}" is not vMAJOR.MINOR...`);
      return { major: m[1]!, minor: m[2]!, gitVersion: this.reportedVersion };
    }
    return { major: String(this.k8s.major), minor: String(this.k8s.minor), gitVersion: this.k8s.gitVersion };
  }

  async serves(apiVersion: string, kind: string): Promise<boolean> {
    return this.resolve(apiVersion, kind) !== undefined;
  }

  async get<T extends KubeObject = KubeObject>(ref: ResourceRef & { name: string }): Promise<T | undefined> {
    const r = await this.require(ref.apiVersion, ref.kind);
    const ns = this.namespaceOf(r.def, ref.namespace);
    this.calls.push(`get ${ref.apiVersion} ${ref.kind} ${ns ? `${ns}/` : ''}${ref.name}`);
    this.fault({ verb: 'get', kind: ref.kind, namespace: ns, name: ref.name }, this.desc('get', r, ns, ref.name));
    const o = this.store.get(this.key(r.def, ns, ref.name));
    return o ? (this.present(o, r) as T) : undefined;
  }

  async list<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: ListOptions = {}): Promise<ListResult<T>> {
    const items: T[] = [];
    const { resourceVersion } = await this.listPages<T>(ref, { ...opts, pageSize: opts.limit ?? 500 }, (page) => {
      items.push(...page);
    });
    return { items, resourceVersion };
  }

  async listPages<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: ListPagesOptions, onPage: (items: T[]) => void | Promise<void>): Promise<{ resourceVersion: string }> {
    const r = await this.require(ref.apiVersion, ref.kind);
    const ns = r.def.namespaced ? ref.namespace : undefined;
    const sel = [opts.labelSelector, opts.fieldSelector].filter(Boolean).join(' ');
    this.calls.push(`list ${ref.apiVersion} ${ref.kind} ${ns ?? '*'}${sel ? ` ${sel}` : ''}`);
    this.fault({ verb: 'list', kind: ref.kind, namespace: ns }, this.desc('list', r, ns));
    const matching = this.select(r, ns, opts).map((o) => this.present(o, r) as T);
    const size = Math.max(1, opts.pageSize ?? opts.limit ?? 500);
    const rv = String(this.rv);
    let i = 0;
    do {
      await onPage(matching.slice(i, i + size));
      i += size;
    } while (i < matching.length);
    return { resourceVersion: rv };
  }

  async watch<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: WatchOptions, onEvent: (e: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
    const r = await this.require(ref.apiVersion, ref.kind);
    const ns = r.def.namespaced ? ref.namespace : undefined;
    this.calls.push(`watch ${ref.apiVersion} ${ref.kind} ${ns ?? '*'}${ref.name ? `/${ref.name}` : ''} from ${opts.resourceVersion ?? '(now)'}`);
    this.fault({ verb: 'watch', kind: ref.kind, namespace: ns, name: ref.name }, this.desc('watch', r, ns, ref.name));
    const fieldSelector = ref.name && !opts.fieldSelector ? `metadata.name=${ref.name}` : opts.fieldSelector;
    const o = { ...opts, ...(fieldSelector ? { fieldSelector } : {}) };
    const wanted = (obj: Obj) => this.matches(r, ns, o, obj);
    const send = (type: StoredEvent['type'], obj: Obj) => onEvent({ type, object: this.present(obj, r) as T });
    const from = opts.resourceVersion === undefined || opts.resourceVersion === '' ? undefined : Number(opts.resourceVersion);
    if (from !== undefined && from < this.oldestWatchable) {
      onEvent({ type: 'ERROR', object: { kind: 'Status', status: 'Failure', message: `too old resource version: ${from} (${this.oldestWatchable})`, reason: 'Expired', code: 410 } });
      return;
    }
    if (from === undefined) {
      for (const obj of this.select(r, ns, o)) send('ADDED', obj);
    } else {
      for (const e of this.events) if (e.rv > from && e.store === r.def.store && wanted(e.object)) send(e.type, e.object);
    }
    if (signal.aborted) return;
    await new Promise<void>((resolve) => {
      const w: LiveWatch = {
        store: r.def.store,
        push: (e) => {
          if (wanted(e.object)) send(e.type, e.object);
        },
        end: () => {
          this.live.delete(w);
          signal.removeEventListener('abort', w.end);
          resolve();
        },
      };
      this.live.add(w);
      signal.addEventListener('abort', w.end, { once: true });
    });
  }

  async apply(obj: KubeObject, opts: ApplyOptions): Promise<{ object: KubeObject; result: ApplyResult }> {
    const name = obj?.metadata?.name;
    if (!obj || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string' || typeof name !== 'string' || name === '') {
      throw failure(`cannot apply an object without apiVersion, kind and metadata.name${obj?.kind ? ` (kind ${String(obj.kind)})` : ''}`);
    }
    if (!opts.fieldManager) throw failure('server-side apply needs a field manager name');
    const r = await this.require(obj.apiVersion, obj.kind);
    if (opts.dryRun) this.requireServerDryRun();
    const ns = this.namespaceOf(r.def, obj.metadata.namespace);
    this.calls.push(`apply ${obj.apiVersion} ${obj.kind} ${ns ? `${ns}/` : ''}${name}${opts.dryRun ? ' (dry run)' : ''}`);
    const desc = this.desc('patch', r, ns, name);
    this.fault({ verb: 'patch', kind: obj.kind, namespace: ns, name }, desc);
    const key = this.key(r.def, ns, name);
    const old = this.store.get(key);
    const { resourceVersion: want, ...meta } = obj.metadata;
    const config: Obj = { ...clone(obj), metadata: { ...clone(meta), name, ...(ns ? { namespace: ns } : {}) } };
    if (!r.def.namespaced) delete config['metadata']['namespace'];
    return this.answer(desc, () => {
      if (old && want !== undefined && want !== '' && String(want) !== old['metadata']['resourceVersion']) throw errors.conflict(r.group, r.def.name, name);
      if (!old) this.requireNamespace(r, ns);
      let next: Obj;
      if (this.k8s.minor < 16) {
        // the cluster layer's fallback without server-side apply: create, else a JSON merge patch
        next = old ? (mergePatch(clone(old), config) as Obj) : config;
      } else {
        const info: ManagerInfo = { manager: opts.fieldManager, operation: 'Apply', apiVersion: r.gv };
        const live = old ? clone(old) : undefined;
        try {
          next = serverSideApply(r.def.kind, live, config, info, Boolean(opts.force));
        } catch (err) {
          // conflicts only with this manager's own Update entry are no takeover (as KubeCluster.apply)
          if (!(err instanceof ApiError) || err.code !== 409 || !ownConflictOnly(err, opts.fieldManager)) throw err;
          next = serverSideApply(r.def.kind, live, config, info, true);
        }
      }
      const stored = this.write(r, key, old, next, Boolean(opts.dryRun));
      const result: ApplyResult = !old ? 'created' : comparable(old) === comparable(stored) ? 'unchanged' : 'configured';
      return { object: this.present(stored, r) as KubeObject, result };
    });
  }

  async create(obj: Omit<KubeObject, 'metadata'> & { metadata?: Partial<KubeObject['metadata']> }, opts: { dryRun?: boolean; fieldManager?: string } = {}): Promise<KubeObject> {
    const r = await this.require(String(obj.apiVersion), String(obj.kind));
    if (opts.dryRun) this.requireServerDryRun();
    const name = typeof obj.metadata?.name === 'string' ? obj.metadata.name : undefined;
    const ns = r.def.namespaced ? (obj.metadata?.namespace as string | undefined) || this.defaultNamespace : undefined;
    this.calls.push(`create ${String(obj.apiVersion)} ${String(obj.kind)} ${ns ? `${ns}/` : ''}${name ?? ''}`);
    const desc = this.desc('create', r, ns, name);
    this.fault({ verb: 'create', kind: String(obj.kind), namespace: ns, ...(name ? { name } : {}) }, desc);
    if (r.def.kind === 'SelfSubjectAccessReview') return this.review(obj as KubeObject);
    return this.answer(desc, () => {
      if (!name) throw errors.badRequest('name or generateName is required');
      const key = this.key(r.def, ns, name);
      if (this.store.has(key)) throw errors.alreadyExists(r.group, r.def.name, name);
      this.requireNamespace(r, ns);
      const { resourceVersion: _ignored, ...meta } = obj.metadata ?? {};
      const next: Obj = { ...clone(obj), metadata: { ...clone(meta), name, ...(ns ? { namespace: ns } : {}) } };
      return this.present(this.write(r, key, undefined, next, Boolean(opts.dryRun), opts.fieldManager), r) as KubeObject;
    });
  }

  async delete(ref: ResourceRef & { name: string }, opts: { dryRun?: boolean } = {}): Promise<boolean> {
    const r = await this.require(ref.apiVersion, ref.kind);
    if (opts.dryRun) this.requireServerDryRun();
    const ns = this.namespaceOf(r.def, ref.namespace);
    this.calls.push(`delete ${ref.apiVersion} ${ref.kind} ${ns ? `${ns}/` : ''}${ref.name}${opts.dryRun ? ' (dry run)' : ''}`);
    this.fault({ verb: 'delete', kind: ref.kind, namespace: ns, name: ref.name }, this.desc('delete', r, ns, ref.name));
    const key = this.key(r.def, ns, ref.name);
    const old = this.store.get(key);
    if (!old) return false;
    if (opts.dryRun) return true;
    this.remove(r.def.store, key, old);
    if (r.def.kind === 'Namespace') {
      for (const [k, o] of [...this.store.entries()]) if (o['metadata']['namespace'] === ref.name) this.remove(k.split('/')[0]!, k, o);
    }
    return true;
  }

  async patch(ref: ResourceRef & { name: string }, body: unknown, opts: PatchOptions): Promise<KubeObject> {
    if (opts.type !== 'merge' && opts.type !== 'strategic' && opts.type !== 'json') throw failure(`unknown patch type "${String(opts?.type)}": use merge, strategic or json`);
    if (opts.type === 'json' ? !Array.isArray(body) : !body || typeof body !== 'object' || Array.isArray(body)) {
      throw failure(`a ${opts.type} patch of ${ref.kind} ${ref.name} must be ${opts.type === 'json' ? 'an array of operations' : 'an object'}`);
    }
    if (!ref.name) throw failure(`cannot patch a ${ref.kind} without a name`);
    const r = await this.require(ref.apiVersion, ref.kind);
    if (opts.dryRun) this.requireServerDryRun();
    const ns = this.namespaceOf(r.def, ref.namespace);
    this.calls.push(`patch ${ref.apiVersion} ${ref.kind} ${ns ? `${ns}/` : ''}${ref.name} (${opts.type})`);
    const desc = this.desc('patch', r, ns, ref.name);
    this.fault({ verb: 'patch', kind: ref.kind, namespace: ns, name: ref.name }, desc);
    const key = this.key(r.def, ns, ref.name);
    return this.answer(desc, () => {
      const old = this.store.get(key);
      if (!old) throw errors.notFound(r.group, r.def.name, ref.name);
      const base = this.present(old, r);
      let next: Obj;
      try {
        next =
          opts.type === 'merge' ? (mergePatch(base, body) as Obj) : opts.type === 'strategic' ? strategicMergePatch(r.def.kind, base, body as Obj) : (jsonPatch(base, body) as Obj);
      } catch (err) {
        if (err instanceof PatchError) throw errors.badRequest(err.message);
        throw err;
      }
      // a patch that sets metadata.resourceVersion makes it a precondition; otherwise the live one is kept
      const want = next['metadata']?.['resourceVersion'];
      if (want !== undefined && want !== '' && String(want) !== old['metadata']['resourceVersion']) throw errors.conflict(r.group, r.def.name, ref.name);
      return this.present(this.write(r, key, old, next, Boolean(opts.dryRun), opts.fieldManager ?? 'memory-cluster'), r) as KubeObject;
    });
  }

  async exec(pod: { namespace: string; name: string }, container: string, command: string[], opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
    this.calls.push(`exec ${pod.namespace}/${pod.name} ${container} ${command.join(' ')}`);
    const r = this.resolveOrThrow('v1', 'Pod');
    const desc: RequestDescription = { verb: 'create', resource: 'pods/exec', group: '', namespace: pod.namespace, name: pod.name };
    this.fault({ verb: 'create', kind: 'Pod', namespace: pod.namespace, name: pod.name }, desc);
    const stored = this.store.get(this.key(r.def, pod.namespace, pod.name));
    if (!stored) throw this.kubeError(errors.notFound('', 'pods', pod.name), desc);
    if (!this.execScript) throw failure(`exec in pod ${pod.namespace}/${pod.name}: the memory cluster runs nothing (give it an onExec script)`);
    return this.execScript(this.present(stored, r) as KubeObject, container, command, opts);
  }

  /** pods/portforward: the pod must exist; nothing listens in memory (the simulator, test/sim, forwards for real). */
  async portForward(pod: { namespace: string; name: string }, port: number): Promise<Duplex> {
    this.calls.push(`portforward ${pod.namespace}/${pod.name} ${port}`);
    const r = this.resolveOrThrow('v1', 'Pod');
    const desc: RequestDescription = { verb: 'create', resource: 'pods/portforward', group: '', namespace: pod.namespace, name: pod.name };
    this.fault({ verb: 'create', kind: 'Pod', namespace: pod.namespace, name: pod.name }, desc);
    if (!this.store.has(this.key(r.def, pod.namespace, pod.name))) throw this.kubeError(errors.notFound('', 'pods', pod.name), desc);
    throw failure(`port-forward to pod ${pod.namespace}/${pod.name}: the memory cluster forwards nothing (use the simulator)`);
  }

  async logs(pod: { namespace: string; name: string }, container: string, opts: { tailLines?: number; previous?: boolean } = {}): Promise<string> {
    this.calls.push(`logs ${pod.namespace}/${pod.name} ${container}${opts.previous ? ' --previous' : ''}${opts.tailLines !== undefined ? ` --tail=${opts.tailLines}` : ''}`);
    const desc: RequestDescription = { verb: 'get', resource: 'pods/log', group: '', namespace: pod.namespace, name: pod.name };
    this.fault({ verb: 'get', kind: 'Pod', namespace: pod.namespace, name: pod.name }, desc);
    const r = this.resolveOrThrow('v1', 'Pod');
    if (!this.store.has(this.key(r.def, pod.namespace, pod.name))) throw this.kubeError(errors.notFound('', 'pods', pod.name), desc);
    const text = this.logTexts.get(`${pod.namespace}/${pod.name}/${container}/${opts.previous ? 'previous' : 'current'}`);
    if (text === undefined) {
      if (opts.previous) throw this.kubeError(errors.badRequest(`previous terminated container "${container}" in pod "${pod.name}" not found`), desc);
      return '';
    }
    if (opts.tailLines === undefined) return text;
    const lines = text.replace(/\n$/, '').split('\n');
    return `${lines.slice(-opts.tailLines).join('\n')}\n`;
  }

  // ---- inside --------------------------------------------------------------------------------------

  private newUid(): string {
    this.uid++;
    return `00000000-0000-4000-8000-${String(this.uid).padStart(12, '0')}`;
  }

  private resolve(apiVersion: string, kind: string): Resolved | undefined {
    if (this.unserved.has(`${apiVersion}/${kind}`)) return undefined;
    const def = this.surface.resourceForKind(apiVersion, kind);
    if (!def) return undefined;
    const slash = apiVersion.lastIndexOf('/');
    return { def, group: slash < 0 ? '' : apiVersion.slice(0, slash), gv: apiVersion };
  }

  private resolveOrThrow(apiVersion: string, kind: string): Resolved {
    const r = this.resolve(apiVersion, kind);
    if (!r) throw new Error(`Kubernetes ${this.k8s.gitVersion} does not serve ${kind} in ${apiVersion}`);
    return r;
  }

  /** As the cluster layer's discovery.require: a kind that is not served fails before any request. */
  private async require(apiVersion: string, kind: string): Promise<Resolved> {
    const r = this.resolve(apiVersion, kind);
    if (r) return r;
    const others = await this.servedVersionsOf(kind);
    throw failure(
      `the cluster does not serve ${kind} in ${apiVersion}${others.length ? ` (it serves ${kind} in ${others.join(', ')})` : ''}`,
      others.length ? 'the manifest was written for another Kubernetes version: pick the flavour for this cluster' : undefined,
    );
  }

  private requireServerDryRun(): void {
    if (this.k8s.minor < 13) throw failure(`server-side dry-run needs Kubernetes 1.13 or newer; the cluster runs ${this.k8s.gitVersion}`, 'use --dry-run=client');
  }

  private namespaceOf(def: ResourceDef, ns: string | undefined): string | undefined {
    return def.namespaced ? ns || this.defaultNamespace : undefined;
  }

  private key(def: ResourceDef, ns: string | undefined, name: string): string {
    return `${def.store}/${ns ?? ''}/${name}`;
  }

  private desc(verb: string, r: Resolved, ns: string | undefined, name?: string): RequestDescription {
    return { verb, resource: r.def.name, group: r.group, ...(ns ? { namespace: ns } : {}), ...(name ? { name } : {}) };
  }

  /** The object as read through `r`'s group version. */
  private present(o: Obj, r: Resolved): Obj {
    return { ...clone(o), apiVersion: r.gv, kind: r.def.kind };
  }

  private objectsOf(def: ResourceDef, ns: string | undefined): Obj[] {
    const prefix = `${def.store}/`;
    const out: Obj[] = [];
    for (const [k, o] of this.store) if (k.startsWith(prefix) && (ns === undefined || o['metadata']['namespace'] === ns)) out.push(o);
    const by = (o: Obj) => `${String(o['metadata']['namespace'] ?? '')}/${String(o['metadata']['name'])}`;
    return out.sort((a, b) => (by(a) < by(b) ? -1 : by(a) > by(b) ? 1 : 0));
  }

  private matches(r: Resolved, ns: string | undefined, opts: ListOptions, o: Obj): boolean {
    if (ns !== undefined && o['metadata']['namespace'] !== ns) return false;
    if (opts.labelSelector && !matchesLabels(parseLabelSelector(opts.labelSelector), o['metadata']['labels'])) return false;
    if (opts.fieldSelector && !matchesFields(parseFieldSelector(opts.fieldSelector, r.def.kind), o)) return false;
    return true;
  }

  private select(r: Resolved, ns: string | undefined, opts: ListOptions): Obj[] {
    // a selector the API server would refuse is a 400, as there
    try {
      if (opts.labelSelector) parseLabelSelector(opts.labelSelector);
      if (opts.fieldSelector) parseFieldSelector(opts.fieldSelector, r.def.kind);
    } catch (err) {
      if (err instanceof ApiError) throw this.kubeError(err, this.desc('list', r, ns));
      throw err;
    }
    return this.objectsOf(r.def, ns).filter((o) => this.matches(r, ns, opts, o));
  }

  private requireNamespace(r: Resolved, ns: string | undefined): void {
    if (ns === undefined || r.def.kind === 'Namespace') return;
    if (!this.store.has(`namespaces//${ns}`)) throw errors.notFound('', 'namespaces', ns);
  }

  /**
   * Stores `next` (a create when `old` is undefined), keeping what the server keeps (uid, creation
   * time, the status of a kind with a status subresource) and bumping generation on a spec change.
   * A dry run stores nothing and returns what would be stored.
   */
  private write(r: Resolved, key: string, old: Obj | undefined, next: Obj, dryRun: boolean, updateManager?: string): Obj {
    const md: Obj = { ...(next['metadata'] ?? {}) };
    if (old) {
      for (const k of ['uid', 'creationTimestamp', 'namespace', 'name']) if (old['metadata'][k] !== undefined) md[k] = old['metadata'][k];
      if (r.def.generation) md['generation'] = Number(old['metadata']['generation'] ?? 1) + (deepEqual(old['spec'], next['spec']) ? 0 : 1);
      md['resourceVersion'] = old['metadata']['resourceVersion'];
    } else {
      md['uid'] = this.newUid();
      md['creationTimestamp'] = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      if (r.def.generation) md['generation'] = 1;
    }
    const obj: Obj = { ...next, apiVersion: r.gv, kind: r.def.kind, metadata: md };
    if (r.def.status) {
      if (old?.['status'] === undefined) delete obj['status'];
      else obj['status'] = clone(old['status']);
    }
    if (updateManager !== undefined) {
      const info: ManagerInfo = { manager: updateManager, operation: 'Update', apiVersion: r.gv };
      const mf = managedFieldsAfterUpdate(r.def.kind, old, obj, info, 'main');
      if (mf.length > 0) md['managedFields'] = mf;
      else delete md['managedFields'];
    }
    if (old && deepEqual(comparableObj(old), comparableObj(obj)) && deepEqual(old['metadata']['managedFields'], md['managedFields'])) return old; // no change: no write
    if (dryRun) return obj;
    return this.commit(r.def, key, obj, old ? 'MODIFIED' : 'ADDED');
  }

  private commit(def: ResourceDef, key: string, obj: Obj, type: 'ADDED' | 'MODIFIED'): Obj {
    this.rv++;
    obj['metadata']['resourceVersion'] = String(this.rv);
    this.store.set(key, obj);
    this.emit({ rv: this.rv, type, store: def.store, object: clone(obj) });
    return clone(obj);
  }

  private remove(store: string, key: string, old: Obj): void {
    this.store.delete(key);
    this.rv++;
    this.emit({ rv: this.rv, type: 'DELETED', store, object: { ...clone(old), metadata: { ...clone(old['metadata']), resourceVersion: String(this.rv) } } });
  }

  private emit(e: StoredEvent): void {
    this.events.push(e);
    for (const w of [...this.live]) if (w.store === e.store) w.push(e);
  }

  /** Runs a write; an ApiError from the store becomes the cluster layer's KubeApiError. */
  private answer<T>(desc: RequestDescription, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ApiError) throw this.kubeError(err, desc);
      throw err;
    }
  }

  private kubeError(err: ApiError, desc: RequestDescription): Error {
    return apiError(err.code, JSON.stringify(err.status()), desc, { server: this.server });
  }

  private matchesRule(m: RequestMatch, req: RequestMatch): boolean {
    return (
      (m.verb === undefined || m.verb === req.verb) &&
      (m.kind === undefined || m.kind === req.kind) &&
      (m.namespace === undefined || m.namespace === req.namespace) &&
      (m.name === undefined || m.name === req.name)
    );
  }

  /** A 403 for a forbidden request, or a scripted failure. */
  private fault(req: RequestMatch, desc: RequestDescription): void {
    if (this.unreachable) throw this.unreachable;
    const f = this.failures.find((x) => x.times > 0 && this.matchesRule(x.match, req));
    if (f) {
      f.times--;
      throw f.error();
    }
    if (req.kind !== '' && this.forbidden.some((m) => this.matchesRule(m, req))) {
      const what = desc.resource ? `${desc.group ? `${desc.resource}.${desc.group}` : desc.resource}${desc.name ? ` "${desc.name}"` : ''}` : 'the request';
      throw this.kubeError(
        new ApiError(403, 'Forbidden', `${what} is forbidden: User "memory" cannot ${req.verb} resource "${desc.resource ?? ''}"${desc.namespace ? ` in the namespace "${desc.namespace}"` : ' at the cluster scope'}`),
        desc,
      );
    }
  }

  /** A SelfSubjectAccessReview: allowed unless a reviewDenies entry or a forbid() rule matches its attributes (or reviewAnswer answers). */
  private review(obj: KubeObject): KubeObject {
    const a = (obj.spec?.resourceAttributes ?? {}) as { verb?: string; group?: string; resource?: string; subresource?: string; namespace?: string; name?: string };
    this.reviews.push({ apiVersion: obj.apiVersion, ...a });
    if (this.reviewAnswer) return this.reviewAnswer(obj);
    const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const deniedByRule = this.reviewDenies.some(
      (d) =>
        (d.verb === undefined || d.verb === a.verb) &&
        (d.group === undefined || d.group === (a.group ?? '')) &&
        (d.resource === undefined || d.resource === resource) &&
        (d.namespace === undefined || d.namespace === a.namespace),
    );
    const kind = this.surface.versions.flatMap((v) => (v.group === (a.group ?? '') ? v.resources : [])).find((r) => r.name === a.resource)?.kind;
    const denied = deniedByRule || this.forbidden.some((m) => this.matchesRule(m, { ...(a.verb ? { verb: a.verb } : {}), ...(kind ? { kind } : {}), ...(a.namespace ? { namespace: a.namespace } : {}), ...(a.name ? { name: a.name } : {}) }));
    return { ...clone(obj), metadata: { name: '' }, status: { allowed: !denied, ...(denied ? { reason: 'memory cluster: denied by a reviewDenies entry or a forbid() rule' } : {}) } };
  }
}

/** A 409 apply conflict whose every conflicting manager is `fieldManager` itself. */
function ownConflictOnly(err: ApiError, fieldManager: string): boolean {
  const causes = ((err.details?.['causes'] ?? []) as { message?: string }[]).map((c) => /conflict with "((?:[^"\\]|\\.)*)"/.exec(c.message ?? '')?.[1]);
  return causes.length > 0 && causes.every((m) => m === fieldManager);
}

/** The object without what every write moves (resourceVersion, managedFields) and without status. */
function comparableObj(o: Obj): Obj {
  const { status: _s, ...rest } = o;
  const { resourceVersion: _rv, managedFields: _mf, ...meta } = (o['metadata'] ?? {}) as Obj;
  return { ...rest, metadata: meta };
}

function comparable(o: Obj): string {
  return JSON.stringify(sortKeys(comparableObj(o)));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

/**
 * An error answer of the API server as a KubeApiError with its Status, the message as given (no
 * cluster-layer wording): for a test that throws it from a scripted call or a check.
 */
export function httpError(code: number, message = `HTTP ${code}`): KubeApiError {
  return new KubeApiError(message, code, { kind: 'Status', status: 'Failure', message, code });
}

/** A KubeApiError as the cluster layer makes it from an API server's Status answer (for failNext). */
export function apiStatusError(code: number, reason: string, message: string, desc: RequestDescription = { verb: 'get' }): Error {
  return apiError(code, JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code }), desc, { server: 'https://memory.cluster.invalid' });
}

