/**
 * `--allow-from CIDR`: a NetworkPolicy in front of the Scope app, so that on port 4040 only those
 * sources, and Scope's own probes, reach it. Pure.
 *
 * The probes must still reach the app, or the UI is empty (they post their reports to it on the same
 * port, scope v1.13.2 app/router.go POST /api/report):
 * - the cluster agent is an ordinary pod: admitted by its labels (the Deployment's selector);
 * - the host agents run with hostNetwork (DaemonSet weave-scope-agent) and reach the app through
 *   the Service from their node. On the app's own node that traffic never passes weave-npc (it does
 *   not go through FORWARD: Weave Net v2.8.1 prog/weave-npc/main.go hooks WEAVE-NPC to FORWARD
 *   -o weave); from the other nodes it arrives over the Weave network with the sending node's
 *   weave bridge address, an address of the Weave Net allocation range (IPALLOC_RANGE). So that range
 *   is admitted too: pods of the cluster can reach the UI; clients outside it only from the CIDRs.
 *
 * ipBlock peers need Kubernetes 1.8 (networking.k8s.io/v1 NetworkPolicy since 1.7, ipBlock and
 * policyTypes since 1.8), and weave-npc 2.4.0 or later to be enforced (Weave Net commit 9769c8d5
 * "support ipblock in npc", first tagged v2.4.0: npc/ipblock.go).
 */
import { Document } from 'yaml';
import { usageError } from '../errors.js';
import { formatCidr, networkAddress, parseCidr, WEAVE_DEFAULT_IPALLOC } from '../net/cidr.js';
import { compareWeave, npcBehaviour } from '../weave/releases.js';
import { findDoc, type Manifest } from './manifest.js';
import { SCOPE_ALLOW_FROM_POLICY, SCOPE_APP_LABEL, SCOPE_APP_PORT, SCOPE_CLUSTER_AGENT_DEPLOYMENT, SCOPE_SERVICE } from '../weave/names.js';

export const ALLOW_FROM_POLICY = SCOPE_ALLOW_FROM_POLICY;
/** weave-npc enforces ipBlock peers from this release on (Weave Net v2.4.0 npc/ipblock.go). */
export const NPC_IPBLOCK_SINCE = '2.4.0';

/** One --allow-from value: an IPv4 CIDR that is its own network address (one address: /32). */
export function parseAllowFrom(text: string): string {
  const c = parseCidr(text.trim());
  const net = networkAddress(c);
  if (net !== c.address) {
    throw usageError(`--allow-from ${text} is not a network address: did you mean ${formatCidr({ address: net, prefix: c.prefix })}?`, 'for one address, use /32');
  }
  return formatCidr(c);
}

/** --allow-from values (each may be a comma list), validated and de-duplicated in order. */
export function parseAllowFromList(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values.flatMap((x) => x.split(','))) {
    const c = parseAllowFrom(v);
    if (!out.includes(c)) out.push(c);
  }
  if (out.length === 0) throw usageError('--allow-from needs at least one CIDR');
  return out;
}

export interface AllowFromContext {
  /** Kubernetes 1.N: refused below 1.8 (no ipBlock). */
  k8sMinor?: number;
  /** Weave Net's IPALLOC_RANGE (default 10.32.0.0/12): where the host probes of other nodes come from. */
  podRange?: string;
}

function labelsAt(doc: Document | undefined, path: string[]): Record<string, string> | undefined {
  const v = doc?.getIn(path);
  const js = v && typeof (v as { toJSON?: unknown }).toJSON === 'function' ? (v as { toJSON(): unknown }).toJSON() : v;
  return js && typeof js === 'object' && !Array.isArray(js) && Object.keys(js).length > 0 ? (js as Record<string, string>) : undefined;
}

