/** Label and field selectors with the API server's syntax and errors. */

import { ApiError, errors } from './errors.js';
import type { Obj } from './types.js';

export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: '=' | '!='; values: [string] }
  | { key: string; op: 'exists' | '!exists'; values: [] };

export type LabelSelector = Requirement[];

/** Parses `a=b,c!=d,e in (x,y),f notin (z),g,!h` (also `==`). Throws a 400 ApiError on bad syntax. */
export function parseLabelSelector(s: string | null | undefined): LabelSelector {
  if (!s || !s.trim()) return [];
  const out: Requirement[] = [];
  let i = 0;
  const str = s;
  const fail = (msg: string): never => {
    throw errors.badRequest(`unable to parse requirement: ${msg}`);
  };
  const skipWs = () => {
    while (i < str.length && /\s/.test(str[i]!)) i++;
  };
  const readKey = (): string => {
    skipWs();
    const m = /^[A-Za-z0-9._\-/]+/.exec(str.slice(i));
    if (!m) fail(`found '${str.slice(i, i + 1) || 'EOS'}', expected: identifier`);
    i += m![0].length;
    return m![0];
  };
  const readValue = (): string => {
    skipWs();
    const m = /^[A-Za-z0-9._-]*/.exec(str.slice(i))!;
    i += m[0].length;
    return m[0];
  };
  while (i < str.length) {
    skipWs();
    if (str[i] === '!') {
      i++;
      const key = readKey();
      out.push({ key, op: '!exists', values: [] });
    } else {
      const key = readKey();
      skipWs();
      const rest = str.slice(i);
      if (rest.startsWith('==')) {
        i += 2;
        out.push({ key, op: '=', values: [readValue()] });
      } else if (rest.startsWith('!=')) {
        i += 2;
        out.push({ key, op: '!=', values: [readValue()] });
      } else if (rest.startsWith('=')) {
        i += 1;
        out.push({ key, op: '=', values: [readValue()] });
      } else if (/^(in|notin)\s*\(/.test(rest)) {
        const op = rest.startsWith('in') ? 'in' : 'notin';
        i += op.length;
        skipWs();
        i++; // (
        const values: string[] = [];
        for (;;) {
          values.push(readValue());
          skipWs();
          if (str[i] === ',') {
            i++;
            continue;
          }
          if (str[i] === ')') {
            i++;
            break;
          }
          fail(`found '${str[i] ?? 'EOS'}', expected: ',', or ')'`);
        }
        out.push({ key, op, values: values.filter((v) => v !== '') });
      } else if (rest === '' || rest.startsWith(',')) {
        out.push({ key, op: 'exists', values: [] });
      } else {
        fail(`found '${rest[0]}', expected: '=', '!=', '==', 'in', notin'`);
      }
    }
    skipWs();
    if (i < str.length) {
      if (str[i] !== ',') fail(`found '${str[i]}', expected: ','`);
      i++;
    }
  }
  return out;
}

export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of sel) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case '=':
        if (!has || v !== r.values[0]) return false;
        break;
      case '!=':
        if (has && v === r.values[0]) return false;
        break;
      case 'in':
        if (!has || !r.values.includes(v!)) return false;
        break;
      case 'notin':
        if (has && r.values.includes(v!)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case '!exists':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** A metav1.LabelSelector object ({matchLabels, matchExpressions}) as requirements. Empty selects everything. */
export function fromLabelSelectorObject(sel: Obj | undefined): LabelSelector {
  if (!sel) return [];
  const out: Requirement[] = [];
  for (const [k, v] of Object.entries((sel['matchLabels'] ?? {}) as Record<string, string>)) out.push({ key: k, op: '=', values: [String(v)] });
  for (const e of (sel['matchExpressions'] ?? []) as Obj[]) {
    const op = String(e['operator'] ?? '');
    const values = ((e['values'] ?? []) as unknown[]).map(String);
    if (op === 'In') out.push({ key: e['key'], op: 'in', values });
    else if (op === 'NotIn') out.push({ key: e['key'], op: 'notin', values });
    else if (op === 'Exists') out.push({ key: e['key'], op: 'exists', values: [] });
    else if (op === 'DoesNotExist') out.push({ key: e['key'], op: '!exists', values: [] });
  }
  return out;
}

// ---- field selectors ----

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

const COMMON_FIELDS = ['metadata.name', 'metadata.namespace'];
const KIND_FIELDS: Record<string, string[]> = {
  Pod: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  Node: ['spec.unschedulable'],
  Event: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
  Secret: ['type'],
  Namespace: ['status.phase'],
  ReplicaSet: ['status.replicas'],
};

export function parseFieldSelector(s: string | null | undefined, kind: string): FieldRequirement[] {
  if (!s || !s.trim()) return [];
  const allowed = new Set([...COMMON_FIELDS, ...(KIND_FIELDS[kind] ?? [])]);
  const out: FieldRequirement[] = [];
  for (const part of s.split(',')) {
    const p = part.trim();
    if (!p) continue;
    const m = /^([^=!]+?)\s*(==|!=|=)\s*(.*)$/.exec(p);
    if (!m) throw errors.badRequest(`invalid selector: '${s}'; can't understand '${p}'`);
    const field = m[1]!.trim();
    if (!allowed.has(field)) throw errors.badRequest(`field label not supported: ${field}`);
    out.push({ field, op: m[2] === '!=' ? '!=' : '=', value: m[3]!.trim() });
  }
  return out;
}

function fieldValue(obj: Obj, field: string): string {
  if (field === 'source') return String(obj['source']?.['component'] ?? obj['reportingComponent'] ?? '');
  let cur: unknown = obj;
  for (const k of field.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Obj)[k];
  }
  if (cur === undefined || cur === null) return field === 'spec.unschedulable' || field === 'spec.hostNetwork' ? 'false' : '';
  return String(cur);
}

export function matchesFields(reqs: FieldRequirement[], obj: Obj): boolean {
  for (const r of reqs) {
    const v = fieldValue(obj, r.field);
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}

/** The field selector `metadata.name=X` pins one name: lists can answer from one lookup. */
export function pinnedName(reqs: FieldRequirement[]): string | undefined {
  return reqs.find((r) => r.field === 'metadata.name' && r.op === '=')?.value;
}

export { ApiError };
