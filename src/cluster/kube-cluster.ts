/**
 * The Cluster implementation over the raw transport. `connect()` is the one factory the CLI
 * loads (by dynamic import) for commands that talk to a cluster.
 */
import type { Duplex } from 'node:stream';
import { failure } from '../errors.js';
import type {
  ApplyOptions,
  ApplyResult,
  ClusterSession,
  ExecOptions,
  ExecResult,
  KubeObject,
  ListOptions,
  ListPagesOptions,
  ListResult,
  PatchOptions,
  PatchType,
  ResourceRef,
  ServerVersion,
  WatchEvent,
  WatchOptions,
} from './types.js';
import { kindResource } from '../kube/kinds.js';
import { Discovery, groupVersionPath, type ResourceInfo } from './discovery.js';
import { execInPod, DEFAULT_EXEC_TIMEOUT_MS } from './exec.js';
import { portForwardToPod, DEFAULT_PORT_FORWARD_TIMEOUT_MS } from './port-forward.js';
import { credentialsFor } from './credentials.js';
import { loadKubeconfig, type KubeconfigOverrides } from './kubeconfig.js';
import { isKubeApiError, isObjectNotFound, parseApplyConflicts, type KubeApiError, type RequestDescription } from './status-errors.js';
import { Transport, type RetryPolicy } from './transport.js';
import { runWatch } from './watch.js';

export interface ConnectOptions {
  /** --kubeconfig */
  kubeconfig?: string;
  /** --context */
  context?: string;
  /** kubectl's --server, --cluster, --user, --token, --as, --certificate-authority, --insecure-skip-tls-verify */
  overrides?: KubeconfigOverrides;
  /** -n/--namespace: the default namespace for namespaced objects that name none. */
  namespace?: string;
  /** Per-request timeout (default 30 s; 0: none of its own); watches use their own timeoutSeconds. */
  requestTimeoutMs?: number;
  /** When the command's --timeout runs out (epoch ms): no request outlives it. */
  deadline?: number;
  /** The --timeout itself, for messages. */
  commandTimeoutMs?: number;
  /** Receives warnings: TLS verification off, API deprecation `Warning:` headers, fallbacks. */
  onWarning?: (message: string) => void;
  /** Retry/backoff of idempotent requests (tests shorten it). */
  retry?: Partial<RetryPolicy>;
  /** Environment (default process.env) and home directory, for kubeconfig discovery. */
  env?: NodeJS.ProcessEnv;
  homeDir?: string;
  userAgent?: string;
}

export interface KubeCluster extends ClusterSession {
  readonly contextName: string;
  /** Plural, scope and verbs of a served kind, or undefined. */
  resourceInfo(apiVersion: string, kind: string): Promise<ResourceInfo | undefined>;
}

/** Builds the client from the kubeconfig. No request is sent until the first call. */
export async function connect(opts: ConnectOptions = {}): Promise<KubeCluster> {
  const loaded = loadKubeconfig({
    kubeconfig: opts.kubeconfig,
    context: opts.context,
    namespace: opts.namespace,
    env: opts.env,
    homeDir: opts.homeDir,
    ...(opts.overrides ? { overrides: opts.overrides } : {}),
  });
  for (const w of loaded.warnings) opts.onWarning?.(w);
  const transport = new Transport(await credentialsFor(loaded), loaded.server, {
    requestTimeoutMs: opts.requestTimeoutMs,
    deadline: opts.deadline,
    commandTimeoutMs: opts.commandTimeoutMs,
    onWarning: opts.onWarning,
    retry: opts.retry,
    userAgent: opts.userAgent,
    contextName: loaded.contextName,
    userName: loaded.userName,
  });
  return new KubeClusterImpl(transport, loaded.contextName, loaded.namespace, opts.onWarning);
}

/** "7+" -> 7 */
export function minorVersion(v: ServerVersion): number {
  const m = /^(\d+)/.exec(v.minor ?? '');
  if (m) return Number(m[1]);
  const g = /^v?\d+\.(\d+)/.exec(v.gitVersion ?? '');
  return g ? Number(g[1]) : NaN;
}

