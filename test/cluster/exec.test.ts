/**
 * exec over a scripted WebSocket server on 127.0.0.1 speaking the v4/v5 channel protocol:
 * stdout/stderr channels, the exit status on channel 3, a refused handshake, a timeout; over TLS
 * with a client certificate, with exec-plugin credentials asked for on every call; then against the
 * Kubernetes API simulator (test/sim), whose exec is the API server's and the kubelet's.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, type KubeCluster } from '../../src/cluster/kube-cluster.js';
import { startSimulator, type Simulator } from '../sim/index.js';

let dir: string;
let lastAuth: string | undefined;
let lastProtocols: string | undefined;
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
    lastProtocols = req.headers['sec-websocket-protocol'];
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

  it('with onStdout the timeout limits the silence: output that keeps coming may take longer', async () => {
    const slow = await start((ws) => {
      let i = 0;
      const iv = setInterval(() => {
        if (i++ < 5) ws.send(frame(1, `chunk ${i}\n`));
        else {
          clearInterval(iv);
          ws.send(frame(3, JSON.stringify({ metadata: {}, status: 'Success' })));
        }
      }, 100);
    });
    const got: string[] = [];
    const t0 = Date.now();
    const r = await slow.exec({ namespace: 'kube-system', name: 'p' }, 'weave', ['report'], { timeoutMs: 300, onStdout: (c) => void got.push(c.toString()) });
    expect(Date.now() - t0).toBeGreaterThan(300);
    expect(r.exitCode).toBe(0);
    expect(got.join('')).toBe('chunk 1\nchunk 2\nchunk 3\nchunk 4\nchunk 5\n');
  });

  it('with onStdout, silence for the timeout ends the command', async () => {
    const silent = await start((ws) => ws.send(frame(1, 'one chunk, then nothing')));
    await expect(silent.exec({ namespace: 'kube-system', name: 'p' }, 'weave', ['report'], { timeoutMs: 200, onStdout: () => undefined })).rejects.toThrow(
      'exec of "report" in pod kube-system/p (container weave) sent nothing for 200ms',
    );
  });

  it('offers the binary protocols real servers speak and reads the v4 status the same way', async () => {
    const c = await start((ws) => {
      ws.send(frame(1, 'v4 out\n'));
      ws.send(frame(3, JSON.stringify({ status: 'Failure', reason: 'NonZeroExitCode', message: 'exit 3', details: { causes: [{ reason: 'ExitCode', message: '3' }] } })));
      ws.close();
    }, undefined, 'v4.channel.k8s.io');
    expect(await c.exec({ namespace: 'kube-system', name: 'p' }, 'weave', ['x'])).toEqual({ stdout: 'v4 out\n', stderr: '', exitCode: 3 });
    expect(lastProtocols?.split(',').map((p) => p.trim())).toEqual(['v5.channel.k8s.io', 'v4.channel.k8s.io', 'channel.k8s.io']);
  });

  it('returns as soon as the status arrives, without waiting for the server to close', async () => {
    const c = await start((ws) => {
      ws.send(frame(1, 'done\n'));
      ws.send(frame(3, JSON.stringify({ metadata: {}, status: 'Success' })));
      // no close from this server: the client closes, and must not wait for its answer
    });
    const t0 = Date.now();
    expect(await c.exec({ namespace: 'kube-system', name: 'p' }, 'weave', ['x'], { timeoutMs: 5000 })).toEqual({ stdout: 'done\n', stderr: '', exitCode: 0 });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('a status that is not JSON is a failure naming it', async () => {
    const c = await start((ws) => {
      ws.send(frame(3, 'garbage'));
      ws.close();
    });
    await expect(c.exec({ namespace: 'kube-system', name: 'p' }, 'weave', ['x'])).rejects.toThrow(
      'exec of "x" in pod kube-system/p (container weave): the API server sent an exit status that is not a Status: garbage',
    );
  });

  it('a connection closed before the exit status is a failure', async () => {
    const c = await start((ws) => {
      ws.send(frame(1, 'partial'));
      ws.close();
    });
    await expect(c.exec({ namespace: 'kube-system', name: 'p' }, 'weave', ['x'])).rejects.toThrow('closed before the command\'s exit status arrived');
  });

  it('under channel.k8s.io (no status), an empty error channel is exit 0 and its text an error', async () => {
    const ok = await start((ws) => {
      ws.send(frame(1, 'fine\n'));
      ws.close();
    }, undefined, 'channel.k8s.io');
    expect(await ok.exec({ namespace: 'kube-system', name: 'p' }, 'weave', ['x'])).toEqual({ stdout: 'fine\n', stderr: '', exitCode: 0 });
    await new Promise<void>((r) => server!.close(() => r()));
    const failed = await start((ws) => {
      ws.send(frame(3, "command terminated with non-zero exit code: command 'x' exited with 4"));
      ws.close();
    }, undefined, 'channel.k8s.io');
    expect((await failed.exec({ namespace: 'kube-system', name: 'p' }, 'weave', ['x'])).exitCode).toBe(4);
  });
});

describe('exec over TLS', () => {
  let pki: Record<'ca' | 'serverKey' | 'serverCert' | 'aliceKey' | 'aliceCert' | 'bobKey' | 'bobCert', string>;
  let tlsServer: https.Server | undefined;
  let tlsWss: WebSocketServer | undefined;
  /** The client certificate's CN and the Authorization header of every upgrade. */
  const seen: { cn?: string; auth?: string }[] = [];
  /** Whether each upgrade's TLS session was a resumed one. */
  const resumed: boolean[] = [];

  beforeAll(() => {
    const d = path.join(dir, 'pki');
    fs.mkdirSync(d);
    const f = (n: string) => path.join(d, n);
    const ossl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    ossl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '1', '-subj', '/CN=weavectl-test-ca');
    fs.writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    for (const [name, cn, ext] of [['server', '127.0.0.1', true], ['alice', 'alice', false], ['bob', 'bob', false]] as const) {
      ossl('req', ...ec, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`);
      ossl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${name}.crt`), '-days', '1', ...(ext ? ['-extfile', f('san.ext')] : []));
    }
    pki = {
      ca: f('ca.crt'),
      serverKey: f('server.key'),
      serverCert: f('server.crt'),
      aliceKey: f('alice.key'),
      aliceCert: f('alice.crt'),
      bobKey: f('bob.key'),
      bobCert: f('bob.crt'),
    };
  });

  afterEach(async () => {
    for (const ws of tlsWss?.clients ?? []) ws.terminate();
    tlsWss?.close();
    tlsServer?.closeAllConnections();
    await new Promise<void>((r) => (tlsServer ? tlsServer.close(() => r()) : r()));
    tlsServer = undefined;
    seen.length = 0;
    resumed.length = 0;
  });

  /** An HTTPS server that requires a client certificate from the test CA and answers every exec with its CN. */
  async function serveTls(): Promise<string> {
    tlsServer = https.createServer({
      key: fs.readFileSync(pki.serverKey),
      cert: fs.readFileSync(pki.serverCert),
      ca: fs.readFileSync(pki.ca),
      requestCert: true,
      rejectUnauthorized: true,
    });
    tlsWss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : false) });
    tlsServer.on('upgrade', (req, socket, head) => {
      const cn = String((req.socket as TLSSocket).getPeerCertificate()?.subject?.CN ?? '');
      seen.push({ cn, auth: req.headers.authorization });
      resumed.push((req.socket as TLSSocket).isSessionReused());
      tlsWss!.handleUpgrade(req, socket, head, (ws) => {
        ws.send(frame(1, `hello ${cn}\n`));
        ws.send(frame(3, JSON.stringify({ metadata: {}, status: 'Success' })));
        ws.close();
      });
    });
    await new Promise<void>((r) => tlsServer!.listen(0, '127.0.0.1', r));
    return `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;
  }

  async function clusterFor(url: string, user: Record<string, unknown>, ca = true): Promise<KubeCluster> {
    const kc = path.join(dir, `kc-tls-${clusters.length}.json`);
    fs.writeFileSync(
      kc,
      JSON.stringify({
        apiVersion: 'v1',
        'current-context': 't',
        clusters: [{ name: 't', cluster: { server: url, ...(ca ? { 'certificate-authority': pki.ca } : {}) } }],
        users: [{ name: 'u', user }],
        contexts: [{ name: 't', context: { cluster: 't', user: 'u' } }],
      }),
    );
    const c = await connect({ kubeconfig: kc, env: {} });
    clusters.push(c);
    return c;
  }

  it('verifies the server against the kubeconfig CA, presents the client certificate, and resumes the TLS session', async () => {
    const c = await clusterFor(await serveTls(), { 'client-certificate': pki.aliceCert, 'client-key': pki.aliceKey });
    const pod = { namespace: 'kube-system', name: 'p' };
    const results = await Promise.all([1, 2, 3].map(() => c.exec(pod, 'weave', ['whoami'])));
    expect(results.map((r) => r.stdout)).toEqual(['hello alice\n', 'hello alice\n', 'hello alice\n']);
    expect(seen.map((s) => s.cn)).toEqual(['alice', 'alice', 'alice']);
    // one exec after another: every connection is new, but the TLS session of the first is resumed
    resumed.length = 0;
    for (let i = 0; i < 3; i++) expect((await c.exec(pod, 'weave', ['whoami'])).stdout).toBe('hello alice\n');
    expect(resumed).toEqual([true, true, true]);
  });

  it('refuses a server whose certificate the kubeconfig does not trust', async () => {
    const url = await serveTls();
    const c = await clusterFor(url, { 'client-certificate': pki.aliceCert, 'client-key': pki.aliceKey }, false);
    const e = await c.exec({ namespace: 'kube-system', name: 'p' }, 'weave', ['whoami']).then(() => undefined, (err: Error & { hint?: string }) => err);
    expect(e?.message).toMatch(new RegExp(`^the TLS certificate of ${url.replace(/\./g, '\\.')} is not trusted: `));
    expect(e?.hint).toContain('certificate-authority');
    expect(seen).toEqual([]);
  });

  it('asks an exec credential plugin on every call: a new token, and a rotated client certificate, are used at once', async () => {
    const url = await serveTls();
    // The plugin counts its runs and hands out token tok-N, with alice's certificate on odd runs and bob's on even ones.
    const counter = path.join(dir, 'plugin-runs');
    fs.writeFileSync(counter, '0');
    const plugin = path.join(dir, 'plugin.cjs');
    fs.writeFileSync(
      plugin,
      `const fs = require('fs');
