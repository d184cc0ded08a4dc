/**
 * Raw HTTP to the API server: JSON in, JSON (as text) out, never through client-node's typed
 * serializers (they drop fields they do not know). The TLS material and the headers of each request
 * come from the Credentials (credentials.ts: static ones read directly, exec plugins, auth providers
 * and proxies through client-node).
 *
 * Every request has a timeout; idempotent requests are retried with backoff on 429 (Retry-After
 * honoured), 5xx and connection resets. API errors become one-line KubeApiErrors.
 */
import { backoffDelay, parseRetryAfter } from '../util/retry.js';
import http from 'node:http';
import https from 'node:https';
import tlsModule from 'node:tls';
import type tls from 'node:tls';
import { createHash } from 'node:crypto';
import type { Credentials, RequestHeaders, TlsMaterial } from './credentials.js';
import { failure, WeavectlError } from '../errors.js';
import { formatDuration } from '../util/duration.js';
import { setLongTimeout, sleep } from '../util/timers.js';
import { apiError, networkError, type ClusterIdentity, type RequestDescription } from './status-errors.js';
import { oneLine } from '../util/text.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RetryPolicy {
  /** Total attempts, including the first (default 4). */
  attempts: number;
  /** First backoff delay; doubles each retry, with jitter (default 250 ms). */
  baseDelayMs: number;
  /** Upper bound for one delay, Retry-After included (default 10 s). */
  maxDelayMs: number;
}

export interface TransportOptions {
  /** Per-request timeout for everything but watches (default 30 s; 0: none of its own). */
  requestTimeoutMs?: number;
  /** When the command's --timeout runs out (epoch ms): no request, retry or wait for one outlives it. */
  deadline?: number;
  /** The --timeout itself, for messages. */
  commandTimeoutMs?: number;
  /** Receives the API server's `Warning:` headers (deprecations), each once. */
  onWarning?: (message: string) => void;
  retry?: Partial<RetryPolicy>;
  userAgent?: string;
  contextName?: string;
  userName?: string;
}

export interface HttpRequest {
  method: HttpMethod;
  /** Path below the server URL, starting with "/". */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Serialized as JSON. */
  body?: unknown;
  contentType?: string;
  accept?: string;
  /**
   * true: retry on 429/5xx and on connection resets (idempotent requests); 'network': only when the
   * connection failed (a DELETE: a retry after a reset answers 404 if the first one went through).
   */
  retry?: boolean | 'network';
  timeoutMs?: number;
  desc: RequestDescription;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export type StreamEnd = 'ended' | 'aborted' | 'dropped' | 'inactive';

/** How long a request started after the command's --timeout ran out may take. */
export const AFTER_DEADLINE_MS = 3_000;

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRY_NET = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ECONNABORTED']);

/** A stream request answered with an error status (mapped, or retried, by the caller). */
class HttpFailure extends Error {
  constructor(readonly res: HttpResponse) {
    super(`HTTP ${res.status}`);
  }
}

/** A stream request that could not connect. */
class StartFailure extends Error {
  constructor(override readonly cause: unknown) {
    super('the request could not start');
  }
}

class RequestTimeout extends Error {
  /** byDeadline: the command's --timeout ran out (else the request's own --request-timeout). */
  constructor(
    readonly ms: number,
    readonly byDeadline = false,
  ) {
    super(`no answer within ${ms} ms`);
  }
}

export function buildQuery(query: HttpRequest['query']): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === '') continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

/** `299 - "extensions/v1beta1 DaemonSet is deprecated"` -> the quoted text. */
export function parseWarningHeader(value: string): string[] {
  const out: string[] = [];
  const re = /\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(value); m; m = re.exec(value)) out.push((m[1] ?? '').replace(/\\(.)/g, '$1'));
  return out;
}


interface Prepared {
  agent: http.Agent;
  /** For upgraded connections (exec): the same TLS context and session cache, no pool of idle sockets. */
  upgradeAgent: http.Agent;
  headers: RequestHeaders;
}

interface Agents {
  agent: http.Agent;
  upgradeAgent: http.Agent;
}