/** JSON with sorted keys, so two objects compare equal whatever their key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * What an apply can change: the object without its status (controllers update it all the time, and
 * every status write bumps the resourceVersion too), resourceVersion and managedFields.
 */
function comparable(o: KubeObject): string {
  const { status: _status, ...rest } = o;
  const { resourceVersion: _rv, managedFields: _mf, ...meta } = o.metadata ?? ({} as KubeObject['metadata']);
  return canonical({ ...rest, metadata: meta });
}

/** A server-side apply conflict whose every conflicting manager is `fieldManager` itself (its Update entry). */
function ownConflictOnly(err: KubeApiError, fieldManager: string): boolean {
  const conflicts = parseApplyConflicts(err.status);
  return conflicts.length > 0 && conflicts.every((c) => c.manager === fieldManager);
}

const SSA_FALLBACK_WARNING =
  'does not support server-side apply: objects are created, or updated with a JSON merge patch (fields removed from the manifest stay in the cluster; conflicts with other field managers are not detected)';

/** Objects per list request: a page of 500 pods is about 2-5 MB of JSON, never the whole cluster at once. */
export const DEFAULT_PAGE_SIZE = 500;

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

interface ListPage<T> {
  items: T[];
  resourceVersion: string;
  continue?: string;
}

function pageSizeOf(n: number | undefined): number {
  if (n === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(n) || n < 1) throw failure(`invalid list page size ${n}: must be a whole number of at least 1`);
  return n;
}

/** "pods in namespace kube-system", "nodes" */
function listLabel(info: ResourceInfo, ns: string | undefined): string {
  const r = info.group ? `${info.plural}.${info.group}` : info.plural;
  return ns ? `${r} in namespace "${ns}"` : r;
}

class KubeClusterImpl implements KubeCluster {
  readonly server: string;
  private readonly discovery: Discovery;
  private versionP?: Promise<ServerVersion>;
  private legacyApply = false;

  constructor(
    private readonly t: Transport,
    readonly contextName: string,
    readonly defaultNamespace: string,
    private readonly onWarning?: (m: string) => void,
  ) {
    this.server = t.server;
    this.discovery = new Discovery(t);
  }

  version(): Promise<ServerVersion> {
    if (!this.versionP) {
      const p = this.t.json<ServerVersion>({ method: 'GET', path: '/version', retry: true, desc: { verb: 'get', label: 'GET /version' } });
      this.versionP = p;
      p.catch(() => {
        if (this.versionP === p) this.versionP = undefined;
      });
    }
    return this.versionP;
  }

  async serves(apiVersion: string, kind: string): Promise<boolean> {
    return (await this.discovery.resolve(apiVersion, kind)) !== undefined;
  }

  servedVersionsOf(kind: string): Promise<string[]> {
    return this.discovery.servedVersionsOf(kind);
  }

  resourceInfo(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    return this.discovery.resolve(apiVersion, kind);
  }

  close(): void {
    this.t.close();
  }

