/**
 * What `weavectl policy list [-n NS | -A]` says (flags and printing in src/commands/policy-list.ts): every NetworkPolicy in plain English (what it selects, what
 * each rule allows, where weave-npc enforces it differently), then how each namespace is isolated:
 * by policies that select all its pods, or (legacy semantics) by the DefaultDeny annotation.
 */
import {
  describePolicy,
  effectivePolicyTypes,
  hasLegacyDefaultDeny,
  isEmptySelector,
  LEGACY_ANNOTATION,
  namespaceFromObject,
  selectorString,
  weaveNpcCaveats,
  type Namespace,
  type NetworkPolicy,
} from '../policy/index.js';
import type { Cluster } from '../cluster/types.js';
import type { Reporter } from '../output/reporter.js';
import { decidedByLine, enforcementWarning, listNamespaces, listPolicies, netpolApiVersion, readSemantics, requireNamespace, type Semantics } from './cluster.js';

export interface ListedPolicy {
  namespace: string;
  name: string;
  apiVersion: string;
  /** labels.Selector.String() of spec.podSelector ("" = every pod). */
  podSelector: string;
  policyTypes: string[];
  /** describePolicy's lines. */
  description: string[];
  /** Where weave-npc enforces it differently from Kubernetes. */
  caveats: string[];
}

export interface NamespaceIsolation {
  namespace: string;
  /** Policies (or "annotation") that isolate every pod of the namespace, per direction. */
  ingress: string[];
  egress: string[];
  /** The pre-1.7 DefaultDeny annotation is set (it isolates only under legacy semantics). */
  legacyAnnotation: boolean;
  /** How many policies the namespace has. */
  policies: number;
}

/** The -o json shape of `policy list`. */
export interface PolicyList {
  semantics: 'standard' | 'legacy';
  semanticsReason: string;
  /** What decided the semantics: "weaveworks 2.0.5" (the running weave-npc release) or "Kubernetes 1.6.13". */
  decidedBy: string;
  /** False when weave-npc is not running or its release cannot enforce policy on this cluster. */
  enforced: boolean;
  /** The namespace listed, or null with -A. */
  namespace: string | null;
  policies: ListedPolicy[];
  namespaces: NamespaceIsolation[];
}

function safeSelector(p: NetworkPolicy): string {
  try {
    return selectorString(p.spec.podSelector ?? {});
  } catch {
    return JSON.stringify(p.spec.podSelector);
  }
}

/** Whether the policy's namespace is isolated by the legacy annotation, when that namespace was read. */
function legacyIsolation(p: NetworkPolicy, namespaces: Namespace[]): { namespaceIsolated?: boolean } {
  const ns = namespaces.find((n) => n.name === (p.metadata.namespace ?? 'default'));
  return ns ? { namespaceIsolated: hasLegacyDefaultDeny(ns.annotations) } : {};
}

