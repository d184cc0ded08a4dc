/**
 * The HTTP front end: routing of API paths, authentication (bearer token), authorization (faults' access rules),
 * injected latency and errors, discovery and OpenAPI documents, watches, Table responses, and the hooks to
 * exec.ts for pods/exec, pods/attach (WebSocket upgrades) and pods/log.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { parse as parseYaml } from 'yaml';
import { aggregatedDiscoveryMediaType, discoveryETag, negotiateDiscovery, R, type ApiSurface, type ResourceDef } from './apis.js';
import { PATCH_CONTENT_TYPES, present, selfLinkOf, type ListQuery, type Target, type WriteOptions } from './apiserver.js';
import type { Core } from './core.js';
import { ApiError, errors } from './errors.js';
import type { PortForwards } from './portforward.js';
import { handleExecUpgrade, handleLogs, type ExecSim } from './exec.js';
import { openApiV3Doc, openApiV3Index } from './openapi.js';
import { isPlainObject } from './patch.js';
import { toTable, wantsTable } from './printers.js';
import { decodeProtobuf } from './protobuf.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, type FieldRequirement } from './selectors.js';
import type { StoreEvent } from './store.js';
import type { Obj } from './types.js';

export interface FrontOptions {
  token?: string;
  forbiddenToken?: string;
  latencyMs: number;
  bookmarkIntervalMs: number;
  /** the object exec.ts gets as ctx.sim */
  execSim: () => ExecSim;
  /** pods/portforward (portforward.ts) */
  portForwards?: PortForwards;
}

/** The user requests run as. */
export const SIM_USER = 'sim-user';
export const FORBIDDEN_USER = 'sim-forbidden';

const MAX_BODY = 16 * 1024 * 1024;

interface Parsed {
  target: Target;
  verb: string;
  watchPath: boolean;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 16777216'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function boolParam(v: string | null): boolean {
  return v === 'true' || v === '1';
}

export class Front {
  readonly server: Server;
  private sockets = new Set<Socket | Duplex>();
  private watchClosers = new Set<() => void>();
  private jsonCache = new WeakMap<Obj, Map<string, string>>();

  constructor(
    private readonly c: Core,
    private readonly o: FrontOptions,
  ) {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    // A simulator a test forgot to stop must not keep the process alive: neither the listener nor its connections
    // hold the event loop (the client side of a request in flight does).
    this.server.unref();
    this.server.on('connection', (s) => {
      s.unref();
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      void this.handleUpgrade(req, socket, head);
    });
  }

