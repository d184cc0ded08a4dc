import { describe, expect, it } from 'vitest';
import {
  goPercent,
  ipAddrShowWeave,
  ipamSplit,
  ipsetList,
  ipsetName,
  iptablesSave,
  peerName,
  selectorString,
  shortName,
  weaveExec,
  weaveState,
  weaveStatus,
  weaveStatusConnections,
  weaveStatusIpam,
  weaveStatusPeers,
  type WeaveView,
} from './src/weave-node.js';

const NOW = new Date('2024-05-01T10:00:00Z');

function fourNodes(overrides: Partial<WeaveView> = {}): WeaveView {
  return {
    version: '2.8.1',
    ipallocRange: '172.25.64.0/18',
    nodes: [1, 2, 3, 4].map((i) => ({ name: `node-${i}`, internalIP: `10.200.33.1${i}`, ready: true })),
    now: NOW,
    namespaces: [{ name: 'default' }, { name: 'kube-system' }],
    pods: [],
    ...overrides,
  };
}

describe('ipset names (weave-npc shortName)', () => {
  // Names captured from `iptables-save` / `iptables -L` of real Weave Net clusters.
  it.each([
    ['ingress-default-allow:default', ';rGqyMIl1HN^cfDki~Z$3]6!N'],
    ['ingress-default-allow:kube-system', 'P.B|!ZhkAr5q=XZ?3}tMBA+0'],
    ['ingress-default-allow:kube-public', 'Rzff}h:=]JaaJl/G;(XJpGjZ['],
    ['egress-default-allow:default', 's_+ChJId4Uy_$}G;WdH|~TK)I'],
    ['egress-default-allow:kube-system', 'E1ney4o[ojNrLk.6rOHi;7MPE'],
    ['argocd:app.kubernetes.io/name=argocd-server', '#S8fBcMHw*#tP3[$:PaLUu5M0'],
    ['argocd:app.kubernetes.io/name=argocd-redis-ha', '_bEAv)[(ZDm401N*WL:q^E/zl'],
    [':', '!KbcPP7#:Z;q|kV;:5)S@i1Yb'],
  ])('%s -> weave-%s', (key, name) => {
    expect(shortName(key)).toBe(name);
    expect(ipsetName(key)).toBe(`weave-${name}`);
  });

  it('fits the 31-character ipset name limit', () => {
    for (const key of ['a', 'ingress-default-allow:some-very-long-namespace-name', ':x=y']) expect(ipsetName(key).length).toBeLessThanOrEqual(31);
  });
});

describe('selectorString (labels.Selector.String())', () => {
  it('sorts requirements by key and formats each operator', () => {
    expect(selectorString(undefined)).toBe('');
    expect(selectorString({})).toBe('');
    expect(
      selectorString({
        matchLabels: { tier: 'db', app: 'pg' },
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['prod', 'dev'] },
          { key: 'zone', operator: 'NotIn', values: ['b', 'a'] },
          { key: 'canary', operator: 'DoesNotExist' },
          { key: 'b', operator: 'Exists' },
        ],
      }),
    ).toBe('app=pg,b,!canary,env in (dev,prod),tier=db,zone notin (a,b)');
  });

  it('refuses an unknown operator', () => {
    expect(() => selectorString({ matchExpressions: [{ key: 'a', operator: 'Like', values: ['x'] }] })).toThrow(/not a valid label selector operator/);
  });
});

