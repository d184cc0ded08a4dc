import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { WeavectlError } from '../../src/errors.js';
import {
  apiVersionFor,
  buildAllow,
  buildAllowEgress,
  buildDefaultDeny,
  isolationMethodFor,
  legacyIsolationAnnotation,
  legacyIsolationPatch,
  parsePort,
  parsePortQuery,
  renderPolicyYaml,
  toDnsLabel,
} from '../../src/policy/build.js';
import { evaluate } from '../../src/policy/evaluate.js';
import { describePolicy } from '../../src/policy/describe.js';
import { hasLegacyDefaultDeny } from '../../src/policy/compile.js';
import { P, SEED_YAML, namespaces, seedPolicy } from './fixtures.js';


function usage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(WeavectlError);
    expect((e as WeavectlError).exitCode).toBe(2);
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('buildAllow: the seed policy', () => {
  it('comes out field for field, with the default name', () => {
    const p = buildAllow({ namespace: 'prod', to: 'run=iperf-prod-1', from: 'run=iperf-prod-1' });
    expect(p).toStrictEqual(seedPolicy);
    expect(JSON.stringify(p)).toBe(JSON.stringify(seedPolicy)); // key order too
    expect(renderPolicyYaml(p)).toBe(SEED_YAML);
  });
  it('takes --name', () => {
    expect(buildAllow({ namespace: 'prod', name: 'my-policy', to: 'run=iperf-prod-1', from: 'run=iperf-prod-1' }).metadata.name).toBe('my-policy');
  });
  it('writes extensions/v1beta1 where only that is served, with the same spec', () => {
    const p = buildAllow({ namespace: 'prod', to: 'run=iperf-prod-1', from: 'run=iperf-prod-1', apiVersion: apiVersionFor({ k8s: 6 }) });
    expect(p.apiVersion).toBe('extensions/v1beta1');
    expect(renderPolicyYaml(p)).toBe(SEED_YAML.replace('networking.k8s.io/v1', 'extensions/v1beta1'));
  });
  it('reads back as the same object', () => {
    expect(parse(renderPolicyYaml(buildAllow({ namespace: 'prod', to: 'run=iperf-prod-1', from: 'run=iperf-prod-1' })))).toEqual(seedPolicy);
  });
  it('describes itself in plain English', () => {
    expect(describePolicy(seedPolicy).join('; ')).toBe('selects pods run=iperf-prod-1 in prod; allows ingress from pods run=iperf-prod-1 in prod on any port');
  });
  it('with the isolation policy, admits iperf-prod-1 to itself and denies iperf-prod-2', () => {
    const policies = [buildDefaultDeny({ namespace: 'prod' }), buildAllow({ namespace: 'prod', to: 'run=iperf-prod-1', from: 'run=iperf-prod-1' })];
    expect(evaluate({ from: P.iperf1b, to: P.iperf1, port: { port: 5201 }, policies, namespaces }).allowed).toBe(true);
    expect(evaluate({ from: P.iperf2, to: P.iperf1, port: { port: 5201 }, policies, namespaces }).allowed).toBe(false);
  });
});

