/**
 * Label selectors: kubectl's `-l` syntax to a LabelSelector, Kubernetes' matching semantics, and
 * the canonical string form (apimachinery labels.Selector.String(), which is also what weave-npc
 * hashes into its ipset names). Pure: no I/O.
 *
 * Syntax (k8s.io/apimachinery/pkg/labels parser): requirements separated by commas, each one of
 * `key`, `!key`, `key=value`, `key==value`, `key!=value`, `key in (v1,v2)`, `key notin (v1,v2)`.
 * `key>N` / `key<N` are valid kubectl selectors but a LabelSelector cannot hold them: refused.
 */
import { usageError, failure } from '../errors.js';
import type { LabelSelector, LabelSelectorRequirement, Labels, SelectorOperator } from './types.js';

// ---------------------------------------------------------------------------------------------
// Validation of keys and values (apimachinery validation.IsQualifiedName / IsValidLabelValue)

const NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `key` is not a valid label key, or undefined when it is. */
export function labelKeyProblem(key: string): string | undefined {
  if (key === '') return 'a label key must not be empty';
  const parts = key.split('/');
  if (parts.length > 2) return `label key ${JSON.stringify(key)} has more than one '/'`;
  const [prefix, name] = parts.length === 2 ? [parts[0]!, parts[1]!] : [undefined, parts[0]!];
  if (prefix !== undefined) {
    if (prefix === '') return `label key ${JSON.stringify(key)} has an empty prefix before '/'`;
    if (prefix.length > 253 || !DNS1123_SUBDOMAIN_RE.test(prefix)) {
      return `the prefix of label key ${JSON.stringify(key)} must be a lowercase DNS subdomain (e.g. example.com)`;
    }
  }
  if (name === '') return `label key ${JSON.stringify(key)} has an empty name`;
  if (name.length > 63) return `the name part of label key ${JSON.stringify(key)} is longer than 63 characters`;
  if (!NAME_RE.test(name)) {
    return `label key ${JSON.stringify(key)} must consist of alphanumerics, '-', '_' or '.', and start and end with an alphanumeric`;
  }
  return undefined;
}

/** Why `value` is not a valid label value, or undefined when it is (the empty value is valid). */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63) return `label value ${JSON.stringify(value)} is longer than 63 characters`;
  if (!NAME_RE.test(value)) {
    return `label value ${JSON.stringify(value)} must consist of alphanumerics, '-', '_' or '.', and start and end with an alphanumeric`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Parsing kubectl selector text

type Tok =
  | { t: 'id'; v: string; pos: number }
  | { t: 'in' | 'notin' | '!' | '!=' | '=' | '==' | '(' | ')' | ',' | '>' | '<' | 'end'; pos: number };

const SPECIAL = new Set(['!', '=', '(', ')', ',', '>', '<']);

function lex(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '!' && text[i + 1] === '=') {
      out.push({ t: '!=', pos: i });
      i += 2;
      continue;
    }
    if (c === '=' && text[i + 1] === '=') {
      out.push({ t: '==', pos: i });
      i += 2;
      continue;
    }
    if (SPECIAL.has(c)) {
      out.push({ t: c as '!' | '=' | '(' | ')' | ',' | '>' | '<', pos: i });
      i++;
      continue;
    }
    const start = i;
    while (i < text.length && !SPECIAL.has(text[i]!) && !/\s/.test(text[i]!)) i++;
    const v = text.slice(start, i);
    if (v === 'in' || v === 'notin') out.push({ t: v, pos: start });
    else out.push({ t: 'id', v, pos: start });
  }
  out.push({ t: 'end', pos: text.length });
  return out;
}

function describeTok(t: Tok): string {
  if (t.t === 'end') return 'the end';
  if (t.t === 'id') return JSON.stringify(t.v);
  return `'${t.t}'`;
}

/**
 * Parses kubectl selector text (`run=iperf-prod-1`, `a=b,c!=d`, `env in (a,b)`, `!canary`) into a
 * LabelSelector. `=`/`==` become matchLabels; the rest matchExpressions, in the order written.
 * The empty text is the empty selector (everything). Throws a one-line usageError.
 */
