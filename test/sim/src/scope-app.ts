/**
 * A stand-in for the Weave Scope app (the `weave-scope-app` pod's container `app`, port 4040), reached
 * through the simulator's pod port-forward (portforward.ts). Not Scope: a small HTTP server that answers
 * the way Scope 1.13.2's app does for what weavectl and the tests read.
 *
 * - GET /api: the app's details, xfer.Details (scope v1.13.2 common/xfer/constants.go): id, version,
 *   hostname (the pod's name: the app runs in a pod), capabilities.
 * - GET /api/report: the raw report (scope v1.13.2 app/api_report.go makeRawReportHandler; report/report.go):
 *   topologies under their Go field names (Host, Pod, Container, ...), each `{ nodes: { ID: node } }`; a node
 *   is `{ id, topology, latest: { KEY: { timestamp, value } } }` (report/node.go; latest_map_generated.go
 *   encodes the latest map that way). Node IDs as report/id.go makes them: `<name>;<host>`,
 *   `<uid>;<pod>`, `<containerID>;<container>`. Keys from report/map_keys.go (host_name,
 *   kubernetes_name, kubernetes_namespace, kubernetes_state, docker_container_name, docker_image_name,
 *   docker_container_state).
 * - GET /api/probes: one entry per probe that reported (app/api_report.go makeProbeHandler).
 * - GET /: a page, as the UI would be.
 *
 * What reaches the report: the hosts where an agent pod (weave-scope-component=agent) runs, with their
 * pods and containers (the cluster agent contributes nothing here). With basic auth on in the app
 * (ENABLE_BASIC_AUTH=true, scope v1.13.2 prog/main.go) every request needs the credentials, 401 with
 * `WWW-Authenticate: Basic realm="Restricted"` and "Unauthorized" otherwise (goji/httpauth
 * SimpleBasicAuth, vendored at v1.13.2); and an agent whose container does not carry the same
 * credentials has its reports refused, so its host is missing from the report (the empty UI users
 * meet when only the app gets basic auth).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Obj } from './types.js';

export interface ScopeAppSim {
  store: {
    list(store: string, namespace?: string): Obj[];
    get(store: string, namespace: string, name: string): Obj | undefined;
  };
}

export const SCOPE_APP_PORT = 4040;

/** A Scope app pod: label weave-scope-component=app, or a container running Scope with --no-probe. */
export function isScopeAppPod(pod: Obj): boolean {
  if (pod['metadata']?.['labels']?.['weave-scope-component'] === 'app') return true;
  const cs: Obj[] = pod['spec']?.['containers'] ?? [];
  return cs.some((c) => /(^|\/)scope(:|@|$)/.test(String(c?.['image'] ?? '')) && (c?.['args'] ?? []).includes('--no-probe'));
}

function appContainer(pod: Obj): Obj | undefined {
  const cs: Obj[] = pod['spec']?.['containers'] ?? [];
  return cs.find((c) => c?.['name'] === 'app') ?? cs[0];
}

/** An env value as the kubelet resolves it: value, or a Secret's key (secretKeyRef). undefined when unresolvable. */
function envValue(sim: ScopeAppSim, namespace: string, c: Obj | undefined, name: string): string | undefined {
  const e = [...((c?.['env'] ?? []) as Obj[])].reverse().find((x) => x?.['name'] === name);
  if (!e) return undefined;
  if (e['value'] !== undefined) return String(e['value']);
  const ref = e['valueFrom']?.['secretKeyRef'];
  if (ref) {
    const secret = sim.store.get('secrets', namespace, String(ref['name']));
    const data = secret?.['data']?.[String(ref['key'])];
    if (typeof data === 'string') return Buffer.from(data, 'base64').toString('utf8');
    const plain = secret?.['stringData']?.[String(ref['key'])];
    return typeof plain === 'string' ? plain : undefined;
  }
  return undefined;
}

interface Auth {
  on: boolean;
  username: string;
  password: string;
}

/** Scope's reading of the three variables (scope v1.13.2 prog/main.go; defaults admin/admin from its flags). */
function authOf(sim: ScopeAppSim, namespace: string, c: Obj | undefined): Auth {
  const enable = (envValue(sim, namespace, c, 'ENABLE_BASIC_AUTH') ?? '').toLowerCase();
  return {
    on: enable === 'true',
    username: envValue(sim, namespace, c, 'BASIC_AUTH_USERNAME') || 'admin',
    password: envValue(sim, namespace, c, 'BASIC_AUTH_PASSWORD') || 'admin',
  };
}

function latest(values: Record<string, string | undefined>, timestamp: string): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined) out[k] = { timestamp, value: v };
  return out;
}

function running(pod: Obj): boolean {
  return pod['status']?.['phase'] === 'Running' && !pod['metadata']?.['deletionTimestamp'];
}

