/**
 * Building NetworkPolicies (and the pre-1.7 isolation annotation) from command-line intent, for
 * `weavectl policy isolate` / `policy allow`. The objects come out as a human would write them:
 * no empty fields, kubectl's key order, `policyTypes` only where the API version has it.
 * Pure: no I/O.
 *
 * Kubernetes history that decides what may be written:
 * - 1.3-1.6: NetworkPolicy is extensions/v1beta1 with beta semantics: a namespace is isolated only
 *   by the annotation net.beta.kubernetes.io/network-policy={"ingress":{"isolation":"DefaultDeny"}};
 *   a policy with an empty podSelector isolates nothing.
 * - 1.7: networking.k8s.io/v1; a policy selecting a pod isolates it (a default-deny is a policy with
 *   `podSelector: {}` and no ingress rules). The annotation is ignored.
 * - 1.8: policyTypes, egress rules and ipBlock peers (in both API versions).
 * - 1.11: podSelector and namespaceSelector together in one peer.
 * - 1.16: extensions/v1beta1 NetworkPolicy is no longer served.
 * - 1.19: SCTP on by default (beta). 1.21: the namespace label kubernetes.io/metadata.name.
 *   1.22: endPort (beta, on by default).
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { failure, usageError } from '../errors.js';
import { LEGACY_ANNOTATION } from './compile.js';
import { blockInside, formatBlock, hasHostBits, parseBlock } from './ip.js';
import { parsePort, formatPolicyPort } from './ports.js';
import { isEmptySelector, parseSelector, selectorString } from './selector.js';
import type { LabelSelector, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, PolicyType } from './types.js';

export { parsePort, parsePortQuery, type PortQuery } from './ports.js';

export type NetpolApiVersion = 'networking.k8s.io/v1' | 'extensions/v1beta1';

/** A Kubernetes version as a minor number (1.N) or {major, minor} (K8sVersion fits). */
export type K8sVersionLike = number | { major: number; minor: number };

function minorOf(v: K8sVersionLike | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return v;
  return v.major > 1 ? 1000 : v.minor;
}

function versionText(v: K8sVersionLike): string {
  return typeof v === 'number' ? `1.${v}` : `${v.major}.${v.minor}`;
}

export interface ApiVersionInput {
  /** Group versions the cluster serves (discovery: "v1", "apps/v1", "networking.k8s.io/v1", ...). */
  servedGroupVersions?: readonly string[];
  /** The cluster's Kubernetes version. */
  k8s?: K8sVersionLike;
}

/**
 * The NetworkPolicy API version to write: networking.k8s.io/v1 from Kubernetes 1.7,
 * extensions/v1beta1 for 1.3-1.6. What the cluster serves wins over its version.
 */
export function apiVersionFor(input: ApiVersionInput): NetpolApiVersion {
  const served = input.servedGroupVersions;
  if (served && served.length > 0) {
    if (served.includes('networking.k8s.io/v1')) return 'networking.k8s.io/v1';
    const minor = minorOf(input.k8s);
    if (served.includes('extensions/v1beta1') && (minor === undefined || minor < 16)) return 'extensions/v1beta1';
    throw failure('the cluster serves no NetworkPolicy API (neither networking.k8s.io/v1 nor extensions/v1beta1)');
  }
  const minor = minorOf(input.k8s);
  if (minor === undefined) return 'networking.k8s.io/v1';
  if (minor >= 7) return 'networking.k8s.io/v1';
  if (minor >= 3) return 'extensions/v1beta1';
  throw usageError(`Kubernetes ${versionText(input.k8s!)} has no NetworkPolicy API (it came in 1.3)`);
}

/** How to isolate a namespace on this version: the annotation before 1.7, a default-deny policy from 1.7. */
export function isolationMethodFor(k8s: K8sVersionLike | undefined): 'annotation' | 'policy' {
  const minor = minorOf(k8s);
  return minor !== undefined && minor < 7 ? 'annotation' : 'policy';
}

