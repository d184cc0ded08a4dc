/**
 * IPv4 address and CIDR maths, and the validation of `--ipalloc` (Weave Net's IPALLOC_RANGE).
 * Pure: no I/O. Addresses are unsigned 32-bit integers (0 .. 2^32-1) held in JS numbers.
 *
 * Parsing is strict, as kube-apiserver's is: four decimal octets 0-255 without leading zeros
 * ("010" is refused: some tools read it as octal), a prefix 0-32 without leading zeros, no spaces.
 */
import { usageError } from '../errors.js';

export interface Cidr {
  /** The address as written (not necessarily the network address), as an unsigned 32-bit integer. */
  readonly address: number;
  /** Prefix length, 0..32. */
  readonly prefix: number;
}

/** Either a parsed Cidr or its text ("10.32.0.0/12"). */
export type CidrLike = Cidr | string;

const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const IPV4_RE = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
const PREFIX_RE = /^(?:[0-9]|[12][0-9]|3[0-2])$/;

/** True when `text` is a strict dotted-quad IPv4 address. */
export function isIPv4(text: string): boolean {
  return IPV4_RE.test(text);
}

/** Parses a strict dotted-quad IPv4 address. Throws a usageError naming the input. */
export function parseIp(text: string): number {
  if (!IPV4_RE.test(text)) {
    throw usageError(`${show(text)} is not an IPv4 address${ipHint(text)}`);
  }
  const parts = text.split('.').map(Number);
  return (((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0);
}

export function formatIp(ip: number): string {
  if (!Number.isInteger(ip) || ip < 0 || ip > 0xffffffff) throw new RangeError(`not an IPv4 address value: ${ip}`);
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/**
 * Parses "a.b.c.d/p". The address need not be the network address (use networkAddress or
 * validateIpalloc for that). Throws a usageError naming the input.
 */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  if (slash < 0) {
    if (isIPv4(text)) throw usageError(`${text} has no prefix length: write a CIDR such as ${suggestCidr(parseIp(text))}`);
    throw usageError(`${show(text)} is not an IPv4 CIDR (expected a.b.c.d/prefix, e.g. 10.32.0.0/12)${ipHint(text)}`);
  }
  const addr = text.slice(0, slash);
  const pfx = text.slice(slash + 1);
  if (!IPV4_RE.test(addr)) {
    throw usageError(`${show(text)} is not an IPv4 CIDR: ${show(addr)} is not an IPv4 address${ipHint(addr)}`);
  }
  if (!PREFIX_RE.test(pfx)) {
    throw usageError(`${show(text)} is not an IPv4 CIDR: the prefix length must be a whole number from 0 to 32, without leading zeros`);
  }
  return { address: parseIp(addr), prefix: Number(pfx) };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.address)}/${c.prefix}`;
}

/** Non-throwing parse; undefined for anything parseCidr would refuse. */
export function tryParseCidr(text: string): Cidr | undefined {
  try {
    return parseCidr(text);
  } catch {
    return undefined;
  }
}

function toCidr(c: CidrLike): Cidr {
  return typeof c === 'string' ? parseCidr(c) : c;
}

/** The netmask of a prefix length as an unsigned integer: 24 -> 0xffffff00. */
export function prefixMask(prefix: number): number {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new RangeError(`prefix length out of range: ${prefix}`);
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** The first address of the block: 172.25.64.1/18 -> 172.25.64.0. */
export function networkAddress(c: CidrLike): number {
  const { address, prefix } = toCidr(c);
  return (address & prefixMask(prefix)) >>> 0;
}

/** The last address of the block: 10.32.0.0/12 -> 10.47.255.255. */
export function broadcast(c: CidrLike): number {
  const { address, prefix } = toCidr(c);
  return (address | ~prefixMask(prefix)) >>> 0;
}

/** Number of addresses in the block, 2^(32-prefix) (2^32 for /0). */
export function size(c: CidrLike): number {
  return 2 ** (32 - toCidr(c).prefix);
}

/** The block in canonical form: its network address and prefix ("172.25.64.1/18" -> "172.25.64.0/18"). */
export function canonical(c: CidrLike): Cidr {
  const cidr = toCidr(c);
  return { address: networkAddress(cidr), prefix: cidr.prefix };
}

/** True when the address is inside the block. `ip` is a number or dotted-quad text. */
export function contains(c: CidrLike, ip: number | string): boolean {
  const n = typeof ip === 'string' ? parseIp(ip) : ip;
  const cidr = toCidr(c);
  return ((n & prefixMask(cidr.prefix)) >>> 0) === networkAddress(cidr);
}

/** True when the two blocks share at least one address. */
export function overlaps(a: CidrLike, b: CidrLike): boolean {
  const x = toCidr(a);
  const y = toCidr(b);
  const p = Math.min(x.prefix, y.prefix);
  const m = prefixMask(p);
  return ((x.address & m) >>> 0) === ((y.address & m) >>> 0);
}

/** True when every address of `inner` is in `outer` (a block is a subnet of itself). */
export function isSubnet(inner: CidrLike, outer: CidrLike): boolean {
  const i = toCidr(inner);
  const o = toCidr(outer);
  return i.prefix >= o.prefix && contains(o, i.address);
}

/** At most this many parts from splitCidr: more is never a sensible thing to list. */
export const MAX_SPLIT = 65536;

/**
 * Splits a block into the 2^(newPrefix-prefix) aligned blocks of length newPrefix, in address order
 * (10.32.0.0/12 into /14 -> 10.32.0.0/14, 10.36.0.0/14, 10.40.0.0/14, 10.44.0.0/14).
 */
export function splitCidr(c: CidrLike, newPrefix: number): Cidr[] {
  const cidr = canonical(c);
  if (!Number.isInteger(newPrefix) || newPrefix < cidr.prefix || newPrefix > 32) {
    throw usageError(`cannot split ${formatCidr(cidr)} into /${newPrefix} blocks: the new prefix length must be from ${cidr.prefix} to 32`);
  }
  const count = 2 ** (newPrefix - cidr.prefix);
  if (count > MAX_SPLIT) {
    throw usageError(`splitting ${formatCidr(cidr)} into /${newPrefix} blocks would make ${count} blocks (at most ${MAX_SPLIT})`);
  }
  const step = 2 ** (32 - newPrefix);
  const out: Cidr[] = [];
  for (let i = 0; i < count; i++) out.push({ address: cidr.address + i * step, prefix: newPrefix });
  return out;
}

/**
 * "172.25.96.0/19 (8192 IPs, 12.5% of 65536)": how a share of a range reads in status output.
 * `start` is a CIDR or the first address of a (not necessarily aligned) run of `count` addresses.
 */
export function describeShare(start: string, count: number, total: number): string {
  const pct = total > 0 ? (count / total) * 100 : 0;
  const pctText = pct === 0 || pct >= 0.1 ? pct.toFixed(1) : '<0.1';
  return `${start} (${count} IP${count === 1 ? '' : 's'}, ${pctText}% of ${total})`;
}

// ---------------------------------------------------------------------------------------------
// --ipalloc

/** Weave Net's default IPALLOC_RANGE. */
export const WEAVE_DEFAULT_IPALLOC = '10.32.0.0/12';
/** Widest range accepted: a /8 already holds 16 million addresses. */
export const IPALLOC_MIN_PREFIX = 8;
/** Narrowest range accepted: a /28 (16 addresses) is the smallest that still fits a bridge address and a few pods per node. */
export const IPALLOC_MAX_PREFIX = 28;

interface Reserved {
  cidr: string;
  what: string;
}

/** Blocks that can never carry pod traffic (IANA special-purpose registry). */
const RESERVED: readonly Reserved[] = [
  { cidr: '0.0.0.0/8', what: '"this network" (0.0.0.0/8), which is not routable' },
  { cidr: '127.0.0.0/8', what: 'the loopback range 127.0.0.0/8' },
  { cidr: '169.254.0.0/16', what: 'the link-local range 169.254.0.0/16 (cloud metadata services live there)' },
  { cidr: '224.0.0.0/4', what: 'the multicast range 224.0.0.0/4' },
  { cidr: '240.0.0.0/4', what: 'the reserved range 240.0.0.0/4 (and the broadcast address)' },
];

interface KnownRange {
  cidr: string;
  who: string;
  extra?: string;
}

/** Service and bridge ranges that clusters commonly use: a pod range overlapping one breaks routing. */
export const COMMON_RANGES: readonly KnownRange[] = [
  { cidr: '10.96.0.0/12', who: "kubeadm's default service range (--service-cidr)" },
  { cidr: '10.43.0.0/16', who: "k3s' default service range", extra: "k3s' pod range is 10.42.0.0/16: on k3s use --ipalloc 10.42.0.0/16" },
  { cidr: '10.100.0.0/16', who: "EKS' service range (VPCs outside 10.0.0.0/8)" },
  { cidr: '172.20.0.0/16', who: "EKS' service range (VPCs in 10.0.0.0/8)" },
  { cidr: '10.0.0.0/24', who: "the old kube-apiserver default service range (--service-cluster-ip-range)" },
  {
    cidr: '172.17.0.0/16',
    who: "Docker's default bridge docker0",
    extra: "weave refuses to start on a node with a route into its range (\"overlaps with existing route\")",
  },
];

/** Private (RFC 1918) and shared (RFC 6598, carrier-grade NAT) address space. */
export const PRIVATE_RANGES: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'];

/**
 * Validates a `--ipalloc` value. Returns the canonical CIDR and warnings (overlaps with ranges
 * clusters commonly use, public addresses). Every refusal is a one-line usageError (exit 2).
 */
export function validateIpalloc(text: string): { cidr: string; warnings: string[] } {
  if (text.trim() === '') {
    throw usageError(`--ipalloc needs an IPv4 CIDR, e.g. ${WEAVE_DEFAULT_IPALLOC} (Weave Net's default)`);
  }
  if (text.includes(':')) {
    throw usageError(`${show(text)}: IPv4 only: Weave Net's IPAM does not allocate IPv6`, `use an IPv4 range such as ${WEAVE_DEFAULT_IPALLOC}`);
  }
  if (!text.includes('/') && isIPv4(text)) {
    throw usageError(
      `${text} has no prefix length: --ipalloc takes a CIDR, e.g. ${suggestCidr(parseIp(text))}`,
      `Weave Net's default is ${WEAVE_DEFAULT_IPALLOC}; the range is shared by all nodes`,
    );
  }
  const c = parseCidr(text);
  if (c.prefix < IPALLOC_MIN_PREFIX) {
    throw usageError(
      `${text} is too large: a range wider than /${IPALLOC_MIN_PREFIX} takes over addresses your nodes, services and the internet use (Weave Net's default is /12, about a million addresses)`,
    );
  }
  if (c.prefix > IPALLOC_MAX_PREFIX) {
    throw usageError(
      `${text} is too small: /${c.prefix} has only ${size(c)} addresses, and each node takes one for its weave bridge before any pod gets one; use /${IPALLOC_MAX_PREFIX} or wider`,
    );
  }
  const net = networkAddress(c);
  if (net !== c.address) {
    const fixed = formatCidr({ address: net, prefix: c.prefix });
    throw usageError(`${text} is not a network address: did you mean ${fixed}?`);
  }
  for (const r of RESERVED) {
    if (overlaps(c, r.cidr)) throw usageError(`${text} overlaps ${r.what}: pods cannot use those addresses`);
  }
  const cidr = formatCidr(c);
  const warnings: string[] = [];
  for (const r of COMMON_RANGES) {
    if (overlaps(c, r.cidr)) {
      warnings.push(`${cidr} overlaps ${r.cidr}, ${r.who}: pod and service (or bridge) addresses would collide${r.extra ? `; ${r.extra}` : ''}`);
    }
  }
  if (!PRIVATE_RANGES.some((p) => isSubnet(c, p))) {
    warnings.push(
      `${cidr} is not inside a private range (${PRIVATE_RANGES.join(', ')}): pods would take public addresses and could not reach the hosts on the internet that own them`,
    );
  }
  return { cidr, warnings };
}

