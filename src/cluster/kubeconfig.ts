/**
 * Loads the client configuration the way kubectl (client-go's loading rules) does:
 *
 *   --kubeconfig PATH          only that file; it must exist
 *   else KUBECONFIG=a:b:c      files merged, the FIRST file to define a cluster/user/context name wins,
 *                              current-context from the first file that sets one; missing files are skipped
 *   else ~/.kube/config
 *   else the in-cluster service account (KUBERNETES_SERVICE_HOST/PORT + the mounted token)
 *
 * `--context` picks a context; the namespace is --namespace, else the context's, else "default".
 *
 * The entries are read into the same shapes @kubernetes/client-node uses (its Cluster and User field
 * names and rules: an entry without a name, a cluster without a server, a context without a cluster is
 * skipped, as kubectl skips what the chosen context does not use), so that the users that need the
 * client library (exec credential plugins, auth providers, proxies: see credentials.ts) are handed to
 * it unchanged. Relative file paths are resolved against the kubeconfig's folder, as client-go does
 * (certificate-authority, client-certificate, client-key, token-file, a relative exec command).
 * No client library is loaded here: reading a kubeconfig costs a YAML parse (js-yaml, as client-node).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// js-yaml, the parser client-node reads kubeconfigs with: cold, it reads one in a few ms, where the
// yaml package's full parser (the manifests' library) first costs ~20 ms of compilation.
import { load as parseYaml } from 'js-yaml';
import { failure, usageError } from '../errors.js';
import { FileTooLarge, formatBytes, readFileBounded } from '../util/read-bounded.js';

/** A cluster entry, in client-node's field names. */
export interface KubeconfigCluster {
  name: string;
  /** Without a trailing slash. */
  server: string;
  caData?: string;
  caFile?: string;
  skipTLSVerify: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
}

/** A user entry, in client-node's field names (plus tokenFile, which client-node reads at load time). */
export interface KubeconfigUser {
  name: string;
  token?: string;
  tokenFile?: string;
  certData?: string;
  certFile?: string;
  keyData?: string;
  keyFile?: string;
  username?: string;
  password?: string;
  impersonateUser?: string;
  /** `as-groups`: the groups to impersonate (with a user). */
  impersonateGroups?: string[];
  /** `as-uid`: the UID to impersonate (with a user). */
  impersonateUid?: string;
  exec?: Record<string, unknown>;
  authProvider?: { name?: string; config?: Record<string, unknown> };
}

export interface KubeconfigContext {
  name: string;
  cluster: string;
  user?: string;
  namespace?: string;
}

/**
 * kubectl's global flags that override parts of the kubeconfig (client-go's clientcmd
 * ConfigOverrides), with kubectl's meaning.
 */
export interface KubeconfigOverrides {
  /** --server/-s: the API server address, instead of the cluster's. */
  server?: string;
  /** --cluster: the kubeconfig cluster to use, instead of the context's. */
  cluster?: string;
  /** --user: the kubeconfig user to use, instead of the context's. */
  user?: string;
  /** --token: a bearer token, instead of the user's credentials (a client certificate stays). */
  token?: string;
  /** --as: the user to impersonate. */
  as?: string;
  /** --as-group (repeatable): the groups to impersonate; needs a user to impersonate. */
  asGroups?: string[];
  /** --as-uid: the UID to impersonate; needs a user to impersonate. */
  asUid?: string;
  /** --insecure-skip-tls-verify: the server's certificate is not checked (and no CA is used). */
  insecureSkipTlsVerify?: boolean;
  /** --certificate-authority: the CA file to check the server's certificate with. */
  certificateAuthority?: string;
}

export interface LoadKubeconfigOptions {
  /** --kubeconfig */
  kubeconfig?: string;
  /** --server, --cluster, --user, --token, --as, --insecure-skip-tls-verify, --certificate-authority */
  overrides?: KubeconfigOverrides;
  /** --context */
  context?: string;
  /** -n/--namespace */
  namespace?: string;
  /** Environment to read KUBECONFIG / KUBERNETES_SERVICE_* / HOME from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Home directory (default: HOME from env, else os.homedir()). */
  homeDir?: string;
  /** Prefix of /var/run/secrets/kubernetes.io/serviceaccount (tests). */
  inClusterRoot?: string;
}

