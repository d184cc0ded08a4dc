import { describe, expect, it } from 'vitest';
import { describePolicy } from '../../src/policy/describe.js';
import { validatePolicy, weaveNpcCaveats } from '../../src/policy/lint.js';
import { isLivePod, namespaceFromObject, podFromObject, policyFromObject } from '../../src/policy/objects.js';
import type { NetworkPolicy } from '../../src/policy/types.js';
import { ml, np, seedPolicy } from './fixtures.js';

describe('describePolicy', () => {
  it.each([
    ['the seed', seedPolicy, ['selects pods run=iperf-prod-1 in prod', 'allows ingress from pods run=iperf-prod-1 in prod on any port']],
    ['a default deny', np('prod', 'd', { podSelector: {}, policyTypes: ['Ingress'] }), ['selects all pods in prod', 'denies all ingress']],
    [
      'a default deny for both directions',
      np('prod', 'd', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
      ['selects all pods in prod', 'denies all ingress', 'denies all egress'],
    ],
    [
      'peers of every kind, ORed, with ports',
      np('prod', 'web', {
        podSelector: ml({ app: 'web' }),
        ingress: [
          {
            from: [
              { podSelector: ml({ app: 'client' }), namespaceSelector: ml({ env: 'dev' }) },
              { namespaceSelector: {} },
              { podSelector: {} },
              { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } },
            ],
            ports: [{ port: 8080 }, { protocol: 'UDP', port: 53 }, { port: 'http' }, { port: 5000, endPort: 5010 }],
          },
        ],
      }),
      [
        'selects pods app=web in prod',
        'allows ingress from pods app=client in namespaces env=dev or all pods in all namespaces or all pods in prod or 10.0.0.0/8 except 10.1.0.0/16 on ports 8080/TCP, 53/UDP, http/TCP (named) and 5000-5010/TCP',
      ],
    ],
    [
      'egress with a protocol-only port, ingress from anywhere',
      np('prod', 'x', { podSelector: ml({ app: 'db' }), ingress: [{ ports: [{ port: 5432 }] }], egress: [{ to: [{ namespaceSelector: ml({ 'kubernetes.io/metadata.name': 'kube-system' }) }], ports: [{ protocol: 'UDP' }] }] }),
      [
        'selects pods app=db in prod',
        'allows ingress from anywhere on port 5432/TCP',
        'allows egress to all pods in namespaces kubernetes.io/metadata.name=kube-system on any UDP port',
      ],
    ],
    [
      'egress rules without policyTypes Egress are ignored, and said to be',
      np('prod', 'x', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}], egress: [{}] }),
      ['selects all pods in prod', 'allows ingress from anywhere on any port', 'ignores its egress rules (policyTypes lacks Egress)'],
    ],
    [
      'an empty peer says it matches nothing',
      np('prod', 'x', { podSelector: {}, ingress: [{ from: [{}] }] }),
      ['selects all pods in prod', 'allows ingress from an empty peer (matches nothing) on any port'],
    ],
  ] as [string, NetworkPolicy, string[]][])('%s', (_n, p, want) => {
    expect(describePolicy(p)).toEqual(want);
  });

  it('under legacy semantics: grants only, in annotated namespaces', () => {
    expect(describePolicy(seedPolicy, { legacy: true })).toEqual([
      'selects pods run=iperf-prod-1 in prod',
      'allows ingress from pods run=iperf-prod-1 in prod on any port',
      'has effect only if namespace prod carries the DefaultDeny annotation (legacy semantics)',
    ]);
  });

  it('under legacy semantics: says whether the namespace carries the annotation, when known', () => {
    expect(describePolicy(seedPolicy, { legacy: true, namespaceIsolated: true }).at(-1)).toBe(
      'takes effect: namespace prod carries the DefaultDeny annotation (legacy semantics)',
    );
    expect(describePolicy(seedPolicy, { legacy: true, namespaceIsolated: false }).at(-1)).toBe(
      'has no effect yet: namespace prod does not carry the DefaultDeny annotation (legacy semantics)',
    );
  });
});

describe('validatePolicy', () => {
  it('accepts the seed', () => {
    expect(validatePolicy(seedPolicy)).toEqual([]);
  });
  it('lists every problem with its field path', () => {
    const bad = {
      apiVersion: 'networking.k8s.io/v2',
      kind: 'NetworkPolicy',
      metadata: { name: 'Bad', namespace: 'prod' },
      spec: {
        podSelector: { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] },
        policyTypes: ['Ingress', 'Sideways', 'Ingress'],
        ingress: [
          {
            from: [{}, { ipBlock: { cidr: '10.0.0.0/8', except: ['11.0.0.0/16', '10.0.0.0/8'] }, podSelector: {} }],
            ports: [{ protocol: 'ICMP', port: 0 }, { port: 'HTTP' }, { port: 80, endPort: 79 }, { endPort: 90 }],
          },
        ],
        egress: [{ to: [{ ipBlock: { cidr: 'ten' } }] }],
      },
    } as unknown as NetworkPolicy;
    expect(validatePolicy(bad)).toEqual([
      'apiVersion: "networking.k8s.io/v2" is not networking.k8s.io/v1 or extensions/v1beta1',
      'metadata.name: "Bad" is not a lowercase DNS subdomain',
      'spec.podSelector: operator In on "a" needs at least one value',
      'spec.policyTypes[1]: "Sideways" is not Ingress or Egress',
      'spec.policyTypes[2]: Ingress is listed twice',
      'spec.ingress[0].from[0]: a peer must set podSelector, namespaceSelector or ipBlock',
      'spec.ingress[0].from[1]: ipBlock cannot be combined with podSelector or namespaceSelector',
      'spec.ingress[0].from[1].ipBlock.except[0]: 11.0.0.0/16 must be a strict subset of 10.0.0.0/8',
      'spec.ingress[0].from[1].ipBlock.except[1]: 10.0.0.0/8 must be a strict subset of 10.0.0.0/8',
      'spec.ingress[0].ports[0].protocol: "ICMP" is not TCP, UDP or SCTP',
      'spec.ingress[0].ports[0].port: 0 is not a port number (1-65535)',
      'spec.ingress[0].ports[1].port: port name "HTTP" may contain only lowercase letters, digits and \'-\', and must start and end with a letter or digit',
      'spec.ingress[0].ports[2].endPort: 79 is less than port 80',
      'spec.ingress[0].ports[3].endPort: needs port',
      'spec.egress[0].to[0].ipBlock.cidr: "ten" is not a CIDR',
    ]);
  });
});

