/**
 * The pod-by-pod allow grid: for every ordered pair (from, to), may traffic flow? Same semantics
 * as evaluate() (see there), computed with bitsets so 1,000 pods x 500 policies takes well under
 * the 2 s target:
 * - each distinct selector is matched once (per namespace for pod selectors), giving a bitset of
 *   pods; a rule's peers become one bitset;
 * - ports become bitmasks over "port atoms": the elementary intervals cut by every port boundary
 *   any rule (or the tested port) has, per protocol, so a rule's ports at a destination are a
 *   mask and "do two port sets meet" is an AND;
 * - per destination, the sources its ingress rules admit are OR-ed into a row; per source, the
 *   destinations its egress rules admit likewise; a pair is allowed when both rows say so, and
 *   only pairs where both sides are limited to some ports need the masks intersected.
 * Pure: no I/O.
 */
import { compilePolicies, ipBlockHas, parseAddr, resolveQuery, type CompiledPeer, type CompiledRule } from './compile.js';
import type { CompiledSelector } from './selector.js';
import { formatPortQuery, MAX_PORT, MIN_PORT } from './ports.js';
import { PROTOCOLS, type Namespace, type NetworkPolicy, type Pod, type Protocol } from './types.js';

export interface MatrixOptions {
  /** Test one port (named ports resolve per destination pod); default: any traffic at all. */
  port?: { port: number | string; protocol?: Protocol };
  /** Pre-1.7 semantics (weave-npc --use-legacy-netpol). */
  legacy?: boolean;
}

export interface PolicyMatrix {
  /** "namespace/name", in the order given; rows are sources, columns destinations. */
  pods: string[];
  /** allowed[from][to]. */
  allowed: boolean[][];
  ingressIsolated: boolean[];
  egressIsolated: boolean[];
  /** The port tested ("5201/TCP"), when one was given. */
  port?: string;
  /** How many ordered pairs are allowed. */
  allowedCount: number;
}

/** Elementary port intervals per protocol, and masks over them. */
class PortAtoms {
  private readonly bounds: Record<Protocol, number[]>;
  private readonly base: Record<Protocol, number>;
  readonly words: number;
  readonly all: Uint32Array;
  readonly zero: Uint32Array;

  constructor(boundaries: Record<Protocol, Set<number>>) {
    let total = 0;
    const bounds = {} as Record<Protocol, number[]>;
    const base = {} as Record<Protocol, number>;
    for (const proto of PROTOCOLS) {
      const b = [...boundaries[proto], MIN_PORT, MAX_PORT + 1].filter((x) => x >= MIN_PORT && x <= MAX_PORT + 1);
      bounds[proto] = [...new Set(b)].sort((x, y) => x - y);
      base[proto] = total;
      total += bounds[proto].length - 1;
    }
    this.bounds = bounds;
    this.base = base;
    this.words = (total + 31) >>> 5;
    this.all = new Uint32Array(this.words);
    for (let i = 0; i < total; i++) this.all[i >>> 5]! |= 1 << (i & 31);
    this.zero = new Uint32Array(this.words);
  }

  /** The atom holding one port, or -1. */
  atom(proto: Protocol, port: number): number {
    const b = this.bounds[proto];
    let lo = 0;
    let hi = b.length - 2;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (port < b[mid]!) hi = mid - 1;
      else if (port >= b[mid + 1]!) lo = mid + 1;
      else return this.base[proto] + mid;
    }
    return -1;
  }

  /** Sets the atoms of [lo, hi] in `into` (lo and hi are boundaries by construction). */
  addRange(into: Uint32Array, proto: Protocol, lo: number, hi: number): void {
    const first = this.atom(proto, lo);
    const last = this.atom(proto, hi);
    if (first < 0 || last < 0) return;
    for (let i = first; i <= last; i++) into[i >>> 5]! |= 1 << (i & 31);
  }
}

