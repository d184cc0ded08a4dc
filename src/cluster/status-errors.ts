/**
 * Turns Kubernetes API errors (an HTTP status + a `Status` body) and network errors into
 * one-line WeavectlErrors that say what went wrong and what to do. Pure: no I/O.
 */
import { WeavectlError, EXIT_FAILURE } from '../errors.js';
import type { KubeStatus } from './types.js';
import { oneLine } from '../util/text.js';

/** What a request was for, so an error can say "cannot patch daemonsets.apps in namespace kube-system". */
export interface RequestDescription {
  /** Kubernetes verb: get, list, watch, create, patch, update, delete, ... */
  verb: string;
  /** Plural resource ("daemonsets"), "pods/exec", or undefined for non-resource paths (/version, discovery). */
  resource?: string;
  /** API group ("" for core). */
  group?: string;
  namespace?: string;
  name?: string;
  /** What to call the target in messages when there is no resource, e.g. "GET /version". */
  label?: string;
}

export interface ClusterIdentity {
  server: string;
  contextName?: string;
  userName?: string;
}

/** An error answer of the API server. `code` is the HTTP status. */
export class KubeApiError extends WeavectlError {
  readonly code: number;
  readonly reason?: string;
  readonly status?: KubeStatus;

  constructor(message: string, code: number, status: KubeStatus | undefined, hint?: string) {
    super(message, { exitCode: EXIT_FAILURE, hint });
    this.name = 'KubeApiError';
    this.code = code;
    this.reason = status?.reason;
    this.status = status;
  }
}

export function isKubeApiError(e: unknown, code?: number): e is KubeApiError {
  return e instanceof KubeApiError && (code === undefined || e.code === code);
}

/**
 * The API server could not be talked to (refused, reset, DNS, TLS...): one line for people, and the
 * Node error code (ECONNRESET, UND_ERR_SOCKET, '' when there is none) for the code that retries.
 */
export class NetworkError extends WeavectlError {
  readonly code: string;

  constructor(message: string, code: string, hint: string | undefined, cause: unknown) {
    super(message, { exitCode: EXIT_FAILURE, hint, cause });
    this.name = 'NetworkError';
    this.code = code;
  }
}

/** The KubeApiError an error is, or was caused by (a failure() that wraps one). */
export function kubeApiErrorIn(err: unknown): KubeApiError | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) if (e instanceof KubeApiError) return e;
  return undefined;
}

/** The NetworkError an error is, or was caused by. */
export function networkErrorIn(err: unknown): NetworkError | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) if (e instanceof NetworkError) return e;
  return undefined;
}

/** Network error codes worth a retry: the connection dropped or timed out, the name did not resolve for now. */
const TRANSIENT_NET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/**
 * What to do about an error of the cluster layer, for loops that retry (the rollout wait):
 * transient: retry with backoff (5xx, 429, a dropped or refused connection);
 * expired:   410 Gone (an expired resourceVersion or continue token): list again;
 * fatal:     everything else (401, 403, 404, bad requests, errors of no known kind): fail now.
 * The one place errors are classified; it knows only the cluster layer's typed errors.
 */
export function retryClass(err: unknown): 'transient' | 'expired' | 'fatal' {
  const api = kubeApiErrorIn(err);
  if (api) return api.code === 410 ? 'expired' : api.code >= 500 || api.code === 429 ? 'transient' : 'fatal';
  const net = networkErrorIn(err);
  if (net) return TRANSIENT_NET_CODES.has(net.code) ? 'transient' : 'fatal';
  return 'fatal';
}

/** The Node error code of a network error, from it or its causes (undici wraps the socket's error). */
function nodeErrorCode(err: unknown): string {
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
  }
  return '';
}

/**
 * Whether a 404's Status is about the object itself ("daemonsets.apps "weave-net" not found"), as
 * opposed to a path the server does not serve ("the server could not find the requested resource").
 */
export function isObjectNotFound(status: unknown, plural: string, name: string): boolean {
  const s = status as { reason?: unknown; details?: { name?: unknown; kind?: unknown } } | undefined;
  return s?.reason === 'NotFound' && s.details?.name === name && (s.details.kind === undefined || s.details.kind === plural);
}

/** The Status object from a response body, if the body is one. */
export function parseStatus(body: string): KubeStatus | undefined {
  if (!body) return undefined;
  try {
    const v = JSON.parse(body) as KubeStatus & { kind?: string };
    if (v && typeof v === 'object' && (v.kind === 'Status' || typeof v.message === 'string')) return v;
  } catch {
    // not JSON (a proxy's HTML page, plain text)
  }
  return undefined;
}


/** "daemonsets.apps", "pods" */
export function resourceLabel(d: Pick<RequestDescription, 'resource' | 'group'>): string {
  if (!d.resource) return '';
  return d.group ? `${d.resource}.${d.group}` : d.resource;
}

/** `daemonsets.apps "weave-net" in namespace "kube-system"` */
function targetLabel(d: RequestDescription): string {
  if (!d.resource) return d.label ?? 'the request';
  let s = resourceLabel(d);
  if (d.name) s += ` "${d.name}"`;
  if (d.namespace) s += ` in namespace "${d.namespace}"`;
  return s;
}

