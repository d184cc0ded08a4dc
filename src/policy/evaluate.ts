/**
 * Kubernetes NetworkPolicy semantics: may traffic go from one peer to another (on a port)?
 * Pure and fast; the same rules as matrix() (see compile.ts for the defaults).
 *
 * - A pod is isolated for a direction when at least one policy of its namespace selects it and has
 *   that policy type. Traffic flows only when BOTH the sender's egress and the receiver's ingress
 *   allow it; a direction allows it when the pod is not isolated for it, or when some rule of some
 *   policy selecting the pod admits the peer and the port.
 * - A rule without `from`/`to` admits every peer; without `ports` every port. `ingress: []` (or an
 *   Ingress-type policy without ingress rules) admits nothing.
 * - Peers: podSelector alone = pods of the policy's namespace; namespaceSelector alone = all pods
 *   of the selected namespaces; both in one peer = the selected pods of the selected namespaces
 *   (AND); two peers = either (OR); `{}` = all.
 * - ipBlock: Kubernetes means it for cluster-external addresses and leaves pod IPs to the
 *   implementation. weave-npc matches it with `iptables -s/-d CIDR`, so it matches pod IPs too
 *   (unless they are in `except`); this evaluator does the same.
 * - Ports: protocol defaults to TCP; `endPort` makes a range; a named port is resolved against the
 *   DESTINATION pod's container ports (name and protocol) for both directions; towards an address
 *   outside the cluster a named port matches nothing.
 * - Pods on the host network are not subject to policies (and are matched only by ipBlock, with
 *   their IP, as their traffic carries the node's address).
 * - A pod always reaches itself: that traffic never leaves its network namespace (loopback), as
 *   Kubernetes' own network policy e2e tests assume (AllowLoopback).
 * - Legacy (weave-npc --use-legacy-netpol, Kubernetes before 1.7): ingress isolation comes only from
 *   the namespace annotation `net.beta.kubernetes.io/network-policy={"ingress":{"isolation":"DefaultDeny"}}`,
 *   policies only grant, and there is no egress control.
 */
import { usageError } from '../errors.js';
import {
  compilePolicies,
  ipBlockHas,
  namespaceLabels,
  resolveQuery,
  ruleAdmitsPort,
  rulePorts,
  parseAddr,
  type CompiledPeer,
  type CompiledPolicy,
  type CompiledRule,
  type CompiledSet,
} from './compile.js';
import { describePeerShort, describeRuleShort } from './describe.js';
import type { Addr } from './ip.js';
import {
  ALL_PORTS,
  NO_PORTS,
  formatPortQuery,
  formatPorts,
  intersectPorts,
  isAllPorts,
  isEmptyPorts,
  unionPorts,
  type PortQuery,
  type PortSet,
} from './ports.js';
import {
  isPod,
  peerName,
  refName,
  type Direction,
  type Namespace,
  type NetworkPolicy,
  type Peer,
  type Pod,
  type PolicyRef,
  type Protocol,
} from './types.js';

export { describePolicy } from './describe.js';
export { matrix, type PolicyMatrix, type MatrixOptions } from './matrix.js';

/** A rule that admitted the traffic. */
export interface RuleRef {
  policy: PolicyRef;
  direction: Direction;
  /** Index in spec.ingress / spec.egress (0-based). */
  rule: number;
  /** Index of the first peer that matched; absent when the rule admits every peer. */
  peer?: number;
  /** The ports this rule admits towards the destination ("any port", "5201/TCP"). */
  ports: string;
}

export interface DirectionVerdict {
  /** False when the direction does not apply: the pod end is outside the cluster or on the host network (or egress under legacy semantics). */
  applies: boolean;
  isolated: boolean;
  isolatedBy: PolicyRef[];
  admittedBy: RuleRef[];
  allowed: boolean;
  /** The ports this direction admits between the two peers. */
  ports: string;
}

export interface EvaluateResult {
  allowed: boolean;
  /** The port tested ("5201/TCP"), when one was given. */
  port?: string;
  /** The ports both directions admit ("any port", "5201/TCP", "no port"). */
  ports: string;
  ingress: DirectionVerdict;
  egress: DirectionVerdict;
  /** Plain-English explanation, one finding per line. */
  reasons: string[];
}

