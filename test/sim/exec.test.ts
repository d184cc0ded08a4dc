import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { Exec, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { handleExecUpgrade, handleLogs, resultStatus, validateContainer, type ExecSim } from './src/exec.js';
import { ExecHandlers, PodLogs, type Obj } from './src/types.js';
import { peerName, weaveState } from './src/weave-node.js';

// A stand-in for the simulator: a store of nodes, namespaces and pods, the exec handler registry
// and the pod logs, served by a node:http server that routes like the simulator does.

function weavePod(name: string, node: string): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'kube-system', labels: { name: 'weave-net' }, uid: `uid-${name}` },
    spec: {
      nodeName: node,
      hostNetwork: true,
      initContainers: [{ name: 'weave-init', image: 'weaveworks/weave-kube:2.8.1' }],
      containers: [
        { name: 'weave', image: 'weaveworks/weave-kube:2.8.1', env: [{ name: 'IPALLOC_RANGE', value: '172.25.64.0/18' }] },
        { name: 'weave-npc', image: 'weaveworks/weave-npc:2.8.1' },
      ],
    },
    status: {
      phase: 'Running',
      podIP: '10.0.0.1',
      containerStatuses: [
        { name: 'weave', ready: true, restartCount: 0, state: { running: { startedAt: '2024-01-01T00:00:00Z' } } },
        { name: 'weave-npc', ready: true, restartCount: 0, state: { running: { startedAt: '2024-01-01T00:00:00Z' } } },
      ],
    },
  };
}

