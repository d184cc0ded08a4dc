/**
 * Which semantics policy commands use: decided by the weave-npc release of the running DaemonSet
 * (src/commands/policy-session.ts over src/weave/releases.ts), and what explain says when nothing is enforced.
 */
import { describe, expect, it } from 'vitest';
import { enforcedVerdict, notEnforced } from '../../src/commands/policy-explain.js';
import { semanticsOf, weaveNpcInfoOf } from '../../src/policy/cluster.js';
import { parseK8sVersion } from '../../src/manifest/k8s-version.js';
import { evaluate } from '../../src/policy/index.js';

const k = parseK8sVersion;
const ds = (version: string, args?: string[], repo = 'weaveworks') => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'weave-net', namespace: 'kube-system' },
  spec: { template: { spec: { containers: [{ name: 'weave', image: `${repo}/weave-kube:${version}` }, { name: 'weave-npc', image: `${repo}/weave-npc:${version}`, ...(args ? { args } : {}) }] } } },
});

describe('semanticsOf: the release decides', () => {
  it('2.0.5 on 1.7.5 (v2.0.5 prog/weave-npc/main.go): legacy, although 1.7 has v1 NetworkPolicies', () => {
    const s = semanticsOf(k('1.7.5'), weaveNpcInfoOf(ds('2.0.5')));
    expect(s).toMatchObject({ legacy: true, decidedBy: 'release', release: 'weaveworks 2.0.5', watches: 'extensions/v1beta1' });
    expect(s.unenforceable).toBeUndefined();
  });
  it('2.1.3 on 1.7.5: v1 without the flag, legacy with --use-legacy-netpol (v2.1.3 main.go)', () => {
    expect(semanticsOf(k('1.7.5'), weaveNpcInfoOf(ds('2.1.3')))).toMatchObject({ legacy: false, watches: 'networking.k8s.io/v1' });
    expect(semanticsOf(k('1.7.5'), weaveNpcInfoOf(ds('2.1.3', ['--use-legacy-netpol'])))).toMatchObject({ legacy: true, watches: 'extensions/v1beta1' });
  });
  it('2.7.0 on 1.6: v1 semantics that nothing serves (v2.4.0 main.go: NetworkingV1 only), unenforceable', () => {
    const s = semanticsOf(k('1.6.13'), weaveNpcInfoOf(ds('2.7.0')));
    expect(s.legacy).toBe(false);
    expect(s.unenforceable).toMatch(/^weave-npc 2\.7\.0 watches only networking\.k8s\.io\/v1 NetworkPolicies, which Kubernetes v1\.6\.13 does not serve/);
  });
  it('the served APIs of the cluster win over the version arithmetic', () => {
    expect(semanticsOf(k('1.7.5'), weaveNpcInfoOf(ds('2.7.0')), () => false).unenforceable).toMatch(/does not serve/);
  });
  it('reweave images (rajchaudhuri/*) are the reweave line', () => {
    expect(semanticsOf(k('1.29'), weaveNpcInfoOf(ds('2.8.10', undefined, 'rajchaudhuri'))).release).toBe('reweave 2.8.10');
  });
  it('an image without a version tag: the Kubernetes version decides, and says so', () => {
    const s = semanticsOf(k('1.6.13'), weaveNpcInfoOf(ds('latest')));
    expect(s).toMatchObject({ legacy: true, decidedBy: 'kubernetes' });
    expect(s.reason).toContain('the weave-npc release is unknown');
  });
});

describe('explain when nothing is enforced', () => {
  const ns = [{ name: 'prod', labels: {} }];
  const pod = (name: string) => ({ namespace: 'prod', name, labels: { app: name }, ip: `10.32.0.${name.length}` });
  const deny = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny-ingress', namespace: 'prod' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } };
  const res = evaluate({ policies: [deny as never], namespaces: ns as never, from: pod('a') as never, to: pod('bb') as never });

  it('weave-npc disabled: the verdict is allowed, nothing is enforced; policyAllowed keeps what the policies say', () => {
    const sem = semanticsOf(k('1.29'), weaveNpcInfoOf({ ...ds('2.8.1'), spec: { template: { spec: { containers: [{ name: 'weave', image: 'weaveworks/weave-kube:2.8.1' }] } } } } as never));
    expect(notEnforced(sem)).toBe('weave-npc is not running (DaemonSet kube-system/weave-net has no weave-npc container)');
    const v = enforcedVerdict(res, sem);
    expect(res.allowed).toBe(false);
    expect(v).toMatchObject({ allowed: true, enforced: false, policyAllowed: false });
    expect(v.reasons[0]).toBe('allowed: nothing is enforced: weave-npc is not running (DaemonSet kube-system/weave-net has no weave-npc container); the policies alone would deny it');
  });
  it('weave-npc enforcing: the verdict is the policies', () => {
    expect(enforcedVerdict(res, semanticsOf(k('1.29'), weaveNpcInfoOf(ds('2.8.1'))))).toMatchObject({ allowed: false, enforced: true, policyAllowed: false });
  });
});