export interface EvaluatorOptions {
  policies: readonly NetworkPolicy[];
  namespaces: readonly Namespace[];
  /** Pre-1.7 semantics (weave-npc --use-legacy-netpol). */
  legacy?: boolean;
}

export interface EvaluateInput extends EvaluatorOptions {
  from: Peer;
  to: Peer;
  port?: { port: number | string; protocol?: Protocol };
}

export interface Evaluator {
  evaluate(from: Peer, to: Peer, port?: { port: number | string; protocol?: Protocol }): EvaluateResult;
  /** Which policies isolate a pod, per direction. */
  isolation(pod: Pod): { ingress: PolicyRef[]; egress: PolicyRef[] };
}

/** One question, answered. For many questions over the same policies use createEvaluator (compiles once). */
export function evaluate(input: EvaluateInput): EvaluateResult {
  return createEvaluator(input).evaluate(input.from, input.to, input.port);
}

export function createEvaluator(opts: EvaluatorOptions): Evaluator {
  const set = compilePolicies(opts.policies, opts.namespaces, { legacy: opts.legacy });
  return {
    evaluate: (from, to, port) => evaluateCompiled(set, from, to, port),
    isolation: (pod) => ({
      ingress: isolatingPolicies(set, pod, 'ingress').refs,
      egress: isolatingPolicies(set, pod, 'egress').refs,
    }),
  };
}

// ---------------------------------------------------------------------------------------------

const addrCache = new Map<string, Addr | undefined>();

function addrOf(ip: string | undefined): Addr | undefined {
  if (!ip) return undefined;
  if (addrCache.has(ip)) return addrCache.get(ip);
  const a = parseAddr(ip);
  if (addrCache.size > 10_000) addrCache.clear();
  addrCache.set(ip, a);
  return a;
}

/** Does this peer entry of a rule match `other` (a pod, or an address outside the cluster)? */
export function peerMatches(set: CompiledSet, peer: CompiledPeer, other: Peer): boolean {
  if (peer.kind === 'invalid') return false;
  if (peer.kind === 'ipBlock') return ipBlockHas(peer, addrOf(other.ip));
  if (!isPod(other) || other.hostNetwork) return false;
  switch (peer.kind) {
    case 'pods':
      return other.namespace === peer.namespace && peer.pods.matches(other.labels);
    case 'namespaces':
      return peer.namespaces.matches(namespaceLabels(set, other.namespace));
    case 'namespacedPods':
      return peer.pods.matches(other.labels) && peer.namespaces.matches(namespaceLabels(set, other.namespace));
  }
}

/** The first peer of the rule that matches, -1 when the rule admits every peer, undefined when none does. */
function matchingPeer(set: CompiledSet, rule: CompiledRule, other: Peer): number | undefined {
  if (rule.allPeers) return -1;
  for (const p of rule.peers) if (peerMatches(set, p, other)) return p.index;
  return undefined;
}

function subjectTo(pod: Peer): pod is Pod {
  return isPod(pod) && !pod.hostNetwork;
}

/** The policies that select `pod` for a direction (under legacy semantics: every policy selecting it, for ingress). */
function selectingPolicies(set: CompiledSet, pod: Pod, dir: Direction): CompiledPolicy[] {
  const list = set.byNamespace.get(pod.namespace) ?? [];
  return list.filter((p) => (dir === 'ingress' ? p.types.ingress : p.types.egress) && p.target.matches(pod.labels));
}

function isolatingPolicies(set: CompiledSet, pod: Pod, dir: Direction): { refs: PolicyRef[]; grants: CompiledPolicy[] } {
  if (!subjectTo(pod)) return { refs: [], grants: [] };
  if (set.legacy) {
    if (dir === 'egress') return { refs: [], grants: [] };
    const grants = selectingPolicies(set, pod, 'ingress');
    const refs: PolicyRef[] = set.annotated.has(pod.namespace) ? [{ kind: 'annotation', namespace: pod.namespace, name: pod.namespace }] : [];
    return { refs, grants };
  }
  const grants = selectingPolicies(set, pod, dir);
  return { refs: grants.map((p) => p.ref), grants };
}

interface DirectionWork extends DirectionVerdict {
  set: PortSet;
  notes: string[];
  /** The compiled rules behind admittedBy, in the same order (for the explanation). */
  rules: CompiledRule[];
}

