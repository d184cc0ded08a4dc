/** Whether nodes are Ready, and why not (the node's Ready condition). Pure. */
import type { KubeObject } from '../cluster/types.js';
import { conditionOf, type Condition } from './conditions.js';
import { oneLine } from '../util/text.js';

/** The node's Ready condition. */
export function nodeReadyCondition(node: KubeObject): Condition | undefined {
  return conditionOf(node, 'Ready');
}

/** The node's Ready condition is True. */
export function nodeIsReady(node: KubeObject): boolean {
  return nodeReadyCondition(node)?.status === 'True';
}

export interface NotReadyNode {
  node: string;
  /** The Ready condition's status: "False", "Unknown", or "" when the node reports none. */
  status: string;
  reason?: string;
  message?: string;
  since?: string;
}

/** Nodes whose Ready condition is not True, by name. */
export function notReadyNodes(nodes: KubeObject[]): NotReadyNode[] {
  const out: NotReadyNode[] = [];
  for (const n of nodes) {
    const c = nodeReadyCondition(n);
    if (c?.status === 'True') continue;
    out.push({
      node: n.metadata.name,
      status: c?.status ?? '',
      ...(c?.reason ? { reason: c.reason } : {}),
      ...(c?.message ? { message: oneLine(c.message, Infinity) } : {}),
      ...(c?.lastTransitionTime ? { since: c.lastTransitionTime } : {}),
    });
  }
  return out.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
}

/** `node node-b is NotReady (KubeletNotReady: container runtime network not ready ...)`. */
export function describeNotReadyNode(n: NotReadyNode): string {
  const state = n.status === 'Unknown' ? 'NotReady (status Unknown: the kubelet stopped reporting)' : n.status === '' ? 'NotReady (no Ready condition yet)' : 'NotReady';
  const why = [n.reason, n.message].filter(Boolean).join(': ');
  return `node ${n.node} is ${state}${why ? ` (${why})` : ''}`;
}
