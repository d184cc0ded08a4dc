/**
 * The parsers against text laid out exactly as weave prints it: the fixtures are built with the
 * same printf widths as weaveworks/weave prog/weaver/http.go (`%-37v %8d IPs (%04.1f%% of total) %s`,
 * `%-21v`, `%-11v`) and mesh's Info (`%-6v %v`, `%-11v %v` with a password), plus literal samples
 * from the Weave docs and 1.x releases.
 */
import { describe, expect, it } from 'vitest';
import {
  parseBridgeAddresses,
  parseConnectionLine,
  summarizeConnections,
  parseIpamState,
  parseStatusConnections,
  parseStatusIpam,
  parseWeaveStatus,
  splitNameNick,
  StatusParseError,
  versionFromImage,
} from '../../src/status/parse.js';

const pad = (s: string, n: number) => s.padEnd(n);
const ipamLine = (nameNick: string, ips: number, pct: string, info: string) => `${pad(nameNick, 37)} ${String(ips).padStart(8)} IPs (${pct}% of total) ${info}\n`;
const connLine = (dir: '->' | '<-', addr: string, state: string, info: string, attrs = '') => `${dir} ${pad(addr, 21)} ${pad(state, 11)} ${info} ${attrs}\n`;

const STATUS_281 = `        Version: 2.8.1 (up to date; next check at 2024/03/01 11:22:33)

        Service: router
       Protocol: weave 1..2
           Name: 5a:2d:0f:1e:7c:11(k8s-vm1)
     Encryption: disabled
  PeerDiscovery: enabled
        Targets: 4
    Connections: 4 (2 established, 1 retrying, 1 failed)
          Peers: 3 (with 6 established connections)
 TrustedSubnets: none

        Service: ipam
         Status: ready
          Range: 172.25.64.0/18
  DefaultSubnet: 172.25.64.0/18
`;

