/**
 * Checks on NetworkPolicies: what the API server would refuse (validatePolicy), and what
 * weave-npc does differently from Kubernetes (weaveNpcCaveats). Pure: no I/O.
 *
 * weave-npc facts (weaveworks/weave npc/analyser.go, ipblock.go and the issues named):
 * - named ports are not supported: the whole policy is rejected (weave#3032); 2.5.1 and 2.6.0 exit
 *   on such a policy (weave#3785);
 * - endPort is not read: only `port` is opened;
 * - podSelector and namespaceSelector in one peer are supported from 2.6 (weave#3647); before, the
 *   peer counts as its podSelector alone, in the policy's namespace;
 * - ipBlock in ingress rules is enforced from 2.5 (weave#3367); before, such a rule admitted every
 *   source; in 2.5 an ingress ipBlock rule with ports admitted every source (weave#3653);
 * - egress policies are enforced from 2.4 (weave#3313).
 */
import { selectorProblems } from './selector.js';
import { parseBlock, blockInside } from './ip.js';
import { portNameProblem, MIN_PORT, MAX_PORT } from './ports.js';
import { PROTOCOLS, type NetworkPolicy, type NetworkPolicyPeer, type NetworkPolicyPort } from './types.js';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function peerProblems(peer: NetworkPolicyPeer, path: string): string[] {
  if (!peer || typeof peer !== 'object') return [`${path}: a peer must be an object`];
  const out: string[] = [];
  const sels = peer.podSelector != null || peer.namespaceSelector != null;
  if (peer.ipBlock != null) {
    if (sels) out.push(`${path}: ipBlock cannot be combined with podSelector or namespaceSelector`);
    const block = parseBlock(String(peer.ipBlock.cidr ?? ''));
    if (!block) out.push(`${path}.ipBlock.cidr: ${JSON.stringify(peer.ipBlock.cidr)} is not a CIDR`);
    (peer.ipBlock.except ?? []).forEach((e, i) => {
      const eb = parseBlock(String(e));
      if (!eb) out.push(`${path}.ipBlock.except[${i}]: ${JSON.stringify(e)} is not a CIDR`);
      else if (block && (!blockInside(eb, block) || eb.prefix === block.prefix)) {
        out.push(`${path}.ipBlock.except[${i}]: ${e} must be a strict subset of ${peer.ipBlock!.cidr}`);
      }
    });
  } else if (!sels) {
    out.push(`${path}: a peer must set podSelector, namespaceSelector or ipBlock`);
  }
  for (const p of selectorProblems(peer.podSelector)) out.push(`${path}.podSelector: ${p}`);
  for (const p of selectorProblems(peer.namespaceSelector)) out.push(`${path}.namespaceSelector: ${p}`);
  return out;
}

function portProblems(p: NetworkPolicyPort, path: string): string[] {
  if (!p || typeof p !== 'object') return [`${path}: a port must be an object`];
  const out: string[] = [];
  if (p.protocol !== undefined && !(PROTOCOLS as readonly string[]).includes(p.protocol)) {
    out.push(`${path}.protocol: ${JSON.stringify(p.protocol)} is not TCP, UDP or SCTP`);
  }
  if (typeof p.port === 'number') {
    if (!Number.isInteger(p.port) || p.port < MIN_PORT || p.port > MAX_PORT) out.push(`${path}.port: ${p.port} is not a port number (1-65535)`);
    if (p.endPort !== undefined) {
      if (!Number.isInteger(p.endPort) || p.endPort > MAX_PORT) out.push(`${path}.endPort: ${p.endPort} is not a port number (1-65535)`);
      else if (p.endPort < p.port) out.push(`${path}.endPort: ${p.endPort} is less than port ${p.port}`);
    }
  } else if (typeof p.port === 'string') {
    const prob = portNameProblem(p.port);
    if (prob) out.push(`${path}.port: ${prob}`);
    if (p.endPort !== undefined) out.push(`${path}.endPort: needs a numeric port`);
  } else if (p.port != null) {
    out.push(`${path}.port: must be a number or a port name`);
  } else if (p.endPort !== undefined) {
    out.push(`${path}.endPort: needs port`);
  }
  return out;
}