export function matrix(pods: readonly Pod[], policies: readonly NetworkPolicy[], namespaces: readonly Namespace[], opts: MatrixOptions = {}): PolicyMatrix {
  const n = pods.length;
  const W = (n + 31) >>> 5;
  const set = compilePolicies(policies, namespaces, { legacy: opts.legacy });
  const legacy = set.legacy;
  const rules: CompiledRule[] = set.policies.flatMap((p) => [...p.ingress, ...p.egress]);

  const allBits = new Uint32Array(W);
  for (let i = 0; i < n; i++) allBits[i >>> 5]! |= 1 << (i & 31);

  // Pods that policies can select (not on the host network), by namespace.
  const podsByNs = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const p = pods[i]!;
    if (p.hostNetwork) continue;
    const l = podsByNs.get(p.namespace);
    if (l) l.push(i);
    else podsByNs.set(p.namespace, [i]);
  }
  const nsNames = [...new Set([...set.namespaces.keys(), ...podsByNs.keys()])];
  const addrs = pods.map((p) => (p.ip ? parseAddr(p.ip) : undefined));

  // --- selector bitsets, cached by canonical selector string
  const podSelCache = new Map<string, Uint32Array>();
  const podSel = (ns: string, sel: CompiledSelector): Uint32Array => {
    const key = `${ns}\u0000${sel.key}`;
    let b = podSelCache.get(key);
    if (!b) {
      b = new Uint32Array(W);
      for (const i of podsByNs.get(ns) ?? []) if (sel.matches(pods[i]!.labels)) b[i >>> 5]! |= 1 << (i & 31);
      podSelCache.set(key, b);
    }
    return b;
  };
  const nsMatchCache = new Map<string, string[]>();
  const nsMatch = (sel: CompiledSelector): string[] => {
    let l = nsMatchCache.get(sel.key);
    if (!l) {
      l = nsNames.filter((ns) => sel.matches(set.namespaces.get(ns)?.labels));
      nsMatchCache.set(sel.key, l);
    }
    return l;
  };
  const everyPodSel: CompiledSelector = { key: '', empty: true, matches: () => true };
  const peerCache = new Map<string, Uint32Array>();
  const peerBits = (peer: CompiledPeer): Uint32Array => {
    switch (peer.kind) {
      case 'invalid':
        return new Uint32Array(W);
      case 'pods':
        return podSel(peer.namespace, peer.pods);
      case 'namespaces':
      case 'namespacedPods': {
        const podS = peer.kind === 'namespaces' ? everyPodSel : peer.pods;
        const key = `ns\u0000${peer.namespaces.key}\u0000${podS.key}`;
        let b = peerCache.get(key);
        if (!b) {
          b = new Uint32Array(W);
          for (const ns of nsMatch(peer.namespaces)) orInto(b, 0, podSel(ns, podS), W);
          peerCache.set(key, b);
        }
        return b;
      }
      case 'ipBlock': {
        const key = `ip\u0000${JSON.stringify(peer.source.ipBlock)}`;
        let b = peerCache.get(key);
        if (!b) {
          b = new Uint32Array(W);
          for (let i = 0; i < n; i++) if (ipBlockHas(peer, addrs[i])) b[i >>> 5]! |= 1 << (i & 31);
          peerCache.set(key, b);
        }
        return b;
      }
    }
  };
  const ruleBitsCache = new Map<CompiledRule, Uint32Array>();
  const ruleBits = (r: CompiledRule): Uint32Array => {
    let b = ruleBitsCache.get(r);
    if (!b) {
      if (r.allPeers) b = allBits;
      else if (r.peers.length === 1) b = peerBits(r.peers[0]!);
      else {
        b = new Uint32Array(W);
        for (const p of r.peers) orInto(b, 0, peerBits(p), W);
      }
      ruleBitsCache.set(r, b);
    }
    return b;
  };

  // --- the tested port, resolved per destination
  let queryPort: (number | undefined)[] | undefined;
  let queryProto: Protocol = 'TCP';
  let portText: string | undefined;
  if (opts.port) {
    queryProto = opts.port.protocol ?? 'TCP';
    const q = { port: opts.port.port, protocol: queryProto };
    portText = formatPortQuery(q);
    queryPort = pods.map((p) => resolveQuery(q, p.ports));
  }

  // --- port atoms: every boundary of every rule's ports, of the named ports' resolutions, of the tested port
  const boundaries: Record<Protocol, Set<number>> = { TCP: new Set(), UDP: new Set(), SCTP: new Set() };
  const namedKeys = new Set<string>();
  for (const r of rules) {
    for (const p of r.ports) {
      if (p.kind === 'range') boundaries[p.protocol].add(p.lo).add(p.hi + 1);
      else if (p.kind === 'named') namedKeys.add(`${p.protocol}/${p.name}`);
    }
  }
  for (const pod of pods) {
    for (const c of pod.ports ?? []) {
      const proto = c.protocol ?? 'TCP';
      if (c.name && namedKeys.has(`${proto}/${c.name}`)) boundaries[proto].add(c.containerPort).add(c.containerPort + 1);
    }
  }
  for (const q of queryPort ?? []) if (q !== undefined) boundaries[queryProto].add(q).add(q + 1);
  const atoms = new PortAtoms(boundaries);
  const MW = atoms.words;

  // Per named port (protocol/name): its mask at each pod (zero where the pod has no such port).
  const namedAt = new Map<string, Uint32Array[]>();
  for (const key of namedKeys) {
    const slash = key.indexOf('/');
    const proto = key.slice(0, slash) as Protocol;
    const name = key.slice(slash + 1);
    namedAt.set(
      key,
      pods.map((pod) => {
        let m: Uint32Array | undefined;
        for (const c of pod.ports ?? []) {
          if (c.name === name && (c.protocol ?? 'TCP') === proto) atoms.addRange((m ??= new Uint32Array(MW)), proto, c.containerPort, c.containerPort);
        }
        return m ?? atoms.zero;
      }),
    );
  }
  // Per rule: the mask of its ranges, and the named ports it also has.
  const staticMask = new Map<CompiledRule, Uint32Array>();
  const ruleNamed = new Map<CompiledRule, Uint32Array[][]>();
  for (const r of rules) {
    if (r.allPorts) {
      staticMask.set(r, atoms.all);
      continue;
    }
    const m = new Uint32Array(MW);
    const named: Uint32Array[][] = [];
    for (const p of r.ports) {
      if (p.kind === 'range') atoms.addRange(m, p.protocol, p.lo, p.hi);
      else if (p.kind === 'named') named.push(namedAt.get(`${p.protocol}/${p.name}`)!);
    }
    staticMask.set(r, m);
    if (named.length) ruleNamed.set(r, named);
  }
  // Rules by number, for the pair loop (arrays, not map lookups).
  const ruleId = new Map<CompiledRule, number>(rules.map((r, i) => [r, i]));
  const staticById = rules.map((r) => staticMask.get(r)!);
  const namedById = rules.map((r) => ruleNamed.get(r));
  /** OR the port mask of rule `id` at destination d into acc. */
  const orRuleMask = (acc: Uint32Array, id: number, d: number): void => {
    const s = staticById[id]!;
    for (let w = 0; w < MW; w++) acc[w]! |= s[w]!;
    const named = namedById[id];
    if (named) for (const perPod of named) orInto(acc, 0, perPod[d]!, MW);
  };
  /** The port mask of rule `id` at destination d as one number (only when MW === 1). */
  const staticWord = staticById.map((m) => m[0]! | 0);
  const maskAt = (id: number, d: number): number => {
    let m = staticWord[id]!;
    const named = namedById[id];
    if (named) for (const perPod of named) m |= perPod[d]![0]!;
    return m;
  };
  const queryAtom = queryPort?.map((q) => (q === undefined ? -1 : atoms.atom(queryProto, q)));

  // Per named port: the destinations that have it (any traffic), or where it is the tested port.
  const namedOkAt = new Map<string, Uint32Array>();
  for (const [key, perPod] of namedAt) {
    const b = new Uint32Array(W);
    for (let d = 0; d < n; d++) {
      const m = perPod[d]!;
      const hit = queryAtom ? queryAtom[d]! >= 0 && (m[queryAtom[d]! >>> 5]! & (1 << (queryAtom[d]! & 31))) !== 0 : !isZero(m, MW);
      if (hit) b[d >>> 5]! |= 1 << (d & 31);
    }
    namedOkAt.set(key, b);
  }
  // With a tested port: the destinations per atom the port falls in (one atom unless the port is named).
  const everyQueryResolved = queryAtom?.every((a) => a >= 0) ?? false;
  const podsByQueryAtom = new Map<number, Uint32Array>();
  queryAtom?.forEach((a, d) => {
    if (a < 0) return;
    let b = podsByQueryAtom.get(a);
    if (!b) podsByQueryAtom.set(a, (b = new Uint32Array(W)));
    b[d >>> 5]! |= 1 << (d & 31);
  });
  const ruleNamedKeys = new Map<CompiledRule, string[]>();
  for (const r of rules) {
    const keys = r.ports.filter((p) => p.kind === 'named').map((p) => `${p.protocol}/${(p as { name: string }).name}`);
    if (keys.length) ruleNamedKeys.set(r, keys);
  }

  /** Destinations where the rule admits something (or the tested port); null = all of them. */
  const portOkCache = new Map<CompiledRule, Uint32Array | null>();
  const portOk = (r: CompiledRule): Uint32Array | null => {
    if (portOkCache.has(r)) return portOkCache.get(r)!;
    const st = staticMask.get(r)!;
    let res: Uint32Array | null;
    if (!queryAtom) {
      res = isZero(st, MW) ? new Uint32Array(W) : null;
    } else {
      res = new Uint32Array(W);
      let every = true;
      for (const [a, b] of podsByQueryAtom) {
        if ((st[a >>> 5]! & (1 << (a & 31))) !== 0) orInto(res, 0, b, W);
        else every = false;
      }
      if (every && podsByQueryAtom.size > 0 && everyQueryResolved) res = null;
    }
    const keys = ruleNamedKeys.get(r);
    if (res && keys) for (const k of keys) orInto(res, 0, namedOkAt.get(k)!, W);
    portOkCache.set(r, res);
    return res;
  };
  /** With no tested port: does the rule admit every port (so no intersection is needed)? */
  const fullCache = new Map<CompiledRule, boolean>();
  const fullPorts = (r: CompiledRule): boolean => {
    let f = fullCache.get(r);
    if (f === undefined) fullCache.set(r, (f = queryPort !== undefined || (!ruleNamed.has(r) && equalMasks(staticMask.get(r)!, atoms.all, MW))));
    return f;
  };

  // --- ingress: per destination d, the sources admitted
  const inAll = new Uint32Array(n * W);
  const inSome = new Uint32Array(n * W);
  const inRules: (number[] | undefined)[] = new Array(n);
  const ingressIsolated = new Uint8Array(n);
  if (legacy) {
    for (let d = 0; d < n; d++) if (!pods[d]!.hostNetwork && set.annotated.has(pods[d]!.namespace)) ingressIsolated[d] = 1;
  }
  // A policy's rules that admit at every destination (no per-destination port check) are OR-ed
  // together first, so each target's row takes one OR per kind instead of one per rule.
  const unionAll = new Uint32Array(W);
  const unionSome = new Uint32Array(W);
  for (const p of set.policies) {
    if (!p.types.ingress) continue;
    const targets = podSel(p.namespace, p.target);
    unionAll.fill(0);
    unionSome.fill(0);
    let anyAll = false;
    const someIds: number[] = [];
    const perTarget: CompiledRule[] = [];
    for (const r of p.ingress) {
      if (portOk(r)) {
        perTarget.push(r);
        continue;
      }
      if (fullPorts(r)) {
        orInto(unionAll, 0, ruleBits(r), W);
        anyAll = true;
      } else {
        orInto(unionSome, 0, ruleBits(r), W);
        someIds.push(ruleId.get(r)!);
      }
    }
    forEachBit(targets, W, (d) => {
      if (!legacy) ingressIsolated[d] = 1;
      else if (!ingressIsolated[d]) return;
      if (anyAll) orInto(inAll, d * W, unionAll, W);
      if (someIds.length > 0) {
        orInto(inSome, d * W, unionSome, W);
        (inRules[d] ??= []).push(...someIds);
      }
      for (const r of perTarget) {
        if (!hasBit(portOk(r)!, 0, d)) continue;
        const full = fullPorts(r);
        orInto(full ? inAll : inSome, d * W, ruleBits(r), W);
        if (!full) (inRules[d] ??= []).push(ruleId.get(r)!);
      }
    });
  }
  for (let d = 0; d < n; d++) if (!ingressIsolated[d]) inAll.set(allBits, d * W);

  // --- egress: per source s, the destinations admitted
  const outAll = new Uint32Array(n * W);
  const outSome = new Uint32Array(n * W);
  const outRules: (number[] | undefined)[] = new Array(n);
  const egressIsolated = new Uint8Array(n);
  if (!legacy) {
    const tmp = new Uint32Array(W);
    for (const p of set.policies) {
      if (!p.types.egress) continue;
      const targets = podSel(p.namespace, p.target);
      forEachBit(targets, W, (s) => {
        egressIsolated[s] = 1;
        for (const r of p.egress) {
          const ok = portOk(r);
          const bits = ruleBits(r);
          const full = fullPorts(r);
          if (ok) {
            for (let w = 0; w < W; w++) tmp[w] = bits[w]! & ok[w]!;
            orInto(full ? outAll : outSome, s * W, tmp, W);
          } else {
            orInto(full ? outAll : outSome, s * W, bits, W);
          }
          if (!full) (outRules[s] ??= []).push(ruleId.get(r)!);
        }
      });
    }
  }
  for (let s = 0; s < n; s++) if (!egressIsolated[s]) outAll.set(allBits, s * W);

  // --- combine, a source row at a time: transpose the ingress rows (32 x 32 bit blocks), then AND words.
  const inAllT = transposeBits(inAll, n, W);
  const inSomeT = transposeBits(inSome, n, W);
  // With a tested named port, destinations that do not have it are denied.
  const queryResolved = new Uint32Array(W);
  for (let d = 0; d < n; d++) if (!queryPort || queryPort[d] !== undefined) queryResolved[d >>> 5]! |= 1 << (d & 31);

  const bitsById = rules.map((r) => ruleBits(r));
  const ingMask = new Uint32Array(MW);
  const egMask = new Uint32Array(MW);
  const sure = new Uint32Array(W);
  const exact = new Uint32Array(W);
  const allowedBits = new Uint32Array(n * W);
  let count = 0;
  for (let s = 0; s < n; s++) {
    const off = s * W;
    let anyExact = false;
    for (let w = 0; w < W; w++) {
      const ia = inAllT[off + w]!;
      const is = inSomeT[off + w]! & ~ia;
      const oa = outAll[off + w]!;
      const os = outSome[off + w]! & ~oa;
      sure[w] = ((ia & (oa | os)) | (is & oa)) & queryResolved[w]!;
      exact[w] = queryPort ? 0 : is & os;
      if (exact[w] !== 0) anyExact = true;
    }
    if (anyExact && MW === 1) {
      // Both directions are limited to some ports: do they share one? With at most 32 port atoms
      // (the usual case) a mask is one number: no arrays, and the egress side stops at the first hit.
      for (let w = 0; w < W; w++) {
        let x = exact[w]!;
        while (x !== 0) {
          const t = x & -x;
          x ^= t;
          const d = (w << 5) + (31 - Math.clz32(t));
          let ing = 0;
          for (const id of inRules[d]!) if (hasBit(bitsById[id]!, 0, s)) ing |= maskAt(id, d);
          if (ing === 0) continue;
          for (const id of outRules[s]!) {
            if ((ing & maskAt(id, d)) !== 0 && hasBit(bitsById[id]!, 0, d)) {
              sure[w]! |= t;
              break;
            }
          }
        }
      }
    } else if (anyExact) {
      // both directions are limited to some ports: do they share one?
      forEachBitAt(exact, 0, W, (d) => {
        ingMask.fill(0);
        for (const id of inRules[d]!) if (hasBit(bitsById[id]!, 0, s)) orRuleMask(ingMask, id, d);
        egMask.fill(0);
        for (const id of outRules[s]!) if (hasBit(bitsById[id]!, 0, d)) orRuleMask(egMask, id, d);
        for (let w = 0; w < MW; w++) {
          if ((ingMask[w]! & egMask[w]!) !== 0) {
            sure[d >>> 5]! |= 1 << (d & 31);
            break;
          }
        }
      });
    }
    sure[s >>> 5]! |= (1 << (s & 31)) & queryResolved[s >>> 5]!; // a pod always reaches itself (loopback)
    for (let w = 0; w < W; w++) {
      allowedBits[off + w] = sure[w]!;
      count += popcount(sure[w]!);
    }
  }

  return {
    pods: pods.map((p) => `${p.namespace}/${p.name}`),
    allowed: boolRows(allowedBits, n, W),
    ingressIsolated: Array.from(ingressIsolated, (x) => x === 1),
    egressIsolated: Array.from(egressIsolated, (x) => x === 1),
    ...(portText ? { port: portText } : {}),
    allowedCount: count,
  };
}