export function parseSelector(text: string, what = 'label selector'): LabelSelector {
  const src = text.trim();
  const bad = (msg: string): never => {
    throw usageError(`invalid ${what} ${JSON.stringify(text)}: ${msg}`, "expected e.g. 'run=iperf-prod-1', 'a=b,c!=d', 'env in (a,b)', 'key' or '!key'");
  };
  const matchLabels: Record<string, string> = {};
  const exprs: LabelSelectorRequirement[] = [];
  if (src === '') return {};
  const toks = lex(src);
  let p = 0;
  const peek = () => toks[p]!;
  const next = () => toks[p++]!;
  const checkKey = (k: string) => {
    const prob = labelKeyProblem(k);
    if (prob) bad(prob);
  };
  const checkValue = (v: string) => {
    const prob = labelValueProblem(v);
    if (prob) bad(prob);
  };
  for (;;) {
    let t = next();
    let negate = false;
    if (t.t === '!') {
      negate = true;
      t = next();
    }
    if (t.t !== 'id') bad(`expected a label key at position ${t.pos + 1}, found ${describeTok(t)}`);
    const key = (t as { v: string }).v;
    checkKey(key);
    if (negate) {
      exprs.push({ key, operator: 'DoesNotExist' });
    } else {
      const op = peek();
      if (op.t === ',' || op.t === 'end') {
        exprs.push({ key, operator: 'Exists' });
      } else if (op.t === '=' || op.t === '==' || op.t === '!=') {
        next();
        const v = peek();
        let value = '';
        if (v.t === 'id') {
          value = v.v;
          next();
        } else if (v.t !== ',' && v.t !== 'end') {
          bad(`expected a value after '${op.t}' at position ${v.pos + 1}, found ${describeTok(v)}`);
        }
        checkValue(value);
        if (op.t === '!=') exprs.push({ key, operator: 'NotIn', values: [value] });
        else if (key in matchLabels && matchLabels[key] !== value) exprs.push({ key, operator: 'In', values: [value] });
        else matchLabels[key] = value;
      } else if (op.t === 'in' || op.t === 'notin') {
        next();
        const open = next();
        if (open.t !== '(') bad(`expected '(' after '${op.t}' at position ${open.pos + 1}, found ${describeTok(open)}`);
        const values: string[] = [];
        for (;;) {
          const v = peek();
          if (v.t === 'id') {
            checkValue(v.v);
            values.push(v.v);
            next();
          } else if (v.t === ',' || v.t === ')') {
            // an empty value: "(a,)" holds "" as apimachinery's parser does
            if (v.t === ',' || values.length > 0) values.push('');
          } else {
            bad(`expected a value or ')' at position ${v.pos + 1}, found ${describeTok(v)}`);
          }
          const sep = next();
          if (sep.t === ')') break;
          if (sep.t !== ',') bad(`expected ',' or ')' at position ${sep.pos + 1}, found ${describeTok(sep)}`);
        }
        const uniq = [...new Set(values)];
        if (uniq.length === 0) bad(`'${op.t}' needs at least one value`);
        exprs.push({ key, operator: op.t === 'in' ? 'In' : 'NotIn', values: uniq });
      } else if (op.t === '>' || op.t === '<') {
        bad(`'${key}${op.t}...' (a numeric comparison) cannot be expressed in a NetworkPolicy selector`);
      } else {
        bad(`expected '=', '!=', 'in', 'notin', ',' or the end after key ${JSON.stringify(key)} at position ${op.pos + 1}, found ${describeTok(op)}`);
      }
    }
    const sep = next();
    if (sep.t === 'end') break;
    if (sep.t !== ',') bad(`expected ',' at position ${sep.pos + 1}, found ${describeTok(sep)}`);
    if (peek().t === 'end') bad('a trailing comma');
  }
  const out: LabelSelector = {};
  if (Object.keys(matchLabels).length > 0) out.matchLabels = matchLabels;
  if (exprs.length > 0) out.matchExpressions = exprs;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Compiled selectors: validation, matching, canonical string

interface Req {
  key: string;
  op: SelectorOperator;
  values: string[];
  /** '=' for a matchLabels entry (prints as key=value). */
  eq: boolean;
}

export interface CompiledSelector {
  /** apimachinery labels.Selector.String(): requirements sorted by key, "" for the empty selector. */
  readonly key: string;
  /** True when it selects everything. */
  readonly empty: boolean;
  matches(labels: Labels | undefined): boolean;
}

/** Problems with a LabelSelector as the API server would see them (empty list when valid). */
export function selectorProblems(sel: LabelSelector | undefined | null): string[] {
  const probs: string[] = [];
  if (sel == null) return probs;
  if (typeof sel !== 'object' || Array.isArray(sel)) return ['a label selector must be an object with matchLabels and/or matchExpressions'];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    const kp = labelKeyProblem(k);
    if (kp) probs.push(kp);
    if (typeof v !== 'string') probs.push(`matchLabels value of ${JSON.stringify(k)} must be a string`);
    else {
      const vp = labelValueProblem(v);
      if (vp) probs.push(vp);
    }
  }
  for (const e of sel.matchExpressions ?? []) {
    if (!e || typeof e.key !== 'string') {
      probs.push('a matchExpressions entry has no key');
      continue;
    }
    const kp = labelKeyProblem(e.key);
    if (kp) probs.push(kp);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) probs.push(`operator ${e.operator} on ${JSON.stringify(e.key)} needs at least one value`);
        for (const v of values) {
          const vp = typeof v === 'string' ? labelValueProblem(v) : 'values must be strings';
          if (vp) probs.push(vp);
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) probs.push(`operator ${e.operator} on ${JSON.stringify(e.key)} takes no values`);
        break;
      default:
        probs.push(`${JSON.stringify(String(e.operator))} is not a valid label selector operator (In, NotIn, Exists, DoesNotExist)`);
    }
  }
  return probs;
}

