/**
 * NetworkPolicy objects compiled once into what evaluation needs: compiled selectors, the
 * effective policy types, each rule's peers and ports. Shared by evaluate() and matrix(). Pure.
 *
 * Semantics (Kubernetes networking/v1, and weave-npc where Kubernetes leaves room):
 * - policyTypes absent or empty: Ingress, plus Egress when the policy has at least one egress rule
 *   (the API server's defaulting: `egress: []` does not add Egress).
 * - Legacy mode (weave-npc --use-legacy-netpol, the pre-1.7 beta semantics): a policy never
 *   isolates; its ingress rules only grant, and only in namespaces isolated by the annotation
 *   `net.beta.kubernetes.io/network-policy: {"ingress":{"isolation":"DefaultDeny"}}`. No egress.
 */
import { failure } from '../errors.js';
import { parseAddr, parseBlock, blockContains, type Addr, type Block } from './ip.js';
import { compileSelector, type CompiledSelector } from './selector.js';
import { resolveNamedPort, MIN_PORT, MAX_PORT, portSetOf, ALL_PORTS, NO_PORTS, type PortSet, type PortQuery } from './ports.js';
import type {
  ContainerPort,
  Direction,
  LabelSelector,
  Namespace,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  PolicyRef,
  PolicyType,
  Protocol,
} from './types.js';
import { PROTOCOLS } from './types.js';

export const LEGACY_ANNOTATION = 'net.beta.kubernetes.io/network-policy';

export type CompiledPeer =
  | { kind: 'pods'; index: number; namespace: string; pods: CompiledSelector; source: NetworkPolicyPeer }
  | { kind: 'namespaces'; index: number; namespaces: CompiledSelector; source: NetworkPolicyPeer }
  | { kind: 'namespacedPods'; index: number; namespaces: CompiledSelector; pods: CompiledSelector; source: NetworkPolicyPeer }
  | { kind: 'ipBlock'; index: number; block: Block | undefined; except: (Block | undefined)[]; source: NetworkPolicyPeer }
  /** A peer the API server would refuse (no field set, or ipBlock with a selector): matches nothing. */
  | { kind: 'invalid'; index: number; source: NetworkPolicyPeer };

export type CompiledPort =
  | { kind: 'range'; protocol: Protocol; lo: number; hi: number; source: NetworkPolicyPort }
  | { kind: 'named'; protocol: Protocol; name: string; source: NetworkPolicyPort }
  | { kind: 'invalid'; protocol: Protocol; source: NetworkPolicyPort };

export interface CompiledRule {
  direction: Direction;
  /** Position in spec.ingress / spec.egress (0-based). */
  index: number;
  /** `from`/`to` absent or empty: every peer. */
  allPeers: boolean;
  peers: CompiledPeer[];
  /** `ports` absent or empty: every port of every protocol. */
  allPorts: boolean;
  ports: CompiledPort[];
  /** The ports as a set when none is named (they do not depend on the destination pod). */
  staticPorts?: PortSet;
  hasNamedPorts: boolean;
  policy: CompiledPolicy;
}

export interface CompiledPolicy {
  ref: PolicyRef;
  namespace: string;
  target: CompiledSelector;
  /** Effective types (after defaulting); in legacy mode Ingress only, and it does not isolate. */
  types: { ingress: boolean; egress: boolean };
  ingress: CompiledRule[];
  egress: CompiledRule[];
  source: NetworkPolicy;
}

export interface CompiledSet {
  policies: CompiledPolicy[];
  byNamespace: Map<string, CompiledPolicy[]>;
  namespaces: Map<string, Namespace>;
  legacy: boolean;
  /** Namespaces isolated by the legacy annotation (whatever the mode, for notes). */
  annotated: Set<string>;
}