// ---------------------------------------------------------------------------------------------
// names

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkNamespace(ns: string): void {
  if (typeof ns !== 'string' || ns === '') throw usageError('a namespace is required');
  if (ns.length > 63 || !DNS1123_LABEL.test(ns)) {
    throw usageError(`invalid namespace ${JSON.stringify(ns)}: it must be a lowercase DNS label (a-z, 0-9, '-', at most 63 characters)`);
  }
}

function checkName(name: string): void {
  if (name === '' || name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    throw usageError(
      `invalid policy name ${JSON.stringify(name)}: it must be a lowercase DNS subdomain (a-z, 0-9, '-', '.', at most 253 characters)`,
    );
  }
}

/** Lowercase DNS label from arbitrary text, at most 63 characters (a hash keeps long names distinct). */
export function toDnsLabel(text: string): string {
  let s = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  if (s === '') s = 'policy';
  if (s.length > 63) {
    const h = createHash('sha1').update(text).digest('hex').slice(0, 8);
    s = `${s.slice(0, 54).replace(/-+$/, '')}-${h}`;
  }
  return s;
}

function selectorPart(sel: LabelSelector): string {
  if (isEmptySelector(sel)) return 'all-pods';
  const labels = Object.entries(sel.matchLabels ?? {});
  if (labels.length === 1 && (sel.matchExpressions ?? []).length === 0) return labels[0]![1] || labels[0]![0];
  return selectorString(sel);
}

function portsPart(ports: NetworkPolicyPort[]): string {
  return ports
    .map((p) => {
      const t = formatPolicyPort(p);
      const [port, proto] = t.split('/');
      return proto === 'TCP' ? port! : `${port}-${proto!.toLowerCase()}`;
    })
    .join('-');
}

// ---------------------------------------------------------------------------------------------
// default deny and the legacy annotation

export interface DefaultDenyOptions {
  namespace: string;
  /** Deny ingress (default true). */
  ingress?: boolean;
  /** Deny egress too (default false; needs Kubernetes 1.8+). */
  egress?: boolean;
  /** Default: default-deny-ingress, default-deny-egress or default-deny-all. */
  name?: string;
  apiVersion?: NetpolApiVersion;
  /** The cluster's version, when known: decides whether policyTypes may be written. */
  k8s?: K8sVersionLike;
}

function header(apiVersion: NetpolApiVersion, name: string, namespace: string) {
  return { apiVersion, kind: 'NetworkPolicy', metadata: { name, namespace } };
}

/** A policy that selects every pod of the namespace and admits nothing (for the chosen directions). */
export function buildDefaultDeny(opts: DefaultDenyOptions): NetworkPolicy {
  checkNamespace(opts.namespace);
  const ingress = opts.ingress ?? true;
  const egress = opts.egress ?? false;
  if (!ingress && !egress) throw usageError('a default-deny policy must deny ingress, egress or both');
  const minor = minorOf(opts.k8s);
  if (minor !== undefined && minor < 7) {
    throw usageError(
      `on Kubernetes ${versionText(opts.k8s!)} a policy cannot isolate a namespace`,
      `annotate the namespace instead: kubectl annotate ns ${opts.namespace} ${LEGACY_ANNOTATION}='${legacyIsolationAnnotation().value}'`,
    );
  }
  if (egress && minor !== undefined && minor < 8) throw usageError(`egress policies need Kubernetes 1.8 or later (the cluster is ${versionText(opts.k8s!)})`);
  const apiVersion = opts.apiVersion ?? apiVersionFor({ k8s: opts.k8s });
  const name = opts.name ?? (ingress && egress ? 'default-deny-all' : ingress ? 'default-deny-ingress' : 'default-deny-egress');
  checkName(name);
  const types: PolicyType[] = [...(ingress ? (['Ingress'] as const) : []), ...(egress ? (['Egress'] as const) : [])];
  const spec: NetworkPolicy['spec'] = { podSelector: {} };
  // policyTypes exists from 1.8; on 1.7 an ingress-only default deny is the same without it.
  if (minor === undefined || minor >= 8) spec.policyTypes = types;
  return { ...header(apiVersion, name, opts.namespace), spec };
}

