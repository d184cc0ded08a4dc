/**
 * exec over a scripted WebSocket server on 127.0.0.1 speaking the v4/v5 channel protocol:
 * stdout/stderr channels, the exit status on channel 3, a refused handshake, a timeout.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, type KubeCluster } from '../../src/cluster/kube-cluster.js';

let dir: string;
let lastAuth: string | undefined;
let server: http.Server | undefined;
let wss: WebSocketServer | undefined;
const clusters: KubeCluster[] = [];

type Script = (ws: WebSocket, url: URL) => void;

async function start(
  script: Script,
  refuse?: (url: URL) => { code: number; body: unknown } | undefined,
  protocol = 'v5.channel.k8s.io',
): Promise<KubeCluster> {
  server = http.createServer((_req, res) => {
    res.writeHead(404);
    res.end();
  });
  wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has(protocol) ? protocol : false) });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    lastAuth = req.headers.authorization;
    const r = refuse?.(url);
    if (r) {
      const body = JSON.stringify(r.body);
      socket.end(`HTTP/1.1 ${r.code} Refused\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    wss!.handleUpgrade(req, socket, head, (ws) => script(ws, url));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kc = path.join(dir, `kc-${clusters.length}.json`);
  fs.writeFileSync(
    kc,
    JSON.stringify({
      apiVersion: 'v1',
      'current-context': 't',
      clusters: [{ name: 't', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 'tok' } }],
      contexts: [{ name: 't', context: { cluster: 't', user: 'u' } }],
    }),
  );
  const c = await connect({ kubeconfig: kc, env: {} });
  clusters.push(c);
  return c;
}

const frame = (channel: number, data: string | Buffer) => Buffer.concat([Buffer.from([channel]), Buffer.isBuffer(data) ? data : Buffer.from(data)]);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weavectl-exec-'));
});
afterEach(async () => {
  for (const c of clusters.splice(0)) c.close();
  for (const ws of wss?.clients ?? []) ws.terminate();
  wss?.close();
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('exec', () => {
  it('collects stdout and stderr and reads exit code 0 from the status channel', async () => {
    let seen: URL | undefined;
    const c = await start((ws, url) => {
      seen = url;
      ws.send(frame(1, 'weave-net-abc(node-1)  '));
      ws.send(frame(2, 'a warning\n'));
      ws.send(frame(255, Buffer.from([1]))); // v5: the server closed stdout
      ws.send(frame(1, Buffer.from('1048576 IPs (100.0% of total)\n')));
      ws.send(frame(3, JSON.stringify({ metadata: {}, status: 'Success' })));
      ws.send(frame(1, 'late frame after the status')); // must neither crash nor count
      // a real kubelet closes after the status; the client must not need it
    });
    const r = await c.exec({ namespace: 'kube-system', name: 'weave-net-abc' }, 'weave', ['/home/weave/weave', '--local', 'status', 'ipam']);
    expect(r).toEqual({ stdout: 'weave-net-abc(node-1)  1048576 IPs (100.0% of total)\n', stderr: 'a warning\n', exitCode: 0 });
    expect(seen?.pathname).toBe('/api/v1/namespaces/kube-system/pods/weave-net-abc/exec');
    expect(seen?.searchParams.getAll('command')).toEqual(['/home/weave/weave', '--local', 'status', 'ipam']);
    expect(seen?.searchParams.get('container')).toBe('weave');
    expect(seen?.searchParams.get('stdout')).toBe('true');
    expect(seen?.searchParams.get('stdin')).toBe('false');
    expect(lastAuth).toBe('Bearer tok');
  });

  it('reports a non-zero exit code', async () => {
    const c = await start((ws) => {
      ws.send(frame(2, 'weave: command not understood\n'));
      ws.send(
        frame(
          3,
          JSON.stringify({
            status: 'Failure',
            reason: 'NonZeroExitCode',
            message: 'command terminated with non-zero exit code: exit status 2',
            details: { causes: [{ reason: 'ExitCode', message: '2' }] },
          }),
        ),
      );
      ws.close();
    });
    const r = await c.exec({ namespace: 'kube-system', name: 'p' }, 'weave', ['weave', 'bogus']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('weave: command not understood\n');
  });

  it('a command that cannot start is a failure with the status message', async () => {
    const c = await start((ws) => {
      ws.send(frame(3, JSON.stringify({ status: 'Failure', reason: 'InternalError', message: 'exec: "nope": executable file not found in $PATH' })));
      ws.close();
    });
    await expect(c.exec({ namespace: 'kube-system', name: 'p' }, 'weave', ['nope'])).rejects.toThrow(
      'exec of "nope" in pod kube-system/p (container weave) failed: exec: "nope": executable file not found in $PATH',
    );
  });

  it('a refused handshake reports the Status message (403 names the permission)', async () => {
    const c = await start(
      () => undefined,
      (url) =>
        url.pathname.includes('/pods/forbidden/')
          ? { code: 403, body: { kind: 'Status', message: 'pods "forbidden" is forbidden: User "u" cannot create resource "pods/exec"', reason: 'Forbidden', code: 403 } }
          : { code: 404, body: { kind: 'Status', message: 'pods "ghost" not found', reason: 'NotFound', code: 404 } },
    );
    const e = await c.exec({ namespace: 'kube-system', name: 'forbidden' }, 'weave', ['true']).then(() => undefined, (err: Error & { hint?: string }) => err);
    expect(e?.message).toBe('forbidden: cannot create pods/exec "forbidden" in namespace "kube-system": pods "forbidden" is forbidden: User "u" cannot create resource "pods/exec"');
    expect(e?.hint).toContain('kubectl auth can-i create pods --subresource=exec -n kube-system');
    await expect(c.exec({ namespace: 'kube-system', name: 'ghost' }, 'weave', ['true'])).rejects.toThrow('pods "ghost" not found');
  });

  it('times out a command that does not finish', async () => {
    const c = await start((ws) => ws.send(frame(1, 'still running')));
    const t0 = Date.now();
    await expect(c.exec({ namespace: 'kube-system', name: 'p' }, 'weave', ['sleep', '1000'], { timeoutMs: 200 })).rejects.toThrow(
      'exec of "sleep 1000" in pod kube-system/p (container weave) did not finish within 200ms',
    );
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('a connection closed before the exit status is a failure', async () => {
    const c = await start((ws) => {
      ws.send(frame(1, 'partial'));
      ws.close();
    });
    await expect(c.exec({ namespace: 'kube-system', name: 'p' }, 'weave', ['x'])).rejects.toThrow('closed before the command\'s exit status arrived');
  });

  it('under v3 (no status), an empty error channel is exit 0 and its text an error', async () => {
    const ok = await start((ws) => {
      ws.send(frame(1, 'fine\n'));
      ws.close();
    }, undefined, 'v3.channel.k8s.io');
    expect(await ok.exec({ namespace: 'kube-system', name: 'p' }, 'weave', ['x'])).toEqual({ stdout: 'fine\n', stderr: '', exitCode: 0 });
    await new Promise<void>((r) => server!.close(() => r()));
    const failed = await start((ws) => {
      ws.send(frame(3, "command terminated with non-zero exit code: command 'x' exited with 4"));
      ws.close();
    }, undefined, 'v3.channel.k8s.io');
    expect((await failed.exec({ namespace: 'kube-system', name: 'p' }, 'weave', ['x'])).exitCode).toBe(4);
  });
});
