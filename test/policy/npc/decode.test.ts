import { describe, expect, it } from 'vitest';
import { decodeNpcRules, renderNpcRules } from '../../../src/policy/npc/index.js';
import type { NetworkPolicy } from '../../../src/policy/types.js';
import { CURRENT_IPSETS, CURRENT_IPTABLES, LEGACY_IPSETS, LEGACY_IPTABLES } from './fixtures.js';
import { ml, np, seedPolicy } from '../fixtures.js';

describe('decodeNpcRules: Weave Net 2.0, pre-1.7 semantics (the seed)', () => {
  const report = decodeNpcRules({ iptablesSave: LEGACY_IPTABLES, ipsetList: LEGACY_IPSETS });

  it('finds the three chains, no egress, the old comment format, no warnings', () => {
    expect(report.chains.map((c) => c.name)).toEqual(['WEAVE-NPC', 'WEAVE-NPC-DEFAULT', 'WEAVE-NPC-INGRESS']);
    expect(report.egress).toBe(false);
    expect(report.commentFormat).toBe('plain');
    expect(report.warnings).toEqual([]);
  });

  it('explains the seed rule and its set with pod names', () => {
    const rule = report.chains.find((c) => c.name === 'WEAVE-NPC-INGRESS')!.rules[0]!;
    expect(rule.summary).toBe('allow ingress from pods run=iperf-prod-1 in prod to pods run=iperf-prod-1 in prod on any port');
    expect(rule.sets).toEqual([
      {
        name: 'weave-KD98A9:Wl|emmgZ=GX^J2yD;M',
        direction: 'src',
        negated: false,
        meaning: { kind: 'pods', namespace: 'prod', selector: 'run=iperf-prod-1' },
        description: 'pods run=iperf-prod-1 in prod',
        source: 'comment',
        verified: true,
        members: ['prod/iperf-prod-1-7d9f (172.25.96.3)', 'prod/iperf-prod-1-x2kq (172.25.120.5)'],
      },
      expect.objectContaining({ name: 'weave-KD98A9:Wl|emmgZ=GX^J2yD;M', direction: 'dst' }),
    ]);
  });

  it('reads the DefaultAllow rules as "namespace not isolated" (their sets are all the pods of the namespace)', () => {
    const def = report.chains.find((c) => c.name === 'WEAVE-NPC-DEFAULT')!.rules;
    expect(def.map((r) => r.summary)).toEqual([
      'accept new traffic to every pod in default: the namespace is not isolated (legacy semantics)',
      'accept new traffic to every pod in kube-system: the namespace is not isolated (legacy semantics)',
      'accept new traffic to every pod in kube-public: the namespace is not isolated (legacy semantics)',
    ]);
    expect(def[1]!.sets[0]).toMatchObject({ description: 'all pods in kube-system', verified: true, members: ['kube-system/kube-dns-2425271678-kq4lx (172.25.96.4)', 'kube-system/weave-scope-agent-6k8zl (172.25.64.3)'] });
  });

  it('renders like `iptables -L`, the seed line unchanged, with annotations', () => {
    const text = renderNpcRules(report);
    expect(text).toContain(
      [
        'Chain WEAVE-NPC-INGRESS (1 rule)',
        'target     prot opt source               destination',
        'ACCEPT     all  --  anywhere             anywhere             match-set weave-KD98A9:Wl|emmgZ=GX^J2yD;M src match-set weave-KD98A9:Wl|emmgZ=GX^J2yD;M dst /* pods: namespace: prod, selector: run=iperf-prod-1 -> pods: namespace: prod, selector: run=iperf-prod-1 */',
        '           # allow ingress from pods run=iperf-prod-1 in prod to pods run=iperf-prod-1 in prod on any port',
        '           # weave-KD98A9:Wl|emmgZ=GX^J2yD;M (src, dst): pods run=iperf-prod-1 in prod = prod/iperf-prod-1-7d9f (172.25.96.3), prod/iperf-prod-1-x2kq (172.25.120.5)',
      ].join('\n'),
    );
    expect(text).toContain('ACCEPT     all  --  anywhere             anywhere             ! match-set weave-local-pods dst\n           # accept traffic to pods on other nodes (they enforce their own policy)');
    expect(text).toContain('# no egress chains: this weave-npc predates egress policies (2.4)');
    expect(text).toContain('# how traffic reaches weave-npc\n-A FORWARD -o weave -j WEAVE-NPC\n           # traffic into the weave bridge (to pods): ingress policy\n');
  });

  it('without comments, recomputes the set names from the namespaces and policies', () => {
    const stripped = LEGACY_IPTABLES.replace(/ -m comment --comment "[^"]*"/g, '');
    const bare = decodeNpcRules({ iptablesSave: stripped, ipsetList: LEGACY_IPSETS });
    const rule = bare.chains.find((c) => c.name === 'WEAVE-NPC-INGRESS')!.rules[0]!;
    expect(rule.sets[0]!.description).toBeUndefined();
    expect(renderNpcRules(bare)).toContain('unknown (no rule comment, and no policy or namespace given to recompute the name)');
    const known = decodeNpcRules({ iptablesSave: stripped, ipsetList: LEGACY_IPSETS, policies: [seedPolicy], namespaces: ['default', 'kube-system', 'kube-public', 'prod'] });
    const r2 = known.chains.find((c) => c.name === 'WEAVE-NPC-INGRESS')!.rules[0]!;
    expect(r2.sets[0]).toMatchObject({ description: 'pods run=iperf-prod-1 in prod', source: 'objects', verified: true });
    expect(r2.summary).toBe('accept from pods run=iperf-prod-1 in prod to pods run=iperf-prod-1 in prod');
  });

  it('names members from a pod list when the sets carry no comments', () => {
    const noComments = LEGACY_IPSETS.replace(/ comment "[^"]*"/g, '');
    const r = decodeNpcRules({
      iptablesSave: LEGACY_IPTABLES,
      ipsetList: noComments,
      pods: [{ namespace: 'prod', name: 'iperf-prod-1-7d9f', ip: '172.25.96.3' }],
    });
    const set = r.chains.find((c) => c.name === 'WEAVE-NPC-INGRESS')!.rules[0]!.sets[0]!;
    expect(set.members).toEqual(['prod/iperf-prod-1-7d9f (172.25.96.3)', '172.25.120.5']);
  });
});

