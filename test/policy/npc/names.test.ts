import { describe, expect, it } from 'vitest';
import {
  allPodsIpset,
  defaultAllowIpset,
  ipBlockExceptIpset,
  namespaceSelectorIpset,
  namespacedPodSelectorIpset,
  podSelectorIpset,
  shortName,
} from '../../../src/policy/npc/index.js';

describe('weave-npc ipset names', () => {
  // Names captured from real clusters: the seed's `iptables -L` and a Weave Net 2.5 iptables-save dump.
  it.each([
    ['prod:', 'z~y01unAQHA]WxHG!ALB)5]}s'],
    ['prod:run=iperf-prod-1', 'KD98A9:Wl|emmgZ=GX^J2yD;M'],
    ['default-allow:default', 'E.1.0W^NGSp]0_t5WwH/]gX@L'],
    ['default-allow:kube-system', '?b%zl9GIe0AET1(QI^7NWe*fO'],
    ['default-allow:kube-public', '0EHD/vdN#O4]V?o4Tx7kS;APH'],
    ['ingress-default-allow:default', ';rGqyMIl1HN^cfDki~Z$3]6!N'],
    ['ingress-default-allow:kube-system', 'P.B|!ZhkAr5q=XZ?3}tMBA+0'],
    ['ingress-default-allow:kube-public', 'Rzff}h:=]JaaJl/G;(XJpGjZ['],
    ['egress-default-allow:default', 's_+ChJId4Uy_$}G;WdH|~TK)I'],
    ['egress-default-allow:kube-system', 'E1ney4o[ojNrLk.6rOHi;7MPE'],
    ['egress-default-allow:kube-public', '41s)5vQ^o/xWGz6a20N:~?#|E'],
  ])('shortName(%j) = %s', (key, want) => {
    expect(shortName(key)).toBe(want);
  });

  it('recomputes a set from (namespace, selector) as weave-npc keys it', () => {
    expect(podSelectorIpset('prod', { matchLabels: { run: 'iperf-prod-1' } })).toBe('weave-KD98A9:Wl|emmgZ=GX^J2yD;M');
    expect(podSelectorIpset('prod', 'run=iperf-prod-1')).toBe('weave-KD98A9:Wl|emmgZ=GX^J2yD;M');
    expect(allPodsIpset('prod')).toBe('weave-z~y01unAQHA]WxHG!ALB)5]}s');
    expect(podSelectorIpset('prod', {})).toBe(allPodsIpset('prod'));
    expect(defaultAllowIpset('kube-system', 'legacy')).toBe('weave-?b%zl9GIe0AET1(QI^7NWe*fO');
    expect(defaultAllowIpset('default', 'egress')).toBe('weave-s_+ChJId4Uy_$}G;WdH|~TK)I');
    expect(namespaceSelectorIpset({ matchLabels: { env: 'dev' } })).toBe('weave-S[h*~ykzt[u)pqfuOXw[}Zt{h');
    expect(namespacedPodSelectorIpset({ matchLabels: { env: 'dev' } }, { matchLabels: { app: 'client' } })).toBe('weave-A{WYP$XqHRv+(}xw@l.dr|M_R');
    expect(ipBlockExceptIpset(['10.2.0.0/16', '10.1.0.0/16'])).toBe('weave-%m)[!ILg:Y7]W;2u@PxV|:hAc');
    // every name fits ipset's 31 characters
    for (const k of ['a', 'prod:', 'x'.repeat(500)]) expect(`weave-${shortName(k)}`.length).toBeLessThanOrEqual(31);
  });
});