  private path(info: ResourceInfo, namespace: string | undefined, name?: string): string {
    let p = groupVersionPath(info.apiVersion);
    if (info.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
    p += `/${info.plural}`;
    if (name !== undefined) p += `/${encodeURIComponent(name)}`;
    return p;
  }

  private desc(verb: string, info: ResourceInfo, namespace?: string, name?: string): RequestDescription {
    return { verb, resource: info.plural, group: info.group, namespace: info.namespaced ? namespace : undefined, name };
  }

  /** The namespace for one named object: its own, else the default (undefined for cluster-scoped kinds). */
  private objectNamespace(info: ResourceInfo, ns: string | undefined): string | undefined {
    return info.namespaced ? ns || this.defaultNamespace : undefined;
  }

  async get<T extends KubeObject = KubeObject>(ref: ResourceRef & { name: string }): Promise<T | undefined> {
    const ahead = this.prefetched.get(this.refKey(ref));
    return (await (ahead ?? this.read<T>(ref))) as T | undefined;
  }

  /** One object: at its built-in path at once, else where discovery says. */
  private async read<T extends KubeObject>(ref: ResourceRef & { name: string }): Promise<T | undefined> {
    const early = await this.getBuiltin<T>(ref.apiVersion, ref.kind, ref.namespace, ref.name);
    if (early.served) return early.object;
    const info = await this.discovery.require(ref.apiVersion, ref.kind);
    return this.getWith<T>(info, this.objectNamespace(info, ref.namespace), ref.name);
  }

  /**
   * A GET of a kind of the kinds table that does not wait for discovery (src/kube/kinds.ts). `served: false` when
   * the kind is not a built-in one or the server does not serve that group/version: ask discovery then.
   */
  private async getBuiltin<T extends KubeObject>(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<{ served: boolean; object?: T }> {
    const known = kindResource(apiVersion, kind);
    if (!known) return { served: false };
    const info: ResourceInfo = { ...known, verbs: [] };
    const ns = this.objectNamespace(info, namespace);
    try {
      const object = await this.t.json<T>({ method: 'GET', path: this.path(info, ns, name), retry: true, desc: this.desc('get', info, ns, name) });
      // a server that answers some other kind at that path is not serving what was asked for
      return object?.kind === undefined || object.kind === kind ? { served: true, object } : { served: false };
    } catch (err) {
      if (isKubeApiError(err, 404)) return isObjectNotFound(err.status, info.plural, name) ? { served: true } : { served: false };
      throw err;
    }
  }

  private async getWith<T extends KubeObject>(info: ResourceInfo, ns: string | undefined, name: string): Promise<T | undefined> {
    try {
      return await this.t.json<T>({ method: 'GET', path: this.path(info, ns, name), retry: true, desc: this.desc('get', info, ns, name) });
    } catch (err) {
      if (isKubeApiError(err, 404)) return undefined;
      throw err;
    }
  }

  /** One page of a list; items get the apiVersion/kind that list answers leave out (like kubectl fills them in). */
  private async listPage<T extends KubeObject>(info: ResourceInfo, path: string, desc: RequestDescription, opts: ListOptions, limit: number, cont: string | undefined): Promise<ListPage<T>> {
    const page = await this.t.json<{ items?: T[] | null; metadata?: { resourceVersion?: string; continue?: string } }>({
      method: 'GET',
      path,
      query: { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit, continue: cont },
      retry: true,
      desc,
    });
    const items = page.items ?? [];
    for (const item of items) {
      item.apiVersion ??= info.apiVersion;
      item.kind ??= info.kind;
    }
    return { items, resourceVersion: page.metadata?.resourceVersion ?? '', continue: page.metadata?.continue || undefined };
  }

  private async listTarget(ref: ResourceRef): Promise<{ info: ResourceInfo; ns: string | undefined; path: string; desc: RequestDescription }> {
    const info = await this.discovery.require(ref.apiVersion, ref.kind);
    const ns = info.namespaced ? ref.namespace : undefined;
    return { info, ns, path: this.path(info, ns), desc: this.desc('list', info, ns) };
  }

  /**
   * Lists one kind; a namespaced kind without ref.namespace is listed in all namespaces. Reads pages of
   * `limit` objects (default 500) and follows `continue`.
   */
  async list<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: ListOptions = {}): Promise<ListResult<T>> {
    const { info, path, desc } = await this.listTarget(ref);
    const limit = pageSizeOf(opts.limit);
    for (let restart = 0; ; restart++) {
      const items: T[] = [];
      let cont: string | undefined;
      let rv = '';
      try {
        do {
          const page = await this.listPage<T>(info, path, desc, opts, limit, cont);
          for (const item of page.items) items.push(item);
          rv = page.resourceVersion || rv;
          cont = page.continue;
        } while (cont);
        return { items, resourceVersion: rv };
      } catch (err) {
        // The continue token expired between pages: start over once, from a fresh snapshot.
        if (isKubeApiError(err, 410) && cont !== undefined && restart === 0) continue;
        throw err;
      }
    }
  }

  async listPages<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    opts: ListPagesOptions,
    onPage: (items: T[]) => void | Promise<void>,
  ): Promise<{ resourceVersion: string }> {
    const { info, ns, path, desc } = await this.listTarget(ref);
    const limit = pageSizeOf(opts.pageSize ?? opts.limit);
    let cont: string | undefined;
    let rv = '';
    let seen = 0;
    do {
      let page: ListPage<T>;
      try {
        page = await this.listPage<T>(info, path, desc, opts, limit, cont);
      } catch (err) {
        if (isKubeApiError(err, 410) && cont !== undefined) {
          throw failure(
            `list of ${listLabel(info, ns)}: the API server's continue token expired after ${seen} objects were read (the list changed too much, or reading it took too long)`,
            'try again',
            err,
          );
        }
        throw err;
      }
      rv = page.resourceVersion || rv;
      cont = page.continue;
      seen += page.items.length;
      await onPage(page.items);
    } while (cont);
    return { resourceVersion: rv };
  }

