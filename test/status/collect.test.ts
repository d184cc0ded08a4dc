/**
 * collectStatus over the in-memory cluster whose weave pods answer like the simulator's imitation:
 * which commands are run, bounded concurrency, and a per-node deadline that holds even when
 * an exec never returns.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ExecResult, KubeObject } from '../../src/cluster/types.js';
import { parseConcurrency, parseExecTimeout } from '../../src/commands/status.js';
import { autoConcurrency, collectStatus } from '../../src/status/collect.js';
import { Reporter } from '../../src/output/reporter.js';
import { weaveExec, type WeaveView } from '../sim/src/weave-node.js';
import { weaveReportFormat } from '../sim/src/weave-ring.js';
import { DIGEST_TEMPLATE } from '../../src/status/digest.js';
import { MemoryCluster } from '../fakes/memory-cluster.js';

const NS = 'kube-system';
const NODES = ['node-1', 'node-2', 'node-3', 'node-4'];
const ip = (n: string) => `10.0.0.${n.split('-')[1]}`;

function objects() {
  const ds: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'weave-net', namespace: NS, uid: 'ds-uid', generation: 1 },
    spec: { updateStrategy: { type: 'RollingUpdate' }, template: { spec: { containers: [{ name: 'weave', image: 'weaveworks/weave-kube:2.8.1' }] } } },
    status: { observedGeneration: 1, desiredNumberScheduled: 4, updatedNumberScheduled: 4, numberReady: 4, numberAvailable: 4 },
  };
  const pods: KubeObject[] = NODES.map((n) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `weave-net-${n}`, namespace: NS, labels: { name: 'weave-net' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'weave-net', uid: 'ds-uid', controller: true }] },
    spec: { nodeName: n, containers: [{ name: 'weave', image: 'weaveworks/weave-kube:2.8.1' }] },
    status: { phase: 'Running', hostIP: ip(n), podIP: ip(n), conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'weave', ready: true, restartCount: 0, state: { running: {} } }] },
  }));
  const nodes: KubeObject[] = NODES.map((n) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: n },
    status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: ip(n) }] },
  }));
  return { ds, pods, nodes };
}

/** The in-memory cluster with the objects, weave's answers scripted, and the execs recorded (how many nodes at once). */
class FakeCluster extends MemoryCluster {
  execs: { pod: string; cmd: string; timeoutMs?: number }[] = [];
  inFlight = new Map<string, number>();
  maxNodesInFlight = 0;
  constructor(o: ReturnType<typeof objects>, answer: (node: string, cmd: string[]) => Promise<ExecResult>) {
    super({ k8sVersion: '1.29.2', objects: [o.ds, ...o.pods, ...o.nodes] });
    this.onExec(async (pod, container, command, opts) => {
      const name = pod.metadata.name;
      expect(container).toBe('weave');
      this.execs.push({ pod: name, cmd: command.join(' '), ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) });
      this.inFlight.set(name, (this.inFlight.get(name) ?? 0) + 1);
      this.maxNodesInFlight = Math.max(this.maxNodesInFlight, this.inFlight.size);
      try {
        return await answer(name.replace('weave-net-', ''), command);
      } finally {
        const n = this.inFlight.get(name)! - 1;
        if (n === 0) this.inFlight.delete(name);
        else this.inFlight.set(name, n);
      }
    });
  }
  /** The kinds listed, in order. */
  get lists(): string[] {
    return this.calls.filter((c) => c.startsWith('list ')).map((c) => c.split(' ')[2]!);
  }
}

function imitation(extra: Partial<WeaveView> = {}) {
  const view: WeaveView = { version: '2.8.1', ipallocRange: '172.25.64.0/18', nodes: NODES.map((n) => ({ name: n, internalIP: ip(n), ready: true })), ...extra };
  return async (node: string, cmd: string[]): Promise<ExecResult> => {
    await new Promise((r) => setTimeout(r, 5));
    if (cmd[2] === 'report' && cmd[3] === '-f') return weaveReportFormat(view, node, cmd[4]!);
    return weaveExec(view, node, 'weave', cmd)!;
  };
}

const quiet = () => new Reporter({ stderr: Object.assign(new PassThrough(), { isTTY: false }), env: {} });

