/**
 * Credentials for the API server: the TLS material of the connection and the headers of each request.
 *
 * Most kubeconfigs hold static credentials: a CA, a client certificate and key (files or inline data),
 * a bearer token or token file, a user name and password, an impersonated user. Those are read here,
 * the way client-go reads them, without loading any client library (it costs more start-up time than
 * the requests of an install). Users whose credentials need code (exec credential plugins, auth
 * providers such as oidc, azure or gcp) and clusters reached through a proxy-url are handed to
 * @kubernetes/client-node, loaded only then (client-node-credentials.ts). A test holds both paths to
 * the same answers for every static kind (test/cluster/credentials.test.ts).
 */
import type http from 'node:http';
import { failure } from '../errors.js';
import { FileTooLarge, formatBytes, readFileBounded } from '../util/read-bounded.js';
import type { KubeconfigCluster, KubeconfigUser, LoadedKubeconfig } from './kubeconfig.js';

/** What every connection to the server uses. */
export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer | string;
  key?: Buffer | string;
  /** false only with insecure-skip-tls-verify. */
  rejectUnauthorized?: boolean;
  servername?: string;
  /** A proxy's agent (proxy-url), which makes the connections itself. */
  agent?: http.Agent;
}

/** What one request adds: headers, and a client certificate when a plugin hands out a fresh one. */
/** Request headers; a list is sent as one header line per value (Impersonate-Group). */
export type RequestHeaders = Record<string, string | string[]>;

export interface RequestAuth {
  headers: RequestHeaders;
  cert?: Buffer | string;
  key?: Buffer | string;
  /** A proxy agent built for that fresh certificate. */
  agent?: http.Agent;
}

export interface Credentials {
  /** The TLS material; asked for once per transport. */
  tls(): Promise<TlsMaterial>;
  /** The credentials of one request (tokens from files and plugins expire, so this is asked per request). */
  authorize(): Promise<RequestAuth>;
  /** The proxy the cluster entry names, if any. */
  readonly proxyUrl?: string;
}

/** client-go re-reads a token file at most once a minute. */
export const TOKEN_FILE_TTL_MS = 60_000;

/** Whether the user or cluster needs @kubernetes/client-node (code runs to get credentials, or a proxy agent). */
export function needsClientLibrary(cluster: KubeconfigCluster, user: KubeconfigUser | undefined): boolean {
  return Boolean(cluster.proxyUrl || user?.exec || user?.authProvider);
}

/** The credentials of a loaded kubeconfig: static ones read here, the rest through client-node. */
export async function credentialsFor(loaded: LoadedKubeconfig): Promise<Credentials> {
  if (needsClientLibrary(loaded.cluster, loaded.user)) {
    const { clientNodeCredentials } = await import('./client-node-credentials.js');
    return clientNodeCredentials(loaded);
  }
  return new StaticCredentials(loaded.cluster, loaded.user);
}

/** No certificate, key or token file is this large. */
export const MAX_CREDENTIAL_FILE_BYTES = 1 << 20;

export function readFile(file: string, what: string): Buffer {
  try {
    return readFileBounded(file, MAX_CREDENTIAL_FILE_BYTES);
  } catch (err) {
    const why = err instanceof FileTooLarge ? `larger than ${formatBytes(MAX_CREDENTIAL_FILE_BYTES)}` : (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw failure(`cannot read the ${what} ${file}: ${why}`, 'check the file paths of the user and cluster entries in the kubeconfig');
  }
}

/** A file, else base64 data (client-go: the file wins when both are set). */
function fileOrData(file: string | undefined, data: string | undefined, what: string): Buffer | undefined {
  if (file) return readFile(file, what);
  if (data) return Buffer.from(data, 'base64');
  return undefined;
}

/**
 * Static credentials, read as client-go reads them: certificate files once, a token file again when
 * it is older than a minute (projected service account tokens rotate), its content trimmed.
 */
export class StaticCredentials implements Credentials {
  readonly proxyUrl = undefined;
  private token?: { value: string; readAt: number };

  constructor(
    private readonly cluster: KubeconfigCluster,
    private readonly user: KubeconfigUser | undefined,
    private readonly now: () => number = Date.now,
  ) {
    const u = user;
    if (u && (u.token || u.tokenFile) && (u.username || u.password)) {
      throw failure(
        `user "${u.name}" of the kubeconfig has both a bearer token and a user name/password: only one authentication method is allowed`,
        'remove one of them from the user entry',
      );
    }
  }

  async tls(): Promise<TlsMaterial> {
    const c = this.cluster;
    const u = this.user;
    const out: TlsMaterial = {};
    if (c.skipTLSVerify) out.rejectUnauthorized = false;
    if (c.tlsServerName) out.servername = c.tlsServerName;
    const ca = fileOrData(c.caFile, c.caData, 'certificate authority');
    if (ca) out.ca = ca;
    const cert = u ? fileOrData(u.certFile, u.certData, 'client certificate') : undefined;
    if (cert) out.cert = cert;
    const key = u ? fileOrData(u.keyFile, u.keyData, 'client key') : undefined;
    if (key) out.key = key;
    return out;
  }

  async authorize(): Promise<RequestAuth> {
    const u = this.user;
    const headers: RequestHeaders = {};
    if (!u) return { headers };
    // kubectl's --as, --as-group, --as-uid (and the kubeconfig user's as, as-groups, as-uid): the
    // API server's impersonation headers; a group per header line.
    if (u.impersonateUser) headers['Impersonate-User'] = u.impersonateUser;
    if (u.impersonateGroups?.length) headers['Impersonate-Group'] = [...u.impersonateGroups];
    if (u.impersonateUid) headers['Impersonate-Uid'] = u.impersonateUid;
    const token = u.token ?? (u.tokenFile ? this.tokenFromFile(u.tokenFile) : undefined);
    if (token) headers['Authorization'] = `Bearer ${token}`;
    else if (u.username || u.password) headers['Authorization'] = `Basic ${Buffer.from(`${u.username ?? ''}:${u.password ?? ''}`).toString('base64')}`;
    return { headers };
  }

  private tokenFromFile(file: string): string | undefined {
    const t = this.now();
    if (!this.token || t - this.token.readAt > TOKEN_FILE_TTL_MS) {
      this.token = { value: readFile(file, 'token file').toString('utf8').trim(), readAt: t };
    }
    return this.token.value || undefined;
  }
}