  async watch<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    opts: WatchOptions,
    onEvent: (e: WatchEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const info = await this.discovery.require(ref.apiVersion, ref.kind);
    const ns = info.namespaced ? ref.namespace : undefined;
    const o = ref.name && !opts.fieldSelector ? { ...opts, fieldSelector: `metadata.name=${ref.name}` } : opts;
    await runWatch<T>(this.t, this.path(info, ns), this.desc('watch', info, ns, ref.name), o, onEvent, signal);
  }

  private async requireServerDryRun(): Promise<void> {
    const v = await this.version();
    if (minorVersion(v) < 13 && v.major === '1') {
      // Older API servers ignore ?dryRun and would really write.
      throw failure(`server-side dry-run needs Kubernetes 1.13 or newer; the cluster runs ${v.gitVersion}`, 'use --dry-run=client');
    }
  }

  async apply(obj: KubeObject, opts: ApplyOptions): Promise<{ object: KubeObject; result: ApplyResult }> {
    const name = obj?.metadata?.name;
    if (!obj || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string' || typeof name !== 'string' || name === '') {
      throw failure(`cannot apply an object without apiVersion, kind and metadata.name${obj?.kind ? ` (kind ${String(obj.kind)})` : ''}`);
    }
    if (!opts.fieldManager) throw failure('server-side apply needs a field manager name');
    const info = await this.discovery.require(obj.apiVersion, obj.kind);
    if (opts.dryRun) await this.requireServerDryRun();
    const ns = this.objectNamespace(info, obj.metadata.namespace);
    let body: KubeObject = obj;
    if (!info.namespaced && obj.metadata.namespace !== undefined) {
      const { namespace: _ns, ...meta } = obj.metadata;
      body = { ...obj, metadata: meta as KubeObject['metadata'] };
    }
    const key = this.beforeKey(obj);
    const prefetched = this.prefetched.get(key);
    this.prefetched.delete(key);
    const before = await (prefetched ?? this.getWith<KubeObject>(info, ns, name));
    if (this.legacyApply) return this.applyLegacy(info, ns, body, before, opts);
    let res;
    try {
      res = await this.t.send({
        method: 'PATCH',
        path: this.path(info, ns, name),
        query: { fieldManager: opts.fieldManager, force: opts.force ? 'true' : undefined, dryRun: opts.dryRun ? 'All' : undefined },
        body,
        contentType: 'application/apply-patch+yaml',
        retry: true,
        desc: this.desc('patch', info, ns, name),
      });
    } catch (err) {
      if (!opts.force && isKubeApiError(err, 409) && ownConflictOnly(err, opts.fieldManager)) {
        // Fields this field manager wrote itself with an update (a patch), not another tool's: applying
        // over them is no takeover (the Update and Apply entries of one manager are separate owners).
        return this.apply(obj, { ...opts, force: true });
      }
      if (isKubeApiError(err, 415)) {
        if (!this.legacyApply) {
          this.legacyApply = true;
          this.onWarning?.(`the API server ${this.server} ${SSA_FALLBACK_WARNING}`);
        }
        return this.applyLegacy(info, ns, body, before, opts);
      }
      throw err;
    }
    const after = parseObject(res.text, `apply ${info.kind} ${name}`);
    return { object: after, result: this.resultOf(before, after, res.status, opts.dryRun) };
  }

  /** Reads started ahead (prefetch, prepareApply), by refKey; apply() takes its object's out. */
  private readonly prefetched = new Map<string, Promise<KubeObject | undefined>>();

  private refKey(r: { apiVersion: string; kind: string; namespace?: string; name: string }): string {
    return `${r.apiVersion}/${r.kind}/${r.namespace ?? ''}/${r.name}`;
  }

