/**
 * The shapes the policy core works on: Kubernetes NetworkPolicy objects as their JSON (the same
 * for networking.k8s.io/v1 and extensions/v1beta1), and pods and namespaces reduced to what
 * policy evaluation needs (see objects.ts for the adapters from API objects). Pure: types only.
 */

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export type Labels = Readonly<Record<string, string>>;

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values?: string[];
}

/** metav1.LabelSelector. `{}` selects everything. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface IPBlock {
  cidr: string;
  except?: string[];
}

/**
 * One peer. podSelector alone: pods of the policy's namespace; namespaceSelector alone: every pod
 * of the selected namespaces; both in ONE peer: the selected pods of the selected namespaces (AND);
 * ipBlock: addresses.
 */
export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

export interface NetworkPolicyPort {
  /** Default TCP. */
  protocol?: Protocol;
  /** A number or a named container port; absent = every port of the protocol. */
  port?: number | string;
  /** Last port of a range that starts at `port` (Kubernetes 1.22+, beta). */
  endPort?: number;
}

export interface NetworkPolicyIngressRule {
  from?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicyEgressRule {
  to?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export type PolicyType = 'Ingress' | 'Egress';

export interface NetworkPolicySpec {
  podSelector: LabelSelector;
  policyTypes?: PolicyType[];
  ingress?: NetworkPolicyIngressRule[];
  egress?: NetworkPolicyEgressRule[];
}

export interface NetworkPolicy {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  spec: NetworkPolicySpec;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  /** Default TCP. */
  protocol?: Protocol;
}

/** A pod as policy evaluation sees it. */
export interface Pod {
  namespace: string;
  name: string;
  labels?: Labels;
  /** status.podIP; needed only to match ipBlock peers. */
  ip?: string;
  /** The containers' ports, to resolve named ports. */
  ports?: ContainerPort[];
  /** Pods on the host network are not subject to NetworkPolicy (their traffic carries the node's IP). */
  hostNetwork?: boolean;
}

export interface Namespace {
  name: string;
  labels?: Labels;
  annotations?: Readonly<Record<string, string>>;
}

/** A peer outside the pod network (an external client or server). */
export interface ExternalPeer {
  ip: string;
}

export type Peer = Pod | ExternalPeer;

export function isPod(p: Peer): p is Pod {
  return typeof (p as Pod).name === 'string' && typeof (p as Pod).namespace === 'string';
}

/** "prod/iperf-prod-1", or the IP of an external peer. */
export function peerName(p: Peer): string {
  return isPod(p) ? `${p.namespace}/${p.name}` : p.ip;
}

export interface PolicyRef {
  namespace: string;
  name: string;
  /** 'policy' (a NetworkPolicy) or 'annotation' (the pre-1.7 namespace DefaultDeny annotation). */
  kind: 'policy' | 'annotation';
}

export type Direction = 'ingress' | 'egress';

export function refName(ref: PolicyRef): string {
  return ref.kind === 'annotation' ? `namespace ${ref.namespace} (DefaultDeny annotation)` : `${ref.namespace}/${ref.name}`;
}
