/**
 * Decoding what weave-npc writes, for `weavectl npc rules`: the text of `iptables-save` (filter
 * table) and of `ipset list` (or `ipset save`) from a weave-npc container, to the WEAVE-NPC chains
 * with every ipset explained (names.ts: how sets are named; comments.ts: what comments say).
 * Pure: no I/O.
 */
import type { Namespace, NetworkPolicy } from '../types.js';
import { describeSetMeaning, parseNpcComment, type NpcPeer, type NpcRuleMeaning, type SetMeaning } from './comments.js';
import { parseIpsetList, type Ipset } from './ipset.js';
import { parseIptablesSave, type SavedRule } from './iptables-save.js';
import { allPodsIpset, defaultAllowIpset, knownIpsets, npcIpsetName, setKeys } from './names.js';
import type { NpcChainReport, NpcRule, NpcRulesReport, NpcSetRef, NpcSetReport } from './report.js';
import { parseRuleArgs, targetOptions, type ParsedRule } from './rule-args.js';
import { describeDefaultAllow, describePolicyRule, genericSummary, staticSummary } from './summary.js';

export const NPC_CHAINS = [
  'WEAVE-NPC',
  'WEAVE-NPC-DEFAULT',
  'WEAVE-NPC-INGRESS',
  'WEAVE-NPC-EGRESS',
  'WEAVE-NPC-EGRESS-DEFAULT',
  'WEAVE-NPC-EGRESS-CUSTOM',
  'WEAVE-NPC-EGRESS-ACCEPT',
] as const;

/** The chains weave-npc always creates; the egress ones exist from 2.4. */
const REQUIRED_CHAINS = ['WEAVE-NPC', 'WEAVE-NPC-DEFAULT', 'WEAVE-NPC-INGRESS'];
const EGRESS_CHAINS = ['WEAVE-NPC-EGRESS', 'WEAVE-NPC-EGRESS-DEFAULT', 'WEAVE-NPC-EGRESS-CUSTOM', 'WEAVE-NPC-EGRESS-ACCEPT'];

export interface DecodeInput {
  /** `iptables-save` (or `iptables-save -t filter`) output. */
  iptablesSave: string;
  /** `ipset list` (or `ipset save`) output. */
  ipsetList?: string;
  /** Pods by IP, to name set members whose comments are missing. */
  pods?: readonly { namespace: string; name: string; ip?: string }[];
  /** The cluster's namespaces and policies, to recompute set names when comments are missing. */
  namespaces?: readonly (Namespace | string)[];
  policies?: readonly NetworkPolicy[];
}

/** What a side of a policy comment says its set holds (ipBlock: the negated except set). */
function sideMeaning(peer: NpcPeer, setType: string | undefined): SetMeaning | undefined {
  switch (peer.kind) {
    case 'pods':
      return { kind: 'pods', namespace: peer.namespace, selector: peer.selector };
    case 'namespaces':
      // A hash:ip behind "namespaces: selector: ..." is a pod+namespace peer (2.6+): the two selectors are joined.
      return setType === 'hash:ip' ? { kind: 'namespaced-pods', joined: peer.selector } : { kind: 'namespaces', selector: peer.selector };
    case 'cidr':
      return peer.except.length ? { kind: 'ipblock-except', cidr: peer.cidr, except: peer.except } : undefined;
    default:
      return undefined;
  }
}

/** The meanings a rule's own comment gives its sets, by position in the rule's set list. */
function commentMeanings(m: NpcRuleMeaning | undefined, p: ParsedRule, setType: (name: string) => string | undefined): Map<number, SetMeaning> {
  const out = new Map<number, SetMeaning>();
  if (!m) return out;
  if (m.kind === 'default-allow') {
    const i = p.sets.findIndex((x) => !x.negated);
    if (i < 0) return out;
    // The plain format's set is either all the pods of the namespace (legacy semantics) or default-allow:<ns> (2.1-2.3).
    const name = p.sets[i]!.name;
    out.set(i, m.format === 'plain' && name === allPodsIpset(m.namespace) ? { kind: 'pods', namespace: m.namespace, selector: '' } : { kind: 'default-allow', namespace: m.namespace, direction: m.direction });
  } else if (m.kind === 'policy') {
    for (const [side, dir] of [
      [m.source, 'src'],
      [m.destination, 'dst'],
    ] as const) {
      const negated = side.kind === 'cidr';
      const i = p.sets.findIndex((x) => x.direction === dir && x.negated === negated);
      if (i < 0) continue;
      const meaning = sideMeaning(side, setType(p.sets[i]!.name));
      if (meaning) out.set(i, meaning);
    }
  }
  return out;
}

