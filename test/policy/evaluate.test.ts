import { describe, expect, it } from 'vitest';
import { createEvaluator, evaluate, type EvaluateResult } from '../../src/policy/evaluate.js';
import { WeavectlError } from '../../src/errors.js';
import type { NetworkPolicy, Peer, Protocol } from '../../src/policy/types.js';
import { EXT, EXT_PRIVATE, P, defaultDeny, ml, namespaces, np, seedPolicy } from './fixtures.js';

interface Case {
  /** The rule of Kubernetes (or weave-npc) semantics the case exercises. */
  rule: string;
  policies: NetworkPolicy[];
  from: Peer;
  to: Peer;
  port?: { port: number | string; protocol?: Protocol };
  legacy?: boolean;
  allowed: boolean;
  check?: (r: EvaluateResult) => void;
}

const allowWebFromClient = np('prod', 'web-from-client', {
  podSelector: ml({ app: 'web' }),
  ingress: [{ from: [{ podSelector: ml({ app: 'client' }), namespaceSelector: ml({ env: 'dev' }) }] }],
});

const cases: Case[] = [
  // --- isolation
  { rule: 'no policy at all: every pod is non-isolated, traffic allowed', policies: [], from: P.devClient, to: P.web1, allowed: true },
  {
    rule: 'a policy in another namespace does not isolate the target',
    policies: [defaultDeny('dev')],
    from: P.devClient,
    to: P.web1,
    allowed: true,
  },
  {
    rule: 'a policy selecting the target with no ingress rules (default deny) denies ingress',
    policies: [np('prod', 'deny-web', { podSelector: ml({ app: 'web' }), policyTypes: ['Ingress'] })],
    from: P.db,
    to: P.web1,
    allowed: false,
    check: (r) => expect(r.ingress.isolatedBy).toEqual([{ kind: 'policy', namespace: 'prod', name: 'deny-web' }]),
  },
  {
    rule: 'an empty podSelector selects every pod of the policy namespace',
    policies: [defaultDeny('prod')],
    from: P.web1,
    to: P.db,
    allowed: false,
  },
  {
    rule: 'default deny isolates only pods of its own namespace',
    policies: [defaultDeny('prod')],
    from: P.web1,
    to: P.devWeb,
    allowed: true,
  },
  {
    rule: 'a policy whose podSelector does not match the target does not isolate it',
    policies: [np('prod', 'deny-db', { podSelector: ml({ app: 'db' }), policyTypes: ['Ingress'] })],
    from: P.devClient,
    to: P.web1,
    allowed: true,
  },
  {
    rule: 'isolatedBy lists every policy that selects the pod for the direction',
    policies: [defaultDeny('prod'), seedPolicy],
    from: P.iperf2,
    to: P.iperf1,
    allowed: false,
    check: (r) =>
      expect(r.ingress.isolatedBy.map((x) => x.name)).toEqual(['default-deny', 'iperf-prod-1-internal-access']),
  },
  {
    rule: 'a pod always reaches itself, even when isolated both ways (loopback never leaves the pod)',
    policies: [np('prod', 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })],
    from: P.iperf2,
    to: P.iperf2,
    port: { port: 5201 },
    allowed: true,
    check: (r) => expect(r.reasons[1]).toBe('a pod always reaches itself: the traffic stays inside the pod (loopback) and no NetworkPolicy applies'),
  },
  // --- the seed story
  {
    rule: 'seed: isolated namespace, iperf-prod-1 is denied from another iperf-prod-1 pod before the allow policy',
    policies: [defaultDeny('prod')],
    from: P.iperf1b,
    to: P.iperf1,
    allowed: false,
  },
  {
    rule: 'seed: the allow policy admits pods run=iperf-prod-1 of prod',
    policies: [defaultDeny('prod'), seedPolicy],
    from: P.iperf1b,
    to: P.iperf1,
    allowed: true,
    check: (r) => {
      expect(r.ingress.admittedBy).toEqual([
        { policy: { kind: 'policy', namespace: 'prod', name: 'iperf-prod-1-internal-access' }, direction: 'ingress', rule: 0, peer: 0, ports: 'any port' },
      ]);
      expect(r.reasons[0]).toBe('allowed: pod prod/iperf-prod-1-x2kq -> pod prod/iperf-prod-1-7d9f');
      expect(r.reasons[1]).toContain('isolated by prod/default-deny, prod/iperf-prod-1-internal-access; allowed by prod/iperf-prod-1-internal-access ingress rule 1 (from pods run=iperf-prod-1 in prod, any port)');
    },
  },
  {
    rule: 'seed: the allow policy alone (no default deny) still isolates iperf-prod-1 from other pods',
    policies: [seedPolicy],
    from: P.iperf2,
    to: P.iperf1,
    allowed: false,
  },
  {
    rule: 'seed: pods of another namespace with the same label are not admitted (podSelector peers are same-namespace)',
    policies: [defaultDeny('prod'), seedPolicy],
    from: { ...P.devClient, labels: { run: 'iperf-prod-1' } },
    to: P.iperf1,
    allowed: false,
  },
  {
    rule: 'seed: iperf-prod-1 may still reach non-isolated pods elsewhere (no egress policy)',
    policies: [defaultDeny('prod'), seedPolicy],
    from: P.iperf1,
    to: P.devWeb,
    allowed: true,
  },
  // --- from: empty/missing, ingress empty
  {
    rule: 'an ingress rule without `from` admits every source, even outside the cluster',
    policies: [np('prod', 'web-any', { podSelector: ml({ app: 'web' }), ingress: [{ ports: [{ port: 8080 }] }] })],
    from: EXT,
    to: P.web1,
    port: { port: 8080 },
    allowed: true,
  },
  {
    rule: 'an empty ingress rule `{}` admits every source on every port',
    policies: [np('prod', 'web-all', { podSelector: ml({ app: 'web' }), ingress: [{}] })],
    from: P.qaClient,
    to: P.web1,
    port: { port: 1234, protocol: 'UDP' },
    allowed: true,
  },
  {
    rule: '`ingress: []` (an empty list) admits nothing',
    policies: [np('prod', 'web-none', { podSelector: ml({ app: 'web' }), ingress: [] })],
    from: P.db,
    to: P.web1,
    allowed: false,
  },
  {
    rule: '`from: []` (an empty list) admits every source',
    policies: [np('prod', 'web-from-empty', { podSelector: ml({ app: 'web' }), ingress: [{ from: [] }] })],
    from: P.qaClient,
    to: P.web1,
    allowed: true,
  },
  // --- peers
  {
    rule: 'a podSelector peer selects pods of the policy namespace only',
    policies: [np('prod', 'web-from-web', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ podSelector: ml({ app: 'web' }) }] }] })],
    from: P.devWeb,
    to: P.db,
    allowed: false,
  },
  {
    rule: 'a podSelector peer admits a matching pod of the policy namespace',
    policies: [np('prod', 'db-from-web', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ podSelector: ml({ app: 'web' }) }] }] })],
    from: P.web2,
    to: P.db,
    allowed: true,
  },
  {
    rule: 'podSelector {} as a peer: every pod of the policy namespace, not of others',
    policies: [np('prod', 'db-from-prod', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ podSelector: {} }] }] })],
    from: P.devClient,
    to: P.db,
    allowed: false,
  },
  {
    rule: 'a namespaceSelector peer alone admits every pod of the selected namespaces',
    policies: [np('prod', 'db-from-team-a', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ namespaceSelector: ml({ team: 'a' }) }] }] })],
    from: P.devWeb,
    to: P.db,
    allowed: true,
  },
  {
    rule: 'a namespaceSelector peer does not admit pods of namespaces it does not select',
    policies: [np('prod', 'db-from-team-a', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ namespaceSelector: ml({ team: 'a' }) }] }] })],
    from: P.qaClient,
    to: P.db,
    allowed: false,
  },
  {
    rule: 'namespaceSelector {} admits pods of every namespace',
    policies: [np('prod', 'db-from-all-ns', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ namespaceSelector: {} }] }] })],
    from: P.qaClient,
    to: P.db,
    allowed: true,
  },
  {
    rule: 'namespaceSelector {} does not admit addresses outside the cluster',
    policies: [np('prod', 'db-from-all-ns', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ namespaceSelector: {} }] }] })],
    from: EXT,
    to: P.db,
    allowed: false,
  },
  {
    rule: 'namespaceSelector with matchExpressions In selects namespaces by label values',
    policies: [
      np('prod', 'db-from-dev-qa', {
        podSelector: ml({ app: 'db' }),
        ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['qa', 'dev'] }] } }] }],
      }),
    ],
    from: P.qaClient,
    to: P.db,
    allowed: true,
  },
  {
    rule: 'the namespace label kubernetes.io/metadata.name selects a namespace by name',
    policies: [
      np('prod', 'db-from-qa', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ namespaceSelector: ml({ 'kubernetes.io/metadata.name': 'qa' }) }] }] }),
    ],
    from: P.qaClient,
    to: P.db,
    allowed: true,
  },
  {
    rule: 'namespaceSelector and podSelector in ONE peer: both must match (pod and namespace match)',
    policies: [allowWebFromClient],
    from: P.devClient,
    to: P.web1,
    allowed: true,
  },
  {
    rule: 'namespaceSelector and podSelector in ONE peer: a pod of a matching namespace with other labels is denied',
    policies: [allowWebFromClient],
    from: P.devWeb,
    to: P.web1,
    allowed: false,
  },
  {
    rule: 'namespaceSelector and podSelector in ONE peer: a matching pod of another namespace is denied',
    policies: [allowWebFromClient],
    from: P.qaClient,
    to: P.web1,
    allowed: false,
  },
  {
    rule: 'namespaceSelector and podSelector in ONE peer: the policy namespace is not implied',
    policies: [allowWebFromClient],
    from: { ...P.db, labels: { app: 'client' } },
    to: P.web1,
    allowed: false,
  },
  {
    rule: 'namespaceSelector and podSelector as TWO peers: either admits (OR), a pod of a selected namespace',
    policies: [
      np('prod', 'web-or', {
        podSelector: ml({ app: 'web' }),
        ingress: [{ from: [{ namespaceSelector: ml({ env: 'dev' }) }, { podSelector: ml({ app: 'client' }) }] }],
      }),
    ],
    from: P.devWeb,
    to: P.web1,
    allowed: true,
    check: (r) => expect(r.ingress.admittedBy[0]!.peer).toBe(0),
  },
  {
    rule: 'namespaceSelector and podSelector as TWO peers: a matching pod of the policy namespace is admitted by the second',
    policies: [
      np('prod', 'web-or', {
        podSelector: ml({ app: 'web' }),
        ingress: [{ from: [{ namespaceSelector: ml({ env: 'dev' }) }, { podSelector: ml({ app: 'db' }) }] }],
      }),
    ],
    from: P.db,
    to: P.web1,
    allowed: true,
    check: (r) => expect(r.ingress.admittedBy[0]!.peer).toBe(1),
  },
  {
    rule: 'a peer with no field is invalid and matches nothing',
    policies: [np('prod', 'web-empty-peer', { podSelector: ml({ app: 'web' }), ingress: [{ from: [{}] }] })],
    from: P.db,
    to: P.web1,
    allowed: false,
  },
  {
    rule: 'a peer with ipBlock and a selector is invalid and matches nothing',
    policies: [np('prod', 'web-bad-peer', { podSelector: ml({ app: 'web' }), ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' }, podSelector: {} }] }] })],
    from: P.db,
    to: P.web1,
    allowed: false,
  },
  // --- ipBlock
  {
    rule: 'ipBlock admits an external address inside the CIDR',
    policies: [np('prod', 'web-from-net', { podSelector: ml({ app: 'web' }), ingress: [{ from: [{ ipBlock: { cidr: '203.0.113.0/24' } }] }] })],
    from: EXT,
    to: P.web1,
    allowed: true,
  },
  {
    rule: 'ipBlock does not admit an address outside the CIDR',
    policies: [np('prod', 'web-from-net', { podSelector: ml({ app: 'web' }), ingress: [{ from: [{ ipBlock: { cidr: '198.51.100.0/24' } }] }] })],
    from: EXT,
    to: P.web1,
    allowed: false,
  },
  {
    rule: 'ipBlock except removes addresses from the CIDR',
    policies: [
      np('prod', 'web-from-10', { podSelector: ml({ app: 'web' }), ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }] }] }),
    ],
    from: EXT_PRIVATE,
    to: P.web1,
    allowed: false,
  },
  {
    rule: 'ipBlock matches pod IPs too, as weave-npc does (iptables -s CIDR)',
    policies: [np('prod', 'web-from-10-40', { podSelector: ml({ app: 'web' }), ingress: [{ from: [{ ipBlock: { cidr: '10.40.0.0/16' } }] }] })],
    from: P.devClient,
    to: P.web1,
    allowed: true,
  },
  {
    rule: 'ipBlock cannot match a pod that has no IP yet',
    policies: [np('prod', 'db-from-all', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] })],
    from: P.pending,
    to: P.db,
    allowed: false,
  },
  {
    rule: 'ipBlock with host bits in the CIDR (10.32.0.99/16) matches the whole block, as Go net.ParseCIDR reads it',
    policies: [np('prod', 'db-from-block', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ ipBlock: { cidr: '10.32.0.99/16' } }] }] })],
    from: P.web1,
    to: P.db,
    allowed: true,
  },
  {
    rule: 'an IPv6 ipBlock never matches an IPv4 address',
    policies: [np('prod', 'db-from-v6', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ ipBlock: { cidr: '::/0' } }] }] })],
    from: P.web1,
    to: P.db,
    allowed: false,
  },
  // --- ports
  {
    rule: 'a numeric port admits that port',
    policies: [np('prod', 'db-5432', { podSelector: ml({ app: 'db' }), ingress: [{ ports: [{ protocol: 'TCP', port: 5432 }] }] })],
    from: P.web1,
    to: P.db,
    port: { port: 5432 },
    allowed: true,
  },
  {
    rule: 'a numeric port does not admit another port',
    policies: [np('prod', 'db-5432', { podSelector: ml({ app: 'db' }), ingress: [{ ports: [{ protocol: 'TCP', port: 5432 }] }] })],
    from: P.web1,
    to: P.db,
    port: { port: 22 },
    allowed: false,
  },
  {
    rule: 'the protocol of a policy port defaults to TCP (UDP on the same number is denied)',
    policies: [np('prod', 'db-5432', { podSelector: ml({ app: 'db' }), ingress: [{ ports: [{ port: 5432 }] }] })],
    from: P.web1,
    to: P.db,
    port: { port: 5432, protocol: 'UDP' },
    allowed: false,
  },
  {
    rule: 'a UDP policy port admits UDP',
    policies: [np('prod', 'db-udp', { podSelector: ml({ app: 'db' }), ingress: [{ ports: [{ protocol: 'UDP', port: 5432 }] }] })],
    from: P.web1,
    to: P.db,
    port: { port: 5432, protocol: 'UDP' },
    allowed: true,
  },
  {
    rule: 'an SCTP policy port admits SCTP only',
    policies: [np('prod', 'db-sctp', { podSelector: ml({ app: 'db' }), ingress: [{ ports: [{ protocol: 'SCTP', port: 9999 }] }] })],
    from: P.web1,
    to: P.db,
    port: { port: 9999, protocol: 'TCP' },
    allowed: false,
  },
  {
    rule: 'a policy port with a protocol and no number admits every port of that protocol',
    policies: [np('prod', 'db-all-udp', { podSelector: ml({ app: 'db' }), ingress: [{ ports: [{ protocol: 'UDP' }] }] })],
    from: P.web1,
    to: P.db,
    port: { port: 40000, protocol: 'UDP' },
    allowed: true,
  },
  {
    rule: 'endPort: a port inside port..endPort is admitted',
    policies: [np('prod', 'db-range', { podSelector: ml({ app: 'db' }), ingress: [{ ports: [{ protocol: 'TCP', port: 5000, endPort: 5010 }] }] })],
    from: P.web1,
    to: P.db,
    port: { port: 5010 },
    allowed: true,
  },
  {
    rule: 'endPort: a port just past endPort is denied',
    policies: [np('prod', 'db-range', { podSelector: ml({ app: 'db' }), ingress: [{ ports: [{ protocol: 'TCP', port: 5000, endPort: 5010 }] }] })],
    from: P.web1,
    to: P.db,
    port: { port: 5011 },
    allowed: false,
  },
  {
    rule: 'a named port resolves against the TARGET pod: web-1 names 8080 http',
    policies: [np('prod', 'web-http', { podSelector: ml({ app: 'web' }), ingress: [{ ports: [{ port: 'http' }] }] })],
    from: P.devClient,
    to: P.web1,
    port: { port: 8080 },
    allowed: true,
  },
  {
    rule: 'a named port resolves per target: web-2 names 8081 http, so 8080 is denied there',
    policies: [np('prod', 'web-http', { podSelector: ml({ app: 'web' }), ingress: [{ ports: [{ port: 'http' }] }] })],
    from: P.devClient,
    to: P.web2,
    port: { port: 8080 },
    allowed: false,
  },
  {
    rule: 'a named port must match the container port protocol too (dns is UDP, the rule asks TCP)',
    policies: [
      np('kube-system', 'dns-tcp-name', { podSelector: ml({ 'k8s-app': 'kube-dns' }), ingress: [{ ports: [{ protocol: 'TCP', port: 'dns' }] }] }),
    ],
    from: P.web1,
    to: P.dns,
    port: { port: 53, protocol: 'TCP' },
    allowed: false,
  },
  {
    rule: 'a tested port given by name is resolved against the destination pod',
    policies: [np('prod', 'web-8081', { podSelector: ml({ app: 'web' }), ingress: [{ ports: [{ port: 8081 }] }] })],
    from: P.devClient,
    to: P.web2,
    port: { port: 'http' },
    allowed: true,
    check: (r) => expect(r.port).toBe('http/TCP (8081)'),
  },
  {
    rule: 'without a tested port, a rule limited to ports allows, and the ports are reported',
    policies: [np('prod', 'web-http', { podSelector: ml({ app: 'web' }), ingress: [{ ports: [{ port: 'http' }, { port: 9090 }] }] })],
    from: P.devClient,
    to: P.web1,
    allowed: true,
    check: (r) => {
      expect(r.ports).toBe('8080/TCP, 9090/TCP');
      expect(r.reasons).toContain('allowed only on 8080/TCP, 9090/TCP');
    },
  },
  {
    rule: 'a named port that no container of the target declares admits nothing (and says so)',
    policies: [np('prod', 'db-http', { podSelector: ml({ app: 'db' }), ingress: [{ ports: [{ port: 'http' }] }] })],
    from: P.web1,
    to: P.db,
    allowed: false,
    check: (r) => expect(r.reasons.some((x) => x.includes('named port(s) match no container port of prod/db'))).toBe(true),
  },
  // --- unions
  {
    rule: 'policies are additive: a second policy selecting the pod adds its sources',
    policies: [
      np('prod', 'db-from-web', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ podSelector: ml({ app: 'web' }) }] }] }),
      np('prod', 'db-from-dev', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ namespaceSelector: ml({ env: 'dev' }) }] }] }),
    ],
    from: P.devClient,
    to: P.db,
    allowed: true,
    check: (r) => expect(r.ingress.admittedBy.map((x) => x.policy.name)).toEqual(['db-from-dev']),
  },
  {
    rule: 'rules of one policy are ORed: the second rule admits on its own port',
    policies: [
      np('prod', 'db-two-rules', {
        podSelector: ml({ app: 'db' }),
        ingress: [
          { from: [{ podSelector: ml({ app: 'web' }) }], ports: [{ port: 5432 }] },
          { from: [{ podSelector: ml({ app: 'web' }) }], ports: [{ port: 9187 }] },
        ],
      }),
    ],
    from: P.web1,
    to: P.db,
    port: { port: 9187 },
    allowed: true,
    check: (r) => expect(r.ingress.admittedBy.map((x) => x.rule)).toEqual([1]),
  },
  // --- policyTypes and egress
  {
    rule: 'policyTypes [Egress] only: the policy does not isolate ingress',
    policies: [np('prod', 'egress-only', { podSelector: ml({ app: 'web' }), policyTypes: ['Egress'] })],
    from: P.devClient,
    to: P.web1,
    allowed: true,
  },
  {
    rule: 'policyTypes absent with egress rules: Ingress AND Egress (so ingress is denied too)',
    policies: [np('prod', 'web-egress-rules', { podSelector: ml({ app: 'web' }), egress: [{ to: [{ namespaceSelector: {} }] }] })],
    from: P.devClient,
    to: P.web1,
    allowed: false,
  },
  {
    rule: 'policyTypes absent with `egress: []`: Ingress only, egress not isolated',
    policies: [np('prod', 'web-egress-empty', { podSelector: ml({ app: 'web' }), egress: [], ingress: [{}] })],
    from: P.web1,
    to: EXT,
    allowed: true,
    check: (r) => expect(r.egress.isolated).toBe(false),
  },
  {
    rule: 'an Egress policy without rules denies all egress, to pods and outside',
    policies: [np('prod', 'deny-egress', { podSelector: {}, policyTypes: ['Egress'] })],
    from: P.web1,
    to: EXT,
    allowed: false,
    check: (r) => {
      expect(r.egress.isolated).toBe(true);
      expect(r.ingress.applies).toBe(false);
    },
  },
  {
    rule: 'egress to an ipBlock admits that address on the listed port',
    policies: [
      np('prod', 'web-to-dns', { podSelector: ml({ app: 'web' }), policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ protocol: 'UDP', port: 53 }] }] }),
    ],
    from: P.web1,
    to: EXT,
    port: { port: 53, protocol: 'UDP' },
    allowed: true,
  },
  {
    rule: 'egress to a namespace admits its pods on the listed port and not on others',
    policies: [
      np('prod', 'web-to-ks', {
        podSelector: ml({ app: 'web' }),
        policyTypes: ['Egress'],
        egress: [{ to: [{ namespaceSelector: ml({ 'kubernetes.io/metadata.name': 'kube-system' }) }], ports: [{ protocol: 'UDP', port: 53 }] }],
      }),
    ],
    from: P.web1,
    to: P.dns,
    port: { port: 80 },
    allowed: false,
  },
  {
    rule: 'egress isolation applies only to the pods the policy selects',
    policies: [np('prod', 'deny-web-egress', { podSelector: ml({ app: 'web' }), policyTypes: ['Egress'] })],
    from: P.db,
    to: EXT,
    allowed: true,
  },
  {
    rule: 'a named port in an egress rule resolves against the destination pod',
    policies: [
      np('prod', 'web-to-dns-named', {
        podSelector: ml({ app: 'web' }),
        policyTypes: ['Egress'],
        egress: [{ to: [{ namespaceSelector: {} }], ports: [{ protocol: 'UDP', port: 'dns' }] }],
      }),
    ],
    from: P.web1,
    to: P.dns,
    port: { port: 53, protocol: 'UDP' },
    allowed: true,
  },
  {
    rule: 'a named port in an egress rule matches nothing towards an address outside the cluster',
    policies: [
      np('prod', 'web-to-any-named', {
        podSelector: ml({ app: 'web' }),
        policyTypes: ['Egress'],
        egress: [{ ports: [{ protocol: 'UDP', port: 'dns' }] }],
      }),
    ],
    from: P.web1,
    to: EXT,
    allowed: false,
  },
  {
    rule: 'both directions must allow: egress allows but the receiver is isolated for ingress',
    policies: [np('prod', 'web-egress-all', { podSelector: ml({ app: 'web' }), policyTypes: ['Egress'], egress: [{}] }), defaultDeny('dev')],
    from: P.web1,
    to: P.devWeb,
    allowed: false,
    check: (r) => {
      expect(r.egress.allowed).toBe(true);
      expect(r.ingress.allowed).toBe(false);
    },
  },
  {
    rule: 'both directions must allow: ingress allows but the sender is isolated for egress',
    policies: [np('dev', 'dev-egress-deny', { podSelector: {}, policyTypes: ['Egress'] }), np('prod', 'web-all', { podSelector: ml({ app: 'web' }), ingress: [{}] })],
    from: P.devClient,
    to: P.web1,
    allowed: false,
    check: (r) => expect(r.reasons[2]).toContain('egress from dev/client: isolated by dev/dev-egress-deny; no egress rule admits pod prod/web-1'),
  },
  {
    rule: 'without a tested port: ingress only on 80 and egress only on 443 admit no common port',
    policies: [
      np('prod', 'web-80', { podSelector: ml({ app: 'web' }), ingress: [{ ports: [{ port: 80 }] }] }),
      np('dev', 'client-443', { podSelector: ml({ app: 'client' }), policyTypes: ['Egress'], egress: [{ ports: [{ port: 443 }] }] }),
    ],
    from: P.devClient,
    to: P.web1,
    allowed: false,
    check: (r) => {
      expect(r.ingress.allowed && r.egress.allowed).toBe(true);
      expect(r.reasons).toContain('ingress admits 80/TCP and egress admits 443/TCP: no port is admitted by both');
    },
  },
  {
    rule: 'without a tested port: the allowed ports are the intersection of both directions',
    policies: [
      np('prod', 'web-range', { podSelector: ml({ app: 'web' }), ingress: [{ ports: [{ port: 8000, endPort: 8100 }] }] }),
      np('dev', 'client-8080', { podSelector: ml({ app: 'client' }), policyTypes: ['Egress'], egress: [{ ports: [{ port: 8080 }, { port: 9000 }] }] }),
    ],
    from: P.devClient,
    to: P.web1,
    allowed: true,
    check: (r) => expect(r.ports).toBe('8080/TCP'),
  },
  // --- host network, external peers
  {
    rule: 'a host-network pod is not subject to NetworkPolicy as a destination',
    policies: [defaultDeny('prod')],
    from: P.devClient,
    to: P.hostnet,
    allowed: true,
    check: (r) => expect(r.ingress.applies).toBe(false),
  },
  {
    rule: 'a host-network pod is not matched by a podSelector peer (its traffic carries the node IP)',
    policies: [np('prod', 'db-from-agent', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ podSelector: ml({ app: 'agent' }) }] }] })],
    from: P.hostnet,
    to: P.db,
    allowed: false,
  },
  {
    rule: 'a host-network pod is matched by an ipBlock holding its node IP',
    policies: [np('prod', 'db-from-nodes', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ ipBlock: { cidr: '192.168.1.0/24' } }] }] })],
    from: P.hostnet,
    to: P.db,
    allowed: true,
  },
  {
    rule: 'an external client reaching an isolated pod needs an ipBlock or an all-sources rule',
    policies: [np('prod', 'db-from-pods', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ podSelector: {} }, { namespaceSelector: {} }] }] })],
    from: EXT,
    to: P.db,
    allowed: false,
  },
  {
    rule: 'an external sender has no egress policy: only the pod ingress decides',
    policies: [],
    from: EXT,
    to: P.db,
    allowed: true,
    check: (r) => expect(r.egress.applies).toBe(false),
  },
  // --- selectors in podSelector
  {
    rule: 'target podSelector with NotIn selects pods whose label is absent or different',
    policies: [np('prod', 'not-fe', { podSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['fe'] }] }, policyTypes: ['Ingress'] })],
    from: P.web1,
    to: P.db,
    allowed: false,
  },
  {
    rule: 'target podSelector with DoesNotExist does not select pods that have the key',
    policies: [np('prod', 'no-tier', { podSelector: { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, policyTypes: ['Ingress'] })],
    from: P.db,
    to: P.web1,
    allowed: true,
  },
  {
    rule: 'peer podSelector with Exists admits any pod carrying the key',
    policies: [
      np('prod', 'db-from-tiered', { podSelector: ml({ app: 'db' }), ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] } }] }] }),
    ],
    from: P.web2,
    to: P.db,
    allowed: true,
  },
  // --- legacy semantics
  {
    rule: 'legacy: the DefaultDeny annotation isolates every pod of the namespace without any policy',
    policies: [],
    from: P.oldB,
    to: P.oldA,
    legacy: true,
    allowed: false,
    check: (r) => expect(r.ingress.isolatedBy).toEqual([{ kind: 'annotation', namespace: 'old', name: 'old' }]),
  },
  {
    rule: 'legacy: in an annotated namespace a policy grants',
    policies: [np('old', 'a-from-b', { podSelector: ml({ app: 'a' }), ingress: [{ from: [{ podSelector: ml({ app: 'b' }) }] }] })],
    from: P.oldB,
    to: P.oldA,
    legacy: true,
    allowed: true,
  },
  {
    rule: 'legacy: without the annotation a namespace is open, whatever policies say (a policy never isolates)',
    policies: [defaultDeny('prod')],
    from: P.web1,
    to: P.db,
    legacy: true,
    allowed: true,
  },
  {
    rule: 'legacy: egress policies do not exist',
    policies: [np('prod', 'deny-egress', { podSelector: {}, policyTypes: ['Egress'] })],
    from: P.web1,
    to: EXT,
    legacy: true,
    allowed: true,
    check: (r) => expect(r.egress.applies).toBe(false),
  },
  {
    rule: 'legacy: an annotation weave-npc cannot parse is treated as absent',
    policies: [],
    from: P.web1,
    to: P.brokenA,
    legacy: true,
    allowed: true,
  },
  {
    rule: 'since 1.7 the annotation is ignored (and the reasons say so)',
    policies: [],
    from: P.oldB,
    to: P.oldA,
    allowed: true,
    check: (r) => expect(r.reasons.some((x) => x.includes('pre-1.7 DefaultDeny annotation'))).toBe(true),
  },
];

