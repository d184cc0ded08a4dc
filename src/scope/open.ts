/**
 * `weavectl scope open`: the Scope UI on a local port, forwarded to the Scope app pod through the API
 * server (pods/portforward: ClusterSession.portForward), as `kubectl port-forward` would, without a
 * Service exposed. Prints the local URL on stdout, opens the browser when there is a desktop, and
 * forwards until Ctrl-C. One port-forward connection per local connection, as kubectl does.
 */
import { createServer, isIP, type Server, type Socket } from 'node:net';
import type { ClusterSession, KubeObject } from '../cluster/types.js';
import { isKubeApiError } from '../cluster/status-errors.js';
import { errorText, failure, usageError } from '../errors.js';
import type { Reporter } from '../output/reporter.js';
import { programName } from '../util/program-name.js';
import { BASIC_AUTH_KEYS } from '../manifest/scope-auth.js';
import { browserOpener, openBrowser, type Opener } from './browser.js';
import { appPod, appTargetPort, basicAuthOf, locateScope, type RunningScope } from './locate.js';

export interface OpenOptions {
  /** Local address to listen on (default 127.0.0.1). */
  address: string;
  /** Local port; 0 picks a free one. */
  port: number;
  /** Open the browser when there is a desktop. */
  browser: boolean;
}

export const DEFAULT_OPEN_ADDRESS = '127.0.0.1';
export const DEFAULT_OPEN_PORT = 4040;

export function parseOpenAddress(text: string): string {
  const t = text.trim();
  if (t === 'localhost' || isIP(t) !== 0) return t;
  throw usageError(`--address ${JSON.stringify(text)} is not an IP address (or localhost)`, 'e.g. --address 127.0.0.1, or --address 0.0.0.0 for every interface');
}

export function parseLocalPort(text: string): number {
  if (!/^\d{1,5}$/.test(text.trim()) || Number(text) > 65535) throw usageError(`--port ${JSON.stringify(text)} is not a port (0-65535; 0 picks a free one)`);
  return Number(text);
}

function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || /^127\./.test(address);
}

export function localUrl(address: string, port: number): string {
  const host = address === '0.0.0.0' || address === '::' ? 'localhost' : address.includes(':') ? `[${address}]` : address;
  return `http://${host}:${port}/`;
}

/** Where the credentials are, never what they are. */
export function credentialsNote(namespace: string, secret: string): string {
  return `Basic auth is on: the user name and password are in Secret ${namespace}/${secret} (keys ${BASIC_AUTH_KEYS.username}, ${BASIC_AUTH_KEYS.password}); read them with: kubectl -n ${namespace} get secret ${secret} -o jsonpath='{.data.${BASIC_AUTH_KEYS.password}}' | base64 -d`;
}

function listen(server: Server, port: number, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(usageError(`cannot listen on ${address}:${port}: the port is in use`, '--port 0 picks a free port'));
      else if (err.code === 'EADDRNOTAVAIL') reject(usageError(`cannot listen on ${address}: no interface of this machine has that address`));
      else if (err.code === 'EACCES') reject(usageError(`cannot listen on ${address}:${port}: permission denied (ports below 1024 need privileges)`, '--port 0 picks a free port'));
      else reject(failure(`cannot listen on ${address}:${port}: ${errorText(err)}`));
    });
    server.listen(port, address, () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : port);
    });
  });
}

export interface OpenSession {
  url: string;
  pod: KubeObject;
  scope: RunningScope;
  /** Stops listening and closes every forwarded connection. */
  close(): Promise<void>;
}

/**
 * Finds the app pod, checks that one connection gets through, listens, prints the URL, and opens the
 * browser. Returns the session; the caller waits for Ctrl-C and closes it.
 */
export async function startScopeOpen(
  cluster: ClusterSession,
  opts: OpenOptions,
  reporter: Reporter,
  deps: { opener?: (url: string) => Opener | undefined; open?: (o: Opener) => Promise<string | undefined> } = {},
): Promise<OpenSession> {
  const scope = await locateScope(cluster, reporter);
  let pod = await appPod(cluster, scope);
  const port = appTargetPort(scope.service);
  const podRef = () => ({ namespace: scope.namespace, name: pod.metadata.name });
  // One connection first: a refusal (403 on pods/portforward, the pod gone) is the command's error, before any URL.
  (await cluster.portForward(podRef(), port)).destroy();

  const sockets = new Set<Socket>();
  let warned = 0;
  const connectionFailed = (err: unknown) => {
    // one line per failed connection, at most a few (a browser opens many at once)
    if (warned++ < 3) reporter.warn(`a connection to the Scope UI failed: ${errorText(err)}`);
  };
  /** The pod may have been replaced (a rollout): pick the app pod again, once per failure. */
  const forward = async () => {
    try {
      return await cluster.portForward(podRef(), port);
    } catch (err) {
      if (!isKubeApiError(err, 404) && !isKubeApiError(err, 400)) throw err;
      pod = await appPod(cluster, scope);
      reporter.info(`Forwarding to pod ${scope.namespace}/${pod.metadata.name} now`);
      return cluster.portForward(podRef(), port);
    }
  };
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.pause();
    forward().then(
      (remote) => {
        if (socket.destroyed) return void remote.destroy();
        remote.on('error', (err) => {
          connectionFailed(err);
          socket.destroy();
        });
        socket.on('close', () => remote.destroy());
        socket.pipe(remote);
        remote.pipe(socket);
        socket.resume();
      },
      (err) => {
        connectionFailed(err);
        socket.destroy();
      },
    );
  });
  const bound = await listen(server, opts.port, opts.address);
  const url = localUrl(opts.address, bound);

  reporter.info(`Forwarding ${url} to pod ${scope.namespace}/${pod.metadata.name} port ${port} through the API server (Ctrl-C to stop)`);
  if (!isLoopback(opts.address)) reporter.warn(`listening on ${opts.address}: anyone who reaches this machine on port ${bound} reaches the Scope UI`);
  const secret = basicAuthOf(scope);
  if (typeof secret === 'string') {
    reporter.info(credentialsNote(scope.namespace, secret));
    if (!(await cluster.get({ apiVersion: 'v1', kind: 'Secret', namespace: scope.namespace, name: secret }).catch(() => undefined))) {
      reporter.warn(`Secret ${scope.namespace}/${secret} is not there (or may not be read): the Scope pods cannot start with it missing; create it: ${programName()} scope --basic-auth-secret ${secret} --generate`);
    }
  } else if (secret === false) {
    reporter.info('The Scope UI has no authentication: whoever reaches this URL sees the cluster');
  }
  reporter.data(url);

  if (opts.browser) {
    const opener = (deps.opener ?? browserOpener)(url);
    if (!opener) reporter.debug('no desktop (no DISPLAY or WAYLAND_DISPLAY): not opening a browser');
    else {
      const why = await (deps.open ?? openBrowser)(opener);
      if (why) reporter.info(`Could not open a browser (${why}): open ${url} yourself`);
    }
  }

  return {
    url,
    pod,
    scope,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
