/**
 * Addresses and blocks for ipBlock peers: IPv4 and IPv6, as Go's net.ParseIP / net.ParseCIDR
 * read them (host bits in a CIDR are allowed and ignored). Pure: no I/O.
 */

export interface Addr {
  v: 4 | 6;
  n: bigint;
  /** IPv4 only: the address as an unsigned 32-bit number (fast path). */
  n4?: number;
}

export interface Block {
  v: 4 | 6;
  /** Network address (host bits cleared). */
  net: bigint;
  prefix: number;
  text: string;
  /** The netmask. */
  mask: bigint;
  /** IPv4 only: network address and netmask as unsigned 32-bit numbers (fast path). */
  net4?: number;
  mask4?: number;
}

const V4 = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;

function parseV4(text: string): bigint | undefined {
  const m = V4.exec(text);
  if (!m) return undefined;
  return BigInt(((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0);
}

function parseV6(text: string): bigint | undefined {
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || text.length < 2) return undefined;
  let head = text;
  let tail4: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    tail4 = parseV4(text.slice(lastColon + 1));
    if (tail4 === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const dbl = head.split('::');
  if (dbl.length > 2) return undefined;
  const parseGroups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parseGroups(dbl[0]!);
  const right = dbl.length === 2 ? parseGroups(dbl[1]!) : [];
  if (!left || !right) return undefined;
  let groups: number[];
  if (dbl.length === 2) {
    const fill = 8 - left.length - right.length;
    if (fill < 1) return undefined;
    groups = [...left, ...new Array<number>(fill).fill(0), ...right];
  } else {
    groups = left;
  }
  if (groups.length !== 8) return undefined;
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(g);
  if (tail4 !== undefined) n = (n & ~0xffffffffn) | tail4;
  return n;
}

/** Parses an IPv4 or IPv6 address; undefined when it is neither. IPv4-mapped IPv6 counts as IPv4. */
export function parseAddr(text: string): Addr | undefined {
  const v4 = parseV4(text);
  if (v4 !== undefined) return { v: 4, n: v4, n4: Number(v4) };
  const v6 = parseV6(text);
  if (v6 === undefined) return undefined;
  if (v6 >> 32n === 0xffffn) return { v: 4, n: v6 & 0xffffffffn, n4: Number(v6 & 0xffffffffn) };
  return { v: 6, n: v6 };
}

/** Parses "a.b.c.d/p" or "x::/p"; undefined when invalid. */
export function parseBlock(text: string): Block | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const a = parseAddr(text.slice(0, slash));
  const p = text.slice(slash + 1);
  if (!a || !/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
  const prefix = Number(p);
  const bits = a.v === 4 ? 32 : 128;
  if (prefix > bits) return undefined;
  const m = mask(prefix, bits);
  const block: Block = { v: a.v, net: a.n & m, prefix, text, mask: m };
  if (a.v === 4) {
    block.mask4 = Number(m);
    block.net4 = Number(a.n & m);
  }
  return block;
}

function mask(prefix: number, bits: number): bigint {
  if (prefix === 0) return 0n;
  const all = (1n << BigInt(bits)) - 1n;
  return (all >> BigInt(bits - prefix)) << BigInt(bits - prefix);
}

export function blockContains(b: Block, a: Addr): boolean {
  if (a.v !== b.v) return false;
  if (a.n4 !== undefined && b.mask4 !== undefined) return ((a.n4 & b.mask4) >>> 0) === b.net4;
  return (a.n & b.mask) === b.net;
}

/** True when every address of `inner` is inside `outer`. */
export function blockInside(inner: Block, outer: Block): boolean {
  return inner.v === outer.v && inner.prefix >= outer.prefix && blockContains(outer, { v: inner.v, n: inner.net });
}

/** The network address of a block as text: "10.0.0.0/8", "fd00::/64". */
export function formatBlock(b: Block): string {
  if (b.v === 4) {
    const n = Number(b.net);
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${b.prefix}`;
  }
  const groups = Array.from({ length: 8 }, (_, i) => Number((b.net >> BigInt(16 * (7 - i))) & 0xffffn));
  // the longest run of zero groups (two or more) becomes "::"
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  const text = best < 0 ? hex.join(':') : `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
  return `${text}/${b.prefix}`;
}

/** Whether the address part of "a.b.c.d/p" has bits set below the prefix (10.0.0.1/8). */
export function hasHostBits(b: Block): boolean {
  const a = parseAddr(b.text.slice(0, b.text.indexOf('/')));
  return a !== undefined && a.n !== b.net;
}
