/**
 * The transport against a scripted HTTP(S) server on 127.0.0.1: auth headers, retries, timeouts,
 * error mapping, TLS verification, warnings, and watch streaming/drops. (The Kubernetes behaviour
 * itself is tested against the simulator in sim.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, type KubeCluster } from '../../src/cluster/kube-cluster.js';
import type { WatchEvent } from '../../src/cluster/types.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

let dir: string;
const servers: http.Server[] = [];
const clusters: KubeCluster[] = [];

const DISCOVERY: Record<string, unknown> = {
  '/api': { kind: 'APIVersions', versions: ['v1'] },
  '/apis': { kind: 'APIGroupList', groups: [] },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      { name: 'configmaps', namespaced: true, kind: 'ConfigMap', verbs: ['get', 'list', 'watch', 'patch', 'delete'] },
      { name: 'pods', namespaced: true, kind: 'Pod', verbs: ['get', 'list'] },
      { name: 'pods/log', namespaced: true, kind: 'Pod', verbs: ['get'] },
      { name: 'nodes', namespaced: false, kind: 'Node', verbs: ['get', 'list'] },
    ],
  },
  '/version': { major: '1', minor: '29', gitVersion: 'v1.29.0' },
};

function json(res: http.ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(code, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function serve(handler: Handler, tls?: { key: Buffer; cert: Buffer }): Promise<string> {
  const listener: http.RequestListener = (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => handler(req, res, body));
  };
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, listener) : http.createServer(listener);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function kubeconfig(server: string, opts: { token?: string; insecure?: boolean; ca?: string } = {}): string {
  const p = path.join(dir, `kc-${Math.random().toString(36).slice(2)}.yaml`);
  const cluster: Record<string, unknown> = { server };
  if (opts.insecure ?? server.startsWith('http:')) cluster['insecure-skip-tls-verify'] = true;
  if (opts.ca) cluster['certificate-authority'] = opts.ca;
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'test',
    clusters: [{ name: 'test', cluster }],
    users: opts.token ? [{ name: 'tester', user: { token: opts.token } }] : [],
    contexts: [{ name: 'test', context: { cluster: 'test', ...(opts.token ? { user: 'tester' } : {}), namespace: 'weave' } }],
  };
  fs.writeFileSync(p, JSON.stringify(doc));
  return p;
}

async function cluster(server: string, extra: Parameters<typeof connect>[0] = {}, kc: Parameters<typeof kubeconfig>[1] = { token: 't0k3n' }) {
  const c = await connect({ kubeconfig: kubeconfig(server, kc), retry: { baseDelayMs: 10 }, env: {}, ...extra });
  clusters.push(c);
  return c;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weavectl-transport-'));
});
afterEach(async () => {
  for (const c of clusters.splice(0)) c.close();
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((r) => {
          s.closeAllConnections();
          s.close(() => r());
        }),
    ),
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('transport', () => {
  it('sends the token and a user agent, parses JSON, caches the version', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const url = await serve((req, res) => {
      seen.push(req.headers);
      json(res, 200, DISCOVERY['/version']);
    });
    const c = await cluster(url);
    expect(c.server).toBe(url);
    expect(c.contextName).toBe('test');
    expect(c.defaultNamespace).toBe('weave');
    expect(await c.version()).toEqual({ major: '1', minor: '29', gitVersion: 'v1.29.0' });
    await c.version();
    expect(seen).toHaveLength(1);
    expect(seen[0]?.authorization).toBe('Bearer t0k3n');
    expect(seen[0]?.['user-agent']).toBe('weavectl');
  });

  it('retries GETs on 500 and 429 (honouring Retry-After), then succeeds', async () => {
    let n = 0;
    const times: number[] = [];
    const url = await serve((_req, res) => {
      times.push(Date.now());
      n++;
      if (n === 1) return json(res, 500, { kind: 'Status', message: 'etcd hiccup', code: 500 });
      if (n === 2) return json(res, 429, { kind: 'Status', message: 'slow down', code: 429 }, { 'Retry-After': '1' });
      json(res, 200, DISCOVERY['/version']);
    });
    const c = await cluster(url);
    expect((await c.version()).gitVersion).toBe('v1.29.0');
    expect(n).toBe(3);
    expect((times[2] as number) - (times[1] as number)).toBeGreaterThanOrEqual(900);
  });

  it('gives up after the attempts with the server message', async () => {
    let n = 0;
    const url = await serve((_req, res) => {
      n++;
      json(res, 503, { kind: 'Status', message: 'the server is currently unable to handle the request', code: 503 });
    });
    const c = await cluster(url, { retry: { attempts: 3, baseDelayMs: 5 } });
    await expect(c.version()).rejects.toThrow('get GET /version: 503 from the API server: the server is currently unable to handle the request');
    expect(n).toBe(3);
  });

  it('retries a reset connection for GETs', async () => {
    let n = 0;
    const url = await serve((req, res) => {
      n++;
      if (n === 1) return req.socket.destroy();
      json(res, 200, DISCOVERY['/version']);
    });
    const c = await cluster(url);
    expect((await c.version()).major).toBe('1');
    expect(n).toBe(2);
  });

  it('does not retry a DELETE on 500', async () => {
    let deletes = 0;
    const url = await serve((req, res) => {
      const route = DISCOVERY[req.url ?? ''];
      if (route) return json(res, 200, route);
      if (req.method === 'DELETE') {
        deletes++;
        return json(res, 500, { kind: 'Status', message: 'boom', code: 500 });
      }
      json(res, 404, { kind: 'Status', code: 404 });
    });
    const c = await cluster(url);
    await expect(c.delete({ apiVersion: 'v1', kind: 'ConfigMap', name: 'x' })).rejects.toThrow('500 from the API server: boom');
    expect(deletes).toBe(1);
  });

  it('DELETE sends Background propagation; a 404 is false; dryRun=All', async () => {
    const bodies: string[] = [];
    const urls: string[] = [];
    const url = await serve((req, res, body) => {
      const route = DISCOVERY[req.url ?? ''];
      if (route) return json(res, 200, route);
      urls.push(`${req.method} ${req.url}`);
      bodies.push(body);
      if (req.url?.includes('/gone')) return json(res, 404, { kind: 'Status', message: 'configmaps "gone" not found', code: 404 });
      json(res, 200, { kind: 'Status', status: 'Success' });
    });
    const c = await cluster(url);
    expect(await c.delete({ apiVersion: 'v1', kind: 'ConfigMap', name: 'weave-net', namespace: 'kube-system' }, { dryRun: true })).toBe(true);
    expect(await c.delete({ apiVersion: 'v1', kind: 'ConfigMap', name: 'gone' })).toBe(false);
    expect(urls).toEqual(['DELETE /api/v1/namespaces/kube-system/configmaps/weave-net?dryRun=All', 'DELETE /api/v1/namespaces/weave/configmaps/gone']);
    expect(JSON.parse(bodies[0] as string)).toEqual({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
  });

  it('times out a request that gets no answer', async () => {
    const url = await serve(() => {
      /* never answers */
    });
    const c = await cluster(url, { requestTimeoutMs: 200 });
    const t0 = Date.now();
    await expect(c.version()).rejects.toThrow(/no answer from the API server http:\/\/127\.0\.0\.1:\d+ within 200ms/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('the timeout is named as given, like --timeout in other messages (--request-timeout 1050ms printed as 1.1s)', async () => {
    const url = await serve(() => {
      /* never answers */
    });
    const c = await cluster(url, { requestTimeoutMs: 1050 });
    await expect(c.version()).rejects.toThrow(/no answer from the API server http:\/\/127\.0\.0\.1:\d+ within 1\.05s$/);
  });

  it('401 and 403 are one-line failures', async () => {
    const url = await serve((req, res) => {
      if (req.headers.authorization !== 'Bearer good') return json(res, 401, { kind: 'Status', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
      const route = DISCOVERY[req.url ?? ''];
      if (route) return json(res, 200, route);
      json(res, 403, {
        kind: 'Status',
        message: 'nodes is forbidden: User "good" cannot list resource "nodes" in API group "" at the cluster scope',
        reason: 'Forbidden',
        code: 403,
      });
    });
    const bad = await cluster(url, {}, { token: 'bad' });
    const e401 = await bad.version().then(() => undefined, (e: Error & { hint?: string }) => e);
    expect(e401?.message).toBe(`the API server ${url} refused the credentials of user "tester" (context "test"): 401 Unauthorized`);
    const good = await cluster(url, {}, { token: 'good' });
    const e403 = await good.list({ apiVersion: 'v1', kind: 'Node' }).then(() => undefined, (e: Error & { hint?: string }) => e);
    expect(e403?.message).toBe('forbidden: cannot list nodes (cluster-wide): nodes is forbidden: User "good" cannot list resource "nodes" in API group "" at the cluster scope');
    expect(e403?.hint).toContain('kubectl auth can-i list nodes');
  });

  it('a refused connection names the server', async () => {
    const url = await serve(() => undefined);
    const s = servers.pop() as http.Server;
    await new Promise<void>((r) => s.close(() => r()));
    const c = await cluster(url, { retry: { attempts: 2, baseDelayMs: 5 } });
    await expect(c.version()).rejects.toThrow(`cannot reach the API server ${url}: connection refused`);
  });

  it('forwards each Warning header once', async () => {
    const warnings: string[] = [];
    const url = await serve((req, res) => {
      const route = DISCOVERY[req.url ?? ''];
      if (route) return json(res, 200, route);
      json(res, 200, { kind: 'ConfigMapList', metadata: { resourceVersion: '5' }, items: [] }, { Warning: '299 - "v1 ConfigMap is fine, this is a test"' });
    });
    const c = await cluster(url, { onWarning: (w) => warnings.push(w) });
    await c.list({ apiVersion: 'v1', kind: 'ConfigMap' });
    await c.list({ apiVersion: 'v1', kind: 'ConfigMap' });
    expect(warnings.filter((w) => w.includes('this is a test'))).toEqual(['v1 ConfigMap is fine, this is a test']);
    expect(warnings.some((w) => w.includes('plain HTTP'))).toBe(true);
  });

  it('list follows continue tokens and fills apiVersion/kind of items', async () => {
    const queries: string[] = [];
    const url = await serve((req, res) => {
      const route = DISCOVERY[req.url ?? ''];
      if (route) return json(res, 200, route);
      queries.push(req.url ?? '');
      const u = new URL(req.url ?? '', 'http://x');
      const cont = u.searchParams.get('continue');
      if (!cont) return json(res, 200, { metadata: { resourceVersion: '10', continue: 'page2' }, items: [{ metadata: { name: 'a' } }] });
      json(res, 200, { metadata: { resourceVersion: '10' }, items: [{ metadata: { name: 'b' } }] });
    });
    const c = await cluster(url);
    const r = await c.list({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system' }, { labelSelector: 'name=weave-net', limit: 1 });
    expect(r.items.map((i) => `${i.apiVersion} ${i.kind} ${i.metadata.name}`)).toEqual(['v1 ConfigMap a', 'v1 ConfigMap b']);
    expect(r.resourceVersion).toBe('10');
    expect(queries).toEqual([
      '/api/v1/namespaces/kube-system/configmaps?labelSelector=name%3Dweave-net&limit=1',
      '/api/v1/namespaces/kube-system/configmaps?labelSelector=name%3Dweave-net&limit=1&continue=page2',
    ]);
  });

  it('an unserved kind is a clear error', async () => {
    const url = await serve((req, res) => {
      const route = DISCOVERY[req.url ?? ''];
      if (route) return json(res, 200, route);
      json(res, 404, {});
    });
    const c = await cluster(url);
    expect(await c.serves('v1', 'ConfigMap')).toBe(true);
    expect(await c.serves('apps/v1', 'DaemonSet')).toBe(false);
    expect(await c.serves('v1', 'DaemonSet')).toBe(false);
    await expect(c.get({ apiVersion: 'extensions/v1beta1', kind: 'DaemonSet', name: 'weave-net' })).rejects.toThrow(
      'the cluster does not serve DaemonSet in extensions/v1beta1',
    );
  });
});

describe('watch over the transport', () => {
  const cmRef = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system' };

  it('streams events with the watch parameters, passes ERROR through, resolves when the server ends', async () => {
    let query = '';
    const url = await serve((req, res) => {
      const route = DISCOVERY[req.url ?? ''];
      if (route) return json(res, 200, route);
      query = req.url ?? '';
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const ev = (type: string, object: unknown) => JSON.stringify({ type, object }) + '\n';
      res.write(ev('ADDED', { metadata: { name: 'a', resourceVersion: '11' } }));
      const split = ev('MODIFIED', { metadata: { name: 'a', resourceVersion: '12' } });
      res.write(split.slice(0, 7));
      setTimeout(() => {
        res.write(split.slice(7));
        res.write(ev('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' }));
        res.end();
      }, 20);
    });
    const c = await cluster(url);
    const events: WatchEvent[] = [];
    await c.watch(cmRef, { resourceVersion: '10', allowWatchBookmarks: true, timeoutSeconds: 5 }, (e) => events.push(e), new AbortController().signal);
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'ERROR']);
    expect((events[2]?.object as { code: number }).code).toBe(410);
    expect(query).toBe('/api/v1/namespaces/kube-system/configmaps?watch=true&resourceVersion=10&allowWatchBookmarks=true&timeoutSeconds=5');
  });

  it('resolves (does not throw) when the connection drops, and when aborted', async () => {
    const url = await serve((req, res) => {
      const route = DISCOVERY[req.url ?? ''];
      if (route) return json(res, 200, route);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'x' } } }) + '\n');
      if (req.url?.includes('fieldSelector')) return; // stays open until aborted
      setTimeout(() => req.socket.destroy(), 20);
    });
    const c = await cluster(url);
    const events: WatchEvent[] = [];
    await c.watch(cmRef, {}, (e) => events.push(e), new AbortController().signal);
    expect(events).toHaveLength(1);
    const ac = new AbortController();
    const t0 = Date.now();
    await c.watch({ ...cmRef, name: 'weave-net' }, {}, (e) => {
      events.push(e);
      setTimeout(() => ac.abort(), 20);
    }, ac.signal);
    expect(events).toHaveLength(2);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('a watch that cannot start rejects with the mapped error', async () => {
    const url = await serve((req, res) => {
      const route = DISCOVERY[req.url ?? ''];
      if (route) return json(res, 200, route);
      json(res, 403, { kind: 'Status', message: 'configmaps is forbidden', code: 403 });
    });
    const c = await cluster(url);
    await expect(c.watch(cmRef, {}, () => undefined, new AbortController().signal)).rejects.toThrow('forbidden: cannot watch configmaps in namespace "kube-system"');
  });

  it('an error thrown by the event handler rejects the watch', async () => {
    const url = await serve((req, res) => {
      const route = DISCOVERY[req.url ?? ''];
      if (route) return json(res, 200, route);
      res.writeHead(200);
      res.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'x' } } }) + '\n');
    });
    const c = await cluster(url);
    await expect(
      c.watch(cmRef, {}, () => {
        throw new Error('handler broke');
      }, new AbortController().signal),
    ).rejects.toThrow('handler broke');
  });
});