function evalDirection(
  set: CompiledSet,
  dir: Direction,
  subject: Peer,
  other: Peer,
  dest: Peer,
  query: { protocol: Protocol; port: number } | undefined,
): DirectionWork {
  const notApplicable = (): DirectionWork => ({
    applies: false,
    isolated: false,
    isolatedBy: [],
    admittedBy: [],
    allowed: true,
    ports: 'any port',
    set: ALL_PORTS,
    notes: [],
    rules: [],
  });
  if (!subjectTo(subject) || (dir === 'egress' && set.legacy)) return notApplicable();
  const { refs, grants } = isolatingPolicies(set, subject, dir);
  if (refs.length === 0) {
    return { applies: true, isolated: false, isolatedBy: [], admittedBy: [], allowed: true, ports: 'any port', set: ALL_PORTS, notes: [], rules: [] };
  }
  const destPorts = isPod(dest) ? dest.ports : undefined;
  const admittedBy: RuleRef[] = [];
  const admitting: CompiledRule[] = [];
  const notes: string[] = [];
  let acc: PortSet = NO_PORTS;
  for (const p of grants) {
    const rules = dir === 'ingress' ? p.ingress : p.egress;
    for (const r of rules) {
      const peer = matchingPeer(set, r, other);
      if (peer === undefined) continue;
      const ports = rulePorts(r, destPorts);
      if (r.hasNamedPorts && isEmptyPorts(ports)) {
        notes.push(`${describeRuleShort(r)}: its named port(s) match no container port of ${peerName(dest)}`);
      }
      const admits = query ? ruleAdmitsPort(r, destPorts, query.protocol, query.port) : !isEmptyPorts(ports);
      if (!admits) continue;
      acc = unionPorts(acc, ports);
      admitting.push(r);
      admittedBy.push({
        policy: p.ref,
        direction: dir,
        rule: r.index,
        ...(peer >= 0 ? { peer } : {}),
        ports: formatPorts(ports),
      });
    }
  }
  const allowed = admittedBy.length > 0;
  return { applies: true, isolated: true, isolatedBy: refs, admittedBy, allowed, ports: formatPorts(acc), set: acc, notes, rules: admitting };
}

function evaluateCompiled(set: CompiledSet, from: Peer, to: Peer, port?: { port: number | string; protocol?: Protocol }): EvaluateResult {
  if (!isPod(from) && !isPod(to)) throw usageError('at least one end of the traffic must be a pod');
  let query: { protocol: Protocol; port: number } | undefined;
  let portText: string | undefined;
  if (port) {
    const q: PortQuery = { port: port.port, protocol: port.protocol ?? 'TCP' };
    portText = formatPortQuery(q);
    if (typeof q.port === 'string' && !/^[0-9]+$/.test(q.port) && !isPod(to)) {
      throw usageError(`port ${portText} is a named port: it needs a destination pod to resolve it, not ${peerName(to)}`);
    }
    const n = resolveQuery(q, isPod(to) ? to.ports : undefined);
    if (n === undefined) {
      throw usageError(`pod ${peerName(to)} has no container port named ${JSON.stringify(q.port)} (${q.protocol})`);
    }
    query = { protocol: q.protocol, port: n };
    if (typeof q.port === 'string') portText = `${q.port}/${q.protocol} (${n})`;
  }
  if (isPod(from) && isPod(to) && from.namespace === to.namespace && from.name === to.name) {
    // Traffic from a pod to itself never leaves its network namespace (loopback): no policy applies.
    const self: DirectionVerdict = { applies: false, isolated: false, isolatedBy: [], admittedBy: [], allowed: true, ports: 'any port' };
    return {
      allowed: true,
      ...(portText ? { port: portText } : {}),
      ports: query ? `${query.port}/${query.protocol}` : 'any port',
      ingress: self,
      egress: { ...self },
      reasons: [
        `allowed: pod ${peerName(from)} -> pod ${peerName(to)}${portText ? ` on ${portText}` : ''}`,
        'a pod always reaches itself: the traffic stays inside the pod (loopback) and no NetworkPolicy applies',
      ],
    };
  }
  const ingress = evalDirection(set, 'ingress', to, from, to, query);
  const egress = evalDirection(set, 'egress', from, to, to, query);
  const both = intersectPorts(ingress.set, egress.set);
  const allowed = query ? ingress.allowed && egress.allowed : !isEmptyPorts(both);
  const strip = ({ set: _s, notes: _n, rules: _r, ...v }: DirectionWork): DirectionVerdict => v;
  let reasons: string[] | undefined;
  return {
    allowed,
    ...(portText ? { port: portText } : {}),
    ports: query ? (allowed ? `${query.port}/${query.protocol}` : 'no port') : formatPorts(both),
    ingress: strip(ingress),
    egress: strip(egress),
    // Built on first read (matrix-sized checks rarely read them); enumerable, so JSON output has them.
    get reasons(): string[] {
      return (reasons ??= explain(set, from, to, portText, ingress, egress, both, allowed));
    },
  };
}

