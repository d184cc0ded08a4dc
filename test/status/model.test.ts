/**
 * The status model and its rendering on synthetic clusters. What each node's weave answers is
 * produced by the simulator's imitation of a Weave Net pod (test/sim/src/weave-node.ts: the real
 * template formats), so parse -> summarize -> report runs on realistic text.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.js';
import type { StatusReport } from '../../src/status/model.js';
import { defaultConnLimit, summarizeDaemonSet, summarizeNode, summarizePod } from '../../src/status/objects.js';
import { summarizeProbe, type CommandResult, type NodeProbe } from '../../src/status/probe.js';
import { buildReport } from '../../src/status/report.js';
import { plain, renderStatus, shareBar } from '../../src/status/render.js';
import { ipAddrShowWeave, peerName, weaveStatus, weaveStatusConnections, weaveStatusIpam, type WeaveView } from '../sim/src/weave-node.js';

const NS = 'kube-system';
const ok = (stdout: string): CommandResult => ({ stdout, stderr: '', exitCode: 0 });

function daemonSet(opts: { desired?: number; ready?: number; env?: { name: string; value: string }[]; npc?: boolean; image?: string } = {}): KubeObject {
  const desired = opts.desired ?? 4;
  const ready = opts.ready ?? desired;
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'weave-net', namespace: NS, uid: 'ds-uid', generation: 1 },
    spec: {
      updateStrategy: { type: 'RollingUpdate' },
      template: {
        spec: {
          hostNetwork: true,
          containers: [
            { name: 'weave', image: opts.image ?? 'weaveworks/weave-kube:2.8.1', env: opts.env ?? [{ name: 'IPALLOC_RANGE', value: '172.25.64.0/18' }] },
            ...(opts.npc === false ? [] : [{ name: 'weave-npc', image: 'weaveworks/weave-npc:2.8.1' }]),
          ],
        },
      },
    },
    status: { observedGeneration: 1, desiredNumberScheduled: desired, updatedNumberScheduled: desired, numberReady: ready, numberAvailable: ready, currentNumberScheduled: desired },
  };
}

function pod(name: string, node: string, opts: { weave?: object; npc?: object | null; ready?: boolean; phase?: string } = {}): KubeObject {
  const running = { running: { startedAt: '2024-01-01T00:00:00Z' } };
  const ready = opts.ready ?? true;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { name: 'weave-net' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'weave-net', uid: 'ds-uid', controller: true }] },
    spec: {
      nodeName: node,
      containers: [{ name: 'weave', image: 'weaveworks/weave-kube:2.8.1' }, ...(opts.npc === null ? [] : [{ name: 'weave-npc', image: 'weaveworks/weave-npc:2.8.1' }])],
    },
    status: {
      phase: opts.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [
        { name: 'weave', ready, restartCount: 0, state: running, ...(opts.weave ?? {}) },
        ...(opts.npc === null ? [] : [{ name: 'weave-npc', ready: true, restartCount: 0, state: running, ...(opts.npc ?? {}) }]),
      ],
    },
  };
}

function node(name: string, ip: string, ready = true): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }], addresses: [{ type: 'InternalIP', address: ip }] } };
}

const NODES = ['node-1', 'node-2', 'node-3', 'node-4'];
const ip = (n: string) => `10.0.0.${n.split('-')[1]}`;
const podName = (n: string) => `weave-net-${n.split('-')[1]}aaaa`;

function view(nodes: string[], extra: Partial<WeaveView> = {}): WeaveView {
  return {
    version: '2.8.1',
    ipallocRange: '172.25.64.0/18',
    nodes: nodes.map((n) => ({ name: n, internalIP: ip(n), ready: true })),
    now: new Date('2024-03-01T10:00:00Z'),
    ...extra,
  };
}

function probeFrom(v: WeaveView, n: string, connView: WeaveView = v): NodeProbe {
  return summarizeProbe({
    status: ok(weaveStatus(connView, n)),
    ipam: ok(weaveStatusIpam(v, n)),
    connections: ok(weaveStatusConnections(connView, n)),
    bridge: ok(ipAddrShowWeave(v, n, { oneline: true, inet4Only: true })),
  });
}

function report(opts: { nodes?: string[]; probes?: Map<string, NodeProbe>; pods?: KubeObject[]; ds?: KubeObject | null; nodeObjs?: KubeObject[]; filter?: string[] } = {}): StatusReport {
  const names = opts.nodes ?? NODES;
  const ds = opts.ds === null ? undefined : (opts.ds ?? daemonSet({ desired: names.length }));
  const pods = opts.pods ?? names.map((n) => pod(podName(n), n));
  const nodeObjs = opts.nodeObjs ?? names.map((n) => node(n, ip(n)));
  let probes = opts.probes;
  if (!probes) {
    const v = view(names);
    probes = new Map(names.map((n) => [podName(n), probeFrom(v, n)]));
  }
  return buildReport({
    namespace: NS,
    ...(ds ? { daemonSet: summarizeDaemonSet(ds) } : {}),
    pods: pods.map(summarizePod),
    nodes: nodeObjs.map((o) => summarizeNode(o, ds)),
    probes,
    ...(opts.filter ? { nodeFilter: opts.filter } : {}),
  });
}

describe('a healthy 4-node cluster on 172.25.64.0/18', () => {
  const r = report();

  it('shows every node with its share of the range, bridge, connections and weave-npc', () => {
    expect(r.healthy).toBe(true);
    expect(r.problems).toEqual([]);
    expect(r.ipam).toEqual({ range: '172.25.64.0/18', size: 16384, state: 'ready', states: { ready: 4 } });
    expect(r.nodes.map((n) => [n.node, n.status, n.bridge, n.ips, n.percent, n.activeIPs, n.connections?.established, n.connections?.expected, n.npc])).toEqual([
      ['node-1', 'ok', '172.25.64.1/18', 8192, 50, 1, 3, 3, 'running'],
      ['node-2', 'ok', '172.25.96.0/18', 4096, 25, 1, 3, 3, 'running'],
      ['node-3', 'ok', '172.25.112.0/18', 2048, 12.5, 1, 3, 3, 'running'],
      ['node-4', 'ok', '172.25.120.0/18', 2048, 12.5, 1, 3, 3, 'running'],
    ]);
    expect(r.nodes[0]).toMatchObject({ peer: peerName('node-1'), nickname: 'node-1', version: '2.8.1', encryption: false, internalIP: '10.0.0.1', containersReady: 2, containers: 2 });
    expect(r.summary).toEqual({ nodes: 4, ok: 4, warning: 0, error: 0 });
  });

  it('has the documented JSON shape: every field present', () => {
    expect(Object.keys(r)).toEqual(['namespace', 'healthy', 'daemonSet', 'ipam', 'datapath', 'nodes', 'unreachablePeers', 'problems', 'summary']);
    expect(Object.keys(r.nodes[0]!)).toEqual([
      'node', 'status', 'internalIP', 'nodeReady', 'pod', 'podPhase', 'containersReady', 'containers', 'restarts', 'version', 'peer', 'nickname',
      'bridge', 'ips', 'percent', 'activeIPs', 'ipamState', 'connections', 'encryption', 'npc', 'error', 'datapath',
    ]);
    expect(r.daemonSet).toEqual({
      name: 'weave-net', apiVersion: 'apps/v1', desired: 4, updated: 4, ready: 4, available: 4,
      message: 'daemon set "weave-net" successfully rolled out', image: 'weaveworks/weave-kube:2.8.1', version: '2.8.1', ipallocRange: '172.25.64.0/18', npc: true,
    });
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('renders a table with a bar per node and a healthy summary', () => {
    const text = renderStatus(r, plain());
    const lines = text.split('\n');
    expect(lines[0]).toBe('DaemonSet kube-system/weave-net (apps/v1, weaveworks/weave-kube:2.8.1)');
    expect(text).toContain('√ 4 desired, 4 up to date, 4 ready, 4 available');
    expect(text).toContain('IPAM range 172.25.64.0/18 (16384 addresses)');
    const row = (n: string) => lines.find((l) => l.includes(` ${n} `))!;
    expect(row('node-1')).toMatch(/^√ {2}node-1 +weave-net-1aaaa +2\/2 +2\.8\.1 +172\.25\.64\.1\/18 +8192 +50\.0% +1 +3\/3 +running +█{10}░{10}$/);
    expect(row('node-2')).toMatch(/172\.25\.96\.0\/18 +4096 +25\.0% .* █{5}░{15}$/);
    expect(row('node-4')).toMatch(/172\.25\.120\.0\/18 +2048 +12\.5% .* █{3}░{17}$/);
    expect(lines.find((l) => l.startsWith('   NODE'))).toMatch(/SHARE OF 172\.25\.64\.0\/18$/);
    expect(text.trimEnd().split('\n').at(-1)).toBe('√ Weave Net is healthy (4 nodes: 4 ok, 0 with warnings, 0 with errors)');
    expect(text).not.toContain('Problems');
  });

  it("fits a terminal's width: the bar narrows, then goes, then ACTIVE, IPS, BRIDGE, POD and VERSION, then node names are cut", () => {
    const table = (width?: number) => {
      const lines = renderStatus(r, plain(), width === undefined ? {} : { width }).split('\n');
      const start = lines.findIndex((l) => l.startsWith('   NODE'));
      return lines.slice(start, start + 5);
    };
    const full = table();
    const fullWidth = Math.max(...full.map((l) => l.length));
    expect(table(fullWidth)).toEqual(full);
    expect(table(500)).toEqual(full);
    // a little narrower: the bar narrows under the title "RANGE"
    const narrower = table(fullWidth - 4);
    expect(narrower[0]).toMatch(/NPC +RANGE$/);
    expect(narrower[1]).toMatch(/running +[█░]{10,19}$/);
    expect(narrower[1]!.length).toBe(fullWidth - 4);
    expect(narrower[0]!.length).toBeLessThanOrEqual(fullWidth - 4);
    for (const width of [100, 80, 60, 50]) {
      const t = table(width);
      for (const l of t) expect(l.length, `${width}: ${l}`).toBeLessThanOrEqual(width);
      expect(t[0]).toMatch(/^ {3}NODE /);
      expect(t[0]).toMatch(/ READY .* SHARE .*CONNECTIONS +NPC$/);
    }
    expect(table(80)[0]).not.toMatch(/ACTIVE|RANGE|SHARE OF/);
    expect(table(60)[0]).toBe('   NODE    READY  VERSION  SHARE  CONNECTIONS  NPC');
    expect(table(60)[1]).toBe('√  node-1  2/2    2.8.1    50.0%  3/3          running');
    expect(table(50)[1]).toBe('√  node-1  2/2    50.0%  3/3          running');
    // node names are cut last, when nothing else is left to give
    const long = report({ nodes: ['node-1-in-a-zone-with-a-long-name', 'node-2-in-a-zone-with-a-long-name'] });
    const rows = renderStatus(long, plain(), { width: 60 }).split('\n').filter((l) => /^[√‼×] {2}node-/.test(l));
    expect(rows[0]).toBe('√  node-1-in-a-zone-wit…  2/2    50.0%  1/1          running');
    for (const l of rows) expect(l.length).toBeLessThanOrEqual(60);
  });
});

describe('a node whose exec fails', () => {
  const v = view(NODES);
  const probes = new Map(NODES.map((n) => [podName(n), probeFrom(v, n)]));
  const timeout: CommandResult = { error: 'exec of "/home/weave/weave --local status" in pod kube-system/weave-net-3aaaa (container weave) did not finish within 10s' };
  probes.set(podName('node-3'), summarizeProbe({ status: timeout, ipam: timeout, connections: timeout, bridge: timeout }));
  const r = report({ probes });

  it('is shown with its error, never dropped', () => {
    expect(r.nodes.map((n) => n.node)).toEqual(NODES);
    const row = r.nodes[2]!;
    expect(row).toMatchObject({ node: 'node-3', status: 'error', pod: 'weave-net-3aaaa', podPhase: 'Running', ips: null, bridge: null, connections: null });
    expect(row.error).toMatch(/^cannot read weave's state: weave --local status: exec of .* did not finish within 10s$/);
    expect(r.healthy).toBe(false);
    expect(r.summary).toEqual({ nodes: 4, ok: 3, warning: 0, error: 1 });
    // the others still see node-3 connected: its weave runs, only the exec failed
    expect(r.nodes.filter((n) => n.node !== 'node-3').every((n) => n.status === 'ok')).toBe(true);
  });

  it('renders the row and the error with a hint', () => {
    const text = renderStatus(r, plain());
    expect(text).toMatch(/^× {2}node-3 +weave-net-3aaaa +2\/2 +2\.8\.1 +- +- +- +- +- +running$/m);
    expect(text).toContain("× node-3: cannot read weave's state: weave --local status: exec of");
    expect(text).toContain('hint: kubectl exec -n kube-system weave-net-3aaaa -c weave -- /home/weave/weave --local status');
    expect(text).toMatch(/× Weave Net is not healthy: 1 error, 0 warnings \(4 nodes: 3 ok, 0 with warnings, 1 with errors\)\n$/);
  });

  it('keeps what one failed command could not spoil', () => {
    const p = summarizeProbe({
      status: ok(weaveStatus(v, 'node-1')),
      ipam: { stdout: '', stderr: 'weave container is not present. Have you launched it?\n', exitCode: 1 },
      connections: ok(weaveStatusConnections(v, 'node-1')),
      bridge: { stdout: '', stderr: 'Device "weave" does not exist.\n', exitCode: 1 },
    });
    expect(p.weave?.name).toBe(peerName('node-1'));
    expect(p.connections?.established).toBe(3);
    expect(p.ipamRead).toBe(false);
    expect(p.bridge).toBeUndefined();
    expect(p.errors).toEqual([
      'weave --local status ipam: exit code 1: weave container is not present. Have you launched it?',
      'ip -4 -o addr show dev weave: exit code 1: Device "weave" does not exist.',
    ]);
  });
});

describe('unreachable peers', () => {
  it('a peer whose node is gone: a warning with the rmpeer command for one healthy pod', () => {
    const five = [...NODES, 'node-5'];
    const ipamView = view(five, { unreachable: new Set(['node-5']) });
    const liveView = view(NODES); // weave-kube's peer list no longer has node-5
    const probes = new Map(NODES.map((n) => [podName(n), probeFrom(ipamView, n, liveView)]));
    const r = report({ probes });
    expect(r.unreachablePeers).toEqual([
      {
        peer: peerName('node-5'),
        nickname: 'node-5',
        ips: 1024,
        percent: 6.2,
        reportedBy: 4,
        nodeExists: false,
        rmpeer: `kubectl exec -n kube-system weave-net-1aaaa -c weave -- /home/weave/weave --local rmpeer ${peerName('node-5')}`,
      },
    ]);
    expect(r.healthy).toBe(true);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ severity: 'warning', node: null });
    expect(r.problems[0]!.message).toBe(`peer ${peerName('node-5')}(node-5) owns 1024 IPs (6.2% of the range) and is unreachable from 4 nodes (node-1, node-2, node-3, ...); there is no node node-5 in the cluster`);
    const text = renderStatus(r, plain());
    expect(text).toContain('‼ 1 unreachable peer owns 1024 addresses');
    expect(text).toContain(`hint: weavectl peers rmpeer ${peerName('node-5')} reclaims its range once it has checked that no node reaches the peer; by hand, only if node node-5 is really gone: kubectl exec -n kube-system weave-net-1aaaa -c weave -- /home/weave/weave --local rmpeer ${peerName('node-5')}`);
    expect(text).toContain('run it only for peers whose nodes are really gone, once, in one pod');
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^‼ Weave Net works, with 1 warning/);
  });

  it('a partitioned node whose own weave could not be read: still "3 of 3 other nodes" (it was counted only when read)', () => {
    const v = view(NODES, { unreachable: new Set(['node-3']) });
    const timeout: CommandResult = { error: 'no answer within 10s' };
    const probes = new Map(NODES.map((n) => [podName(n), n === 'node-3' ? summarizeProbe({ digest: timeout, bridge: timeout }) : probeFrom(v, n)]));
    const r = report({ probes });
    expect(r.problems.filter((p) => p.severity === 'error').map((p) => p.message)).toContain('node-3 (10.0.0.3) cannot be reached from 3 of 3 other nodes');
  });

  it('a partitioned node: its row is the error, the others are fine, and no rmpeer is offered', () => {
    const v = view(NODES, { unreachable: new Set(['node-3']) });
    const probes = new Map(NODES.map((n) => [podName(n), probeFrom(v, n)]));
    const r = report({ probes });
    expect(r.nodes.map((n) => [n.node, n.status, `${n.connections?.established}/${n.connections?.expected}`])).toEqual([
      ['node-1', 'ok', '2/2'],
      ['node-2', 'ok', '2/2'],
      ['node-3', 'error', '0/3'],
      ['node-4', 'ok', '2/2'],
    ]);
    expect(r.problems.filter((p) => p.severity === 'error').map((p) => p.message)).toEqual([
      'node-3 (10.0.0.3) cannot be reached from 3 of 3 other nodes',
      expect.stringMatching(/^0 of 3 expected peer connections established; node-1 \(10\.0\.0\.1\) retrying \(dial tcp4 :0->10\.0\.0\.1:6783: connect: no route to host\)/),
    ]);
    // node-3 sees every other peer as unreachable; only what the connected nodes see counts
    expect(r.unreachablePeers.map((u) => [u.nickname, u.reportedBy, u.nodeExists])).toEqual([['node-3', 3, true]]);
    expect(r.problems.find((p) => p.message.includes('unreachable from'))?.hint).toBe('fix weave on node node-3; do not rmpeer a peer whose node is alive');
    expect(renderStatus(r, plain())).toMatch(/^√ {2}node-1 .* 2\/2 \(of 3\) /m);
  });

  it('a deleted node still in the peer list: a warning, not a failure of every node', () => {
    const withOld = view([...NODES, 'node-9'], { unreachable: new Set(['node-9']) });
    const probes = new Map(NODES.map((n) => [podName(n), probeFrom(view(NODES), n, withOld)]));
    const r = report({ probes });
    expect(r.nodes.every((n) => n.status === 'ok')).toBe(true);
    expect(r.problems.map((p) => [p.severity, p.message])).toEqual([['warning', 'weave on 4 nodes still tries to connect to 10.0.0.9, which is not the address of any node (a deleted node?)']]);
  });
});

describe('IPAM and pod problems', () => {
  it('awaiting consensus fails every node and names the quorum', () => {
    const v = view(NODES, { awaitingConsensus: true });
    const r = report({ probes: new Map(NODES.map((n) => [podName(n), probeFrom(v, n)])) });
    expect(r.ipam.state).toBe('awaiting-consensus');
    expect(r.nodes.every((n) => n.status === 'error' && n.ipamState === 'awaiting-consensus' && n.bridge === null && n.ips === 0)).toBe(true);
    expect(r.nodes[0]!.error).toBe('IPAM: awaiting consensus (quorum: 3, known: 4)');
    expect(renderStatus(r, plain())).toContain('× consensus ready on 0 of 4 nodes; awaiting-consensus on 4');
  });

  it('nodes that report different ranges', () => {
    const a = view(NODES);
    const b = view(NODES, { ipallocRange: '10.32.0.0/12' });
    const r = report({ probes: new Map(NODES.map((n, i) => [podName(n), probeFrom(i < 3 ? a : b, n)])) });
    expect(r.healthy).toBe(false);
    expect(r.problems[0]!.message).toBe('the nodes report different IP ranges: 172.25.64.0/18 on 3 nodes, 10.32.0.0/12 on 1 node');
  });

  it('a crash-looping pod, a missing pod, weave-npc down, a NotReady node', () => {
    const pods = [
      pod(podName('node-1'), 'node-1'),
      pod(podName('node-2'), 'node-2', { ready: false, weave: { ready: false, restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container=weave' } } } }),
      pod(podName('node-3'), 'node-3', { npc: { ready: false, state: { waiting: { reason: 'ContainerCreating' } } } }),
    ];
    const v = view(NODES);
    const probes = new Map(['node-1', 'node-3'].map((n) => [podName(n), probeFrom(v, n)]));
    const nodeObjs = [node('node-1', ip('node-1')), node('node-2', ip('node-2')), node('node-3', ip('node-3')), node('node-4', ip('node-4'), false)];
    const r = report({ pods, probes, nodeObjs, ds: daemonSet({ desired: 4, ready: 2 }) });
    const byNode = Object.fromEntries(r.nodes.map((n) => [n.node, n]));
    expect(byNode['node-2']!.error).toBe('pod kube-system/weave-net-2aaaa on node-2: container weave: CrashLoopBackOff (5 restarts): back-off 5m0s restarting failed container=weave');
    expect(byNode['node-3']!.npc).toBe('waiting: ContainerCreating');
    expect(r.problems.some((p) => p.node === 'node-3' && p.message.startsWith('weave-npc is not running in pod weave-net-3aaaa'))).toBe(true);
    expect(byNode['node-4']).toMatchObject({ status: 'error', pod: null, nodeReady: false, error: 'node node-4 is NotReady' });
    expect(r.problems.some((p) => p.message === 'no weave-net pod on node node-4')).toBe(true);
    expect(r.problems[0]!.message).toBe('DaemonSet weave-net: 2 of 4 pods ready, 2 available');
  });

  it('no DaemonSet', () => {
    const r = report({ ds: null, pods: [], probes: new Map(), nodeObjs: [] });
    expect(r.healthy).toBe(false);
    expect(r.daemonSet).toBeNull();
    expect(r.problems).toEqual([
      { severity: 'error', node: null, message: 'DaemonSet weave-net not found in namespace kube-system', hint: 'install Weave Net with "weavectl install", or give its namespace with -n' },
    ]);
    expect(renderStatus(r, plain())).toMatch(/^× no DaemonSet weave-net in namespace kube-system\n/);
  });

  it('--node keeps the other peers in the expected connection count', () => {
    const r = report({ filter: ['node-2', 'node-7'] });
    expect(r.nodes.map((n) => n.node)).toEqual(['node-2']);
    expect(r.nodes[0]!.connections).toEqual({ established: 3, peers: 3, expected: 3, short: false, failed: [] });
    expect(r.problems.map((p) => p.message)).toEqual(['no node named node-7']);
  });

  it('caps the expected connections at CONN_LIMIT', () => {
    expect(defaultConnLimit('1.8.2')).toBe(30);
    expect(defaultConnLimit('2.2.1')).toBe(30);
    expect(defaultConnLimit('2.3.0')).toBe(100);
    expect(defaultConnLimit('2.9.0')).toBe(200);
    expect(defaultConnLimit('2.5.2')).toBe(100);
    expect(defaultConnLimit('2.8.1')).toBe(200);
    const r = report({ ds: daemonSet({ env: [{ name: 'CONN_LIMIT', value: '2' }] }) });
    expect(r.nodes[0]!.connections).toEqual({ established: 3, peers: 3, expected: 2, short: false, failed: [] });
    expect(renderStatus(r, plain())).toContain('3/2 (of 3)');
  });

  it('under a binding CONN_LIMIT, a node below the limit is fine while it knows every peer (v2.8.1 mesh connection_maker.go, local_peer.go checkConnectionLimit)', () => {
    // 5 peers, CONN_LIMIT=3: the simulator's topology gives every peer 2 connections (no graph on 5
    // nodes has every degree 3; test/sim/src/conn-limit.ts), and each knows the 4 others by gossip.
    const names = ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'];
    const v = view(names, { connLimit: 3 });
    const probes = new Map(names.map((n) => [podName(n), probeFrom(v, n)]));
    const ds = daemonSet({ desired: 5, env: [{ name: 'CONN_LIMIT', value: '3' }] });
    const r = report({ nodes: names, probes, ds });
    expect(r.nodes.map((n) => n.connections)).toEqual(names.map(() => ({ established: 2, peers: 4, expected: 3, short: false, failed: [] })));
    expect(r.nodes.map((n) => n.status)).toEqual(names.map(() => 'ok'));
    expect(renderStatus(r, plain())).toContain('2/3 (of 4)');

    // An unreachable peer: its neighbours lose a link and weave's Peers leaves it out; they are not short for that.
    const six = ['node-1', 'node-2', 'node-3', 'node-4', 'node-5', 'node-6'];
    const v6 = view(six, { connLimit: 2, unreachable: new Set(['node-3']) });
    const r6 = report({ nodes: six, probes: new Map(six.map((n) => [podName(n), probeFrom(v6, n)])), ds: daemonSet({ desired: 6, env: [{ name: 'CONN_LIMIT', value: '2' }] }) });
    expect(r6.nodes.filter((n) => n.status === 'error').map((n) => n.node)).toEqual(['node-3']);
    expect(r6.nodes.filter((n) => n.connections?.short).map((n) => n.node)).toEqual(['node-3']);

    // A node that knows only 3 of the 5 peers is cut off from part of the mesh: short, an error.
    const cut = probes.get(podName('node-2'))!;
    probes.set(podName('node-2'), { ...cut, weave: { ...cut.weave!, peers: 3 } });
    const r2 = report({ nodes: names, probes, ds });
    expect(r2.nodes[1]!.connections!.short).toBe(true);
    expect(r2.nodes[1]!.error).toBe('2 of 3 expected peer connections established');
    // And one with no connection at all is short whatever it knows.
    probes.set(podName('node-2'), { ...cut, connections: { ...cut.connections!, established: 0, fastdp: 0 } });
    expect(report({ nodes: names, probes, ds }).nodes[1]!.connections!.short).toBe(true);
  });
});

describe('shareBar', () => {
  it('fills in proportion, at least one cell for any share', () => {
    expect(shareBar(8192, 16384, 50)).toBe('█'.repeat(10) + '░'.repeat(10));
    expect(shareBar(1, 1 << 20, 0)).toBe('█' + '░'.repeat(19));
    expect(shareBar(0, 16384, 0)).toBe('░'.repeat(20));
    expect(shareBar(null, null, 25)).toBe('█'.repeat(5) + '░'.repeat(15));
    expect(shareBar(null, 16384, null)).toBe('');
  });
});

describe('the data path (src/status/datapath.ts)', () => {
  it('a healthy cluster: fastdp on every connection, WEAVE_MTU, encryption disabled; no problem', () => {
    const r = report();
    expect(r.datapath).toEqual({ overlay: 'fastdp', fastdp: 12, sleeve: 0, mtu: { min: 1376, max: 1376 }, encryption: 'disabled', sleevePairs: [], fastdpDisabled: false });
    expect(r.nodes[0]!.datapath).toEqual({ fastdp: 3, sleeve: 0, mtu: 1376 });
    expect(renderStatus(r)).toContain('Datapath fastdp on all 12 connections, MTU 1376, encryption disabled\n');
  });

  it('a pair that fell back to sleeve is one warning naming both nodes, the likely causes and the --mtu hint', () => {
    const limited = (a: string, b: string) => ([a, b].sort().join() === 'node-1,node-2' ? 1300 : undefined);
    const v = view(NODES, { pathMtu: limited });
    const r = report({ probes: new Map(NODES.map((n) => [podName(n), probeFrom(v, n)])) });
    expect(r.healthy).toBe(true);
    expect(r.datapath).toMatchObject({ overlay: 'mixed', fastdp: 10, sleeve: 2, mtu: { min: 1238, max: 1376 }, sleevePairs: [{ nodes: ['node-1', 'node-2'], mtu: 1238 }] });
    expect(r.nodes.map((n) => n.datapath)).toEqual([
      { fastdp: 2, sleeve: 1, mtu: 1238 },
      { fastdp: 2, sleeve: 1, mtu: 1238 },
      { fastdp: 3, sleeve: 0, mtu: 1376 },
      { fastdp: 3, sleeve: 0, mtu: 1376 },
    ]);
    const warnings = r.problems.filter((p) => p.message.includes('sleeve'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ severity: 'warning', node: null });
    expect(warnings[0]!.message).toBe(
      "node-1 and node-2 fell back from fastdp to sleeve (MTU 1238): the path between them carries less than WEAVE_MTU 1376 plus VXLAN's overhead, or UDP 6784 (fastdp's VXLAN) is blocked between them; sleeve is slower",
    );
    expect(warnings[0]!.hint).toBe('open UDP 6784 between the two nodes; if the path MTU is the cause, lower the MTU: weavectl install --mtu 1236');
    const text = renderStatus(r);
    expect(text).toContain('Datapath fastdp on 10 of 12 connections, sleeve on 2, MTU 1238-1376, encryption disabled\n  ‼ sleeve between node-1 and node-2 (MTU 1238)\n');
  });

  it('WEAVE_NO_FASTDP: sleeve everywhere is intended, no warning', () => {
    const v = view(NODES, { noFastdp: true });
    const r = report({
      ds: daemonSet({ desired: 4, env: [{ name: 'IPALLOC_RANGE', value: '172.25.64.0/18' }, { name: 'WEAVE_NO_FASTDP', value: '1' }] }),
      probes: new Map(NODES.map((n) => [podName(n), probeFrom(v, n)])),
    });
    expect(r.datapath).toMatchObject({ overlay: 'sleeve', fastdpDisabled: true, sleevePairs: expect.any(Array) });
    expect(r.problems.filter((p) => p.message.includes('sleeve'))).toEqual([]);
    expect(renderStatus(r)).toContain('Datapath sleeve on all 12 connections (WEAVE_NO_FASTDP), MTU 1376');
  });

  it('nodes that disagree on encryption are an error; encrypted connections still give their MTU', () => {
    const on = view(NODES, { encryption: true });
    const off = view(NODES);
    const r = report({ probes: new Map(NODES.map((n) => [podName(n), probeFrom(n === 'node-4' ? off : on, n)])) });
    expect(r.datapath.encryption).toBe('mixed');
    expect(r.datapath.mtu).toEqual({ min: 1376, max: 1376 });
    expect(r.healthy).toBe(false);
    expect(r.problems.find((p) => p.message.startsWith('encryption is enabled on node-1, node-2, node-3 and disabled on node-4'))).toMatchObject({ severity: 'error', node: null });
  });
});
