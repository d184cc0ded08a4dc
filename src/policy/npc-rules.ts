/**
 * Decoding what weave-npc writes, for `weavectl npc rules`: the text of `iptables-save` (filter
 * table) and of `ipset list` (or `ipset save`) from a weave-npc container, to the WEAVE-NPC chains
 * with every ipset explained. Pure: no I/O.
 *
 * How weave-npc names and labels things (weaveworks/weave npc/: shortname.go, selector.go,
 * namespace.go, ipblock.go, rule.go, analyser.go):
 * - ipset names are `weave-` + shortName(key): the SHA-1 of key as a big number written in base 85
 *   over ShortNameSymbols, least significant digit first. Keys:
 *     `<ns>:<selector>`        pods of a namespace matching a pod selector (hash:ip); `<ns>:` = all its pods
 *     `:<selector>`            namespaces matching a selector (list:set of the namespaces' all-pods sets)
 *     `:<nsSelector><podSelector>` pods matching both (2.6+, hash:ip; the two strings are simply joined)
 *     `ingress-default-allow:<ns>` / `egress-default-allow:<ns>` pods no policy selects (2.4+)
 *     `default-allow:<ns>`     the same, ingress only (2.1-2.3)
 *     `ipblock-except:<cidrs>` / `<ns>:ipblock-except:<cidrs>` the except list of an ipBlock (hash:net)
 *   <selector> is labels.Selector.String() (see selector.ts).
 * - rule comments: `DefaultAllow ingress isolation for namespace: <ns>` (2.4+; older:
 *   `DefaultAllow isolation for namespace: <ns>`), `DefaultAllow egress isolation for namespace: <ns>`,
 *   and per policy rule `<src> -> <dst>` (2.4+: `<src> -> <dst> (ingress|egress)`) where a side is
 *   `anywhere`, `pods: namespace: <ns>, selector: <sel>`, `namespaces: selector: <sel>`,
 *   `cidr: <c>` or `cidr: <c> except [<c1> <c2>]`.
 * - set members carry comments `namespace: <ns>, pod: <name>` (pods), `namespace: <ns>` (members
 *   of namespace list:sets) and `excepted from <cidr>` (ipBlock excepts).
 */
import { createHash } from 'node:crypto';
import { failure } from '../errors.js';
import { compileSelector } from './selector.js';
import type { LabelSelector, Namespace, NetworkPolicy } from './types.js';

// ---------------------------------------------------------------------------------------------
// ipset names

/** weave-npc's ShortNameSymbols (85 printable ASCII characters). */
export const SHORT_NAME_SYMBOLS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789(){}[]+=_$%^!*|/?.;:@#~';

/** weave-npc's shortName: SHA-1 of `s` as base 85, least significant digit first. */
export function shortName(s: string): string {
  let n = BigInt(`0x${createHash('sha1').update(s).digest('hex')}`);
  let out = '';
  while (n > 0n) {
    out += SHORT_NAME_SYMBOLS[Number(n % 85n)];
    n /= 85n;
  }
  return out;
}

/** The ipset weave-npc creates for a key ("prod:run=iperf-prod-1", "ingress-default-allow:prod", ...). */
export function npcIpsetName(key: string): string {
  return `weave-${shortName(key)}`;
}

function selKey(sel: LabelSelector | string): string {
  return typeof sel === 'string' ? sel : compileSelector(sel).key;
}

/** The set of pods of `namespace` matching a pod selector (LabelSelector, or its String() form). */
export function podSelectorIpset(namespace: string, selector: LabelSelector | string): string {
  return npcIpsetName(`${namespace}:${selKey(selector)}`);
}

/** The set of all pods of a namespace. */
export function allPodsIpset(namespace: string): string {
  return npcIpsetName(`${namespace}:`);
}

/** The list:set of namespaces matching a namespace selector. */
export function namespaceSelectorIpset(selector: LabelSelector | string): string {
  return npcIpsetName(`:${selKey(selector)}`);
}

/** The set of pods matching both selectors of one peer (weave-npc 2.6+). */
export function namespacedPodSelectorIpset(namespaceSelector: LabelSelector | string, podSelector: LabelSelector | string): string {
  return npcIpsetName(`:${selKey(namespaceSelector)}${selKey(podSelector)}`);
}

