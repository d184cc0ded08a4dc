/** A small cluster shared by the policy tests, and helpers to write policies briefly. */
import type { LabelSelector, Namespace, NetworkPolicy, NetworkPolicySpec, Pod } from '../../src/policy/types.js';

export function np(namespace: string, name: string, spec: Partial<NetworkPolicySpec> & { podSelector?: LabelSelector }): NetworkPolicy {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec: { podSelector: {}, ...spec } };
}

export const ml = (labels: Record<string, string>): LabelSelector => ({ matchLabels: labels });

export const namespaces: Namespace[] = [
  { name: 'prod', labels: { env: 'prod', team: 'a', 'kubernetes.io/metadata.name': 'prod' } },
  { name: 'dev', labels: { env: 'dev', team: 'a', 'kubernetes.io/metadata.name': 'dev' } },
  { name: 'qa', labels: { env: 'qa', team: 'b', 'kubernetes.io/metadata.name': 'qa' } },
  { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' } },
  {
    name: 'old',
    labels: { env: 'old' },
    annotations: { 'net.beta.kubernetes.io/network-policy': '{"ingress":{"isolation":"DefaultDeny"}}' },
  },
  { name: 'broken', labels: {}, annotations: { 'net.beta.kubernetes.io/network-policy': '{ingress: DefaultDeny' } },
];

function pod(namespace: string, name: string, labels: Record<string, string>, ip: string | undefined, extra: Partial<Pod> = {}): Pod {
  return { namespace, name, labels, ...(ip ? { ip } : {}), ...extra };
}

export const P = {
  web1: pod('prod', 'web-1', { app: 'web', tier: 'fe' }, '10.32.0.10', {
    ports: [
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9090 },
    ],
  }),
  web2: pod('prod', 'web-2', { app: 'web', tier: 'fe' }, '10.32.0.11', { ports: [{ name: 'http', containerPort: 8081, protocol: 'TCP' }] }),
  db: pod('prod', 'db', { app: 'db' }, '10.32.0.12', { ports: [{ name: 'postgres', containerPort: 5432 }] }),
  iperf1: pod('prod', 'iperf-prod-1-7d9f', { run: 'iperf-prod-1' }, '172.25.96.3', { ports: [{ containerPort: 5201 }] }),
  iperf1b: pod('prod', 'iperf-prod-1-x2kq', { run: 'iperf-prod-1' }, '172.25.120.5', { ports: [{ containerPort: 5201 }] }),
  iperf2: pod('prod', 'iperf-prod-2-5bb8', { run: 'iperf-prod-2' }, '172.25.88.4'),
  pending: pod('prod', 'pending', { app: 'web', tier: 'fe' }, undefined),
  hostnet: pod('prod', 'agent-node1', { app: 'agent' }, '192.168.1.10', { hostNetwork: true }),
  devClient: pod('dev', 'client', { app: 'client' }, '10.40.0.5'),
  devWeb: pod('dev', 'web', { app: 'web' }, '10.40.0.6'),
  qaClient: pod('qa', 'client', { app: 'client' }, '10.44.0.7'),
  dns: pod('kube-system', 'coredns-1', { 'k8s-app': 'kube-dns' }, '10.32.0.2', {
    ports: [
      { name: 'dns', containerPort: 53, protocol: 'UDP' },
      { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
    ],
  }),
  oldA: pod('old', 'a', { app: 'a' }, '10.36.0.1'),
  oldB: pod('old', 'b', { app: 'b' }, '10.36.0.2'),
  brokenA: pod('broken', 'a', { app: 'a' }, '10.37.0.1'),
} satisfies Record<string, Pod>;

export const EXT = { ip: '203.0.113.7' };
export const EXT_PRIVATE = { ip: '10.1.2.3' };

export const defaultDeny = (ns: string) => np(ns, 'default-deny', { podSelector: {}, policyTypes: ['Ingress'] });

/** The seed policy, as the issue writes it. */
export const seedPolicy: NetworkPolicy = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'iperf-prod-1-internal-access', namespace: 'prod' },
  spec: {
    podSelector: { matchLabels: { run: 'iperf-prod-1' } },
    ingress: [{ from: [{ podSelector: { matchLabels: { run: 'iperf-prod-1' } } }] }],
  },
};

/** A deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed's policy, as the issue writes it (networking.k8s.io/v1). */
export const SEED_YAML = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: iperf-prod-1-internal-access
  namespace: prod
spec:
  podSelector:
    matchLabels:
      run: iperf-prod-1
  ingress:
  - from:
    - podSelector:
        matchLabels:
          run: iperf-prod-1
`;
