/**
 * Decoding of `application/vnd.kubernetes.protobuf` request bodies for the simple kinds kubectl's imperative
 * generators send that way (`kubectl create namespace|configmap|secret|serviceaccount`). The envelope is the magic
 * "k8s\0" followed by a runtime.Unknown {typeMeta{apiVersion, kind}, raw}; `raw` is the object in the field numbers
 * of k8s.io/api's generated.proto. Other kinds are refused (415), as they would need the whole schema.
 */

import type { Obj } from './types.js';

type FieldType = 'string' | 'bytes' | 'int' | 'bool' | 'stringMap' | 'bytesMap' | { msg: string };
interface Field {
  name: string;
  type: FieldType;
  repeated?: boolean;
}
type Schema = Record<number, Field>;

const SCHEMAS: Record<string, Schema> = {
  TypeMeta: { 1: { name: 'apiVersion', type: 'string' }, 2: { name: 'kind', type: 'string' } },
  Unknown: { 1: { name: 'typeMeta', type: { msg: 'TypeMeta' } }, 2: { name: 'raw', type: 'bytes' }, 3: { name: 'contentEncoding', type: 'string' }, 4: { name: 'contentType', type: 'string' } },
  ObjectMeta: {
    1: { name: 'name', type: 'string' },
    2: { name: 'generateName', type: 'string' },
    3: { name: 'namespace', type: 'string' },
    5: { name: 'uid', type: 'string' },
    6: { name: 'resourceVersion', type: 'string' },
    7: { name: 'generation', type: 'int' },
    11: { name: 'labels', type: 'stringMap' },
    12: { name: 'annotations', type: 'stringMap' },
    13: { name: 'ownerReferences', type: { msg: 'OwnerReference' }, repeated: true },
    14: { name: 'finalizers', type: 'string', repeated: true },
  },
  OwnerReference: {
    1: { name: 'kind', type: 'string' },
    3: { name: 'name', type: 'string' },
    4: { name: 'uid', type: 'string' },
    5: { name: 'apiVersion', type: 'string' },
    6: { name: 'controller', type: 'bool' },
    7: { name: 'blockOwnerDeletion', type: 'bool' },
  },
  LocalObjectReference: { 1: { name: 'name', type: 'string' } },
  ObjectReference: {
    1: { name: 'kind', type: 'string' },
    2: { name: 'namespace', type: 'string' },
    3: { name: 'name', type: 'string' },
    4: { name: 'uid', type: 'string' },
    5: { name: 'apiVersion', type: 'string' },
    6: { name: 'resourceVersion', type: 'string' },
    7: { name: 'fieldPath', type: 'string' },
  },
  Namespace: { 1: { name: 'metadata', type: { msg: 'ObjectMeta' } }, 2: { name: 'spec', type: { msg: 'NamespaceSpec' } } },
  NamespaceSpec: { 1: { name: 'finalizers', type: 'string', repeated: true } },
  ConfigMap: { 1: { name: 'metadata', type: { msg: 'ObjectMeta' } }, 2: { name: 'data', type: 'stringMap' }, 3: { name: 'binaryData', type: 'bytesMap' }, 4: { name: 'immutable', type: 'bool' } },
  Secret: { 1: { name: 'metadata', type: { msg: 'ObjectMeta' } }, 2: { name: 'data', type: 'bytesMap' }, 3: { name: 'type', type: 'string' }, 4: { name: 'stringData', type: 'stringMap' }, 5: { name: 'immutable', type: 'bool' } },
  ServiceAccount: {
    1: { name: 'metadata', type: { msg: 'ObjectMeta' } },
    2: { name: 'secrets', type: { msg: 'ObjectReference' }, repeated: true },
    3: { name: 'imagePullSecrets', type: { msg: 'LocalObjectReference' }, repeated: true },
    4: { name: 'automountServiceAccountToken', type: 'bool' },
  },
};

/** The kinds whose protobuf bodies can be decoded. */
export const PROTOBUF_KINDS = new Set(['Namespace', 'ConfigMap', 'Secret', 'ServiceAccount']);

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let r = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[this.pos++]!;
      r |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return r;
      shift += 7n;
    }
  }
  bytes(): Buffer {
    const n = Number(this.varint());
    if (this.pos + n > this.buf.length) throw new Error('truncated field');
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

function mapEntry(buf: Buffer, bytesValue: boolean): [string, string] {
  const r = new Reader(buf);
  let k = '';
  let v = '';
  while (!r.done) {
    const tag = Number(r.varint());
    const f = tag >> 3;
    const w = tag & 7;
    if (w !== 2) {
      r.skip(w);
      continue;
    }
    const b = r.bytes();
    if (f === 1) k = b.toString('utf8');
    else if (f === 2) v = bytesValue ? b.toString('base64') : b.toString('utf8');
  }
  return [k, v];
}

function decodeMessage(buf: Buffer, type: string): Obj {
  const schema = SCHEMAS[type];
  if (!schema) throw new Error(`no schema for ${type}`);
  const out: Obj = {};
  const r = new Reader(buf);
  while (!r.done) {
    const tag = Number(r.varint());
    const fno = tag >> 3;
    const wire = tag & 7;
    const f = schema[fno];
    if (!f) {
      r.skip(wire);
      continue;
    }
    let v: unknown;
    if (f.type === 'int') v = Number(BigInt.asIntN(64, r.varint()));
    else if (f.type === 'bool') v = r.varint() !== 0n;
    else if (f.type === 'string') v = r.bytes().toString('utf8');
    else if (f.type === 'bytes') v = Buffer.from(r.bytes());
    else if (f.type === 'stringMap' || f.type === 'bytesMap') {
      const [k, val] = mapEntry(r.bytes(), f.type === 'bytesMap');
      out[f.name] = { ...(out[f.name] ?? {}), [k]: val };
      continue;
    } else v = decodeMessage(r.bytes(), f.type.msg);
    if (f.repeated) out[f.name] = [...((out[f.name] as unknown[]) ?? []), v];
    else out[f.name] = v;
  }
  return out;
}

/** Decodes a protobuf request body to JSON; throws with a message when it cannot. */
export function decodeProtobuf(body: Buffer): Obj {
  if (body.length < 4 || body.subarray(0, 4).toString('binary') !== 'k8s\u0000') throw new Error('missing the "k8s\\0" protobuf prefix');
  const unknown = decodeMessage(body.subarray(4), 'Unknown');
  const tm = (unknown['typeMeta'] ?? {}) as Obj;
  const kind = String(tm['kind'] ?? '');
  if (!PROTOBUF_KINDS.has(kind)) throw new Error(`protobuf bodies for kind "${kind}" are not supported by the simulator`);
  const obj = decodeMessage((unknown['raw'] as Buffer | undefined) ?? Buffer.alloc(0), kind);
  return { apiVersion: tm['apiVersion'], kind, ...obj };
}
