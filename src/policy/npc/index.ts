/**
 * weave-npc's iptables rules and ipsets, decoded (`weavectl npc rules`). One idea per file:
 * names.ts (ipset names), iptables-save.ts and ipset.ts (parsing the tools' output), rule-args.ts
 * (one rule's matches), comments.ts (what weave-npc's comments mean), summary.ts (rules in words),
 * report.ts (the result), decode.ts (putting it together), render.ts (the text).
 */
export { SHORT_NAME_SYMBOLS, shortName, npcIpsetName, podSelectorIpset, allPodsIpset, namespaceSelectorIpset, namespacedPodSelectorIpset, defaultAllowIpset, ipBlockExceptIpset, knownIpsets } from './names.js';
export { splitArgs, parseIptablesSave, type SavedChain, type SavedRule, type SavedTable } from './iptables-save.js';
export { parseIpsetList, type Ipset, type IpsetMember } from './ipset.js';
export { parseNpcPeer, parseNpcComment, describeNpcPeer, describeSetMeaning, type NpcPeer, type NpcRuleMeaning, type SetMeaning } from './comments.js';
export type { NpcSetRef, NpcRule, NpcChainReport, NpcSetReport, NpcRulesReport } from './report.js';
export { NPC_CHAINS, decodeNpcRules, type DecodeInput } from './decode.js';
export { renderNpcRules } from './render.js';