/** The raw report of the probes that may report to the app in `appPod`. */
export function scopeReport(sim: ScopeAppSim, appPod: Obj): { report: Obj; probes: Obj[] } {
  const ns = String(appPod['metadata']?.['namespace'] ?? '');
  const appAuth = authOf(sim, ns, appContainer(appPod));
  const now = new Date().toISOString();
  const pods = sim.store.list('pods');
  const agents = pods.filter((p) => p['metadata']?.['namespace'] === ns && p['metadata']?.['labels']?.['weave-scope-component'] === 'agent' && running(p));
  const hosts = new Map<string, Obj>();
  for (const a of agents) {
    const c = (a['spec']?.['containers'] ?? [])[0] as Obj | undefined;
    const probeAuth = authOf(sim, ns, c);
    // The app refuses a probe's report without the right credentials (the same handler guards POST /api/report).
    if (appAuth.on && !(probeAuth.on && probeAuth.username === appAuth.username && probeAuth.password === appAuth.password)) continue;
    const node = String(a['spec']?.['nodeName'] ?? '');
    if (node) hosts.set(node, a);
  }
  const Host: Obj = { nodes: {} };
  const Pod: Obj = { nodes: {} };
  const Container: Obj = { nodes: {} };
  const probes: Obj[] = [];
  for (const [node, agent] of [...hosts].sort(([a], [b]) => a.localeCompare(b))) {
    const hostId = `${node};<host>`;
    const probeId = String(agent['metadata']?.['uid'] ?? node).replace(/-/g, '').slice(0, 16);
    Host['nodes'][hostId] = { id: hostId, topology: 'host', latest: latest({ host_name: node, host_scope_version: '1.13.2', control_probe_id: probeId }, now) };
    probes.push({ id: probeId, hostname: node, version: '1.13.2', lastSeen: now });
    for (const p of pods.filter((x) => x['spec']?.['nodeName'] === node && running(x))) {
      const uid = String(p['metadata']?.['uid'] ?? '');
      const podId = `${uid};<pod>`;
      Pod['nodes'][podId] = {
        id: podId,
        topology: 'pod',
        latest: latest({ kubernetes_name: p['metadata']?.['name'], kubernetes_namespace: p['metadata']?.['namespace'], kubernetes_state: 'Running', kubernetes_ip: p['status']?.['podIP'], host_node_id: hostId }, now),
      };
      for (const cs of (p['status']?.['containerStatuses'] ?? []) as Obj[]) {
        const cid = String(cs?.['containerID'] ?? '').replace(/^[a-z-]+:\/\//, '');
        if (!cid || !cs?.['state']?.['running']) continue;
        const id = `${cid};<container>`;
        Container['nodes'][id] = {
          id,
          topology: 'container',
          latest: latest({ docker_container_name: `k8s_${cs['name']}_${p['metadata']?.['name']}_${p['metadata']?.['namespace']}_${uid}_0`, docker_image_name: String(cs['image'] ?? ''), docker_container_state: 'running', host_node_id: hostId }, now),
        };
      }
    }
  }
  return { report: { Host, Pod, Container, Endpoint: { nodes: {} }, Process: { nodes: {} } }, probes };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function authorized(req: IncomingMessage, auth: Auth): boolean {
  const m = /^Basic\s+(.+)$/i.exec(String(req.headers['authorization'] ?? ''));
  if (!m) return false;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i >= 0 && text.slice(0, i) === auth.username && text.slice(i + 1) === auth.password;
}

/** One stand-in app per Scope app pod (by uid), listening on loopback; the port-forward connects to it. */
export class ScopeApps {
  private readonly servers = new Map<string, Promise<Server>>();
  /** Requests the stand-ins answered, for tests: method, path, status. */
  readonly requests: { pod: string; method: string; path: string; status: number }[] = [];

  constructor(private readonly sim: ScopeAppSim) {}

  /** The loopback port of the stand-in for `pod` (started on first use). */
  async portFor(pod: Obj): Promise<number> {
    const uid = String(pod['metadata']?.['uid'] ?? pod['metadata']?.['name']);
    let s = this.servers.get(uid);
    if (!s) {
      s = this.start(pod);
      this.servers.set(uid, s);
    }
    return ((await s).address() as AddressInfo).port;
  }

  private start(pod: Obj): Promise<Server> {
    const ns = String(pod['metadata']?.['namespace'] ?? '');
    const name = String(pod['metadata']?.['name'] ?? '');
    const id = String(pod['metadata']?.['uid'] ?? '').replace(/-/g, '').slice(0, 16);
    const server = createServer((req, res) => {
      // the pod as stored now; gone (or replaced under its name): its container is gone, and so is the connection
      const current = this.sim.store.get('pods', ns, name);
      if (!current || current['metadata']?.['uid'] !== pod['metadata']?.['uid']) {
        req.socket.destroy();
        return;
      }
      const auth = authOf(this.sim, ns, appContainer(current));
      const path = new URL(req.url ?? '/', 'http://scope.invalid').pathname;
      const note = (status: number) => this.requests.push({ pod: `${ns}/${name}`, method: req.method ?? 'GET', path, status });
      if (auth.on && !authorized(req, auth)) {
        note(401);
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="Restricted"', 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
        res.end('Unauthorized\n');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        note(405);
        return send(res, 405, { message: 'method not allowed' });
      }
      if (path === '/api') {
        note(200);
        return send(res, 200, { id, version: '1.13.2', hostname: name, capabilities: { historic_reports: false } });
      }
      if (path === '/api/report') {
        note(200);
        return send(res, 200, scopeReport(this.sim, current).report);
      }
      if (path === '/api/probes') {
        note(200);
        return send(res, 200, scopeReport(this.sim, current).probes);
      }
      if (path === '/' || path === '/index.html') {
        note(200);
        return send(res, 200, '<!doctype html><html><head><title>Weave Scope</title></head><body><div id="app"></div></body></html>');
      }
      note(404);
      send(res, 404, { message: `404 page not found: ${path}` });
    });
    server.unref();
    server.on('connection', (s) => s.unref());
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    });
  }

  async close(): Promise<void> {
    const all = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(
      all.map(async (p) => {
        const s = await p.catch(() => undefined);
        if (!s) return;
        s.closeAllConnections();
        await new Promise<void>((r) => s.close(() => r()));
      }),
    );
  }
}