describe('collectStatus', () => {
  it("asks weavectl's report digest (status, the connections and the IPAM ring, reduced by weave) and the bridge, on every node", async () => {
    const c = new FakeCluster(objects(), imitation());
    const r = await collectStatus(c, { namespace: NS, nodes: [], concurrency: 10, execTimeoutMs: 5000 }, quiet());
    expect(r.healthy).toBe(true);
    expect(r.nodes.map((n) => [n.node, n.ips, n.percent, n.activeIPs, n.connections?.established, n.datapath])).toEqual([
      ['node-1', 8192, 50, 1, 3, { fastdp: 3, sleeve: 0, mtu: 1376 }],
      ['node-2', 4096, 25, 1, 3, { fastdp: 3, sleeve: 0, mtu: 1376 }],
      ['node-3', 2048, 12.5, 1, 3, { fastdp: 3, sleeve: 0, mtu: 1376 }],
      ['node-4', 2048, 12.5, 1, 3, { fastdp: 3, sleeve: 0, mtu: 1376 }],
    ]);
    expect(new Set(c.execs.map((e) => e.cmd))).toEqual(
      new Set([`/home/weave/weave --local report -f ${DIGEST_TEMPLATE}`, 'ip -4 -o addr show dev weave']),
    );
    expect(c.execs).toHaveLength(8);
    expect(c.execs.every((e) => e.timeoutMs !== undefined && e.timeoutMs > 4000 && e.timeoutMs <= 5000)).toBe(true);

    const bad = new FakeCluster(objects(), imitation({ unreachable: new Set(['node-3']) }));
    const r2 = await collectStatus(bad, { namespace: NS, nodes: [], concurrency: 10, execTimeoutMs: 5000 }, quiet());
    expect(bad.execs.filter((e) => e.cmd.includes(' report -f ')).map((e) => e.pod).sort()).toEqual(NODES.map((n) => `weave-net-${n}`));
    expect(r2.problems[0]!.message).toBe('node-3 (10.0.0.3) cannot be reached from 3 of 3 other nodes');
  });

  it('gives the same report from the digest as from `status`, `status ipam` and `status connections` (asked when weave refuses the template)', async () => {
    for (const extra of [{}, { unreachable: new Set(['node-3']) }, { encryption: true }, { noFastdp: true }, { connLimit: 2 }, { awaitingConsensus: true }] as Partial<WeaveView>[]) {
      const viaDigest = await collectStatus(new FakeCluster(objects(), imitation(extra)), { namespace: NS, nodes: [], concurrency: 10, execTimeoutMs: 5000 }, quiet());
      const answer = imitation(extra);
      // A weave whose report lacks a field the template reads: http.go answers the template error with 500.
      // Or one whose execution failed after some output: http.go has sent 200 already, then the message.
      const cutShort = (node: string) => (node === 'node-2' ? { stdout: '-> 10.0.0.1:6783 established fastdp 02(x) mtu=1376\nerror during template execution\n', stderr: '', exitCode: 0 } : undefined);
      const old = new FakeCluster(objects(), async (node, cmd) =>
        cmd[2] === 'report' ? (cutShort(node) ?? { stdout: '', stderr: 'error during template execution\n', exitCode: 1 }) : answer(node, cmd),
      );
      const viaStatus = await collectStatus(old, { namespace: NS, nodes: [], concurrency: 10, execTimeoutMs: 5000 }, quiet());
      expect(viaDigest, JSON.stringify(extra)).toEqual(viaStatus);
      expect(new Set(old.execs.map((e) => (e.cmd.includes(' report -f ') ? e.cmd.slice(0, e.cmd.indexOf(' -f ') + 3) : e.cmd)))).toEqual(
        new Set(['/home/weave/weave --local status', '/home/weave/weave --local report -f', '/home/weave/weave --local status ipam', '/home/weave/weave --local status connections', 'ip -4 -o addr show dev weave']),
      );
    }
  });

  it('reads the nodes only when not every weave-net pod is ready', async () => {
    const healthy = new FakeCluster(objects(), imitation());
    await collectStatus(healthy, { namespace: NS, nodes: [], concurrency: 10, execTimeoutMs: 5000 }, quiet());
    expect(healthy.lists).toEqual(['Pod']);
    const o = objects();
    o.pods[1]!.status.conditions[0].status = 'False';
    o.ds.status.numberReady = 3;
    const sick = new FakeCluster(o, imitation());
    const r = await collectStatus(sick, { namespace: NS, nodes: [], concurrency: 10, execTimeoutMs: 5000 }, quiet());
    expect(sick.lists).toEqual(['Pod', 'Node']);
    expect(r.nodes.map((n) => n.nodeReady)).toEqual([true, true, true, true]);
    expect(r.nodes[1]!.error).toBe('pod weave-net-node-2 is not Ready (1/1 containers ready)');
  });

  it('a weave 1.9.x, whose report has no Ready (v1.9.8 prog/weaver/http.go WeaveStatus), refuses the digest: the three status commands are asked, and the report is the same', async () => {
    const c = new FakeCluster(objects(), imitation({ version: '1.9.8' }));
    const r = await collectStatus(c, { namespace: NS, nodes: [], concurrency: 10, execTimeoutMs: 5000 }, quiet());
    expect(r.nodes.map((n) => [n.node, n.status, n.version, n.connections?.established])).toEqual(NODES.map((n) => [n, 'ok', '1.9.8', 3]));
    expect(c.execs.filter((e) => e.pod === 'weave-net-node-1').map((e) => (e.cmd.includes(' report -f ') ? 'report -f' : e.cmd)).sort()).toEqual([
      '/home/weave/weave --local status',
      '/home/weave/weave --local status connections',
      '/home/weave/weave --local status ipam',
      'ip -4 -o addr show dev weave',
      'report -f',
    ]);
  });

  it('without --concurrency asks 10 nodes at a time, and one more per 100 nodes beyond 1,000, at most 40', async () => {
    expect([1, 4, 1000, 1001, 1100, 2000, 4000, 5000, 100_000].map(autoConcurrency)).toEqual([10, 10, 10, 11, 11, 20, 40, 40, 40]);
    const c = new FakeCluster(objects(), imitation());
    await collectStatus(c, { namespace: NS, nodes: [], execTimeoutMs: 5000 }, quiet());
    expect(c.maxNodesInFlight).toBe(4);
  });

  it('asks at most --concurrency nodes at a time, and only the --node ones', async () => {
    const c = new FakeCluster(objects(), imitation());
    await collectStatus(c, { namespace: NS, nodes: [], concurrency: 2, execTimeoutMs: 5000 }, quiet());
    expect(c.maxNodesInFlight).toBe(2);
    const one = new FakeCluster(objects(), imitation());
    const r = await collectStatus(one, { namespace: NS, nodes: ['node-4'], concurrency: 10, execTimeoutMs: 5000 }, quiet());
    expect(new Set(one.execs.map((e) => e.pod))).toEqual(new Set(['weave-net-node-4']));
    expect(r.nodes.map((n) => n.node)).toEqual(['node-4']);
  });

  it('ends a node at its deadline even when an exec never returns, and shows it', async () => {
    const answer = imitation();
    const c = new FakeCluster(objects(), (node, cmd) => (node === 'node-2' && cmd[2] === 'report' ? new Promise<never>(() => {}) : answer(node, cmd)));
    const t0 = Date.now();
    const r = await collectStatus(c, { namespace: NS, nodes: [], concurrency: 10, execTimeoutMs: 200 }, quiet());
    expect(Date.now() - t0).toBeLessThan(3000);
    const row = r.nodes.find((n) => n.node === 'node-2')!;
    expect(row.status).toBe('error');
    expect(row.error).toBe('weave --local report -f <template>: no answer within 200ms');
    expect(row.version).toBe('2.8.1'); // what did answer is kept
    expect(r.nodes.filter((n) => n.status === 'ok')).toHaveLength(3);
  });

  it('reports a missing DaemonSet without asking anything', async () => {
    const o = objects();
    const c = new FakeCluster(o, imitation());
    const r = await collectStatus(c, { namespace: 'weave', nodes: [], concurrency: 10, execTimeoutMs: 1000 }, quiet());
    expect(r.daemonSet).toBeNull();
    expect(r.healthy).toBe(false);
    expect(c.execs).toEqual([]);
  });
});

describe('flags', () => {
  it('--concurrency and --exec-timeout', () => {
    expect(parseConcurrency('10')).toBe(10);
    expect(() => parseConcurrency('0')).toThrow(/whole number from 1 to 200/);
    expect(() => parseConcurrency('2.5')).toThrow(/invalid --concurrency "2.5"/);
    expect(() => parseConcurrency('1000')).toThrow(/from 1 to 200/);
    expect(parseExecTimeout('10s')).toBe(10_000);
    expect(parseExecTimeout('1m30s')).toBe(90_000);
    expect(() => parseExecTimeout('0')).toThrow(/must be more than 0/);
    expect(() => parseExecTimeout('10')).toThrow(/invalid duration for --exec-timeout: "10"/);
  });
});