/** The list for policies and namespaces already read (pure). */
export function buildPolicyList(policies: NetworkPolicy[], namespaces: Namespace[], sem: Semantics, scope: string | null): PolicyList {
  const weaveVersion = sem.weave.weaveVersion;
  const listed: ListedPolicy[] = policies.map((p) => ({
    namespace: p.metadata.namespace ?? 'default',
    name: p.metadata.name,
    apiVersion: String(p.apiVersion ?? ''),
    podSelector: safeSelector(p),
    policyTypes: sem.legacy ? ['Ingress'] : effectivePolicyTypes(p),
    description: describePolicy(p, { legacy: sem.legacy, ...legacyIsolation(p, namespaces) }),
    caveats: weaveNpcCaveats(p, weaveVersion ? { weaveVersion } : {}),
  }));
  const inScope = namespaces.filter((n) => scope === null || n.name === scope);
  const iso: NamespaceIsolation[] = [];
  for (const n of inScope) {
    const mine = policies.filter((p) => (p.metadata.namespace ?? 'default') === n.name);
    const annotated = hasLegacyDefaultDeny(n.annotations);
    const all = mine.filter((p) => isEmptySelector(p.spec.podSelector));
    const ingress = sem.legacy ? (annotated ? ['annotation'] : []) : all.filter((p) => effectivePolicyTypes(p).includes('Ingress')).map((p) => `${n.name}/${p.metadata.name}`);
    const egress = sem.legacy ? [] : all.filter((p) => effectivePolicyTypes(p).includes('Egress')).map((p) => `${n.name}/${p.metadata.name}`);
    // With -A, only the namespaces there is something to say about.
    if (scope === null && mine.length === 0 && !annotated) continue;
    iso.push({ namespace: n.name, ingress, egress, legacyAnnotation: annotated, policies: mine.length });
  }
  return {
    semantics: sem.legacy ? 'legacy' : 'standard',
    semanticsReason: sem.reason,
    decidedBy: sem.decidedBy === 'release' ? sem.release! : `Kubernetes ${sem.k8s.text}`,
    enforced: sem.weave.npc !== 'disabled' && sem.unenforceable === undefined,
    namespace: scope,
    policies: listed,
    namespaces: iso,
  };
}

/** The text of `policy list`. */
export function renderPolicyList(l: PolicyList): string {
  const out: string[] = [];
  for (const p of l.policies) {
    out.push(`${p.namespace}/${p.name}`);
    for (const d of p.description) out.push(`  ${d}`);
    for (const c of p.caveats) out.push(`  ‼ ${c.replace(`${p.namespace}/${p.name}: `, '').replace(`${p.namespace}/${p.name} `, '')}`);
  }
  if (l.policies.length > 0 && l.namespaces.length > 0) out.push('');
  for (const n of l.namespaces) {
    const parts: string[] = [];
    const by = (refs: string[]) => refs.map((r) => (r === 'annotation' ? `the DefaultDeny annotation (${LEGACY_ANNOTATION})` : r)).join(', ');
    if (n.ingress.length > 0) parts.push(`isolated for ingress by ${by(n.ingress)}`);
    if (n.egress.length > 0) parts.push(`isolated for egress by ${by(n.egress)}`);
    if (parts.length === 0) {
      parts.push(
        n.policies > 0
          ? `not isolated: only the pods its ${n.policies === 1 ? 'policy selects are' : `${n.policies} policies select are`} limited, the others accept all traffic`
          : 'not isolated: its pods accept all traffic',
      );
    }
    if (n.legacyAnnotation && l.semantics === 'standard') parts.push(`its pre-1.7 DefaultDeny annotation is ignored (${l.decidedBy}: v1 semantics)`);
    out.push(`namespace ${n.namespace}: ${parts.join('; ')}`);
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}

/**
 * Reads the policies and namespaces of `scope` (a namespace, or null: every namespace) and the semantics
 * weave-npc enforces them with, and says the semantics (and when nothing enforces them) on stderr.
 */
export async function readPolicyList(cluster: Pick<Cluster, 'version' | 'serves' | 'get' | 'list'>, scope: string | null, reporter: Reporter): Promise<PolicyList> {
  const sem = await readSemantics(cluster, reporter);
  const apiVersion = await netpolApiVersion(cluster, sem.k8s);
  let namespaces: Namespace[];
  if (scope === null) namespaces = await listNamespaces(cluster);
  else namespaces = [namespaceFromObject(await requireNamespace(cluster, scope))];
  const policies = await listPolicies(cluster, apiVersion, scope ?? undefined);
  const list = buildPolicyList(policies, namespaces, sem, scope);
  reporter.info(`${sem.legacy ? 'Legacy' : 'Standard'} semantics, ${decidedByLine(sem)}`);
  const enforcement = enforcementWarning(sem.weave, sem);
  if (enforcement) reporter.warn(enforcement);
  return list;
}