  private beforeKey(o: KubeObject): string {
    return this.refKey({ apiVersion: String(o.apiVersion), kind: String(o.kind), namespace: o.metadata?.namespace, name: String(o.metadata?.name) });
  }

  prefetch(refs: readonly (ResourceRef & { name: string })[]): void {
    for (const r of refs) {
      const key = this.refKey(r);
      if (this.prefetched.has(key)) continue;
      const p = this.read<KubeObject>(r);
      p.catch(() => undefined); // a failure surfaces when get() or apply() awaits it
      this.prefetched.set(key, p);
    }
  }

  warmUp(): void {
    this.version().catch(() => undefined);
    this.discovery.groupVersions().catch(() => undefined);
  }

  /**
   * Starts the GET of every object's current state at once, so that applying them tier by tier
   * costs one round trip per tier instead of two (apply needs the state before to say
   * created / configured / unchanged).
   */
  prepareApply(objects: readonly KubeObject[]): void {
    this.prefetch(
      objects.flatMap((o) =>
        typeof o.metadata?.name === 'string' ? [{ apiVersion: String(o.apiVersion), kind: String(o.kind), namespace: o.metadata.namespace, name: o.metadata.name }] : [],
      ),
    );
  }

  /**
   * created: it did not exist; unchanged: same resourceVersion, or only status/managedFields moved
   * (a controller wrote status between our GET and PATCH); configured: anything else changed.
   */
  private resultOf(before: KubeObject | undefined, after: KubeObject, status: number, dryRun?: boolean): ApplyResult {
    if (!before || status === 201) return 'created';
    if (!dryRun && before.metadata.resourceVersion === after.metadata.resourceVersion) return 'unchanged';
    return comparable(before) === comparable(after) ? 'unchanged' : 'configured';
  }

  /** Servers without server-side apply (< 1.16, or the feature off): create, else JSON merge patch. */
  private async applyLegacy(
    info: ResourceInfo,
    ns: string | undefined,
    body: KubeObject,
    before: KubeObject | undefined,
    opts: ApplyOptions,
  ): Promise<{ object: KubeObject; result: ApplyResult }> {
    const name = body.metadata.name;
    const query = { fieldManager: opts.fieldManager, dryRun: opts.dryRun ? 'All' : undefined };
    // metadata.resourceVersion in the object is a precondition: a create is one by itself (409 when the
    // object exists: then no patch), a merge patch that carries it is refused with 409 on a mismatch.
    const { resourceVersion: precondition, ...meta } = body.metadata;
    if (!before) {
      try {
        const res = await this.t.send({ method: 'POST', path: this.path(info, ns), query, body: { ...body, metadata: meta }, desc: this.desc('create', info, ns, name) });
        return { object: parseObject(res.text, `create ${info.kind} ${name}`), result: 'created' };
      } catch (err) {
        if (!isKubeApiError(err, 409) || precondition) throw err;
        before = await this.getWith<KubeObject>(info, ns, name); // created meanwhile: patch it
        if (!before) throw err;
      }
    }
    const res = await this.t.send({
      method: 'PATCH',
      path: this.path(info, ns, name),
      query,
      body: { ...body, metadata: precondition ? { ...meta, resourceVersion: precondition } : meta },
      contentType: 'application/merge-patch+json',
      retry: true,
      desc: this.desc('patch', info, ns, name),
    });
    const after = parseObject(res.text, `patch ${info.kind} ${name}`);
    return { object: after, result: this.resultOf(before, after, res.status, opts.dryRun) };
  }

  async create(
    obj: Omit<KubeObject, 'metadata'> & { metadata?: Partial<KubeObject['metadata']> },
    opts: { dryRun?: boolean; fieldManager?: string } = {},
  ): Promise<KubeObject> {
    const info = await this.discovery.require(String(obj.apiVersion), String(obj.kind));
    if (opts.dryRun) await this.requireServerDryRun();
    const name = typeof obj.metadata?.name === 'string' ? obj.metadata.name : undefined;
    const ns = info.namespaced ? (obj.metadata?.namespace as string | undefined) || this.defaultNamespace : undefined;
    const res = await this.t.send({
      method: 'POST',
      path: this.path(info, ns),
      query: { fieldManager: opts.fieldManager, dryRun: opts.dryRun ? 'All' : undefined },
      body: obj,
      desc: this.desc('create', info, ns, name),
    });
    const parsed = JSON.parse(res.text) as KubeObject;
    return { ...parsed, metadata: parsed.metadata ?? { name: '' } };
  }

