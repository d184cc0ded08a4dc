/**
 * The one HTTP GET weavectl uses to download manifests. Built on undici 7 with:
 * - a connect timeout, a headers timeout, a body (idle) timeout and a total deadline;
 * - retries with exponential backoff and jitter on 5xx, 429 (honouring Retry-After), a reset
 *   connection and a truncated body; never on DNS failures, refused connections, TLS errors or timeouts;
 * - redirects followed by hand (at most 5) so that every hop is checked: plain http:// only for
 *   loopback hosts unless insecureHttp is set;
 * - HTTPS_PROXY / HTTP_PROXY / NO_PROXY through undici's EnvHttpProxyAgent (loopback never goes through a proxy,
 *   like Go's net/http, so kubectl-style tooling and test servers behave the same);
 * - a size cap, and a body shorter than its Content-Length is an error, never a partial manifest.
 * Every failure is a FetchError: a one-line failure (exit 1) that names the URL and what happened.
 */
import { backoffDelay, parseRetryAfter, type Backoff } from '../../util/retry.js';
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { EXIT_FAILURE, WeavectlError } from '../../errors.js';
import { formatDuration } from '../../util/duration.js';

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_TOTAL_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_ATTEMPTS = 4;
export const DEFAULT_MAX_REDIRECTS = 5;
export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
export const DEFAULT_MAX_RETRY_AFTER_MS = 10_000;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface FetchOptions {
  /** Allow plain http:// to hosts other than loopback (every hop). */
  insecureHttp?: boolean;
  /** TCP + TLS connect timeout per connection. Default 10s. */
  connectTimeoutMs?: number;
  /** Time to wait for the response headers of one request. Default: the total deadline. */
  headersTimeoutMs?: number;
  /** Longest pause between two body chunks. Default: the total deadline. */
  bodyTimeoutMs?: number;
  /** Deadline for the whole download, retries and redirects included. Default 30s. */
  timeoutMs?: number;
  /** Attempts in all (first try + retries). Default 4. */
  maxAttempts?: number;
  /** Redirect hops followed. Default 5. */
  maxRedirects?: number;
  /** Largest body accepted. Default 5 MiB. */
  maxBytes?: number;
  /** Longest Retry-After honoured; a longer one is cut to this. Default 10s. */
  maxRetryAfterMs?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Progress notes (retries). */
  log?: (msg: string) => void;
  /** Use this dispatcher for every hop instead of the built-in direct/proxy pair (not closed here). */
  dispatcher?: Dispatcher;
  /** For tests: how to wait between attempts, the clock, and the jitter source. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

export interface RedirectHop {
  status: number;
  from: string;
  to: string;
}

export interface FetchResult {
  text: string;
  bytes: Buffer;
  /** The URL that answered 200, after redirects. */
  finalUrl: string;
  /** Hex sha256 of `bytes`. */
  sha256: string;
  /** Every redirect followed, in order. */
  redirects: RedirectHop[];
  /** The Content-Type of the final answer, when given. */
  contentType?: string;
}

export type FetchFailureReason =
  | 'dns'
  | 'refused'
  | 'unreachable'
  | 'connect-timeout'
  | 'timeout'
  | 'tls'
  | 'reset'
  | 'truncated'
  | 'status'
  | 'too-large'
  | 'redirect'
  | 'insecure'
  | 'bad-url'
  | 'network';

/** A failed download: exit 1, one line naming the URL. `reason` lets callers add context (e.g. the retired cloud host). */
export class FetchError extends WeavectlError {
  readonly reason: FetchFailureReason;
  readonly url: string;
  readonly status?: number;
  /** The bare description ("HTTP 404 Not Found", "connection refused"), without the URL. */
  readonly detail: string;