function node(name: string, ip: string, ready = true): Obj {
  return {
    metadata: { name, creationTimestamp: '2024-01-01T00:00:00Z' },
    status: { addresses: [{ type: 'InternalIP', address: ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

class FakeStore {
  tables = new Map<string, Obj[]>();
  list(store: string, namespace?: string): Obj[] {
    return (this.tables.get(store) ?? []).filter((o) => namespace === undefined || (o['metadata']?.['namespace'] ?? '') === namespace);
  }
  get(store: string, namespace: string, name: string): Obj | undefined {
    return this.list(store, namespace).find((o) => o['metadata']?.['name'] === name);
  }
}

let sim: ExecSim & { store: FakeStore; execHandlers: ExecHandlers; podLogs: PodLogs };
let server: http.Server;
let base: string;
const sockets = new Set<import('node:net').Socket>();

function podFor(url: string): Obj | undefined {
  const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/?]+)/.exec(url);
  return m ? sim.store.get('pods', decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)) : undefined;
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (/\/pods\/[^/]+\/log(\?|$)/.test(req.url ?? '')) return handleLogs(req, res, { sim, pod: podFor(req.url!) });
    res.writeHead(404).end();
  });
  server.on('upgrade', (req, socket, head) => handleExecUpgrade(req, socket, head, { sim, pod: podFor(req.url ?? '') }));
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

beforeEach(() => {
  const store = new FakeStore();
  store.tables.set('nodes', [node('node-1', '10.0.0.1'), node('node-2', '10.0.0.2')]);
  store.tables.set('namespaces', [{ metadata: { name: 'default' } }, { metadata: { name: 'kube-system' } }]);
  store.tables.set('pods', [
    weavePod('weave-net-aaaaa', 'node-1'),
    weavePod('weave-net-bbbbb', 'node-2'),
    {
      metadata: { name: 'app', namespace: 'default' },
      spec: { nodeName: 'node-1', containers: [{ name: 'main', image: 'busybox' }] },
      status: { phase: 'Running', podIP: '172.25.64.2' },
    },
  ]);
  sim = { store, execHandlers: new ExecHandlers(), podLogs: new PodLogs() };
});

function execPath(pod: string, command: string[], params: Record<string, string> = {}, ns = 'kube-system'): string {
  const q = new URLSearchParams();
  for (const c of command) q.append('command', c);
  for (const [k, v] of Object.entries({ stdout: 'true', stderr: 'true', ...params })) q.append(k, v);
  return `/api/v1/namespaces/${ns}/pods/${pod}/exec?${q}`;
}

interface RawResult {
  protocol: string;
  frames: { channel: number; data: string }[];
  closeCode: number;
}

/** Opens a raw WebSocket exec and collects every frame until the server closes. */
function rawExec(path: string, protocols: string[]): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${base}${path}`, protocols);
    const frames: RawResult['frames'] = [];
    ws.on('message', (data: Buffer, isBinary) => {
      expect(isBinary).toBe(true);
      frames.push({ channel: data[0]!, data: data.subarray(1).toString('utf8') });
    });
    ws.on('close', (code) => resolve({ protocol: ws.protocol, frames, closeCode: code }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode, body })));
    });
    ws.on('error', (e) => reject(e));
  });
}

async function rejected(path: string, protocols = ['v5.channel.k8s.io']): Promise<{ statusCode: number; body: Obj }> {
  try {
    await rawExec(path, protocols);
  } catch (e) {
    const err = e as { statusCode?: number; body?: string };
    if (err.statusCode) return { statusCode: err.statusCode, body: JSON.parse(err.body ?? '{}') };
    throw e;
  }
  throw new Error('the upgrade was accepted');
}

describe('exec over WebSocket: the protocols', () => {
  it('negotiates v5 and sends stdout, stderr, then a Success status on channel 3, then closes normally', async () => {
    sim.execHandlers.add((_pod, container, command) => (command[0] === 'greet' ? { stdout: `hello from ${container}\n`, stderr: 'warn\n', exitCode: 0 } : undefined));
    const r = await rawExec(execPath('weave-net-aaaaa', ['greet'], { container: 'weave' }), ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    expect(r.protocol).toBe('v5.channel.k8s.io');
    expect(r.frames).toEqual([
      { channel: 1, data: 'hello from weave\n' },
      { channel: 2, data: 'warn\n' },
      { channel: 3, data: '{"metadata":{},"status":"Success"}' },
    ]);
    expect(r.closeCode).toBe(1000);
  });

  it('reports a non-zero exit code as a NonZeroExitCode Status (v4)', async () => {
    sim.execHandlers.add(() => ({ stdout: '', stderr: 'boom\n', exitCode: 2 }));
    const r = await rawExec(execPath('weave-net-aaaaa', ['false'], { container: 'weave' }), ['v4.channel.k8s.io']);
    expect(r.protocol).toBe('v4.channel.k8s.io');
    expect(r.frames[0]).toEqual({ channel: 2, data: 'boom\n' });
    const st = JSON.parse(r.frames[1]!.data);
    expect(r.frames[1]!.channel).toBe(3);
    expect(st).toMatchObject({ metadata: {}, status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '2' }] } });
  });

  it('speaks the v1 protocol: no status frame on success, plain text on failure', async () => {
    sim.execHandlers.add((_p, _c, cmd) => ({ stdout: 'ok\n', stderr: '', exitCode: cmd[0] === 'fail' ? 3 : 0 }));
    const good = await rawExec(execPath('weave-net-aaaaa', ['x'], { container: 'weave' }), ['channel.k8s.io']);
    expect(good.protocol).toBe('channel.k8s.io');
    expect(good.frames).toEqual([{ channel: 1, data: 'ok\n' }]);
    const bad = await rawExec(execPath('weave-net-aaaaa', ['fail'], { container: 'weave' }), ['channel.k8s.io']);
    expect(bad.frames.at(-1)).toEqual({ channel: 3, data: "command terminated with non-zero exit code: command 'fail' exited with 3" });
    expect(resultStatus('v2.channel.k8s.io', 0, ['x'])).toBeUndefined();
  });

  it('sends only the streams asked for, and merges stderr into stdout for a tty', async () => {
    sim.execHandlers.add(() => ({ stdout: 'out\n', stderr: 'err\n', exitCode: 0 }));
    const noStdout = await rawExec(execPath('weave-net-aaaaa', ['x'], { container: 'weave', stdout: 'false' }), ['v5.channel.k8s.io']);
    expect(noStdout.frames.map((f) => f.channel)).toEqual([2, 3]);
    const tty = await rawExec(execPath('weave-net-aaaaa', ['x'], { container: 'weave', tty: 'true', stdin: 'true' }), ['v5.channel.k8s.io']);
    expect(tty.frames).toEqual([
      { channel: 1, data: 'out\nerr\n' },
      { channel: 3, data: '{"metadata":{},"status":"Success"}' },
    ]);
  });

  it('answers an unknown command as containerd does, with exit code 126', async () => {
    const r = await rawExec(execPath('app', ['nosuch', '-x'], { container: 'main' }, 'default'), ['v5.channel.k8s.io']);
    expect(r.frames[0]).toEqual({
      channel: 2,
      data: 'OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuch": executable file not found in $PATH: unknown\r\n',
    });
    expect(JSON.parse(r.frames[1]!.data).details.causes[0]).toEqual({ reason: 'ExitCode', message: '126' });
  });

  it('asks programmed handlers first, newest first, before the weave imitation', async () => {
    const cmd = ['/home/weave/weave', '--local', 'status', 'ipam'];
    const imitation = await rawExec(execPath('weave-net-aaaaa', cmd, { container: 'weave' }), ['v5.channel.k8s.io']);
    expect(imitation.frames[0]!.data).toContain(`${peerName('node-1')}(node-1)`);
    expect(imitation.frames[0]!.data).toContain('8192 IPs (50.0% of total) (2 active)'); // the bridge and the app pod
    sim.execHandlers.add(() => ({ stdout: 'first\n', stderr: '', exitCode: 0 }));
    sim.execHandlers.add((_p, _c, c) => (c[0] === 'other' ? { stdout: 'second\n', stderr: '', exitCode: 0 } : undefined));
    const r = await rawExec(execPath('weave-net-aaaaa', cmd, { container: 'weave' }), ['v5.channel.k8s.io']);
    expect(r.frames[0]!.data).toBe('first\n');
  });

  it('reflects weave fault flags set on the simulator', async () => {
    weaveState(sim).unreachable.add('node-2');
    const r = await rawExec(execPath('weave-net-aaaaa', ['/home/weave/weave', '--local', 'status', 'ipam'], { container: 'weave' }), ['v5.channel.k8s.io']);
    expect(r.frames[0]!.data).toMatch(/\(node-2\) +8192 IPs \(50\.0% of total\) - unreachable!\n$/);
  });
});

describe('exec over WebSocket: errors before the upgrade', () => {
  it('404 with a Status for a missing pod', async () => {
    const r = await rejected(execPath('weave-net-zzzzz', ['ls']));
    expect(r.statusCode).toBe(404);
    expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'NotFound', message: 'pods "weave-net-zzzzz" not found', code: 404 });
  });

  it('400 for an unknown container, and for a missing one when the pod has several', async () => {
    const r = await rejected(execPath('weave-net-aaaaa', ['ls'], { container: 'weavex' }));
    expect(r.statusCode).toBe(400);
    expect(r.body.message).toBe('container weavex is not valid for pod weave-net-aaaaa');
    const none = await rejected(execPath('weave-net-aaaaa', ['ls']));
    expect(none.body.message).toBe('a container name must be specified for pod weave-net-aaaaa, choose one of: [weave-init weave weave-npc]');
  });

  it('defaults to the only container', () => {
    expect(validateContainer(sim.store.get('pods', 'default', 'app')!, '')).toEqual({ container: 'main' });
  });

  it('500 when the pod’s node is down, 400 when the container is not running', async () => {
    sim.store.tables.get('nodes')![1] = node('node-2', '10.0.0.2', false);
    const down = await rejected(execPath('weave-net-bbbbb', ['ls'], { container: 'weave' }));
    expect(down.statusCode).toBe(500);
    expect(down.body.message).toBe('error dialing backend: dial tcp 10.0.0.2:10250: connect: no route to host');
    const pod = sim.store.get('pods', 'kube-system', 'weave-net-aaaaa')!;
    pod['status']['containerStatuses'][0]['state'] = { waiting: { reason: 'CrashLoopBackOff' } };
    const waiting = await rejected(execPath('weave-net-aaaaa', ['ls'], { container: 'weave' }));
    expect(waiting.body.message).toBe('container not found ("weave")');
  });

  it('400 for no command, no stream, or a protocol it does not speak', async () => {
    expect((await rejected(execPath('weave-net-aaaaa', [], { container: 'weave' }))).body.message).toBe('you must specify at least 1 command');
    expect((await rejected(execPath('weave-net-aaaaa', ['ls'], { container: 'weave', stdout: 'false', stderr: 'false' }))).body.message).toBe(
      'you must specify at least 1 of stdin, stdout, stderr',
    );
    const proto = await rejected(execPath('weave-net-aaaaa', ['ls'], { container: 'weave' }), ['v9.channel.k8s.io']);
    expect(proto.statusCode).toBe(400);
    expect(proto.body.message).toMatch(/^unable to upgrade: unable to negotiate protocol: client supports \[v9\.channel\.k8s\.io\]/);
  });

  it('refuses a SPDY upgrade with a Status instead of hanging', async () => {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`http://${base}${execPath('weave-net-aaaaa', ['ls'], { container: 'weave' })}`, {
        method: 'POST',
        headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'v4.channel.k8s.io' },
      });
      req.on('response', (r) => {
        let body = '';
        r.on('data', (d: Buffer) => (body += d));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('upgrade', () => reject(new Error('upgraded')));
      req.on('error', reject);
      req.end();
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).message).toMatch(/serves exec over WebSocket only/);
  });
});