/** The pre-1.7 namespace isolation annotation (`kubectl annotate ns NS key='value'`). */
export function legacyIsolationAnnotation(): { key: string; value: string } {
  return { key: LEGACY_ANNOTATION, value: '{"ingress":{"isolation":"DefaultDeny"}}' };
}

/** A JSON merge patch for a Namespace that sets (isolate) or removes the legacy annotation. */
export function legacyIsolationPatch(isolate: boolean): { metadata: { annotations: Record<string, string | null> } } {
  const a = legacyIsolationAnnotation();
  return { metadata: { annotations: { [a.key]: isolate ? a.value : null } } };
}

// ---------------------------------------------------------------------------------------------
// allow

interface PeerIntent {
  pods?: string | LabelSelector;
  namespaces?: string | LabelSelector;
  /** A namespace by name, through the label kubernetes.io/metadata.name (Kubernetes 1.21+). */
  namespaceName?: string;
  cidr?: string;
  except?: string[];
}

interface CommonAllow {
  namespace: string;
  name?: string;
  /** `--port` values (5201/TCP, 53/UDP, http, 5000-5010/TCP) or ready NetworkPolicyPorts. */
  ports?: (string | NetworkPolicyPort)[];
  apiVersion?: NetpolApiVersion;
  k8s?: K8sVersionLike;
}

export interface AllowOptions extends CommonAllow {
  /** The pods the policy selects (receivers), as a kubectl selector or LabelSelector; '' = all pods. */
  to: string | LabelSelector;
  /** Allowed sender pods (with fromNamespace: in those namespaces; without: in the policy's namespace). */
  from?: string | LabelSelector;
  /** Allowed sender namespaces, a namespace label selector. */
  fromNamespace?: string | LabelSelector;
  /** Allowed sender namespace by name (kubernetes.io/metadata.name, Kubernetes 1.21+). */
  fromNamespaceName?: string;
  /** Allowed sender addresses. */
  fromCidr?: string;
  /** Addresses excluded from fromCidr. */
  except?: string[];
}

export interface AllowEgressOptions extends CommonAllow {
  /** The pods the policy selects (senders); '' = all pods. */
  from: string | LabelSelector;
  to?: string | LabelSelector;
  toNamespace?: string | LabelSelector;
  toNamespaceName?: string;
  toCidr?: string;
  except?: string[];
}

function toSelector(v: string | LabelSelector, what: string): LabelSelector {
  return typeof v === 'string' ? parseSelector(v, what) : v;
}

