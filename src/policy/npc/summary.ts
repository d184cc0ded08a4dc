/** Plain-English summaries of weave-npc's rules (what each one does). Pure: no I/O. */
import { describeNpcPeer, describeSetMeaning, type NpcPeer, type NpcRuleMeaning, type SetMeaning } from './comments.js';
import type { NpcSetRef } from './report.js';
import type { ParsedRule } from './rule-args.js';

/** The summary of a rule weave-npc writes without a comment (hooks, replies, multicast, egress marks). */
export function staticSummary(chain: string, p: ParsedRule): string | undefined {
  const t = p.target;
  if (t === 'ACCEPT' && p.outInterface === 'weave' && p.state === 'RELATED,ESTABLISHED') return 'accept replies into the weave bridge';
  if (p.state === 'RELATED,ESTABLISHED' && t === 'ACCEPT') return 'accept replies of connections that were allowed';
  if (p.destination === '224.0.0.0/4') return t === 'ACCEPT' ? 'accept multicast' : 'multicast: no egress checks';
  if (p.physdev.some((x) => x.startsWith('--physdev-out'))) return 'accept traffic leaving through the weave router: the receiving host enforces policy';
  if (p.physdev.some((x) => x.startsWith('--physdev-in'))) return 'traffic that came from another host: egress was checked where it started';
  if (p.dstType === 'LOCAL' && t === 'RETURN') return 'traffic to this host: no egress checks';
  if (p.sets.some((s) => s.name === 'weave-local-pods' && s.negated)) return 'accept traffic to pods on other nodes (they enforce their own policy)';
  if (t === 'WEAVE-NPC-DEFAULT') return 'new connections: first the namespaces\' default-allow rules';
  if (t === 'WEAVE-NPC-INGRESS') return 'then the policies\' ingress rules';
  if (t === 'WEAVE-NPC-EGRESS-DEFAULT') return 'new connections: first the namespaces\' default-allow egress rules';
  if (t === 'WEAVE-NPC-EGRESS-CUSTOM') return 'not allowed yet: the policies\' egress rules';
  if (t === 'NFLOG') return `log what was not allowed (NFLOG group ${p.targetArgs[1] ?? '?'}; weave-npc logs it as "blocked by Weave NPC")`;
  if (t === 'DROP' && p.mark?.startsWith('!')) return 'drop what no egress rule allowed';
  if (t === 'DROP' && p.outInterface === 'weave') return 'drop traffic into the weave bridge that WEAVE-NPC did not accept';
  if (t === 'MARK') return `mark the connection as allowed by egress policy (${p.targetArgs[1] ?? ''})`;
  if (t === 'WEAVE-NPC' && p.outInterface === 'weave') return 'traffic into the weave bridge (to pods): ingress policy';
  if (t === 'WEAVE-NPC-EGRESS' && p.inInterface === 'weave') {
    return chain === 'INPUT' ? 'traffic from pods to this host: egress policy' : 'traffic from pods: egress policy';
  }
  if (t === 'ACCEPT' && p.inInterface === 'weave' && p.outInterface === '! weave') return 'accept traffic from pods to outside the weave network (after egress checks)';
  return undefined;
}

function portText(p: ParsedRule): string {
  if (!p.protocol) return 'any port';
  const proto = p.protocol.toUpperCase();
  if (!p.dport || p.dport === '0:65535') return `any ${proto} port`;
  return `${proto} port ${p.dport.replace(':', '-')}`;
}

export function describePolicyRule(m: Extract<NpcRuleMeaning, { kind: 'policy' }>, p: ParsedRule, sets: NpcSetRef[]): string {
  const side = (peer: NpcPeer, d: 'src' | 'dst') => {
    const s = sets.find((x) => x.direction === d && !x.negated);
    return peer.kind === 'namespaces' && s?.meaning?.kind === 'namespaced-pods' ? describeSetMeaning(s.meaning) : describeNpcPeer(peer);
  };
  const main = `allow ${m.direction} from ${side(m.source, 'src')} to ${side(m.destination, 'dst')} on ${portText(p)}`;
  if (p.target === 'RETURN') return `(the rule above matched: stop checking) ${main}`;
  return main;
}

export function describeDefaultAllow(m: Extract<NpcRuleMeaning, { kind: 'default-allow' }>, p: ParsedRule, setMeaning: SetMeaning | undefined): string {
  const allPods = setMeaning?.kind === 'pods' && setMeaning.selector === '';
  if (m.direction === 'ingress') {
    if (allPods) return `accept new traffic to every pod in ${m.namespace}: the namespace is not isolated (legacy semantics)`;
    return `accept new traffic to the pods in ${m.namespace} that no Ingress policy selects`;
  }
  if (p.target === 'RETURN') return `(marked above) stop egress checks for pods in ${m.namespace} that no Egress policy selects`;
  return `allow new traffic from the pods in ${m.namespace} that no Egress policy selects`;
}

/** A summary from the rule's matches alone, for rules none of the above explains. */
export function genericSummary(p: ParsedRule, sets: NpcSetRef[]): string {
  const parts: string[] = [];
  if (p.source) parts.push(`from ${p.source}`);
  if (p.destination) parts.push(`to ${p.destination}`);
  for (const s of sets) parts.push(`${s.negated ? 'not ' : ''}${s.direction === 'src' ? 'from' : 'to'} ${s.description ?? s.name}`);
  if (p.protocol) parts.push(`on ${portText(p)}`);
  const verb = p.target === 'ACCEPT' ? 'accept' : p.target === 'DROP' ? 'drop' : p.target === 'RETURN' ? 'return' : `go to ${p.target}`;
  return parts.length ? `${verb} ${parts.join(' ')}` : verb;
}