describe('exec with @kubernetes/client-node', () => {
  function kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'sim', server: `http://${base}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'c', cluster: 'sim', user: 'u' }],
      currentContext: 'c',
    });
    return kc;
  }

  async function run(container: string, command: string[]): Promise<{ stdout: string; stderr: string; status: Obj }> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (d: Buffer) => (out += d));
    stderr.on('data', (d: Buffer) => (err += d));
    const status = await new Promise<Obj>((resolve, reject) => {
      new Exec(kubeConfig())
        .exec('kube-system', 'weave-net-aaaaa', container, command, stdout, stderr, null, false, (s) => resolve(s as Obj))
        .catch(reject);
    });
    return { stdout: out, stderr: err, status };
  }

  it('runs weave --local status and gets Success', async () => {
    const r = await run('weave', ['/home/weave/weave', '--local', 'status']);
    expect(r.stdout).toContain('        Service: ipam\n         Status: ready\n          Range: 172.25.64.0/18\n');
    expect(r.status).toEqual({ metadata: {}, status: 'Success' });
  });

  it('gets the exit code of a failing command', async () => {
    const r = await run('weave-npc', ['nosuch']);
    expect(r.stderr).toContain('executable file not found in $PATH');
    expect(r.status['status']).toBe('Failure');
    expect(r.status['details'].causes[0].message).toBe('126');
  });
});

describe('pod logs', () => {
  function get(path: string): Promise<{ status: number; type?: string; body: string }> {
    return new Promise((resolve, reject) => {
      http
        .get(`http://${base}${path}`, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
        })
        .on('error', reject);
    });
  }
  const logPath = (pod: string, q: string) => `/api/v1/namespaces/kube-system/pods/${pod}/log?${q}`;

  beforeEach(() => {
    sim.podLogs.set('kube-system', 'weave-net-aaaaa', 'weave', 'one\ntwo\nthree\n');
  });

  it('returns the container’s log, its last lines, or its first bytes', async () => {
    expect(await get(logPath('weave-net-aaaaa', 'container=weave'))).toEqual({ status: 200, type: 'text/plain', body: 'one\ntwo\nthree\n' });
    expect((await get(logPath('weave-net-aaaaa', 'container=weave&tailLines=2'))).body).toBe('two\nthree\n');
    expect((await get(logPath('weave-net-aaaaa', 'container=weave&tailLines=0'))).body).toBe('');
    expect((await get(logPath('weave-net-aaaaa', 'container=weave&tailLines=10'))).body).toBe('one\ntwo\nthree\n');
    expect((await get(logPath('weave-net-aaaaa', 'container=weave&limitBytes=5'))).body).toBe('one\nt');
    expect((await get(logPath('weave-net-aaaaa', 'container=weave-npc'))).body).toBe('');
  });

  it('serves --previous only for a container that restarted', async () => {
    const none = await get(logPath('weave-net-aaaaa', 'container=weave&previous=true'));
    expect(none.status).toBe(400);
    expect(JSON.parse(none.body).message).toBe('previous terminated container "weave" in pod "weave-net-aaaaa" not found');
    sim.podLogs.rotate('kube-system', 'weave-net-aaaaa', 'weave');
    sim.podLogs.append('kube-system', 'weave-net-aaaaa', 'weave', 'after restart\n');
    expect((await get(logPath('weave-net-aaaaa', 'container=weave&previous=true'))).body).toBe('one\ntwo\nthree\n');
    expect((await get(logPath('weave-net-aaaaa', 'container=weave'))).body).toBe('after restart\n');
  });

  it('keeps what was written since sinceSeconds / sinceTime, in the current and the previous log', async () => {
    const hourAgo = Date.now() - 3_600_000;
    sim.podLogs.now = () => hourAgo;
    sim.podLogs.set('kube-system', 'weave-net-aaaaa', 'weave', 'old\n');
    sim.podLogs.now = () => Date.now();
    sim.podLogs.append('kube-system', 'weave-net-aaaaa', 'weave', 'new\n');
    expect((await get(logPath('weave-net-aaaaa', 'container=weave&sinceSeconds=60'))).body).toBe('new\n');
    expect((await get(logPath('weave-net-aaaaa', 'container=weave&sinceSeconds=7200'))).body).toBe('old\nnew\n');
    expect((await get(logPath('weave-net-aaaaa', `container=weave&sinceTime=${new Date(hourAgo - 1000).toISOString()}`))).body).toBe('old\nnew\n');
    sim.podLogs.rotate('kube-system', 'weave-net-aaaaa', 'weave');
    expect((await get(logPath('weave-net-aaaaa', 'container=weave&previous=true&sinceSeconds=60'))).body).toBe('new\n');
    const bad = await get(logPath('weave-net-aaaaa', 'container=weave&sinceSeconds=0'));
    expect(bad.status).toBe(422);
  });

  it('refuses unknown pods, containers and bad numbers like the API server', async () => {
    const pod = await get(logPath('weave-net-zzzzz', 'container=weave'));
    expect(pod.status).toBe(404);
    expect(JSON.parse(pod.body).message).toBe('pods "weave-net-zzzzz" not found');
    const c = await get(logPath('weave-net-aaaaa', 'container=nope'));
    expect(c.status).toBe(400);
    expect(JSON.parse(c.body).message).toBe('container nope is not valid for pod weave-net-aaaaa');
    expect(JSON.parse((await get(logPath('weave-net-aaaaa', ''))).body).message).toMatch(/^a container name must be specified for pod weave-net-aaaaa/);
    expect((await get(logPath('weave-net-aaaaa', 'container=weave&tailLines=x'))).status).toBe(400);
    const negative = await get(logPath('weave-net-aaaaa', 'container=weave&tailLines=-1'));
    expect(negative.status).toBe(422);
    expect(JSON.parse(negative.body).message).toBe('PodLogOptions "weave-net-aaaaa" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0');
  });

  it('refuses the log of a container that never started', async () => {
    const pod = sim.store.get('pods', 'kube-system', 'weave-net-aaaaa')!;
    pod['status']['containerStatuses'][0] = { name: 'weave', restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff' } } };
    const r = await get(logPath('weave-net-aaaaa', 'container=weave'));
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).message).toBe('container "weave" in pod "weave-net-aaaaa" is waiting to start: trying and failing to pull image');
  });

  it('follows: sends what is there, then what is appended, until the client goes', async () => {
    const received = await new Promise<string>((resolve, reject) => {
      let body = '';
      const req = http.get(`http://${base}${logPath('weave-net-aaaaa', 'container=weave&follow=true&tailLines=1')}`, (res) => {
        res.on('data', (d: Buffer) => {
          body += d;
          if (body === 'three\n') {
            sim.podLogs.append('kube-system', 'weave-net-aaaaa', 'weave', 'four\n');
            sim.podLogs.append('kube-system', 'weave-net-aaaaa', 'weave-npc', 'not mine\n');
          }
          if (body.endsWith('four\n')) {
            req.destroy();
            resolve(body);
          }
        });
      });
      req.on('error', (e) => (body.endsWith('four\n') ? undefined : reject(e)));
    });
    expect(received).toBe('three\nfour\n');
  });
});