/** The default-allow set of a namespace: 'ingress'/'egress' (2.4+) or 'legacy' (`default-allow:`, 2.1-2.3). */
export function defaultAllowIpset(namespace: string, kind: 'ingress' | 'egress' | 'legacy'): string {
  return npcIpsetName(`${kind === 'legacy' ? '' : `${kind}-`}default-allow:${namespace}`);
}

/** The hash:net set of an ipBlock's except list; newer releases prefix the policy's namespace. */
export function ipBlockExceptIpset(except: readonly string[], namespace?: string): string {
  const key = [...except].sort().join(' ');
  return npcIpsetName(`${namespace === undefined ? '' : `${namespace}:`}ipblock-except:${key}`);
}

// ---------------------------------------------------------------------------------------------
// parsing iptables-save and ipset output

/** Splits an iptables-save rule into arguments: double quotes group, backslash escapes inside them. */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) break;
    let tok = '';
    while (i < line.length && !/\s/.test(line[i]!)) {
      const c = line[i]!;
      if (c === '"') {
        i++;
        while (i < line.length && line[i] !== '"') {
          if (line[i] === '\\' && i + 1 < line.length) i++;
          tok += line[i];
          i++;
        }
        i++; // closing quote
      } else {
        tok += c;
        i++;
      }
    }
    out.push(tok);
  }
  return out;
}

export interface SavedChain {
  name: string;
  /** ACCEPT/DROP for built-in chains, undefined ('-') for user chains. */
  policy?: string;
}

export interface SavedRule {
  chain: string;
  args: string[];
  raw: string;
}

export interface SavedTable {
  chains: SavedChain[];
  rules: SavedRule[];
}

/** The filter table of `iptables-save` output (bare `-A` lines without a table header are accepted too). */
export function parseIptablesSave(text: string): SavedTable {
  const chains: SavedChain[] = [];
  const rules: SavedRule[] = [];
  let table: string | undefined;
  let sawTable = false;
  for (const rawLine of text.split(/\r?\n/)) {
    // `iptables-save -c` puts packet/byte counters before each rule: "[12:720] -A ..."
    const line = rawLine.trim().replace(/^\[\d+:\d+\]\s+(?=-[AI] )/, '');
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      table = line.slice(1);
      sawTable = true;
      continue;
    }
    if (line === 'COMMIT') {
      table = undefined;
      continue;
    }
    if (sawTable && table !== 'filter') continue;
    if (line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(/\s+/);
      if (name) chains.push({ name, ...(policy && policy !== '-' ? { policy } : {}) });
      continue;
    }
    if (line.startsWith('-A ') || line.startsWith('-I ')) {
      const args = splitArgs(line);
      const chain = args[1];
      if (!chain) continue;
      rules.push({ chain, args: args.slice(2), raw: line });
      continue;
    }
  }
  if (chains.length === 0 && rules.length === 0) {
    if (/^Chain \S+ \(/m.test(text)) {
      throw failure('this looks like `iptables -L` output; weavectl reads `iptables-save` output (run iptables-save -t filter)');
    }
    throw failure('no iptables rules found in the input (expected the output of iptables-save)');
  }
  return { chains, rules };
}

export interface IpsetMember {
  entry: string;
  comment?: string;
}

export interface Ipset {
  name: string;
  type?: string;
  header?: string;
  members: IpsetMember[];
}

function memberOf(text: string): IpsetMember {
  const m = /^(\S+)(.*)$/.exec(text.trim());
  if (!m) return { entry: text.trim() };
  const c = /\bcomment "((?:[^"\\]|\\.)*)"/.exec(m[2]!);
  return c ? { entry: m[1]!, comment: c[1]!.replace(/\\(.)/g, '$1') } : { entry: m[1]! };
}