/** What the API server would refuse in this policy, one line each with the field path (empty when valid). */
export function validatePolicy(policy: NetworkPolicy): string[] {
  const out: string[] = [];
  if (!policy || typeof policy !== 'object') return ['a NetworkPolicy must be an object'];
  if (policy.kind !== undefined && policy.kind !== 'NetworkPolicy') out.push(`kind: ${JSON.stringify(policy.kind)} is not NetworkPolicy`);
  if (policy.apiVersion !== undefined && policy.apiVersion !== 'networking.k8s.io/v1' && policy.apiVersion !== 'extensions/v1beta1') {
    out.push(`apiVersion: ${JSON.stringify(policy.apiVersion)} is not networking.k8s.io/v1 or extensions/v1beta1`);
  }
  const name = policy.metadata?.name;
  if (typeof name !== 'string' || name === '') out.push('metadata.name: required');
  else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) out.push(`metadata.name: ${JSON.stringify(name)} is not a lowercase DNS subdomain`);
  const spec = policy.spec;
  if (!spec || typeof spec !== 'object') return [...out, 'spec: required'];
  for (const p of selectorProblems(spec.podSelector)) out.push(`spec.podSelector: ${p}`);
  const seen = new Set<string>();
  (spec.policyTypes ?? []).forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') out.push(`spec.policyTypes[${i}]: ${JSON.stringify(t)} is not Ingress or Egress`);
    else if (seen.has(t)) out.push(`spec.policyTypes[${i}]: ${t} is listed twice`);
    seen.add(t);
  });
  (spec.ingress ?? []).forEach((r, i) => {
    (r?.from ?? []).forEach((p, j) => out.push(...peerProblems(p, `spec.ingress[${i}].from[${j}]`)));
    (r?.ports ?? []).forEach((p, j) => out.push(...portProblems(p, `spec.ingress[${i}].ports[${j}]`)));
  });
  (spec.egress ?? []).forEach((r, i) => {
    (r?.to ?? []).forEach((p, j) => out.push(...peerProblems(p, `spec.egress[${i}].to[${j}]`)));
    (r?.ports ?? []).forEach((p, j) => out.push(...portProblems(p, `spec.egress[${i}].ports[${j}]`)));
  });
  return out;
}

/** "2.8.1" -> [2, 8]; undefined when unreadable. */
function parseWeaveVersion(v: string | undefined): [number, number] | undefined {
  const m = v ? /^v?(\d+)\.(\d+)/.exec(v) : null;
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

function before(v: [number, number] | undefined, major: number, minor: number): boolean {
  return v === undefined || v[0] < major || (v[0] === major && v[1] < minor);
}

/**
 * Where weave-npc enforces this policy differently from Kubernetes, one line each. With
 * `weaveVersion`, version-bound differences are reported only for the releases they affect;
 * without it, they are all reported with the releases named.
 */
export function weaveNpcCaveats(policy: NetworkPolicy, opts: { weaveVersion?: string } = {}): string[] {
  const out: string[] = [];
  const v = parseWeaveVersion(opts.weaveVersion);
  const known = v !== undefined;
  const spec = policy?.spec;
  if (!spec) return out;
  const id = `${policy.metadata?.namespace ?? 'default'}/${policy.metadata?.name ?? '?'}`;
  const rules = [
    ...(spec.ingress ?? []).map((r, i) => ({ dir: 'ingress' as const, i, peers: r?.from ?? [], ports: r?.ports ?? [] })),
    ...(spec.egress ?? []).map((r, i) => ({ dir: 'egress' as const, i, peers: r?.to ?? [], ports: r?.ports ?? [] })),
  ];
  const named = rules.flatMap((r) => r.ports.filter((p) => typeof p?.port === 'string' && !/^[0-9]+$/.test(p.port)).map((p) => String(p.port)));
  if (named.length > 0) {
    out.push(
      `${id}: weave-npc does not support named ports (${[...new Set(named)].join(', ')}) and rejects the whole policy (weave#3032); weave-npc 2.5.1 and 2.6.0 exit on it (weave#3785)`,
    );
  }
  for (const r of rules) {
    const where = `${id} ${r.dir} rule ${r.i + 1}`;
    for (const p of r.ports) {
      if (typeof p?.port === 'number' && p.endPort !== undefined && p.endPort !== p.port) {
        out.push(`${where}: weave-npc ignores endPort: it opens port ${p.port} only, not ${p.port}-${p.endPort}`);
      }
    }
    if (r.peers.some((p) => p?.podSelector && p?.namespaceSelector) && before(v, 2, 6)) {
      out.push(
        `${where}: ${known ? `weave-npc ${opts.weaveVersion}` : 'weave-npc before 2.6'} ignores the namespaceSelector of a peer that also has a podSelector: it admits those pods of ${policy.metadata?.namespace ?? 'default'} only (weave#3312)`,
      );
    }
    if (r.dir === 'ingress' && r.peers.some((p) => p?.ipBlock)) {
      if (before(v, 2, 5)) {
        out.push(`${where}: ${known ? `weave-npc ${opts.weaveVersion}` : 'weave-npc before 2.5'} does not enforce ipBlock in ingress rules: the rule admits every source (weave#3168)`);
      } else if (r.ports.length > 0 && (!known || (v![0] === 2 && v![1] === 5))) {
        out.push(`${where}: ${known ? `weave-npc ${opts.weaveVersion}` : 'weave-npc 2.5'} admits every source for an ingress ipBlock rule with ports (weave#3653)`);
      }
    }
    if (r.dir === 'ingress' && r.peers.some((p) => p?.ipBlock)) {
      out.push(`${where}: traffic reaching a pod through a Service or NodePort is often source-NATed before weave-npc sees it, so ipBlock may not match the client's address`);
    }
  }
  const egressTyped = (spec.policyTypes ?? []).includes('Egress') || (spec.egress ?? []).length > 0;
  if (egressTyped && before(v, 2, 4)) {
    out.push(`${id}: ${known ? `weave-npc ${opts.weaveVersion}` : 'weave-npc before 2.4'} does not enforce egress policies`);
  }
  return out;
}
