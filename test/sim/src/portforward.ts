/**
 * The simulator's pod port-forward over a WebSocket, as the API server proxies it to the kubelet:
 *
 *   GET /api/v1/namespaces/NS/pods/NAME/portforward?ports=4040   upgraded to a WebSocket
 *
 * The kubelet's WebSocket port-forward (kubelet cri/streaming/portforward/websocket.go) speaks the
 * binary channel protocol: subprotocol v4.channel.k8s.io (or none: plain binary channels); the
 * base64 variant is not served here. Each requested port has two channels, 2i data and 2i+1 error;
 * the first message on each is the port number, two bytes little-endian. Every message's first byte
 * is its channel. What the client sends on the data channel goes to the pod's port; what the pod
 * answers comes back on it; a connection the pod refuses is reported as text on the error channel.
 * One WebSocket is one TCP connection to the pod: when the pod's side ends, the WebSocket closes (1000).
 * `@kubernetes/client-node`'s PortForward offers v5..v1 and channel.k8s.io, so it gets v4.channel.k8s.io
 * (its portforward.js strips the two port bytes from the first message of each channel).
 *
 * What listens in the simulated pods: the stand-in Scope app (scope-app.ts) on port 4040 of a Scope app
 * pod; tests may add their own (`targets.add`). Anything else: connection refused, as a pod with
 * nothing on that port answers.
 */
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { isScopeAppPod, SCOPE_APP_PORT, ScopeApps, type ScopeAppSim } from './scope-app.js';
import type { Obj } from './types.js';

export const PORTFORWARD_PROTOCOLS = ['v4.channel.k8s.io'] as const;

/** Where a connection to (pod, port) goes: a loopback port, or undefined (nothing listens). */
export type PortTarget = (pod: Obj, port: number) => Promise<number | undefined> | number | undefined;

function status(code: number, reason: string, message: string): Obj {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

function reject(socket: Duplex, st: Obj): void {
  const body = JSON.stringify(st);
  const phrase: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 500: 'Internal Server Error' };
  const code = st['code'] as number;
  socket.end(`HTTP/1.1 ${code} ${phrase[code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

export class PortForwards {
  readonly scopeApps: ScopeApps;
  private readonly targets: PortTarget[] = [];
  private readonly open = new Set<{ ws: WebSocket; conn?: Socket }>();
  private readonly wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    handleProtocols: (offered: Set<string>) => PORTFORWARD_PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });

  constructor(private readonly sim: ScopeAppSim) {
    this.scopeApps = new ScopeApps(sim);
    this.targets.push((pod, port) => (port === SCOPE_APP_PORT && isScopeAppPod(pod) ? this.scopeApps.portFor(pod) : undefined));
  }

  /** A listener a test puts into pods (first match wins; added ones are asked before the Scope stand-in). Returns the remover. */
  addTarget(t: PortTarget): () => void {
    this.targets.unshift(t);
    return () => {
      const i = this.targets.indexOf(t);
      if (i >= 0) this.targets.splice(i, 1);
    };
  }

  /** Upgrade of `.../pods/NAME/portforward`; `pod` as stored (undefined: not found). */
  handle(req: IncomingMessage, socket: Duplex, head: Buffer, pod: Obj | undefined, podName: string): void {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    if (!pod) return reject(socket, { ...status(404, 'NotFound', `pods "${podName}" not found`), details: { name: podName, kind: 'pods' } });
    const raw = url.searchParams.getAll('ports').flatMap((p) => p.split(','));
    if (raw.length === 0) return reject(socket, status(400, 'BadRequest', 'query parameter "port" is required'));
    const ports: number[] = [];
    for (const r of raw) {
      const n = Number(r);
      if (!/^\d+$/.test(r) || n < 1 || n > 65535) return reject(socket, status(400, 'BadRequest', `unable to parse "${r}" as a port: invalid port`));
      ports.push(n);
    }
    if (!pod['spec']?.['nodeName']) return reject(socket, status(400, 'BadRequest', `pod ${podName} does not have a host assigned`));
    if (pod['status']?.['phase'] !== 'Running') return reject(socket, status(400, 'BadRequest', `pod ${podName} is not running (phase ${pod['status']?.['phase'] ?? 'unknown'})`));
    if (String(req.headers['upgrade'] ?? '').toLowerCase() !== 'websocket') {
      return reject(socket, status(400, 'BadRequest', 'the simulator serves portforward over WebSocket only (v4.channel.k8s.io), not SPDY'));
    }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (offered.length > 0 && !offered.some((p) => (PORTFORWARD_PROTOCOLS as readonly string[]).includes(p))) {
      return reject(socket, status(400, 'BadRequest', `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${PORTFORWARD_PROTOCOLS.join(' ')}]`));
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => void this.serve(ws, pod, ports));
  }

  private async serve(ws: WebSocket, pod: Obj, ports: number[]): Promise<void> {
    const entry: { ws: WebSocket; conn?: Socket } = { ws };
    this.open.add(entry);
    ws.on('close', () => {
      this.open.delete(entry);
      entry.conn?.destroy();
    });
    ws.on('error', () => ws.terminate());
    // the port number first on every channel (websocket.go: binary.LittleEndian.PutUint16)
    const frame = (channel: number, data: Buffer) => {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), data]));
    };
    ports.forEach((port, i) => {
      const b = Buffer.alloc(2);
      b.writeUInt16LE(port, 0);
      frame(2 * i, b);
      frame(2 * i + 1, b);
    });
    // Only the first port is connected (one WebSocket per connection is what clients use).
    const port = ports[0]!;
    const pending: Buffer[] = [];
    let conn: Socket | undefined;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary || data.length < 1) return;
      if (data[0] !== 0) return; // only the first port's data channel carries input here
      const payload = data.subarray(1);
      if (conn) conn.write(payload);
      else pending.push(Buffer.from(payload));
    });
    let target: number | undefined;
    for (const t of this.targets) {
      target = await t(pod, port);
      if (target !== undefined) break;
    }
    const name = String(pod['metadata']?.['name'] ?? '');
    const uid = String(pod['metadata']?.['uid'] ?? '');
    const refused = () => {
      frame(1, Buffer.from(`error forwarding port ${port} to pod ${name}, uid ${uid}: failed to connect to localhost:${port} inside namespace "${name}", IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused IPv6 dial tcp6 [::1]:${port}: connect: connection refused `));
      ws.close(1000);
    };
    if (target === undefined) return refused();
    conn = connect(target, '127.0.0.1');
    entry.conn = conn;
    conn.unref();
    let connected = false;
    conn.on('connect', () => {
      connected = true;
      for (const p of pending.splice(0)) conn!.write(p);
    });
    conn.on('data', (d: Buffer) => frame(0, d));
    conn.on('error', () => {
      if (!connected) refused();
    });
    conn.on('close', () => {
      if (connected && ws.readyState === ws.OPEN) ws.close(1000);
    });
  }

  async close(): Promise<void> {
    for (const e of this.open) {
      e.conn?.destroy();
      e.ws.terminate();
    }
    this.open.clear();
    await this.scopeApps.close();
  }
}