describe('buildAllow: peers, ports and names', () => {
  it('from + fromNamespace make ONE peer (AND)', () => {
    const p = buildAllow({ namespace: 'prod', to: 'app=web', from: 'app=client', fromNamespace: 'env=dev' });
    expect(p.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { app: 'client' } }, namespaceSelector: { matchLabels: { env: 'dev' } } }] }]);
    expect(p.metadata.name).toBe('web-from-client-in-dev');
  });
  it('fromCidr is a separate peer (OR), with except', () => {
    const p = buildAllow({ namespace: 'prod', to: 'app=web', from: 'app=client', fromCidr: '10.0.0.0/8', except: ['10.1.0.0/16'] });
    expect(p.spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { app: 'client' } } }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }] },
    ]);
    expect(p.metadata.name).toBe('web-from-client-or-10-0-0-0-8');
  });
  it('no source: from anywhere, ports written with their protocol', () => {
    const p = buildAllow({ namespace: 'prod', to: 'run=iperf-prod-1', ports: ['5201', '5201/UDP', 'http', '5000-5010/TCP', '5201/tcp'] });
    expect(p.spec.ingress).toEqual([
      {
        ports: [
          { protocol: 'TCP', port: 5201 },
          { protocol: 'UDP', port: 5201 },
          { protocol: 'TCP', port: 'http' },
          { protocol: 'TCP', port: 5000, endPort: 5010 },
        ],
      },
    ]);
    expect(p.metadata.name).toBe('iperf-prod-1-from-anywhere-5201-5201-udp-http-5000-5010');
  });
  it('an empty --to selects every pod; a namespace by name uses kubernetes.io/metadata.name', () => {
    const p = buildAllow({ namespace: 'prod', to: '', fromNamespaceName: 'monitoring', ports: ['9090'] });
    expect(p.spec).toEqual({
      podSelector: {},
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 9090 }] }],
    });
    expect(p.metadata.name).toBe('all-pods-from-ns-monitoring-9090');
  });
  it('an empty rule when there is neither source nor port', () => {
    expect(buildAllow({ namespace: 'prod', to: 'app=web' }).spec.ingress).toEqual([{}]);
  });
  it('long default names stay DNS labels, distinct by a hash', () => {
    const a = buildAllow({ namespace: 'prod', to: 'app=web', from: 'tier in (a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t)' }).metadata.name;
    const b = buildAllow({ namespace: 'prod', to: 'app=web', from: 'tier in (a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,u)' }).metadata.name;
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(a).not.toBe(b);
    expect(toDnsLabel('--A__b--')).toBe('a-b');
  });
  it('refuses what the API server would refuse, in one line', () => {
    expect(usage(() => buildAllow({ namespace: 'Prod', to: 'a=b' }))).toMatch(/invalid namespace "Prod"/);
    expect(usage(() => buildAllow({ namespace: 'prod', to: 'a=b', except: ['10.1.0.0/16'] }))).toBe('--except needs --from-cidr');
    expect(usage(() => buildAllow({ namespace: 'prod', to: 'a=b', fromCidr: '10.0.0.0/33' }))).toMatch(/--from-cidr: "10.0.0.0\/33" is not a CIDR/);
    expect(usage(() => buildAllow({ namespace: 'prod', to: 'a=b', fromCidr: '10.0.0.0/8', except: ['192.168.0.0/16'] }))).toBe(
      '--except 192.168.0.0/16 must be a smaller block inside 10.0.0.0/8',
    );
    expect(usage(() => buildAllow({ namespace: 'prod', to: 'a=b', fromNamespace: 'x=y', fromNamespaceName: 'x' }))).toBe(
      'give --from-namespace or --from-namespace-name, not both',
    );
    expect(usage(() => buildAllow({ namespace: 'prod', to: 'a=b', name: 'Bad_Name' }))).toMatch(/invalid policy name "Bad_Name"/);
    expect(usage(() => buildAllow({ namespace: 'prod', to: 'a=b,' }))).toBe('invalid --to selector "a=b,": a trailing comma');
  });
  it('refuses a CIDR with host bits, as --ipalloc does (10.0.0.1/8 would allow all of 10.0.0.0/8; issue 10, point 8)', () => {
    expect(usage(() => buildAllow({ namespace: 'prod', to: 'a=b', fromCidr: '10.0.0.1/8' }))).toBe('--from-cidr 10.0.0.1/8 is not a network address: did you mean 10.0.0.0/8?');
    expect(usage(() => buildAllow({ namespace: 'prod', to: 'a=b', fromCidr: '203.0.113.7/24' }))).toBe(
      '--from-cidr 203.0.113.7/24 is not a network address: did you mean 203.0.113.0/24?',
    );
    expect(usage(() => buildAllow({ namespace: 'prod', to: 'a=b', fromCidr: 'fd00::1/64' }))).toBe('--from-cidr fd00::1/64 is not a network address: did you mean fd00::/64?');
    expect(usage(() => buildAllow({ namespace: 'prod', to: 'a=b', fromCidr: '10.0.0.0/8', except: ['10.1.0.1/16'] }))).toBe(
      '--except 10.1.0.1/16 is not a network address: did you mean 10.1.0.0/16?',
    );
    // a network address and a single host stay accepted
    expect(buildAllow({ namespace: 'prod', to: 'a=b', fromCidr: '203.0.113.7/32' }).spec.ingress?.[0]?.from).toEqual([{ ipBlock: { cidr: '203.0.113.7/32' } }]);
  });
  it('refuses features the cluster version does not have', () => {
    expect(usage(() => buildAllow({ namespace: 'prod', to: 'a=b', fromNamespaceName: 'x', k8s: 20 }))).toMatch(/needs Kubernetes 1.21 or later/);
    expect(usage(() => buildAllow({ namespace: 'prod', to: 'a=b', from: 'c=d', fromNamespace: 'e=f', k8s: { major: 1, minor: 10 } }))).toMatch(/1.11 or later/);
    expect(usage(() => buildAllow({ namespace: 'prod', to: 'a=b', ports: ['5000-5010'], k8s: 21 }))).toMatch(/needs Kubernetes 1.22 or later \(endPort\)/);
    expect(usage(() => buildAllow({ namespace: 'prod', to: 'a=b', fromCidr: '10.0.0.0/8', k8s: 7 }))).toMatch(/ipBlock\) needs Kubernetes 1.8/);
    expect(usage(() => buildAllow({ namespace: 'prod', to: 'a=b', ports: ['9/SCTP'], k8s: 18 }))).toMatch(/SCTP in a NetworkPolicy needs Kubernetes 1.19/);
    expect(buildAllow({ namespace: 'prod', to: 'a=b', ports: ['5000-5010'], k8s: 22 }).spec.ingress![0]!.ports).toEqual([{ protocol: 'TCP', port: 5000, endPort: 5010 }]);
  });
});

