import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseFault, applyFault, FaultSpecError } from './src/fault-spec.js';
import { runInContainer } from './src/exec.js';
import { startSimulator, type Obj, type Simulator } from './index.js';
import { weaveState, weaveStatusConnections, ipamSplit } from './src/weave-node.js';
import { weaveViewFor } from './src/exec.js';
import { weaveNetDaemonSet } from '../fakes/builders.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const PROBE = 'nicolaka/netshoot:v0.13';

function probePod(name: string, node: string, opts: { labels?: Record<string, string>; ns?: string; port?: number; hostNetwork?: boolean } = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: opts.ns ?? 'default', labels: opts.labels ?? { app: name } },
    spec: {
      nodeName: node,
      ...(opts.hostNetwork ? { hostNetwork: true } : {}),
      containers: [{ name: 'probe', image: PROBE, ...(opts.port ? { ports: [{ containerPort: opts.port }] } : {}) }],
    },
  };
}

async function cluster(opts: { version?: string; env?: Record<string, string>; k8s?: string; npcArgs?: string[] } = {}): Promise<Simulator> {
  sim = await startSimulator({ nodes: 3, ...(opts.k8s ? { k8sVersion: opts.k8s } : {}) });
  const s = sim;
  const dsVersion = s.surface.resourceForKind('apps/v1', 'DaemonSet') ? 'apps/v1' : 'extensions/v1beta1';
  s.put(weaveNetDaemonSet({ ...(opts.version ? { version: opts.version } : {}), ...(opts.env ? { env: opts.env } : {}), ...(opts.npcArgs ? { npcArgs: opts.npcArgs } : {}), apiVersion: dsVersion }));
  await s.waitFor(() => s.store.list('pods', 'kube-system').filter((p) => p['status']?.['phase'] === 'Running').length === 3, { timeoutMs: 10_000 });
  return s;
}

async function running(s: Simulator, pods: Obj[]): Promise<Record<string, Obj>> {
  for (const p of pods) s.put(p);
  const names = pods.map((p) => p['metadata']['name'] as string);
  return s.waitFor(
    () => {
      const out: Record<string, Obj> = {};
      for (const p of pods) {
        const o = s.store.get('pods', p['metadata']['namespace'], p['metadata']['name']);
        if (!o || o['status']?.['phase'] !== 'Running' || !o['status']?.['conditions']?.some((c: Obj) => c['type'] === 'Ready' && c['status'] === 'True')) return undefined;
        out[o['metadata']['name']] = o;
      }
      return names.every((n) => out[n]) ? out : undefined;
    },
    { timeoutMs: 10_000 },
  );
}

const run = (s: Simulator, pod: Obj, cmd: string[]) => runInContainer(s, pod, 'probe', cmd);
const ip = (p: Obj) => String(p['status']['podIP']);

describe('pod addresses (dataplane.ts)', () => {
  it("come from the node's share of the running IPALLOC_RANGE, after the bridge, and agree with weave status", async () => {
    const s = await cluster({ env: { IPALLOC_RANGE: '172.25.64.0/18' } });
    const pods = await running(s, [probePod('a', 'k8s-vm1'), probePod('b', 'k8s-vm2'), probePod('c', 'k8s-vm3'), probePod('d', 'k8s-vm1')]);
    const shares = ipamSplit('172.25.64.0/18', ['k8s-vm1', 'k8s-vm2', 'k8s-vm3']);
    expect(shares.map((x) => x.cidr)).toEqual(['172.25.64.0/19', '172.25.96.0/20', '172.25.112.0/20']);
    expect([ip(pods.a!), ip(pods.d!)].sort()).toEqual(['172.25.64.2', '172.25.64.3']);
    expect(ip(pods.b!)).toBe('172.25.96.1');
    expect(ip(pods.c!)).toBe('172.25.112.1');
  });

  it('use 10.32.0.0/12 when IPALLOC_RANGE is unset (v2.8.1 prog/weave-kube/launch.sh)', async () => {
    const s = await cluster();
    const pods = await running(s, [probePod('a', 'k8s-vm1'), probePod('b', 'k8s-vm2')]);
    expect(ip(pods.a!)).toBe('10.32.0.2');
    // vm2 owns 10.40.0.0/14: its bridge is 10.40.0.0, its first pod 10.40.0.1
    expect(ip(pods.b!)).toBe('10.40.0.1');
  });
});