function buildPeers(intent: PeerIntent, flags: { pods: string; namespaces: string; namespaceName: string; cidr: string }, minor: number | undefined): NetworkPolicyPeer[] {
  const peers: NetworkPolicyPeer[] = [];
  if (intent.namespaces !== undefined && intent.namespaceName !== undefined) {
    throw usageError(`give ${flags.namespaces} or ${flags.namespaceName}, not both`);
  }
  let nsSel: LabelSelector | undefined;
  if (intent.namespaces !== undefined) nsSel = toSelector(intent.namespaces, `${flags.namespaces} selector`);
  if (intent.namespaceName !== undefined) {
    checkNamespace(intent.namespaceName);
    if (minor !== undefined && minor < 21) {
      throw usageError(
        `${flags.namespaceName} needs Kubernetes 1.21 or later (the label kubernetes.io/metadata.name)`,
        `label the namespace yourself and use ${flags.namespaces} with that label`,
      );
    }
    nsSel = { matchLabels: { 'kubernetes.io/metadata.name': intent.namespaceName } };
  }
  const podSel = intent.pods !== undefined ? toSelector(intent.pods, `${flags.pods} selector`) : undefined;
  if (podSel && nsSel) {
    if (minor !== undefined && minor < 11) throw usageError(`selecting pods and namespaces in one peer needs Kubernetes 1.11 or later`);
    peers.push({ podSelector: podSel, namespaceSelector: nsSel });
  } else if (podSel) {
    peers.push({ podSelector: podSel });
  } else if (nsSel) {
    peers.push({ namespaceSelector: nsSel });
  }
  if (intent.except && intent.except.length > 0 && intent.cidr === undefined) throw usageError(`--except needs ${flags.cidr}`);
  if (intent.cidr !== undefined) {
    if (minor !== undefined && minor < 8) throw usageError(`${flags.cidr} (ipBlock) needs Kubernetes 1.8 or later`);
    const block = parseBlock(intent.cidr);
    if (!block) throw usageError(`${flags.cidr}: ${JSON.stringify(intent.cidr)} is not a CIDR (expected e.g. 10.0.0.0/8 or 203.0.113.7/32)`);
    // 10.0.0.1/8 means all of 10.0.0.0/8 to Kubernetes: refused as --ipalloc refuses it (net/cidr.ts validateIpalloc)
    if (hasHostBits(block)) throw usageError(`${flags.cidr} ${intent.cidr} is not a network address: did you mean ${formatBlock(block)}?`, 'for one address, use /32');
    const except: string[] = [];
    for (const e of intent.except ?? []) {
      const eb = parseBlock(e);
      if (!eb) throw usageError(`--except: ${JSON.stringify(e)} is not a CIDR`);
      if (hasHostBits(eb)) throw usageError(`--except ${e} is not a network address: did you mean ${formatBlock(eb)}?`, 'for one address, use /32');
      if (!blockInside(eb, block) || (eb.prefix === block.prefix && eb.net === block.net)) {
        throw usageError(`--except ${e} must be a smaller block inside ${intent.cidr}`);
      }
      if (!except.includes(e)) except.push(e);
    }
    peers.push({ ipBlock: except.length > 0 ? { cidr: intent.cidr, except } : { cidr: intent.cidr } });
  }
  return peers;
}

function buildPorts(ports: (string | NetworkPolicyPort)[] | undefined, minor: number | undefined): NetworkPolicyPort[] {
  const out: NetworkPolicyPort[] = [];
  const seen = new Set<string>();
  for (const p of ports ?? []) {
    const parsed = typeof p === 'string' ? parsePort(p) : { ...p };
    const key = formatPolicyPort(parsed);
    if (seen.has(key)) continue;
    seen.add(key);
    if (parsed.endPort !== undefined && minor !== undefined && minor < 22) {
      throw usageError(`port range ${key} needs Kubernetes 1.22 or later (endPort)`, 'list the ports one by one instead');
    }
    if (parsed.protocol === 'SCTP' && minor !== undefined && minor < 19) {
      throw usageError(`SCTP in a NetworkPolicy needs Kubernetes 1.19 or later (before, the SCTPSupport feature gate)`);
    }
    const ordered: NetworkPolicyPort = { protocol: parsed.protocol ?? 'TCP' };
    if (parsed.port !== undefined) ordered.port = parsed.port;
    if (parsed.endPort !== undefined) ordered.endPort = parsed.endPort;
    out.push(ordered);
  }
  return out;
}

function sourcePart(intent: PeerIntent, targetSel: LabelSelector, ingress: boolean): string {
  const parts: string[] = [];
  const podSel = intent.pods !== undefined ? toSelector(intent.pods, 'selector') : undefined;
  const nsText = intent.namespaceName ?? (intent.namespaces !== undefined ? selectorPart(toSelector(intent.namespaces, 'selector')) : undefined);
  const sameAsTarget = ingress && podSel && !nsText && intent.cidr === undefined && selectorString(podSel) === selectorString(targetSel);
  if (sameAsTarget) return 'internal-access';
  if (podSel && nsText) parts.push(`${selectorPart(podSel)}-in-${nsText}`);
  else if (podSel) parts.push(selectorPart(podSel));
  else if (nsText) parts.push(`ns-${nsText}`);
  if (intent.cidr !== undefined) parts.push(intent.cidr);
  const what = parts.length === 0 ? 'anywhere' : parts.join('-or-');
  return `${ingress ? 'from' : 'egress-to'}-${what}`;
}