  constructor(url: string, reason: FetchFailureReason, detail: string, opts: { status?: number; hint?: string; cause?: unknown } = {}) {
    super(`cannot fetch ${url}: ${detail}`, { exitCode: EXIT_FAILURE, hint: opts.hint, cause: opts.cause });
    this.name = 'FetchError';
    this.reason = reason;
    this.url = url;
    this.detail = detail;
    if (opts.status !== undefined) this.status = opts.status;
  }
}

/** Host names that never leave the machine: localhost, 127.0.0.0/8, ::1 (and ::ffff:127.x). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) {
    if (h === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(h)) return true;
    const mapped = /^::ffff:(.+)$/.exec(h)?.[1];
    if (mapped === undefined) return false;
    if (isIP(mapped) === 4) return mapped.startsWith('127.');
    // URL() writes ::ffff:127.0.0.1 as ::ffff:7f00:1
    const hex = /^([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(mapped)?.[1];
    return hex !== undefined && parseInt(hex, 16) >> 8 === 127;
  }
  return false;
}

/**
 * Throws unless the URL may be fetched: http(s) only; plain http only to loopback or with insecureHttp.
 * Pure; called for the first URL and for every redirect target, before any connection is made.
 */
export function checkFetchUrl(url: URL, insecureHttp: boolean, origin: string = url.href): void {
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:') {
    if (insecureHttp || isLoopbackHost(url.hostname)) return;
    throw new FetchError(origin, 'insecure', `refusing plain http:// to ${url.host}${origin === url.href ? '' : ` (redirected to ${url.href})`}: only loopback hosts may be fetched without TLS`, {
      hint: 'use an https:// address, or allow plain HTTP explicitly (--insecure-http) if you trust the network',
    });
  }
  throw new FetchError(origin, 'bad-url', `unsupported URL scheme ${url.protocol.replace(/:$/, '')}://${origin === url.href ? '' : ` (redirected to ${url.href})`}`);
}

/** Exponential backoff with jitter: 500ms, 1s, 2s... (capped at 8s), each scaled by 0.5..1. */
export const FETCH_BACKOFF: Backoff = { baseMs: 500, maxMs: 8_000, jitter: [0.5, 1] };

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'HOSTNAME_MISMATCH',
  'EPROTO',
]);

interface ErrLike {
  code?: unknown;
  message?: unknown;
  hostname?: unknown;
  cause?: unknown;
  errors?: unknown;
  name?: unknown;
}

/** The innermost error that carries a code (undici and net wrap errors in `cause` and AggregateError). */
function codedError(err: unknown): ErrLike | undefined {
  const seen = new Set<unknown>();
  let cur: unknown = err;
  while (cur && typeof cur === 'object' && !seen.has(cur)) {
    seen.add(cur);
    const e = cur as ErrLike;
    if (typeof e.code === 'string' && e.code !== 'UND_ERR' && e.code !== 'ERR_INVALID_ARG_TYPE') return e;
    if (Array.isArray(e.errors) && e.errors.length > 0) {
      cur = e.errors[0];
      continue;
    }
    cur = e.cause;
  }
  return err && typeof err === 'object' ? (err as ErrLike) : undefined;
}

/**
 * What a network-level error means, in words a user can act on. Pure (tested with synthetic errors).
 * `host` is the host:port being fetched; `timeouts` are the limits in force, for the message.
 */