export interface LoadedKubeconfig {
  /** The chosen context's cluster. */
  cluster: KubeconfigCluster;
  /** The chosen context's user, or undefined for anonymous access. */
  user?: KubeconfigUser;
  contextName: string;
  clusterName: string;
  /** Server URL without a trailing slash. */
  server: string;
  /** --namespace, else the context's namespace, else "default". */
  namespace: string;
  /** The user entry name, or undefined for anonymous access. */
  userName?: string;
  /** Where the config came from: the file(s), or "in-cluster service account". */
  source: string;
  /** Things the caller should print as warnings (e.g. TLS verification disabled). */
  warnings: string[];
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

interface FileConfig {
  file: string;
  clusters: KubeconfigCluster[];
  users: KubeconfigUser[];
  contexts: KubeconfigContext[];
  currentContext?: string;
}

type Raw = Record<string, unknown>;

const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const named = (v: unknown): v is Raw & { name: string } => isObject(v) && typeof v['name'] === 'string' && v['name'] !== '';

/** A path of the kubeconfig made absolute against its folder (client-go's ResolvePaths). */
function resolvePath(dir: string, p: string | undefined): string | undefined {
  return p === undefined || path.isAbsolute(p) ? p : path.join(dir, p);
}

/** The entries of one parsed kubeconfig document; invalid entries are skipped (see the module comment). */
export function entriesOf(doc: unknown, dir: string): Omit<FileConfig, 'file'> {
  const d = isObject(doc) ? doc : {};
  const list = (k: string): unknown[] => (Array.isArray(d[k]) ? (d[k] as unknown[]) : []);
  const clusters: KubeconfigCluster[] = [];
  for (const e of list('clusters')) {
    if (!named(e) || !isObject(e['cluster'])) continue;
    const c = e['cluster'];
    const server = str(c['server']);
    if (!server) continue;
    clusters.push({
      name: e.name,
      server: server.replace(/\/$/, ''),
      caData: str(c['certificate-authority-data']),
      caFile: resolvePath(dir, str(c['certificate-authority'])),
      skipTLSVerify: c['insecure-skip-tls-verify'] === true,
      tlsServerName: str(c['tls-server-name']),
      proxyUrl: str(c['proxy-url']),
    });
  }
  const users: KubeconfigUser[] = [];
  for (const e of list('users')) {
    if (!named(e)) continue;
    const u = isObject(e['user']) ? e['user'] : {};
    const exec = isObject(u['exec']) ? { ...u['exec'] } : undefined;
    if (exec && typeof exec['command'] === 'string' && exec['command'].includes('/') && !path.isAbsolute(exec['command'])) {
      // client-go resolves a relative exec command that contains a path separator against the kubeconfig's folder
      exec['command'] = path.join(dir, exec['command']);
    }
    users.push({
      name: e.name,
      token: str(u['token']),
      // kubectl's key is tokenFile (client-go's AuthInfo `json:"tokenFile"`); token-file is client-node's spelling
      tokenFile: resolvePath(dir, str(u['tokenFile']) ?? str(u['token-file'])),
      certData: str(u['client-certificate-data']),
      certFile: resolvePath(dir, str(u['client-certificate'])),
      keyData: str(u['client-key-data']),
      keyFile: resolvePath(dir, str(u['client-key'])),
      username: str(u['username']),
      password: str(u['password']),
      impersonateUser: str(u['as']),
      impersonateGroups: Array.isArray(u['as-groups']) ? (u['as-groups'] as unknown[]).filter((g): g is string => typeof g === 'string' && g !== '') : undefined,
      impersonateUid: str(u['as-uid']),
      exec,
      authProvider: isObject(u['auth-provider']) ? (u['auth-provider'] as KubeconfigUser['authProvider']) : undefined,
    });
  }
  const contexts: KubeconfigContext[] = [];
  for (const e of list('contexts')) {
    if (!named(e) || !isObject(e['context'])) continue;
    const c = e['context'];
    const cluster = str(c['cluster']);
    if (!cluster) continue;
    contexts.push({ name: e.name, cluster, user: str(c['user']), namespace: str(c['namespace']) });
  }
  return { clusters, users, contexts, currentContext: str(d['current-context']) };
}

/** No kubeconfig is this large (a thousand contexts with inline certificates are a few MiB). */
export const MAX_KUBECONFIG_BYTES = 16 << 20;

function readOneFile(file: string): FileConfig {
  let text: string;
  try {
    text = readFileBounded(file, MAX_KUBECONFIG_BYTES).toString('utf8');
  } catch (err) {
    if (err instanceof FileTooLarge) {
      throw failure(`kubeconfig ${file} is larger than ${formatBytes(MAX_KUBECONFIG_BYTES)}: not a kubeconfig`, 'check the --kubeconfig path or KUBECONFIG');
    }
    const code = (err as NodeJS.ErrnoException).code;
    throw failure(
      `cannot read kubeconfig ${file}: ${code === 'EISDIR' ? 'it is a directory' : code ?? (err as Error).message}`,
      'check the --kubeconfig path or KUBECONFIG',
    );
  }
  if (text.trim() === '') return { file, clusters: [], users: [], contexts: [] };
  let doc: unknown;
  try {
    doc = parseYaml(text, { filename: file });
  } catch (err) {
    const first = String((err as Error).message ?? err).split('\n')[0];
    throw failure(`kubeconfig ${file} is not valid YAML: ${first}`, 'check the file with `kubectl config view`');
  }
  if (doc !== null && doc !== undefined && !isObject(doc)) {
    throw failure(`kubeconfig ${file} is not a kubeconfig: its top level is not a mapping`, 'check the --kubeconfig path or KUBECONFIG');
  }
  return { file, ...entriesOf(doc, path.dirname(path.resolve(file))) };
}

/**
 * Merges per-file configs with client-go's rules: for clusters, users and contexts the first
 * file that defines a name wins; current-context comes from the first file that sets it.
 * Pure (no I/O).
 */
export function mergeConfigs(files: FileConfig[]): Omit<FileConfig, 'file'> {
  const clusters = new Map<string, KubeconfigCluster>();
  const users = new Map<string, KubeconfigUser>();
  const contexts = new Map<string, KubeconfigContext>();
  let currentContext: string | undefined;
  for (const f of files) {
    for (const c of f.clusters) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of f.users) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of f.contexts) if (!contexts.has(c.name)) contexts.set(c.name, c);
    if (!currentContext && f.currentContext) currentContext = f.currentContext;
  }
  return { clusters: [...clusters.values()], users: [...users.values()], contexts: [...contexts.values()], currentContext };
}