/**
 * A policy admitting traffic to the pods `to` (ingress). Peers: `from` and `fromNamespace(Name)`
 * together make ONE peer (those pods in those namespaces); `fromCidr` is another peer (either);
 * none of them: from anywhere. The default name says what it does, e.g. the seed policy
 * (to run=iperf-prod-1 from run=iperf-prod-1) is named iperf-prod-1-internal-access.
 */
export function buildAllow(opts: AllowOptions): NetworkPolicy {
  checkNamespace(opts.namespace);
  const minor = minorOf(opts.k8s);
  const target = toSelector(opts.to, '--to selector');
  const intent: PeerIntent = {
    pods: opts.from,
    namespaces: opts.fromNamespace,
    namespaceName: opts.fromNamespaceName,
    cidr: opts.fromCidr,
    except: opts.except,
  };
  const peers = buildPeers(intent, { pods: '--from', namespaces: '--from-namespace', namespaceName: '--from-namespace-name', cidr: '--from-cidr' }, minor);
  const ports = buildPorts(opts.ports, minor);
  const apiVersion = opts.apiVersion ?? apiVersionFor({ k8s: opts.k8s });
  const name = opts.name ?? toDnsLabel(`${selectorPart(target)}-${sourcePart(intent, target, true)}${ports.length ? `-${portsPart(ports)}` : ''}`);
  checkName(name);
  const rule: { from?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] } = {};
  if (peers.length > 0) rule.from = peers;
  if (ports.length > 0) rule.ports = ports;
  return { ...header(apiVersion, name, opts.namespace), spec: { podSelector: target, ingress: [rule] } };
}

/**
 * A policy admitting traffic from the pods `from` (egress) to `to`/`toNamespace`/`toCidr`.
 * It carries `policyTypes: [Egress]` so it does not isolate the pods' ingress. Kubernetes 1.8+.
 */
export function buildAllowEgress(opts: AllowEgressOptions): NetworkPolicy {
  checkNamespace(opts.namespace);
  const minor = minorOf(opts.k8s);
  if (minor !== undefined && minor < 8) throw usageError(`egress policies need Kubernetes 1.8 or later (the cluster is ${versionText(opts.k8s!)})`);
  const target = toSelector(opts.from, '--from selector');
  const intent: PeerIntent = {
    pods: opts.to,
    namespaces: opts.toNamespace,
    namespaceName: opts.toNamespaceName,
    cidr: opts.toCidr,
    except: opts.except,
  };
  const peers = buildPeers(intent, { pods: '--to', namespaces: '--to-namespace', namespaceName: '--to-namespace-name', cidr: '--to-cidr' }, minor);
  const ports = buildPorts(opts.ports, minor);
  const apiVersion = opts.apiVersion ?? apiVersionFor({ k8s: opts.k8s });
  const name = opts.name ?? toDnsLabel(`${selectorPart(target)}-${sourcePart(intent, target, false)}${ports.length ? `-${portsPart(ports)}` : ''}`);
  checkName(name);
  const rule: { to?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] } = {};
  if (peers.length > 0) rule.to = peers;
  if (ports.length > 0) rule.ports = ports;
  return { ...header(apiVersion, name, opts.namespace), spec: { podSelector: target, policyTypes: ['Egress'], egress: [rule] } };
}

/** kubectl-style YAML (sequences not indented under their key), one document per policy. */
export function renderPolicyYaml(policies: NetworkPolicy | readonly NetworkPolicy[]): string {
  const list = Array.isArray(policies) ? policies : [policies as NetworkPolicy];
  return list.map((p) => stringify(p, { indentSeq: false, lineWidth: 0 })).join('---\n');
}