describe('weaveNpcCaveats', () => {
  const tricky = np('prod', 'tricky', {
    podSelector: ml({ app: 'web' }),
    ingress: [
      { from: [{ podSelector: ml({ app: 'client' }), namespaceSelector: ml({ env: 'dev' }) }], ports: [{ port: 'http' }] },
      { from: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 5000, endPort: 5010 }] },
    ],
    egress: [{}],
  });
  it('without a version: every difference, with the releases it concerns', () => {
    expect(weaveNpcCaveats(tricky)).toEqual([
      'prod/tricky: weave-npc does not support named ports (http) and rejects the whole policy (weave#3032); weave-npc 2.5.1 and 2.6.0 exit on it (weave#3785)',
      'prod/tricky ingress rule 1: weave-npc before 2.6 ignores the namespaceSelector of a peer that also has a podSelector: it admits those pods of prod only (weave#3312)',
      'prod/tricky ingress rule 2: weave-npc ignores endPort: it opens port 5000 only, not 5000-5010',
      'prod/tricky ingress rule 2: weave-npc before 2.5 does not enforce ipBlock in ingress rules: the rule admits every source (weave#3168)',
      "prod/tricky ingress rule 2: traffic reaching a pod through a Service or NodePort is often source-NATed before weave-npc sees it, so ipBlock may not match the client's address",
      'prod/tricky: weave-npc before 2.4 does not enforce egress policies',
    ]);
  });
  it('with a version: only what applies to it', () => {
    expect(weaveNpcCaveats(tricky, { weaveVersion: '2.8.1' })).toEqual([
      'prod/tricky: weave-npc does not support named ports (http) and rejects the whole policy (weave#3032); weave-npc 2.5.1 and 2.6.0 exit on it (weave#3785)',
      'prod/tricky ingress rule 2: weave-npc ignores endPort: it opens port 5000 only, not 5000-5010',
      "prod/tricky ingress rule 2: traffic reaching a pod through a Service or NodePort is often source-NATed before weave-npc sees it, so ipBlock may not match the client's address",
    ]);
    expect(weaveNpcCaveats(tricky, { weaveVersion: '2.5.2' })).toContain(
      'prod/tricky ingress rule 2: weave-npc 2.5.2 admits every source for an ingress ipBlock rule with ports (weave#3653)',
    );
    expect(weaveNpcCaveats(tricky, { weaveVersion: '2.3.0' })).toContain('prod/tricky: weave-npc 2.3.0 does not enforce egress policies');
  });
  it('nothing to say about the seed', () => {
    expect(weaveNpcCaveats(seedPolicy, { weaveVersion: '2.0.5' })).toEqual([]);
  });
});

describe('object adapters', () => {
  it('podFromObject keeps labels, IP, host network and the containers ports', () => {
    const pod = podFromObject({
      metadata: { name: 'web-1', namespace: 'prod', labels: { app: 'web' } },
      spec: { hostNetwork: false, containers: [{ ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 53, protocol: 'UDP' }] }, {}] },
      status: { podIP: '10.32.0.10', phase: 'Running' },
    });
    expect(pod).toEqual({
      namespace: 'prod',
      name: 'web-1',
      labels: { app: 'web' },
      ip: '10.32.0.10',
      ports: [
        { name: 'http', containerPort: 8080, protocol: 'TCP' },
        { containerPort: 53, protocol: 'UDP' },
      ],
    });
    expect(podFromObject({ metadata: { name: 'n', namespace: 'x' }, spec: { hostNetwork: true } })).toEqual({ namespace: 'x', name: 'n', labels: {}, hostNetwork: true });
    expect(isLivePod({ status: { phase: 'Succeeded' } })).toBe(false);
    expect(isLivePod({ status: { phase: 'Pending' } })).toBe(true);
    expect(() => podFromObject({ metadata: {} })).toThrow('a Pod object without metadata.name');
  });
  it('namespaceFromObject and policyFromObject', () => {
    expect(namespaceFromObject({ metadata: { name: 'prod', labels: { a: 'b' }, annotations: { x: 'y' } } })).toEqual({ name: 'prod', labels: { a: 'b' }, annotations: { x: 'y' } });
    expect(policyFromObject(seedPolicy as never)).toEqual(seedPolicy);
    expect(() => policyFromObject({ kind: 'Pod', metadata: { name: 'p' } })).toThrow('Pod p is not a NetworkPolicy');
    expect(policyFromObject({ kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'a' } }).spec).toEqual({ podSelector: {} });
  });
});