// ---------------------------------------------------------------------------------------------

/**
 * A CIDR to suggest for a bare address: the widest block it starts, but no wider than Weave's
 * default /12 and no narrower than /28
 * (172.25.64.0 -> 172.25.64.0/18, 10.0.0.0 -> 10.0.0.0/12, 192.168.1.0 -> 192.168.1.0/24, 10.0.0.1 -> 10.0.0.0/28).
 */
function suggestCidr(ip: number): string {
  let zeros = 0;
  while (zeros < 32 && ((ip >>> zeros) & 1) === 0) zeros++;
  const prefix = Math.min(IPALLOC_MAX_PREFIX, Math.max(12, 32 - zeros));
  return formatCidr({ address: networkAddress({ address: ip, prefix }), prefix });
}

/** Quotes input that would read badly bare (empty, spaces). */
function show(text: string): string {
  return text === '' || /\s/.test(text) || text !== text.trim() ? JSON.stringify(text) : text;
}

/** A short reason for the commonest mistakes in an address. */
function ipHint(text: string): string {
  if (text !== text.trim() || /\s/.test(text)) return ' (remove the spaces)';
  if (text.includes(':')) return ' (IPv6 is not supported here)';
  const parts = text.split('.');
  if (parts.length !== 4) return ` (expected four dot-separated numbers, got ${parts.length})`;
  if (parts.some((p) => /^0[0-9]+$/.test(p))) return ' (no leading zeros: write 10.0.0.1, not 010.000.000.001)';
  if (parts.some((p) => /^[0-9]+$/.test(p) && Number(p) > 255)) return ' (each number must be 0-255)';
  return '';
}