/**
 * Decodes weave-npc's chains. Throws failure (exit 1) when the input is not iptables-save output;
 * a node without weave-npc gives a report without chains and a warning.
 */
export function decodeNpcRules(input: DecodeInput): NpcRulesReport {
  const table = parseIptablesSave(input.iptablesSave);
  const ipsets = input.ipsetList !== undefined ? parseIpsetList(input.ipsetList) : undefined;
  const setType = (name: string) => ipsets?.get(name)?.type;
  const warnings: string[] = [];
  const parsedRules = table.rules.map((r) => ({ r, p: parseRuleArgs(r.args) }));
  const isNpcChain = (c: string) => c.startsWith('WEAVE-NPC');
  const ruleMeaning = new Map<SavedRule, NpcRuleMeaning | undefined>();
  for (const { r, p } of parsedRules) ruleMeaning.set(r, p.comment && isNpcChain(r.chain) ? parseNpcComment(p.comment, r.chain) : undefined);

  // Namespaces: given, or seen in pods, policies, rule comments and set member comments.
  const nsSeen = new Set<string>();
  for (const n of input.namespaces ?? []) nsSeen.add(typeof n === 'string' ? n : n.name);
  for (const p of input.pods ?? []) nsSeen.add(p.namespace);
  for (const p of input.policies ?? []) nsSeen.add(p.metadata?.namespace ?? 'default');
  for (const m of ruleMeaning.values()) {
    if (m?.kind === 'default-allow') nsSeen.add(m.namespace);
    if (m?.kind === 'policy') for (const s of [m.source, m.destination]) if (s.kind === 'pods') nsSeen.add(s.namespace);
  }
  for (const s of ipsets?.values() ?? []) {
    for (const mem of s.members) {
      const c = mem.comment ? /^namespace: ([^,]+)/.exec(mem.comment) : null;
      if (c) nsSeen.add(c[1]!);
    }
  }
  const nsNames = [...nsSeen];
  const podByIp = new Map<string, string>();
  for (const p of input.pods ?? []) if (p.ip) podByIp.set(p.ip, `${p.namespace}/${p.name}`);

  // What each set holds: from the rule comments, then from the objects (and the namespaces seen).
  const learnt = new Map<string, { meaning: SetMeaning; source: NpcSetRef['source']; verified: boolean }>();
  const nameMatches = (name: string, m: SetMeaning) => setKeys(m, nsNames).some((k) => npcIpsetName(k) === name);
  const learn = (name: string, m: SetMeaning, source: NonNullable<NpcSetRef['source']>) => {
    const verified = nameMatches(name, m);
    const prev = learnt.get(name);
    // The objects say a pod+namespace peer more precisely than a comment can.
    const better =
      !prev || (!prev.verified && verified) || (verified && prev.meaning.kind === 'namespaced-pods' && m.kind === 'namespaced-pods' && m.podSelector !== undefined && prev.meaning.podSelector === undefined);
    if (better) learnt.set(name, { meaning: m, source, verified });
  };
  for (const { r, p } of parsedRules) {
    for (const [i, m] of commentMeanings(ruleMeaning.get(r), p, setType)) learn(p.sets[i]!.name, m, 'comment');
  }
  for (const [name, m] of knownIpsets({ namespaces: nsNames, policies: input.policies })) learn(name, m, input.policies?.length || input.namespaces?.length ? 'objects' : 'derived');
  if (ipsets?.has('weave-local-pods')) learn('weave-local-pods', { kind: 'local-pods' }, 'derived');

  const memberDisplay = (set: Ipset): string[] =>
    set.members.map((mem) => {
      const pc = mem.comment ? /^namespace: ([^,]+), pod: (.+)$/.exec(mem.comment) : null;
      if (pc) return `${pc[1]}/${pc[2]} (${mem.entry})`;
      if (podByIp.has(mem.entry)) return `${podByIp.get(mem.entry)} (${mem.entry})`;
      const nc = mem.comment ? /^namespace: ([^,]+)$/.exec(mem.comment) : null;
      if (nc) return `namespace ${nc[1]}`;
      const inner = learnt.get(mem.entry)?.meaning;
      if (inner?.kind === 'pods' && inner.selector === '') return `namespace ${inner.namespace}`;
      return mem.entry;
    });

  const decodeRule = (r: SavedRule, p: ParsedRule, position: number): NpcRule => {
    const parsedMeaning = ruleMeaning.get(r);
    const meaning: NpcRuleMeaning = parsedMeaning ?? (isNpcChain(r.chain) && staticSummary(r.chain, p) ? { kind: 'static' } : { kind: 'unknown' });
    const own = commentMeanings(parsedMeaning, p, setType);
    const sets: NpcSetRef[] = p.sets.map((s, i) => {
      const ref: NpcSetRef = { name: s.name, direction: s.direction, negated: s.negated };
      const mine = own.get(i);
      const l = learnt.get(s.name);
      if (mine) {
        // This rule's own comment decides, and is checked against the name weave-npc would give the set.
        const better = l && l.meaning.kind === 'namespaced-pods' && mine.kind === 'namespaced-pods' && l.verified ? l.meaning : mine;
        ref.meaning = better;
        ref.description = describeSetMeaning(better);
        ref.source = 'comment';
        ref.verified = nameMatches(s.name, mine);
      } else if (l) {
        ref.meaning = l.meaning;
        ref.description = describeSetMeaning(l.meaning);
        ref.source = l.source;
        ref.verified = l.verified;
      }
      if (ipsets) {
        const set = ipsets.get(s.name);
        if (set) ref.members = memberDisplay(set);
        else ref.missing = true;
      }
      return ref;
    });
    let summary: string;
    if (meaning.kind === 'policy') summary = describePolicyRule(meaning, p, sets);
    else if (meaning.kind === 'default-allow') summary = describeDefaultAllow(meaning, p, sets[0]?.meaning);
    else summary = staticSummary(r.chain, p) ?? genericSummary(p, sets);
    return {
      chain: r.chain,
      position,
      raw: r.raw,
      target: p.target,
      targetArgs: p.targetArgs,
      ...(p.protocol ? { protocol: p.protocol } : {}),
      ...(p.source ? { source: p.source } : {}),
      ...(p.destination ? { destination: p.destination } : {}),
      ...(p.inInterface ? { inInterface: p.inInterface } : {}),
      ...(p.outInterface ? { outInterface: p.outInterface } : {}),
      ...(p.dport ? { dport: p.dport } : {}),
      ...(p.state ? { state: p.state } : {}),
      ...(p.comment !== undefined ? { comment: p.comment } : {}),
      sets,
      meaning,
      summary,
      options: [...p.options, ...targetOptions(p)].join(' '),
    };
  };

  const chainDecl = new Map(table.chains.map((c) => [c.name, c]));
  const byChain = new Map<string, { r: SavedRule; p: ParsedRule }[]>();
  for (const x of parsedRules) {
    const l = byChain.get(x.r.chain);
    if (l) l.push(x);
    else byChain.set(x.r.chain, [x]);
  }
  const chains: NpcChainReport[] = [];
  const missingChains: string[] = [];
  for (const name of NPC_CHAINS) {
    const present = chainDecl.has(name) || byChain.has(name);
    if (!present) {
      missingChains.push(name);
      continue;
    }
    const decl = chainDecl.get(name);
    chains.push({
      name,
      ...(decl?.policy ? { policy: decl.policy } : {}),
      present,
      rules: (byChain.get(name) ?? []).map(({ r, p }, i) => decodeRule(r, p, i + 1)),
    });
  }
  const hooks: NpcRule[] = [];
  for (const builtin of ['INPUT', 'FORWARD', 'OUTPUT']) {
    (byChain.get(builtin) ?? []).forEach(({ r, p }, i) => {
      const concerns = p.target.startsWith('WEAVE-NPC') || p.inInterface?.replace(/^! /, '') === 'weave' || p.outInterface?.replace(/^! /, '') === 'weave';
      if (concerns) hooks.push(decodeRule(r, p, i + 1));
    });
  }

  // Formats and warnings.
  const formats = new Set<string>();
  for (const c of chains) for (const r of c.rules) if (r.meaning.kind === 'policy' || r.meaning.kind === 'default-allow') formats.add(r.meaning.format);
  const commentFormat: NpcRulesReport['commentFormat'] =
    formats.size === 0 ? 'none' : formats.size > 1 ? 'mixed' : formats.has('directional') ? 'directional' : 'plain';
  const egress = EGRESS_CHAINS.every((c) => chains.some((x) => x.name === c));
  const missingRequired = REQUIRED_CHAINS.filter((c) => missingChains.includes(c));
  if (missingRequired.length === REQUIRED_CHAINS.length) {
    warnings.push('no WEAVE-NPC chains: weave-npc is not running on this node, or Weave Net runs without it (disable-npc / EXPECT_NPC=0)');
  } else if (missingRequired.length > 0) {
    warnings.push(`weave-npc chains missing: ${missingRequired.join(', ')}`);
  }
  if (!hooks.some((h) => h.target === 'WEAVE-NPC') && chains.length > 0) {
    warnings.push('no FORWARD rule sends traffic into WEAVE-NPC: ingress policy is not enforced on this node');
  }
  const warned = new Set<string>();
  for (const c of chains) {
    for (const r of c.rules) {
      for (const s of r.sets) {
        let w: string | undefined;
        if (s.missing) w = `${c.name} rule ${r.position}: set ${s.name} is not in the ipset output`;
        else if (s.source === 'comment' && s.verified === false) {
          w = `${c.name} rule ${r.position}: set ${s.name} is not the set weave-npc names for "${s.description}" (rule comment and set disagree)`;
        }
        if (w && !warned.has(w)) {
          warned.add(w);
          warnings.push(w);
        }
      }
    }
  }

  // The sets, with their meaning and members.
  const sets: NpcSetReport[] = [];
  if (ipsets) {
    for (const s of ipsets.values()) {
      if (!s.name.startsWith('weave-')) continue;
      const l = learnt.get(s.name);
      sets.push({
        name: s.name,
        ...(s.type ? { type: s.type } : {}),
        ...(l ? { description: describeSetMeaning(l.meaning) } : {}),
        members: s.members.map((m) => {
          const pc = m.comment ? /^namespace: ([^,]+), pod: (.+)$/.exec(m.comment) : null;
          const nc = m.comment ? /^namespace: ([^,]+)$/.exec(m.comment) : null;
          const pod = pc ? `${pc[1]}/${pc[2]}` : podByIp.get(m.entry);
          return {
            entry: m.entry,
            ...(m.comment !== undefined ? { comment: m.comment } : {}),
            ...(pod ? { pod } : {}),
            ...(nc ? { namespace: nc[1]! } : pc ? { namespace: pc[1]! } : {}),
          };
        }),
      });
    }
  }

  // Isolation per namespace: its pods minus its default-allow sets.
  const isolation: NpcRulesReport['isolation'] = [];
  if (ipsets) {
    for (const ns of [...nsNames].sort()) {
      const all = ipsets.get(allPodsIpset(ns));
      if (!all) continue;
      const entries = all.members.map((m) => m.entry);
      const label = (ip: string) => {
        const m = all.members.find((x) => x.entry === ip);
        const pc = m?.comment ? /^namespace: ([^,]+), pod: (.+)$/.exec(m.comment) : null;
        return pc ? `${pc[1]}/${pc[2]}` : (podByIp.get(ip) ?? ip);
      };
      const minus = (setName: string) => {
        const s = ipsets.get(setName);
        if (!s) return undefined;
        const allowed = new Set(s.members.map((m) => m.entry));
        return entries.filter((e) => !allowed.has(e)).map(label);
      };
      const ing = minus(defaultAllowIpset(ns, 'ingress')) ?? minus(defaultAllowIpset(ns, 'legacy'));
      const eg = minus(defaultAllowIpset(ns, 'egress'));
      if (ing === undefined && eg === undefined) continue;
      isolation.push({ namespace: ns, ...(ing ? { ingressIsolated: ing } : {}), ...(eg ? { egressIsolated: eg } : {}) });
    }
  }

  return { chains, hooks, missingChains, commentFormat, egress, sets, isolation, warnings };
}