/** `ipset list` (Name:/Type:/.../Members:) or `ipset save` (create/add) output, by set name. */
export function parseIpsetList(text: string): Map<string, Ipset> {
  const sets = new Map<string, Ipset>();
  let cur: Ipset | undefined;
  let inMembers = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') {
      inMembers = false;
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = /^Name:\s*(\S+)/.exec(line))) {
      cur = { name: m[1]!, members: [] };
      sets.set(cur.name, cur);
      inMembers = false;
      continue;
    }
    if ((m = /^create\s+(\S+)\s+(\S+)(.*)$/.exec(line))) {
      const s: Ipset = { name: m[1]!, type: m[2]!, header: m[3]!.trim(), members: [] };
      sets.set(s.name, s);
      cur = undefined;
      continue;
    }
    if ((m = /^add\s+(\S+)\s+(.*)$/.exec(line))) {
      let s = sets.get(m[1]!);
      if (!s) sets.set(m[1]!, (s = { name: m[1]!, members: [] }));
      s.members.push(memberOf(m[2]!));
      continue;
    }
    if (!cur) continue;
    if (inMembers) {
      cur.members.push(memberOf(line));
      continue;
    }
    if ((m = /^Type:\s*(\S+)/.exec(line))) cur.type = m[1]!;
    else if ((m = /^Header:\s*(.*)$/.exec(line))) cur.header = m[1]!;
    else if (/^Members:/.test(line)) inMembers = true;
  }
  if (sets.size === 0 && text.trim() !== '') {
    throw failure('no ipsets found in the input (expected the output of `ipset list` or `ipset save`)');
  }
  return sets;
}

// ---------------------------------------------------------------------------------------------
// meanings

export type NpcPeer =
  | { kind: 'anywhere' }
  | { kind: 'pods'; namespace: string; selector: string }
  | { kind: 'namespaces'; selector: string }
  | { kind: 'cidr'; cidr: string; except: string[] }
  | { kind: 'unknown'; text: string };

export type NpcRuleMeaning =
  | { kind: 'default-allow'; direction: 'ingress' | 'egress'; namespace: string; format: 'directional' | 'plain' }
  | { kind: 'policy'; direction: 'ingress' | 'egress'; source: NpcPeer; destination: NpcPeer; format: 'directional' | 'plain' }
  | { kind: 'static' }
  | { kind: 'unknown' };

export type SetMeaning =
  | { kind: 'pods'; namespace: string; selector: string }
  | { kind: 'namespaces'; selector: string }
  /**
   * A peer with both selectors (weave-npc 2.6+). weave-npc keys and comments it with the two
   * selector strings joined without a separator (`joined`); the policies tell them apart.
   */
  | { kind: 'namespaced-pods'; joined: string; namespaceSelector?: string; podSelector?: string }
  | { kind: 'default-allow'; namespace: string; direction: 'ingress' | 'egress' }
  | { kind: 'ipblock-except'; cidr?: string; except: string[] }
  | { kind: 'local-pods' };

/** Parses one side of a policy rule comment. */
export function parseNpcPeer(text: string): NpcPeer {
  const t = text.trim();
  if (t === 'anywhere') return { kind: 'anywhere' };
  // An empty selector leaves "selector:" with nothing after it (the trailing space is trimmed).
  let m = /^pods: namespace: ([^,]*), selector:(?: (.*))?$/.exec(t);
  if (m) return { kind: 'pods', namespace: m[1]!, selector: m[2] ?? '' };
  m = /^namespace: ([^,]*), key: (.*)$/.exec(t); // pre-2.0 destination form
  if (m) return { kind: 'pods', namespace: m[1]!, selector: m[2]! };
  m = /^namespaces: selector:(?: (.*))?$/.exec(t);
  if (m) return { kind: 'namespaces', selector: m[1] ?? '' };
  m = /^cidr: (\S+) except \[(.*)\]$/.exec(t);
  if (m) return { kind: 'cidr', cidr: m[1]!, except: m[2]!.split(/\s+/).filter(Boolean) };
  m = /^cidr: (\S+)$/.exec(t);
  if (m) return { kind: 'cidr', cidr: m[1]!, except: [] };
  return { kind: 'unknown', text: t };
}