describe('ipamSplit', () => {
  it('gives each newcomer half of the previous newcomer’s share (4 nodes on a /18)', () => {
    const s = ipamSplit('172.25.64.0/18', ['a', 'b', 'c', 'd']);
    expect(s.map((x) => [x.node, x.cidr, x.size, x.bridge])).toEqual([
      ['a', '172.25.64.0/19', 8192, '172.25.64.1'],
      ['b', '172.25.96.0/20', 4096, '172.25.96.0'],
      ['c', '172.25.112.0/21', 2048, '172.25.112.0'],
      ['d', '172.25.120.0/21', 2048, '172.25.120.0'],
    ]);
    expect(s.reduce((n, x) => n + x.size, 0)).toBe(16384);
  });

  it('gives one node the whole default range, and canonicalises the range', () => {
    expect(ipamSplit('10.32.0.0/12', ['only'])).toEqual([{ node: 'only', cidr: '10.32.0.0/12', start: 0x0a200000, size: 1 << 20, bridge: '10.32.0.1' }]);
    expect(ipamSplit('10.32.1.2/12', ['x'])[0]!.cidr).toBe('10.32.0.0/12');
  });

  it('leaves latecomers without a share when the range cannot be split further', () => {
    const s = ipamSplit('10.0.0.0/31', ['a', 'b', 'c']);
    expect(s.map((x) => x.size)).toEqual([1, 1, 0]);
    expect(s[2]!.cidr).toBeUndefined();
    // a /31 split in two: the first half is the network address, which is never handed out
    expect(s[0]!.bridge).toBeUndefined();
  });
});

describe('goPercent (%04.1f of a float32 share)', () => {
  it.each([
    [8192, 16384, '50.0'],
    [2048, 16384, '12.5'],
    [1024, 16384, '06.2'], // 6.25: exactly half-way, ties to even as Go does
    [3072, 16384, '18.8'], // 18.75: ties to even -> 18.8
    [16384, 16384, '100.0'],
    [1, 3, '33.3'],
    [0, 16384, '00.0'],
  ])('%d of %d -> %s', (ips, total, text) => {
    expect(goPercent(ips, total)).toBe(text);
  });
});

describe('weave --local status', () => {
  it('prints the router and IPAM blocks in weave’s layout', () => {
    const nick = (n: string) => `${peerName(n)}(${n})`;
    expect(weaveStatus(fourNodes(), 'node-2')).toBe(
      [
        '        Version: 2.8.1 (failed to check latest version - see logs; next check at 2024/05/01 11:00:00)',
        '',
        '        Service: router',
        '       Protocol: weave 1..2',
        `           Name: ${nick('node-2')}`,
        '     Encryption: disabled',
        '  PeerDiscovery: enabled',
        '        Targets: 4',
        '    Connections: 4 (3 established, 1 failed)',
        '          Peers: 4 (with 12 established connections)',
        ' TrustedSubnets: none',
        '',
        '        Service: ipam',
        '         Status: ready',
        '          Range: 172.25.64.0/18',
        '  DefaultSubnet: 172.25.64.0/18',
        '',
      ].join('\n'),
    );
  });

  it('reports an unreachable peer, encryption and a disabled version check', () => {
    const text = weaveStatus(fourNodes({ unreachable: new Set(['node-4']), encryption: true, checkpointDisabled: true }), 'node-1');
    expect(text).toContain('        Version: 2.8.1 (version check update disabled)\n');
    expect(text).toContain('     Encryption: enabled\n');
    expect(text).toContain('    Connections: 4 (2 established, 1 retrying, 1 failed)\n');
    expect(text).toContain('          Peers: 3 (with 6 established connections)\n');
  });

  it('treats a NotReady node as unreachable', () => {
    const v = fourNodes();
    v.nodes[2]!.ready = false;
    expect(weaveStatus(v, 'node-1')).toContain('Peers: 3 (with 6 established connections)');
    // seen from the cut-off node itself, it is alone
    expect(weaveStatus(v, 'node-3')).toContain('          Peers: 1\n');
  });

  it('says when IPAM awaits consensus, with the quorum', () => {
    const v = fourNodes({ awaitingConsensus: true, unreachable: new Set(['node-3', 'node-4']) });
    expect(weaveStatus(v, 'node-1')).toContain('         Status: awaiting consensus (quorum: 3, known: 2)\n');
    expect(weaveStatusIpam(v, 'node-1')).toBe('');
    expect(ipAddrShowWeave(v, 'node-1', { oneline: true, inet4Only: true })).toBe('');
  });

  it('says when every range is owned by unreachable peers', () => {
    const v: WeaveView = { ...fourNodes(), ipallocRange: '10.0.0.0/31', nodes: fourNodes().nodes.slice(0, 3), unreachable: new Set(['node-1', 'node-2']) };
    // node-3 owns nothing (no room left) and sees nobody else
    expect(weaveStatus(v, 'node-3')).toContain("Status: all IP ranges owned by unreachable peers - use 'rmpeer' if they are dead");
  });

  it('refuses a node that is not a peer', () => {
    expect(() => weaveStatus(fourNodes(), 'nope')).toThrow(/not a weave peer/);
  });
});

