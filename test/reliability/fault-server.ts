/**
 * A fault-injecting loopback proxy in front of the Kubernetes API simulator: every request (and exec
 * WebSocket upgrade) is forwarded to the simulator, except what the fault answers itself.
 *
 *   refused   nothing listens (the port was bound once and closed again)
 *   401 / 403 every request answered with the API server's Unauthorized / Forbidden Status
 *   500       a storm: every request answered 500 Internal Server Error
 *   429       every request answered 429 Too Many Requests with Retry-After: 1
 *   reset     every connection is destroyed as soon as its request arrives (ECONNRESET)
 *   reset-some every third request is reset, the others forwarded (a flaky network); a request
 *             that was reset once is forwarded when it comes again (its retry goes through)
 *   hang      connections are accepted and never answered
 *   pass      everything forwarded
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export type ProxyFault = 'refused' | '401' | '403' | '500' | '429' | 'reset' | 'reset-some' | 'hang' | 'pass';

export interface FaultProxy {
  url: string;
  /** requests seen (forwarded or answered by the fault) */
  readonly requests: number;
  close(): Promise<void>;
}

function status(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

/** A free loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export async function startFaultProxy(target: string, fault: ProxyFault): Promise<FaultProxy> {
  if (fault === 'refused') {
    const port = await closedPort();
    return { url: `http://127.0.0.1:${port}`, requests: 0, close: async () => undefined };
  }
  const t = new URL(target);
  const sockets = new Set<net.Socket>();
  let requests = 0;
  const resetOnce = new Set<string>();
  const answer = (res: http.ServerResponse, code: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(code, { 'Content-Type': 'application/json', ...headers });
    res.end(body);
  };
  const forward = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const up = http.request(
      { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
        r.on('error', () => res.destroy());
      },
    );
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  };
  const server = http.createServer((req, res) => {
    const n = ++requests;
    switch (fault) {
      case '401':
        return answer(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
      case '403':
        return answer(
          res,
          403,
          status(403, 'Forbidden', `${req.method?.toLowerCase()} ${req.url} is forbidden: User "system:anonymous" cannot do that`),
        );
      case '500':
        return answer(res, 500, status(500, 'InternalError', 'Internal error occurred: etcdserver: request timed out'));
      case '429':
        return answer(res, 429, status(429, 'TooManyRequests', 'the server has received too many requests'), { 'Retry-After': '1' });
      case 'reset':
        return req.socket.destroy();
      case 'reset-some': {
        const key = `${req.method} ${req.url}`;
        if (n % 3 === 0 && !resetOnce.has(key)) {
          resetOnce.add(key);
          return req.socket.destroy();
        }
        return forward(req, res);
      }
      case 'hang':
        return; // never answered
      default:
        return forward(req, res);
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // exec (status, npc rules) is a WebSocket: forwarded byte for byte, or the fault's answer
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    requests++;
    if (fault === 'hang') return;
    if (fault !== 'pass' && fault !== 'reset-some') return socket.destroy();
    const up = net.connect(Number(t.port), t.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
    socket.on('close', () => up.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