/** The effective policyTypes of a policy (the API server's defaulting). */
export function effectivePolicyTypes(p: NetworkPolicy): PolicyType[] {
  const t = p.spec?.policyTypes;
  if (t && t.length > 0) return [...t];
  return (p.spec?.egress?.length ?? 0) > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

/** True when the namespace carries the pre-1.7 DefaultDeny annotation (weave-npc's isDefaultDeny). */
export function hasLegacyDefaultDeny(annotations: Readonly<Record<string, string>> | undefined): boolean {
  const raw = annotations?.[LEGACY_ANNOTATION];
  if (raw === undefined) return false;
  try {
    const v = JSON.parse(raw) as { ingress?: { isolation?: unknown } } | null;
    return v?.ingress?.isolation === 'DefaultDeny';
  } catch {
    return false; // weave-npc: "If we can't understand the annotation, behave as if it isn't present"
  }
}

function policyWhere(p: NetworkPolicy): string {
  return `NetworkPolicy ${p.metadata?.namespace ?? 'default'}/${p.metadata?.name ?? '?'}`;
}

type SelectorCompiler = (sel: LabelSelector, where: string) => CompiledSelector;

function compilePeer(peer: NetworkPolicyPeer, index: number, namespace: string, where: string, compileSelector: SelectorCompiler): CompiledPeer {
  if (!peer || typeof peer !== 'object') return { kind: 'invalid', index, source: peer };
  const hasPod = peer.podSelector != null;
  const hasNs = peer.namespaceSelector != null;
  if (peer.ipBlock != null) {
    if (hasPod || hasNs) return { kind: 'invalid', index, source: peer };
    return {
      kind: 'ipBlock',
      index,
      block: parseBlock(String(peer.ipBlock.cidr ?? '')),
      except: (peer.ipBlock.except ?? []).map((e) => parseBlock(String(e))),
      source: peer,
    };
  }
  if (hasPod && hasNs) {
    return {
      kind: 'namespacedPods',
      index,
      namespaces: compileSelector(peer.namespaceSelector!, `${where}: namespaceSelector`),
      pods: compileSelector(peer.podSelector!, `${where}: podSelector`),
      source: peer,
    };
  }
  if (hasPod) return { kind: 'pods', index, namespace, pods: compileSelector(peer.podSelector!, `${where}: podSelector`), source: peer };
  if (hasNs) return { kind: 'namespaces', index, namespaces: compileSelector(peer.namespaceSelector!, `${where}: namespaceSelector`), source: peer };
  return { kind: 'invalid', index, source: peer };
}

function compilePort(p: NetworkPolicyPort): CompiledPort {
  const protoText = p?.protocol ?? 'TCP';
  const protocol = (PROTOCOLS as readonly string[]).includes(protoText) ? (protoText as Protocol) : undefined;
  if (!protocol) return { kind: 'invalid', protocol: 'TCP', source: p };
  if (p.port === undefined || p.port === null) {
    return p.endPort === undefined ? { kind: 'range', protocol, lo: MIN_PORT, hi: MAX_PORT, source: p } : { kind: 'invalid', protocol, source: p };
  }
  if (typeof p.port === 'number') {
    const lo = p.port;
    const hi = p.endPort ?? p.port;
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < MIN_PORT || hi > MAX_PORT || hi < lo) return { kind: 'invalid', protocol, source: p };
    return { kind: 'range', protocol, lo, hi, source: p };
  }
  if (typeof p.port === 'string' && p.endPort === undefined) {
    // A string of digits is what some YAML writers produce for a number; the API server would
    // store it as a string and refuse it as a port name. Treat it as the number it means.
    if (/^[0-9]+$/.test(p.port)) {
      const n = Number(p.port);
      if (n >= MIN_PORT && n <= MAX_PORT) return { kind: 'range', protocol, lo: n, hi: n, source: p };
      return { kind: 'invalid', protocol, source: p };
    }
    return { kind: 'named', protocol, name: p.port, source: p };
  }
  return { kind: 'invalid', protocol, source: p };
}

function compileRule(
  policy: CompiledPolicy,
  direction: Direction,
  index: number,
  peers: NetworkPolicyPeer[] | undefined,
  ports: NetworkPolicyPort[] | undefined,
  where: string,
  sel: SelectorCompiler,
): CompiledRule {
  const allPeers = !peers || peers.length === 0;
  const allPorts = !ports || ports.length === 0;
  const cPorts = allPorts ? [] : ports.map(compilePort);
  const hasNamedPorts = cPorts.some((p) => p.kind === 'named');
  const rule: CompiledRule = {
    direction,
    index,
    allPeers,
    peers: allPeers ? [] : peers.map((p, i) => compilePeer(p, i, policy.namespace, `${where} ${direction} rule ${index + 1}`, sel)),
    allPorts,
    ports: cPorts,
    hasNamedPorts,
    policy,
  };
  if (allPorts) rule.staticPorts = ALL_PORTS;
  else if (!hasNamedPorts) rule.staticPorts = staticPortSet(cPorts);
  return rule;
}

function staticPortSet(ports: CompiledPort[]): PortSet {
  const entries: { protocol: Protocol; lo: number; hi: number }[] = [];
  for (const p of ports) if (p.kind === 'range') entries.push({ protocol: p.protocol, lo: p.lo, hi: p.hi });
  return entries.length === 0 ? NO_PORTS : portSetOf(entries);
}

