import { describe, expect, it } from 'vitest';
import { clusterView } from './views.js';
import { areLinked, defaultConnLimitOf, linkedPeers } from './src/conn-limit.js';
import { weaveStatus, weaveStatusConnections, weaveStatusPeers, type WeaveView } from './src/weave-node.js';


describe('CONN_LIMIT defaults (prog/weave-kube/launch.sh CONN_LIMIT=${CONN_LIMIT:-N})', () => {
  it.each([
    ['1.9.8', 30], // v1.9.8:prog/weave-kube/launch.sh :-30
    ['2.2.1', 30], // v2.2.1 :-30
    ['2.3.0', 100], // v2.3.0 :-100
    ['2.5.2', 100], // v2.5.2 :-100
    ['2.6.0', 200], // v2.6.0 :-200
    ['2.8.1', 200], // v2.8.1 :-200
    ['2.9.0', 200], // rajch/weave v2.9.0 :-200
  ])('%s -> %i', (v, n) => expect(defaultConnLimitOf(v)).toBe(n));
});

describe('the capped topology (mesh local_peer.go checkConnectionLimit on both ends)', () => {
  it.each([
    [5, 2],
    [6, 3],
    [7, 3],
    [10, 4],
    [12, 5],
    [5, 4],
    [5, 10],
    [40, 7],
  ])('%i peers, limit %i: symmetric, never above the limit, min(peers-1, limit) each unless both are odd, and connected', (n, limit) => {
    const want = limit >= n - 1 ? n - 1 : n % 2 === 1 && limit % 2 === 1 ? limit - 1 : limit;
    for (let i = 0; i < n; i++) {
      const linked = linkedPeers(n, i, limit);
      expect(linked.length).toBe(want);
      expect(linked).not.toContain(i);
      for (let j = 0; j < n; j++) expect(areLinked(n, i, j, limit)).toBe(linked.includes(j));
      for (const j of linked) expect(linkedPeers(n, j, limit)).toContain(i);
    }
    // every peer reaches every other over the mesh (weave routes through peers it is not connected to)
    const seen = new Set([0]);
    const todo = [0];
    while (todo.length) for (const j of linkedPeers(n, todo.pop()!, limit)) if (!seen.has(j)) (seen.add(j), todo.push(j));
    expect(seen.size).toBe(n);
  });

  it('0 means unlimited (weaver --conn-limit "0 for unlimited", v2.8.1 prog/weaver/main.go)', () => {
    expect(linkedPeers(6, 2, 0)).toEqual([0, 1, 3, 4, 5]);
  });
});

describe('weave --local status under CONN_LIMIT=2 on 5 peers', () => {
  const view = clusterView(5, { connLimit: 2 });

  it('status connections: 2 established, the other targets failed with "Connection limit reached (2)" (mesh status.go)', () => {
    const lines = weaveStatusConnections(view, 'node-1').trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines.filter((l) => / established /.test(l)).map((l) => /\(node-\d\)/.exec(l)![0])).toEqual(['(node-2)', '(node-5)']);
    const limited = lines.filter((l) => l.includes('Connection limit reached (2), retry: '));
    expect(limited.map((l) => l.split(/\s+/)[1])).toEqual(['10.200.33.12:6783', '10.200.33.13:6783']);
    expect(lines.filter((l) => l.includes('cannot connect to ourself'))).toHaveLength(1);
  });

  it('status: 5 connections (2 established, 3 failed); peers with 10 established connections', () => {
    const s = weaveStatus(view, 'node-3');
    expect(s).toContain('    Connections: 5 (2 established, 3 failed)');
    expect(s).toContain('          Peers: 5 (with 10 established connections)');
  });

  it('status peers lists only the linked connections of every peer', () => {
    const out = weaveStatusPeers(view, 'node-1');
    expect(out.split('\n').filter((l) => l.endsWith('established'))).toHaveLength(10);
  });

  it('a partition between two linked peers makes their connection failed; an mtu fault makes it sleeve', () => {
    const cut = clusterView(5, { connLimit: 2, partitioned: (a, b) => [a, b].sort().join() === 'node-1,node-2' });
    const lines = weaveStatusConnections(cut, 'node-1').split('\n');
    // node-2 (10.200.33.11) is linked to node-1: its connection is failed by the partition
    expect(lines.find((l) => l.startsWith('-> 10.200.33.11:6783'))).toMatch(/ failed +read tcp4 .*i\/o timeout, retry: /);
    expect(weaveStatus(cut, 'node-1')).toContain('    Connections: 5 (1 established, 4 failed)');
    const mtu = clusterView(5, { connLimit: 2, pathMtu: (a, b) => ([a, b].sort().join() === 'node-1,node-5' ? 1300 : undefined) });
    const five = weaveStatusConnections(mtu, 'node-1').split('\n').find((l) => l.includes('(node-5)'))!;
    expect(five).toMatch(/established +sleeve .* mtu=1238$/);
  });
});