export class Transport {
  readonly server: string;
  private readonly base: URL;
  private readonly creds: Credentials;
  private readonly timeoutMs: number;
  private readonly deadline: number;
  private readonly commandTimeoutMs?: number;
  private readonly retry: RetryPolicy;
  private readonly userAgent: string;
  private readonly onWarning?: (m: string) => void;
  private readonly warned = new Set<string>();
  private readonly agents = new Map<string, Agents>();
  private readonly id: ClusterIdentity;
  private closed = false;
  /** The TLS material, asked for once (a failure is asked again next time). */
  private material?: Promise<TlsMaterial>;
  private lastAgents?: { cert: TlsMaterial['cert']; key: TlsMaterial['key']; agent?: http.Agent; agents: Agents };

  constructor(creds: Credentials, server: string, opts: TransportOptions = {}) {
    this.creds = creds;
    this.server = server.replace(/\/+$/, '');
    this.base = new URL(this.server);
    this.timeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.deadline = opts.deadline ?? Infinity;
    this.commandTimeoutMs = opts.commandTimeoutMs;
    this.retry = { attempts: 4, baseDelayMs: 250, maxDelayMs: 10_000, ...opts.retry };
    this.userAgent = opts.userAgent ?? 'weavectl';
    this.onWarning = opts.onWarning;
    this.id = { server: this.server, contextName: opts.contextName, userName: opts.userName };
  }

  get identity(): ClusterIdentity {
    return this.id;
  }

