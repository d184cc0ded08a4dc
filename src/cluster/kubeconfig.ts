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
 * Parsing of each file, tokens, client certificates and exec credential plugins are client-node's.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig, type Cluster as KcCluster, type Context as KcContext, type User as KcUser } from '@kubernetes/client-node';
import { failure, usageError } from '../errors.js';

export interface LoadKubeconfigOptions {
  /** --kubeconfig */
  kubeconfig?: string;
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
  /** A client-node KubeConfig holding the merged config with the chosen context as current. */
  kc: KubeConfig;
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
const ANONYMOUS = '(weavectl-anonymous)';

interface FileConfig {
  file: string;
  clusters: KcCluster[];
  users: KcUser[];
  contexts: KcContext[];
  currentContext?: string;
}

function readOneFile(file: string): FileConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw failure(`cannot read kubeconfig ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (text.trim() === '') return { file, clusters: [], users: [], contexts: [] };
  const kc = new KubeConfig();
  try {
    // 'filter': like kubectl, a broken entry only matters if the chosen context uses it.
    kc.loadFromFile(file, { onInvalidEntry: 'filter' });
  } catch (err) {
    const first = String((err as Error).message ?? err).split('\n')[0];
    throw failure(`kubeconfig ${file} is not valid YAML: ${first}`);
  }
  const dir = path.dirname(path.resolve(file));
  const users = (kc.users ?? []).map((u) => resolveExecCommand(u, dir));
  return {
    file,
    clusters: kc.clusters ?? [],
    users,
    contexts: kc.contexts ?? [],
    currentContext: kc.currentContext || undefined,
  };
}

/** client-go resolves a relative exec plugin command that contains a path separator against the kubeconfig's folder. */
function resolveExecCommand(u: KcUser, dir: string): KcUser {
  const exec = u.exec as { command?: string } | null | undefined;
  if (exec && typeof exec.command === 'string' && exec.command.includes('/') && !path.isAbsolute(exec.command)) {
    return { ...u, exec: { ...exec, command: path.join(dir, exec.command) } } as KcUser;
  }
  return u;
}

/**
 * Merges per-file configs with client-go's rules: for clusters, users and contexts the first
 * file that defines a name wins; current-context comes from the first file that sets it.
 * Pure (no I/O).
 */
export function mergeConfigs(files: FileConfig[]): Omit<FileConfig, 'file'> {
  const clusters = new Map<string, KcCluster>();
  const users = new Map<string, KcUser>();
  const contexts = new Map<string, KcContext>();
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
    if (present.length === 0 && !inClusterPossible(env, opts.inClusterRoot)) {
      throw failure(`none of the files in KUBECONFIG exist (${listed.join(', ')})`, 'fix KUBECONFIG or pass --kubeconfig PATH');
    }
  } else {
    const home = opts.homeDir ?? (env.HOME || os.homedir());
    const def = path.join(home, '.kube', 'config');
    source = def;
    if (exists(def)) files = [readOneFile(def)];
  }

  const merged = mergeConfigs(files);
  const empty = merged.clusters.length === 0 && merged.contexts.length === 0 && merged.users.length === 0;
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
      'pass --kubeconfig PATH, set KUBECONFIG, or check `kubectl config view`',
    );
  }

  const contextNames = merged.contexts.map((c) => c.name);
  const contextName = opts.context || merged.currentContext;
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
  const cluster = merged.clusters.find((c) => c.name === ctx.cluster);
  if (!cluster) {
    throw failure(`context "${ctx.name}" refers to cluster "${ctx.cluster}", which is not in the kubeconfig or has no server (${source})`);
  }
  let userName: string | undefined;
  if (ctx.user) {
    if (!merged.users.some((u) => u.name === ctx.user)) {
      throw failure(`context "${ctx.name}" refers to user "${ctx.user}", which is not in the kubeconfig (${source})`);
    }
    userName = ctx.user;
  }

  checkServer(cluster, warnings);

  // client-node applies no TLS options at all (CA, insecure-skip-tls-verify) when the context has
  // no user: give an anonymous context an empty user entry so its cluster settings still apply.
  let users = merged.users;
  let contexts = merged.contexts;
  if (!userName) {
    users = [...users.filter((u) => u.name !== ANONYMOUS), { name: ANONYMOUS } as KcUser];
    contexts = contexts.map((c) => (c === ctx ? { ...c, user: ANONYMOUS } : c));
  }
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: merged.clusters, users, contexts, currentContext: contextName });
  return {
    kc,
    contextName,
    clusterName: cluster.name,
    server: cluster.server,
    namespace: opts.namespace || ctx.namespace || 'default',
    userName,
    source,
    warnings,
  };
}

function checkServer(cluster: KcCluster, warnings: string[]): void {
  let url: URL;
  try {
    url = new URL(cluster.server);
  } catch {
    throw failure(`cluster "${cluster.name}" has an invalid server address "${cluster.server}"`);
  }
  if (url.protocol === 'http:') {
    if (!cluster.skipTLSVerify) {
      throw failure(
        `cluster "${cluster.name}" uses plain HTTP (${cluster.server}), which is only allowed with insecure-skip-tls-verify: true`,
        'use the https:// address of the API server',
      );
    }
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
  const cluster: KcCluster = { name: 'in-cluster', server, skipTLSVerify: false, ...(exists(caFile) ? { caFile } : {}) };
  if (!exists(caFile)) warnings.push(`in-cluster: ${caFile} is missing; the server certificate is checked against the system CAs`);
  const user = {
    name: 'in-cluster',
    // client-node's FileAuth re-reads the projected token (it is rotated by the kubelet).
    authProvider: { name: 'tokenFile', config: { tokenFile: `${root}${SA_DIR}/token` } },
  } as unknown as KcUser;
  let saNamespace: string | undefined;
  if (exists(nsFile)) saNamespace = fs.readFileSync(nsFile, 'utf8').trim() || undefined;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [user],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'in-cluster', namespace: saNamespace }],
    currentContext: 'in-cluster',
  });
  return {
    kc,
    contextName: 'in-cluster',
    clusterName: 'in-cluster',
    server,
    namespace: opts.namespace || saNamespace || 'default',
    userName: 'in-cluster',
    source: 'in-cluster service account',
    warnings,
  };
}