/** Rows of booleans from rows of bits. */
function boolRows(bits: Uint32Array, n: number, W: number): boolean[][] {
  const rows: boolean[][] = new Array(n);
  for (let s = 0; s < n; s++) {
    const row = new Array<boolean>(n).fill(false);
    const off = s * W;
    for (let w = 0; w < W; w++) {
      let x = bits[off + w]!;
      while (x !== 0) {
        const t = x & -x;
        row[(w << 5) + (31 - Math.clz32(t))] = true;
        x ^= t;
      }
    }
    rows[s] = row;
  }
  return rows;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * The transpose of an n x n bit matrix stored as n rows of W words (bit c of row r: column c), by
 * 32 x 32 blocks (Hacker's Delight, transpose32, for least-significant-bit-first columns).
 */
export function transposeBits(rows: Uint32Array, n: number, W: number): Uint32Array {
  const out = new Uint32Array(n * W);
  const blk = new Uint32Array(32);
  for (let rb = 0; rb < W; rb++) {
    const r0 = rb << 5;
    const rEnd = Math.min(32, n - r0);
    for (let cw = 0; cw < W; cw++) {
      let any = 0;
      for (let i = 0; i < 32; i++) {
        const v = i < rEnd ? rows[(r0 + i) * W + cw]! : 0;
        blk[i] = v;
        any |= v;
      }
      if (any === 0) continue;
      let m = 0x0000ffff;
      for (let j = 16; j !== 0; j >>>= 1, m = (m ^ (m << j)) >>> 0) {
        for (let k = 0; k < 32; k = (k + j + 1) & ~j) {
          const t = ((blk[k]! >>> j) ^ blk[k + j]!) & m;
          blk[k] = blk[k]! ^ (t << j);
          blk[k + j] = blk[k + j]! ^ t;
        }
      }
      const c0 = cw << 5;
      const cEnd = Math.min(32, n - c0);
      for (let i = 0; i < cEnd; i++) out[(c0 + i) * W + rb] = blk[i]!;
    }
  }
  return out;
}

function orInto(dst: Uint32Array, off: number, src: Uint32Array, W: number): void {
  for (let w = 0; w < W; w++) dst[off + w]! |= src[w]!;
}

function hasBit(bits: Uint32Array, off: number, i: number): boolean {
  return (bits[off + (i >>> 5)]! & (1 << (i & 31))) !== 0;
}

function isZero(m: Uint32Array, W: number): boolean {
  for (let w = 0; w < W; w++) if (m[w] !== 0) return false;
  return true;
}

function equalMasks(a: Uint32Array, b: Uint32Array, W: number): boolean {
  for (let w = 0; w < W; w++) if (a[w] !== b[w]) return false;
  return true;
}

function forEachBit(bits: Uint32Array, W: number, f: (i: number) => void): void {
  forEachBitAt(bits, 0, W, f);
}

function forEachBitAt(bits: Uint32Array, off: number, W: number, f: (i: number) => void): void {
  for (let w = 0; w < W; w++) {
    let x = bits[off + w]!;
    while (x !== 0) {
      const t = x & -x;
      f((w << 5) + (31 - Math.clz32(t)));
      x ^= t;
    }
  }
}