describe('buildAllowEgress', () => {
  it('selects the senders and carries policyTypes [Egress] so ingress stays open', () => {
    const p = buildAllowEgress({ namespace: 'prod', from: 'app=web', toNamespaceName: 'kube-system', ports: ['53/UDP', '53/TCP'] });
    expect(p).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'web-egress-to-ns-kube-system-53-udp-53', namespace: 'prod' },
      spec: {
        podSelector: { matchLabels: { app: 'web' } },
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      },
    });
    expect(evaluate({ from: P.devClient, to: P.web1, policies: [p], namespaces }).allowed).toBe(true);
    expect(evaluate({ from: P.web1, to: P.dns, port: { port: 53, protocol: 'UDP' }, policies: [p], namespaces }).allowed).toBe(true);
    expect(evaluate({ from: P.web1, to: P.db, policies: [p], namespaces }).allowed).toBe(false);
  });
  it('needs Kubernetes 1.8', () => {
    expect(usage(() => buildAllowEgress({ namespace: 'prod', from: 'a=b', k8s: 7 }))).toMatch(/egress policies need Kubernetes 1.8 or later \(the cluster is 1.7\)/);
  });
});

describe('buildDefaultDeny', () => {
  it('ingress by default, named default-deny-ingress, with policyTypes', () => {
    expect(renderPolicyYaml(buildDefaultDeny({ namespace: 'prod' }))).toBe(
      `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-ingress
  namespace: prod
spec:
  podSelector: {}
  policyTypes:
  - Ingress
`,
    );
  });
  it('ingress and egress: default-deny-all; egress only: default-deny-egress', () => {
    expect(buildDefaultDeny({ namespace: 'prod', egress: true })).toMatchObject({ metadata: { name: 'default-deny-all' }, spec: { policyTypes: ['Ingress', 'Egress'] } });
    expect(buildDefaultDeny({ namespace: 'prod', ingress: false, egress: true })).toMatchObject({ metadata: { name: 'default-deny-egress' }, spec: { policyTypes: ['Egress'] } });
  });
  it('on Kubernetes 1.7 there is no policyTypes field: it is left out (same meaning)', () => {
    expect(buildDefaultDeny({ namespace: 'prod', k8s: 7 }).spec).toStrictEqual({ podSelector: {} });
    expect(buildDefaultDeny({ namespace: 'prod', k8s: 8 }).spec).toStrictEqual({ podSelector: {}, policyTypes: ['Ingress'] });
  });
  it('refuses egress before 1.8, and a policy before 1.7 (pointing at the annotation)', () => {
    expect(usage(() => buildDefaultDeny({ namespace: 'prod', egress: true, k8s: 7 }))).toMatch(/egress policies need Kubernetes 1.8/);
    try {
      buildDefaultDeny({ namespace: 'prod', k8s: 6 });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toBe('on Kubernetes 1.6 a policy cannot isolate a namespace');
      expect((e as WeavectlError).hint).toBe(
        `annotate the namespace instead: kubectl annotate ns prod net.beta.kubernetes.io/network-policy='{"ingress":{"isolation":"DefaultDeny"}}'`,
      );
    }
    expect(usage(() => buildDefaultDeny({ namespace: 'prod', ingress: false }))).toBe('a default-deny policy must deny ingress, egress or both');
  });
  it('isolates: every pod of the namespace is denied', () => {
    expect(evaluate({ from: P.devClient, to: P.db, policies: [buildDefaultDeny({ namespace: 'prod' })], namespaces }).allowed).toBe(false);
  });
});

