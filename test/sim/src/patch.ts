/** JSON merge patch (RFC 7386), strategic merge patch (Kubernetes) and JSON patch (RFC 6902). Pure functions. */

import { listType } from './schema.js';
import type { Obj } from './types.js';

export function isPlainObject(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ak = Object.keys(a as Obj).filter((k) => (a as Obj)[k] !== undefined);
  const bk = Object.keys(b as Obj).filter((k) => (b as Obj)[k] !== undefined);
  if (ak.length !== bk.length) return false;
  for (const k of ak) if (!deepEqual((a as Obj)[k], (b as Obj)[k])) return false;
  return true;
}

// ---- RFC 7386 ----

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  const out: Obj = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

// ---- strategic merge patch ----

export class PatchError extends Error {}

/** Strips `$patch`, `$retainKeys`, `$setElementOrder/...`, `$deleteFromPrimitiveList/...` directives from a value. */
function clean(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => !(isPlainObject(x) && x['$patch'] !== undefined && Object.keys(x).length === 1)).map(clean);
  if (!isPlainObject(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$')) continue;
    if (x === null) continue;
    out[k] = clean(x);
  }
  return out;
}

/**
 * Applies a strategic merge patch: maps merge, lists with a patch merge key (containers by name, env by name,
 * container ports by containerPort, volumes by name, volumeMounts by mountPath, ...) merge item by item, other lists
 * are replaced. Supports the directives kubectl's three-way patches use: `$patch: delete|replace|merge`,
 * `$retainKeys`, `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`.
 */
export function strategicMergePatch(kind: string, original: Obj, patch: Obj): Obj {
  const r = smpMap(kind, original, patch, []);
  return (r ?? {}) as Obj;
}

function smpMap(kind: string, orig: Obj | undefined, patch: Obj, path: string[]): Obj | undefined {
  const directive = patch['$patch'];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return clean(patch) as Obj;
  if (directive !== undefined && directive !== 'merge') throw new PatchError(`Unknown patch type: ${String(directive)}`);
  const out: Obj = isPlainObject(orig) ? { ...orig } : {};
  const orders: [string, unknown[]][] = [];
  const deletions: [string, unknown[]][] = [];
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys') continue;
    if (k.startsWith('$setElementOrder/')) {
      if (!Array.isArray(v)) throw new PatchError(`invalid ${k}: not a list`);
      orders.push([k.slice('$setElementOrder/'.length), v]);
      continue;
    }
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      if (!Array.isArray(v)) throw new PatchError(`invalid ${k}: not a list`);
      deletions.push([k.slice('$deleteFromPrimitiveList/'.length), v]);
      continue;
    }
    if (v === null) {
      delete out[k];
    } else if (isPlainObject(v)) {
      const r = smpMap(kind, isPlainObject(out[k]) ? out[k] : undefined, v, [...path, k]);
      if (r === undefined) delete out[k];
      else out[k] = r;
    } else if (Array.isArray(v)) {
      out[k] = smpList(kind, Array.isArray(out[k]) ? out[k] : [], v, [...path, k]);
    } else {
      out[k] = v;
    }
  }
  for (const [field, values] of deletions) {
    if (Array.isArray(out[field])) out[field] = (out[field] as unknown[]).filter((x) => !values.some((d) => deepEqual(d, x)));
  }
  for (const [field, order] of orders) {
    const list = out[field];
    if (!Array.isArray(list)) continue;
    const lt = listType(kind, [...path, field]);
    if (lt.type === 'map') {
      const key = lt.smpKey;
      const rank = (x: unknown) => {
        const i = order.findIndex((o) => isPlainObject(o) && isPlainObject(x) && deepEqual(o[key], x[key]));
        return i < 0 ? Number.MAX_SAFE_INTEGER : i;
      };
      out[field] = stableSort(list, (a, b) => rank(a) - rank(b));
    } else {
      const rank = (x: unknown) => {
        const i = order.findIndex((o) => deepEqual(o, x));
        return i < 0 ? Number.MAX_SAFE_INTEGER : i;
      };
      out[field] = stableSort(list, (a, b) => rank(a) - rank(b));
    }
  }
  const retain = patch['$retainKeys'];
  if (Array.isArray(retain)) {
    for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  }
  return out;
}

function stableSort<T>(a: T[], cmp: (x: T, y: T) => number): T[] {
  return a
    .map((v, i) => [v, i] as const)
    .sort((x, y) => cmp(x[0], y[0]) || x[1] - y[1])
    .map((x) => x[0]);
}