describe('weave --local status ipam / peers / connections', () => {
  it('lists the local peer first with its active count, then the others, unreachable ones marked', () => {
    const v = fourNodes({
      unreachable: new Set(['node-4']),
      pods: [
        { namespace: 'default', name: 'web', nodeName: 'node-2', podIP: '172.25.96.1' },
        { namespace: 'kube-system', name: 'weave-net-x', nodeName: 'node-2', podIP: '10.200.33.12', hostNetwork: true },
        { namespace: 'default', name: 'pending', nodeName: 'node-2' },
      ],
    });
    const p = (n: string) => `${peerName(n)}(${n})`.padEnd(37);
    expect(weaveStatusIpam(v, 'node-2')).toBe(
      `${p('node-2')}     4096 IPs (25.0% of total) (2 active)\n` +
        `${p('node-1')}     8192 IPs (50.0% of total) \n` +
        `${p('node-3')}     2048 IPs (12.5% of total) \n` +
        `${p('node-4')}     2048 IPs (12.5% of total) - unreachable!\n`,
    );
  });

  it('shows each connection once from each end, the newer peer dialling the older', () => {
    const v = fourNodes({ nodes: fourNodes().nodes.slice(0, 2) });
    const text = weaveStatusPeers(v, 'node-1');
    const lines = text.split('\n');
    expect(lines[0]).toBe(`${peerName('node-1')}(node-1)`);
    expect(lines[1]).toMatch(new RegExp(`^   <- 10\\.200\\.33\\.12:\\d{5} +${peerName('node-2').replace(/[()]/g, '\\$&')}\\(node-2\\) +established$`));
    expect(lines[2]).toBe(`${peerName('node-2')}(node-2)`);
    expect(lines[3]).toBe(`   -> 10.200.33.11:6783     ${`${peerName('node-1')}(node-1)`.padEnd(37)} established`);
  });

  it('shows the failed connection to itself and an unreachable target', () => {
    const v = fourNodes({ unreachable: new Set(['node-3']), nodes: fourNodes().nodes.slice(0, 3) });
    const lines = weaveStatusConnections(v, 'node-2').split('\n');
    expect(lines[0]).toBe(`-> 10.200.33.11:6783     established fastdp ${peerName('node-1')}(node-1) mtu=1376`);
    expect(lines[1]).toBe('-> 10.200.33.12:6783     failed      cannot connect to ourself, retry: never ');
    expect(lines[2]).toBe('-> 10.200.33.13:6783     retrying    dial tcp4 :0->10.200.33.13:6783: connect: no route to host ');
  });

  it('uses sleeve and the configured MTU', () => {
    const v = fourNodes({ noFastdp: true, mtu: 1410, nodes: fourNodes().nodes.slice(0, 2) });
    expect(weaveStatusConnections(v, 'node-1')).toMatch(/established sleeve \S+\(node-2\) mtu=1410\n/);
  });
});

describe('ip addr show dev weave', () => {
  it('prints the bridge address with the range’s prefix and broadcast', () => {
    const v = fourNodes();
    expect(ipAddrShowWeave(v, 'node-2', { oneline: true, inet4Only: true })).toBe(
      '5: weave    inet 172.25.96.0/18 brd 172.25.127.255 scope global weave\\       valid_lft forever preferred_lft forever\n',
    );
    expect(ipAddrShowWeave(v, 'node-4', { oneline: true, inet4Only: true })).toContain('inet 172.25.120.0/18 brd 172.25.127.255');
    expect(ipAddrShowWeave(v, 'node-1', { oneline: true, inet4Only: true })).toContain('inet 172.25.64.1/18 ');
    const full = ipAddrShowWeave(v, 'node-2', { oneline: false, inet4Only: false });
    expect(full).toMatch(/^5: weave: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1376 /);
    expect(full).toContain(`    link/ether ${peerName('node-2')} brd ff:ff:ff:ff:ff:ff\n`);
    expect(full).toMatch(/inet6 fe80::[0-9a-f:]+\/64 scope link/);
  });
});