/** `kubectl auth can-i patch daemonsets.apps -n kube-system` */
function canICommand(d: RequestDescription): string | undefined {
  if (!d.resource) return undefined;
  const [res, sub] = d.resource.split('/');
  const target = sub ? `${resourceLabel({ resource: res, group: d.group })} --subresource=${sub}` : resourceLabel(d);
  return `kubectl auth can-i ${d.verb} ${target}${d.namespace ? ` -n ${d.namespace}` : ''}`;
}

/** One line per SSA conflict: managers and the fields they own. */
export interface FieldConflict {
  manager: string;
  fields: string[];
}

/**
 * Parses the causes of a 409 server-side apply conflict:
 * `{reason: "FieldManagerConflict", message: "conflict with \"kubectl\" using apps/v1", field: ".spec.replicas"}`.
 * Falls back to the message ("Apply failed with 1 conflict: conflict with \"kubectl\": .spec.replicas").
 */
export function parseApplyConflicts(status: KubeStatus | undefined): FieldConflict[] {
  const byManager = new Map<string, string[]>();
  const add = (manager: string, field: string | undefined) => {
    const list = byManager.get(manager) ?? [];
    if (field && !list.includes(field)) list.push(field);
    byManager.set(manager, list);
  };
  const details = (status?.details ?? {}) as { causes?: { reason?: string; message?: string; field?: string }[] };
  for (const c of details.causes ?? []) {
    if (c.reason && c.reason !== 'FieldManagerConflict') continue;
    const m = /conflict with "((?:[^"\\]|\\.)*)"/.exec(c.message ?? '');
    add(m?.[1] ?? 'another manager', c.field);
  }
  if (byManager.size === 0 && status?.message) {
    // "Apply failed with 2 conflicts: conflicts with "kubectl" using apps/v1:\n- .spec.a\n- .spec.b"
    const re = /conflicts? with "((?:[^"\\]|\\.)*)"(?: using [^:\s]+)?:\s*((?:\n?-?\s*\.[^\n]+)+)/g;
    for (let m = re.exec(status.message); m; m = re.exec(status.message)) {
      const fields = (m[2] ?? '')
        .split('\n')
        .map((f) => f.replace(/^\s*-\s*/, '').trim())
        .filter(Boolean);
      for (const f of fields) add(m[1] ?? 'another manager', f);
      if (fields.length === 0) add(m[1] ?? 'another manager', undefined);
    }
  }
  return [...byManager.entries()].map(([manager, fields]) => ({ manager, fields }));
}

/**
 * A 409 that is a precondition failing (the object's resourceVersion moved, or it was created
 * meanwhile: Conflict / AlreadyExists), not a server-side apply conflict between field managers.
 * Looks through the causes (a failure() that wraps one).
 */
export function isPreconditionConflict(err: unknown): boolean {
  const e = kubeApiErrorIn(err);
  return e !== undefined && e.code === 409 && (e.reason === 'Conflict' || e.reason === 'AlreadyExists') && !isApplyConflict(e.status);
}

function isApplyConflict(status: KubeStatus | undefined): boolean {
  if (!status) return false;
  const details = (status.details ?? {}) as { causes?: { reason?: string }[] };
  return Boolean(details.causes?.some((c) => c.reason === 'FieldManagerConflict')) || /^Apply failed with \d+ conflict/.test(status.message ?? '');
}

function describeConflicts(conflicts: FieldConflict[]): string {
  return conflicts
    .map((c) => {
      const shown = c.fields.slice(0, 4).join(', ');
      const more = c.fields.length > 4 ? ` and ${c.fields.length - 4} more` : '';
      return c.fields.length ? `${shown}${more} (managed by "${c.manager}")` : `fields managed by "${c.manager}"`;
    })
    .join('; ');
}