describe('the probe tools (dataplane.ts)', () => {
  it('wget and nc reach a listening pod on the same and another node; refused without a listener', async () => {
    const s = await cluster();
    const p = await running(s, [probePod('client', 'k8s-vm1'), probePod('echo1', 'k8s-vm1', { port: 8080 }), probePod('echo2', 'k8s-vm2', { port: 8080 })]);
    for (const target of [p.echo1!, p.echo2!]) {
      expect(await run(s, p.client!, ['wget', '-q', '-T', '3', '-O', '/dev/null', `http://${ip(target)}:8080/`])).toEqual({ stdout: '', stderr: '', exitCode: 0 });
      expect((await run(s, p.client!, ['nc', '-z', '-w', '3', ip(target), '8080'])).exitCode).toBe(0);
    }
    const refused = await run(s, p.client!, ['wget', '-q', '-T', '3', '-O', '/dev/null', `http://${ip(p.echo2!)}:9999/`]);
    expect(refused).toMatchObject({ exitCode: 1, stderr: `wget: can't connect to remote host (${ip(p.echo2!)}): Connection refused\n` });
  });

  it('reaches a Service through its ClusterIP and resolves its name', async () => {
    const s = await cluster();
    const p = await running(s, [probePod('client', 'k8s-vm1'), probePod('echo', 'k8s-vm2', { port: 8080, labels: { app: 'echo' } })]);
    const svc = s.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: 'default' }, spec: { selector: { app: 'echo' }, ports: [{ port: 80, targetPort: 8080 }] } });
    const cip = String(svc['spec']['clusterIP']);
    expect((await run(s, p.client!, ['wget', '-q', '-T', '3', '-O', '/dev/null', `http://${cip}:80/`])).exitCode).toBe(0);
    expect((await run(s, p.client!, ['wget', '-q', '-T', '3', '-O', '/dev/null', 'http://echo.default:80/'])).exitCode).toBe(0);
    const dns = await run(s, p.client!, ['nslookup', 'echo.default.svc.cluster.local']);
    expect(dns.exitCode).toBe(0);
    expect(dns.stdout).toContain(`Name:\techo.default.svc.cluster.local\nAddress: ${cip}\n`);
    const nx = await run(s, p.client!, ['nslookup', 'nope.default']);
    expect(nx).toMatchObject({ exitCode: 1, stderr: "** server can't find nope.default: NXDOMAIN\n\n" });
  });

  it('a DF ping larger than WEAVE_MTU fails at the sender; one that fits passes', async () => {
    const s = await cluster({ env: { WEAVE_MTU: '1400' } });
    const p = await running(s, [probePod('a', 'k8s-vm1'), probePod('b', 'k8s-vm2')]);
    const fits = await run(s, p.a!, ['ping', '-c', '1', '-W', '2', '-M', 'do', '-s', String(1400 - 28), ip(p.b!)]);
    expect(fits.exitCode).toBe(0);
    expect(fits.stdout).toContain('1 received, 0% packet loss');
    const big = await run(s, p.a!, ['ping', '-c', '1', '-W', '2', '-M', 'do', '-s', '1373', ip(p.b!)]);
    expect(big).toMatchObject({ exitCode: 1, stderr: 'ping: local error: message too long, mtu=1400\n' });
  });

  it('partition=A,B fails their weave connection; weave relays their pods\' traffic through a peer connected to both (v2.8.1 router/network_router.go relay), and drops it when none is', async () => {
    const s = await cluster();
    const p = await running(s, [probePod('a', 'k8s-vm1', { port: 80 }), probePod('b', 'k8s-vm2', { port: 80 }), probePod('c', 'k8s-vm3', { port: 80 })]);
    applyFault(s, parseFault('partition=k8s-vm1,k8s-vm2'));
    const get = (from: Obj, to: Obj) => run(s, from, ['wget', '-q', '-T', '2', '-O', '/dev/null', `http://${ip(to)}/`]);
    // vm1 -> vm3 -> vm2: mesh's unicast route goes through vm3
    expect((await get(p.a!, p.b!)).exitCode).toBe(0);
    expect((await get(p.a!, p.c!)).exitCode).toBe(0);
    const weavePod = s.store.list('pods', 'kube-system').find((x) => x['spec']['nodeName'] === 'k8s-vm1')!;
    const conns = weaveStatusConnections(weaveViewFor(s, weavePod), 'k8s-vm1');
    const vm2 = s.nodes.get('k8s-vm2')!['status']['addresses'].find((a: Obj) => a.type === 'InternalIP').address;
    const vm3 = s.nodes.get('k8s-vm3')!['status']['addresses'].find((a: Obj) => a.type === 'InternalIP').address;
    expect(conns).toMatch(new RegExp(`^-> ${vm2.replace(/\./g, '\\.')}:6783 +failed +read tcp4 .*: i/o timeout, retry: \\d{4}-`, 'm'));
    expect(conns).toMatch(new RegExp(`${vm3.replace(/\./g, '\\.')}:\\d+ +established fastdp `));
    // with vm3 unreachable too there is no way round
    weaveState(s).unreachable.add('k8s-vm3');
    expect(await get(p.a!, p.b!)).toMatchObject({ exitCode: 1, stderr: 'wget: download timed out\n' });
    expect((await get(p.b!, p.a!)).exitCode).toBe(1);
    weaveState(s).unreachable.delete('k8s-vm3');
    // and with vm1 cut from vm3 as well
    applyFault(s, parseFault('partition=k8s-vm1,k8s-vm3'));
    expect((await get(p.a!, p.b!)).exitCode).toBe(1);
    expect((await get(p.b!, p.c!)).exitCode).toBe(0);
  });

  it('mtu=1300 makes larger DF packets between nodes vanish and the connections fall back to sleeve', async () => {
    const s = await cluster();
    const p = await running(s, [probePod('a', 'k8s-vm1'), probePod('a2', 'k8s-vm1'), probePod('b', 'k8s-vm2')]);
    applyFault(s, parseFault('mtu=1300'));
    const ping = (to: Obj, size: number) => run(s, p.a!, ['ping', '-c', '1', '-W', '2', '-M', 'do', '-s', String(size), ip(to)]);
    const lost = await ping(p.b!, 1376 - 28);
    expect(lost.exitCode).toBe(1);
    expect(lost.stdout).toContain('1 packets transmitted, 0 received, 100% packet loss');
    expect((await ping(p.b!, 1300 - 28)).exitCode).toBe(1); // over sleeve: its MTU is 1300 - 62 (v2.8.1 router/sleeve.go)
    expect((await ping(p.b!, 1238 - 28)).exitCode).toBe(0);
    expect((await ping(p.a2!, 1376 - 28)).exitCode).toBe(0); // same node: no underlay
    const weavePod = s.store.list('pods', 'kube-system').find((x) => x['spec']['nodeName'] === 'k8s-vm1')!;
    const conns = weaveStatusConnections(weaveViewFor(s, weavePod), 'k8s-vm1');
    expect(conns).toMatch(/established sleeve .*\(k8s-vm2\) mtu=1238\n/);
    expect(conns).not.toMatch(/fastdp/);
  });

  it('a weave peer made unreachable cuts its node off', async () => {
    const s = await cluster();
    const p = await running(s, [probePod('a', 'k8s-vm1', { port: 80 }), probePod('c', 'k8s-vm3', { port: 80 })]);
    weaveState(s).unreachable.add('k8s-vm3');
    expect((await run(s, p.a!, ['wget', '-q', '-T', '2', '-O', '/dev/null', `http://${ip(p.c!)}/`])).exitCode).toBe(1);
  });

  it('answers "not found" for a command the probe image is not asked for, and nothing for other images', async () => {
    const s = await cluster();
    const p = await running(s, [probePod('a', 'k8s-vm1')]);
    expect((await run(s, p.a!, ['curl', 'x'])).exitCode).toBe(126);
    const other = { ...p.a!, spec: { ...p.a!['spec'], containers: [{ name: 'probe', image: 'busybox:1.36' }] } };
    expect((await run(s, other, ['wget', 'http://x/'])).exitCode).toBe(126);
  });
});