describe('weave-npc: iptables-save and ipset list', () => {
  const policyView = (): WeaveView =>
    fourNodes({
      namespaces: [{ name: 'default' }, { name: 'kube-system' }, { name: 'db', labels: { team: 'data' } }],
      pods: [
        { namespace: 'db', name: 'pg-0', labels: { app: 'pg' }, nodeName: 'node-1', podIP: '172.25.64.2' },
        { namespace: 'db', name: 'loader', labels: { app: 'loader' }, nodeName: 'node-2', podIP: '172.25.96.3' },
        { namespace: 'default', name: 'web', labels: { app: 'web' }, nodeName: 'node-2', podIP: '172.25.96.1' },
        { namespace: 'kube-system', name: 'weave-net-a', nodeName: 'node-1', podIP: '10.200.33.11', hostNetwork: true },
      ],
      networkPolicies: [
        {
          metadata: { namespace: 'db', name: 'pg' },
          spec: {
            podSelector: { matchLabels: { app: 'pg' } },
            policyTypes: ['Ingress', 'Egress'],
            ingress: [
              {
                from: [{ namespaceSelector: { matchLabels: { team: 'data' } } }, { podSelector: { matchLabels: { app: 'loader' } } }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }],
                ports: [{ port: 5432 }, { protocol: 'UDP', port: 53 }],
              },
            ],
            egress: [{ to: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'web' } } }] }],
          },
        },
        // named ports are refused by weave-npc: no rules, no sets
        { metadata: { namespace: 'db', name: 'named' }, spec: { podSelector: { matchLabels: { app: 'x' } }, ingress: [{ ports: [{ port: 'http' }] }] } },
      ],
    });

  it('builds the static chains and one default-allow rule per namespace, sorted', () => {
    const text = iptablesSave(policyView(), 'node-1');
    expect(text.startsWith('# Generated by iptables-save v1.8.4 on Wed May  1 10:00:00 2024\n*nat\n')).toBe(true);
    expect(text).toContain(`-A FORWARD -o weave -m comment --comment "NOTE: this must go before \\'-j KUBE-FORWARD\\'" -j WEAVE-NPC\n`);
    expect(text).toContain('-A WEAVE -s 172.25.64.0/18 ! -d 172.25.64.0/18 -j MASQUERADE\n');
    const defaults = text.split('\n').filter((l) => l.startsWith('-A WEAVE-NPC-DEFAULT '));
    expect(defaults).toEqual([
      `-A WEAVE-NPC-DEFAULT -m set --match-set ${ipsetName('ingress-default-allow:db')} dst -m comment --comment "DefaultAllow ingress isolation for namespace: db" -j ACCEPT`,
      '-A WEAVE-NPC-DEFAULT -m set --match-set weave-;rGqyMIl1HN^cfDki~Z$3]6!N dst -m comment --comment "DefaultAllow ingress isolation for namespace: default" -j ACCEPT',
      '-A WEAVE-NPC-DEFAULT -m set --match-set weave-P.B|!ZhkAr5q=XZ?3}tMBA+0 dst -m comment --comment "DefaultAllow ingress isolation for namespace: kube-system" -j ACCEPT',
    ]);
    // chains are declared and listed in iptables-save's order: built-ins, then user chains sorted
    const declared = text.split('\n').filter((l) => /^:WEAVE-NPC/.test(l));
    expect(declared).toEqual([...declared].sort());
  });

  it('turns each rule peer and port into an ACCEPT with weave-npc’s comment', () => {
    const rules = iptablesSave(policyView(), 'node-1')
      .split('\n')
      .filter((l) => l.startsWith('-A WEAVE-NPC-INGRESS '));
    const dst = ipsetName('db:app=pg');
    expect(rules).toEqual([
      `-A WEAVE-NPC-INGRESS -p tcp -m set --match-set ${ipsetName(':team=data')} src -m set --match-set ${dst} dst -m tcp --dport 5432 -m comment --comment "namespaces: selector: team=data -> pods: namespace: db, selector: app=pg (ingress)" -j ACCEPT`,
      `-A WEAVE-NPC-INGRESS -p udp -m set --match-set ${ipsetName(':team=data')} src -m set --match-set ${dst} dst -m udp --dport 53 -m comment --comment "namespaces: selector: team=data -> pods: namespace: db, selector: app=pg (ingress)" -j ACCEPT`,
      `-A WEAVE-NPC-INGRESS -p tcp -m set --match-set ${ipsetName('db:app=loader')} src -m set --match-set ${dst} dst -m tcp --dport 5432 -m comment --comment "pods: namespace: db, selector: app=loader -> pods: namespace: db, selector: app=pg (ingress)" -j ACCEPT`,
      `-A WEAVE-NPC-INGRESS -p udp -m set --match-set ${ipsetName('db:app=loader')} src -m set --match-set ${dst} dst -m udp --dport 53 -m comment --comment "pods: namespace: db, selector: app=loader -> pods: namespace: db, selector: app=pg (ingress)" -j ACCEPT`,
      `-A WEAVE-NPC-INGRESS -s 10.0.0.0/8 -p tcp -m set ! --match-set ${ipsetName('db:ipblock-except:10.1.0.0/16')} src -m set --match-set ${dst} dst -m tcp --dport 5432 -m comment --comment "cidr: 10.0.0.0/8 except [10.1.0.0/16] -> pods: namespace: db, selector: app=pg (ingress)" -j ACCEPT`,
      `-A WEAVE-NPC-INGRESS -s 10.0.0.0/8 -p udp -m set ! --match-set ${ipsetName('db:ipblock-except:10.1.0.0/16')} src -m set --match-set ${dst} dst -m udp --dport 53 -m comment --comment "cidr: 10.0.0.0/8 except [10.1.0.0/16] -> pods: namespace: db, selector: app=pg (ingress)" -j ACCEPT`,
    ]);
    const egress = iptablesSave(policyView(), 'node-1')
      .split('\n')
      .filter((l) => l.startsWith('-A WEAVE-NPC-EGRESS-CUSTOM '));
    const c = '-m comment --comment "pods: namespace: db, selector: app=pg -> namespaces: selector: app=web (egress)"';
    expect(egress).toEqual([
      `-A WEAVE-NPC-EGRESS-CUSTOM -m set --match-set ${dst} src -m set --match-set ${ipsetName(':app=web')} dst ${c} -j WEAVE-NPC-EGRESS-ACCEPT`,
      `-A WEAVE-NPC-EGRESS-CUSTOM -m set --match-set ${dst} src -m set --match-set ${ipsetName(':app=web')} dst ${c} -j RETURN`,
    ]);
  });

  it('fills the sets: default-allow without the targeted pods, selectors with their pods, namespace lists', () => {
    const v = policyView();
    const list = ipsetList(v, 'node-1')!;
    const set = (key: string) => {
      const block = list.split('\n\n').find((b) => b.startsWith(`Name: ${ipsetName(key)}\n`));
      if (block === undefined) throw new Error(`no ipset ${ipsetName(key)} for ${key} in:\n${list}`);
      return block;
    };
    expect(set('ingress-default-allow:db')).toContain('Number of entries: 1\nMembers:\n172.25.96.3 comment "namespace: db, pod: loader"');
    expect(set('egress-default-allow:db')).toContain('Number of entries: 1\n');
    expect(set('db:app=pg')).toMatch(/Type: hash:ip\n[\s\S]*Members:\n172\.25\.64\.2 comment "namespace: db, pod: pg-0"\n?$/);
    expect(set(':team=data')).toMatch(/Type: list:set\n[\s\S]*Members:\nweave-\S+ comment "namespace: db"/);
    expect(set(':app=web')).toContain('172.25.96.1 comment "namespace: default, pod: web"');
    expect(set('db:ipblock-except:10.1.0.0/16')).toContain('Type: hash:net\n');
    expect(set('db:ipblock-except:10.1.0.0/16')).toContain('10.1.0.0/16 comment "excepted from 10.0.0.0/8"');
    // hostNetwork pods are in no set
    expect(list).not.toContain('10.200.33.11');
    // the policy with a named port made nothing
    expect(list).not.toContain(`Name: ${ipsetName('db:app=x')}\n`);
    expect(ipsetList(v, 'node-1', ipsetName('db:app=pg'))).toMatch(/^Name: weave-/);
    expect(ipsetList(v, 'node-1', 'weave-nope')).toBeUndefined();
  });

  it('defaults policyTypes like the API server', () => {
    const v = policyView();
    (v.networkPolicies![0] as { spec: { policyTypes?: string[] } }).spec.policyTypes = undefined;
    // egress rules present -> Ingress and Egress: pg-0 leaves the egress default-allow set
    const list = ipsetList(v, 'node-1')!;
    const egress = list.split('\n\n').find((b) => b.startsWith(`Name: ${ipsetName('egress-default-allow:db')}\n`))!;
    expect(egress).not.toContain('pg-0');
    expect(egress).toContain('loader');
  });

  const locked = { name: 'locked', annotations: { 'net.beta.kubernetes.io/network-policy': '{"ingress":{"isolation":"DefaultDeny"}}' } };
  const bypass = (set: string, ns: string) => `-A WEAVE-NPC-DEFAULT -m set --match-set ${ipsetName(set)} dst -m comment --comment "DefaultAllow isolation for namespace: ${ns}" -j ACCEPT`;

  it('v2.0.5 prog/weave-npc/main.go + npc/namespace.go: legacy only, the plain format; every pod of a namespace without the DefaultDeny annotation is accepted', () => {
    const v = { ...policyView(), version: '2.0.5', k8sMinor: 7 };
    v.namespaces = [...v.namespaces!, locked];
    const text = iptablesSave(v, 'node-1');
    expect(text).not.toContain('WEAVE-NPC-EGRESS');
    expect(text).not.toContain('(ingress)');
    expect(text).toContain(bypass('default:', 'default'));
    expect(text).not.toContain('namespace: locked"');
    expect(text).toContain('-> pods: namespace: db, selector: app=pg" -j ACCEPT');
    // forced back to the current format
    expect(iptablesSave({ ...v, npcFormat: 'current' }, 'node-1')).toContain('(ingress)');
  });

  it('v2.1.3 prog/weave-npc/main.go: without --use-legacy-netpol the v1 semantics (default-allow:<ns>, the annotation ignored); with it, the legacy ones', () => {
    const v = { ...policyView(), version: '2.1.3', k8sMinor: 7 };
    v.namespaces = [...v.namespaces!, locked];
    const text = iptablesSave(v, 'node-1');
    expect(text).toContain(bypass('default-allow:default', 'default'));
    expect(text).toContain(bypass('default-allow:locked', 'locked'));
    expect(text).not.toContain('WEAVE-NPC-EGRESS');
    const legacy = iptablesSave({ ...v, npcArgs: ['--use-legacy-netpol'] }, 'node-1');
    expect(legacy).toContain(bypass('default:', 'default'));
    expect(legacy).not.toContain('namespace: locked"');
  });

  it('CHANGELOG.md "Release 2.4.0" (egress policies) and v2.4.0 npc/namespace.go: egress chains and "(ingress)" comments from 2.4.0', () => {
    const text = iptablesSave({ ...policyView(), version: '2.4.1' }, 'node-1');
    expect(text).toContain('WEAVE-NPC-EGRESS');
    expect(text).toContain('DefaultAllow ingress isolation for namespace: default');
  });

  it('a weave-npc whose NetworkPolicy API the cluster does not serve enforces no policy (2.7.0 on Kubernetes 1.6: v2.4.0+ main.go watches networking.k8s.io/v1)', () => {
    const text = iptablesSave({ ...policyView(), version: '2.7.0', k8sMinor: 6 }, 'node-1');
    expect(text).not.toContain('selector: app=pg');
    expect(iptablesSave({ ...policyView(), version: '2.7.0', k8sMinor: 7 }, 'node-1')).toContain('selector: app=pg');
    // 2.0.5 watches extensions/v1beta1, which 1.6 serves
    expect(iptablesSave({ ...policyView(), version: '2.0.5', k8sMinor: 6 }, 'node-1')).toContain('selector: app=pg');
  });

  it('v2.4.0+ main.go has no --use-legacy-netpol and ends with handleError(rootCmd.Execute()): weave-npc does not run, exec into it fails', () => {
    const v = { ...policyView(), version: '2.8.1', npcArgs: ['--use-legacy-netpol'] };
    const r = weaveExec(v, 'node-1', 'weave-npc', ['iptables-save'])!;
    expect(r.exitCode).not.toBe(0);
    expect(weaveExec({ ...v, npcArgs: [] }, 'node-1', 'weave-npc', ['iptables-save'])!.exitCode).toBe(0);
  });
});

