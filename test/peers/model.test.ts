/**
 * The peer list and the rmpeer rule (src/peers/model.ts), from `weave --local status ipam` lines
 * (weave v2.8.1 prog/weaver/http.go printIPAMRanges) and the /report IPAM entries (ipam/status.go).
 */
import { describe, expect, it } from 'vitest';
import { rangeToCidrs } from '../../src/net/range.js';
import { buildPeers, parseRingReport, parseRmpeerOutput, planReclaim, type NodeAnswer, type RingReport } from '../../src/peers/model.js';
import { parseStatusIpam } from '../../src/status/parse.js';

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';
const C = '02:00:00:00:00:0c';
const D = '02:00:00:00:00:0d';

/** A line as printIPAMRanges prints it: "%-37v %8d IPs (%04.1f%% of total) %s". */
function line(peer: string, nick: string, ips: number, pct: string, info: string): string {
  return `${`${peer}(${nick})`.padEnd(37)} ${String(ips).padStart(8)} IPs (${pct}% of total) ${info}`;
}

function answer(node: string, lines: string[]): NodeAnswer {
  return { node, pod: `weave-net-${node}`, owners: parseStatusIpam(lines.join('\n') + '\n') };
}

const RING: RingReport = {
  name: A,
  range: '10.32.0.0/12',
  rangeNumIPs: 1 << 20,
  entries: [
    { token: '10.32.0.0', size: 1 << 19, peer: A, nickname: 'n1', isKnownPeer: true },
    { token: '10.40.0.0', size: 1 << 18, peer: B, nickname: 'n2', isKnownPeer: true },
    { token: '10.44.0.0', size: 1 << 17, peer: C, nickname: 'n3', isKnownPeer: false },
    { token: '10.46.0.0', size: 1 << 17, peer: D, nickname: 'n4', isKnownPeer: false },
  ],
};

/** n1 and n2 run; n3 is deleted and unreachable; n4 still exists but its weave pod is gone and n2 still reaches it. */
function cluster(extra: Partial<Parameters<typeof buildPeers>[0]> = {}) {
  return buildPeers({
    namespace: 'kube-system',
    answers: [
      answer('n1', [line(A, 'n1', 524288, '50.0', '(3 active)'), line(B, 'n2', 262144, '25.0', ''), line(C, 'n3', 131072, '12.5', '- unreachable!'), line(D, 'n4', 131072, '12.5', '- unreachable!')]),
      answer('n2', [line(B, 'n2', 262144, '25.0', '(1 active)'), line(A, 'n1', 524288, '50.0', ''), line(C, 'n3', 131072, '12.5', '- unreachable!'), line(D, 'n4', 131072, '12.5', '')]),
    ],
    nodeNames: new Set(['n1', 'n2', 'n4']),
    ring: { node: 'n1', report: RING },
    ...extra,
  });
}

describe('buildPeers', () => {
  it('gives each owner its node, whether the node exists, who reaches it and its CIDRs', () => {
    const r = cluster();
    expect(r.range).toBe('10.32.0.0/12');
    expect(r.nodes).toEqual({ asked: 2, answered: 2, errors: [] });
    expect(r.peers.map((p) => [p.node, p.nodeExists, p.running, p.reachableFrom, p.unreachableFrom, p.ips, p.percent, p.ranges, p.gone])).toEqual([
      ['n1', true, true, ['n2'], [], 524288, 50, ['10.32.0.0/13'], false],
      ['n2', true, true, ['n1'], [], 262144, 25, ['10.40.0.0/14'], false],
      ['n3', false, false, [], ['n1', 'n2'], 131072, 12.5, ['10.44.0.0/15'], true],
      ['n4', true, false, ['n2'], ['n1'], 131072, 12.5, ['10.46.0.0/15'], false],
    ]);
  });

  it('records the nodes that did not answer; without the ring the ranges are unknown', () => {
    const r = cluster({ answers: [answer('n1', [line(A, 'n1', 524288, '50.0', '(3 active)'), line(C, 'n3', 131072, '12.5', '- unreachable!')]), { node: 'n2', pod: 'weave-net-x', error: 'timed out' }], ring: undefined });
    expect(r.nodes).toEqual({ asked: 2, answered: 1, errors: [{ node: 'n2', pod: 'weave-net-x', error: 'timed out' }] });
    expect(r.peers.find((p) => p.node === 'n3')).toMatchObject({ ranges: null, percent: null, ips: 131072 });
  });
});

