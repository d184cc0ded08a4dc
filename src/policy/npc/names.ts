/**
 * How weave-npc names its ipsets (weaveworks/weave npc/: shortname.go, selector.go, namespace.go,
 * ipblock.go): `weave-` + shortName(key), shortName being the SHA-1 of key as a big number written
 * in base 85 over ShortNameSymbols, least significant digit first. Keys:
 *   `<ns>:<selector>`        pods of a namespace matching a pod selector (hash:ip); `<ns>:` = all its pods
 *   `:<selector>`            namespaces matching a selector (list:set of the namespaces' all-pods sets)
 *   `:<nsSelector><podSelector>` pods matching both (2.6+, hash:ip; the two strings are simply joined)
 *   `ingress-default-allow:<ns>` / `egress-default-allow:<ns>` pods no policy selects (2.4+)
 *   `default-allow:<ns>`     the same, ingress only (2.1-2.3)
 *   `ipblock-except:<cidrs>` / `<ns>:ipblock-except:<cidrs>` the except list of an ipBlock (hash:net)
 * <selector> is labels.Selector.String() (see ../selector.ts). Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import { compileSelector } from '../selector.js';
import type { LabelSelector, Namespace, NetworkPolicy } from '../types.js';
import type { SetMeaning } from './comments.js';

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

/** The keys weave-npc may hash to name a set holding `m` (`namespaces`: for the namespaced except sets). */
export function setKeys(m: SetMeaning, namespaces: readonly string[]): string[] {
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