describe('TLS', () => {
  let tls: { key: Buffer; cert: Buffer; caPath: string } | undefined;
  beforeAll(() => {
    const keyPath = path.join(dir, 'tls.key');
    const certPath = path.join(dir, 'tls.crt');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      { stdio: 'ignore' },
    );
    tls = { key: fs.readFileSync(keyPath), cert: fs.readFileSync(certPath), caPath: certPath };
  });

  const handler: Handler = (_req, res) => json(res, 200, DISCOVERY['/version']);

  it('verifies the server against the kubeconfig CA (also for a context without a user)', async () => {
    const url = await serve(handler, tls);
    const c = await cluster(url, {}, { ca: tls!.caPath });
    expect((await c.version()).gitVersion).toBe('v1.29.0');
  });

  it('refuses an untrusted certificate', async () => {
    const url = await serve(handler, tls);
    const c = await cluster(url, {}, { token: 'x' });
    await expect(c.version()).rejects.toThrow(`the TLS certificate of ${url} is not trusted`);
  });

  it('insecure-skip-tls-verify connects, with a warning', async () => {
    const url = await serve(handler, tls);
    const warnings: string[] = [];
    const c = await cluster(url, { onWarning: (w) => warnings.push(w) }, { insecure: true });
    expect((await c.version()).gitVersion).toBe('v1.29.0');
    expect(warnings[0]).toContain('TLS certificate verification is disabled');
  });
});
