/**
 * Adapters from Kubernetes API objects (plain JSON, as the Cluster interface returns them) to the
 * shapes the policy core works on. Pure: no I/O.
 */
import { failure } from '../errors.js';
import { PROTOCOLS, type ContainerPort, type Namespace, type NetworkPolicy, type Pod, type Protocol } from './types.js';

interface ObjLike {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  status?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function protocolOf(p: unknown): Protocol {
  return typeof p === 'string' && (PROTOCOLS as readonly string[]).includes(p) ? (p as Protocol) : 'TCP';
}

/** A Pod object to a policy Pod (labels, status.podIP, spec.hostNetwork, the containers' ports). */
export function podFromObject(obj: ObjLike): Pod {
  const name = obj?.metadata?.name;
  if (typeof name !== 'string') throw failure('a Pod object without metadata.name');
  const ports: ContainerPort[] = [];
  for (const c of (obj.spec?.containers ?? []) as { ports?: { name?: string; containerPort?: number; protocol?: string }[] }[]) {
    for (const p of c?.ports ?? []) {
      if (typeof p?.containerPort !== 'number') continue;
      ports.push({ ...(p.name ? { name: p.name } : {}), containerPort: p.containerPort, protocol: protocolOf(p.protocol) });
    }
  }
  const pod: Pod = { namespace: obj.metadata?.namespace ?? 'default', name, labels: { ...(obj.metadata?.labels ?? {}) } };
  if (typeof obj.status?.podIP === 'string' && obj.status.podIP !== '') pod.ip = obj.status.podIP;
  if (ports.length > 0) pod.ports = ports;
  if (obj.spec?.hostNetwork === true) pod.hostNetwork = true;
  return pod;
}

/** Pods that can send or receive traffic: not Succeeded or Failed (weave-npc drops those from its sets). */
export function isLivePod(obj: ObjLike): boolean {
  const phase = obj?.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

export function namespaceFromObject(obj: ObjLike): Namespace {
  const name = obj?.metadata?.name;
  if (typeof name !== 'string') throw failure('a Namespace object without metadata.name');
  const ns: Namespace = { name, labels: { ...(obj.metadata?.labels ?? {}) } };
  if (obj.metadata?.annotations) ns.annotations = { ...obj.metadata.annotations };
  return ns;
}

/** Checks that an object is a NetworkPolicy and returns it typed (not copied). */
export function policyFromObject(obj: ObjLike): NetworkPolicy {
  if (!obj || typeof obj !== 'object') throw failure('not a Kubernetes object');
  if (obj.kind !== undefined && obj.kind !== 'NetworkPolicy') {
    throw failure(`${obj.kind} ${obj.metadata?.name ?? ''} is not a NetworkPolicy`.replace(/\s+$/, ''));
  }
  if (typeof obj.metadata?.name !== 'string') throw failure('a NetworkPolicy without metadata.name');
  if (obj.spec != null && typeof obj.spec !== 'object') throw failure(`NetworkPolicy ${obj.metadata.name}: spec is not an object`);
  return { ...(obj as NetworkPolicy), spec: (obj.spec ?? { podSelector: {} }) as NetworkPolicy['spec'] };
}