function smpList(kind: string, orig: unknown[], patch: unknown[], path: string[]): unknown[] {
  const lt = listType(kind, path);
  if (lt.type === 'set') {
    const out = [...orig];
    for (const v of patch) if (!out.some((o) => deepEqual(o, v))) out.push(v);
    return out;
  }
  if (lt.type === 'atomic') return clean(patch) as unknown[];
  const key = lt.smpKey;
  if (patch.some((x) => isPlainObject(x) && x['$patch'] === 'replace')) {
    return patch.filter((x) => !(isPlainObject(x) && x['$patch'] === 'replace')).map(clean);
  }
  const out: unknown[] = [...orig];
  for (const item of patch) {
    if (!isPlainObject(item)) {
      out.push(item);
      continue;
    }
    const idx = out.findIndex((o) => isPlainObject(o) && item[key] !== undefined && deepEqual(o[key], item[key]));
    if (item['$patch'] === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) {
      const merged = smpMap(kind, out[idx] as Obj, item, path);
      if (merged === undefined) out.splice(idx, 1);
      else out[idx] = merged;
    } else {
      out.push(clean(item));
    }
  }
  return out;
}

// ---- RFC 6902 ----

function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

function parsePointer(p: unknown): string[] {
  if (typeof p !== 'string') throw new PatchError('missing path');
  if (p === '') return [];
  if (!p.startsWith('/')) throw new PatchError(`invalid JSON pointer: "${p}"`);
  return p.slice(1).split('/').map(unescapePointer);
}

function getAt(doc: unknown, ptr: string[]): unknown {
  let cur = doc;
  for (const seg of ptr) {
    if (Array.isArray(cur)) {
      const i = Number(seg);
      if (!/^\d+$/.test(seg) || i >= cur.length) return undefined;
      cur = cur[i];
    } else if (isPlainObject(cur)) {
      if (!Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
      cur = cur[seg];
    } else return undefined;
  }
  return cur;
}

function parentOf(doc: unknown, ptr: string[], op: string, path: string): [unknown, string] {
  if (ptr.length === 0) throw new PatchError(`${op} operation does not apply: doc is missing path: "${path}"`);
  const parent = getAt(doc, ptr.slice(0, -1));
  if (parent === undefined || (parent !== null && typeof parent !== 'object') || parent === null) {
    throw new PatchError(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  }
  return [parent, ptr[ptr.length - 1]!];
}

export function jsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let root = clone(doc);
  for (const raw of ops) {
    if (!isPlainObject(raw)) throw new PatchError('invalid operation');
    const op = String(raw['op'] ?? '');
    const path = String(raw['path'] ?? '');
    const ptr = parsePointer(raw['path']);
    const add = (value: unknown) => {
      if (ptr.length === 0) {
        root = clone(value);
        return;
      }
      const [parent, last] = parentOf(root, ptr, op, path);
      if (Array.isArray(parent)) {
        const i = last === '-' ? parent.length : Number(last);
        if (!/^\d+$/.test(last) && last !== '-') throw new PatchError(`add operation does not apply: doc is missing path: "${path}"`);
        if (i > parent.length) throw new PatchError(`add operation does not apply: index out of bounds: ${i}`);
        parent.splice(i, 0, clone(value));
      } else (parent as Obj)[last] = clone(value);
    };
    const remove = (): unknown => {
      const [parent, last] = parentOf(root, ptr, op, path);
      if (Array.isArray(parent)) {
        const i = Number(last);
        if (!/^\d+$/.test(last) || i >= parent.length) throw new PatchError(`${op} operation does not apply: doc is missing path: "${path}"`);
        return parent.splice(i, 1)[0];
      }
      if (!Object.prototype.hasOwnProperty.call(parent, last)) throw new PatchError(`${op} operation does not apply: doc is missing path: "${path}"`);
      const v = (parent as Obj)[last];
      delete (parent as Obj)[last];
      return v;
    };
    switch (op) {
      case 'add':
        if (!('value' in raw)) throw new PatchError('add operation missing value');
        add(raw['value']);
        break;
      case 'remove':
        remove();
        break;
      case 'replace':
        if (!('value' in raw)) throw new PatchError('replace operation missing value');
        if (ptr.length === 0) root = clone(raw['value']);
        else {
          remove();
          add(raw['value']);
        }
        break;
      case 'move':
      case 'copy': {
        const from = parsePointer(raw['from']);
        const v = getAt(root, from);
        if (v === undefined) throw new PatchError(`${op} operation does not apply: doc is missing from path: "${String(raw['from'])}"`);
        if (op === 'move') {
          const [p, l] = parentOf(root, from, op, String(raw['from']));
          if (Array.isArray(p)) p.splice(Number(l), 1);
          else delete (p as Obj)[l];
        }
        add(v);
        break;
      }
      case 'test': {
        const v = getAt(root, ptr);
        if (!deepEqual(v, raw['value'])) throw new PatchError(`testing value ${path} failed: test failed`);
        break;
      }
      default:
        throw new PatchError(`Unexpected kind: ${op}`);
    }
  }
  return root;
}
