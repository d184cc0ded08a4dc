/**
 * exec in a container: the Kubernetes remote-command protocol over a WebSocket, spoken directly
 * with `ws` (no client-node `Exec`, no streams per call).
 *
 *   GET {server}/api/v1/namespaces/NS/pods/NAME/exec?stdout=true&stderr=true&stdin=false&tty=false
 *       &container=C&command=ARG0&command=ARG1...      upgraded to a WebSocket
 *
 * Subprotocols offered, most preferred first: v5.channel.k8s.io (API servers >= 1.30, which add the
 * CLOSE signal on channel 255), v4.channel.k8s.io (the kubelet's WebSocket server since 1.4) and
 * channel.k8s.io (the oldest kubelets). Those are the binary protocols real servers speak over a
 * WebSocket (v2/v3 exist only over SPDY). Every message is binary, its first byte the channel:
 * 1 stdout, 2 stderr, 3 the error channel (v4/v5: a Status whose `details.causes[reason=ExitCode]`
 * holds a non-zero exit code; channel.k8s.io: plain text, empty on success), 255 (v5) a stream
 * closed. Under v4/v5 the call ends when the Status arrives (everything the command wrote came
 * before it); under channel.k8s.io, when the server closes the connection.
 *
 * The connection uses the transport's agent and headers (TLS material, bearer or exec-plugin
 * token: credentials.ts), so TLS sessions are shared with the API requests. A refused
 * handshake reports the API server's Status message (403, pod or container not found), and the
 * whole call has a timeout.
 */
import type WebSocket from 'ws';
import { failure, WeavectlError } from '../errors.js';
import type { ExecResult, KubeStatus } from './types.js';
import { apiError, networkError, type RequestDescription } from './status-errors.js';
import { oneLine } from '../util/text.js';
import type { Transport } from './transport.js';
import { formatDuration } from '../util/duration.js';

/** The binary remote-command protocols of real API servers and kubelets, most preferred first. */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'channel.k8s.io'] as const;
/** Protocols that carry the exit status on channel 3. */
const STATUS_PROTOCOLS = new Set(['v5.channel.k8s.io', 'v4.channel.k8s.io']);
const STDOUT_CHANNEL = 1;
const STDERR_CHANNEL = 2;
const ERROR_CHANNEL = 3;

export const DEFAULT_EXEC_TIMEOUT_MS = 30_000;
/** How long a finished exec waits for the server to answer its close frame before dropping the connection. */
const CLOSE_GRACE_MS = 2_000;

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

/** `/api/v1/namespaces/NS/pods/NAME/exec?...` with one `command=` per argument, as the API server reads it. */
export function execPath(pod: { namespace: string; name: string }, container: string, command: readonly string[]): string {
  const q = ['stdout=true', 'stderr=true', 'stdin=false', 'tty=false', `container=${encodeURIComponent(container)}`];
  for (const arg of command) q.push(`command=${encodeURIComponent(arg)}`);
  return `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}/exec?${q.join('&')}`;
}

function asBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * A command as messages show it: an argument longer than 40 characters (a Go template, a script)
 * is cut to its first 24 and `…`, so the message still names the command and the pod.
 */
export function commandLabel(command: readonly string[]): string {
  return command.map((a) => (a.length > 40 ? `${a.slice(0, 24).replace(/\s+/g, ' ')}…` : a)).join(' ');
}

