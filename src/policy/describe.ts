/**
 * NetworkPolicies in plain English, for `weavectl policy list` and for evaluation reasons:
 *   selects pods run=iperf-prod-1 in prod
 *   allows ingress from pods run=iperf-prod-1 in prod on any port
 * Pure: no I/O.
 */
import type { CompiledRule } from './compile.js';
import { effectivePolicyTypes } from './compile.js';
import { formatPolicyPort } from './ports.js';
import { isEmptySelector, selectorString } from './selector.js';
import type { Direction, LabelSelector, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from './types.js';

function sel(s: LabelSelector): string {
  try {
    return selectorString(s);
  } catch {
    return JSON.stringify(s);
  }
}

/** "pods run=x in prod", "all pods in prod". */
export function describeTargets(podSelector: LabelSelector | undefined, namespace: string): string {
  return isEmptySelector(podSelector) ? `all pods in ${namespace}` : `pods ${sel(podSelector!)} in ${namespace}`;
}

/** One peer, without the from/to word: "pods run=x in prod", "all pods in namespaces team=a", "10.0.0.0/8 except 10.1.0.0/16". */
export function describePeer(peer: NetworkPolicyPeer, policyNamespace: string): string {
  if (!peer || typeof peer !== 'object') return 'an invalid peer (matches nothing)';
  if (peer.ipBlock) {
    if (peer.podSelector || peer.namespaceSelector) return 'an invalid peer: ipBlock with a selector (matches nothing)';
    const ex = peer.ipBlock.except ?? [];
    return `${peer.ipBlock.cidr}${ex.length ? ` except ${ex.join(', ')}` : ''}`;
  }
  const pods = peer.podSelector;
  const nss = peer.namespaceSelector;
  if (!pods && !nss) return 'an empty peer (matches nothing)';
  const podPart = !pods || isEmptySelector(pods) ? 'all pods' : `pods ${sel(pods)}`;
  if (!nss) return `${podPart} in ${policyNamespace}`;
  const nsPart = isEmptySelector(nss) ? 'all namespaces' : `namespaces ${sel(nss)}`;
  return `${podPart} in ${nsPart}`;
}

/** "from pods run=x in prod" / "to 10.0.0.0/8". */
export function describePeerShort(peer: NetworkPolicyPeer, policyNamespace: string, dir: Direction): string {
  return `${dir === 'ingress' ? 'from' : 'to'} ${describePeer(peer, policyNamespace)}`;
}

/** "on any port", "on port 5201/TCP", "on ports 5201/TCP and 53/UDP". */
export function describePorts(ports: NetworkPolicyPort[] | undefined): string {
  if (!ports || ports.length === 0) return 'on any port';
  const parts = ports.map((p) => {
    const t = formatPolicyPort(p ?? {});
    return typeof p?.port === 'string' && !/^[0-9]+$/.test(p.port) ? `${t} (named)` : t;
  });
  if (parts.length === 1) return parts[0]!.startsWith('any ') ? `on ${parts[0]}` : `on port ${parts[0]}`;
  return `on ports ${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

function describeRule(dir: Direction, peers: NetworkPolicyPeer[] | undefined, ports: NetworkPolicyPort[] | undefined, ns: string): string {
  const verb = dir === 'ingress' ? 'allows ingress from' : 'allows egress to';
  const who = !peers || peers.length === 0 ? 'anywhere' : peers.map((p) => describePeer(p, ns)).join(' or ');
  return `${verb} ${who} ${describePorts(ports)}`;
}

/** "prod/allow-web ingress rule 2". */
export function describeRuleShort(r: CompiledRule): string {
  return `${r.policy.ref.namespace}/${r.policy.ref.name} ${r.direction} rule ${r.index + 1}`;
}

export interface DescribeOptions {
  /** Pre-1.7 semantics: policies only grant, isolation comes from the namespace annotation. */
  legacy?: boolean;
  /** Legacy semantics: whether the policy's namespace carries the DefaultDeny annotation, when known. */
  namespaceIsolated?: boolean;
}

/**
 * Plain-English lines for one policy: what it selects, then one line per rule, then what it
 * denies. For the seed policy:
 *   ["selects pods run=iperf-prod-1 in prod", "allows ingress from pods run=iperf-prod-1 in prod on any port"]
 */
export function describePolicy(policy: NetworkPolicy, opts: DescribeOptions = {}): string[] {
  const ns = policy.metadata?.namespace ?? 'default';
  const spec = policy.spec ?? ({} as NetworkPolicy['spec']);
  const lines = [`selects ${describeTargets(spec.podSelector, ns)}`];
  const ingressRules = spec.ingress ?? [];
  const egressRules = spec.egress ?? [];
  if (opts.legacy) {
    for (const r of ingressRules) lines.push(describeRule('ingress', r?.from, r?.ports, ns));
    if (ingressRules.length === 0) lines.push('grants nothing (legacy semantics: a policy only adds allowed traffic)');
    if (egressRules.length > 0) lines.push('ignores its egress rules (legacy semantics have no egress policies)');
    if (opts.namespaceIsolated === true) lines.push(`takes effect: namespace ${ns} carries the DefaultDeny annotation (legacy semantics)`);
    else if (opts.namespaceIsolated === false) lines.push(`has no effect yet: namespace ${ns} does not carry the DefaultDeny annotation (legacy semantics)`);
    else lines.push(`has effect only if namespace ${ns} carries the DefaultDeny annotation (legacy semantics)`);
    return lines;
  }
  const types = effectivePolicyTypes(policy);
  const hasIngress = types.includes('Ingress');
  const hasEgress = types.includes('Egress');
  if (hasIngress) {
    for (const r of ingressRules) lines.push(describeRule('ingress', r?.from, r?.ports, ns));
    if (ingressRules.length === 0) lines.push('denies all ingress');
  } else if (ingressRules.length > 0) {
    lines.push('ignores its ingress rules (policyTypes lacks Ingress)');
  }
  if (hasEgress) {
    for (const r of egressRules) lines.push(describeRule('egress', r?.to, r?.ports, ns));
    if (egressRules.length === 0) lines.push('denies all egress');
  } else if (egressRules.length > 0) {
    lines.push('ignores its egress rules (policyTypes lacks Egress)');
  }
  return lines;
}