describe('weave-npc enforcement by release (dataplane.ts npcAllows)', () => {
  const isolate = (ns: string, types?: string[]): Obj => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'deny', namespace: ns },
    spec: { podSelector: { matchLabels: { role: 'server' } }, ...(types ? { policyTypes: types } : {}) },
  });
  const allowFrom = (ns: string, from: Record<string, string>): Obj => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'allow', namespace: ns },
    spec: { podSelector: { matchLabels: { role: 'server' } }, ingress: [{ from: [{ podSelector: { matchLabels: from } }], ports: [{ port: 80 }] }] },
  });

  async function setup(version: string, k8s?: string) {
    const s = await cluster({ version, ...(k8s ? { k8s } : {}) });
    const p = await running(s, [
      probePod('server', 'k8s-vm2', { port: 80, labels: { role: 'server' } }),
      probePod('good', 'k8s-vm1', { labels: { role: 'good' } }),
      probePod('bad', 'k8s-vm1', { labels: { role: 'bad' } }),
      probePod('host', 'k8s-vm2', { hostNetwork: true }),
    ]);
    const get = (from: Obj) => run(s, from, ['wget', '-q', '-T', '2', '-O', '/dev/null', `http://${ip(p.server!)}/`]).then((r) => r.exitCode);
    return { s, p, get };
  }

  it('2.8.1: an isolating policy denies, an allow rule admits the selected source only; the local host is never filtered', async () => {
    const { s, p, get } = await setup('2.8.1');
    s.put(isolate('default'));
    expect(await get(p.good!)).toBe(1);
    expect(await get(p.host!)).toBe(0);
    s.put(allowFrom('default', { role: 'good' }));
    expect(await get(p.good!)).toBe(0);
    expect(await get(p.bad!)).toBe(1);
  });

  it('2.8.1 enforces egress; 2.3.0 ignores egress rules (egress came in 2.4.0)', async () => {
    const egressDeny: Obj = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'no-egress', namespace: 'default' }, spec: { podSelector: { matchLabels: { role: 'good' } }, policyTypes: ['Egress'] } };
    const now = await setup('2.8.1');
    now.s.put(egressDeny);
    expect(await now.get(now.p.good!)).toBe(1);
    expect(await now.get(now.p.bad!)).toBe(0);
    await now.s.stop();
    const old = await setup('2.3.0');
    old.s.put(egressDeny);
    // 2.3.0 has no policyTypes: the policy selects "good" for ingress only, and "server" is not selected
    expect(await old.get(old.p.good!)).toBe(0);
  });

  it('2.0.5 on Kubernetes 1.6: policies alone do not isolate; the DefaultDeny annotation does', async () => {
    const { s, p, get } = await setup('2.0.5', '1.6.13');
    s.put({ ...allowFrom('default', { role: 'good' }), apiVersion: 'extensions/v1beta1' });
    expect(await get(p.bad!)).toBe(0);
    const ns = s.store.get('namespaces', '', 'default')!;
    s.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', annotations: { 'net.beta.kubernetes.io/network-policy': JSON.stringify({ ingress: { isolation: 'DefaultDeny' } }) }, labels: ns['metadata']['labels'] ?? {} } });
    expect(await get(p.bad!)).toBe(1);
    expect(await get(p.good!)).toBe(0);
  });
});