describe('the pre-1.7 annotation', () => {
  it('is the key and JSON value weave-npc reads', () => {
    const a = legacyIsolationAnnotation();
    expect(a).toEqual({ key: 'net.beta.kubernetes.io/network-policy', value: '{"ingress":{"isolation":"DefaultDeny"}}' });
    expect(hasLegacyDefaultDeny({ [a.key]: a.value })).toBe(true);
    expect(hasLegacyDefaultDeny({ [a.key]: '{"ingress":{"isolation":"DefaultAllow"}}' })).toBe(false);
  });
  it('as a merge patch that sets or removes it', () => {
    expect(legacyIsolationPatch(true)).toEqual({ metadata: { annotations: { 'net.beta.kubernetes.io/network-policy': '{"ingress":{"isolation":"DefaultDeny"}}' } } });
    expect(legacyIsolationPatch(false)).toEqual({ metadata: { annotations: { 'net.beta.kubernetes.io/network-policy': null } } });
  });
});

describe('apiVersionFor and isolationMethodFor', () => {
  it.each([
    [{ k8s: 7 }, 'networking.k8s.io/v1'],
    [{ k8s: 29 }, 'networking.k8s.io/v1'],
    [{ k8s: 3 }, 'extensions/v1beta1'],
    [{ k8s: { major: 1, minor: 6 } }, 'extensions/v1beta1'],
    [{}, 'networking.k8s.io/v1'],
    [{ servedGroupVersions: ['v1', 'extensions/v1beta1', 'networking.k8s.io/v1'] }, 'networking.k8s.io/v1'],
    [{ servedGroupVersions: ['v1', 'extensions/v1beta1'], k8s: 7 }, 'extensions/v1beta1'],
  ] as const)('%j -> %s', (input, want) => {
    expect(apiVersionFor(input)).toBe(want);
  });
  it('refuses 1.2 (no NetworkPolicy) and fails on a cluster that serves none', () => {
    expect(usage(() => apiVersionFor({ k8s: 2 }))).toBe('Kubernetes 1.2 has no NetworkPolicy API (it came in 1.3)');
    expect(() => apiVersionFor({ servedGroupVersions: ['v1', 'extensions/v1beta1'], k8s: 16 })).toThrow(/serves no NetworkPolicy API/);
  });
  it('isolation is an annotation before 1.7, a policy from 1.7', () => {
    expect(isolationMethodFor(6)).toBe('annotation');
    expect(isolationMethodFor(7)).toBe('policy');
    expect(isolationMethodFor(undefined)).toBe('policy');
  });
});

describe('parsePort: --port PORT[/PROTO]', () => {
  it.each([
    ['5201', { protocol: 'TCP', port: 5201 }],
    ['5201/TCP', { protocol: 'TCP', port: 5201 }],
    ['53/udp', { protocol: 'UDP', port: 53 }],
    ['9/SCTP', { protocol: 'SCTP', port: 9 }],
    ['http', { protocol: 'TCP', port: 'http' }],
    ['dns/UDP', { protocol: 'UDP', port: 'dns' }],
    ['5000-5010/TCP', { protocol: 'TCP', port: 5000, endPort: 5010 }],
    ['80-80', { protocol: 'TCP', port: 80 }],
    ['65535', { protocol: 'TCP', port: 65535 }],
    ['metrics-x', { protocol: 'TCP', port: 'metrics-x' }],
  ])('%s', (text, want) => {
    expect(parsePort(text)).toEqual(want);
  });
  it.each([
    ['', /empty port/],
    ['0', /port 0 is out of range \(1-65535\)/],
    ['65536/TCP', /port 65536 is out of range/],
    ['5201/icmp', /unknown protocol "icmp" \(expected TCP, UDP or SCTP\)/],
    ['5010-5000', /the range ends before it starts/],
    ['080', /"080" is not a port number/],
    ['HTTP', /may contain only lowercase letters/],
    ['a--b', /must not contain '--'/],
    ['verylongportname16', /1 to 15 characters/],
    ['/TCP', /the port is missing before '\/'/],
    ['1/2/3', /expected PORT\[\/PROTOCOL\]/],
  ])('refuses %j', (text, re) => {
    expect(usage(() => parsePort(text))).toMatch(re);
  });
  it('a tested port is one port, not a range', () => {
    expect(parsePortQuery('http')).toEqual({ port: 'http', protocol: 'TCP' });
    expect(usage(() => parsePortQuery('1-2'))).toMatch(/give one port to test, not a range/);
  });
});
