/**
 * Issue 15 end to end: the built CLI against the simulator.
 * - `scope open` forwards a local port to the Scope app through the API server (pods/portforward):
 *   a client reads the stand-in app's /api and /api/report through it (test/sim/src/scope-app.ts);
 * - `--basic-auth-secret` puts ENABLE_BASIC_AUTH/BASIC_AUTH_USERNAME/BASIC_AUTH_PASSWORD from the Secret on the
 *   app and both probes (scope v1.13.2 prog/main.go), is refused without the Secret (nothing written), and
 *   `--generate` creates it (random password, never printed, never overwritten);
 * - containerd nodes get the CRI flags and socket of scope v1.13.2 examples/cri/ds.yaml;
 * - `--allow-from` writes a NetworkPolicy `weavectl policy explain` agrees with;
 * - `scope status`, and a re-run that keeps all of it.
 */
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Simulator } from '../sim/index.js';
import { bin, repoRoot } from '../cli/run-cli.js';
import { sim, snapshot, weavectl } from './harness.js';

type Obj = Record<string, any>;
const NS = 'weave';
const containersOf = (s: Simulator, kind: string, name: string): Obj[] => s.get('apps/v1', kind, NS, name)!.spec.template.spec.containers;
const envOf = (c: Obj) => Object.fromEntries(((c.env ?? []) as Obj[]).map((e) => [e.name, e.value ?? e.valueFrom]));

async function scopeRunning(s: Simulator): Promise<string> {
  const pod = await s.waitFor(() => s.list('v1', 'Pod', NS).find((p) => p['metadata']?.['labels']?.['weave-scope-component'] === 'app' && p['status']?.['phase'] === 'Running' && !p['metadata']?.['deletionTimestamp']), { timeoutMs: 20_000 });
  await s.waitFor(() => s.get('apps/v1', 'DaemonSet', NS, 'weave-scope-agent')?.['status']?.['numberReady'] === s.nodes.names().length, { timeoutMs: 20_000 });
  return String(pod['metadata']['name']);
}

interface Open {
  url: string;
  stderr: () => string;
  stdout: () => string;
  stop: () => Promise<number | null>;
}

/** Starts `weavectl scope open ...`; resolves with the URL it prints on stdout. */
function scopeOpen(s: Simulator, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Open> {
  const child = spawn(process.execPath, [bin, '--kubeconfig', s.kubeconfigPath, 'scope', 'open', ...args], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1', CI: 'true', DISPLAY: '', WAYLAND_DISPLAY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /^(http:\/\/\S+)$/m.exec(stdout);
      if (m)
        resolve({
          url: m[1]!,
          stderr: () => stderr,
          stdout: () => stdout,
          stop: async () => {
            child.kill('SIGINT');
            const code = await exited;
            clearTimeout(killer);
            return code;
          },
        });
    });
    void exited.then((code) => {
      clearTimeout(killer);
      reject(new Error(`scope open exited ${code} before printing a URL: ${stderr}`));
    });
  });
}

