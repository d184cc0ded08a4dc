import { describe, expect, it } from 'vitest';
import { parseIpsetList, parseIptablesSave, parseNpcComment, splitArgs } from '../../../src/policy/npc/index.js';
import { CURRENT_IPSETS, LEGACY_IPSETS, LEGACY_IPTABLES } from './fixtures.js';

describe('parsing', () => {
  it('splits iptables-save arguments with quotes and escapes', () => {
    expect(splitArgs(String.raw`-A FORWARD -i weave -m comment --comment "NOTE: this must go before \'-j KUBE-FORWARD\'" -j WEAVE-NPC-EGRESS`)).toEqual([
      '-A',
      'FORWARD',
      '-i',
      'weave',
      '-m',
      'comment',
      '--comment',
      "NOTE: this must go before '-j KUBE-FORWARD'",
      '-j',
      'WEAVE-NPC-EGRESS',
    ]);
    expect(splitArgs('-m set --match-set weave-KD98A9:Wl|emmgZ=GX^J2yD;M src')).toEqual(['-m', 'set', '--match-set', 'weave-KD98A9:Wl|emmgZ=GX^J2yD;M', 'src']);
  });
  it('reads only the filter table', () => {
    const t = parseIptablesSave(LEGACY_IPTABLES);
    expect(t.rules.some((r) => r.chain === 'WEAVE' || r.chain === 'POSTROUTING')).toBe(false);
    expect(t.chains.find((c) => c.name === 'FORWARD')).toEqual({ name: 'FORWARD', policy: 'DROP' });
    expect(t.chains.find((c) => c.name === 'WEAVE-NPC')).toEqual({ name: 'WEAVE-NPC' });
  });
  it('reads `iptables-save -c` (counters before each rule)', () => {
    const counted = LEGACY_IPTABLES.replace(/^-A /gm, '[12:720] -A ');
    expect(parseIptablesSave(counted)).toEqual(parseIptablesSave(LEGACY_IPTABLES));
  });
  it('refuses `iptables -L` output and text without rules, in one line', () => {
    expect(() => parseIptablesSave('Chain WEAVE-NPC (1 references)\ntarget     prot opt source               destination\n')).toThrow(
      'this looks like `iptables -L` output; weavectl reads `iptables-save` output (run iptables-save -t filter)',
    );
    expect(() => parseIptablesSave('hello\n')).toThrow('no iptables rules found in the input (expected the output of iptables-save)');
  });
  it('reads `ipset list` (old and new) and `ipset save`', () => {
    const old = parseIpsetList(LEGACY_IPSETS);
    expect(old.get('weave-KD98A9:Wl|emmgZ=GX^J2yD;M')).toEqual({
      name: 'weave-KD98A9:Wl|emmgZ=GX^J2yD;M',
      type: 'hash:ip',
      header: 'family inet hashsize 1024 maxelem 65536 comment',
      members: [
        { entry: '172.25.96.3', comment: 'namespace: prod, pod: iperf-prod-1-7d9f' },
        { entry: '172.25.120.5', comment: 'namespace: prod, pod: iperf-prod-1-x2kq' },
      ],
    });
    expect(old.get('weave-k?Z;25^M}|1s7P3|H9i;*;MhG')!.members).toEqual([]);
    const cur = parseIpsetList(CURRENT_IPSETS);
    expect(cur.get('weave-S[h*~ykzt[u)pqfuOXw[}Zt{h')).toMatchObject({ type: 'list:set', members: [{ entry: 'weave-~]f;yGw*0|4otcT}UlS#5S+8j', comment: 'namespace: dev' }] });
    const saved = parseIpsetList(
      'create weave-KD98A9:Wl|emmgZ=GX^J2yD;M hash:ip family inet hashsize 1024 maxelem 65536 comment\nadd weave-KD98A9:Wl|emmgZ=GX^J2yD;M 172.25.96.3 comment "namespace: prod, pod: iperf-prod-1-7d9f"\n',
    );
    expect(saved.get('weave-KD98A9:Wl|emmgZ=GX^J2yD;M')).toMatchObject({ type: 'hash:ip', members: [{ entry: '172.25.96.3', comment: 'namespace: prod, pod: iperf-prod-1-7d9f' }] });
    expect(() => parseIpsetList('garbage')).toThrow(/no ipsets found/);
  });
  it('reads both comment formats', () => {
    expect(parseNpcComment('DefaultAllow isolation for namespace: prod')).toEqual({ kind: 'default-allow', direction: 'ingress', namespace: 'prod', format: 'plain' });
    expect(parseNpcComment('DefaultAllow egress isolation for namespace: prod')).toEqual({ kind: 'default-allow', direction: 'egress', namespace: 'prod', format: 'directional' });
    expect(parseNpcComment('pods: namespace: prod, selector: run=iperf-prod-1 -> pods: namespace: prod, selector: run=iperf-prod-1')).toEqual({
      kind: 'policy',
      direction: 'ingress',
      source: { kind: 'pods', namespace: 'prod', selector: 'run=iperf-prod-1' },
      destination: { kind: 'pods', namespace: 'prod', selector: 'run=iperf-prod-1' },
      format: 'plain',
    });
    expect(parseNpcComment('pods: namespace: prod, selector: tier in (a,b) -> cidr: 10.0.0.0/8 except [10.1.0.0/16 10.2.0.0/16] (egress)')).toEqual({
      kind: 'policy',
      direction: 'egress',
      source: { kind: 'pods', namespace: 'prod', selector: 'tier in (a,b)' },
      destination: { kind: 'cidr', cidr: '10.0.0.0/8', except: ['10.1.0.0/16', '10.2.0.0/16'] },
      format: 'directional',
    });
    expect(parseNpcComment('anywhere -> pods: namespace: prod, selector:  (ingress)')).toMatchObject({
      source: { kind: 'anywhere' },
      destination: { kind: 'pods', namespace: 'prod', selector: '' },
    });
    expect(parseNpcComment('kubernetes service portals')).toBeUndefined();
  });
});
