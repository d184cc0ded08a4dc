/**
 * The steps buildReport is made of (src/status/): each on its own, with inputs written out. The
 * whole report is tested through buildReport in model.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { analyzeConnections, connectivityProblems } from '../../src/status/connectivity.js';
import { ipamSummary, rangeSize } from '../../src/status/ipam.js';
import type { DaemonSetSummary, NodeSummary, PodSummary } from '../../src/status/objects.js';
import type { NodeProbe } from '../../src/status/probe.js';
import { unreachablePeerReport } from '../../src/status/unreachable-peers.js';

const pod = (name: string, node: string, hostIP?: string): PodSummary => ({
  name,
  node,
  phase: 'Running',
  ready: true,
  containersReady: 2,
  containers: 2,
  restarts: 0,
  npcInSpec: true,
  terminating: false,
  ...(hostIP ? { hostIP } : {}),
});
const nodeSummary = (name: string, internalIP?: string): NodeSummary => ({ name, ready: true, eligible: true, ...(internalIP ? { internalIP } : {}) });
const probe = (failed: string[]): NodeProbe => ({
  ipamRead: true,
  unreachable: [],
  errors: [],
  connections: { established: 3 - failed.length, failed: failed.map((address) => ({ address, state: 'retrying', info: 'connect: no route to host' })), encrypted: 0, unencrypted: 0 },
});

describe('analyzeConnections', () => {
  const names = ['n1', 'n2', 'n3', 'n4'];
  const pods = new Map(names.map((n, i) => [n, pod(`weave-${n}`, n, `10.0.0.${i + 1}`)]));

  it('a peer most nodes cannot reach is down; an address that is no node is stale', () => {
    const probes = new Map([
      ['weave-n1', probe(['10.0.0.4:6783', '10.0.0.9:6783'])],
      ['weave-n2', probe(['10.0.0.4:6783', '10.0.0.9:6783'])],
      ['weave-n3', probe(['10.0.0.4:6783'])],
      ['weave-n4', probe([])],
    ]);
    const nodes = names.map((n, i) => nodeSummary(n, `10.0.0.${i + 1}`));
    const c = analyzeConnections({ nodes, probes }, pods, names);
    // n4's own row does not count against it: 3 of the 3 others fail to reach it
    expect([...c.down]).toEqual([['10.0.0.4', { failing: 3, of: 3 }]]);
    expect([...c.staleTo]).toEqual([['10.0.0.9', 2]]);
    expect(c.hostLabel('10.0.0.4')).toBe('n4 (10.0.0.4)');
    expect(c.ipOf.get('n2')).toBe('10.0.0.2');
    expect(connectivityProblems(c, 'kube-system')).toEqual([
      {
        severity: 'warning',
        message: 'weave on 2 nodes still tries to connect to 10.0.0.9, which is not the address of any node (a deleted node?)',
        hint: 'forget it in each weave-net pod (kubectl exec -n kube-system <pod> -c weave -- /home/weave/weave --local forget 10.0.0.9), or restart the weave-net pods one at a time',
      },
      { severity: 'error', message: 'n4 (10.0.0.4) cannot be reached from 3 of 3 other nodes', hint: expect.stringContaining('TCP 6783') },
    ]);
  });

  it('without the nodes, addresses come from the pods; one failing node is not enough to call a peer down', () => {
    const probes = new Map([['weave-n1', probe(['10.0.0.4:6783'])]]);
    const c = analyzeConnections({ probes }, pods, names);
    expect(c.nodeByIP.get('10.0.0.3')).toBe('n3');
    expect(c.down.size).toBe(0);
    expect(c.stale('10.0.0.4')).toBe(false);
    expect(c.stale('192.168.9.9')).toBe(true);
  });
});

describe('ipamSummary', () => {
  const ds = { ipallocRange: '10.32.0.0/12' } as DaemonSetSummary;

  it('the range most nodes report, its size and the worst state', () => {
    const r = ipamSummary(new Map([['172.25.64.0/18', 3]]), { ready: 2, 'awaiting-consensus': 1 }, undefined);
    expect(r.ipam).toEqual({ range: '172.25.64.0/18', size: 16384, state: 'awaiting-consensus', states: { ready: 2, 'awaiting-consensus': 1 } });
    expect(r.problems).toEqual([]);
  });

  it('nodes that disagree on the range, and a DaemonSet range weave does not use', () => {
    const r = ipamSummary(new Map([['10.32.0.0/12', 1], ['172.25.64.0/18', 3]]), { ready: 4 }, ds);
    expect(r.ipam.range).toBe('172.25.64.0/18');
    expect(r.problems.map((p) => [p.severity, p.message])).toEqual([
      ['error', 'the nodes report different IP ranges: 172.25.64.0/18 on 3 nodes, 10.32.0.0/12 on 1 node'],
      ['warning', 'the DaemonSet sets IPALLOC_RANGE=10.32.0.0/12 but weave uses 172.25.64.0/18'],
    ]);
  });

  it('no answers: no range, no state', () => {
    expect(ipamSummary(new Map(), {}, ds)).toEqual({ ipam: { range: null, size: null, state: null, states: {} }, problems: [] });
    expect(rangeSize('not a cidr')).toBeNull();
  });
});

describe('unreachablePeerReport', () => {
  const owner = { peer: 'aa:bb', nickname: 'gone', ips: 4096, percent: 25 };

  it('counts the nodes that report a peer, leaves out isolated ones, and gives rmpeer only for a node that is gone', () => {
    const r = unreachablePeerReport(
      [
        { node: 'n1', owners: [owner, { ...owner, peer: 'cc:dd', nickname: 'n3' }] },
        { node: 'n2', owners: [owner] },
        { node: 'n4', owners: [owner] },
      ],
      new Set(['n4']),
      new Set(['n1', 'n2', 'n3']),
      'kube-system',
      'weave-net-1',
    );
    expect(r.peers).toEqual([
      { ...owner, reportedBy: 2, nodeExists: false, rmpeer: 'kubectl exec -n kube-system weave-net-1 -c weave -- /home/weave/weave --local rmpeer aa:bb' },
      { ...owner, peer: 'cc:dd', nickname: 'n3', reportedBy: 1, nodeExists: true, rmpeer: 'kubectl exec -n kube-system weave-net-1 -c weave -- /home/weave/weave --local rmpeer cc:dd' },
    ]);
    expect(r.problems[0]!.message).toBe('peer aa:bb(gone) owns 4096 IPs (25% of the range) and is unreachable from 2 nodes (n1, n2); there is no node gone in the cluster');
    expect(r.problems[0]!.hint).toContain('only if node gone is really gone');
    expect(r.problems[1]!.hint).toBe('fix weave on node n3; do not rmpeer a peer whose node is alive');
  });
});