function exists(p: string): boolean {
  try {
    fs.accessSync(p);
    return true;
  } catch {
    return false;
  }
}

function listNames(names: string[]): string {
  return names.length === 0 ? 'none' : names.join(', ');
}

/** Loads, merges and resolves the kubeconfig; throws usageError/failure with one-line messages. */
export function loadKubeconfig(opts: LoadKubeconfigOptions = {}): LoadedKubeconfig {
  const env = opts.env ?? process.env;
  const warnings: string[] = [];
  let files: FileConfig[] = [];
  let source: string;

  if (opts.kubeconfig !== undefined && opts.kubeconfig !== '') {
    if (!exists(opts.kubeconfig)) throw failure(`kubeconfig ${opts.kubeconfig} does not exist`, 'check the --kubeconfig path');
    files = [readOneFile(opts.kubeconfig)];
    source = opts.kubeconfig;
  } else if (env.KUBECONFIG) {
    const listed = env.KUBECONFIG.split(path.delimiter).filter((f) => f !== '');
    const present = listed.filter(exists);
    files = present.map(readOneFile);
    source = present.join(path.delimiter);
    if (present.length === 0 && !inClusterPossible(env, opts.inClusterRoot) && !opts.overrides?.server) {
      throw failure(`none of the files in KUBECONFIG exist (${listed.join(', ')})`, 'fix KUBECONFIG or pass --kubeconfig PATH');
    }
  } else {
    const home = opts.homeDir ?? (env.HOME || os.homedir());
    const def = path.join(home, '.kube', 'config');
    source = def;
    if (exists(def)) files = [readOneFile(def)];
  }

  const merged = mergeConfigs(files);
  const ov = opts.overrides ?? {};
  const empty = merged.clusters.length === 0 && merged.contexts.length === 0 && merged.users.length === 0;
  const contextName = opts.context || merged.currentContext;
  // kubectl -s URL works without any kubeconfig, or without a context in it: the flags say it all
  if (ov.server && !opts.context && (empty || !contextName)) {
    return withOverrides(merged, { name: '', cluster: '' }, ov, opts, source || '--server', warnings);
  }
  if (empty) {
    if (inClusterPossible(env, opts.inClusterRoot)) {
      if (opts.context) {
        throw usageError(`context "${opts.context}" does not exist: there is no kubeconfig, only the in-cluster service account`);
      }
      return loadInCluster(opts, warnings);
    }
    throw failure(
      files.length === 0
        ? 'no Kubernetes configuration found: no --kubeconfig, KUBECONFIG is not set, ~/.kube/config does not exist, and this is not running in a pod'
        : `the kubeconfig ${source} defines no clusters, users or contexts`,
      'pass --kubeconfig PATH, set KUBECONFIG, or --server URL; check `kubectl config view`',
    );
  }

  const contextNames = merged.contexts.map((c) => c.name);
  if (!contextName) {
    throw failure(`the kubeconfig (${source}) has no current-context`, `pick one with --context (available: ${listNames(contextNames)})`);
  }
  const ctx = merged.contexts.find((c) => c.name === contextName);
  if (!ctx) {
    if (opts.context) {
      throw usageError(`context "${contextName}" does not exist in the kubeconfig (available: ${listNames(contextNames)})`);
    }
    throw failure(
      `the current-context "${contextName}" of the kubeconfig (${source}) does not exist`,
      `pick one with --context (available: ${listNames(contextNames)})`,
    );
  }
  return withOverrides(merged, ctx, ov, opts, source, warnings);
}