/** Maps an HTTP error answer to a one-line error. */
export function apiError(code: number, body: string, d: RequestDescription, id: ClusterIdentity): KubeApiError {
  const status = parseStatus(body);
  const serverMsg = status?.message ? oneLine(status.message) : '';
  const rawBody = !status && body ? oneLine(body, 160) : '';
  const what = targetLabel(d);

  switch (code) {
    case 401:
      return new KubeApiError(
        `the API server ${id.server} refused the credentials${id.userName ? ` of user "${id.userName}"` : ''}${id.contextName ? ` (context "${id.contextName}")` : ''}: 401 Unauthorized`,
        code,
        status,
        'the token or client certificate is invalid or expired: refresh the credentials in the kubeconfig',
      );
    case 403: {
      const needed = d.resource
        ? `cannot ${d.verb} ${resourceLabel(d)}${d.name ? ` "${d.name}"` : ''}${d.namespace ? ` in namespace "${d.namespace}"` : ' (cluster-wide)'}`
        : `cannot ${d.label ?? d.verb}`;
      const msg = serverMsg ? `forbidden: ${needed}: ${serverMsg}` : `forbidden: ${needed} (403)`;
      const check = canICommand(d);
      return new KubeApiError(msg, code, status, `ask a cluster admin for this permission${check ? `; check with: ${check}` : ''}`);
    }
    case 404:
      return new KubeApiError(serverMsg || `${what} not found`, code, status);
    case 409:
      if (isApplyConflict(status)) {
        const conflicts = parseApplyConflicts(status);
        return new KubeApiError(
          `apply conflict on ${what}: ${describeConflicts(conflicts)}`,
          code,
          status,
          'another field manager owns these fields; re-run with --force-conflicts to take them over',
        );
      }
      return new KubeApiError(serverMsg || `${what}: conflict (409)`, code, status);
    case 410:
      return new KubeApiError(serverMsg || `${what}: the resource version is too old (410 Gone)`, code, status, 'what was read changed too much meanwhile; try again');
    case 415:
      return new KubeApiError(`${what}: the API server does not accept this request format (415 Unsupported Media Type)${serverMsg ? `: ${serverMsg}` : ''}`, code, status);
    case 422:
      return new KubeApiError(serverMsg || `${what} is invalid (422)`, code, status, 'the manifest does not pass the API server validation');
    case 429:
      return new KubeApiError(`${d.verb} ${what}: the API server is throttling requests (429 Too Many Requests)${serverMsg ? `: ${serverMsg}` : ''}`, code, status, 'try again later');
    default: {
      const detail = serverMsg || rawBody || httpStatusText(code);
      const hint = code >= 500 ? 'the API server failed to answer; try again, and check its health with `kubectl get --raw /readyz`' : undefined;
      return new KubeApiError(`${d.verb} ${what}: ${code} from the API server: ${detail}`, code, status, hint);
    }
  }
}

function httpStatusText(code: number): string {
  const texts: Record<number, string> = {
    400: 'Bad Request',
    405: 'Method Not Allowed',
    406: 'Not Acceptable',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  return texts[code] ?? 'error';
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** Maps a network error (code ECONNREFUSED, ENOTFOUND, a TLS verification error...) to a one-line failure. */
export function networkError(err: unknown, d: RequestDescription, id: ClusterIdentity): NetworkError {
  const e = err as NodeJS.ErrnoException & { reason?: string };
  const code = e?.code ?? '';
  const base = id.server ? `cannot reach the API server ${id.server}` : 'cannot reach the API server';
  const mk = (msg: string, hint?: string) => new NetworkError(msg, nodeErrorCode(err), hint, err);
  if (code === 'ECONNREFUSED') return mk(`${base}: connection refused`, 'is the cluster running? check the context with `kubectl config current-context`');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return mk(`${base}: the host name does not resolve`, 'check the server address in the kubeconfig and your DNS/VPN');
  if (code === 'ETIMEDOUT' || code === 'ENETUNREACH' || code === 'EHOSTUNREACH') return mk(`${base}: ${code}`, 'is the cluster reachable from here (VPN, firewall)?');
  if (code === 'ECONNRESET' || code === 'EPIPE') return mk(`${base}: the connection was reset${d.verb ? ` during ${d.verb} ${targetLabel(d)}` : ''}`, 'the API server or a proxy on the way closed the connection; try again');
  if (TLS_CODES.has(code)) {
    return mk(
      `the TLS certificate of ${id.server} is not trusted: ${oneLine(e.message ?? code)}`,
      'check certificate-authority / certificate-authority-data of the cluster in the kubeconfig',
    );
  }
  if (code === 'ERR_OSSL_PEM_NO_START_LINE' || /PEM|key values mismatch/i.test(e?.message ?? '')) {
    return mk(`the client certificate or key in the kubeconfig is not usable: ${oneLine(e.message ?? code)}`, 'check client-certificate and client-key of the user in the kubeconfig');
  }
  return mk(
    `${base}: ${oneLine(e?.message ?? String(err))}${code && !(e?.message ?? '').includes(code) ? ` (${code})` : ''}`,
    'check that the API server answers: kubectl cluster-info',
  );
}

/** Error codes of Node's network and TLS layers that say the API server could not be talked to. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET']);

/**
 * The one place an error of any origin becomes what the user sees: a WeavectlError as it is; a
 * network or TLS error that escaped the transport's own mapping as the same one-line message the
 * transport gives; anything else as "unexpected" (a bug: the stack is there with --verbose).
 * Used by run.ts for a failed command and by main.ts's process-wide guard.
 */
export function classifyError(err: unknown): WeavectlError {
  if (err instanceof WeavectlError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (NETWORK_CODES.has(code) || TLS_CODES.has(code)) {
    return networkError(e, { verb: '' }, { server: '' });
  }
  if (code === 'ERR_STRING_TOO_LONG' || e instanceof RangeError && /Array buffer allocation|Invalid string length/.test(e.message)) {
    return new WeavectlError(`an answer or file was too large to read: ${oneLine(e.message)}`, { exitCode: EXIT_FAILURE, cause: e });
  }
  return new WeavectlError(`unexpected: ${oneLine(e.message || String(err))}`, {
    exitCode: EXIT_FAILURE,
    hint: 'run again with --verbose for the stack trace, and report it as a bug',
    cause: e,
  });
}
