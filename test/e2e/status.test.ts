/**
 * `weavectl status` end to end: the built CLI against the simulator (Kubernetes 1.7.5, 4 nodes),
 * Weave Net installed by `weavectl install --ipalloc 172.25.64.0/18`. The weave pods answer exec
 * like the real ones (test/sim/src/weave-node.ts); faults are programmed per test.
 * Needs the bundle: `npm test` builds it first (or `node scripts/build.mjs`).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runCli, type CliResult } from '../cli/run-cli.js';
import { weaveViewFor } from '../sim/src/exec.js';
import { startSimulator, type Obj, type Simulator } from '../sim/index.js';
import { peerName, weaveState } from '../sim/src/weave-node.js';
import { weaveReportFormat } from '../sim/src/weave-ring.js';

let sim: Simulator;
const cleanups: (() => void)[] = [];

function cli(args: string[], timeoutMs = 30_000): Promise<CliResult> {
  return runCli(['--kubeconfig', sim.kubeconfigPath, ...args], { timeoutMs });
}

function json(r: CliResult): any {
  return JSON.parse(r.stdout);
}

const podOn = (node: string) => sim.list('v1', 'Pod', 'kube-system').find((p) => p['spec']['nodeName'] === node && p['metadata']['labels']?.['name'] === 'weave-net')!;

beforeAll(async () => {
  sim = await startSimulator({ k8sVersion: '1.7.5', nodes: 4, stepDelayMs: 5 });
  const r = await cli(['install', '--ipalloc', '172.25.64.0/18', '--timeout', '60s'], 90_000);
  expect(r.stdout).toContain('successfully rolled out');
  expect(r.code).toBe(0);
});

afterEach(() => {
  for (const c of cleanups.splice(0)) c();
  weaveState(sim).unreachable.clear();
});

afterAll(async () => {
  await sim?.stop();
});

describe('weavectl status on a healthy cluster', () => {
  it('-o yaml is the -o json document as YAML (the built CLI: the yaml package is loaded on demand)', async () => {
    const [y, j] = await Promise.all([cli(['status', '-o', 'yaml']), cli(['status', '-o', 'json'])]);
    expect(y.stderr).not.toMatch(/error:/);
    expect(y.code).toBe(0);
    const strip = (d: Obj) => ({ ...d, nodes: d['nodes'].map((n: Obj) => ({ ...n, activeIPs: null })) });
    expect(strip(parseYaml(y.stdout))).toEqual(strip(JSON.parse(j.stdout)));
    const v = await runCli(['version', '--client', '-o', 'yaml']);
    expect(v.code).toBe(0);
    expect(parseYaml(v.stdout).client.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('shows each node with its part of 172.25.64.0/18 and exits 0', async () => {
    const r = await cli(['status']);
    expect(r.stderr).not.toMatch(/error:/);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('DaemonSet kube-system/weave-net (extensions/v1beta1, weaveworks/weave-kube:2.7.0)');
    const row = (n: string) => lines.find((l) => l.includes(` ${n} `)) ?? '';
    expect(row('k8s-vm1')).toMatch(/^√ {2}k8s-vm1 +weave-net-\w{5} +2\/2 +2\.7\.0 +172\.25\.64\.1\/18 +8192 +50\.0% +1 +3\/3 +running +█{10}░{10}$/);
    expect(row('k8s-vm2')).toMatch(/172\.25\.96\.0\/18 +4096 +25\.0% .* █{5}░{15}$/);
    expect(row('k8s-vm3')).toMatch(/172\.25\.112\.0\/18 +2048 +12\.5% /);
    expect(row('k8s-vm4')).toMatch(/172\.25\.120\.0\/18 +2048 +12\.5% /);
    expect(r.stdout).toContain('√ Weave Net is healthy (4 nodes: 4 ok, 0 with warnings, 0 with errors)');
  });

  it('-o json: the documented shape, the split, and nothing but JSON on stdout', async () => {
    const r = await cli(['status', '-o', 'json']);
    expect(r.code).toBe(0);
    const rep = json(r);
    expect(rep.healthy).toBe(true);
    expect(rep.ipam).toEqual({ range: '172.25.64.0/18', size: 16384, state: 'ready', states: { ready: 4 } });
    expect(rep.daemonSet).toMatchObject({ name: 'weave-net', apiVersion: 'extensions/v1beta1', desired: 4, ready: 4, ipallocRange: '172.25.64.0/18', version: '2.7.0', npc: true });
    expect(rep.nodes.map((n: Obj) => [n['node'], n['bridge'], n['ips'], n['percent'], n['peer'], n['connections']['established']])).toEqual([
      ['k8s-vm1', '172.25.64.1/18', 8192, 50, peerName('k8s-vm1'), 3],
      ['k8s-vm2', '172.25.96.0/18', 4096, 25, peerName('k8s-vm2'), 3],
      ['k8s-vm3', '172.25.112.0/18', 2048, 12.5, peerName('k8s-vm3'), 3],
      ['k8s-vm4', '172.25.120.0/18', 2048, 12.5, peerName('k8s-vm4'), 3],
    ]);
    expect(rep.problems).toEqual([]);
  });

  it('--node narrows the rows; a wrong -n finds no DaemonSet and exits 1 with valid JSON', async () => {
    const one = await cli(['status', '--node', 'k8s-vm3', '-o', 'json']);
    expect(one.code).toBe(0);
    expect(json(one).nodes.map((n: Obj) => n['node'])).toEqual(['k8s-vm3']);

    const none = await cli(['status', '-n', 'default', '-o', 'json']);
    expect(none.code).toBe(1);
    const rep = json(none);
    expect(rep.daemonSet).toBeNull();
    expect(rep.problems[0]).toEqual({ severity: 'error', node: null, message: 'DaemonSet weave-net not found in namespace default', hint: 'it is in namespace kube-system: run with -n kube-system' });
    expect(none.stderr).toMatch(/^error: Weave Net is not healthy: 1 error \(see "problems"\)$/m);

    const text = await cli(['status', '-n', 'default']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^× no DaemonSet weave-net in namespace default$/m);
  });

  it('refuses a bad flag with exit code 2 before asking the cluster', async () => {
    const r = await cli(['status', '--exec-timeout', '10']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: invalid duration for --exec-timeout: "10"$/m);
  });
});

describe('weavectl status when something is wrong', () => {
  it('a node whose exec hangs is shown with its timeout, the others are read', async () => {
    let release!: () => void;
    const hung = new Promise<undefined>((resolve) => (release = () => resolve(undefined)));
    const target = podOn('k8s-vm2')['metadata']['name'];
    cleanups.push(sim.execHandlers.add((pod) => (pod['metadata']['name'] === target ? hung : undefined)));
    cleanups.push(() => release());
    const t0 = Date.now();
    const r = await cli(['status', '--exec-timeout', '1s', '-o', 'json']);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(r.code).toBe(1);
    const rep = json(r);
    expect(rep.nodes.map((n: Obj) => [n['node'], n['status']])).toEqual([
      ['k8s-vm1', 'ok'],
      ['k8s-vm2', 'error'],
      ['k8s-vm3', 'ok'],
      ['k8s-vm4', 'ok'],
    ]);
    const vm2 = rep.nodes[1];
    expect(vm2).toMatchObject({ pod: target, podPhase: 'Running', ips: null, bridge: null, connections: null });
    expect(vm2.error).toMatch(/^cannot read weave's state: weave --local report -f <template>: .*(did not finish within 1s|no answer within 1s)/);
  });

  it('--timeout bounds the wait for a node that hangs, even with a longer --exec-timeout: the report is printed in time', async () => {
    let release = () => {};
    const hung = new Promise<undefined>((resolve) => (release = () => resolve(undefined)));
    const target = podOn('k8s-vm2')['metadata']['name'];
    cleanups.push(sim.execHandlers.add((pod) => (pod['metadata']['name'] === target ? hung : undefined)));
    cleanups.push(() => release());
    const t0 = Date.now();
    const r = await cli(['status', '--timeout', '3s', '--exec-timeout', '60s', '-o', 'json']);
    expect(Date.now() - t0).toBeLessThan(7_000); // before the backstop (--timeout + 5 s) ends the command without a report
    expect(r.code).toBe(1);
    const vm2 = json(r).nodes[1];
    expect(vm2.node).toBe('k8s-vm2');
    expect(vm2.error).toMatch(/^cannot read weave's state: weave --local report -f <template>: .*(did not finish within|no answer within) [\d.]+m?s/);
  });

  it('a node whose exec fails shows the command and its error in the table output (weave refused the digest: the status commands were asked)', async () => {
    const target = podOn('k8s-vm3')['metadata']['name'];
    cleanups.push(
      sim.execHandlers.add((pod, _container, cmd) =>
        pod['metadata']['name'] !== target
          ? undefined
          : cmd[2] === 'report'
            ? { stdout: '', stderr: 'template: format:1: function "json" not defined\n', exitCode: 1 }
            : cmd.join(' ').endsWith('status ipam')
              ? { stdout: '', stderr: 'weave container is not present. Have you launched it?\n', exitCode: 1 }
              : undefined,
      ),
    );
    const r = await cli(['status']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^× {2}k8s-vm3 +weave-net-\w{5} +2\/2 +2\.7\.0 +172\.25\.112\.0\/18 +- +- +- +3\/3 +running$/m);
    expect(r.stdout).toContain('× k8s-vm3: weave --local status ipam: exit code 1: weave container is not present. Have you launched it?');
    expect(r.stdout).toContain(`hint: kubectl exec -n kube-system ${target} -c weave -- /home/weave/weave --local status`);
  });

  it('an unreachable node: its connections fail, the others name it; no rmpeer for a live node', async () => {
    weaveState(sim).unreachable.add('k8s-vm4');
    const r = await cli(['status', '-o', 'json']);
    expect(r.code).toBe(1);
    const rep = json(r);
    expect(rep.nodes.map((n: Obj) => [n['node'], n['status'], n['connections']['established'], n['connections']['expected']])).toEqual([
      ['k8s-vm1', 'ok', 2, 2],
      ['k8s-vm2', 'ok', 2, 2],
      ['k8s-vm3', 'ok', 2, 2],
      ['k8s-vm4', 'error', 0, 3],
    ]);
    expect(rep.problems[0].message).toBe('k8s-vm4 (10.200.33.14) cannot be reached from 3 of 3 other nodes');
    expect(rep.unreachablePeers).toEqual([
      expect.objectContaining({ peer: peerName('k8s-vm4'), nickname: 'k8s-vm4', ips: 2048, percent: 12.5, reportedBy: 3, nodeExists: true }),
    ]);
  });

  it('a peer of a deleted node that still owns addresses: a warning with the rmpeer command, exit 0', async () => {
    // One more ring entry, of an unknown peer, in every node's report (ipam/status.go EntryStatus).
    const gone = JSON.stringify({ Token: '172.25.127.0', Size: 1024, Peer: 'aa:00:00:00:00:09', Nickname: 'k8s-vm9', IsKnownPeer: false, Version: 1 });
    cleanups.push(
      sim.execHandlers.add((pod, _container, cmd) => {
        if (cmd[2] !== 'report' || cmd[3] !== '-f') return undefined;
        const real = weaveReportFormat(weaveViewFor(sim as never, pod), pod['spec']['nodeName'], cmd[4]!);
        const stdout = real.stdout.replace(/^(ipam \S+ \d+ \d+ )(\d+)/m, (_m, head: string, n: string) => `${head}${Number(n) + 1}`);
        return { ...real, stdout: `${stdout}${gone}\n` };
      }),
    );
    const r = await cli(['status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('‼ 1 unreachable peer owns 1024 addresses');
    expect(r.stdout).toContain('‼ peer aa:00:00:00:00:09(k8s-vm9) owns 1024 IPs (6.2% of the range) and is unreachable from 4 nodes');
    expect(r.stdout).toMatch(/hint: weavectl peers rmpeer aa:00:00:00:00:09 reclaims its range once it has checked that no node reaches the peer; by hand, only if node k8s-vm9 is really gone: kubectl exec -n kube-system weave-net-\w{5} -c weave -- \/home\/weave\/weave --local rmpeer aa:00:00:00:00:09/);
    expect(r.stdout).toContain('run it only for peers whose nodes are really gone');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/^‼ Weave Net works, with 1 warning/);
  });
});

describe('remote text is sanitized before a terminal (issue 10, point 8)', () => {
  const evil = 'bad\x1b]0;pwned\x07\x1b[2J\x1b[31m red\x9b2J\x07 end\n';

  it('exec stderr with escape sequences: none reaches stdout or stderr in text; -o json keeps the text exact', async () => {
    const target = podOn('k8s-vm3')['metadata']['name'];
    cleanups.push(
      sim.execHandlers.add((pod, _container, cmd) =>
        pod['metadata']['name'] === target && (cmd[2] === 'report' || cmd.join(' ').endsWith('status ipam')) ? { stdout: '', stderr: evil, exitCode: 1 } : undefined,
      ),
    );
    const r = await cli(['status']);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(r.stdout).toContain('× k8s-vm3: weave --local status ipam: exit code 1: bad red\\x07 end');
    const j = await cli(['status', '-o', 'json']);
    expect(j.code).toBe(1);
    const node = json(j).nodes.find((n: Obj) => n['node'] === 'k8s-vm3');
    expect(node.error).toContain('bad\x1b]0;pwned\x07\x1b[2J\x1b[31m red\x9b2J\x07 end');
  });
});