const n = Number(fs.readFileSync(${JSON.stringify(counter)}, 'utf8')) + 1;
fs.writeFileSync(${JSON.stringify(counter)}, String(n));
const who = n % 2 ? 'alice' : 'bob';
const pki = ${JSON.stringify(pki)};
process.stdout.write(JSON.stringify({
  apiVersion: 'client.authentication.k8s.io/v1beta1',
  kind: 'ExecCredential',
  status: { token: 'tok-' + n, clientCertificateData: fs.readFileSync(pki[who + 'Cert'], 'utf8'), clientKeyData: fs.readFileSync(pki[who + 'Key'], 'utf8') },
}));
`,
    );
    const c = await clusterFor(url, {
      exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: process.execPath, args: [plugin], interactiveMode: 'Never' },
    });
    const pod = { namespace: 'kube-system', name: 'p' };
    const out: string[] = [];
    for (let i = 0; i < 4; i++) out.push((await c.exec(pod, 'weave', ['whoami'])).stdout);
    expect(out).toEqual(['hello alice\n', 'hello bob\n', 'hello alice\n', 'hello bob\n']);
    expect(seen).toEqual([
      { cn: 'alice', auth: 'Bearer tok-1' },
      { cn: 'bob', auth: 'Bearer tok-2' },
      { cn: 'alice', auth: 'Bearer tok-3' },
      { cn: 'bob', auth: 'Bearer tok-4' },
    ]);
  });

  it('a client key that does not fit is a one-line failure', async () => {
    const c = await clusterFor(await serveTls(), { 'client-certificate': pki.aliceCert, 'client-key': pki.bobKey });
    await expect(c.exec({ namespace: 'kube-system', name: 'p' }, 'weave', ['whoami'])).rejects.toThrow(/^the TLS certificates or keys of context "t" are not usable: .*key values mismatch/);
  });
});

describe('exec against the simulator', () => {
  let sim: Simulator;
  let c: KubeCluster;
  const pod = { namespace: 'default', name: 'two' };

  beforeAll(async () => {
    sim = await startSimulator({ k8sVersion: '1.29.2', nodes: 2, token: 'sekret', stepDelayMs: 5 });
    c = await connect({ kubeconfig: sim.kubeconfigPath, env: {}, onWarning: () => undefined });
    sim.put({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'two', namespace: 'default' },
      spec: { nodeName: 'k8s-vm1', containers: [{ name: 'main', image: 'busybox:1.36' }, { name: 'side', image: 'busybox:1.36' }] },
    });
    await sim.waitFor(() => sim.get('v1', 'Pod', 'default', 'two')?.status?.containerStatuses?.every((s: { state?: { running?: unknown } }) => s.state?.running), { timeoutMs: 10_000 });
    sim.execHandlers.add((p, container, command) => {
      if (p.metadata.name !== 'two') return undefined;
      const [cmd, ...args] = command;
      if (cmd === 'echo') return { stdout: `${container}: ${args.join(' ')}\n`, stderr: '', exitCode: 0 };
      if (cmd === 'fail') return { stdout: 'partial\n', stderr: `bad ${args[0]}\n`, exitCode: Number(args[0]) };
      if (cmd === 'sleep') return new Promise((r) => setTimeout(() => r({ stdout: '', stderr: '', exitCode: 0 }), Number(args[0])));
      if (cmd === 'big') return { stdout: 'x'.repeat(Number(args[0])), stderr: '', exitCode: 0 };
      return undefined;
    });
  });
  afterAll(async () => {
    c?.close();
    await sim?.stop();
  });

  it('runs a command with arguments that need escaping, in the named container', async () => {
    expect(await c.exec(pod, 'side', ['echo', 'a b', '&c=d', 'ü/?#'])).toEqual({ stdout: 'side: a b &c=d ü/?#\n', stderr: '', exitCode: 0 });
    expect((await c.exec(pod, 'main', ['echo', 'x'])).stdout).toBe('main: x\n');
  });

  it('reads exit codes, stderr, a command that is not in the image, and large output', async () => {
    expect(await c.exec(pod, 'main', ['fail', '7'])).toEqual({ stdout: 'partial\n', stderr: 'bad 7\n', exitCode: 7 });
    const missing = await c.exec(pod, 'main', ['/no/such']);
    expect(missing.exitCode).toBe(126);
    expect(missing.stderr).toContain('executable file not found');
    expect((await c.exec(pod, 'main', ['big', '3000000'])).stdout).toHaveLength(3_000_000);
  });

  it('hands stdout to onStdout chunk by chunk, waiting for a slow sink, and reports the exit code after the last chunk', async () => {
    const chunks: Buffer[] = [];
    let pending = 0;
    let maxPending = 0;
    const r = await c.exec(pod, 'main', ['big', '1000000'], {
      onStdout: async (chunk) => {
        pending++;
        maxPending = Math.max(maxPending, pending);
        await new Promise((res) => setTimeout(res, 1));
        chunks.push(chunk);
        pending--;
      },
    });
    expect(r).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    expect(Buffer.concat(chunks).toString()).toBe('x'.repeat(1_000_000));
    expect(chunks.length).toBeGreaterThan(1); // the simulator sends 32 KiB messages, as the kubelet copies them
    expect(maxPending).toBe(1); // one chunk at a time: the socket waits for the sink
    // A sink that throws fails the exec with its error.
    await expect(c.exec(pod, 'main', ['big', '100000'], { onStdout: () => Promise.reject(new Error('disk full')) })).rejects.toThrow('disk full');
  });

  it('keeps many concurrent execs apart', async () => {
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => c.exec(pod, i % 2 ? 'main' : 'side', ['echo', String(i)])));
    results.forEach((r, i) => expect(r).toEqual({ stdout: `${i % 2 ? 'main' : 'side'}: ${i}\n`, stderr: '', exitCode: 0 }));
  });

  it("reports the API server's refusals before the upgrade in one line", async () => {
    await expect(c.exec({ namespace: 'default', name: 'ghost' }, 'main', ['echo'])).rejects.toThrow('pods "ghost" not found');
    await expect(c.exec(pod, 'nope', ['echo'])).rejects.toThrow('create pods/exec "two" in namespace "default": 400 from the API server: container nope is not valid for pod two');
    sim.nodes.setReady('k8s-vm1', false);
    try {
      await expect(c.exec(pod, 'main', ['echo'])).rejects.toThrow(/500 from the API server: error dialing backend: dial tcp .*:10250/);
    } finally {
      sim.nodes.setReady('k8s-vm1', true);
    }
  });

  it('sends the credentials: another token is refused', async () => {
    const p = `${sim.kubeconfigPath}.wrong`;
    fs.writeFileSync(p, fs.readFileSync(sim.kubeconfigPath, 'utf8').replace('sekret', 'wrong'));
    const wrong = await connect({ kubeconfig: p, env: {}, onWarning: () => undefined });
    try {
      await expect(wrong.exec(pod, 'main', ['echo'])).rejects.toThrow(`the API server ${sim.url} refused the credentials of user "sim" (context "sim"): 401 Unauthorized`);
    } finally {
      wrong.close();
    }
  });

  it('times out a command that runs too long', async () => {
    await expect(c.exec(pod, 'main', ['sleep', '2000'], { timeoutMs: 150 })).rejects.toThrow(
      'exec of "sleep 2000" in pod default/two (container main) did not finish within 150ms',
    );
  });
});

describe('commandLabel (how an exec names its command in messages)', () => {
  it('cuts an argument longer than 40 characters to its first 24 and …, short ones stay whole', async () => {
    const { commandLabel } = await import('../../src/cluster/exec.js');
    expect(commandLabel(['/home/weave/weave', '--local', 'status', 'ipam'])).toBe('/home/weave/weave --local status ipam');
    expect(commandLabel(['/home/weave/weave', '--local', 'report', '-f', 'weave {{.Ready}} {{json .Version}}\nrouter {{json .Router.Name}}'])).toBe(
      '/home/weave/weave --local report -f weave {{.Ready}} {{json …',
    );
  });
});