function refList(refs: PolicyRef[]): string {
  return refs.map(refName).join(', ');
}

function ruleText(ref: RuleRef, rule: CompiledRule): string {
  const peer = ref.peer !== undefined ? rule.peers[ref.peer] : undefined;
  const peerText = peer ? describePeerShort(peer.source, rule.policy.namespace, ref.direction) : ref.direction === 'ingress' ? 'from anywhere' : 'to anywhere';
  return `${refName(ref.policy)} ${ref.direction} rule ${ref.rule + 1} (${peerText}, ${ref.ports})`;
}

function explain(
  set: CompiledSet,
  from: Peer,
  to: Peer,
  portText: string | undefined,
  ingress: DirectionWork,
  egress: DirectionWork,
  both: PortSet,
  allowed: boolean,
): string[] {
  const out: string[] = [];
  const on = portText ? ` on ${portText}` : '';
  const fromName = isPod(from) ? `pod ${peerName(from)}` : `${from.ip}`;
  const toName = isPod(to) ? `pod ${peerName(to)}` : `${to.ip}`;
  const directionLine = (dir: Direction, v: DirectionWork, subject: Peer, other: string) => {
    const label = dir === 'ingress' ? `ingress to ${peerName(subject)}` : `egress from ${peerName(subject)}`;
    if (!v.applies) {
      if (!isPod(subject)) return `${label}: not a pod, no ${dir} policy applies`;
      if (subject.hostNetwork) return `${label}: the pod uses the host network, NetworkPolicy does not apply`;
      return `${label}: not controlled under legacy semantics (no egress policies before Kubernetes 1.7)`;
    }
    if (!v.isolated) {
      const why = set.legacy
        ? `namespace ${(subject as Pod).namespace} has no DefaultDeny annotation`
        : `no NetworkPolicy with policy type ${dir === 'ingress' ? 'Ingress' : 'Egress'} selects it`;
      return `${label}: not isolated (${why}): allowed`;
    }
    const head = `${label}: isolated by ${refList(v.isolatedBy)}`;
    if (v.allowed) return `${head}; allowed by ${v.admittedBy.map((r, i) => ruleText(r, v.rules[i]!)).join('; ')}`;
    return `${head}; no ${dir} rule admits ${other}${on}`;
  };
  out.push(directionLine('ingress', ingress, to, fromName));
  out.push(directionLine('egress', egress, from, toName));
  if (!portText && ingress.allowed && egress.allowed && !allowed) {
    out.push(`ingress admits ${ingress.ports} and egress admits ${egress.ports}: no port is admitted by both`);
  } else if (!portText && allowed && !isAllPorts(both)) {
    out.push(`allowed only on ${formatPorts(both)}`);
  }
  out.push(...ingress.notes, ...egress.notes);
  if (!set.legacy) {
    const noted = new Set<string>();
    for (const p of [from, to]) {
      if (isPod(p) && set.annotated.has(p.namespace) && !noted.has(p.namespace)) {
        noted.add(p.namespace);
        out.push(
          `namespace ${p.namespace} carries the pre-1.7 DefaultDeny annotation, which Kubernetes 1.7+ and weave-npc (without --use-legacy-netpol) ignore`,
        );
      }
    }
  }
  out.unshift(`${allowed ? 'allowed' : 'denied'}: ${fromName} -> ${toName}${on}`);
  return out;
}