describe('evaluate: Kubernetes NetworkPolicy semantics', () => {
  it('has a large table', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });
  it.each(cases.map((c) => [c.rule, c] as const))('%s', (_rule, c) => {
    const r = evaluate({ from: c.from, to: c.to, port: c.port, policies: c.policies, namespaces, legacy: c.legacy });
    expect(r.allowed, r.reasons.join('\n')).toBe(c.allowed);
    expect(r.reasons[0]!.startsWith(c.allowed ? 'allowed:' : 'denied:')).toBe(true);
    c.check?.(r);
  });
});

describe('evaluate: errors and API', () => {
  it('refuses two external ends', () => {
    expect(() => evaluate({ from: EXT, to: EXT_PRIVATE, policies: [], namespaces })).toThrow('at least one end of the traffic must be a pod');
  });
  it('refuses a tested named port the destination does not have (usage error, exit 2)', () => {
    try {
      evaluate({ from: P.web1, to: P.db, port: { port: 'http' }, policies: [], namespaces });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(WeavectlError);
      expect((e as WeavectlError).exitCode).toBe(2);
      expect((e as Error).message).toBe('pod prod/db has no container port named "http" (TCP)');
    }
  });
  it('refuses a named port towards an external address', () => {
    expect(() => evaluate({ from: P.web1, to: EXT, port: { port: 'dns', protocol: 'UDP' }, policies: [], namespaces })).toThrow(/needs a destination pod/);
  });
  it('fails (exit 1) on a policy with an invalid selector operator, naming the policy', () => {
    const bad = np('prod', 'bad-op', { podSelector: { matchExpressions: [{ key: 'a', operator: 'Near' as never }] } });
    try {
      evaluate({ from: P.web1, to: P.db, policies: [bad], namespaces });
      expect.unreachable();
    } catch (e) {
      expect((e as WeavectlError).exitCode).toBe(1);
      expect((e as Error).message).toMatch(/^NetworkPolicy prod\/bad-op: spec.podSelector: "Near" is not a valid label selector operator/);
    }
  });
  it('createEvaluator compiles once and reports isolation per pod', () => {
    const ev = createEvaluator({ policies: [defaultDeny('prod'), np('prod', 'eg', { podSelector: ml({ app: 'db' }), policyTypes: ['Egress'] })], namespaces });
    expect(ev.isolation(P.db)).toEqual({
      ingress: [{ kind: 'policy', namespace: 'prod', name: 'default-deny' }],
      egress: [{ kind: 'policy', namespace: 'prod', name: 'eg' }],
    });
    expect(ev.isolation(P.devClient)).toEqual({ ingress: [], egress: [] });
    expect(ev.evaluate(P.web1, P.db).allowed).toBe(false);
  });
  it('the result is plain JSON, reasons included', () => {
    const r = evaluate({ from: P.iperf2, to: P.iperf1, policies: [seedPolicy], namespaces });
    const json = JSON.parse(JSON.stringify(r));
    expect(json.reasons).toEqual(r.reasons);
    expect(json).toEqual({
      allowed: false,
      ports: 'no port',
      ingress: {
        applies: true,
        isolated: true,
        isolatedBy: [{ kind: 'policy', namespace: 'prod', name: 'iperf-prod-1-internal-access' }],
        admittedBy: [],
        allowed: false,
        ports: 'no port',
      },
      egress: { applies: true, isolated: false, isolatedBy: [], admittedBy: [], allowed: true, ports: 'any port' },
      reasons: [
        'denied: pod prod/iperf-prod-2-5bb8 -> pod prod/iperf-prod-1-7d9f',
        'ingress to prod/iperf-prod-1-7d9f: isolated by prod/iperf-prod-1-internal-access; no ingress rule admits pod prod/iperf-prod-2-5bb8',
        'egress from prod/iperf-prod-2-5bb8: not isolated (no NetworkPolicy with policy type Egress selects it): allowed',
      ],
    });
  });
  it('a policy without metadata.namespace is taken to be in "default"', () => {
    const p: NetworkPolicy = { metadata: { name: 'x' }, spec: { podSelector: {} } };
    const inDefault = { namespace: 'default', name: 'a', labels: {} };
    expect(evaluate({ from: P.web1, to: inDefault, policies: [p], namespaces }).allowed).toBe(false);
  });
});
