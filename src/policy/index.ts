/**
 * The policy core: NetworkPolicy building, evaluation, the allow matrix, and weave-npc rule
 * decoding. Pure: no I/O. Commands import from here.
 */
export * from './types.js';
export {
  parseSelector,
  compileSelector,
  matchesSelector,
  selectorString,
  selectorProblems,
  isEmptySelector,
  labelKeyProblem,
  labelValueProblem,
  type CompiledSelector,
} from './selector.js';
export {
  parsePort,
  parsePortQuery,
  formatPolicyPort,
  formatPortQuery,
  formatPorts,
  type PortQuery,
  type PortSet,
} from './ports.js';
export {
  apiVersionFor,
  isolationMethodFor,
  buildDefaultDeny,
  buildAllow,
  buildAllowEgress,
  legacyIsolationAnnotation,
  legacyIsolationPatch,
  renderPolicyYaml,
  toDnsLabel,
  type NetpolApiVersion,
  type K8sVersionLike,
  type AllowOptions,
  type AllowEgressOptions,
  type DefaultDenyOptions,
} from './build.js';
export { effectivePolicyTypes, hasLegacyDefaultDeny, LEGACY_ANNOTATION } from './compile.js';
export {
  evaluate,
  createEvaluator,
  type EvaluateInput,
  type EvaluateResult,
  type DirectionVerdict,
  type RuleRef,
  type Evaluator,
  type EvaluatorOptions,
} from './evaluate.js';
export { matrix, type PolicyMatrix, type MatrixOptions } from './matrix.js';
export { renderMatrixGrid, truncateLabel, type GridOptions } from './matrix-grid.js';
export { describePolicy, describePeer, describePorts, describeTargets, type DescribeOptions } from './describe.js';
export { validatePolicy, weaveNpcCaveats } from './lint.js';
export { podFromObject, namespaceFromObject, policyFromObject, isLivePod } from './objects.js';
export {
  decodeNpcRules,
  renderNpcRules,
  parseIptablesSave,
  parseIpsetList,
  parseNpcComment,
  parseNpcPeer,
  shortName,
  npcIpsetName,
  podSelectorIpset,
  allPodsIpset,
  namespaceSelectorIpset,
  namespacedPodSelectorIpset,
  defaultAllowIpset,
  ipBlockExceptIpset,
  knownIpsets,
  NPC_CHAINS,
  type DecodeInput,
  type NpcRulesReport,
  type NpcRule,
  type NpcChainReport,
  type NpcSetRef,
  type NpcSetReport,
  type NpcRuleMeaning,
  type NpcPeer,
  type SetMeaning,
} from './npc/index.js';