export function describeNetworkError(
  err: unknown,
  host: string,
  timeouts: { connectMs: number; headersMs: number; bodyMs: number },
): { reason: FetchFailureReason; detail: string; retryable: boolean } {
  const e = codedError(err);
  const code = typeof e?.code === 'string' ? e.code : '';
  let msg = typeof e?.message === 'string' ? e.message.split('\n')[0]! : String(err);
  // OpenSSL: "80..:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/..." -> "wrong version number"
  const openssl = /SSL routines:[^:]*:([^:]+)/.exec(msg);
  if (openssl) msg = openssl[1]!;
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return { reason: 'dns', detail: `DNS lookup of ${hostOnly(host)} failed (${code})`, retryable: false };
    case 'ECONNREFUSED':
      return { reason: 'refused', detail: `connection refused by ${host}`, retryable: false };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return { reason: 'unreachable', detail: `${host} is unreachable (${code})`, retryable: false };
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return { reason: 'connect-timeout', detail: `connect to ${host} timed out after ${formatDuration(timeouts.connectMs)}`, retryable: false };
    case 'UND_ERR_HEADERS_TIMEOUT':
      return { reason: 'timeout', detail: `no response from ${host} within ${formatDuration(timeouts.headersMs)}`, retryable: false };
    case 'UND_ERR_BODY_TIMEOUT':
      return { reason: 'timeout', detail: `the download stalled for ${formatDuration(timeouts.bodyMs)}`, retryable: false };
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return { reason: 'truncated', detail: 'the connection closed before the whole body arrived (truncated download)', retryable: true };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return { reason: 'reset', detail: `the connection to ${host} was closed unexpectedly (${code === 'UND_ERR_SOCKET' ? msg : code})`, retryable: true };
    default:
      break;
  }
  const proxy = /Proxy response \((\d+)\)/.exec(msg);
  if (proxy) {
    return { reason: 'network', detail: `the proxy (HTTPS_PROXY/HTTP_PROXY) refused to connect to ${host} (HTTP ${proxy[1]})`, retryable: false };
  }
  if (TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || /\b(ssl|tls|certificate)\b/i.test(msg)) {
    return { reason: 'tls', detail: `TLS error with ${host}: ${msg}${code && !msg.includes(code) ? ` (${code})` : ''}`, retryable: false };
  }
  return { reason: 'network', detail: `${msg}${code && !msg.includes(code) ? ` (${code})` : ''}`, retryable: false };
}

function hostOnly(hostPort: string): string {
  return hostPort.replace(/:\d+$/, '');
}

/** Internal: an attempt failed in a way worth another try. */
class Retryable extends Error {
  constructor(
    readonly error: FetchError,
    readonly retryAfterMs?: number,
  ) {
    super(error.message);
  }
}

const defaultSleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms);
  });

/** Downloads one text file. See the module comment for the rules. */
export async function fetchText(url: string, opts: FetchOptions = {}): Promise<FetchResult> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;
  const totalMs = positive(opts.timeoutMs, DEFAULT_TOTAL_TIMEOUT_MS);
  const timeouts = {
    connectMs: Math.min(positive(opts.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS), totalMs),
    headersMs: Math.min(positive(opts.headersTimeoutMs, totalMs), totalMs),
    bodyMs: Math.min(positive(opts.bodyTimeoutMs, totalMs), totalMs),
  };
  const maxAttempts = Math.max(1, Math.floor(opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS));
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;

  let first: URL;
  try {
    first = new URL(url);
  } catch {
    throw new FetchError(url, 'bad-url', 'not a valid URL');
  }
  checkFetchUrl(first, opts.insecureHttp === true, url);

  const deadlineAt = now() + totalMs;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), totalMs);
  timer.unref?.();
  const dispatchers = new Dispatchers(opts.dispatcher, timeouts.connectMs);
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        return await attemptOnce(first, url, opts, timeouts, controller.signal, dispatchers);
      } catch (err) {
        if (controller.signal.aborted) {
          throw new FetchError(url, 'timeout', `timed out after ${formatDuration(totalMs)}`, { cause: err });
        }
        if (!(err instanceof Retryable)) throw err;
        const failed = err.error;
        if (attempt >= maxAttempts) {
          throw withDetail(failed, `${failed.detail} (after ${attempt} attempts)`);
        }
        const wait = err.retryAfterMs !== undefined ? Math.min(err.retryAfterMs, maxRetryAfterMs) : backoffDelay(attempt, FETCH_BACKOFF, random);
        if (now() + wait >= deadlineAt) {
          throw withDetail(failed, `${failed.detail} (gave up after ${attempt} attempt${attempt === 1 ? '' : 's'}: the next retry in ${formatDuration(wait)} would pass the ${formatDuration(totalMs)} deadline)`);
        }
        opts.log?.(`${url}: ${failed.detail}; retrying in ${formatDuration(wait)} (attempt ${attempt + 1} of ${maxAttempts})`);
        await sleep(wait);
        if (controller.signal.aborted || now() >= deadlineAt) {
          throw withDetail(failed, `${failed.detail} (timed out after ${formatDuration(totalMs)} while retrying)`);
        }
      }
    }
  } finally {
    clearTimeout(timer);
    await dispatchers.close();
  }
}