describe('weavectl scope open', () => {
  it('forwards a free local port to the Scope app: /api and the report of the nodes, pods and containers through the tunnel; Ctrl-C ends it with 0', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2, stepDelayMs: 5 });
    const install = await weavectl(s, ['scope', '--wait=false']);
    expect(install.code, install.stderr).toBe(0);
    const pod = await scopeRunning(s);

    const open = await scopeOpen(s, ['--port', '0', '--browser=false']);
    expect(open.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(open.stdout().trim()).toBe(open.url); // the URL is the one line on stdout
    const api = await fetch(`${open.url}api`);
    expect(api.status).toBe(200);
    expect(await api.json()).toMatchObject({ version: '1.13.2', hostname: pod });
    const report = (await (await fetch(`${open.url}api/report`)).json()) as Obj;
    expect(Object.keys(report.Host.nodes).sort()).toEqual(['k8s-vm1;<host>', 'k8s-vm2;<host>']);
    expect(Object.values(report.Pod.nodes).map((n: any) => n.latest.kubernetes_name.value)).toContain(pod);
    // several connections at once, as a browser makes them
    const many = await Promise.all(Array.from({ length: 5 }, () => fetch(`${open.url}api`).then((r) => r.status)));
    expect(many).toEqual([200, 200, 200, 200, 200]);
    expect(open.stderr()).toContain(`Forwarding ${open.url} to pod weave/${pod} port 4040 through the API server (Ctrl-C to stop)`);
    expect(open.stderr()).toContain('The Scope UI has no authentication');
    expect(await open.stop()).toBe(0);
    expect(open.stderr()).toContain('Stopped forwarding (SIGINT)');
  });

  it('no Scope: one error line, exit 1; a taken port: exit 2 with the hint --port 0', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 1, stepDelayMs: 5 });
    const r = await weavectl(s, ['scope', 'open', '--browser=false']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: Weave Scope does not run in this cluster \(no Service weave-scope-app\)$/m);
    expect(r.stdout).toBe('');

    expect((await weavectl(s, ['scope', '--wait=false'])).code).toBe(0);
    await scopeRunning(s);
    const first = await scopeOpen(s, ['--port', '0', '--browser=false']);
    const port = new URL(first.url).port;
    const second = await weavectl(s, ['scope', 'open', '--port', port, '--browser=false']);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`cannot listen on 127.0.0.1:${port}: the port is in use`);
    expect(second.stderr).toContain('hint: --port 0 picks a free port');
    expect(await first.stop()).toBe(0);
  });
});