export async function execInPod(
  t: Transport,
  pod: { namespace: string; name: string },
  container: string,
  command: string[],
  timeoutMs = DEFAULT_EXEC_TIMEOUT_MS,
  onStdout?: (chunk: Buffer) => void | Promise<void>,
): Promise<ExecResult> {
  if (command.length === 0) throw failure('exec needs a command');
  const what = `exec of "${commandLabel(command)}" in pod ${pod.namespace}/${pod.name} (container ${container})`;
  const desc: RequestDescription = { verb: 'create', resource: 'pods/exec', namespace: pod.namespace, name: pod.name };
  let conn: Awaited<ReturnType<Transport['connection']>>;
  try {
    conn = await t.connection();
  } catch (err) {
    throw err instanceof WeavectlError ? err : networkError(err, desc, t.identity);
  }
  const url = t.wsUrl(execPath(pod, container, command));
  // loaded by the commands that exec, not by every command that talks to a cluster
  const { default: WebSocket } = await import('ws');

  return new Promise<ExecResult>((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let errorText = ''; // the error channel under channel.k8s.io (plain text)
    let status: KubeStatus | undefined;
    let opened = false;
    let refused = false;
    let lastError: Error | undefined;
    let settled = false;
    /** With onStdout: the sink's pending chunks; the socket is paused while one is pending. */
    let sinking: Promise<void> = Promise.resolve();
    let queued = 0;
    let sinkError: unknown;

    let ws: WebSocket;
    try {
      ws = new WebSocket(url, [...EXEC_PROTOCOLS], {
        agent: conn.agent,
        headers: conn.headers,
        handshakeTimeout: timeoutMs,
        perMessageDeflate: false, // API servers do not compress exec streams: no zlib context per connection
        followRedirects: false,
        closeTimeout: CLOSE_GRACE_MS, // how long the close handshake may take (a ws without this option waits 30 s)
      } as WebSocket.ClientOptions);
    } catch (err) {
      reject(failure(`${what} failed: ${oneLine((err as Error).message ?? String(err))}`, undefined, err));
      return;
    }

    // With onStdout the limit is on silence: every chunk of output starts it again (a big answer
    // streams for as long as it keeps coming; --timeout still bounds the whole command).
    const expire = () => fail(failure(onStdout ? `${what} sent nothing for ${formatDuration(timeoutMs)}` : `${what} did not finish within ${formatDuration(timeoutMs)}`));
    let timer = setTimeout(expire, timeoutMs);
    const stillAlive = () => {
      clearTimeout(timer);
      timer = setTimeout(expire, timeoutMs);
    };

    function fail(err: Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      reject(err instanceof WeavectlError ? err : failure(`${what} failed: ${oneLine(err.message ?? String(err))}`, undefined, err));
    }

    /** The command's result from what arrived, once the stdout sink has taken everything; ends the connection politely. */
    function succeed(): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
      if (onStdout) {
        void sinking.then(() => (sinkError ? reject(sinkError) : finish()));
        return;
      }
      finish();
    }

    function finish(): void {
      const out = { stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
      try {
        if (status) return resolve({ ...out, exitCode: exitCodeOf(status, what) });
        if (STATUS_PROTOCOLS.has(ws.protocol)) {
          const why = lastError ? `: ${oneLine(lastError.message)}` : '';
          throw failure(`${what}: the connection closed before the command's exit status arrived${why}`);
        }
        // channel.k8s.io sends no status: an empty error channel is success, else its text is the error.
        const text = errorText.trim();
        if (!text) return resolve({ ...out, exitCode: 0 });
        const code = /non-zero exit code.*?(\d+)\s*$/.exec(text);
        if (code) return resolve({ ...out, exitCode: Number(code[1]) });
        throw failure(`${what} failed: ${oneLine(text)}`);
      } catch (err) {
        reject(err);
      }
    }

    ws.on('unexpected-response', (_req, res) => {
      // Refused before the upgrade: the body is the API server's Status (403, 404, 400, 500 from the kubelet).
      refused = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (body.length < 64 * 1024) body += c;
      });
      const done = () => fail(apiError(res.statusCode ?? 0, body, desc, t.identity));
      res.on('end', done);
      res.on('error', done);
      res.on('aborted', done);
    });
    ws.on('open', () => {
      opened = true;
    });
    ws.on('error', (err) => {
      lastError = err;
      if (!opened && !refused) fail(networkError(err, desc, t.identity));
      // after the upgrade, 'close' follows and decides
    });
    ws.on('close', () => {
      if (opened) succeed();
      else fail(lastError ? networkError(lastError, desc, t.identity) : failure(`${what}: the connection closed during the handshake`));
    });
    ws.on('message', (data, isBinary) => {
      if (settled || !isBinary) return; // text frames belong to the base64 protocols, never offered
      const buf = asBuffer(data);
      if (buf.length < 1) return;
      const channel = buf[0];
      if (channel === STDOUT_CHANNEL) {
        if (!onStdout) stdout.push(buf.subarray(1));
        else {
          const chunk = buf.subarray(1);
          stillAlive();
          // Backpressure: while the sink is busy with a chunk, no more frames are read (only what
          // the socket already delivered may still arrive), so chunks never pile up in memory.
          if (++queued > 1) ws.pause();
          sinking = sinking.then(async () => {
            try {
              if (!sinkError) await onStdout(chunk);
            } catch (err) {
              sinkError = err;
              fail(err instanceof Error ? err : new Error(String(err)));
            } finally {
              if (--queued === 0) {
                if (!settled) stillAlive(); // the wait was ours, not the command's silence
                ws.resume();
              }
            }
          });
        }
      }
      else if (channel === STDERR_CHANNEL) stderr.push(buf.subarray(1));
      else if (channel === ERROR_CHANNEL) {
        if (!STATUS_PROTOCOLS.has(ws.protocol)) {
          errorText += buf.toString('utf8', 1);
          return;
        }
        try {
          status = JSON.parse(buf.toString('utf8', 1)) as KubeStatus;
        } catch {
          fail(failure(`${what}: the API server sent an exit status that is not a Status: ${oneLine(buf.toString('utf8', 1), 120)}`));
          return;
        }
        succeed(); // everything the command wrote came before its status
      }
      // 255 (v5): the server closed one of its streams; anything else: not ours
    });
  });
}