describe('decodeNpcRules: Weave Net 2.8 (directional comments, egress)', () => {
  const report = decodeNpcRules({ iptablesSave: CURRENT_IPTABLES, ipsetList: CURRENT_IPSETS });
  const chain = (name: string) => report.chains.find((c) => c.name === name)!;

  it('finds every chain, the egress ones included, and raises nothing', () => {
    expect(report.chains.map((c) => c.name)).toEqual([
      'WEAVE-NPC',
      'WEAVE-NPC-DEFAULT',
      'WEAVE-NPC-INGRESS',
      'WEAVE-NPC-EGRESS',
      'WEAVE-NPC-EGRESS-DEFAULT',
      'WEAVE-NPC-EGRESS-CUSTOM',
      'WEAVE-NPC-EGRESS-ACCEPT',
    ]);
    expect(report.missingChains).toEqual([]);
    expect(report.egress).toBe(true);
    expect(report.commentFormat).toBe('directional');
    expect(report.warnings).toEqual([]);
  });

  it('explains each ingress rule, with ports, ipBlocks and their except sets', () => {
    const rules = chain('WEAVE-NPC-INGRESS').rules;
    expect(rules.map((r) => r.summary)).toEqual([
      'allow ingress from pods run=iperf-prod-1 in prod to pods run=iperf-prod-1 in prod on any port',
      'allow ingress from pods in namespaces env=dev to pods app=web in prod on TCP port 8080',
      'allow ingress from 10.0.0.0/8 except 10.1.0.0/16, 10.2.0.0/16 to pods app=web in prod on TCP port 8080',
      'allow ingress from pods matching the namespace and pod selectors "env=devapp=client" (joined as weave-npc writes them) to pods app=db in prod on any port',
    ]);
    expect(rules[1]!.sets[0]).toMatchObject({ description: 'namespaces env=dev', verified: true, members: ['namespace dev'] });
    expect(rules[2]!.source).toBe('10.0.0.0/8');
    expect(rules[2]!.sets[0]).toMatchObject({
      negated: true,
      description: 'addresses excepted from 10.0.0.0/8',
      verified: true,
      members: ['10.1.0.0/16', '10.2.0.0/16'],
    });
    expect(rules[3]!.sets[0]).toMatchObject({ verified: true, members: ['dev/client (10.44.0.5)'] });
  });

  it('with the policies, a pod+namespace peer is named properly', () => {
    const policies: NetworkPolicy[] = [
      np('prod', 'db-from-dev-clients', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ podSelector: ml({ app: 'client' }), namespaceSelector: ml({ env: 'dev' }) }] }] }),
    ];
    const r = decodeNpcRules({ iptablesSave: CURRENT_IPTABLES, ipsetList: CURRENT_IPSETS, policies });
    const rule = r.chains.find((c) => c.name === 'WEAVE-NPC-INGRESS')!.rules[3]!;
    expect(rule.summary).toBe('allow ingress from pods app=client in namespaces env=dev to pods app=db in prod on any port');
    expect(rule.sets[0]).toMatchObject({
      meaning: { kind: 'namespaced-pods', joined: 'env=devapp=client', namespaceSelector: 'env=dev', podSelector: 'app=client' },
      description: 'pods app=client in namespaces env=dev',
      source: 'comment',
      verified: true,
    });
  });

  it('explains the egress rules (mark, then return) and the default-allow sets', () => {
    const custom = chain('WEAVE-NPC-EGRESS-CUSTOM').rules;
    expect(custom.map((r) => [r.target, r.summary])).toEqual([
      ['WEAVE-NPC-EGRESS-ACCEPT', 'allow egress from pods app=web in prod to pods in namespaces kubernetes.io/metadata.name=kube-system on UDP port 53'],
      ['RETURN', '(the rule above matched: stop checking) allow egress from pods app=web in prod to pods in namespaces kubernetes.io/metadata.name=kube-system on UDP port 53'],
    ]);
    expect(custom[0]!.sets[1]).toMatchObject({ description: 'namespaces kubernetes.io/metadata.name=kube-system', members: ['namespace kube-system'] });
    const def = chain('WEAVE-NPC-DEFAULT').rules;
    expect(def[3]!.summary).toBe('accept new traffic to the pods in prod that no Ingress policy selects');
    expect(def[3]!.sets[0]).toMatchObject({ description: 'pods in prod that no Ingress policy selects', verified: true, members: [] });
    const edef = chain('WEAVE-NPC-EGRESS-DEFAULT').rules;
    expect(edef[6]!.summary).toBe('allow new traffic from the pods in prod that no Egress policy selects');
    expect(edef[6]!.sets[0]!.members).toEqual(['prod/iperf-prod-1-7d9f (10.32.0.5)', 'prod/iperf-prod-1-x2kq (10.40.0.7)', 'prod/iperf-prod-2-5bb8 (10.40.0.8)', 'prod/db (10.32.0.12)']);
  });

  it('explains the static rules and how traffic reaches the chains', () => {
    expect(chain('WEAVE-NPC').rules.map((r) => r.summary)).toEqual([
      'accept replies of connections that were allowed',
      'accept multicast',
      'accept traffic leaving through the weave router: the receiving host enforces policy',
      "new connections: first the namespaces' default-allow rules",
      "then the policies' ingress rules",
    ]);
    expect(chain('WEAVE-NPC-EGRESS').rules.map((r) => r.summary)).toEqual([
      'accept replies of connections that were allowed',
      'traffic that came from another host: egress was checked where it started',
      'traffic to this host: no egress checks',
      'multicast: no egress checks',
      "new connections: first the namespaces' default-allow egress rules",
      "not allowed yet: the policies' egress rules",
      'log what was not allowed (NFLOG group 86; weave-npc logs it as "blocked by Weave NPC")',
      'drop what no egress rule allowed',
    ]);
    expect(chain('WEAVE-NPC-EGRESS-ACCEPT').rules[0]!.summary).toBe('mark the connection as allowed by egress policy (0x40000/0x40000)');
    expect(report.hooks.map((h) => `${h.chain} ${h.summary}`)).toEqual([
      'INPUT traffic from pods to this host: egress policy',
      'FORWARD traffic from pods: egress policy',
      'FORWARD traffic into the weave bridge (to pods): ingress policy',
      'FORWARD log what was not allowed (NFLOG group 86; weave-npc logs it as "blocked by Weave NPC")',
      'FORWARD drop traffic into the weave bridge that WEAVE-NPC did not accept',
      'FORWARD accept traffic from pods to outside the weave network (after egress checks)',
      'FORWARD accept replies into the weave bridge',
    ]);
  });

  it('computes which pods are isolated from the default-allow sets', () => {
    expect(report.isolation).toEqual([
      { namespace: 'default', ingressIsolated: [], egressIsolated: [] },
      { namespace: 'dev', ingressIsolated: [], egressIsolated: [] },
      { namespace: 'kube-system', ingressIsolated: [], egressIsolated: [] },
      {
        namespace: 'prod',
        ingressIsolated: ['prod/iperf-prod-1-7d9f', 'prod/iperf-prod-1-x2kq', 'prod/iperf-prod-2-5bb8', 'prod/web-1', 'prod/db'],
        egressIsolated: ['prod/web-1'],
      },
    ]);
  });

  it('lists every weave set with what it holds', () => {
    const s = report.sets.find((x) => x.name === 'weave-anQEOy+O~B?^X}4nos;CnjBJo')!;
    expect(s).toEqual({
      name: 'weave-anQEOy+O~B?^X}4nos;CnjBJo',
      type: 'hash:ip',
      description: 'pods app=web in prod',
      members: [{ entry: '10.32.0.10', comment: 'namespace: prod, pod: web-1', pod: 'prod/web-1', namespace: 'prod' }],
    });
    expect(report.sets.find((x) => x.name === 'weave-~]f;yGw*0|4otcT}UlS#5S+8j')!.description).toBe('all pods in dev');
    expect(JSON.parse(JSON.stringify(report))).toEqual(report); // JSON-able
  });

  it('renders egress targets and options like iptables -L', () => {
    const text = renderNpcRules(report);
    expect(text).toContain(
      'WEAVE-NPC-EGRESS-ACCEPT udp  --  anywhere             anywhere             match-set weave-anQEOy+O~B?^X}4nos;CnjBJo src match-set weave-b?EKh#w/^8JM?o*u6+^/T5WBn dst udp dpt:53 /* pods: namespace: prod, selector: app=web -> namespaces: selector: kubernetes.io/metadata.name=kube-system (egress) */',
    );
    expect(text).toContain('ACCEPT     tcp  --  10.0.0.0/8           anywhere             ! match-set weave-%m)[!ILg:Y7]W;2u@PxV|:hAc src match-set weave-anQEOy+O~B?^X}4nos;CnjBJo dst tcp dpt:8080');
    expect(text).toContain('           # weave-%m)[!ILg:Y7]W;2u@PxV|:hAc (!src): addresses excepted from 10.0.0.0/8 = 10.1.0.0/16, 10.2.0.0/16');
    expect(text).toContain('MARK       all  --  anywhere             anywhere             MARK xset 0x40000/0x40000');
    expect(text).toContain('prod: ingress: prod/iperf-prod-1-7d9f, prod/iperf-prod-1-x2kq, prod/iperf-prod-2-5bb8, prod/web-1, prod/db; egress: prod/web-1');
    expect(text).not.toContain('warning:');
  });
});