/** GET on a fresh connection (no keep-alive): status and body. */
function getFresh(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('weavectl scope open on Kubernetes 1.7.5 (Scope in kube-system, extensions/v1beta1)', () => {
  it('--timeout bounds the setup only: still forwarding after --timeout 1s and the 5 s grace; a replaced app pod is followed', async () => {
    const s = await sim({ k8sVersion: '1.7.5', nodes: 2, stepDelayMs: 5 });
    expect((await weavectl(s, ['scope', '--wait=false'])).code).toBe(0);
    const pod = await s.waitFor(() => s.list('v1', 'Pod', 'kube-system').find((p) => p['metadata']?.['labels']?.['weave-scope-component'] === 'app' && p['status']?.['phase'] === 'Running'), { timeoutMs: 20_000 });
    const open = await scopeOpen(s, ['--port', '0', '--browser=false', '--timeout', '1s']);
    expect(open.stderr()).toContain(`to pod kube-system/${pod['metadata']['name']} port 4040`);
    await new Promise((r) => setTimeout(r, 6_500)); // past run.ts's watchdog (the deadline + DEADLINE_GRACE_MS)
    expect((await getFresh(`${open.url}api`)).status).toBe(200);

    // the app pod goes (a rollout, an eviction): the next connection finds the new one
    s.delete('v1', 'Pod', 'kube-system', String(pod['metadata']['name']));
    const next = await s.waitFor(
      () => s.list('v1', 'Pod', 'kube-system').find((p) => p['metadata']?.['labels']?.['weave-scope-component'] === 'app' && p['status']?.['phase'] === 'Running' && p['metadata']['name'] !== pod['metadata']['name']),
      { timeoutMs: 20_000 },
    );
    await s.waitFor(() => (s.get('v1', 'Pod', 'kube-system', String(pod['metadata']['name'])) === undefined ? true : undefined), { timeoutMs: 20_000 });
    const api = await getFresh(`${open.url}api`);
    expect(api.status).toBe(200);
    expect(JSON.parse(api.body).hostname).toBe(next['metadata']['name']);
    expect(open.stderr()).toContain(`Forwarding to pod kube-system/${next['metadata']['name']} now`);
    expect(await open.stop()).toBe(0);
  }, 60_000);
});

describe('basic auth (--basic-auth-secret, --generate)', () => {
  it('refused without the Secret: one error line, exit 1, nothing written; --generate alone is a usage error', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 1, stepDelayMs: 5 });
    const before = snapshot(s);
    const r = await weavectl(s, ['scope', '--basic-auth-secret', 'scope-auth', '--wait=false']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: Secret weave\/scope-auth not found: --basic-auth-secret reads the user name and password from it/m);
    expect(r.stderr).toContain('hint: create it with a random password: weavectl scope --basic-auth-secret scope-auth --generate');
    expect(snapshot(s)).toBe(before);
    const g = await weavectl(s, ['scope', '--generate']);
    expect(g.code).toBe(2);
    expect(snapshot(s)).toBe(before);
  });

  it('--generate: the Secret with a random password (never printed), the variables on the app, agents and cluster agent; scope open says where the credentials are; the UI wants them', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2, stepDelayMs: 5 });
    const r = await weavectl(s, ['scope', '--basic-auth-secret', 'scope-auth', '--generate', '--external-ip', '10.200.33.12', '--wait=false']);
    expect(r.code, r.stderr).toBe(0);
    const secret = s.get('v1', 'Secret', NS, 'scope-auth')!;
    const password = Buffer.from(secret['data']['password'], 'base64').toString();
    expect(Buffer.from(secret['data']['username'], 'base64').toString()).toBe('admin');
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(r.stdout + r.stderr).not.toContain(password);
    expect(r.stdout).toMatch(/secret\/scope-auth created: user "admin" and a random password \(not shown/);
    // the exposure warning knows auth is on
    expect(r.stderr).toContain('with basic auth (Secret scope-auth) and controls on');
    for (const [kind, name] of [
      ['Deployment', 'weave-scope-app'],
      ['DaemonSet', 'weave-scope-agent'],
      ['Deployment', 'weave-scope-cluster-agent'],
    ] as const) {
      expect(envOf(containersOf(s, kind, name)[0]!), `${kind} ${name}`).toMatchObject({
        ENABLE_BASIC_AUTH: 'true',
        BASIC_AUTH_USERNAME: { secretKeyRef: { name: 'scope-auth', key: 'username' } },
        BASIC_AUTH_PASSWORD: { secretKeyRef: { name: 'scope-auth', key: 'password' } },
      });
    }
    await scopeRunning(s);
    const open = await scopeOpen(s, ['--port', '0', '--browser=false']);
    expect(open.stderr()).toContain("Basic auth is on: the user name and password are in Secret weave/scope-auth (keys username, password); read them with: kubectl -n weave get secret scope-auth -o jsonpath='{.data.password}' | base64 -d");
    expect(open.stderr() + open.stdout()).not.toContain(password);
    const denied = await fetch(`${open.url}api/report`);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toBe('Basic realm="Restricted"');
    const ok = await fetch(`${open.url}api/report`, { headers: { Authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` } });
    expect(ok.status).toBe(200);
    // the probes carry the credentials too, so their hosts are in the report
    expect(Object.keys(((await ok.json()) as Obj).Host.nodes)).toHaveLength(2);
    expect(await open.stop()).toBe(0);

    // --generate never overwrites: the Secret stays as it is
    const again = await weavectl(s, ['scope', '--basic-auth-secret', 'scope-auth', '--generate', '--wait=false', '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('Secret weave/scope-auth exists: kept as it is (--generate never overwrites a Secret)');
    expect(s.get('v1', 'Secret', NS, 'scope-auth')!['data']).toEqual(secret['data']);
  });
});

describe('container runtime (--runtime)', () => {
  it('containerd nodes (auto): the agents get the CRI flags and socket; docker on request; a mixed cluster warns', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 3, stepDelayMs: 5 });
    const r = await weavectl(s, ['scope', '--wait=false']);
    expect(r.code, r.stderr).toBe(0);
    const agent = containersOf(s, 'DaemonSet', 'weave-scope-agent')[0]!;
    expect(agent.args).toEqual(expect.arrayContaining(['--probe.docker=false', '--probe.cri=true', '--probe.cri.endpoint=unix:///run/containerd/containerd.sock']));
    expect(agent.args.at(-1)).toBe('weave-scope-app.weave.svc.cluster.local.:4040');
    expect(agent.volumeMounts).toContainEqual({ name: 'cri-socket', mountPath: '/run/containerd/containerd.sock' });
    expect(s.get('apps/v1', 'DaemonSet', NS, 'weave-scope-agent')!.spec.template.spec.volumes).toContainEqual({ name: 'cri-socket', hostPath: expect.objectContaining({ path: '/run/containerd/containerd.sock' }) });

    // one node on docker: a warning naming it
    const node = structuredClone(s.get('v1', 'Node', undefined, 'k8s-vm3')!);
    node['status']['nodeInfo']['containerRuntimeVersion'] = 'docker://24.0.5';
    s.api.internalUpdate('nodes', node, 'kubelet', 'status');
    const mixed = await weavectl(s, ['scope', '--runtime', 'auto', '--diff']);
    expect(mixed.stderr).toContain('the nodes run different container runtimes (containerd: 2, docker: 1): the Scope probes are set up for containerd, and will show no containers on k8s-vm3');

    const docker = await weavectl(s, ['scope', '--runtime', 'docker', '--yes', '--wait=false']);
    expect(docker.code, docker.stderr).toBe(0);
    const dargs = containersOf(s, 'DaemonSet', 'weave-scope-agent')[0]!.args as string[];
    expect(dargs).toContain('--probe.docker=true');
    expect(dargs.some((a) => a.startsWith('--probe.cri'))).toBe(false);
  });
});

describe('--allow-from, scope status, and a re-run that keeps it all', () => {
  it('a NetworkPolicy policy explain agrees with; status reports it; scope again keeps every setting', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2, stepDelayMs: 5 });
    expect((await weavectl(s, ['install', '--wait=false'])).code).toBe(0);
    const r = await weavectl(s, ['scope', '--allow-from', '203.0.113.0/24', '--read-only', '--basic-auth-secret', 'scope-auth', '--generate', '--wait=false']);
    expect(r.code, r.stderr).toBe(0);
    const policy = s.get('networking.k8s.io/v1', 'NetworkPolicy', NS, 'weave-scope-app-allow-from')!;
    expect(policy['spec']['ingress'][0]).toEqual({ from: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ protocol: 'TCP', port: 4040 }] });
    const pod = await scopeRunning(s);
    await s.waitFor(() => s.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')?.['status']?.['numberReady'] === 2, { timeoutMs: 20_000 });

    const inside = await weavectl(s, ['policy', 'explain', '--from', '203.0.113.7', '--to', `${NS}/${pod}:4040`]);
    expect(inside.code, inside.stderr).toBe(0);
    expect(inside.stdout.split('\n')[0]).toBe(`allowed: 203.0.113.7 -> pod ${NS}/${pod} on 4040/TCP`);
    const outside = await weavectl(s, ['policy', 'explain', '--from', '198.51.100.1', '--to', `${NS}/${pod}:4040`]);
    expect(outside.stdout.split('\n')[0]).toBe(`denied: 198.51.100.1 -> pod ${NS}/${pod} on 4040/TCP`);

    const st = await weavectl(s, ['scope', 'status', '-o', 'json']);
    const j = JSON.parse(st.stdout);
    expect(j).toMatchObject({ namespace: NS, basicAuth: { on: true, secret: 'scope-auth', secretPresent: true }, readOnly: true, runtime: 'containerd', allowFrom: ['203.0.113.0/24'] });
    expect(j.service).toMatchObject({ type: 'ClusterIP', port: 4040, reachedBy: 'not exposed: weavectl scope open' });
    expect(j.workloads.map((w: Obj) => w.name)).toEqual(['weave-scope-app', 'weave-scope-agent', 'weave-scope-cluster-agent']);
    const text = await weavectl(s, ['scope', 'status']);
    expect(text.stdout).toContain('Basic auth   on (Secret weave/scope-auth)');

    const generations = () => ['weave-scope-app', 'weave-scope-cluster-agent'].map((n) => s.get('apps/v1', 'Deployment', NS, n)!.metadata.generation).concat(s.get('apps/v1', 'DaemonSet', NS, 'weave-scope-agent')!.metadata.generation);
    const before = { generations: generations(), policy: policy['metadata']['resourceVersion'], secret: s.get('v1', 'Secret', NS, 'scope-auth')!['metadata']['resourceVersion'] };
    const again = await weavectl(s, ['scope', '--wait=false']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/kept\s+basic auth on \(Secret scope-auth\)/);
    expect(again.stderr).toMatch(/kept\s+container runtime containerd/);
    expect(again.stderr).toMatch(/kept\s+UI reachable from 203\.0\.113\.0\/24/);
    expect(again.stderr).toMatch(/kept\s+probes read-only/);
    // the workloads' specs, the policy and the Secret are as they were
    expect({ generations: generations(), policy: s.get('networking.k8s.io/v1', 'NetworkPolicy', NS, 'weave-scope-app-allow-from')!['metadata']['resourceVersion'], secret: s.get('v1', 'Secret', NS, 'scope-auth')!['metadata']['resourceVersion'] }).toEqual(before);

    // --no-allow-from removes the policy
    const drop = await weavectl(s, ['scope', '--no-allow-from', '--yes', '--wait=false']);
    expect(drop.code, drop.stderr).toBe(0);
    expect(drop.stderr).toMatch(/changed\s+UI reachable from: 203\.0\.113\.0\/24 -> anyone/);
    expect(s.get('networking.k8s.io/v1', 'NetworkPolicy', NS, 'weave-scope-app-allow-from')).toBeUndefined();
  });
});

describe('--allow-from notes when nothing would enforce the policy', () => {
  it('Weave Net without weave-npc (--disable-npc): the note says so; the policy is still written', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 1, stepDelayMs: 5 });
    expect((await weavectl(s, ['install', '--disable-npc', '--wait=false'])).code).toBe(0);
    const r = await weavectl(s, ['scope', '--allow-from', '203.0.113.0/24', '--wait=false']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Warning: --allow-from: Weave Net runs without weave-npc (disable-npc): nothing enforces NetworkPolicy weave-scope-app-allow-from');
    expect(s.get('networking.k8s.io/v1', 'NetworkPolicy', NS, 'weave-scope-app-allow-from')!['spec']['ingress'][0]['from']).toEqual([{ ipBlock: { cidr: '203.0.113.0/24' } }]);
  });
});

describe('--allow-from on a NodePort Service', () => {
  it('externalTrafficPolicy Local while --allow-from is on (clients keep their address up to the policy); --no-allow-from takes both away', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 1, stepDelayMs: 5 });
    const r = await weavectl(s, ['scope', '--service-type', 'NodePort', '--read-only', '--allow-from', '203.0.113.0/24', '--wait=false']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('--allow-from: Service weave-scope-app gets externalTrafficPolicy: Local');
    expect(s.get('v1', 'Service', NS, 'weave-scope-app')!['spec']['externalTrafficPolicy']).toBe('Local');
    const off = await weavectl(s, ['scope', '--no-allow-from', '--yes', '--wait=false']);
    expect(off.code, off.stderr).toBe(0);
    expect(s.get('networking.k8s.io/v1', 'NetworkPolicy', NS, 'weave-scope-app-allow-from')).toBeUndefined();
    expect(s.get('v1', 'Service', NS, 'weave-scope-app')!['spec']['externalTrafficPolicy']).toBe('Cluster'); // the API server's default again
    expect(s.get('v1', 'Service', NS, 'weave-scope-app')!['spec']['type']).toBe('NodePort');
  });
});

describe('uninstall --scope takes the --allow-from policy too', () => {
  it('on Kubernetes 1.8 (Scope in kube-system, which is not deleted): the NetworkPolicy goes with Scope', async () => {
    const s = await sim({ k8sVersion: '1.8.15', nodes: 1, stepDelayMs: 5 });
    const r = await weavectl(s, ['scope', '--allow-from', '203.0.113.0/24', '--wait=false']);
    expect(r.code, r.stderr).toBe(0);
    expect(s.get('networking.k8s.io/v1', 'NetworkPolicy', 'kube-system', 'weave-scope-app-allow-from')!['metadata']['namespace']).toBe('kube-system');
    const u = await weavectl(s, ['uninstall', '--scope', '--yes', '--wait=false']);
    expect(u.code, u.stderr).toBe(0);
    expect(u.stdout).toContain('networkpolicy.networking.k8s.io "weave-scope-app-allow-from" deleted');
    expect(s.get('networking.k8s.io/v1', 'NetworkPolicy', 'kube-system', 'weave-scope-app-allow-from')).toBeUndefined();
  });
});
