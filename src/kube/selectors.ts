/**
 * Label selectors (metav1.LabelSelector) and node selector requirements: as text, matching
 * labels, and the pod selector of a workload. Pure.
 */
import type { KubeObject } from '../cluster/types.js';

/** A matchExpressions entry (label selector or node selector requirement). */
export interface Requirement {
  key?: string;
  operator?: string;
  values?: string[];
}

/** One requirement against a value (undefined: the label or field is absent); Gt/Lt compare integers. */
export function requirementMatches(r: Requirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1 || !/^-?\d+$/.test(value) || !/^-?\d+$/.test(values[0]!)) return false;
      const a = BigInt(value);
      const b = BigInt(values[0]!);
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** A label selector as text (`name=weave-net`, `tier in (a,b)`, `!legacy`). */
export function labelSelectorString(sel: unknown): string {
  if (!sel || typeof sel !== 'object') return '';
  const s = sel as { matchLabels?: Record<string, string>; matchExpressions?: Requirement[] };
  const parts = Object.entries(s.matchLabels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(`${e.key}`);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

/** The DaemonSet's pod selector: spec.selector, or (old extensions/v1beta1 objects without one) the template labels. */
export function daemonSetSelector(ds: KubeObject): string {
  const sel = labelSelectorString(ds.spec?.selector);
  if (sel) return sel;
  return labelSelectorString({ matchLabels: ds.spec?.template?.metadata?.labels ?? {} });
}

/** Whether labels match a metav1.LabelSelector ({matchLabels, matchExpressions}); an empty or missing selector matches nothing. */
export function labelSelectorMatches(sel: unknown, labels: Record<string, string> | undefined): boolean {
  if (!sel || typeof sel !== 'object') return false;
  const s = sel as { matchLabels?: Record<string, string>; matchExpressions?: Requirement[] };
  const ml = Object.entries(s.matchLabels ?? {});
  const exprs = s.matchExpressions ?? [];
  if (ml.length === 0 && exprs.length === 0) return false;
  const l = labels ?? {};
  for (const [k, v] of ml) if (!Object.hasOwn(l, k) || l[k] !== v) return false;
  for (const e of exprs) {
    if (e.operator === 'Gt' || e.operator === 'Lt') return false; // not valid in a label selector
    if (!requirementMatches(e, e.key !== undefined && Object.hasOwn(l, e.key) ? l[e.key] : undefined)) return false;
  }
  return true;
}

/** The pod selector of a DaemonSet (spec.selector, else its template labels) or a Deployment (spec.selector), as an object. */
export function workloadSelectorObject(obj: KubeObject): unknown {
  const sel: unknown = obj.spec?.selector;
  if (sel && typeof sel === 'object' && (Object.keys((sel as { matchLabels?: object }).matchLabels ?? {}).length > 0 || ((sel as { matchExpressions?: unknown[] }).matchExpressions ?? []).length > 0)) {
    return sel;
  }
  return obj.kind === 'DaemonSet' ? { matchLabels: obj.spec?.template?.metadata?.labels ?? {} } : undefined;
}
