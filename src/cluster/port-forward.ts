/**
 * One TCP connection to a pod's port through the API server: the Kubernetes port-forward protocol over
 * a WebSocket, spoken directly with `ws` (as exec.ts speaks remote-command).
 *
 *   GET {server}/api/v1/namespaces/NS/pods/NAME/portforward?ports=PORT      upgraded to a WebSocket
 *
 * Subprotocol v4.channel.k8s.io (what the kubelet's WebSocket port-forward serves, and what
 * @kubernetes/client-node's PortForward ends up speaking). Every message is binary, its first byte the
 * channel: 0 data, 1 error for the one port asked for; the first message on each channel is the port
 * number (two bytes, little-endian), not data. The error channel carries text (the pod refused the
 * connection, nothing listens on the port). One WebSocket is one connection: the caller opens one per
 * local connection (as kubectl port-forward does per accepted connection).
 *
 * The connection uses the transport's agent and headers (credentials.ts), as exec does. A refused
 * handshake reports the API server's Status (403, pod not found, pod not running).
 */
import { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import { failure, WeavectlError } from '../errors.js';
import { apiError, networkError, type RequestDescription } from './status-errors.js';
import { oneLine } from '../util/text.js';
import type { Transport } from './transport.js';
import { formatDuration } from '../util/duration.js';

export const PORT_FORWARD_PROTOCOLS = ['v4.channel.k8s.io'] as const;
const DATA = 0;
const ERROR = 1;
export const DEFAULT_PORT_FORWARD_TIMEOUT_MS = 30_000;

export function portForwardPath(pod: { namespace: string; name: string }, port: number): string {
  return `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}/portforward?ports=${port}`;
}

function asBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * Opens the connection; resolves with a Duplex once the API server has upgraded it. Written bytes go to
 * the pod's port, its answers are read; the stream ends when the pod's side closes, and is destroyed with
 * a one-line error when the error channel reports one.
 */
export async function portForwardToPod(t: Transport, pod: { namespace: string; name: string }, port: number, timeoutMs = DEFAULT_PORT_FORWARD_TIMEOUT_MS): Promise<Duplex> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw failure(`port-forward: ${port} is not a port`);
  const what = `port-forward to port ${port} of pod ${pod.namespace}/${pod.name}`;
  const desc: RequestDescription = { verb: 'create', resource: 'pods/portforward', namespace: pod.namespace, name: pod.name };
  let conn: Awaited<ReturnType<Transport['connection']>>;
  try {
    conn = await t.connection();
  } catch (err) {
    throw err instanceof WeavectlError ? err : networkError(err, desc, t.identity);
  }
  const { default: WebSocketImpl } = await import('ws');
  const ws = new WebSocketImpl(t.wsUrl(portForwardPath(pod, port)), [...PORT_FORWARD_PROTOCOLS], {
    agent: conn.agent,
    headers: conn.headers,
    handshakeTimeout: timeoutMs,
    perMessageDeflate: false,
    followRedirects: false,
    closeTimeout: 2_000,
  } as WebSocket.ClientOptions);

  const portBytesSeen = [false, false];
  let errorText = '';
  const stream = new Duplex({
    read() {
      ws.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (ws.readyState !== ws.OPEN) return cb(failure(`${what}: the connection is closed`));
      ws.send(Buffer.concat([Buffer.from([DATA]), chunk]), cb);
    },
    final(cb) {
      // the local side is done sending: the pod's answer may still come; close when it ends (or now, when nothing more can)
      cb();
    },
    destroy(err, cb) {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.terminate();
      cb(err);
    },
  });

  // before the handshake completes: the first frames may arrive with the upgrade response
  ws.on('message', (data, isBinary) => {
    if (!isBinary) return;
    const buf = asBuffer(data);
    if (buf.length < 1) return;
    const channel = buf[0]!;
    let payload = buf.subarray(1);
    if (channel !== DATA && channel !== ERROR) return;
    if (!portBytesSeen[channel]) {
      portBytesSeen[channel] = true;
      payload = payload.subarray(2);
    }
    if (payload.length === 0) return;
    if (channel === DATA) {
      if (!stream.push(payload)) ws.pause();
    } else errorText += payload.toString('utf8');
  });
  ws.on('error', () => undefined); // 'close' follows
  ws.on('close', () => {
    if (errorText.trim()) stream.destroy(failure(`${what} failed: ${oneLine(errorText.trim())}`));
    else stream.push(null);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(failure(`${what}: no answer within ${formatDuration(timeoutMs)}`));
    }, timeoutMs);
    ws.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (body.length < 64 * 1024) body += c;
      });
      const done = () => reject(apiError(res.statusCode ?? 0, body, desc, t.identity));
      res.on('end', done);
      res.on('error', done);
    });
    ws.once('open', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      reject(networkError(err, desc, t.identity));
    });
  });

  return stream;
}