function positive(v: number | undefined, dflt: number): number {
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : dflt;
}

function withDetail(e: FetchError, detail: string): FetchError {
  return new FetchError(e.url, e.reason, detail, { status: e.status, hint: e.hint, cause: e.cause });
}

/** Direct connections for loopback, the environment's proxy settings for everything else. */
class Dispatchers {
  private direct?: Agent;
  private proxied?: EnvHttpProxyAgent;
  constructor(
    private readonly fixed: Dispatcher | undefined,
    private readonly connectMs: number,
  ) {}

  for(url: URL): Dispatcher {
    if (this.fixed) return this.fixed;
    const connect = { timeout: this.connectMs };
    if (isLoopbackHost(url.hostname)) return (this.direct ??= new Agent({ connect }));
    return (this.proxied ??= new EnvHttpProxyAgent({ connect }));
  }

  async close(): Promise<void> {
    const all = [this.direct, this.proxied].filter((d): d is Agent | EnvHttpProxyAgent => d !== undefined);
    await Promise.all(all.map((d) => d.destroy().catch(() => undefined)));
  }
}

type Timeouts = { connectMs: number; headersMs: number; bodyMs: number };

/** One attempt: the request and every redirect hop, then the body. */
async function attemptOnce(first: URL, origin: string, opts: FetchOptions, timeouts: Timeouts, signal: AbortSignal, dispatchers: Dispatchers): Promise<FetchResult> {
  const maxRedirects = opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const redirects: RedirectHop[] = [];
  let current = first;
  for (;;) {
    checkFetchUrl(current, opts.insecureHttp === true, origin);
    const at = current.href === first.href ? '' : ` (at ${current.href})`;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(current, {
        method: 'GET',
        dispatcher: dispatchers.for(current),
        signal,
        headersTimeout: timeouts.headersMs,
        bodyTimeout: timeouts.bodyMs,
        headers: {
          'user-agent': 'weavectl',
          accept: 'application/yaml, application/x-yaml, text/yaml, text/plain;q=0.9, application/json;q=0.8, */*;q=0.5',
          ...opts.headers,
        },
      });
    } catch (err) {
      throw networkFailure(err, origin, current, at, timeouts, signal);
    }

    const status = res.statusCode;
    if (REDIRECT_STATUSES.has(status)) {
      await drain(res.body);
      const location = header(res.headers, 'location');
      if (!location) throw new FetchError(origin, 'redirect', `HTTP ${status} without a Location header${at}`, { status });
      if (redirects.length >= maxRedirects) {
        throw new FetchError(origin, 'redirect', `too many redirects (more than ${maxRedirects})${at}`, { status });
      }
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        throw new FetchError(origin, 'redirect', `HTTP ${status} to an invalid Location ${JSON.stringify(location.slice(0, 200))}${at}`, { status });
      }
      redirects.push({ status, from: current.href, to: next.href });
      current = next;
      continue;
    }

    if (status !== 200 && status !== 203) {
      let snippet = await errorSnippet(res);
      if (snippet.toLowerCase() === statusText(status).trim().toLowerCase()) snippet = '';
      const detail = `HTTP ${status}${statusText(status)}${at}${snippet ? `: ${snippet}` : ''}`;
      const error = new FetchError(origin, 'status', detail, { status });
      if (status === 429 || status >= 500) {
        throw new Retryable(error, status === 429 || status === 503 ? parseRetryAfter(res.headers['retry-after'], (opts.now ?? Date.now)()) : undefined);
      }
      throw error;
    }

    const declared = contentLength(res.headers);
    if (declared !== undefined && declared > maxBytes) {
      discard(res.body);
      throw new FetchError(origin, 'too-large', `the response is ${declared} bytes, more than the ${maxBytes}-byte limit for a manifest${at}`);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of res.body) {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        total += buf.length;
        if (total > maxBytes) {
          discard(res.body);
          throw new FetchError(origin, 'too-large', `the response is larger than the ${maxBytes}-byte limit for a manifest${at}`);
        }
        chunks.push(buf);
      }
    } catch (err) {
      if (err instanceof FetchError) throw err;
      const failed = networkFailure(err, origin, current, at, timeouts, signal);
      if (failed instanceof Retryable) {
        // The connection went away mid-body: say so in terms of the body, not the socket.
        const of = declared === undefined ? '' : ` of ${declared}`;
        throw new Retryable(new FetchError(origin, 'truncated', `the connection closed after ${total}${of} bytes (truncated download)${at}`, { cause: err }));
      }
      throw failed;
    }
    if (declared !== undefined && total !== declared) {
      throw new Retryable(new FetchError(origin, 'truncated', `the body ended after ${total} of ${declared} bytes (truncated download)${at}`));
    }
    const bytes = Buffer.concat(chunks);
    const contentType = header(res.headers, 'content-type');
    return {
      bytes,
      text: decodeUtf8(bytes),
      finalUrl: current.href,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      redirects,
      ...(contentType ? { contentType } : {}),
    };
  }
}