/** The NetworkPolicy for a Scope manifest (its namespace, the Service's selector for the app pods). */
export function allowFromPolicy(m: Manifest, cidrs: readonly string[], ctx: AllowFromContext = {}): Record<string, unknown> {
  if (ctx.k8sMinor !== undefined && ctx.k8sMinor < 8) {
    throw usageError(`--allow-from needs Kubernetes 1.8 or later (NetworkPolicy ipBlock); this cluster is 1.${ctx.k8sMinor}`, 'reach the UI with weavectl scope open instead of exposing it');
  }
  const svc = findDoc(m, 'Service', SCOPE_SERVICE);
  const namespace = String(svc?.getIn(['metadata', 'namespace']) ?? 'weave');
  const appSelector = labelsAt(svc, ['spec', 'selector']) ?? { app: SCOPE_APP_LABEL, name: SCOPE_SERVICE };
  const agentDoc = findDoc(m, 'Deployment', SCOPE_CLUSTER_AGENT_DEPLOYMENT);
  const agentSelector = labelsAt(agentDoc, ['spec', 'selector', 'matchLabels']) ?? labelsAt(agentDoc, ['spec', 'template', 'metadata', 'labels']);
  const podRange = ctx.podRange ?? WEAVE_DEFAULT_IPALLOC;
  const ports = [{ protocol: 'TCP', port: SCOPE_APP_PORT }];
  const probes: Record<string, unknown>[] = [];
  if (agentSelector) probes.push({ podSelector: { matchLabels: agentSelector } });
  probes.push({ ipBlock: { cidr: podRange } });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: ALLOW_FROM_POLICY,
      namespace,
      labels: { app: SCOPE_APP_LABEL, 'app.kubernetes.io/managed-by': 'weavectl' },
      annotations: {
        'weavectl.io/allow-from': cidrs.join(','),
        'weavectl.io/why': `the Scope UI (port ${SCOPE_APP_PORT}) only from --allow-from; the probes (cluster agent pods, host agents from the Weave Net range ${podRange}) report on the same port`,
      },
    },
    spec: {
      podSelector: { matchLabels: appSelector },
      policyTypes: ['Ingress'],
      ingress: [
        { from: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports },
        { from: probes, ports },
      ],
    },
  };
}

/** The manifest with the policy added (or replaced); a copy of the document list, the documents shared. */
export function withAllowFrom(m: Manifest, cidrs: readonly string[], ctx: AllowFromContext = {}): Manifest {
  const policy = allowFromPolicy(m, cidrs, ctx);
  const docs = m.docs.filter((d) => !(d.get('kind') === 'NetworkPolicy' && d.getIn(['metadata', 'name']) === ALLOW_FROM_POLICY));
  return { origin: m.origin, docs: [...docs, new Document(policy)] };
}

/** The CIDRs of a live policy (its annotation; else its first rule's ipBlocks). */
export function readAllowFrom(policy: { metadata?: any; spec?: any } | undefined): string[] | undefined {
  if (!policy) return undefined;
  const ann = policy.metadata?.annotations?.['weavectl.io/allow-from'];
  if (typeof ann === 'string' && ann.length > 0) return ann.split(',');
  const from: any[] = policy.spec?.ingress?.[0]?.from ?? [];
  const cidrs = from.map((p) => p?.ipBlock?.cidr).filter((c): c is string => typeof c === 'string');
  return cidrs.length > 0 ? cidrs : undefined;
}

/** What runs of weave-npc, for the note: undefined = no Weave Net found. */
export interface NpcState {
  /** Weave Net found with a weave-npc container. */
  npc: boolean;
  /** Weave Net's release (image tag), when known. */
  version?: string;
  legacyFlag?: boolean;
}

/** Notes for --allow-from: when nothing would enforce the policy. */
export function allowFromNotes(state: NpcState | undefined): string[] {
  if (!state) return [`--allow-from: no Weave Net found in the cluster: NetworkPolicy ${ALLOW_FROM_POLICY} is enforced only if the cluster's network plugin enforces NetworkPolicies`];
  if (!state.npc) return [`--allow-from: Weave Net runs without weave-npc (disable-npc): nothing enforces NetworkPolicy ${ALLOW_FROM_POLICY}, and anyone who reaches the Service reaches the UI`];
  if (!state.version) return [];
  const npc = npcBehaviour(state.version, Boolean(state.legacyFlag));
  if (npc?.legacy) return [`--allow-from: ${npc.reason}: it does not enforce NetworkPolicy ${ALLOW_FROM_POLICY}`];
  if (compareWeave(state.version, NPC_IPBLOCK_SINCE) < 0) {
    return [`--allow-from: weave-npc ${state.version} does not know ipBlock peers (they came in Weave Net ${NPC_IPBLOCK_SINCE}: v2.4.0 npc/ipblock.go): NetworkPolicy ${ALLOW_FROM_POLICY} is not enforced as written; upgrade Weave Net`];
  }
  return [];
}
