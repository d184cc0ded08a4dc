/**
 * Credentials that need code, through @kubernetes/client-node (loaded only for them): exec credential
 * plugins, auth providers (oidc, azure, gcp) and clusters reached through a proxy-url (its socks and
 * http(s) proxy agents). See credentials.ts for the static kinds, read without the library.
 *
 * client-node's applyToHTTPSOptions reads the certificate files and builds an agent on every call;
 * it is called once. Per request only the authorization is asked for again (a plugin's token expires,
 * and a plugin may hand out a new client certificate, which behind a proxy needs a new proxy agent).
 */
import type http from 'node:http';
import type https from 'node:https';
import { KubeConfig, type Cluster as KcCluster, type User as KcUser } from '@kubernetes/client-node';
import { failure, WeavectlError } from '../errors.js';
import { readFile, type Credentials, type RequestAuth, type TlsMaterial } from './credentials.js';
import type { LoadedKubeconfig } from './kubeconfig.js';
import { oneLine } from '../util/text.js';

type Options = https.RequestOptions & { servername?: string };

/** client-node applies no TLS options at all when the context has no user: an anonymous context gets an empty one. */
const ANONYMOUS = '(weavectl-anonymous)';

export function clientNodeCredentials(loaded: LoadedKubeconfig): Credentials {
  const { cluster, user, contextName } = loaded;
  const { tokenFile, ...entry } = user ?? { name: ANONYMOUS };
  const kcUser = { ...entry } as { -readonly [K in keyof KcUser]: KcUser[K] };
  // client-node reads a token file once, when it loads a kubeconfig file; these entries come ready-made.
  if (tokenFile && !kcUser.token) {
    kcUser.token = readFile(tokenFile, 'token file').toString('utf8').trim();
  }
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster as KcCluster],
    users: [kcUser],
    contexts: [{ name: contextName, cluster: cluster.name, user: kcUser.name }],
    currentContext: contextName,
  });
  return new ClientNodeCredentials(kc, contextName, cluster.proxyUrl);
}

class ClientNodeCredentials implements Credentials {
  private base?: Promise<Options>;
  private firstUsed = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly contextName: string,
    readonly proxyUrl: string | undefined,
  ) {}

  private fail(err: unknown): WeavectlError {
    if (err instanceof WeavectlError) return err;
    return failure(
      `cannot get credentials for context "${this.contextName}": ${oneLine((err as Error).message ?? String(err))}`,
      'check the user entry of the kubeconfig (certificate files, token file, exec plugin)',
      err,
    );
  }

  /** Everything client-node computes for a request: TLS material (files read), basic auth, credentials, its agent. */
  private async full(): Promise<Options> {
    const opts: Options = {};
    try {
      await this.kc.applyToHTTPSOptions(opts);
    } catch (err) {
      throw this.fail(err);
    }
    return opts;
  }

  private first(): Promise<Options> {
    let p = this.base;
    if (!p) {
      p = this.base = this.full();
      p.catch(() => {
        if (this.base === p) this.base = undefined; // ask again next time
      });
    }
    return p;
  }

  async tls(): Promise<TlsMaterial> {
    const o = await this.first();
    return {
      ca: o.ca as Buffer | undefined,
      cert: o.cert as Buffer | string | undefined,
      key: o.key as Buffer | string | undefined,
      ...(o.rejectUnauthorized !== undefined ? { rejectUnauthorized: o.rejectUnauthorized } : {}),
      ...(o.servername ? { servername: o.servername } : {}),
      ...(this.proxyUrl && o.agent ? { agent: o.agent as http.Agent } : {}),
    };
  }

  async authorize(): Promise<RequestAuth> {
    const fixed = await this.first();
    // The first request uses what the full computation asked the plugin for; later ones ask again.
    if (!this.firstUsed) {
      this.firstUsed = true;
      return { headers: headersOf(fixed) };
    }
    const opts: Options = { headers: {} };
    // private in client-node's types, present in every 1.x release (the exec-plugin tests go through it)
    const authorize = (this.kc as unknown as { applyAuthorizationHeader(o: Options): Promise<void> }).applyAuthorizationHeader;
    try {
      await authorize.call(this.kc, opts);
    } catch (err) {
      throw this.fail(err);
    }
    const impersonate = (fixed.headers as Record<string, unknown> | undefined)?.['Impersonate-User'];
    if (impersonate) opts.headers = { ...opts.headers, 'Impersonate-User': String(impersonate) };
    opts.auth = fixed.auth;
    const headers = headersOf(opts);
    const out: RequestAuth = { headers };
    if (opts.cert && opts.cert !== fixed.cert) out.cert = opts.cert as Buffer | string;
    if (opts.key && opts.key !== fixed.key) out.key = opts.key as Buffer | string;
    // client-node's proxy agent holds the first client certificate: a rotated one needs a new agent.
    if (this.proxyUrl && (out.cert || out.key)) out.agent = (await this.full()).agent as http.Agent;
    return out;
  }
}

/** The request headers of client-node's options, basic auth (`auth`) as an Authorization header. */
function headersOf(o: Options): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries((o.headers as Record<string, unknown> | undefined) ?? {})) {
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  if (o.auth && !headers['Authorization']) headers['Authorization'] = `Basic ${Buffer.from(o.auth).toString('base64')}`;
  return headers;
}
