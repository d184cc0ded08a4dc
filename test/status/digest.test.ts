/**
 * The report digest weavectl asks each weave for (src/status/digest.ts): its template, the parse of
 * what it prints, and the sums that stand for `status ipam` (v2.8.1 prog/weaver/http.go
 * printIPAMRanges). That the simulator's weave, evaluating the template, gives the same report as
 * the two status commands is in test/status/digest-sim.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { DIGEST_TEMPLATE, digestRefused, ipamOwners, ipamStatus, parseDigest } from '../../src/status/digest.js';
import { ipamPercent } from '../../src/weave/ipam-percent.js';
import { StatusParseError } from '../../src/status/parse.js';
import { summarizeProbe } from '../../src/status/probe.js';
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
    expect(DIGEST_TEMPLATE.startsWith('weave {{.Ready}} {{json .Version}}\nrouter ')).toBe(true);
    // weave v1.9.4 … v2.3.0 route /report by gorilla/mux Queries("format", "{format}"): the value must match [^?&]*
    expect(DIGEST_TEMPLATE).toMatch(/^[^?&]*$/);
  });
});

describe('digestRefused (v2.8.1 prog/weaver/http.go: 400 on a parse error, 500 or a 200 cut short on an execution error)', () => {
  it('is a refusal when the script failed or the output ends with the execution error', () => {
    expect(digestRefused({ stdout: '', exitCode: 1 })).toBe(true);
    expect(digestRefused({ stdout: '-> 10.0.0.2:6783 established fastdp a(b) mtu=1376\nerror during template execution\n', exitCode: 0 })).toBe(true);
    expect(digestRefused({ stdout: '-> 10.0.0.2:6783 established fastdp a(b) mtu=1376\n', exitCode: 0 })).toBe(false);
  });
});

describe('parseDigest', () => {
  it('splits the connection lines from the IPAM part and reads the ring entries', () => {
    const text = [
      'weave true "2.8.1"',
      `router "${ME}" "node-1" false 5 4`,
      '=fastdp 02:0|1376',
      '<- 10.0.0.3:40112          established sleeve 02:00:00:00:00:03(node-3) mtu=1376',
      '-> 10.0.0.1:6783           failed      cannot connect to ourself, retry: never ',
      `ipam ${ME} 16384 3 3 0 null "10.32.0.0/18"`,
      entry(ME, 'node-1', 4096),
      entry(GONE, 'node-9', 2048, false, '10.32.16.0'),
      '',
    ].join('\n');
    const d = parseDigest(text);
    expect(d.ready).toBe(true);
    // 4 connections: 3 printed, 1 refused by CONN_LIMIT (counted as failed, as weave's status counts it)
    expect(d.weave).toEqual({
      version: '2.8.1',
      name: ME,
      nickname: 'node-1',
      encryption: false,
      peers: 5,
      connections: { total: 4, byState: { established: 2, failed: 2 } },
      ipam: { status: { state: 'ready', text: 'ready' }, range: '10.32.0.0/18' },
    });
    expect(d.fastdp).toEqual({ count: 1, encrypted: 0, unencrypted: 0, mtus: new Set([1376]) });
    expect(d.connections.split('\n')).toHaveLength(3);
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
    const head = `weave false "2.8.1"\nrouter "${ME}" "n1" true 1 0\n`;
    expect(parseDigest(head)).toEqual({
      ready: false,
      weave: { version: '2.8.1', name: ME, nickname: 'n1', encryption: true, peers: 1, connections: { total: 0, byState: {} } },
      fastdp: { count: 0, encrypted: 0, unencrypted: 0, mtus: new Set() },
      connections: '',
    });
    expect(parseDigest(`${head}ipam ${ME} 1024 0 0 0 {"Elector":true,"KnownNodes":1,"Quorum":2} "10.32.0.0/22"\n`).weave.ipam).toEqual({
      status: { state: 'awaiting-consensus', text: 'awaiting consensus (quorum: 2, known: 1)', quorum: 2, known: 1 },
      range: '10.32.0.0/22',
    });
  });

  it('counts the short fastdp lines: encrypted, unencrypted (with a password), neither (without), and their MTUs', () => {
    const head = `weave true "2.8.1"\nrouter "${ME}" "n1" true 4 4\n`;
    const d = parseDigest(`${head}=encrypted  |1376\n=unencrypted|8912\n=fastdp 02:0|1376\n=fastdp 02:0|<no value>\n`);
    expect(d.fastdp).toEqual({ count: 4, encrypted: 1, unencrypted: 1, mtus: new Set([1376, 8912]) });
    expect(d.weave.connections).toEqual({ total: 4, byState: { established: 4 } });
    expect(() => parseDigest(`${head}=fastdp no bar\n`)).toThrow(/not a fastdp connection/);
  });

  it('refuses text the template cannot have printed', () => {
    const head = `weave true "2.8.1"\nrouter "${ME}" "n1" false 1 0\n`;
    expect(() => parseDigest('')).toThrow(/no output/);
    expect(() => parseDigest('template: format:1: function "json" not defined\n')).toThrow(StatusParseError);
    expect(() => parseDigest('weave true "2.8.1"\nsomething else\n')).toThrow(/not the router line/);
    expect(() => parseDigest(`${head}ipam ${ME} 1 0 1 0 null "x"\n{"Peer": 3}\n`)).toThrow(/not a ring entry/);
    expect(() => parseDigest(`${head}ipam ${ME} 1 0 1 0 null "x"\n{broken\n`)).toThrow(/not a ring entry/);
    expect(() => parseDigest(`${head}ipam ${ME} 1 0 0 0 null "x"\n-> 10.0.0.2:6783 established fastdp x(y) mtu=1\n`)).toThrow(/after the IPAM part/);
    expect(() => parseDigest(`${head}ipam ${ME} 1 0 0 0 null "x"\nipam ${ME} 1 0 0 0 null "x"\n`)).toThrow(/two IPAM parts/);
  });
});

describe('ipamStatus (v2.8.1 and v1.9.4 prog/weaver/http.go statusTemplate, IPAM Status line)', () => {
  it('decides as the template does', () => {
    const none = { entries: 0, known: 0, pending: 0, paxos: null };
    expect(ipamStatus(none, '2.8.1')).toEqual({ state: 'idle', text: 'idle' });
    expect(ipamStatus({ ...none, paxos: { Elector: false } }, '2.8.1')).toEqual({ state: 'priming', text: 'priming' });
    expect(ipamStatus({ ...none, paxos: { Elector: true, KnownNodes: 2, Quorum: 3 } }, '2.8.1').text).toBe('awaiting consensus (quorum: 3, known: 2)');
    expect(ipamStatus({ entries: 4, known: 0, pending: 0, paxos: null }, '2.8.1')).toEqual({ state: 'all-owners-unreachable', text: "all IP ranges owned by unreachable peers - use 'rmpeer' if they are dead" });
    expect(ipamStatus({ entries: 4, known: 1, pending: 2, paxos: null }, '2.8.1')).toEqual({ state: 'waiting-for-ips', text: 'waiting for IP(s) to become available' });
    expect(ipamStatus({ entries: 4, known: 1, pending: 2, paxos: null }, '1.9.4')).toEqual({ state: 'waiting-for-ips', text: 'waiting for IP range grant from peers' });
    expect(ipamStatus({ entries: 4, known: 4, pending: 0, paxos: { Elector: true } }, '2.8.1')).toEqual({ state: 'ready', text: 'ready' });
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

describe('summarizeProbe on the digest', () => {
  it('a router that is not ready yet is an error on its node, with what it did say kept', () => {
    const text = `weave false "2.8.1"\nrouter "${ME}" "node-1" false 1 0\nipam ${ME} 1024 0 0 0 null "10.32.0.0/22"\n`;
    const p = summarizeProbe({ digest: { stdout: text, stderr: '', exitCode: 0 }, bridge: { stdout: '', stderr: '', exitCode: 0 } });
    expect(p.errors).toEqual(['weave is not ready: `weave --local status` would exit 1 (its /status answers 503)']);
    expect(p.weave?.ipam?.status.state).toBe('idle');
    expect(p.bridge).toBeNull();
  });

  it('an answer that is not the template\'s output is an error naming the command', () => {
    const p = summarizeProbe({ digest: { stdout: 'hello\n', stderr: '', exitCode: 0 } });
    expect(p.errors).toEqual(["weave --local report -f <template>: not the output of weavectl's report template: hello"]);
    expect(p.weave).toBeUndefined();
    expect(p.connections).toBeUndefined();
  });
});