/** The context's cluster and user, with kubectl's override flags applied; checked. */
function withOverrides(
  merged: Omit<FileConfig, 'file'>,
  ctx: KubeconfigContext,
  ov: KubeconfigOverrides,
  opts: LoadKubeconfigOptions,
  source: string,
  warnings: string[],
): LoadedKubeconfig {
  const clusterName = ov.cluster ?? ctx.cluster;
  let cluster: KubeconfigCluster | undefined = clusterName ? merged.clusters.find((c) => c.name === clusterName) : undefined;
  if (ov.cluster !== undefined && !cluster) {
    throw usageError(`cluster "${ov.cluster}" (--cluster) does not exist in the kubeconfig (available: ${listNames(merged.clusters.map((c) => c.name))})`);
  }
  if (!cluster) {
    if (!ov.server) throw failure(`context "${ctx.name}" refers to cluster "${ctx.cluster}", which is not in the kubeconfig or has no server (${source})`);
    cluster = { name: clusterName || 'from --server', server: '', skipTLSVerify: false };
  }
  cluster = { ...cluster };
  if (ov.server) cluster.server = ov.server.replace(/\/+$/, '');
  if (ov.certificateAuthority !== undefined) {
    cluster.caFile = path.resolve(ov.certificateAuthority);
    cluster.caData = undefined;
  }
  if (ov.insecureSkipTlsVerify) {
    if (ov.certificateAuthority !== undefined) {
      // kubectl: "specifying a root certificates file with the insecure flag is not allowed"
      throw usageError('--certificate-authority and --insecure-skip-tls-verify cannot be used together: the certificate would not be checked');
    }
    cluster.skipTLSVerify = true;
    cluster.caFile = undefined;
    cluster.caData = undefined;
  }

  const userName = ov.user ?? ctx.user;
  let user: KubeconfigUser | undefined;
  if (userName) {
    user = merged.users.find((u) => u.name === userName);
    if (!user) {
      if (ov.user !== undefined) {
        throw usageError(`user "${ov.user}" (--user) does not exist in the kubeconfig (available: ${listNames(merged.users.map((u) => u.name))})`);
      }
      throw failure(`context "${ctx.name}" refers to user "${ctx.user}", which is not in the kubeconfig (${source})`);
    }
  }
  if (ov.token !== undefined || ov.as !== undefined || ov.asGroups !== undefined || ov.asUid !== undefined) {
    user = { ...(user ?? { name: userName ?? 'from flags' }) };
    if (ov.token !== undefined) {
      // the token is the user's credential now; a client certificate stays, as with kubectl
      user.token = ov.token;
      user.tokenFile = undefined;
      user.username = undefined;
      user.password = undefined;
      user.exec = undefined;
      user.authProvider = undefined;
    }
    if (ov.as !== undefined) user.impersonateUser = ov.as;
    if (ov.asGroups !== undefined) user.impersonateGroups = ov.asGroups;
    if (ov.asUid !== undefined) user.impersonateUid = ov.asUid;
  }
  // The API server impersonates groups or a UID only together with a user (Impersonate-User).
  if (user && (user.impersonateGroups?.length || user.impersonateUid) && !user.impersonateUser) {
    const what = 'groups or a UID to impersonate without a user to impersonate';
    if (ov.asGroups !== undefined || ov.asUid !== undefined) throw usageError(`--as-group and --as-uid need --as: ${what}`, 'e.g. --as jane --as-group developers');
    throw failure(`user "${user.name}" of the kubeconfig has ${what} (as-groups or as-uid without as)`);
  }

  checkServer(cluster, warnings);

  return {
    cluster,
    user,
    contextName: ctx.name || '(none: --server)',
    clusterName: cluster.name,
    server: cluster.server,
    namespace: opts.namespace || ctx.namespace || 'default',
    userName: user?.name,
    source,
    warnings,
  };
}

