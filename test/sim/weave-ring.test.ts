/**
 * The IPAM ring memory of the Weave Net imitation (src/weave-ring.ts): a deleted node's peer stays
 * in the ring as an unreachable owner, and `weave --local rmpeer` moves its ranges to the peer that
 * runs it, as weaveworks/weave v2.8.1 ipam/allocator.go AdminTakeoverRanges and ring.go Transfer do,
 * answering prog/weaver/discovery.go's "%d IPs taken over from %s".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Obj, type Simulator } from './index.js';
import { runInContainer } from './src/exec.js';
import { ringState } from './src/weave-ring.js';
import { peerName } from './src/weave-node.js';
import { daemonSet, DS_PATH, post } from './testkit.js';

let sim: Simulator | undefined;
afterEach(async () => {
  expect(sim?.controllerErrors ?? []).toEqual([]);
  await sim?.stop();
  sim = undefined;
});

const ENV = [{ name: 'IPALLOC_RANGE', value: '172.25.64.0/18' }];

async function weaveCluster(nodes = 4): Promise<Simulator> {
  const s = await startSimulator({ stepDelayMs: 5, nodes });
  const ds = daemonSet('weave-net');
  ds['spec']['template']['spec']['containers'][0]['env'] = ENV;
  ds['spec']['template']['spec']['hostNetwork'] = true;
  await post(s, DS_PATH, ds);
  await s.waitFor(() => weavePods(s).filter((p) => p['status']?.['containerStatuses']?.[0]?.['state']?.['running']).length === nodes, { timeoutMs: 10_000 });
  return s;
}

const weavePods = (s: Simulator) => s.list('v1', 'Pod', 'kube-system').filter((p) => p['metadata']['labels']?.['name'] === 'weave-net');
const podOn = (s: Simulator, node: string) => weavePods(s).find((p) => p['spec']['nodeName'] === node)!;

async function weave(s: Simulator, node: string, ...args: string[]) {
  return runInContainer(s as never, s.store.get('pods', 'kube-system', podOn(s, node)['metadata']['name'])! as Obj, 'weave', ['/home/weave/weave', '--local', ...args]);
}

async function deleteNode(s: Simulator, name: string): Promise<void> {
  s.nodes.remove(name);
  await s.waitFor(() => !weavePods(s).some((p) => p['spec']['nodeName'] === name), { timeoutMs: 10_000 });
}

describe('the ring keeps a deleted node’s peer', () => {
  it('status ipam lists it as an unreachable owner; the report marks its entry IsKnownPeer false', async () => {
    sim = await weaveCluster();
    await deleteNode(sim, 'k8s-vm2');
    expect([...ringState(sim).departed.keys()]).toEqual(['k8s-vm2']);
    const ipam = (await weave(sim, 'k8s-vm1', 'status', 'ipam')).stdout.split('\n');
    expect(ipam[0]).toMatch(new RegExp(`^${peerName('k8s-vm1')}\\(k8s-vm1\\) +8192 IPs \\(50\\.0% of total\\) \\(\\d+ active\\)$`));
    expect(ipam).toContainEqual(`${`${peerName('k8s-vm2')}(k8s-vm2)`.padEnd(37)}     4096 IPs (25.0% of total) - unreachable!`);
    const report = JSON.parse((await weave(sim, 'k8s-vm3', 'report')).stdout);
    expect(report.IPAM.Entries.map((e: Obj) => [e['Token'], e['Size'], e['Nickname'], e['IsKnownPeer']])).toEqual([
      ['172.25.64.0', 8192, 'k8s-vm1', true],
      ['172.25.96.0', 4096, 'k8s-vm2', false],
      ['172.25.112.0', 2048, 'k8s-vm3', true],
      ['172.25.120.0', 2048, 'k8s-vm4', true],
    ]);
    expect(report.Router.Name).toBe(peerName('k8s-vm3'));
    // The live peers still dial its address (the targets weave got at launch).
    expect((await weave(sim, 'k8s-vm1', 'status', 'connections')).stdout).toMatch(/-> 10\.\d+\.\d+\.\d+:6783 +retrying +dial tcp4/);
  });

  it('rmpeer moves its ranges to the peer that runs it, once; the ring then has no unreachable owner', async () => {
    sim = await weaveCluster();
    await deleteNode(sim, 'k8s-vm2');
    const r = await weave(sim, 'k8s-vm3', 'rmpeer', peerName('k8s-vm2'));
    expect(r).toEqual({ stdout: `4096 IPs taken over from ${peerName('k8s-vm2')}\n`, stderr: '', exitCode: 0 });
    const ipam = (await weave(sim, 'k8s-vm1', 'status', 'ipam')).stdout;
    expect(ipam).not.toContain('unreachable');
    expect(ipam).toContain(`${`${peerName('k8s-vm3')}(k8s-vm3)`.padEnd(37)}     6144 IPs (37.5% of total) `);
    const report = JSON.parse((await weave(sim, 'k8s-vm1', 'report')).stdout);
    expect(report.IPAM.Entries.map((e: Obj) => [e['Token'], e['Nickname'], e['IsKnownPeer']])).toEqual([
      ['172.25.64.0', 'k8s-vm1', true],
      ['172.25.96.0', 'k8s-vm3', true],
      ['172.25.112.0', 'k8s-vm3', true],
      ['172.25.120.0', 'k8s-vm4', true],
    ]);
    // k8s-vm3 keeps its own bridge address (the first address of its own share).
    expect((await weave(sim, 'k8s-vm3', 'status')).stdout).toMatch(/Status: ready/);
    // A second rmpeer finds nothing left; an unknown peer and the peer itself get 0 too.
    expect((await weave(sim, 'k8s-vm1', 'rmpeer', 'k8s-vm2')).stdout).toBe('0 IPs taken over from k8s-vm2\n');
    expect((await weave(sim, 'k8s-vm1', 'rmpeer', 'nobody')).stdout).toBe('0 IPs taken over from nobody\n');
    expect((await weave(sim, 'k8s-vm1', 'rmpeer', peerName('k8s-vm1'))).stdout).toBe(`0 IPs taken over from ${peerName('k8s-vm1')}\n`);
  });

  it('report -f evaluates the Go template with weave’s json function (http.go /report?format=), and fails as weave does', async () => {
    sim = await weaveCluster(2);
    const r = await weave(sim, 'k8s-vm2', 'report', '-f', '{"range":{{json .IPAM.Range}},"me":"{{.Router.NickName}}","conns":{{json .Router.Connections}}}');
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.range).toBe('172.25.64.0/18');
    expect(doc.me).toBe('k8s-vm2');
    expect(doc.conns.map((c: Obj) => c['State'])).toEqual(['established', 'failed']);
    expect(await weave(sim, 'k8s-vm2', 'report', '-f', '{{range .Router.Peers}}{{.NickName}} {{end}}')).toEqual({ stdout: 'k8s-vm1 k8s-vm2 ', stderr: '', exitCode: 0 });
    // a parse error: the 400 body on stderr (the weave script's curl), exit 1
    expect(await weave(sim, 'k8s-vm2', 'report', '-f', '{{range .Router.Peers}}x')).toEqual({ stdout: '', stderr: 'template: format:1: unexpected EOF\n', exitCode: 1 });
    // an execution error before any output: the 500 body
    expect(await weave(sim, 'k8s-vm2', 'report', '-f', '{{.Router.Nope}}')).toEqual({ stdout: '', stderr: 'error during template execution\n', exitCode: 1 });
  });

  it('a node created again under the same name leaves the memory; a node without a running weave never joins it', async () => {
    sim = await weaveCluster(3);
    await deleteNode(sim, 'k8s-vm3');
    expect(ringState(sim).departed.has('k8s-vm3')).toBe(true);
    sim.nodes.add('k8s-vm3');
    expect(ringState(sim).departed.has('k8s-vm3')).toBe(false);
    sim.nodes.add('k8s-vm9');
    sim.nodes.remove('k8s-vm9'); // removed before its weave pod ran
    expect(ringState(sim).departed.has('k8s-vm9')).toBe(false);
  });
});