  /** Sends a request; non-2xx answers throw a KubeApiError, network failures a WeavectlError. */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const policy = req.retry ? this.retry : { ...this.retry, attempts: 1 };
    for (let attempt = 1; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await this.once(req);
      } catch (err) {
        if (err instanceof WeavectlError) throw err;
        const code = (err as NodeJS.ErrnoException).code ?? '';
        if (RETRY_NET.has(code) && attempt < policy.attempts && this.fitsBeforeDeadline(this.backoff(attempt))) {
          await sleep(this.backoff(attempt));
          continue;
        }
        if (err instanceof RequestTimeout) throw this.timeoutError(req, err);
        throw networkError(err, req.desc, this.id);
      }
      if (res.status >= 200 && res.status < 300) return res;
      if (req.retry === true && RETRY_STATUS.has(res.status) && attempt < policy.attempts) {
        const after = parseRetryAfter(res.headers['retry-after'], Date.now());
        const delay = Math.min(after ?? this.backoff(attempt), policy.maxDelayMs);
        // a retry that could only start after --timeout ran out is not made: the answer so far is the error
        if (this.fitsBeforeDeadline(delay)) {
          await sleep(delay);
          continue;
        }
      }
      throw apiError(res.status, res.text, req.desc, this.id);
    }
  }

  /** Whether a retry after `delayMs` still starts before the command's --timeout runs out. */
  private fitsBeforeDeadline(delayMs: number): boolean {
    return Date.now() + delayMs < this.deadline;
  }

  private timeoutError(req: HttpRequest, err: RequestTimeout): WeavectlError {
    if (err.byDeadline) {
      const total = this.commandTimeoutMs ? ` of ${formatDuration(this.commandTimeoutMs)}` : '';
      return failure(
        `${req.desc.verb} ${describe(req)}: no answer from the API server ${this.server} before the --timeout${total} ran out`,
        'the API server is slow or unreachable: check it with `kubectl cluster-info`, or raise --timeout',
      );
    }
    return failure(
      `${req.desc.verb} ${describe(req)}: no answer from the API server ${this.server} within ${formatDuration(err.ms)}`,
      'the API server is slow or unreachable: check it with `kubectl cluster-info`, or raise --request-timeout',
    );
  }

  /** send() and JSON.parse of the answer. */
  async json<T>(req: HttpRequest): Promise<T> {
    const res = await this.send(req);
    try {
      return JSON.parse(res.text) as T;
    } catch {
      throw failure(`${req.desc.verb} ${describe(req)}: the API server answered with something that is not JSON: ${oneLine(res.text, 120)}`);
    }
  }

  /**
   * A long-running GET (watch): `onData` gets the body as it arrives. Resolves (never rejects)
   * once the stream ends, drops, stays silent for `inactivityMs`, or the signal aborts.
   * A request that cannot start (HTTP error answer, cannot connect) rejects, after the same
   * retries as an idempotent request; an error thrown by `onData` rejects too.
   */
  async stream(req: HttpRequest, onData: (chunk: string) => void, signal: AbortSignal, inactivityMs: number): Promise<StreamEnd> {
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) return 'aborted';
      try {
        return await this.streamOnce(req, onData, signal, inactivityMs);
      } catch (err) {
        if (err instanceof HttpFailure) {
          if (RETRY_STATUS.has(err.res.status) && attempt < this.retry.attempts) {
            const after = parseRetryAfter(err.res.headers['retry-after'], Date.now());
            await sleep(Math.min(after ?? this.backoff(attempt), this.retry.maxDelayMs), signal);
            continue;
          }
          throw apiError(err.res.status, err.res.text, req.desc, this.id);
        }
        if (err instanceof StartFailure) {
          const code = (err.cause as NodeJS.ErrnoException).code ?? '';
          if (RETRY_NET.has(code) && attempt < this.retry.attempts) {
            await sleep(this.backoff(attempt), signal);
            continue;
          }
          throw networkError(err.cause, req.desc, this.id);
        }
        throw err;
      }
    }
  }

  private async streamOnce(req: HttpRequest, onData: (chunk: string) => void, signal: AbortSignal, inactivityMs: number): Promise<StreamEnd> {
    const prepared = await this.prepare();
    const url = this.url(req);
    return new Promise<StreamEnd>((resolve, reject) => {
      let settled = false;
      let inactivity: NodeJS.Timeout | undefined;
      let request: http.ClientRequest | undefined;
      let responded = false;
      const finish = (how: StreamEnd | Error) => {
        if (settled) return;
        settled = true;
        if (inactivity) clearTimeout(inactivity);
        signal.removeEventListener('abort', onAbort);
        request?.destroy();
        if (how instanceof Error) reject(how);
        else resolve(how);
      };
      const arm = () => {
        if (inactivity) clearTimeout(inactivity);
        inactivity = setTimeout(() => finish('inactive'), inactivityMs);
      };
      const onAbort = () => finish('aborted');
      signal.addEventListener('abort', onAbort, { once: true });
      arm();
      const mod = url.protocol === 'https:' ? https : http;
      request = mod.request(url, { method: 'GET', agent: prepared.agent, headers: this.headers(prepared, req) }, (res) => {
        responded = true;
        this.noteWarnings(res.headers);
        const status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        if (status < 200 || status >= 300) {
          let text = '';
          const fail = () => finish(new HttpFailure({ status, headers: res.headers, text }));
          res.on('data', (c: string) => (text += c));
          res.on('end', fail);
          res.on('error', fail);
          res.on('aborted', fail);
          return;
        }
        res.on('data', (chunk: string) => {
          if (settled) return;
          arm();
          try {
            onData(chunk);
          } catch (err) {
            finish(err instanceof Error ? err : new Error(String(err)));
          }
        });
        res.on('end', () => finish('ended'));
        res.on('aborted', () => finish('dropped'));
        res.on('error', () => finish('dropped'));
        res.on('close', () => finish(res.complete ? 'ended' : 'dropped'));
      });
      request.on('socket', (s) => s.setKeepAlive(true, 15_000));
      request.on('error', (err) => {
        // Before an answer: the watch could not start. After one: a drop.
        if (!responded) finish(new StartFailure(err));
        else finish('dropped');
      });
      request.end();
    });
  }

  /**
   * The agent and headers (credentials, user agent) for a connection this transport does not make
   * itself: an exec WebSocket. The headers are computed per call, as for every request (exec-plugin
   * tokens expire). The agent shares the API requests' TLS context (certificates parsed once) but not
   * their pool of idle keep-alive sockets: an upgraded connection is never given back to the pool, and
   * a pooled socket the server has just closed would fail the exec (an API request is retried then).
   */
  async connection(): Promise<{ agent: http.Agent; headers: RequestHeaders }> {
    const p = await this.prepare();
    return { agent: p.upgradeAgent, headers: { ...p.headers, 'User-Agent': this.userAgent } };
  }

  /** The ws:// or wss:// URL of a path (with its query) below the server URL, its own path prefix kept. */
  wsUrl(pathAndQuery: string): string {
    const basePath = this.base.pathname.replace(/\/+$/, '');
    return `${this.base.protocol === 'https:' ? 'wss:' : 'ws:'}//${this.base.host}${basePath}${pathAndQuery}`;
  }

  /**
   * No request starts after this; the connections are closed on the next turn of the event loop,
   * so a command that exits right after its last answer does not first pay for closing them.
   */
  close(): void {
    this.closed = true;
    setImmediate(() => this.destroyAgents());
  }

  private destroyAgents(): void {
    for (const a of this.agents.values()) {
      a.agent.destroy();
      if (a.upgradeAgent !== a.agent) a.upgradeAgent.destroy();
    }
    this.agents.clear();
    this.lastAgents = undefined;
  }

  private backoff(attempt: number): number {
    return backoffDelay(attempt, { baseMs: this.retry.baseDelayMs, maxMs: this.retry.maxDelayMs, jitter: [0.75, 1.25] });
  }

  private url(req: HttpRequest): URL {
    const basePath = this.base.pathname.replace(/\/+$/, '');
    return new URL(`${this.base.origin}${basePath}${req.path}${buildQuery(req.query)}`);
  }

  private headers(p: Prepared, req: HttpRequest, body?: Buffer): RequestHeaders {
    const h: RequestHeaders = { ...p.headers, Accept: req.accept ?? 'application/json', 'User-Agent': this.userAgent };
    if (body) {
      h['Content-Type'] = req.contentType ?? 'application/json';
      h['Content-Length'] = String(body.length);
    }
    return h;
  }

  private noteWarnings(headers: http.IncomingHttpHeaders): void {
    if (!this.onWarning) return;
    const raw = headers.warning;
    if (!raw) return;
    for (const w of parseWarningHeader(Array.isArray(raw) ? raw.join(', ') : raw)) {
      if (this.warned.has(w)) continue;
      this.warned.add(w);
      this.onWarning(w);
    }
  }

  /**
   * The credentials, unless --timeout runs out first (an exec plugin that waits for a login that
   * never comes): then a one-line failure saying so.
   */
  private beforeDeadline<T>(p: Promise<T>): Promise<T> {
    if (this.deadline === Infinity) return p;
    return new Promise<T>((resolve, reject) => {
      const timer = setLongTimeout(
        () => {
          const total = this.commandTimeoutMs ? ` of ${formatDuration(this.commandTimeoutMs)}` : '';
          reject(
            failure(
              `cannot get credentials${this.id.contextName ? ` for context "${this.id.contextName}"` : ''}: no answer before the --timeout${total} ran out`,
              'the exec plugin or auth provider of the user in the kubeconfig did not answer: run it by hand, or raise --timeout',
            ),
          );
        },
        Math.max(0, this.deadline - Date.now()),
      );
      p.then(
        (v) => {
          timer.clear();
          resolve(v);
        },
        (e: unknown) => {
          timer.clear();
          reject(e);
        },
      );
    });
  }

  private credentialsFailure(err: unknown): WeavectlError {
    if (err instanceof WeavectlError) return err;
    return failure(
      `cannot get credentials${this.id.contextName ? ` for context "${this.id.contextName}"` : ''}: ${oneLine((err as Error).message ?? String(err))}`,
      'check the user entry of the kubeconfig (certificate files, token file, exec plugin)',
      err,
    );
  }

  private tlsMaterial(): Promise<TlsMaterial> {
    let p = this.material;
    if (!p) {
      p = this.material = this.creds.tls();
      p.catch(() => {
        if (this.material === p) this.material = undefined; // ask again next time
      });
    }
    return p;
  }

  /** Headers and a keep-alive agent for this request's credentials. */
  private async prepare(): Promise<Prepared> {
    if (this.closed) throw failure('the connection to the cluster was closed');
    let tls: TlsMaterial;
    let auth: Awaited<ReturnType<Credentials['authorize']>>;
    try {
      [tls, auth] = await this.beforeDeadline(Promise.all([this.tlsMaterial(), this.creds.authorize()]));
    } catch (err) {
      throw this.credentialsFailure(err);
    }
    const cert = auth.cert ?? tls.cert;
    const key = auth.key ?? tls.key;
    const proxyAgent = auth.agent ?? tls.agent;
    const headers = auth.headers;
    const last = this.lastAgents;
    if (last && last.cert === cert && last.key === key && last.agent === proxyAgent) return { ...last.agents, headers };
    const agents = this.agentsFor(tls, cert, key, proxyAgent);
    this.lastAgents = { cert, key, agent: proxyAgent, agents };
    return { ...agents, headers };
  }

  /** The agents for this TLS material (the CA, server name and proxy are fixed; the client certificate may rotate). */
  private agentsFor(tls: TlsMaterial, cert: TlsMaterial['cert'], key: TlsMaterial['key'], proxyAgent: http.Agent | undefined): Agents {
    // a proxy's agent (socks / http(s) proxy) makes the connections itself, with the same TLS options
    if (proxyAgent) return { agent: proxyAgent, upgradeAgent: proxyAgent };
    const hash = createHash('sha256');
    for (const part of [tls.ca, cert, key, String(tls.rejectUnauthorized), tls.servername ?? '']) {
      hash.update(part === undefined ? '-' : Buffer.isBuffer(part) ? part : String(part));
      hash.update('\0');
    }
    const id = hash.digest('hex');
    const known = this.agents.get(id);
    if (known) return known;
    let agents: Agents;
    if (this.base.protocol === 'http:') {
      agents = { agent: new http.Agent({ keepAlive: true }), upgradeAgent: new http.Agent({ keepAlive: false }) };
    } else {
      // One secure context for every connection (an exec is a connection of its own): the CA, the
      // certificate and the key are parsed once, not per TLS handshake.
      let secureContext: tls.SecureContext;
      try {
        secureContext = tlsModule.createSecureContext({ ca: tls.ca, cert, key });
      } catch (err) {
        throw failure(
          `the TLS certificates or keys${this.id.contextName ? ` of context "${this.id.contextName}"` : ''} are not usable: ${oneLine((err as Error).message ?? String(err))}`,
          'check certificate-authority, client-certificate and client-key (or the exec plugin) of the context in the kubeconfig',
          err,
        );
      }
      const tlsOptions = {
        secureContext,
        servername: tls.servername,
        ...(tls.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
      };
      agents = { agent: new https.Agent({ keepAlive: true, ...tlsOptions }), upgradeAgent: new https.Agent({ keepAlive: false, ...tlsOptions }) };
    }
    this.agents.set(id, agents);
    return agents;
  }

  private async once(req: HttpRequest): Promise<HttpResponse> {
    const prepared = await this.prepare();
    const url = this.url(req);
    const body = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    // the request's own limit (0: none), cut to what is left of the command's --timeout
    // A request started after it ran out (what a timed-out rollout reads to say what is missing)
    // gets a short last chance; the command itself ends soon after (run.ts).
    const own = req.timeoutMs ?? this.timeoutMs;
    const left = Math.max(this.deadline - Date.now(), Math.min(AFTER_DEADLINE_MS, own > 0 ? own : AFTER_DEADLINE_MS));
    const byDeadline = !(own > 0 && own <= left);
    const timeoutMs = byDeadline ? left : own;
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<HttpResponse>((resolve, reject) => {
      let done = false;
      const finish = (err: Error | undefined, res?: HttpResponse) => {
        if (done) return;
        done = true;
        timer?.clear();
        if (err) reject(err);
        else resolve(res!);
      };
      const request = mod.request(url, { method: req.method, agent: prepared.agent, headers: this.headers(prepared, req, body) }, (res) => {
        this.noteWarnings(res.headers);
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (e) => finish(e));
        res.on('aborted', () => finish(Object.assign(new Error('the connection was reset while reading the answer'), { code: 'ECONNRESET' })));
      });
      const timer = Number.isFinite(timeoutMs)
        ? setLongTimeout(() => {
            const e = new RequestTimeout(timeoutMs, byDeadline);
            finish(e);
            request.destroy(e);
          }, timeoutMs)
        : undefined;
      request.on('error', (e) => finish(e));
      request.end(body);
    });
  }
}

function describe(req: HttpRequest): string {
  if (req.desc.resource) {
    const r = req.desc.group ? `${req.desc.resource}.${req.desc.group}` : req.desc.resource;
    return `${r}${req.desc.name ? ` "${req.desc.name}"` : ''}${req.desc.namespace ? ` in namespace "${req.desc.namespace}"` : ''}`;
  }
  return req.desc.label ?? req.path;
}