describe('the simulator CLI --fault (fault-spec.ts)', () => {
  it('parses every fault and refuses unknown names, bad values and unknown nodes with one line', async () => {
    expect(parseFault('partition=k8s-vm1,k8s-vm2')).toEqual({ kind: 'partition', nodes: ['k8s-vm1', 'k8s-vm2'] });
    expect(parseFault('mtu=1300')).toEqual({ kind: 'mtu', mtu: 1300 });
    expect(parseFault('mtu=1300:a,b')).toEqual({ kind: 'mtu', mtu: 1300, nodes: ['a', 'b'] });
    expect(parseFault('crash-loop=daemonset:weave-net,node:k8s-vm2')).toEqual({ kind: 'crash-loop', match: { daemonSet: 'weave-net', node: 'k8s-vm2' } });
    expect(parseFault('image-pull=weave-npc')).toEqual({ kind: 'image-pull', match: { image: 'weave-npc' } });
    expect(parseFault('not-ready=k8s-vm3')).toEqual({ kind: 'not-ready', nodes: ['k8s-vm3'] });
    expect(parseFault('awaiting-consensus')).toEqual({ kind: 'awaiting-consensus' });
    expect(parseFault('api-error=503,path:/apis/apps,count:2')).toEqual({ kind: 'api-error', status: 503, path: '/apis/apps', count: 2 });
    expect(() => parseFault('flood')).toThrow(/^unknown --fault "flood": the simulator has crash-loop, image-pull, .*partition, mtu/);
    expect(() => parseFault('partition=a')).toThrow('--fault partition takes exactly 2 nodes, got 1: "a"');
    expect(() => parseFault('mtu=big')).toThrow(FaultSpecError);
    sim = await startSimulator({ nodes: 2 });
    expect(() => applyFault(sim!, parseFault('partition=k8s-vm1,k8s-vm9'))).toThrow('--fault partition: no node "k8s-vm9" (the nodes are k8s-vm1, k8s-vm2)');
    applyFault(sim, parseFault('not-ready=k8s-vm2'));
    expect(sim.nodes.get('k8s-vm2')!['status']['conditions'].find((c: Obj) => c.type === 'Ready').status).not.toBe('True');
  });

  it('npm run sim -- --fault NAME: an unknown name exits 2 with one clear line and the list; a node the simulator lacks too', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const run = (...args: string[]) => spawnSync(`${root}node_modules/.bin/tsx`, ['test/sim/src/cli.ts', ...args], { cwd: root, encoding: 'utf8', input: '', timeout: 30_000 });
    const bad = run('--fault', 'flood');
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe('sim: unknown --fault "flood": the simulator has crash-loop, image-pull, config-error, never-ready, not-ready, unreachable, awaiting-consensus, partition, mtu, latency, api-error');
    expect(bad.stdout).toBe('');
    const node = run('--nodes', '2', '--fault', 'partition=k8s-vm1,k8s-vm9');
    expect(node.status).toBe(2);
    expect(node.stderr.split('\n')[0]).toBe('sim: --fault partition: no node "k8s-vm9" (the nodes are k8s-vm1, k8s-vm2)');
  });
});