function networkFailure(err: unknown, origin: string, url: URL, at: string, timeouts: Timeouts, signal: AbortSignal): Error {
  if (signal.aborted) return err instanceof Error ? err : new Error(String(err)); // fetchText turns it into the deadline message
  const d = describeNetworkError(err, url.host, timeouts);
  const error = new FetchError(origin, d.reason, `${d.detail}${at}`, { cause: err });
  return d.retryable ? new Retryable(error) : error;
}

function decodeUtf8(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // a BOM is not part of the YAML
}

function header(h: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function contentLength(h: Record<string, string | string[] | undefined>): number | undefined {
  const v = header(h, 'content-length');
  if (v === undefined || !/^\d+$/.test(v.trim())) return undefined;
  if (header(h, 'content-encoding') && header(h, 'content-encoding') !== 'identity') return undefined;
  return Number(v);
}

/** Drops a body we will not read; the 'error' an early destroy emits is expected, not a crash. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

async function drain(body: Dispatcher.ResponseData['body']): Promise<void> {
  try {
    await body.dump({ limit: 64 * 1024 });
  } catch {
    // the redirect's own body does not matter
  }
}

/** The first line of a short text/JSON error body ("Not Found"), for the message; '' for HTML or nothing. */
async function errorSnippet(res: Dispatcher.ResponseData): Promise<string> {
  const type = (header(res.headers, 'content-type') ?? '').toLowerCase();
  if (type && !type.startsWith('text/plain') && !type.includes('json')) {
    await drain(res.body);
    return '';
  }
  let text = '';
  try {
    for await (const chunk of res.body) {
      text += Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
      if (text.length > 2048) break;
    }
  } catch {
    // a broken error body: the status says enough
  } finally {
    discard(res.body);
  }
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  if (!line) return '';
  const clean = line.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return clean.length > 160 ? `${clean.slice(0, 157)}...` : clean;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  410: 'Gone',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function statusText(status: number): string {
  const t = STATUS_TEXT[status];
  return t ? ` ${t}` : '';
}