/** Parses a weave-npc rule comment; undefined when it is not one weave-npc writes. */
export function parseNpcComment(comment: string, chain?: string): NpcRuleMeaning | undefined {
  let m = /^DefaultAllow (ingress|egress) isolation for namespace: (.+)$/.exec(comment);
  if (m) return { kind: 'default-allow', direction: m[1] as 'ingress' | 'egress', namespace: m[2]!, format: 'directional' };
  m = /^DefaultAllow isolation for namespace: (.+)$/.exec(comment);
  if (m) return { kind: 'default-allow', direction: 'ingress', namespace: m[1]!, format: 'plain' };
  m = /^(.*?) -> (.*?)(?: \((ingress|egress)\))?$/.exec(comment);
  if (m) {
    const source = parseNpcPeer(m[1]!);
    const destination = parseNpcPeer(m[2]!);
    if (source.kind === 'unknown' && destination.kind === 'unknown') return undefined;
    const direction = (m[3] as 'ingress' | 'egress' | undefined) ?? (chain?.startsWith('WEAVE-NPC-EGRESS') ? 'egress' : 'ingress');
    return { kind: 'policy', direction, source, destination, format: m[3] ? 'directional' : 'plain' };
  }
  return undefined;
}

export function describeNpcPeer(p: NpcPeer): string {
  switch (p.kind) {
    case 'anywhere':
      return 'anywhere';
    case 'pods':
      return p.selector === '' ? `all pods in ${p.namespace}` : `pods ${p.selector} in ${p.namespace}`;
    case 'namespaces':
      return p.selector === '' ? 'all pods in all namespaces' : `pods in namespaces ${p.selector}`;
    case 'cidr':
      return p.except.length ? `${p.cidr} except ${p.except.join(', ')}` : p.cidr;
    case 'unknown':
      return p.text;
  }
}

export function describeSetMeaning(m: SetMeaning): string {
  switch (m.kind) {
    case 'pods':
      return m.selector === '' ? `all pods in ${m.namespace}` : `pods ${m.selector} in ${m.namespace}`;
    case 'namespaces':
      return m.selector === '' ? 'all namespaces' : `namespaces ${m.selector}`;
    case 'namespaced-pods':
      if (m.podSelector === undefined || m.namespaceSelector === undefined) {
        return `pods matching the namespace and pod selectors "${m.joined}" (joined as weave-npc writes them)`;
      }
      return `${m.podSelector === '' ? 'all pods' : `pods ${m.podSelector}`} in ${m.namespaceSelector === '' ? 'all namespaces' : `namespaces ${m.namespaceSelector}`}`;
    case 'default-allow':
      return `pods in ${m.namespace} that no ${m.direction === 'ingress' ? 'Ingress' : 'Egress'} policy selects`;
    case 'ipblock-except':
      return m.cidr ? `addresses excepted from ${m.cidr}` : 'addresses excepted from an ipBlock';
    case 'local-pods':
      return 'pods on this node';
  }
}

function setKeys(m: SetMeaning, namespaces: readonly string[]): string[] {
  switch (m.kind) {
    case 'pods':
      return [`${m.namespace}:${m.selector}`];
    case 'namespaces':
      return [`:${m.selector}`];
    case 'namespaced-pods':
      return [`:${m.joined}`];
    case 'default-allow':
      return m.direction === 'ingress'
        ? [`ingress-default-allow:${m.namespace}`, `default-allow:${m.namespace}`, `${m.namespace}:`]
        : [`egress-default-allow:${m.namespace}`];
    case 'ipblock-except': {
      const key = [...m.except].sort().join(' ');
      return [`ipblock-except:${key}`, ...namespaces.map((ns) => `${ns}:ipblock-except:${key}`)];
    }
    case 'local-pods':
      return [];
  }
}