describe('planReclaim (only a peer whose node is gone and that no node reaches)', () => {
  it('--gone picks the gone peers only', () => {
    const plan = planReclaim(cluster(), { gone: true });
    expect(plan.reclaim.map((p) => p.node)).toEqual(['n3']);
    expect(plan.refused).toEqual([]);
  });

  it('refuses a running peer, a peer whose node exists, a reachable peer and an unknown name', () => {
    const report = cluster();
    const plan = planReclaim(report, { names: ['n1', 'n4', 'nobody'] });
    expect(plan.reclaim).toEqual([]);
    expect(plan.refused.map((r) => r.reason)).toEqual([
      `peer ${A}(n1) is the weave of node n1, which is running`,
      `peer ${D}(n4): node n4 still exists in the API`,
      'no peer nobody owns addresses in the IPAM ring',
    ]);
    // A gone node that some node still reaches is alive somewhere.
    const reached = buildPeers({
      namespace: 'kube-system',
      answers: [answer('n1', [line(A, 'n1', 1, '50.0', '(1 active)'), line(C, 'n3', 1, '50.0', '')])],
      nodeNames: new Set(['n1']),
    });
    expect(planReclaim(reached, { names: [C] }).refused[0]!.reason).toBe(`peer ${C}(n3) is still reachable from 1 node (n1)`);
  });

  it('names a peer by peer name or nickname, once', () => {
    const plan = planReclaim(cluster(), { names: [C, 'n3'] });
    expect(plan.reclaim.map((p) => p.peer)).toEqual([C]);
  });

  it('refuses when a weave-net pod did not answer: it might reach the peer', () => {
    const report = cluster({ answers: [answer('n1', [line(A, 'n1', 524288, '50.0', '(3 active)'), line(C, 'n3', 131072, '12.5', '- unreachable!')]), { node: 'n2', pod: 'p2', error: 'timed out' }] });
    const plan = planReclaim(report, { names: ['n3'] });
    expect(plan.reclaim).toEqual([]);
    expect(plan.refused[0]!.reason).toBe(`cannot tell that peer ${C}(n3) is unreachable from every node: 1 of 2 weave-net pods did not answer (n2): they might still reach it`);
    expect(planReclaim(report, { gone: true }).reclaim).toEqual([]);
  });

  it('refuses a nickname two peers share', () => {
    const twice = buildPeers({
      namespace: 'kube-system',
      answers: [answer('n1', [line(A, 'n1', 4, '50.0', '(1 active)'), line(C, 'old', 2, '25.0', '- unreachable!'), line(D, 'old', 2, '25.0', '- unreachable!')])],
      nodeNames: new Set(['n1']),
    });
    expect(planReclaim(twice, { names: ['old'] }).refused[0]!.reason).toBe(`2 peers are called old: ${C}, ${D}`);
    expect(planReclaim(twice, { names: [D] }).reclaim.map((p) => p.peer)).toEqual([D]);
  });
});

describe('weave report and rmpeer output', () => {
  it('reads the IPAM entries of /report (json.MarshalIndent of WeaveStatus)', () => {
    const text = JSON.stringify(
      { Ready: true, Version: '2.8.1', Router: { Name: A }, IPAM: { Range: '10.32.0.0/12', RangeNumIPs: 1048576, Entries: [{ Token: '10.32.0.0', Size: 1048576, Peer: A, Nickname: 'n1', IsKnownPeer: true, Version: 3 }] } },
      null,
      4,
    );
    expect(parseRingReport(text)).toEqual({ name: A, range: '10.32.0.0/12', rangeNumIPs: 1048576, entries: [{ token: '10.32.0.0', size: 1048576, peer: A, nickname: 'n1', isKnownPeer: true }] });
    expect(parseRingReport(JSON.stringify({ Version: '2.8.1', IPAM: null })).entries).toEqual([]);
    expect(() => parseRingReport('weave: command not found')).toThrow(/not the output of "weave report"/);
  });

  it('reads "%d IPs taken over from %s" (prog/weaver/discovery.go)', () => {
    expect([...parseRmpeerOutput(`4096 IPs taken over from ${C}\n0 IPs taken over from n9\n`)]).toEqual([
      [C, 4096],
      ['n9', 0],
    ]);
  });

  it('turns a run of addresses into the fewest CIDRs', () => {
    expect(rangeToCidrs('172.25.96.0', 4096)).toEqual(['172.25.96.0/20']);
    expect(rangeToCidrs('10.32.0.1', 3)).toEqual(['10.32.0.1/32', '10.32.0.2/31']);
    expect(rangeToCidrs('10.0.0.0', 0)).toEqual([]);
    expect(rangeToCidrs('0.0.0.0', 2 ** 32)).toEqual(['0.0.0.0/0']);
    expect(rangeToCidrs('10.32.0.0', 3 * 256)).toEqual(['10.32.0.0/23', '10.32.2.0/24']);
    expect(() => rangeToCidrs('255.255.255.255', 2)).toThrow(RangeError);
  });
});