  async delete(ref: ResourceRef & { name: string }, opts: { dryRun?: boolean } = {}): Promise<boolean> {
    const info = await this.discovery.require(ref.apiVersion, ref.kind);
    if (opts.dryRun) await this.requireServerDryRun();
    const ns = this.objectNamespace(info, ref.namespace);
    try {
      await this.t.send({
        method: 'DELETE',
        path: this.path(info, ns, ref.name),
        query: { dryRun: opts.dryRun ? 'All' : undefined },
        body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' },
        // a reset is retried (a second delete answers 404, "already gone"); a 5xx is not
        retry: 'network',
        desc: this.desc('delete', info, ns, ref.name),
      });
      return true;
    } catch (err) {
      if (isKubeApiError(err, 404)) return false;
      throw err;
    }
  }

  async patch(ref: ResourceRef & { name: string }, body: unknown, opts: PatchOptions): Promise<KubeObject> {
    const contentType = PATCH_CONTENT_TYPES[opts?.type];
    if (!contentType) throw failure(`unknown patch type "${String(opts?.type)}": use merge, strategic or json`);
    if (opts.type === 'json' ? !Array.isArray(body) : !body || typeof body !== 'object' || Array.isArray(body)) {
      throw failure(`a ${opts.type} patch of ${ref.kind} ${ref.name} must be ${opts.type === 'json' ? 'an array of operations' : 'an object'}`);
    }
    if (!ref.name) throw failure(`cannot patch a ${ref.kind} without a name`);
    const info = await this.discovery.require(ref.apiVersion, ref.kind);
    if (opts.dryRun) await this.requireServerDryRun();
    const ns = this.objectNamespace(info, ref.namespace);
    const res = await this.t.send({
      method: 'PATCH',
      path: this.path(info, ns, ref.name),
      query: { fieldManager: opts.fieldManager, dryRun: opts.dryRun ? 'All' : undefined },
      body,
      contentType,
      // a merge or strategic patch gives the same object however often it is applied; a JSON patch
      // ("add" to a list, "test") may not
      retry: opts.type !== 'json',
      desc: this.desc('patch', info, ns, ref.name),
    });
    return parseObject(res.text, `patch ${info.kind} ${ref.name}`);
  }

  portForward(pod: { namespace: string; name: string }, port: number, opts: { timeoutMs?: number } = {}): Promise<Duplex> {
    return portForwardToPod(this.t, pod, port, opts.timeoutMs ?? DEFAULT_PORT_FORWARD_TIMEOUT_MS);
  }

  exec(pod: { namespace: string; name: string }, container: string, command: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return execInPod(this.t, pod, container, command, opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS, opts.onStdout);
  }

  async logs(
    pod: { namespace: string; name: string },
    container: string,
    opts: { tailLines?: number; previous?: boolean; sinceSeconds?: number; limitBytes?: number } = {},
  ): Promise<string> {
    const res = await this.t.send({
      method: 'GET',
      path: `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}/log`,
      query: {
        container,
        tailLines: opts.tailLines,
        ...(opts.previous ? { previous: 'true' } : {}),
        ...(opts.sinceSeconds !== undefined ? { sinceSeconds: opts.sinceSeconds } : {}),
        ...(opts.limitBytes !== undefined ? { limitBytes: opts.limitBytes } : {}),
      },
      accept: 'text/plain, */*',
      retry: true,
      desc: { verb: 'get', resource: 'pods/log', group: '', namespace: pod.namespace, name: pod.name },
    });
    return res.text;
  }
}

function parseObject(text: string, what: string): KubeObject {
  try {
    const o = JSON.parse(text) as KubeObject;
    if (o && typeof o === 'object' && o.metadata) return o;
  } catch {
    // fall through
  }
  throw failure(`${what}: the API server's answer is not a Kubernetes object`);
}