/** Every set name weave-npc may create for these objects, with what it holds. */
export function knownIpsets(input: { namespaces?: readonly (Namespace | string)[]; policies?: readonly NetworkPolicy[] }): Map<string, SetMeaning> {
  const out = new Map<string, SetMeaning>();
  const add = (key: string, m: SetMeaning) => {
    const name = npcIpsetName(key);
    if (!out.has(name)) out.set(name, m);
  };
  const nsNames = new Set<string>();
  for (const n of input.namespaces ?? []) nsNames.add(typeof n === 'string' ? n : n.name);
  for (const p of input.policies ?? []) nsNames.add(p.metadata?.namespace ?? 'default');
  for (const ns of nsNames) {
    add(`ingress-default-allow:${ns}`, { kind: 'default-allow', namespace: ns, direction: 'ingress' });
    add(`egress-default-allow:${ns}`, { kind: 'default-allow', namespace: ns, direction: 'egress' });
    add(`default-allow:${ns}`, { kind: 'default-allow', namespace: ns, direction: 'ingress' });
    add(`${ns}:`, { kind: 'pods', namespace: ns, selector: '' });
  }
  const key = (s: LabelSelector | undefined) => {
    try {
      return compileSelector(s ?? {}).key;
    } catch {
      return undefined;
    }
  };
  for (const p of input.policies ?? []) {
    const ns = p.metadata?.namespace ?? 'default';
    const t = key(p.spec?.podSelector);
    if (t !== undefined) add(`${ns}:${t}`, { kind: 'pods', namespace: ns, selector: t });
    const peers = [...(p.spec?.ingress ?? []).flatMap((r) => r?.from ?? []), ...(p.spec?.egress ?? []).flatMap((r) => r?.to ?? [])];
    for (const peer of peers) {
      if (!peer) continue;
      const ps = peer.podSelector ? key(peer.podSelector) : undefined;
      const nss = peer.namespaceSelector ? key(peer.namespaceSelector) : undefined;
      if (ps !== undefined && nss !== undefined) {
        add(`:${nss}${ps}`, { kind: 'namespaced-pods', joined: `${nss}${ps}`, namespaceSelector: nss, podSelector: ps });
        add(`${ns}:${ps}`, { kind: 'pods', namespace: ns, selector: ps }); // what weave-npc < 2.6 creates
      } else if (ps !== undefined) add(`${ns}:${ps}`, { kind: 'pods', namespace: ns, selector: ps });
      else if (nss !== undefined) add(`:${nss}`, { kind: 'namespaces', selector: nss });
      if (peer.ipBlock?.except?.length) {
        const ex = [...peer.ipBlock.except].sort();
        const m: SetMeaning = { kind: 'ipblock-except', cidr: peer.ipBlock.cidr, except: ex };
        add(`ipblock-except:${ex.join(' ')}`, m);
        add(`${ns}:ipblock-except:${ex.join(' ')}`, m);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// decoded rules

export interface NpcSetRef {
  name: string;
  direction: 'src' | 'dst';
  negated: boolean;
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

export interface NpcRule {
  chain: string;
  /** 1-based position in the chain. */
  position: number;
  /** The rule as iptables-save printed it. */
  raw: string;
  target: string;
  targetArgs: string[];
  protocol?: string;
  source?: string;
  destination?: string;
  inInterface?: string;
  outInterface?: string;
  dport?: string;
  state?: string;
  comment?: string;
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

interface Parsed {
  target: string;
  targetArgs: string[];
  protocol?: string;
  source?: string;
  destination?: string;
  inInterface?: string;
  outInterface?: string;
  dport?: string;
  state?: string;
  comment?: string;
  sets: { name: string; direction: 'src' | 'dst'; negated: boolean }[];
  mark?: string;
  physdev: string[];
  dstType?: string;
  options: string[];
}

function parseRuleArgs(args: string[]): Parsed {
  const p: Parsed = { target: '', targetArgs: [], sets: [], physdev: [], options: [] };
  let neg = false;
  let i = 0;
  const bang = () => (neg ? '! ' : '');
  while (i < args.length) {
    const a = args[i]!;
    if (a === '!') {
      neg = true;
      i++;
      continue;
    }
    const val = args[i + 1];
    switch (a) {
      case '-j':
      case '-g':
        p.target = val ?? '';
        p.targetArgs = args.slice(i + 2);
        i = args.length;
        continue;
      case '-s':
        p.source = `${bang()}${val}`;
        i += 2;
        break;
      case '-d':
        p.destination = `${bang()}${val}`;
        i += 2;
        break;
      case '-i':
        p.inInterface = `${bang()}${val}`;
        p.options.push(`${bang()}in ${val}`);
        i += 2;
        break;
      case '-o':
        p.outInterface = `${bang()}${val}`;
        p.options.push(`${bang()}out ${val}`);
        i += 2;
        break;
      case '-p':
        p.protocol = `${bang()}${val}`;
        i += 2;
        break;
      case '-m':
        i += 2; // the module name; its options follow
        break;
      case '--state':
        p.state = val;
        p.options.push(`${bang()}state ${val}`);
        i += 2;
        break;
      case '--ctstate':
        p.state = val;
        p.options.push(`ctstate ${bang()}${val}`);
        i += 2;
        break;
      case '--match-set': {
        const dir = (args[i + 2] ?? 'src') as 'src' | 'dst';
        p.sets.push({ name: val ?? '', direction: dir === 'dst' ? 'dst' : 'src', negated: neg });
        p.options.push(`${bang()}match-set ${val} ${dir}`);
        i += 3;
        break;
      }
      case '--comment':
        p.comment = val;
        p.options.push(`/* ${val} */`);
        i += 2;
        break;
      case '--dport':
      case '--dports':
        p.dport = val;
        p.options.push(`${p.protocol?.replace(/^! /, '') ?? ''} ${val?.includes(':') ? 'dpts' : 'dpt'}:${bang()}${val}`.trim());
        i += 2;
        break;
      case '--mark':
        p.mark = `${bang()}${val}`;
        p.options.push(`mark match ${bang()}${val}`);
        i += 2;
        break;
      case '--physdev-in':
      case '--physdev-out':
      case '--physdev-is-bridged': {
        const text = a === '--physdev-is-bridged' ? `${bang()}${a}` : `${bang()}${a} ${val}`;
        p.physdev.push(text);
        // one "PHYSDEV match" for all the physdev options of the rule, as iptables -L prints them
        const last = p.options.length - 1;
        if (last >= 0 && p.options[last]!.startsWith('PHYSDEV match ')) p.options[last] += ` ${text}`;
        else p.options.push(`PHYSDEV match ${text}`);
        i += a === '--physdev-is-bridged' ? 1 : 2;
        break;
      }
      case '--dst-type':
      case '--src-type':
        if (a === '--dst-type') p.dstType = `${bang()}${val}`;
        p.options.push(`ADDRTYPE match ${a.slice(2)} ${bang()}${val}`);
        i += 2;
        break;
      default:
        if (a.startsWith('-') && val !== undefined && !val.startsWith('-')) {
          p.options.push(`${bang()}${a} ${val}`);
          i += 2;
        } else {
          p.options.push(`${bang()}${a}`);
          i += 1;
        }
    }
    neg = false;
  }
  return p;
}

function staticSummary(chain: string, p: Parsed): string | undefined {
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

function portText(p: Parsed): string {
  if (!p.protocol) return 'any port';
  const proto = p.protocol.toUpperCase();
  if (!p.dport || p.dport === '0:65535') return `any ${proto} port`;
  return `${proto} port ${p.dport.replace(':', '-')}`;
}

function describePolicyRule(m: Extract<NpcRuleMeaning, { kind: 'policy' }>, p: Parsed, sets: NpcSetRef[]): string {
  const side = (peer: NpcPeer, d: 'src' | 'dst') => {
    const s = sets.find((x) => x.direction === d && !x.negated);
    return peer.kind === 'namespaces' && s?.meaning?.kind === 'namespaced-pods' ? describeSetMeaning(s.meaning) : describeNpcPeer(peer);
  };
  const main = `allow ${m.direction} from ${side(m.source, 'src')} to ${side(m.destination, 'dst')} on ${portText(p)}`;
  if (p.target === 'RETURN') return `(the rule above matched: stop checking) ${main}`;
  return main;
}

function describeDefaultAllow(m: Extract<NpcRuleMeaning, { kind: 'default-allow' }>, p: Parsed, setMeaning: SetMeaning | undefined): string {
  const allPods = setMeaning?.kind === 'pods' && setMeaning.selector === '';
  if (m.direction === 'ingress') {
    if (allPods) return `accept new traffic to every pod in ${m.namespace}: the namespace is not isolated (legacy semantics)`;
    return `accept new traffic to the pods in ${m.namespace} that no Ingress policy selects`;
  }
  if (p.target === 'RETURN') return `(marked above) stop egress checks for pods in ${m.namespace} that no Egress policy selects`;
  return `allow new traffic from the pods in ${m.namespace} that no Egress policy selects`;
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
function commentMeanings(m: NpcRuleMeaning | undefined, p: Parsed, setType: (name: string) => string | undefined): Map<number, SetMeaning> {
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

  const decodeRule = (r: SavedRule, p: Parsed, position: number): NpcRule => {
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
  const byChain = new Map<string, { r: SavedRule; p: Parsed }[]>();
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

function targetOptions(p: Parsed): string[] {
  if (p.targetArgs.length === 0) return [];
  if (p.target === 'MARK' && p.targetArgs[0] === '--set-xmark') return [`MARK xset ${p.targetArgs[1] ?? ''}`];
  if (p.target === 'NFLOG' && p.targetArgs[0] === '--nflog-group') return [`nflog-group ${p.targetArgs[1] ?? ''}`];
  return [p.targetArgs.join(' ')];
}

function genericSummary(p: Parsed, sets: NpcSetRef[]): string {
  const parts: string[] = [];
  if (p.source) parts.push(`from ${p.source}`);
  if (p.destination) parts.push(`to ${p.destination}`);
  for (const s of sets) parts.push(`${s.negated ? 'not ' : ''}${s.direction === 'src' ? 'from' : 'to'} ${s.description ?? s.name}`);
  if (p.protocol) parts.push(`on ${portText(p)}`);
  const verb = p.target === 'ACCEPT' ? 'accept' : p.target === 'DROP' ? 'drop' : p.target === 'RETURN' ? 'return' : `go to ${p.target}`;
  return parts.length ? `${verb} ${parts.join(' ')}` : verb;
}

// ---------------------------------------------------------------------------------------------
// rendering

/** One `iptables -L` line: target, prot, opt, source, destination, options. */
function lRow(target: string, prot: string, source: string, dest: string, options: string, opt = '--'): string {
  return `${target.padEnd(10)} ${prot.padEnd(4)} ${opt.padEnd(3)} ${source.padEnd(20)} ${dest.padEnd(20)} ${options}`.trimEnd();
}

function renderRule(r: NpcRule, out: string[]): void {
  const prot = r.protocol ? r.protocol.toLowerCase() : 'all';
  out.push(lRow(r.target, prot, r.source ?? 'anywhere', r.destination ?? 'anywhere', r.options));
  out.push(`           # ${r.summary}`);
  const shown = new Set<string>();
  for (const s of r.sets) {
    if (shown.has(s.name)) continue;
    shown.add(s.name);
    const dirs = r.sets.filter((x) => x.name === s.name).map((x) => `${x.negated ? '!' : ''}${x.direction}`);
    const what = s.description ?? 'unknown (no rule comment, and no policy or namespace given to recompute the name)';
    const check = s.source === 'comment' && s.verified === false ? ' [name does not match]' : '';
    let members = '';
    if (s.missing) members = ' = (set not found)';
    else if (s.members) members = s.members.length === 0 ? ' = (empty)' : ` = ${s.members.join(', ')}`;
    out.push(`           # ${s.name} (${dirs.join(', ')}): ${what}${check}${members}`);
  }
}

/** `iptables -L`-like text, each rule followed by what it means and what its sets hold. */
export function renderNpcRules(report: NpcRulesReport): string {
  const out: string[] = [];
  if (report.hooks.length > 0) {
    out.push('# how traffic reaches weave-npc');
    for (const h of report.hooks) {
      out.push(h.raw);
      out.push(`           # ${h.summary}`);
    }
    out.push('');
  }
  for (const c of report.chains) {
    out.push(`Chain ${c.name}${c.policy ? ` (policy ${c.policy})` : ''} (${c.rules.length} ${c.rules.length === 1 ? 'rule' : 'rules'})`);
    out.push(lRow('target', 'prot', 'source', 'destination', '', 'opt'));
    for (const r of c.rules) renderRule(r, out);
    out.push('');
  }
  if (report.isolation.length > 0) {
    out.push('# isolated pods (all pods of the namespace minus its default-allow set)');
    for (const i of report.isolation) {
      const parts: string[] = [];
      if (i.ingressIsolated) parts.push(`ingress: ${i.ingressIsolated.length ? i.ingressIsolated.join(', ') : 'none'}`);
      if (i.egressIsolated) parts.push(`egress: ${i.egressIsolated.length ? i.egressIsolated.join(', ') : 'none'}`);
      out.push(`${i.namespace}: ${parts.join('; ')}`);
    }
    out.push('');
  }
  if (report.missingChains.length > 0 && report.chains.length > 0 && !report.egress) {
    out.push('# no egress chains: this weave-npc predates egress policies (2.4)');
    out.push('');
  }
  for (const w of report.warnings) out.push(`warning: ${w}`);
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}
