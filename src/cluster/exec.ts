/**
 * exec in a container: client-node's `Exec` (query building, stdout/stderr/status demux of the
 * v4/v5 channel protocols) over a WebSocket this module opens itself, so that a refused
 * handshake reports the API server's Status message (403, pod or container not found), frames
 * client-node does not know (v5 close) are ignored, and the whole call has a timeout.
 */
import { Writable } from 'node:stream';
import { Exec } from '@kubernetes/client-node';
import WebSocket from 'ws';
import { failure, WeavectlError } from '../errors.js';
import type { ExecResult, KubeStatus } from './types.js';
import { apiError, networkError, oneLine, type RequestDescription } from './status-errors.js';
import { formatMs, type Transport } from './transport.js';

const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
/** Protocols that carry the exit status on channel 3. */
const STATUS_PROTOCOLS = new Set(['v5.channel.k8s.io', 'v4.channel.k8s.io']);
const CLOSE_CHANNEL = 255;
const ERROR_CHANNEL = 3;

export const DEFAULT_EXEC_TIMEOUT_MS = 30_000;

class Collector extends Writable {
  private readonly chunks: Buffer[] = [];
  constructor() {
    super();
    // client-node ends the streams when the status arrives; a late frame must not crash the process.
    this.on('error', () => undefined);
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * The exit code from the status channel's Status: Success -> 0; NonZeroExitCode -> the ExitCode cause;
 * anything else (the command could not start, the container is gone) throws.
 */
export function exitCodeOf(status: KubeStatus, what: string): number {
  if (status.status === 'Success') return 0;
  if (status.reason === 'NonZeroExitCode') {
    const causes = ((status.details ?? {}) as { causes?: { reason?: string; message?: string }[] }).causes ?? [];
    const c = causes.find((x) => x.reason === 'ExitCode');
    const n = c?.message !== undefined ? Number.parseInt(c.message, 10) : NaN;
    if (Number.isInteger(n)) return n;
  }
  throw failure(`${what} failed: ${oneLine(status.message ?? status.reason ?? 'unknown error')}`);
}

/** A client-node WebSocketInterface over `ws`, keeping the handshake's error answer. */
class Socket {
  ws?: WebSocket;
  /** Text of the error channel under the protocols before v4. */
  errorText = '';
  constructor(
    private readonly t: Transport,
    private readonly desc: RequestDescription,
  ) {}

  async connect(
    path: string,
    _textHandler: ((text: string) => boolean) | null,
    binaryHandler: ((stream: number, buff: Buffer) => boolean) | null,
  ): Promise<WebSocket> {
    const opts = await this.t.wsOptions();
    const server = this.t.server;
    const uri = `${server.startsWith('https://') ? 'wss' : 'ws'}://${server.replace(/^https?:\/\//, '')}${path}`;
    const id = this.t.identity;
    return new Promise<WebSocket>((resolve, reject) => {
      let opened = false;
      let refused = false;
      const ws = new WebSocket(uri, PROTOCOLS, { ...(opts as WebSocket.ClientOptions), handshakeTimeout: DEFAULT_EXEC_TIMEOUT_MS });
      this.ws = ws;
      ws.on('unexpected-response', (_req, res) => {
        refused = true;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          reject(apiError(res.statusCode ?? 0, body, this.desc, id));
          ws.terminate();
        });
        res.on('error', () => {
          reject(apiError(res.statusCode ?? 0, body, this.desc, id));
          ws.terminate();
        });
      });
      ws.on('open', () => {
        opened = true;
        resolve(ws);
      });
      ws.on('error', (err) => {
        if (!opened && !refused) reject(networkError(err, this.desc, id));
      });
      ws.on('message', (data, isBinary) => {
        if (!isBinary || !binaryHandler) return; // text frames belong to the base64 protocols, not requested
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
        if (buf.length < 1) return;
        const channel = buf.readUInt8(0);
        if (channel === CLOSE_CHANNEL) return; // v5: the server closed one of its streams
        if (channel === ERROR_CHANNEL && !STATUS_PROTOCOLS.has(ws.protocol)) {
          // channel.k8s.io v1-v3: the error channel carries plain text, not a Status
          this.errorText += buf.subarray(1).toString('utf8');
          return;
        }
        let keep = true;
        try {
          keep = binaryHandler(channel, buf.subarray(1));
        } catch {
          keep = true; // an unknown channel: ignore it
        }
        if (!keep) ws.close();
      });
    });
  }
}

export async function execInPod(
  t: Transport,
  pod: { namespace: string; name: string },
  container: string,
  command: string[],
  timeoutMs = DEFAULT_EXEC_TIMEOUT_MS,
): Promise<ExecResult> {
  if (command.length === 0) throw failure('exec needs a command');
  const what = `exec of "${command.join(' ')}" in pod ${pod.namespace}/${pod.name} (container ${container})`;
  const desc: RequestDescription = { verb: 'create', resource: 'pods/exec', namespace: pod.namespace, name: pod.name };
  const socket = new Socket(t, desc);
  // client-node's KubeConfig is not used by Exec when a socket interface is given.
  const exec = new Exec(undefined as never, socket as never);
  const stdout = new Collector();
  const stderr = new Collector();
  let status: KubeStatus | undefined;

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      socket.ws?.terminate();
      reject(failure(`${what} did not finish within ${formatMs(timeoutMs)}`));
    }, timeoutMs);
  });
  try {
    const run = (async () => {
      const ws = (await exec.exec(pod.namespace, pod.name, container, command, stdout, stderr, null, false, (s) => {
        status = s as KubeStatus;
      })) as unknown as WebSocket;
      if (ws.readyState !== WebSocket.CLOSED) {
        await new Promise<void>((resolve) => ws.once('close', () => resolve()));
      }
      return ws.protocol;
    })();
    run.catch(() => undefined); // if the timeout wins, a late failure of the run is moot
    const protocol = await Promise.race([run, timeout]);
    const out = { stdout: stdout.text(), stderr: stderr.text() };
    if (status) return { ...out, exitCode: exitCodeOf(status, what) };
    if (STATUS_PROTOCOLS.has(protocol)) throw failure(`${what}: the connection closed before the command's exit status arrived`);
    // channel.k8s.io v1-v3 send no status: an empty error channel is success, else its text is the error.
    const text = socket.errorText.trim();
    if (!text) return { ...out, exitCode: 0 };
    const code = /non-zero exit code.*?(\d+)\s*$/.exec(text);
    if (code) return { ...out, exitCode: Number(code[1]) };
    throw failure(`${what} failed: ${oneLine(text)}`);
  } catch (err) {
    if (err instanceof WeavectlError) throw err;
    throw failure(`${what} failed: ${oneLine((err as Error).message ?? String(err))}`, undefined, err);
  } finally {
    clearTimeout(timer);
  }
}
