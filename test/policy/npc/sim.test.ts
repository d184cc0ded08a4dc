/**
 * Cross-check with the Kubernetes simulator's imitation of weave-npc (test/sim/src/weave-node.ts, an
 * independent implementation of what weave-npc writes): the decoder must explain every rule and
 * set it produces, and the pods its default-allow sets leave out must be exactly the pods the
 * evaluator says are isolated.
 */
import { describe, expect, it } from 'vitest';
import { iptablesSave, ipsetList, type WeaveView } from '../../sim/src/weave-node.js';
import { decodeNpcRules } from '../../../src/policy/npc/index.js';
import { createEvaluator } from '../../../src/policy/evaluate.js';
import type { Namespace, NetworkPolicy, Pod } from '../../../src/policy/types.js';
import { ml, np } from '../fixtures.js';

const pods: Pod[] = [
  { namespace: 'prod', name: 'iperf-prod-1-7d9f', labels: { run: 'iperf-prod-1' }, ip: '10.32.0.5' },
  { namespace: 'prod', name: 'iperf-prod-1-x2kq', labels: { run: 'iperf-prod-1' }, ip: '10.40.0.7' },
  { namespace: 'prod', name: 'iperf-prod-2-5bb8', labels: { run: 'iperf-prod-2' }, ip: '10.40.0.8' },
  { namespace: 'prod', name: 'web-1', labels: { app: 'web' }, ip: '10.32.0.10' },
  { namespace: 'dev', name: 'client', labels: { app: 'client' }, ip: '10.44.0.5' },
  { namespace: 'dev', name: 'web', labels: { app: 'web' }, ip: '10.44.0.6' },
  { namespace: 'kube-system', name: 'coredns-1', labels: { 'k8s-app': 'kube-dns' }, ip: '10.32.0.2' },
];
const namespaces: Namespace[] = [
  { name: 'prod', labels: { env: 'prod' } },
  { name: 'dev', labels: { env: 'dev' } },
  { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' } },
];
const policies: NetworkPolicy[] = [
  np('prod', 'default-deny', { podSelector: {}, policyTypes: ['Ingress'] }),
  np('prod', 'iperf-prod-1-internal-access', { podSelector: ml({ run: 'iperf-prod-1' }), ingress: [{ from: [{ podSelector: ml({ run: 'iperf-prod-1' }) }] }] }),
  np('prod', 'web-from-dev', {
    podSelector: ml({ app: 'web' }),
    ingress: [
      { from: [{ namespaceSelector: ml({ env: 'dev' }), podSelector: ml({ app: 'client' }) }], ports: [{ port: 8080 }] },
      { from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.44.0.0/16'] } }], ports: [{ protocol: 'UDP', port: 53 }] },
    ],
  }),
  np('dev', 'client-egress', {
    podSelector: ml({ app: 'client' }),
    policyTypes: ['Egress'],
    egress: [{ to: [{ namespaceSelector: ml({ 'kubernetes.io/metadata.name': 'kube-system' }) }], ports: [{ protocol: 'UDP', port: 53 }] }],
  }),
];

function view(version: string): WeaveView {
  return {
    version,
    nodes: [{ name: 'node-1', internalIP: '192.168.1.10', ready: true }],
    pods: pods.map((p) => ({ namespace: p.namespace, name: p.name, labels: { ...p.labels }, nodeName: 'node-1', podIP: p.ip })),
    namespaces: namespaces.map((n) => ({ name: n.name, labels: { ...n.labels } })),
    networkPolicies: policies,
    now: new Date('2024-03-14T10:02:44Z'),
  };
}

/** The forms describeSetMeaning gives a set whose meaning was found (src/policy/npc/comments.ts). */
const SET_DESCRIPTION =
  /^(all pods in \S+|pods \S.* in \S+|all namespaces|namespaces \S.*|(all pods|pods \S.*) in (all namespaces|namespaces \S.*)|pods in \S+ that no (Ingress|Egress) policy selects|addresses excepted from \S+|pods on this node|pods matching the namespace and pod selectors ".*" \(joined as weave-npc writes them\))$/;

describe('decoding the simulator weave-npc', () => {
  it('2.8.1: every rule explained, every set named and verified, isolation as the evaluator says', () => {
    const v = view('2.8.1');
    const r = decodeNpcRules({ iptablesSave: iptablesSave(v, 'node-1'), ipsetList: ipsetList(v, 'node-1')! });
    expect(r.warnings).toEqual([]);
    expect(r.egress).toBe(true);
    expect(r.commentFormat).toBe('directional');
    for (const c of r.chains) {
      for (const rule of c.rules) {
        expect(rule.meaning.kind, rule.raw).not.toBe('unknown');
        for (const s of rule.sets) {
          expect(s.description, `${rule.raw}: ${s.name}`).toMatch(SET_DESCRIPTION);
          expect(s.verified, `${rule.raw}: ${s.name}`).toBe(true);
        }
      }
    }
    const ingress = r.chains.find((c) => c.name === 'WEAVE-NPC-INGRESS')!.rules.map((x) => x.summary);
    expect(ingress).toContain('allow ingress from pods run=iperf-prod-1 in prod to pods run=iperf-prod-1 in prod on any port');
    expect(ingress.some((x) => x.startsWith('allow ingress from 10.0.0.0/8 except 10.44.0.0/16 to pods app=web in prod on UDP port 53'))).toBe(true);

    const ev = createEvaluator({ policies, namespaces });
    for (const ns of namespaces.map((n) => n.name)) {
      const got = r.isolation.find((i) => i.namespace === ns)!;
      const inNs = pods.filter((p) => p.namespace === ns);
      expect(got.ingressIsolated, ns).toEqual(inNs.filter((p) => ev.isolation(p).ingress.length > 0).map((p) => `${p.namespace}/${p.name}`));
      expect(got.egressIsolated, ns).toEqual(inNs.filter((p) => ev.isolation(p).egress.length > 0).map((p) => `${p.namespace}/${p.name}`));
    }
  });

  it('2.3 (plain comments, no egress chains): every rule and set still explained', () => {
    const v = view('2.3.0');
    const r = decodeNpcRules({ iptablesSave: iptablesSave(v, 'node-1'), ipsetList: ipsetList(v, 'node-1')!, policies });
    expect(r.warnings).toEqual([]);
    expect(r.egress).toBe(false);
    expect(r.commentFormat).toBe('plain');
    const described = r.chains.flatMap((c) => c.rules.flatMap((rule) => rule.sets));
    expect(described.length).toBeGreaterThan(0);
    for (const s of described) expect(s.description, s.name).toMatch(SET_DESCRIPTION);
  });
});
