/** The decoded weave-npc chains and sets: what `weavectl npc rules` prints and returns as JSON. */
import type { NpcRuleMeaning, SetMeaning } from './comments.js';
import type { RuleMatches, RuleSetMatch } from './rule-args.js';

/** A set the rule matches (as parsed), with what weavectl found out about it. */
export interface NpcSetRef extends RuleSetMatch {
  meaning?: SetMeaning;
  /** What the set holds, in words ("pods run=iperf-prod-1 in prod"). */
  description?: string;
  /**
   * Where the meaning comes from: this rule's comment, the policies/namespaces given, or derived
   * from namespace names seen in other comments and set members.
   */
  source?: 'comment' | 'objects' | 'derived';
  /** True when the name recomputed from the meaning is this name (the comment and set agree). */
  verified?: boolean;
  /** The members as shown ("prod/iperf-prod-1 (172.25.96.3)"); absent without ipset output. */
  members?: string[];
  /** The set is referenced but not in the ipset output. */
  missing?: boolean;
}

/** One rule: its target and matches as parsed (RuleMatches, rule-args.ts), its sets and what it means. */
export interface NpcRule extends RuleMatches {
  chain: string;
  /** 1-based position in the chain. */
  position: number;
  /** The rule as iptables-save printed it. */
  raw: string;
  sets: NpcSetRef[];
  meaning: NpcRuleMeaning;
  /** Plain English. */
  summary: string;
  /** The options in `iptables -L` style ("match-set weave-... dst /* comment *\/"). */
  options: string;
}

export interface NpcChainReport {
  name: string;
  policy?: string;
  present: boolean;
  rules: NpcRule[];
}

export interface NpcSetReport {
  name: string;
  type?: string;
  description?: string;
  members: { entry: string; comment?: string; pod?: string; namespace?: string }[];
}

export interface NpcRulesReport {
  /** WEAVE-NPC, -DEFAULT, -INGRESS, -EGRESS, -EGRESS-DEFAULT, -EGRESS-CUSTOM, -EGRESS-ACCEPT (present ones, in this order). */
  chains: NpcChainReport[];
  /** Rules of the built-in chains that steer traffic into weave-npc's chains or concern the weave bridge. */
  hooks: NpcRule[];
  missingChains: string[];
  /** 'directional' (2.4+: "(ingress)"), 'plain' (older), 'mixed', or 'none' (no policy rule yet). */
  commentFormat: 'directional' | 'plain' | 'mixed' | 'none';
  /** The egress chains exist (weave-npc 2.4+). */
  egress: boolean;
  /** The weave-* sets (with ipset output), with what they hold. */
  sets: NpcSetReport[];
  /** Per namespace: pods isolated for ingress/egress (its pods minus its default-allow set), when the sets allow computing it. */
  isolation: { namespace: string; ingressIsolated?: string[]; egressIsolated?: string[] }[];
  warnings: string[];
}
