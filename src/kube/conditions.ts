/** The status conditions of Kubernetes objects (Pod, Node): type, status, reason, message. Pure. */
import type { KubeObject } from '../cluster/types.js';

/** One entry of status.conditions. */
export interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** The condition of this type, if the object reports one. */
export function conditionOf(obj: KubeObject, type: string): Condition | undefined {
  const conditions: unknown = obj.status?.conditions;
  if (!Array.isArray(conditions)) return undefined;
  return (conditions as Condition[]).find((c) => c?.type === type);
}