  listen(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        const a = this.server.address();
        if (!a || typeof a === 'string') return reject(new Error('no address'));
        resolve(`http://127.0.0.1:${a.port}`);
      });
    });
  }

  /** Closes every watch and connection and the server. */
  close(): Promise<void> {
    for (const c of [...this.watchClosers]) c();
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  get surface(): ApiSurface {
    return this.c.surface;
  }

  // ---------------------------------------------------------------- plumbing

  private send(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.headersSent) {
      res.end();
      return;
    }
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', 'Cache-Control': 'no-cache, private', 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  /**
   * `/api` and `/apis`: the aggregated APIGroupDiscoveryList (1.27+) when the Accept header asks for a version of it
   * the server serves, with the aggregated handler's ETag / Vary / Cache-Control (and 304 for a matching
   * If-None-Match); otherwise the legacy APIVersions / APIGroupList.
   */
  private sendRootDiscovery(req: IncomingMessage, res: ServerResponse, root: 'api' | 'apis', legacy: Obj): void {
    const s = this.c.surface;
    const accept = req.headers['accept'];
    const version = negotiateDiscovery(Array.isArray(accept) ? accept.join(',') : accept, s.aggregatedDiscoveryVersions());
    if (!version) return this.send(res, 200, legacy);
    const text = JSON.stringify(s.aggregatedDiscovery(root, version));
    const etag = discoveryETag(text);
    const headers = { ETag: etag, Vary: 'Accept', 'Cache-Control': 'public' };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': aggregatedDiscoveryMediaType(version), 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  private sendError(res: ServerResponse, e: unknown): void {
    if (e instanceof ApiError) {
      this.send(res, e.code, e.status(), e.headers);
      return;
    }
    const msg = e instanceof Error ? e.message : String(e);
    if (process.env['SIM_DEBUG']) console.error('sim internal error', e);
    this.send(res, 500, errors.internal(msg).status());
  }

  /** The bearer token a request presents (undefined without one: an anonymous request). */
  private bearerToken(req: IncomingMessage): string | undefined {
    const h = req.headers['authorization'];
    const m = typeof h === 'string' ? /^Bearer\s+(.+)$/i.exec(h) : null;
    return m?.[1]?.trim() || undefined;
  }

  /** Who is asking: the user name, or an ApiError (401). */
  private authenticate(req: IncomingMessage): string | ApiError {
    if (!this.o.token && !this.o.forbiddenToken) return SIM_USER;
    const tok = this.bearerToken(req);
    if (tok && this.o.token && tok === this.o.token) return SIM_USER;
    if (tok && this.o.forbiddenToken && tok === this.o.forbiddenToken) return FORBIDDEN_USER;
    return errors.unauthorized();
  }

  private parse(method: string, pathname: string, watchQuery: boolean): Parsed | ApiError | { discovery: Obj; root?: 'api' | 'apis' } {
    const seg = pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
    const s = this.c.surface;
    let gv: string;
    let rest: string[];
    if (seg[0] === 'api') {
      if (seg.length === 1) return { discovery: s.apiVersions(this.serverAddress), root: 'api' };
      gv = seg[1]!;
      rest = seg.slice(2);
    } else if (seg[0] === 'apis') {
      if (seg.length === 1) return { discovery: s.apiGroupList(), root: 'apis' };
      if (seg.length === 2) {
        const g = s.apiGroup(seg[1]!);
        return g ? { discovery: g } : errors.pathNotFound();
      }
      gv = `${seg[1]}/${seg[2]}`;
      rest = seg.slice(3);
    } else return errors.pathNotFound();
    if (!s.gv(gv)) return errors.pathNotFound();
    if (rest.length === 0) return { discovery: s.apiResourceList(gv)! };
    let watchPath = false;
    if (rest[0] === 'watch') {
      watchPath = true;
      rest = rest.slice(1);
    }
    let res: ResourceDef | undefined;
    let namespace: string | undefined;
    let name: string | undefined;
    let sub: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3 && s.resource(gv, rest[2]!)?.namespaced) {
      namespace = rest[1];
      res = s.resource(gv, rest[2]!);
      name = rest[3];
      sub = rest[4];
      if (rest.length > 5) return errors.pathNotFound();
    } else {
      res = s.resource(gv, rest[0]!);
      name = rest[1];
      sub = rest[2];
      if (rest.length > 3) return errors.pathNotFound();
      if (res?.namespaced && name !== undefined) return errors.pathNotFound();
    }
    if (!res) return errors.pathNotFound();
    if (sub !== undefined && !res.subresources?.[sub]) return errors.pathNotFound();
    const group = gv.includes('/') ? gv.slice(0, gv.indexOf('/')) : '';
    const target: Target = { gv, group, res };
    if (namespace !== undefined) target.namespace = namespace;
    if (name !== undefined) target.name = name;
    if (sub !== undefined) target.subresource = sub;
    let verb: string;
    switch (method) {
      case 'GET':
      case 'HEAD':
        verb = watchPath || watchQuery ? 'watch' : name === undefined ? 'list' : 'get';
        break;
      case 'POST':
        verb = 'create';
        if (name !== undefined && sub === undefined) return errors.methodNotAllowed();
        break;
      case 'PUT':
        verb = 'update';
        if (name === undefined) return errors.methodNotAllowed();
        break;
      case 'PATCH':
        verb = 'patch';
        if (name === undefined) return errors.methodNotAllowed();
        break;
      case 'DELETE':
        verb = name === undefined ? 'deletecollection' : 'delete';
        break;
      default:
        return errors.methodNotAllowed();
    }
    const verbs = sub !== undefined ? res.subresources![sub]! : res.verbs;
    const checkVerb = verb === 'watch' && name !== undefined ? 'watch' : verb;
    if (!verbs.includes(checkVerb)) return errors.methodNotAllowed();
    if (res.namespaced && namespace === undefined && (verb === 'create' || verb === 'deletecollection')) return errors.methodNotAllowed();
    return { target, verb, watchPath };
  }

  private serverAddress = '127.0.0.1:0';

  // ---------------------------------------------------------------- requests

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://sim.invalid');
      const method = (req.method ?? 'GET').toUpperCase();
      const path = url.pathname;
      const hostHeader = req.headers.host;
      if (hostHeader) this.serverAddress = hostHeader;
      const latency = this.o.latencyMs + this.c.faults.latencyMs;
      const bodyP = method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'DELETE' ? readBody(req) : Promise.resolve(Buffer.alloc(0));
      if (latency > 0) await sleep(latency);
      const body = await bodyP;

      const user = this.authenticate(req);
      // Anonymous requests may read the version and health (system:public-info-viewer); a token the server does not
      // know is 401 on every path, as the real authentication filter fails the request before authorization.
      const openPath = path === '/version' || path === '/healthz' || path === '/livez' || path === '/readyz' || path === '/version/';
      if (user instanceof ApiError && (!openPath || this.bearerToken(req) !== undefined)) throw user;

      const fault = this.c.faults.takeRequestFault(method, path);
      if (fault) throw fault;

      // non-resource paths
      if (path === '/version' || path === '/version/') return this.send(res, 200, this.c.surface.versionInfo());
      if (path === '/healthz' || path === '/livez' || path === '/readyz') return this.send(res, 200, 'ok');
      if (path === '/openapi/v2' || path === '/swagger-2.0.0.pb-v1') {
        // kubectl reads the v2 document (protobuf) to validate `kind: List` files client-side. An empty message is a
        // valid, empty openapi_v2.Document: no models, so kubectl skips that validation.
        if (/protobuf/.test(String(req.headers['accept'] ?? '')) || path !== '/openapi/v2') {
          res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': 0 });
          res.end();
          return;
        }
        return this.send(res, 200, { swagger: '2.0', info: { title: 'Kubernetes', version: this.c.surface.k8s.gitVersion }, paths: {}, definitions: {} });
      }
      if (path === '/openapi/v3') return this.send(res, 200, openApiV3Index(this.c.surface));
      if (path.startsWith('/openapi/v3/')) {
        const doc = openApiV3Doc(this.c.surface, path.slice('/openapi/v3/'.length));
        if (!doc) throw errors.pathNotFound();
        return this.send(res, 200, doc);
      }

      const watchQuery = boolParam(url.searchParams.get('watch'));
      const p = this.parse(method, path, watchQuery);
      if (p instanceof ApiError) throw p;
      if ('discovery' in p) {
        if (method !== 'GET' && method !== 'HEAD') throw errors.methodNotAllowed();
        if (p.root) return this.sendRootDiscovery(req, res, p.root, p.discovery);
        return this.send(res, 200, p.discovery);
      }
      const { target: t, verb } = p;
      const userName = user instanceof ApiError ? 'system:anonymous' : user;
      this.authorize(userName, verb, t);

      const warning = this.c.surface.warning(t.gv, t.res.kind);
      const headers: Record<string, string> = warning ? { Warning: `299 - "${warning}"` } : {};

      if (t.res.kind === 'SelfSubjectAccessReview') return this.selfSubjectAccessReview(res, t, body, userName);
      if (t.subresource === 'log') {
        const pod = this.c.store.get('pods', t.namespace ?? '', t.name!);
        handleLogs(req, res, { sim: this.o.execSim(), pod });
        return;
      }
      if (t.subresource === 'exec' || t.subresource === 'attach' || t.subresource === 'portforward') {
        throw errors.badRequest('Upgrade request required');
      }
      if (t.subresource === 'scale') return this.scale(req, res, t, method, body, url, headers);
      if (t.subresource !== undefined && t.subresource !== 'status') throw errors.methodNotAllowed();

      switch (verb) {
        case 'get':
          return this.getOne(req, res, t, headers);
        case 'list':
          return this.listMany(req, res, t, url, headers);
        case 'watch':
          return this.watch(res, t, url, headers, wantsTable(String(req.headers['accept'] ?? '')));
        case 'create':
          return this.create(req, res, t, body, url, headers);
        case 'update':
          return this.update(req, res, t, body, url, headers);
        case 'patch':
          return this.patch(req, res, t, body, url, headers);
        case 'delete':
          return this.deleteOne(res, t, body, url, headers);
        case 'deletecollection':
          return this.deleteCollection(res, t, body, url, headers);
      }
      throw errors.methodNotAllowed();
    } catch (e) {
      this.sendError(res, e);
    }
  }

  private authorize(user: string, verb: string, t: Target): void {
    if (user === FORBIDDEN_USER || user === 'system:anonymous' || !this.c.faults.allowed({ user, verb, group: t.group, resource: t.res.name, subresource: t.subresource ?? '', namespace: t.namespace ?? '', name: t.name ?? '' })) {
      throw errors.forbidden(user, verb, t.group, t.res.name, t.subresource ?? '', t.namespace, t.name);
    }
  }

  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const fail = (e: ApiError) => {
      const body = JSON.stringify(e.status());
      socket.end(`HTTP/1.1 ${e.code} ${e.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    try {
      const url = new URL(req.url ?? '/', 'http://sim.invalid');
      const latency = this.o.latencyMs + this.c.faults.latencyMs;
      if (latency > 0) await sleep(latency);
      const user = this.authenticate(req);
      if (user instanceof ApiError) return fail(user);
      const fault = this.c.faults.takeRequestFault(req.method ?? 'GET', url.pathname);
      if (fault) return fail(fault);
      const method = (req.method ?? 'GET').toUpperCase();
      const p = this.parse(method === 'GET' ? 'POST' : method, url.pathname, false);
      if (p instanceof ApiError) return fail(p);
      if ('discovery' in p) return fail(errors.badRequest('Upgrade request not supported here'));
      const t = p.target;
      if (t.res.kind === 'Pod' && t.subresource === 'portforward' && this.o.portForwards) {
        this.authorize(user, 'create', t);
        return this.o.portForwards.handle(req, socket, head, this.c.store.get('pods', t.namespace ?? '', t.name!), t.name!);
      }
      if (t.res.kind !== 'Pod' || (t.subresource !== 'exec' && t.subresource !== 'attach')) return fail(errors.badRequest(`Upgrade request not supported for ${url.pathname}`));
      this.authorize(user, 'create', t);
      const pod = this.c.store.get('pods', t.namespace ?? '', t.name!);
      handleExecUpgrade(req, socket, head, { sim: this.o.execSim(), pod });
    } catch (e) {
      fail(e instanceof ApiError ? e : errors.internal(String(e)));
    }
  }

  private manager(req: IncomingMessage, url: URL): string {
    const fm = url.searchParams.get('fieldManager');
    if (fm) return fm;
    const ua = req.headers['user-agent'];
    const prefix = typeof ua === 'string' ? ua.split('/')[0]! : '';
    return prefix.slice(0, 128) || 'unknown';
  }

  private writeOpts(req: IncomingMessage, url: URL): WriteOptions {
    const dry = url.searchParams.getAll('dryRun');
    for (const d of dry) if (d !== 'All') throw errors.badRequest(`Invalid dry run value: ${d}: supported values: "All"`);
    return { dryRun: dry.length > 0, manager: this.manager(req, url), force: boolParam(url.searchParams.get('force')) };
  }

  private out(t: Target, o: Obj, namespace?: string): Obj {
    return present(o, t.gv, t.res.kind, this.c.surface.k8s.minor, selfLinkOf(t, o['metadata']['name'], namespace ?? o['metadata']['namespace']));
  }

  private decode(req: IncomingMessage, body: Buffer, allowYaml: boolean): unknown {
    const ct = String(req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
    if (ct === 'application/vnd.kubernetes.protobuf') {
      try {
        return decodeProtobuf(body);
      } catch {
        throw errors.unsupportedMediaType(ct, ['application/json', 'application/yaml']);
      }
    }
    if (ct.includes('protobuf') || ct.includes('cbor')) throw errors.unsupportedMediaType(ct, ['application/json', 'application/yaml']);
    const text = body.toString('utf8');
    if (text.trim() === '') throw errors.badRequest('the body of the request was empty');
    try {
      if (allowYaml || ct === 'application/yaml') return parseYaml(text);
      return JSON.parse(text);
    } catch (e) {
      throw errors.badRequest(`error decoding request body: ${(e as Error).message.split('\n')[0]}`);
    }
  }

  private getOne(req: IncomingMessage, res: ServerResponse, t: Target, headers: Record<string, string>): void {
    const o = this.c.api.get(t);
    const accept = String(req.headers['accept'] ?? '');
    if (wantsTable(accept)) {
      return this.send(res, 200, toTable(t, [o], this.c, new URL(req.url ?? '/', 'http://x').searchParams.get('includeObject')), headers);
    }
    this.send(res, 200, this.out(t, o), headers);
  }

  private listQuery(url: URL): ListQuery {
    const limit = url.searchParams.get('limit');
    const q: ListQuery = { labelSelector: url.searchParams.get('labelSelector'), fieldSelector: url.searchParams.get('fieldSelector'), continue: url.searchParams.get('continue') };
    if (limit !== null) {
      const n = Number(limit);
      if (!Number.isInteger(n) || n < 0) throw errors.badRequest(`invalid limit: ${limit}`);
      q.limit = n;
    }
    return q;
  }

  private listMany(req: IncomingMessage, res: ServerResponse, t: Target, url: URL, headers: Record<string, string>): void {
    const rv = url.searchParams.get('resourceVersion');
    if (rv && rv !== '0' && this.c.faults.expireBefore && Number(rv) < this.c.faults.expireBefore && url.searchParams.get('resourceVersionMatch') === 'Exact') {
      throw errors.expired(`too old resource version: ${rv} (${this.c.faults.expireBefore})`);
    }
    const r = this.c.api.list(t, this.listQuery(url));
    const accept = String(req.headers['accept'] ?? '');
    if (wantsTable(accept)) {
      const table = toTable(t, r.items, this.c, url.searchParams.get('includeObject'));
      table['metadata'] = { resourceVersion: r.resourceVersion, ...(r.continue ? { continue: r.continue } : {}), ...(r.remainingItemCount !== undefined ? { remainingItemCount: r.remainingItemCount } : {}) };
      return this.send(res, 200, table, headers);
    }
    const minor = this.c.surface.k8s.minor;
    const metadata: Obj = { resourceVersion: r.resourceVersion };
    if (minor < 20) metadata['selfLink'] = url.pathname;
    if (r.continue) metadata['continue'] = r.continue;
    if (r.remainingItemCount !== undefined) metadata['remainingItemCount'] = r.remainingItemCount;
    const items = r.items.map((o) => {
      const { apiVersion: _a, kind: _k, ...rest } = o;
      if (minor < 20) rest['metadata'] = { ...rest['metadata'], selfLink: selfLinkOf(t, o['metadata']['name'], o['metadata']['namespace']) };
      if (t.gv !== 'extensions/v1beta1' && t.res.kind === 'DaemonSet' && isPlainObject(rest['spec']) && 'templateGeneration' in rest['spec']) {
        const { templateGeneration: _tg, ...spec } = rest['spec'];
        rest['spec'] = spec;
      }
      return rest;
    });
    this.send(res, 200, { kind: `${t.res.kind}List`, apiVersion: t.gv, metadata, items }, headers);
  }

  private create(req: IncomingMessage, res: ServerResponse, t: Target, body: Buffer, url: URL, headers: Record<string, string>): void {
    const obj = this.decode(req, body, false);
    const created = this.c.api.create(t, obj, this.writeOpts(req, url));
    this.send(res, 201, this.out(t, created), headers);
  }

  private update(req: IncomingMessage, res: ServerResponse, t: Target, body: Buffer, url: URL, headers: Record<string, string>): void {
    const obj = this.decode(req, body, false);
    const updated = this.c.api.update(t, obj, this.writeOpts(req, url));
    this.send(res, 200, this.out(t, updated), headers);
  }

  private patch(req: IncomingMessage, res: ServerResponse, t: Target, body: Buffer, url: URL, headers: Record<string, string>): void {
    const ct = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const type = PATCH_CONTENT_TYPES[ct] === 'apply' && !this.c.api.servesApply ? undefined : PATCH_CONTENT_TYPES[ct];
    if (!type) throw errors.unsupportedMediaType(ct, ['application/json-patch+json', 'application/merge-patch+json', ...(this.c.api.servesApply ? ['application/apply-patch+yaml'] : []), 'application/strategic-merge-patch+json']);
    if (type === 'apply' && !url.searchParams.get('fieldManager')) throw errors.badRequest('fieldManager is required for apply requests');
    if (type !== 'apply' && url.searchParams.get('force') !== null) throw errors.badRequest('force may not be specified for non-apply patch');
    if (type === 'strategic' && !Object.values(R).some((r) => r.store === t.res.store)) {
      throw errors.unsupportedMediaType(ct, ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml']);
    }
    const doc = this.decode(req, body, type === 'apply');
    const r = this.c.api.patch(t, type, doc, this.writeOpts(req, url));
    this.send(res, r.created ? 201 : 200, this.out(t, r.object), headers);
  }

  private deleteOptions(body: Buffer, url: URL): { dryRun: boolean; propagationPolicy?: string; gracePeriodSeconds?: number; preconditions?: { uid?: string; resourceVersion?: string } } {
    let b: Obj = {};
    const text = body.toString('utf8').trim();
    if (text) {
      try {
        const parsed = JSON.parse(text) as unknown;
        if (isPlainObject(parsed)) b = parsed;
      } catch {
        throw errors.badRequest('error decoding DeleteOptions');
      }
    }
    const dry = [...url.searchParams.getAll('dryRun'), ...((b['dryRun'] ?? []) as string[])];
    const grace = url.searchParams.get('gracePeriodSeconds') ?? b['gracePeriodSeconds'];
    const out: ReturnType<Front['deleteOptions']> = { dryRun: dry.includes('All') };
    const pp = url.searchParams.get('propagationPolicy') ?? b['propagationPolicy'] ?? (b['orphanDependents'] === true ? 'Orphan' : b['orphanDependents'] === false ? 'Background' : undefined);
    if (pp) out.propagationPolicy = String(pp);
    if (grace !== undefined && grace !== null) out.gracePeriodSeconds = Number(grace);
    if (isPlainObject(b['preconditions'])) out.preconditions = b['preconditions'] as { uid?: string; resourceVersion?: string };
    return out;
  }

  private deleteOne(res: ServerResponse, t: Target, body: Buffer, url: URL, headers: Record<string, string>): void {
    const opts = this.deleteOptions(body, url);
    const r = this.c.api.delete(t, opts);
    if (r.done && !this.c.api.returnsDeletedObject(t.res.kind)) return this.send(res, 200, this.c.api.deleteStatus(t, r.object), headers);
    this.send(res, r.code, this.out(t, r.object), headers);
  }

  private deleteCollection(res: ServerResponse, t: Target, body: Buffer, url: URL, headers: Record<string, string>): void {
    const opts = this.deleteOptions(body, url);
    const items = this.c.api.list(t, this.listQuery(url)).items;
    const out: Obj[] = [];
    for (const o of items) {
      try {
        const r = this.c.api.delete({ ...t, namespace: o['metadata']['namespace'], name: o['metadata']['name'] }, opts);
        const { apiVersion: _a, kind: _k, ...rest } = r.object;
        out.push(rest);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    this.send(res, 200, { kind: `${t.res.kind}List`, apiVersion: t.gv, metadata: { resourceVersion: String(this.c.store.resourceVersion) }, items: out }, headers);
  }

  private scale(req: IncomingMessage, res: ServerResponse, t: Target, method: string, body: Buffer, url: URL, headers: Record<string, string>): void {
    const mainT: Target = { ...t, subresource: undefined };
    delete mainT.subresource;
    const toScale = (o: Obj): Obj => {
      const sel = o['spec']?.['selector'];
      const selector = isPlainObject(sel)
        ? [...Object.entries((sel['matchLabels'] ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`)].join(',')
        : '';
      return {
        kind: 'Scale',
        apiVersion: 'autoscaling/v1',
        metadata: { name: o['metadata']['name'], namespace: o['metadata']['namespace'], uid: o['metadata']['uid'], resourceVersion: o['metadata']['resourceVersion'], creationTimestamp: o['metadata']['creationTimestamp'] },
        spec: { replicas: o['spec']?.['replicas'] ?? 0 },
        status: { replicas: o['status']?.['replicas'] ?? 0, selector },
      };
    };
    const cur = this.c.api.get(mainT);
    if (method === 'GET') return this.send(res, 200, toScale(cur), headers);
    let replicas: unknown;
    if (method === 'PUT') replicas = (this.decode(req, body, false) as Obj)?.['spec']?.['replicas'];
    else {
      const doc = this.decode(req, body, false) as Obj;
      replicas = doc?.['spec']?.['replicas'];
    }
    if (typeof replicas !== 'number') throw errors.badRequest('spec.replicas must be a number');
    const next = { ...present(cur, t.gv, t.res.kind, 99), spec: { ...cur['spec'], replicas } };
    const updated = this.c.api.update(mainT, next, this.writeOpts(req, url));
    this.send(res, 200, toScale(updated), headers);
  }

  private selfSubjectAccessReview(res: ServerResponse, t: Target, body: Buffer, user: string): void {
    let review: Obj;
    try {
      review = JSON.parse(body.toString('utf8')) as Obj;
    } catch {
      throw errors.badRequest('error decoding SelfSubjectAccessReview');
    }
    const ra = review?.['spec']?.['resourceAttributes'];
    const nra = review?.['spec']?.['nonResourceAttributes'];
    let allowed = true;
    if (user === FORBIDDEN_USER) allowed = false;
    else if (isPlainObject(ra)) {
      allowed = this.c.faults.allowed({
        user,
        verb: String(ra['verb'] ?? ''),
        group: String(ra['group'] ?? ''),
        resource: String(ra['resource'] ?? ''),
        subresource: String(ra['subresource'] ?? ''),
        namespace: String(ra['namespace'] ?? ''),
        name: String(ra['name'] ?? ''),
      });
    } else if (!isPlainObject(nra)) {
      throw errors.invalid(t.group, 'SelfSubjectAccessReview', '', [{ field: 'spec.resourceAttributes', type: 'FieldValueRequired', message: 'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified' }]);
    }
    const status: Obj = { allowed };
    if (allowed) status['reason'] = 'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"';
    this.send(res, 201, { kind: 'SelfSubjectAccessReview', apiVersion: t.gv, metadata: { creationTimestamp: null }, spec: review['spec'], status });
  }

  // ---------------------------------------------------------------- watch

  /** An object as a watch event carries it (cached per object and group version: many watchers, one encoding). */
  private serialize(o: Obj, t: Target, table?: string | null): string {
    let m = this.jsonCache.get(o);
    if (!m) this.jsonCache.set(o, (m = new Map()));
    const key = table === undefined ? t.gv : `${t.gv}\u0000table\u0000${table}`;
    let s = m.get(key);
    if (s === undefined) {
      s = JSON.stringify(table === undefined ? this.out(t, o) : toTable(t, [o], this.c, table));
      m.set(key, s);
    }
    return s;
  }

  private watch(res: ServerResponse, t: Target, url: URL, headers: Record<string, string>, asTable = false): void {
    const c = this.c;
    const labels = parseLabelSelector(url.searchParams.get('labelSelector'));
    const fields: FieldRequirement[] = parseFieldSelector(url.searchParams.get('fieldSelector'), t.res.kind);
    if (t.name !== undefined) fields.push({ field: 'metadata.name', op: '=', value: t.name });
    const rvParam = url.searchParams.get('resourceVersion');
    const bookmarks = boolParam(url.searchParams.get('allowWatchBookmarks'));
    const sendInitial = boolParam(url.searchParams.get('sendInitialEvents'));
    const timeoutSeconds = url.searchParams.get('timeoutSeconds');
    const ns = t.res.namespaced ? t.namespace : undefined;
    const matches = (o: Obj | undefined): boolean =>
      !!o && (ns === undefined || o['metadata']['namespace'] === ns) && matchesLabels(labels, o['metadata']['labels']) && matchesFields(fields, o);

    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked', ...headers });
    res.flushHeaders();

    let closed = false;
    const cleanups: (() => void)[] = [];
    const close = () => {
      if (closed) return;
      closed = true;
      for (const f of cleanups) f();
      this.watchClosers.delete(close);
      res.end();
    };
    this.watchClosers.add(close);
    res.on('close', close);

    const rvNum = rvParam && rvParam !== '0' ? Number(rvParam) : undefined;
    if (rvNum !== undefined && !sendInitial) {
      const oldest = Math.max(c.store.oldestResumableRv + 1, c.faults.expireBefore);
      if (!Number.isFinite(rvNum) || rvNum < c.store.oldestResumableRv || rvNum < c.faults.expireBefore) {
        const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${rvParam} (${oldest})`, reason: 'Expired', code: 410 };
        res.write(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
        close();
        return;
      }
    }

    // `kubectl get -w` asks for Table events (one row each)
    const tableMode = asTable ? url.searchParams.get('includeObject') : undefined;
    const enc = (o: Obj) => this.serialize(o, t, tableMode);
    const cut = c.faults.takeWatchCut(t.res.name);
    let sent = 0;
    const emit = (type: string, json: string): void => {
      if (closed) return;
      res.write(`{"type":"${type}","object":${json}}\n`);
      sent++;
      if (cut !== undefined && sent >= cut) close();
    };
    if (cut === 0) {
      close();
      return;
    }
    const deliver = (e: StoreEvent): void => {
      if (closed) return;
      if (ns !== undefined && e.namespace !== ns) return;
      const now = matches(e.object);
      const before = e.type === 'MODIFIED' ? matches(e.prev) : false;
      if (e.type === 'ADDED') {
        if (now) emit('ADDED', enc(e.object));
      } else if (e.type === 'DELETED') {
        if (matches(e.object) || matches(e.prev)) emit('DELETED', enc(e.object));
      } else if (now && before) emit('MODIFIED', enc(e.object));
      else if (now && !before) emit('ADDED', enc(e.object));
      else if (!now && before) {
        const gone = { ...e.prev!, metadata: { ...e.prev!['metadata'], resourceVersion: String(e.rv) } };
        emit('DELETED', enc(gone));
      }
    };

    const bookmark = (extra?: Obj): string => {
      const md: Obj = { resourceVersion: String(c.store.resourceVersion) };
      if (extra) md['annotations'] = extra;
      return JSON.stringify({ kind: t.res.kind, apiVersion: t.gv, metadata: md });
    };

    if (rvNum === undefined || sendInitial) {
      const items = ns !== undefined ? c.store.list(t.res.store, ns) : c.store.list(t.res.store);
      for (const o of items) if (matches(o)) emit('ADDED', enc(o));
      if (sendInitial && bookmarks && !closed) {
        res.write(`{"type":"BOOKMARK","object":${bookmark({ 'k8s.io/initial-events-end': 'true' })}}\n`);
      }
    } else {
      for (const e of c.store.eventsSince(t.res.store, rvNum)) deliver(e);
    }
    if (closed) return;
    cleanups.push(c.store.subscribe(t.res.store, deliver));
    if (bookmarks) {
      const iv = setInterval(() => {
        if (!closed) res.write(`{"type":"BOOKMARK","object":${bookmark()}}\n`);
      }, this.o.bookmarkIntervalMs);
      iv.unref();
      cleanups.push(() => clearInterval(iv));
    }
    if (timeoutSeconds !== null && Number(timeoutSeconds) > 0) {
      const to = setTimeout(close, Number(timeoutSeconds) * 1000);
      to.unref();
      cleanups.push(() => clearTimeout(to));
    }
  }
}