/** The ports a rule admits towards a destination with these container ports (named ports resolved). */
export function rulePorts(rule: CompiledRule, destPorts: readonly ContainerPort[] | undefined): PortSet {
  if (rule.staticPorts) return rule.staticPorts;
  const entries: { protocol: Protocol; lo: number; hi: number }[] = [];
  for (const p of rule.ports) {
    if (p.kind === 'range') entries.push({ protocol: p.protocol, lo: p.lo, hi: p.hi });
    else if (p.kind === 'named') for (const n of resolveNamedPort(destPorts, p.name, p.protocol)) entries.push({ protocol: p.protocol, lo: n, hi: n });
  }
  return entries.length === 0 ? NO_PORTS : portSetOf(entries);
}

/** True when the rule admits this one (already resolved, numeric) port towards the destination. */
export function ruleAdmitsPort(rule: CompiledRule, destPorts: readonly ContainerPort[] | undefined, protocol: Protocol, port: number): boolean {
  if (rule.allPorts) return true;
  for (const p of rule.ports) {
    if (p.protocol !== protocol) continue;
    if (p.kind === 'range' && port >= p.lo && port <= p.hi) return true;
    if (p.kind === 'named' && resolveNamedPort(destPorts, p.name, p.protocol).includes(port)) return true;
  }
  return false;
}

/** Resolves a port query to a number: named ports against the destination's container ports. */
export function resolveQuery(q: PortQuery, destPorts: readonly ContainerPort[] | undefined): number | undefined {
  if (typeof q.port === 'number') return q.port;
  if (/^[0-9]+$/.test(q.port)) return Number(q.port);
  return resolveNamedPort(destPorts, q.port, q.protocol)[0];
}

export interface CompileOptions {
  legacy?: boolean;
}

/** Compiles policies and indexes namespaces. Throws failure (exit 1) for a selector the API server would refuse. */
export function compilePolicies(policies: readonly NetworkPolicy[], namespaces: readonly Namespace[], opts: CompileOptions = {}): CompiledSet {
  const legacy = opts.legacy === true;
  const nsMap = new Map<string, Namespace>();
  const annotated = new Set<string>();
  for (const n of namespaces) {
    nsMap.set(n.name, n);
    if (hasLegacyDefaultDeny(n.annotations)) annotated.add(n.name);
  }
  const out: CompiledPolicy[] = [];
  const byNamespace = new Map<string, CompiledPolicy[]>();
  // Policies repeat selectors: compile each distinct one once.
  const selCache = new Map<string, CompiledSelector>();
  const sel: SelectorCompiler = (s, where) => {
    const key = JSON.stringify(s);
    let c = selCache.get(key);
    if (!c) selCache.set(key, (c = compileSelector(s, where)));
    return c;
  };
  for (const p of policies) {
    if (!p || typeof p !== 'object' || !p.metadata || typeof p.metadata.name !== 'string') {
      throw failure('a NetworkPolicy without metadata.name cannot be evaluated');
    }
    const namespace = p.metadata.namespace ?? 'default';
    const where = policyWhere(p);
    const types = effectivePolicyTypes(p);
    const cp: CompiledPolicy = {
      ref: { kind: 'policy', namespace, name: p.metadata.name },
      namespace,
      target: sel(p.spec?.podSelector ?? {}, `${where}: spec.podSelector`),
      types: legacy ? { ingress: true, egress: false } : { ingress: types.includes('Ingress'), egress: types.includes('Egress') },
      ingress: [],
      egress: [],
      source: p,
    };
    cp.ingress = (p.spec?.ingress ?? []).map((r, i) => compileRule(cp, 'ingress', i, r?.from, r?.ports, where, sel));
    cp.egress = legacy ? [] : (p.spec?.egress ?? []).map((r, i) => compileRule(cp, 'egress', i, r?.to, r?.ports, where, sel));
    out.push(cp);
    const list = byNamespace.get(namespace);
    if (list) list.push(cp);
    else byNamespace.set(namespace, [cp]);
  }
  return { policies: out, byNamespace, namespaces: nsMap, legacy, annotated };
}

export function namespaceLabels(set: CompiledSet, name: string) {
  return set.namespaces.get(name)?.labels;
}

/** True when the ipBlock peer holds the address. */
export function ipBlockHas(peer: Extract<CompiledPeer, { kind: 'ipBlock' }>, addr: Addr | undefined): boolean {
  if (!addr || !peer.block || !blockContains(peer.block, addr)) return false;
  for (const e of peer.except) if (e && blockContains(e, addr)) return false;
  return true;
}

export { parseAddr };