function requirements(sel: LabelSelector): Req[] {
  const reqs: Req[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key: k, op: 'In', values: [String(v)], eq: true });
  for (const e of sel.matchExpressions ?? []) {
    const values = [...new Set((e.values ?? []).map(String))].sort(cmp);
    reqs.push({ key: e.key, op: e.operator, values, eq: false });
  }
  // labels.NewSelector().Add sorts by key; a stable sort keeps matchLabels before expressions.
  return reqs.sort((a, b) => cmp(a.key, b.key));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function reqString(r: Req): string {
  if (r.eq) return `${r.key}=${r.values[0]}`;
  switch (r.op) {
    case 'In':
      return `${r.key} in (${r.values.join(',')})`;
    case 'NotIn':
      return `${r.key} notin (${r.values.join(',')})`;
    case 'Exists':
      return r.key;
    case 'DoesNotExist':
      return `!${r.key}`;
  }
}

/**
 * Compiles a LabelSelector for fast repeated matching. Throws a failure (exit 1) naming `where`
 * when the selector is invalid (an unknown operator, In without values), as the API server would
 * have refused it.
 */
export function compileSelector(sel: LabelSelector, where = 'label selector'): CompiledSelector {
  const probs = selectorProblems(sel);
  const structural = probs.find((p) => /operator|needs at least one value|takes no values|must be an object|no key/.test(p));
  if (structural) throw failure(`${where}: ${structural}`);
  const reqs = requirements(sel ?? {});
  const key = reqs.map(reqString).join(',');
  const n = reqs.length;
  const matches =
    n === 0
      ? () => true
      : (labels: Labels | undefined): boolean => {
          const l = labels ?? {};
          for (let i = 0; i < n; i++) {
            const r = reqs[i]!;
            const has = Object.prototype.hasOwnProperty.call(l, r.key);
            switch (r.op) {
              case 'In':
                if (!has || !r.values.includes(l[r.key]!)) return false;
                break;
              case 'NotIn':
                if (has && r.values.includes(l[r.key]!)) return false;
                break;
              case 'Exists':
                if (!has) return false;
                break;
              case 'DoesNotExist':
                if (has) return false;
                break;
            }
          }
          return true;
        };
  return { key, empty: n === 0, matches };
}

/** Kubernetes semantics: the empty selector matches every set of labels. */
export function matchesSelector(sel: LabelSelector, labels: Labels | undefined): boolean {
  return compileSelector(sel).matches(labels);
}

/** labels.Selector.String() of a LabelSelector: "run=iperf-prod-1", "a=b,c notin (d)", "" for {}. */
export function selectorString(sel: LabelSelector): string {
  return compileSelector(sel).key;
}

/** True when the selector has no requirement (selects everything). */
export function isEmptySelector(sel: LabelSelector | undefined): boolean {
  return !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
}
