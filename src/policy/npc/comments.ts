/**
 * What weave-npc's comments mean (weaveworks/weave npc/: rule.go, analyser.go, namespace.go):
 * rule comments `DefaultAllow ingress isolation for namespace: <ns>` (2.4+; older:
 * `DefaultAllow isolation for namespace: <ns>`), `DefaultAllow egress isolation for namespace: <ns>`,
 * and per policy rule `<src> -> <dst>` (2.4+: `<src> -> <dst> (ingress|egress)`) where a side is
 * `anywhere`, `pods: namespace: <ns>, selector: <sel>`, `namespaces: selector: <sel>`,
 * `cidr: <c>` or `cidr: <c> except [<c1> <c2>]`. Set members carry comments
 * `namespace: <ns>, pod: <name>` (pods), `namespace: <ns>` (members of namespace list:sets) and
 * `excepted from <cidr>` (ipBlock excepts). Also the words for what a set holds. Pure: no I/O.
 */

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
