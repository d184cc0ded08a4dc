/**
 * The report digest weavectl asks each weave for (src/status/digest.ts): its template, the parse of
 * what it prints, and the sums that stand for `status ipam` (v2.8.1 prog/weaver/http.go
 * printIPAMRanges). That the simulator's weave, evaluating the template, gives the same report as
 * the two status commands is in test/status/digest-sim.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { DIGEST_TEMPLATE, ipamOwners, ipamPercent, parseDigest } from '../../src/status/digest.js';
import { StatusParseError } from '../../src/status/parse.js';
import { goPercent } from '../sim/src/weave-node.js';

const ME = '02:00:00:00:00:01';
const OTHER = '02:00:00:00:00:02';
const GONE = '02:00:00:00:00:09';
const entry = (peer: string, nick: string, size: number, known = true, token = '10.32.0.0') =>
  JSON.stringify({ Token: token, Size: size, Peer: peer, Nickname: nick, IsKnownPeer: known, Version: 3 });

describe('DIGEST_TEMPLATE', () => {
  it("is v2.8.1 http.go's connectionsTemplate line under a CONN_LIMIT filter, then the IPAM part", () => {
    expect(DIGEST_TEMPLATE).toContain(
      '{{if .Outbound}}->{{else}}<-{{end}} {{printf "%-21v" .Address}} {{printf "%-11v" .State}} {{.Info}} {{range $key,$element := .Attrs}}{{if ne $key "name"}}{{$key}}={{$element}}{{end}}{{end}}\n',
    );
    expect(DIGEST_TEMPLATE).toContain('{{if ne (printf "%.24s" .Info) "Connection limit reached"}}');
    expect('Connection limit reached'.length).toBe(24);
    expect(DIGEST_TEMPLATE).toContain('{{if or (eq .Peer $me) (not .IsKnownPeer)}}{{json .}}\n{{end}}');
  });
});

describe('parseDigest', () => {
  it('splits the connection lines from the IPAM part and reads the ring entries', () => {
    const text = [
      '-> 10.0.0.2:6783           established fastdp 02:00:00:00:00:02(node-2) mtu=1376',
      '<- 10.0.0.3:40112          established fastdp 02:00:00:00:00:03(node-3) mtu=1376',
      '-> 10.0.0.1:6783           failed      cannot connect to ourself, retry: never ',
      `ipam ${ME} 16384 3`,
      entry(ME, 'node-1', 4096),
      entry(GONE, 'node-9', 2048, false, '10.32.16.0'),
      '',
    ].join('\n');
    const d = parseDigest(text);
    expect(d.connections.split('\n')).toHaveLength(4);
    expect(d.connections.endsWith('never \n')).toBe(true);
    expect(d.ipam).toEqual({
      peer: ME,
      total: 16384,
      active: 3,
      entries: [
        { peer: ME, nickname: 'node-1', size: 4096, known: true },
        { peer: GONE, nickname: 'node-9', size: 2048, known: false },
      ],
    });
  });

  it('weave without IPAM prints no IPAM part; no connections is an empty text', () => {
    expect(parseDigest('')).toEqual({ connections: '' });
    expect(parseDigest(`ipam ${ME} 1024 0\n`)).toEqual({ connections: '', ipam: { peer: ME, total: 1024, active: 0, entries: [] } });
  });

  it('refuses text the template cannot have printed', () => {
    expect(() => parseDigest('template: format:1: function "json" not defined\n')).toThrow(StatusParseError);
    expect(() => parseDigest(`ipam ${ME} 1 0\n{"Peer": 3}\n`)).toThrow(/not a ring entry/);
    expect(() => parseDigest(`ipam ${ME} 1 0\n{broken\n`)).toThrow(/not a ring entry/);
    expect(() => parseDigest(`ipam ${ME} 1 0\n-> 10.0.0.2:6783 established fastdp x(y) mtu=1\n`)).toThrow(/after the IPAM part/);
    expect(() => parseDigest(`ipam ${ME} 1 0\nipam ${ME} 1 0\n`)).toThrow(/two IPAM parts/);
  });
});

describe('ipamOwners (as printIPAMRanges sums the ring)', () => {
  it('sums the entries per peer, the local peer first with its active count, the others with reachability', () => {
    const owners = ipamOwners({
      peer: ME,
      total: 16384,
      active: 7,
      entries: [
        { peer: GONE, nickname: 'node-9', size: 1024, known: false },
        { peer: ME, nickname: 'node-1', size: 4096, known: true },
        { peer: GONE, nickname: 'node-9', size: 1024, known: false },
        { peer: ME, nickname: 'node-1', size: 2048, known: true },
      ],
    });
    expect(owners).toEqual([
      { peer: ME, nickname: 'node-1', ips: 6144, percent: 37.5, active: 7, reachable: true, local: true },
      { peer: GONE, nickname: 'node-9', ips: 2048, percent: 12.5, reachable: false, local: false },
    ]);
  });

  it('a local peer that owns nothing is not listed (printIPAMRanges prints it only with a share)', () => {
    expect(ipamOwners({ peer: ME, total: 1024, active: 0, entries: [{ peer: OTHER, nickname: 'n2', size: 1024, known: false }] }).map((o) => o.local)).toEqual([false]);
  });
});

describe('ipamPercent', () => {
  it("rounds as Go's %04.1f of float32(ips)*100/float32(total): the same digits as the simulator's text imitation", () => {
    const totals = [1 << 20, 1 << 14, 1 << 12, 3 * 1024, 1000];
    for (const total of totals) {
      for (const ips of [0, 1, 2, 3, 7, 10, 33, 64, 100, 255, 333, 512, 999, total >> 3, total / 3, total - 1, total].map(Math.floor)) {
        expect(ipamPercent(ips, total), `${ips}/${total}`).toBe(Number(goPercent(ips, total)));
      }
    }
    expect(ipamPercent(1, 0)).toBe(0);
  });
});
