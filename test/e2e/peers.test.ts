/**
 * `weavectl peers` and `weavectl peers rmpeer` end to end: the built CLI against the simulator
 * (4 nodes, Weave Net installed on 172.25.64.0/18). A deleted node's peer stays in the simulated
 * IPAM ring as an unreachable owner (test/sim/src/weave-ring.ts, after weave v2.8.1
 * ipam/allocator.go AdminTakeoverRanges); rmpeer moves its range to the pod it runs in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../cli/run-cli.js';
import { startSimulator, type Obj, type Simulator } from '../sim/index.js';
import { ringState } from '../sim/src/weave-ring.js';
import { peerName } from '../sim/src/weave-node.js';

let sim: Simulator;

function cli(args: string[], timeoutMs = 30_000): Promise<CliResult> {
  return runCli(['--kubeconfig', sim.kubeconfigPath, ...args], { timeoutMs });
}

const weavePods = () => sim.list('v1', 'Pod', 'kube-system').filter((p) => p['metadata']['labels']?.['name'] === 'weave-net');
const row = (doc: any, node: string) => doc.peers.find((p: Obj) => p['node'] === node);

beforeAll(async () => {
  sim = await startSimulator({ nodes: 4, stepDelayMs: 5 });
  const r = await cli(['install', '--ipalloc', '172.25.64.0/18', '--timeout', '60s'], 90_000);
  expect(r.code).toBe(0);
});

afterAll(async () => {
  await sim?.stop();
});

describe('weavectl peers on a healthy cluster', () => {
  it('lists every peer with its node, reachability and range', async () => {
    const r = await cli(['peers', '-o', 'json']);
    expect(r.stderr).not.toMatch(/error:/);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.range).toBe('172.25.64.0/18');
    expect(doc.nodes).toEqual({ asked: 4, answered: 4, errors: [] });
    expect(doc.peers.map((p: Obj) => [p['node'], p['peer'], p['nodeExists'], p['running'], p['reachableFrom'].length, p['ips'], p['ranges'], p['gone']])).toEqual([
      ['k8s-vm1', peerName('k8s-vm1'), true, true, 3, 8192, ['172.25.64.0/19'], false],
      ['k8s-vm2', peerName('k8s-vm2'), true, true, 3, 4096, ['172.25.96.0/20'], false],
      ['k8s-vm3', peerName('k8s-vm3'), true, true, 3, 2048, ['172.25.112.0/21'], false],
      ['k8s-vm4', peerName('k8s-vm4'), true, true, 3, 2048, ['172.25.120.0/21'], false],
    ]);
  });

  it('rmpeer refuses a peer whose node exists, exit 1, nothing run', async () => {
    const before = weavePods().map((p) => p['metadata']['name']);
    const r = await cli(['peers', 'rmpeer', 'k8s-vm2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: refusing to rmpeer k8s-vm2: peer .+\(k8s-vm2\) is the weave of node k8s-vm2, which is running; nothing was changed$/m);
    expect(r.stderr).toMatch(/^hint: /m);
    expect(r.stdout).toBe('');
    expect(ringState(sim).takenOver.size).toBe(0);
    expect(weavePods().map((p) => p['metadata']['name'])).toEqual(before);
  });

  it('bad command lines exit 2', async () => {
    expect((await cli(['peers', 'rmpeer'])).code).toBe(2);
    expect((await cli(['peers', 'rmpeer', 'x', '--gone'])).code).toBe(2);
    expect((await cli(['peers', 'rmpeer', '--gone', '--dry-run=server'])).code).toBe(2);
    expect((await cli(['peers', '--concurrency', '0'])).code).toBe(2);
  });
});

describe('a deleted node', () => {
  beforeAll(async () => {
    sim.nodes.remove('k8s-vm2');
    await sim.waitFor(() => !weavePods().some((p) => p['spec']['nodeName'] === 'k8s-vm2'), { timeoutMs: 10_000 });
  });

  it('is listed as gone: not in the API, unreachable from every node, still owning its range', async () => {
    const r = await cli(['peers', '-o', 'json']);
    expect(r.code).toBe(0);
    const gone = row(JSON.parse(r.stdout), 'k8s-vm2');
    expect(gone).toEqual({
      peer: peerName('k8s-vm2'),
      nickname: 'k8s-vm2',
      node: 'k8s-vm2',
      nodeExists: false,
      running: false,
      reachableFrom: [],
      unreachableFrom: ['k8s-vm1', 'k8s-vm3', 'k8s-vm4'],
      ips: 4096,
      percent: 25,
      ranges: ['172.25.96.0/20'],
      gone: true,
    });
    const text = await cli(['peers']);
    expect(text.stdout).toMatch(/k8s-vm2 +no \(gone\) +0\/3 +4096 \(25%\) +172\.25\.96\.0\/20/);
    expect(text.stdout).toContain('weavectl peers rmpeer --gone');
  });

  it('rmpeer --gone --dry-run says what it would reclaim and changes nothing', async () => {
    const r = await cli(['peers', 'rmpeer', '--gone', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^would reclaim 172\\.25\\.96\\.0/20 \\(4096 IPs\\) from peer ${peerName('k8s-vm2')}\\(k8s-vm2\\) into k8s-vm1 \\(weave-net-\\w+\\) \\(dry run\\)$`, 'm'));
    expect(ringState(sim).takenOver.size).toBe(0);
  });

  it('rmpeer --gone reclaims its range into one healthy pod; the peer is then no longer listed', async () => {
    const r = await cli(['peers', 'rmpeer', '--gone', '-o', 'json']);
    expect(r.stderr).not.toMatch(/error:|took over 0/);
    expect(r.stderr).toMatch(/^Running weave --local rmpeer \S+ in weave-net-\w+ on k8s-vm1$/m);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ dryRun: false, node: 'k8s-vm1', refused: [] });
    expect(out.reclaimed).toEqual([{ peer: peerName('k8s-vm2'), nickname: 'k8s-vm2', node: 'k8s-vm2', ranges: ['172.25.96.0/20'], ips: 4096, takenOver: 4096 }]);
    expect([...ringState(sim).takenOver]).toEqual([['k8s-vm2', 'k8s-vm1']]);

    const after = JSON.parse((await cli(['peers', '-o', 'json'])).stdout);
    expect(row(after, 'k8s-vm2')).toBeUndefined();
    expect(row(after, 'k8s-vm1')).toMatchObject({ ips: 12288, ranges: ['172.25.64.0/19', '172.25.96.0/20'] });
    // Nothing is left to reclaim.
    const again = await cli(['peers', 'rmpeer', '--gone']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('No peer to reclaim');
  });
});