describe('decodeNpcRules: problems it reports', () => {
  it('a rule comment that does not match its set', () => {
    const tampered = CURRENT_IPTABLES.replace(
      '"pods: namespace: prod, selector: run=iperf-prod-1 -> pods: namespace: prod, selector: run=iperf-prod-1 (ingress)"',
      '"pods: namespace: prod, selector: run=iperf-prod-9 -> pods: namespace: prod, selector: run=iperf-prod-1 (ingress)"',
    );
    const r = decodeNpcRules({ iptablesSave: tampered, ipsetList: CURRENT_IPSETS });
    expect(r.warnings).toEqual([
      'WEAVE-NPC-INGRESS rule 1: set weave-KD98A9:Wl|emmgZ=GX^J2yD;M is not the set weave-npc names for "pods run=iperf-prod-9 in prod" (rule comment and set disagree)',
    ]);
    expect(renderNpcRules(r)).toContain('[name does not match]');
  });
  it('a set the rules use but ipset does not list', () => {
    const missing = CURRENT_IPSETS.split('\n\n').filter((b) => !b.startsWith('Name: weave-5w!l}D8~5Y$SEfl^b{jul{dhR')).join('\n\n');
    const r = decodeNpcRules({ iptablesSave: CURRENT_IPTABLES, ipsetList: missing });
    expect(r.warnings).toEqual(['WEAVE-NPC-INGRESS rule 4: set weave-5w!l}D8~5Y$SEfl^b{jul{dhR is not in the ipset output']);
  });
  it('a node without weave-npc', () => {
    const r = decodeNpcRules({ iptablesSave: '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n-A FORWARD -o docker0 -j DOCKER\nCOMMIT\n' });
    expect(r.chains).toEqual([]);
    expect(r.warnings).toEqual(['no WEAVE-NPC chains: weave-npc is not running on this node, or Weave Net runs without it (disable-npc / EXPECT_NPC=0)']);
  });
  it('chains without the FORWARD hook', () => {
    const r = decodeNpcRules({ iptablesSave: LEGACY_IPTABLES.replace('-A FORWARD -o weave -j WEAVE-NPC\n', '') });
    expect(r.warnings).toContain('no FORWARD rule sends traffic into WEAVE-NPC: ingress policy is not enforced on this node');
  });
});