describe('weaveExec', () => {
  const v = fourNodes();

  it('runs the weave script only with --local, in the weave container', () => {
    expect(weaveExec(v, 'node-1', 'weave', ['/home/weave/weave', '--local', 'status', 'ipam'])!.stdout).toContain('(node-1)');
    expect(weaveExec(v, 'node-1', 'weave', ['./weave', '--local', 'status'])!.exitCode).toBe(0);
    const noLocal = weaveExec(v, 'node-1', 'weave', ['/home/weave/weave', 'status'])!;
    expect(noLocal.exitCode).toBe(127);
    expect(noLocal.stderr).toContain('--local');
    const bad = weaveExec(v, 'node-1', 'weave', ['/home/weave/weave', '--local', 'status', 'bogus'])!;
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/^Usage:/);
    expect(weaveExec(v, 'node-1', 'weave-npc', ['/home/weave/weave', '--local', 'status'])).toBeUndefined();
  });

  it('answers iptables-save and ipset in both containers, ip only in weave', () => {
    expect(weaveExec(v, 'node-1', 'weave-npc', ['iptables-save'])!.stdout).toContain('*filter\n');
    expect(weaveExec(v, 'node-1', 'weave', ['/sbin/iptables-save'])!.stdout).toContain('COMMIT\n');
    expect(weaveExec(v, 'node-1', 'weave-npc', ['ipset', 'list'])!.exitCode).toBe(0);
    const missing = weaveExec(v, 'node-1', 'weave-npc', ['ipset', 'list', 'weave-nope'])!;
    expect(missing).toEqual({ stdout: '', stderr: 'ipset v7.1: The set with the given name does not exist\n', exitCode: 1 });
    expect(weaveExec(v, 'node-1', 'weave', ['ip', '-4', '-o', 'addr', 'show', 'dev', 'weave'])!.stdout).toContain('inet 172.25.64.1/18');
    expect(weaveExec(v, 'node-1', 'weave', ['ip', 'addr', 'show', 'dev', 'eth9'])!.stderr).toBe('Device "eth9" does not exist.\n');
    expect(weaveExec(v, 'node-1', 'weave', ['ls'])).toBeUndefined();
    expect(weaveExec(v, 'node-9', 'weave', ['iptables-save'])).toBeUndefined();
  });
});

describe('weaveState', () => {
  it('keeps fault flags per simulator object', () => {
    const a = {};
    const b = {};
    weaveState(a).unreachable.add('node-2');
    expect(weaveState(a).unreachable.has('node-2')).toBe(true);
    expect(weaveState(b).unreachable.size).toBe(0);
    expect(weaveState(b).awaitingConsensus).toBe(false);
  });
});