function checkServer(cluster: KubeconfigCluster, warnings: string[]): void {
  let url: URL;
  try {
    url = new URL(cluster.server);
  } catch {
    throw failure(`cluster "${cluster.name}" has an invalid server address "${cluster.server}"`);
  }
  if (url.protocol === 'http:') {
    // kubectl talks plain HTTP to such a server (`kubectl proxy`, a local test server): so does weavectl, with a warning
    warnings.push(`the connection to cluster "${cluster.name}" (${cluster.server}) is plain HTTP: not encrypted, server not authenticated`);
  } else if (url.protocol === 'https:') {
    if (cluster.skipTLSVerify) {
      warnings.push(
        `TLS certificate verification is disabled for cluster "${cluster.name}" (insecure-skip-tls-verify): the server ${cluster.server} is not authenticated`,
      );
    }
  } else {
    throw failure(`cluster "${cluster.name}" has an unsupported server address "${cluster.server}" (expected https://...)`);
  }
}

function inClusterPossible(env: NodeJS.ProcessEnv, root = ''): boolean {
  return Boolean(env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT && exists(`${root}${SA_DIR}/token`));
}

function loadInCluster(opts: LoadKubeconfigOptions, warnings: string[]): LoadedKubeconfig {
  const env = opts.env ?? process.env;
  const root = opts.inClusterRoot ?? '';
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '';
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const caFile = `${root}${SA_DIR}/ca.crt`;
  const nsFile = `${root}${SA_DIR}/namespace`;
  const cluster: KubeconfigCluster = { name: 'in-cluster', server, skipTLSVerify: false, ...(exists(caFile) ? { caFile } : {}) };
  if (!exists(caFile)) warnings.push(`in-cluster: ${caFile} is missing; the server certificate is checked against the system CAs`);
  // The projected token is rotated by the kubelet: a token file is re-read as it ages (credentials.ts).
  const user: KubeconfigUser = { name: 'in-cluster', tokenFile: `${root}${SA_DIR}/token` };
  let saNamespace: string | undefined;
  if (exists(nsFile)) saNamespace = fs.readFileSync(nsFile, 'utf8').trim() || undefined;
  // kubectl's override flags apply in a pod too (--token, --as, --server ...)
  return withOverrides(
    { clusters: [cluster], users: [user], contexts: [] },
    { name: 'in-cluster', cluster: 'in-cluster', user: 'in-cluster', ...(saNamespace ? { namespace: saNamespace } : {}) },
    opts.overrides ?? {},
    opts,
    'in-cluster service account',
    warnings,
  );
}

/** The contexts of the kubeconfig that would be read (shell completion of --context and -n); [] when there is none or it cannot be read. */
export function listContexts(opts: Pick<LoadKubeconfigOptions, 'kubeconfig' | 'env' | 'homeDir'> = {}): KubeconfigContext[] {
  const env = opts.env ?? process.env;
  let files: string[];
  if (opts.kubeconfig) files = [opts.kubeconfig];
  else if (env.KUBECONFIG) files = env.KUBECONFIG.split(path.delimiter).filter((f) => f !== '');
  else files = [path.join(opts.homeDir ?? (env.HOME || os.homedir()), '.kube', 'config')];
  try {
    return mergeConfigs(files.filter(exists).map(readOneFile)).contexts;
  } catch {
    return [];
  }
}
