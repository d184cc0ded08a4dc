/**
 * The simulator's pods/portforward (test/sim/src/portforward.ts) spoken by @kubernetes/client-node's
 * PortForward (its portforward.js: v4.channel.k8s.io, two port bytes first on each channel), and the
 * stand-in Scope app behind it (test/sim/src/scope-app.ts: /api as scope v1.13.2 app/router.go
 * apiHandler, /api/report as app/api_report.go, basic auth as goji/httpauth SimpleBasicAuth).
 */
import { KubeConfig, PortForward } from '@kubernetes/client-node';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { toObjects } from '../../src/manifest/manifest.js';
import { applyScopeSettings } from '../../src/manifest/patch-scope.js';
import { loadScopeTemplate } from '../../src/manifest/templates.js';
import { startSimulator, type Simulator } from './index.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function installScope(s: Simulator, settings: Parameters<typeof applyScopeSettings>[1] = {}): Promise<string> {
  for (const o of toObjects(applyScopeSettings(loadScopeTemplate('current'), settings).manifest)) s.put(o as never);
  const pod = await s.waitFor(() => s.list('v1', 'Pod', 'weave').find((p) => p['metadata']?.['labels']?.['weave-scope-component'] === 'app' && p['status']?.['phase'] === 'Running'));
  await s.waitFor(() => s.get('apps/v1', 'DaemonSet', 'weave', 'weave-scope-agent')?.['status']?.['numberReady'] === 3);
  return String(pod['metadata']['name']);
}

/** One HTTP/1.1 request through client-node's PortForward; the raw response text. */
async function viaClientNode(s: Simulator, pod: string, port: number, request: string): Promise<{ out: string; err: string }> {
  const kc = new KubeConfig();
  kc.loadFromFile(s.kubeconfigPath);
  const out = new PassThrough();
  const err = new PassThrough();
  const input = new PassThrough();
  let outText = '';
  let errText = '';
  out.on('data', (d: Buffer) => (outText += d.toString('utf8')));
  err.on('data', (d: Buffer) => (errText += d.toString('utf8')));
  const ws = (await new PortForward(kc, true).portForward('weave', pod, [port], out, err, input)) as unknown as { on(e: string, f: () => void): void; protocol: string };
  expect(ws.protocol).toBe('v4.channel.k8s.io');
  const closed = new Promise<void>((r) => ws.on('close', () => r()));
  input.write(request);
  await closed;
  return { out: outText, err: errText };
}

const GET = (path: string, auth?: string) => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${auth ? `Authorization: Basic ${Buffer.from(auth).toString('base64')}\r\n` : ''}Connection: close\r\n\r\n`;
const body = (raw: string) => raw.slice(raw.indexOf('\r\n\r\n') + 4);

describe('pods/portforward with client-node PortForward, the stand-in Scope app behind it', () => {
  it('GET /api and /api/report through the tunnel: the app details and a report of the hosts, pods and containers', async () => {
    sim = await startSimulator({ stepDelayMs: 5 });
    const pod = await installScope(sim);
    const api = await viaClientNode(sim, pod, 4040, GET('/api'));
    expect(api.out).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(JSON.parse(body(api.out))).toMatchObject({ version: '1.13.2', hostname: pod });
    const rep = JSON.parse(body((await viaClientNode(sim, pod, 4040, GET('/api/report'))).out));
    expect(Object.keys(rep.Host.nodes).sort()).toEqual(['k8s-vm1;<host>', 'k8s-vm2;<host>', 'k8s-vm3;<host>']);
    const podNames = Object.values(rep.Pod.nodes).map((n: any) => n.latest.kubernetes_name.value);
    expect(podNames).toContain(pod);
    const cnode: any = Object.values(rep.Container.nodes).find((n: any) => n.latest.docker_image_name.value.includes('scope'));
    expect(cnode.id).toMatch(/^[0-9a-f]+;<container>$/);
    expect(cnode.latest.docker_container_state).toEqual({ timestamp: expect.any(String), value: 'running' });
  });

  it('a port nothing listens on: the kubelet\'s "connection refused" on the error channel, then the close', async () => {
    sim = await startSimulator({ stepDelayMs: 5 });
    const pod = await installScope(sim);
    const r = await viaClientNode(sim, pod, 9999, GET('/'));
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^error forwarding port 9999 to pod .*connection refused/);
  });

  it('basic auth on the app: 401 Basic realm="Restricted" without the credentials, the report with them; agents without them report nothing', async () => {
    sim = await startSimulator({ stepDelayMs: 5 });
    sim.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'weave' } });
    sim.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'scope-auth', namespace: 'weave' }, data: { username: Buffer.from('ops').toString('base64'), password: Buffer.from('s3cret').toString('base64') } });
    const pod = await installScope(sim, { basicAuthSecret: 'scope-auth' });
    const denied = (await viaClientNode(sim, pod, 4040, GET('/api'))).out;
    expect(denied).toMatch(/^HTTP\/1\.1 401 Unauthorized/);
    expect(denied).toMatch(/WWW-Authenticate: Basic realm="Restricted"/i);
    expect((await viaClientNode(sim, pod, 4040, GET('/api', 'ops:wrong'))).out).toMatch(/^HTTP\/1\.1 401/);
    const rep = JSON.parse(body((await viaClientNode(sim, pod, 4040, GET('/api/report', 'ops:s3cret'))).out));
    expect(Object.keys(rep.Host.nodes)).toHaveLength(3);

    // the agents without the credentials (basic auth set by hand on the app only): their reports are refused
    const ds = sim.get('apps/v1', 'DaemonSet', 'weave', 'weave-scope-agent')!;
    ds['spec']['template']['spec']['containers'][0]['env'] = ds['spec']['template']['spec']['containers'][0]['env'].filter((e: any) => !/BASIC_AUTH/.test(e.name));
    sim.put(ds);
    await sim.waitFor(() => sim!.list('v1', 'Pod', 'weave').filter((p) => p['metadata']?.['labels']?.['weave-scope-component'] === 'agent' && p['status']?.['phase'] === 'Running' && !JSON.stringify(p['spec']).includes('BASIC_AUTH')).length === 3);
    await sim.waitFor(() => sim!.list('v1', 'Pod', 'weave').filter((p) => p['metadata']?.['labels']?.['weave-scope-component'] === 'agent').length === 3);
    const empty = JSON.parse(body((await viaClientNode(sim, pod, 4040, GET('/api/report', 'ops:s3cret'))).out));
    expect(empty.Host.nodes).toEqual({});
  });

  it('refusals before the upgrade: unknown pod 404, a port that is no number 400', async () => {
    sim = await startSimulator({ stepDelayMs: 5 });
    const kc = new KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    const pf = new PortForward(kc, true);
    const s = () => new PassThrough();
    await expect(pf.portForward('weave', 'nope', [4040], s(), s(), s())).rejects.toMatchObject({ message: expect.stringContaining('404') });
    const res = await fetch(`${sim.url}/api/v1/namespaces/weave/pods/nope/portforward?ports=4040`, { method: 'POST' });
    expect(res.status).toBe(400); // a plain request: "Upgrade request required"
  });
});
