/**
 * `weavectl npc rules` end to end: the built CLI against the Kubernetes API simulator, whose weave-net
 * pods answer `iptables-save` and `ipset list` in the weave-npc container from the cluster's
 * Namespaces, Pods and NetworkPolicies (test/sim/src/weave-node.ts), in weave-npc's current comment
 * format and, switched with weaveState(sim).npcFormat, the older one.
 * Needs the bundle: `npm test` builds it first (or `node scripts/build.mjs`).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../cli/run-cli.js';
import { startSimulator, type Obj, type Simulator } from '../sim/index.js';
import { weaveState } from '../sim/src/weave-node.js';

let sim: Simulator;
const cleanups: (() => void)[] = [];

function cli(args: string[], s: Simulator = sim): Promise<CliResult> {
  return runCli(['--kubeconfig', s.kubeconfigPath, ...args], { timeoutMs: 60_000 });
}

function json(r: CliResult): any {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

const np = (namespace: string, name: string, spec: Obj): Obj => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });
const ml = (labels: Record<string, string>) => ({ matchLabels: labels });
const weavePodOn = (s: Simulator, node: string) => s.list('v1', 'Pod', 'kube-system').find((p) => p['spec']['nodeName'] === node && p['metadata']['labels']?.['name'] === 'weave-net')!;

beforeAll(async () => {
  sim = await startSimulator({ k8sVersion: '1.29.2', nodes: 2, stepDelayMs: 2 });
  // weave-net on k8s-vm1 runs but never gets Ready: the default node is then k8s-vm2.
  sim.faults.neverReady({ daemonSet: 'weave-net', node: 'k8s-vm1' });
  const r = await cli(['install', '--wait=false']);
  expect(r.code, r.stderr).toBe(0);
  sim.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod', labels: { env: 'prod' } } });
  sim.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev', labels: { env: 'dev' } } });
  const pod = (namespace: string, name: string, labels: Record<string, string>, node: string) =>
    sim.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels }, spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] } });
  pod('prod', 'iperf-prod-1-7d9f', { run: 'iperf-prod-1' }, 'k8s-vm1');
  pod('prod', 'iperf-prod-1-x2kq', { run: 'iperf-prod-1' }, 'k8s-vm2');
  pod('prod', 'web-1', { app: 'web' }, 'k8s-vm2');
  pod('dev', 'client', { app: 'client' }, 'k8s-vm1');
  for (const p of [
    np('prod', 'default-deny', { podSelector: {}, policyTypes: ['Ingress'] }),
    np('prod', 'iperf-prod-1-internal-access', { podSelector: ml({ run: 'iperf-prod-1' }), ingress: [{ from: [{ podSelector: ml({ run: 'iperf-prod-1' }) }] }] }),
    np('prod', 'web-from-dev', {
      podSelector: ml({ app: 'web' }),
      ingress: [
        { from: [{ namespaceSelector: ml({ env: 'dev' }) }], ports: [{ protocol: 'TCP', port: 8080 }] },
        { from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.44.0.0/16'] } }], ports: [{ protocol: 'UDP', port: 53 }] },
      ],
    }),
  ]) {
    sim.put(p);
  }
  await sim.waitFor(
    () =>
      sim.list('v1', 'Pod').every((p) => p['metadata']['namespace'] === 'kube-system' || p['status']?.['podIP']) &&
      weavePodOn(sim, 'k8s-vm2')?.['status']?.['conditions']?.some((c: Obj) => c['type'] === 'Ready' && c['status'] === 'True'),
    { timeoutMs: 20_000 },
  );
});

afterAll(async () => {
  await sim?.stop();
});

describe('weavectl npc rules', () => {
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
    delete weaveState(sim).npcFormat;
  });

  it('reads the first Ready node and names every set by its namespace, selector and pods', async () => {
    const r = await cli(['npc', 'rules']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`weave-npc on node k8s-vm2 (pod kube-system/${weavePodOn(sim, 'k8s-vm2')['metadata']['name']})`);
    const lines = r.stdout.split('\n');
    const at = (text: string) => {
      const i = lines.findIndex((l) => l.includes(text));
      expect(i, text).toBeGreaterThan(0);
      return i;
    };
    // DefaultAllow: dev is open, prod is isolated (its default-allow set is empty).
    let i = at('/* DefaultAllow ingress isolation for namespace: dev */');
    expect(lines[i + 1]).toBe('           # accept new traffic to the pods in dev that no Ingress policy selects');
    expect(lines[i + 2]).toMatch(/^ {11}# weave-\S+ \(dst\): pods in dev that no Ingress policy selects = dev\/client \(10\.32\.0\.\d+\)$/);
    i = at('/* DefaultAllow ingress isolation for namespace: prod */');
    expect(lines[i + 2]).toMatch(/^ {11}# weave-\S+ \(dst\): pods in prod that no Ingress policy selects = \(empty\)$/);
    // One rule per policy rule, in words, with the pods or namespaces the sets hold.
    i = at('/* namespaces: selector: env=dev -> pods: namespace: prod, selector: app=web (ingress) */');
    expect(lines[i]).toMatch(/^ACCEPT +tcp /);
    expect(lines[i + 1]).toBe('           # allow ingress from pods in namespaces env=dev to pods app=web in prod on TCP port 8080');
    expect(lines[i + 2]).toMatch(/# weave-\S+ \(src\): namespaces env=dev = namespace dev$/);
    // web-1 runs on k8s-vm2, whose share of 10.32.0.0/12 is 10.40.0.0/13 (test/sim/src/dataplane.ts)
    expect(lines[i + 3]).toMatch(/# weave-\S+ \(dst\): pods app=web in prod = prod\/web-1 \(10\.40\.0\.\d+\)$/);
    i = at('/* cidr: 10.0.0.0/8 except [10.44.0.0/16] -> pods: namespace: prod, selector: app=web (ingress) */');
    expect(lines[i + 1]).toBe('           # allow ingress from 10.0.0.0/8 except 10.44.0.0/16 to pods app=web in prod on UDP port 53');
    expect(lines[i + 2]).toMatch(/# weave-\S+ \(!src\): addresses excepted from 10\.0\.0\.0\/8 = 10\.44\.0\.0\/16$/);
    expect(r.stdout).toMatch(/^prod: ingress: prod\/iperf-prod-1-7d9f, prod\/iperf-prod-1-x2kq, prod\/web-1; egress: none$/m);
    expect(r.stdout).not.toMatch(/^warning:/m);
  });

  it('-o json: the decoded chains, where they were read, every set verified against its name', async () => {
    const j = json(await cli(['npc', 'rules', '--node', 'k8s-vm1', '-o', 'json']));
    expect(j).toMatchObject({ node: 'k8s-vm1', pod: `kube-system/${weavePodOn(sim, 'k8s-vm1')['metadata']['name']}`, iptablesCommand: 'iptables-save -t filter', ipsets: true });
    expect(j.commentFormat).toBe('directional');
    expect(j.egress).toBe(true);
    expect(j.warnings).toEqual([]);
    const ingress = j.chains.find((c: Obj) => c['name'] === 'WEAVE-NPC-INGRESS');
    expect(ingress.rules.map((x: Obj) => x['summary'])).toEqual([
      'allow ingress from pods run=iperf-prod-1 in prod to pods run=iperf-prod-1 in prod on any port',
      'allow ingress from pods in namespaces env=dev to pods app=web in prod on TCP port 8080',
      'allow ingress from 10.0.0.0/8 except 10.44.0.0/16 to pods app=web in prod on UDP port 53',
    ]);
    for (const c of j.chains) for (const rule of c.rules) for (const s of rule.sets) expect(s.verified, `${rule.raw}: ${s.name}`).toBe(true);
  });

  it('the older comment format ("DefaultAllow isolation for namespace: X", no "(ingress)") reads the same', async () => {
    weaveState(sim).npcFormat = 'legacy';
    const r = await cli(['npc', 'rules']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const i = lines.findIndex((l) => l.includes('/* DefaultAllow isolation for namespace: dev */'));
    expect(i).toBeGreaterThan(0);
    // The plain format with v1 semantics, as weave-npc 2.1-2.3 wrote it (v2.1.3 npc/namespace.go): the
    // DefaultAllow rule of every namespace matches its default-allow:<ns> set, the pods no policy selects.
    expect(lines[i + 1]).toBe('           # accept new traffic to the pods in dev that no Ingress policy selects');
    expect(r.stdout).toContain('DefaultAllow isolation for namespace: prod');
    expect(r.stdout).toContain('/* pods: namespace: prod, selector: run=iperf-prod-1 -> pods: namespace: prod, selector: run=iperf-prod-1 */');
    expect(r.stdout).toContain('# no egress chains: this weave-npc predates egress policies (2.4)');
    const j = json(await cli(['npc', 'rules', '-o', 'json']));
    expect(j.commentFormat).toBe('plain');
    expect(j.egress).toBe(false);
  });

  it('falls back to plain iptables-save; without ipset output it still names the sets from the comments', async () => {
    cleanups.push(
      sim.execHandlers.add((_pod, container, command) => {
        if (container !== 'weave-npc') return undefined;
        if (command.join(' ') === 'iptables-save -t filter') return { stdout: '', stderr: 'iptables-save: unknown option -- t\n', exitCode: 2 };
        if (command[0] === 'ipset') return { stdout: '', stderr: 'ipset v6.29: Kernel error received: Operation not permitted\n', exitCode: 1 };
        return undefined;
      }),
    );
    const r = await cli(['npc', 'rules', '-o', 'json']);
    const j = json(r);
    expect(j.iptablesCommand).toBe('iptables-save');
    expect(j.ipsets).toBe(false);
    expect(r.stderr).toContain('Warning: cannot read ipsets on node k8s-vm2 (ipset v6.29: Kernel error received: Operation not permitted): set members are not shown');
    const rule = j.chains.find((c: Obj) => c['name'] === 'WEAVE-NPC-INGRESS').rules[0];
    expect(rule.sets[0]).toMatchObject({ description: 'pods run=iperf-prod-1 in prod', verified: true });
    expect(rule.sets[0].members).toBeUndefined();
  });

  it('fails with one line when iptables cannot be read, or the node has no weave-net pod', async () => {
    cleanups.push(
      sim.execHandlers.add((_pod, container, command) =>
        container === 'weave-npc' && command[0] === 'iptables-save' ? { stdout: '', stderr: 'iptables-save v1.8.4 (legacy): Cannot initialize: Permission denied\n', exitCode: 1 } : undefined,
      ),
    );
    let r = await cli(['npc', 'rules']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot read iptables in kube-system\/weave-net-\w+ \(weave-npc\) on node k8s-vm2: iptables-save v1\.8\.4 \(legacy\): Cannot initialize: Permission denied$/m);

    r = await cli(['npc', 'rules', '--node', 'k8s-vm9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: no weave-net pod on node "k8s-vm9"');
    expect(r.stderr).toContain('hint: weave-net runs on: k8s-vm1, k8s-vm2');

    r = await cli(['npc', 'rules', '-n', 'default']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: no weave-net pods in namespace default');

    r = await cli(['npc', 'rules', '-o', 'yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: npc rules prints text or JSON');
  });
});

describe('weavectl npc rules without weave-npc', () => {
  it('says that Weave Net runs without NetworkPolicy enforcement', async () => {
    const s = await startSimulator({ k8sVersion: '1.29.2', nodes: 1, stepDelayMs: 2 });
    try {
      let r = await cli(['npc', 'rules'], s);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('error: no weave-net pods in namespace kube-system');
      // A weave-net pod as `install --disable-npc` makes it: the weave container only.
      s.put({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'weave-net-abcde', namespace: 'kube-system', labels: { name: 'weave-net' } },
        spec: { nodeName: 'k8s-vm1', hostNetwork: true, containers: [{ name: 'weave', image: 'weaveworks/weave-kube:2.8.1' }] },
      });
      await s.waitFor(() => s.get('v1', 'Pod', 'kube-system', 'weave-net-abcde')?.['status']?.['conditions']?.some((c: Obj) => c['type'] === 'Ready' && c['status'] === 'True'));
      r = await cli(['npc', 'rules'], s);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('error: pod kube-system/weave-net-abcde has no weave-npc container: Weave Net runs without NetworkPolicy enforcement (disable-npc)');
    } finally {
      await s.stop();
    }
  });
});