describe('parseWeaveStatus', () => {
  it('reads a 2.8 status', () => {
    const s = parseWeaveStatus(STATUS_281);
    expect(s).toEqual({
      version: '2.8.1',
      versionCheck: 'up to date; next check at 2024/03/01 11:22:33',
      name: '5a:2d:0f:1e:7c:11',
      nickname: 'k8s-vm1',
      encryption: false,
      peerDiscovery: true,
      targets: 4,
      connections: { total: 4, byState: { established: 2, retrying: 1, failed: 1 } },
      peers: 3,
      peerConnections: { established: 6, pending: 0 },
      trustedSubnets: [],
      ipam: { status: { state: 'ready', text: 'ready' }, range: '172.25.64.0/18', defaultSubnet: '172.25.64.0/18' },
    });
  });

  it('reads awaiting consensus with its quorum, and encryption, and a failed version check', () => {
    const text = STATUS_281.replace('Status: ready', 'Status: awaiting consensus (quorum: 2, known: 1)')
      .replace('Encryption: disabled', 'Encryption: enabled')
      .replace('(up to date; next check at 2024/03/01 11:22:33)', '(failed to check latest version - see logs; next check at 2024/03/01 12:00:00)')
      .replace('TrustedSubnets: none', 'TrustedSubnets: 10.0.0.0/8, 192.168.0.0/16');
    const s = parseWeaveStatus(text);
    expect(s.ipam?.status).toEqual({ state: 'awaiting-consensus', text: 'awaiting consensus (quorum: 2, known: 1)', quorum: 2, known: 1 });
    expect(s.encryption).toBe(true);
    expect(s.versionCheck).toMatch(/^failed to check/);
    expect(s.trustedSubnets).toEqual(['10.0.0.0/8', '192.168.0.0/16']);
  });

  it('reads the other IPAM states', () => {
    expect(parseIpamState('idle').state).toBe('idle');
    expect(parseIpamState('priming').state).toBe('priming');
    expect(parseIpamState("all IP ranges owned by unreachable peers - use 'rmpeer' if they are dead").state).toBe('all-owners-unreachable');
    expect(parseIpamState('waiting for IP(s) to become available').state).toBe('waiting-for-ips');
    expect(parseIpamState('waiting for IP range grant from peers').state).toBe('waiting-for-ips');
    expect(parseIpamState('something new in 3.0')).toEqual({ state: 'unknown', text: 'something new in 3.0' });
  });

  it('reads a 1.x status: NickName line, Consensus instead of Status, a start-end range, no Version', () => {
    const text = `       Service: router
          Name: 7a:a1:9c:3e:42:01
      NickName: host1
    Encryption: disabled
 PeerDiscovery: enabled
         Peers: 2
   DirectPeers: 1

       Service: ipam
     Consensus: waiting (quorum: 2, known: 1)
         Range: 10.32.0.0-10.47.255.255
 DefaultSubnet: 10.32.0.0/12

       Service: dns
        Domain: weave.local.
       Entries: 0
`;
    const s = parseWeaveStatus(text);
    expect(s.version).toBeUndefined();
    expect(s.name).toBe('7a:a1:9c:3e:42:01');
    expect(s.nickname).toBe('host1');
    expect(s.peers).toBe(2);
    expect(s.ipam).toEqual({
      status: { state: 'awaiting-consensus', text: 'waiting (quorum: 2, known: 1)', quorum: 2, known: 1 },
      range: '10.32.0.0-10.47.255.255',
      defaultSubnet: '10.32.0.0/12',
    });
    expect(parseWeaveStatus(text.replace('waiting (quorum: 2, known: 1)', 'achieved')).ipam?.status.state).toBe('ready');
    expect(parseWeaveStatus(text.replace('waiting (quorum: 2, known: 1)', 'deferred')).ipam?.status.state).toBe('idle');
  });

  it('reads 1.6 (Version without a check) and CRLF line ends', () => {
    const s = parseWeaveStatus(STATUS_281.replace(' (up to date; next check at 2024/03/01 11:22:33)', '').replace(/\n/g, '\r\n'));
    expect(s.version).toBe('2.8.1');
    expect(s.versionCheck).toBeUndefined();
    expect(s.ipam?.range).toBe('172.25.64.0/18');
  });

  it('refuses what is not weave status output', () => {
    expect(() => parseWeaveStatus('')).toThrow(StatusParseError);
    expect(() => parseWeaveStatus('curl: (7) Failed to connect to 127.0.0.1 port 6784: Connection refused\n')).toThrow(/not the output of "weave status": "curl: \(7\)/);
  });
});

describe('parseStatusIpam', () => {
  const text =
    ipamLine('5a:2d:0f:1e:7c:11(k8s-vm1)', 8192, '50.0', '(3 active)') +
    ipamLine('b2:77:14:9a:c0:02(k8s-vm2)', 4096, '25.0', '') +
    ipamLine('c6:01:ee:31:5d:03(k8s-vm3)', 2048, '12.5', '- unreachable!') +
    ipamLine('d0:0d:aa:bb:cc:04(k8s-vm4)', 2048, '12.5', '');

  it('reads one owner per line, the local peer first', () => {
    expect(parseStatusIpam(text)).toEqual([
      { peer: '5a:2d:0f:1e:7c:11', nickname: 'k8s-vm1', ips: 8192, percent: 50, active: 3, reachable: true, local: true },
      { peer: 'b2:77:14:9a:c0:02', nickname: 'k8s-vm2', ips: 4096, percent: 25, reachable: true, local: false },
      { peer: 'c6:01:ee:31:5d:03', nickname: 'k8s-vm3', ips: 2048, percent: 12.5, reachable: false, local: false },
      { peer: 'd0:0d:aa:bb:cc:04', nickname: 'k8s-vm4', ips: 2048, percent: 12.5, reachable: true, local: false },
    ]);
  });

  it('reads the sample of the Weave docs, small shares and 1.x lines without "active"', () => {
    const docs = '00:00:00:00:00:01(one)      349526 IPs (33.3% of total) (2 active)\n00:00:00:00:00:03(three)    349525 IPs (33.3% of total) - unreachable!\n';
    const owners = parseStatusIpam(docs);
    expect(owners.map((o) => [o.nickname, o.ips, o.percent, o.active, o.reachable])).toEqual([
      ['one', 349526, 33.3, 2, true],
      ['three', 349525, 33.3, undefined, false],
    ]);
    expect(parseStatusIpam(ipamLine('aa:bb:cc:dd:ee:ff(big-host-name-with-a-long.domain.example)', 1, '00.0', ''))[0]).toMatchObject({
      nickname: 'big-host-name-with-a-long.domain.example',
      ips: 1,
      percent: 0,
    });
  });

  it('streams to a callback instead of collecting', () => {
    const seen: string[] = [];
    expect(parseStatusIpam(text, (o) => seen.push(o.nickname))).toEqual([]);
    expect(seen).toEqual(['k8s-vm1', 'k8s-vm2', 'k8s-vm3', 'k8s-vm4']);
  });

  it('is empty before consensus and refuses other text', () => {
    expect(parseStatusIpam('')).toEqual([]);
    expect(() => parseStatusIpam('weave container is not present. Have you launched it?\n')).toThrow(StatusParseError);
  });
});

describe('parseStatusConnections', () => {
  it('reads established, inbound, self, retrying and failed connections (2.x)', () => {
    const text =
      connLine('->', '10.0.0.2:6783', 'established', 'fastdp b2:77:14:9a:c0:02(k8s-vm2)', 'mtu=1376') +
      connLine('<-', '10.0.0.3:44718', 'established', 'sleeve c6:01:ee:31:5d:03(k8s-vm3)', 'mtu=1438') +
      connLine('->', '10.0.0.1:6783', 'failed', 'cannot connect to ourself, retry: never') +
      connLine('->', '10.0.0.4:6783', 'retrying', 'dial tcp4 :0->10.0.0.4:6783: connect: no route to host') +
      connLine('->', '10.0.0.5:6783', 'failed', 'Inconsistent entries for 10.32.0.0: owned by 7a:.. but incoming message says 5e:.., retry: 2024-03-01 11:30:00.1 +0000 UTC m=+601.2');
    const conns = parseStatusConnections(text);
    expect(conns).toHaveLength(5);
    expect(conns[0]).toEqual({
      outbound: true,
      address: '10.0.0.2:6783',
      state: 'established',
      info: 'fastdp b2:77:14:9a:c0:02(k8s-vm2)',
      overlay: 'fastdp',
      peer: 'b2:77:14:9a:c0:02',
      nickname: 'k8s-vm2',
      mtu: 1376,
      self: false,
    });
    expect(conns[1]).toMatchObject({ outbound: false, address: '10.0.0.3:44718', overlay: 'sleeve', nickname: 'k8s-vm3', mtu: 1438 });
    expect(conns[2]).toMatchObject({ state: 'failed', self: true, info: 'cannot connect to ourself, retry: never' });
    expect(conns[3]).toMatchObject({ state: 'retrying', self: false, info: 'dial tcp4 :0->10.0.0.4:6783: connect: no route to host' });
    expect(conns[3]!.mtu).toBeUndefined();
    expect(conns[4]).toMatchObject({ state: 'failed', self: false });
    expect(conns[4]!.info).toMatch(/^Inconsistent entries .* m=\+601\.2$/);
  });

  it('reads encrypted and unencrypted connections (WEAVE_PASSWORD set)', () => {
    const enc = parseConnectionLine(connLine('->', '10.0.0.2:6783', 'established', `${pad('encrypted', 11)} ${pad('fastdp', 6)} b2:77:14:9a:c0:02(k8s-vm2)`, 'mtu=1376'));
    expect(enc).toMatchObject({ encrypted: true, overlay: 'fastdp', peer: 'b2:77:14:9a:c0:02', nickname: 'k8s-vm2', mtu: 1376 });
    const plain = parseConnectionLine(connLine('<-', '10.0.0.9:51000', 'established', `${pad('unencrypted', 11)} ${pad('sleeve', 6)} aa:bb:cc:dd:ee:01(trusted)`, 'mtu=1438'));
    expect(plain).toMatchObject({ encrypted: false, overlay: 'sleeve', nickname: 'trusted' });
    const pending = parseConnectionLine(connLine('->', '10.0.0.7:6783', 'pending', `${pad('encrypted', 11)} ${pad('fastdp', 6)} aa:bb:cc:dd:ee:07(k8s-vm7)`));
    expect(pending).toMatchObject({ state: 'pending', encrypted: true, nickname: 'k8s-vm7' });
  });

  it('reads the MTU of an encrypted connection, whose attributes print as "encrypted=truemtu=1376" (v2.8.1 prog/weaver/http.go connectionsTemplate ranges over the Attrs map in key order with no separator; mesh status.go sets attrs["encrypted"])', () => {
    const enc = parseConnectionLine(connLine('->', '10.0.0.2:6783', 'established', `${pad('encrypted', 11)} ${pad('sleeve', 6)} b2:77:14:9a:c0:02(k8s-vm2)`, 'encrypted=truemtu=1300'));
    expect(enc).toMatchObject({ encrypted: true, overlay: 'sleeve', nickname: 'k8s-vm2', mtu: 1300 });
  });

  it('summarizeConnections counts the established fastdp lines and parses the others whole, as parseStatusConnections does', () => {
    const text = [
      connLine('->', '10.0.0.2:6783', 'established', `${pad('fastdp', 6)} b2:77:14:9a:c0:02(k8s-vm2)`, 'mtu=1376'),
      connLine('<-', '10.0.0.3:44718', 'established', `${pad('encrypted', 11)} ${pad('fastdp', 6)} c6:01:ee:31:5d:03(k8s-vm3)`, 'encrypted=truemtu=8916'),
      connLine('<-', '10.0.0.5:44719', 'established', `${pad('unencrypted', 11)} ${pad('fastdp', 6)} c6:01:ee:31:5d:05(trusted)`, 'mtu=1376'),
      connLine('->', '10.0.0.4:6783', 'established', `${pad('sleeve', 6)} d2:00:00:00:00:04(k8s-vm4)`, 'mtu=1300'),
      connLine('->', '10.0.0.1:6783', 'failed', 'cannot connect to ourself, retry: never'),
      connLine('->', '10.0.0.6:6783', 'retrying', 'dial tcp4 :0->10.0.0.6:6783: connect: no route to host'),
    ].join('');
    const sum = summarizeConnections(text);
    expect({ ...sum, fastdpMtus: [...sum.fastdpMtus].sort() }).toMatchObject({ fastdp: 3, fastdpEncrypted: 1, fastdpUnencrypted: 1, fastdpMtus: [1376, 8916] });
    const all = parseStatusConnections(text);
    expect(sum.others).toEqual(all.filter((c) => !(c.state === 'established' && c.overlay === 'fastdp')));
    expect(sum.others.map((c) => c.state)).toEqual(['established', 'failed', 'retrying']);
    expect(() => summarizeConnections('Usage:\n\nweave --help | help\n')).toThrow(/not the output of "weave status connections"/);
  });

  it('summarizeConnections counts the targets refused by CONN_LIMIT ("Connection limit reached (N)", v2.8.1 mesh local_peer.go checkConnectionLimit, status.go) without keeping them', () => {
    const text = [
      connLine('->', '10.0.0.2:6783', 'established', `${pad('fastdp', 6)} b2:77:14:9a:c0:02(k8s-vm2)`, 'mtu=1376'),
      connLine('->', '10.0.0.1:6783', 'failed', 'cannot connect to ourself, retry: never'),
      connLine('->', '10.0.0.3:6783', 'failed', 'Connection limit reached (1), retry: 2026-12-03 16:00:30.000000000 +0000 UTC'),
      connLine('->', '10.0.0.4:6783', 'failed', 'Connection limit reached (1), retry: 2026-12-03 16:00:31.000000000 +0000 UTC'),
      connLine('->', '10.0.0.5:6783', 'failed', 'read tcp4 10.0.0.1:40000->10.0.0.5:6783: i/o timeout, retry: 2026-12-03 16:00:30.000000000 +0000 UTC'),
    ].join('');
    const sum = summarizeConnections(text);
    expect(sum.limited).toBe(2);
    expect(sum.fastdp).toBe(1);
    expect(sum.others.map((c) => c.address)).toEqual(['10.0.0.1:6783', '10.0.0.5:6783']);
    expect(summarizeConnections(connLine('->', '10.0.0.3:6783', 'failed', 'Connection limit reached (1), retry: never')).limited).toBe(1);
  });

  it('reads 1.x lines: direct/discovered, retrying(err), failed(err), unestablished', () => {
    const text = `-> 192.168.48.12:6783    b2:77:14:9a:c0:02(host2)         direct     established
<- 192.168.48.13:37522   c6:01:ee:31:5d:03(host3)         discovered unestablished
-> 192.168.48.14:6783                                     direct     retrying(dial tcp4 192.168.48.14:6783: connection refused)
-> 192.168.48.15:6783                                     discovered failed(no route to host), retry: 2016-05-01 10:00:00
-> 192.168.48.16:6783                                     direct     connecting
`;
    const c = parseStatusConnections(text);
    expect(c.map((x) => [x.state, x.peer ?? null, x.nickname ?? null])).toEqual([
      ['established', 'b2:77:14:9a:c0:02', 'host2'],
      ['unestablished', 'c6:01:ee:31:5d:03', 'host3'],
      ['retrying', null, null],
      ['failed', null, null],
      ['connecting', null, null],
    ]);
    expect(c[2]!.info).toBe('dial tcp4 192.168.48.14:6783: connection refused');
    expect(c[3]!.info).toBe('no route to host, retry: 2016-05-01 10:00:00');
  });

  it('is empty when there are no connections and refuses other text', () => {
    expect(parseStatusConnections('\n')).toEqual([]);
    expect(parseConnectionLine('Peers: 3')).toBeUndefined();
    expect(() => parseStatusConnections('Usage:\n\nweave --help | help\n')).toThrow(/not the output of "weave status connections"/);
  });
});

describe('parseBridgeAddresses', () => {
  it('reads ip -4 -o addr, the multi-line form, and no address', () => {
    expect(parseBridgeAddresses('5: weave    inet 172.25.96.0/18 brd 172.25.127.255 scope global weave\\       valid_lft forever preferred_lft forever\n')).toEqual(['172.25.96.0/18']);
    const multi = `5: weave: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1376 qdisc noqueue state UP group default qlen 1000
    link/ether 5a:2d:0f:1e:7c:11 brd ff:ff:ff:ff:ff:ff
    inet 10.32.0.1/12 brd 10.47.255.255 scope global weave
       valid_lft forever preferred_lft forever
    inet6 fe80::582d:fff:fe1e:7c11/64 scope link
       valid_lft forever preferred_lft forever
`;
    expect(parseBridgeAddresses(multi)).toEqual(['10.32.0.1/12']);
    expect(parseBridgeAddresses('')).toEqual([]);
  });
});

describe('helpers', () => {
  it('splits name(nickname), keeping parentheses inside the nickname', () => {
    expect(splitNameNick('5a:2d:0f:1e:7c:11(k8s-vm1)')).toEqual({ name: '5a:2d:0f:1e:7c:11', nickname: 'k8s-vm1' });
    expect(splitNameNick('aa:bb(host (old))')).toEqual({ name: 'aa:bb', nickname: 'host (old)' });
    expect(splitNameNick('aa:bb')).toEqual({ name: 'aa:bb' });
  });

  it('reads the version from an image tag', () => {
    expect(versionFromImage('weaveworks/weave-kube:2.8.1')).toBe('2.8.1');
    expect(versionFromImage('registry.corp:5000/mirror/rajchaudhuri/weave-kube:v2.9.0@sha256:abc')).toBe('2.9.0');
    expect(versionFromImage('weaveworks/weave-kube:latest')).toBeUndefined();
    expect(versionFromImage('registry.corp:5000/weave-kube')).toBeUndefined();
    expect(versionFromImage(undefined)).toBeUndefined();
  });
});
