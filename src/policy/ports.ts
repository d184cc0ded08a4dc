/**
 * Ports: the `--port PORT[/PROTO]` flag, and sets of (protocol, port range) used to say exactly
 * which ports a direction admits. Pure: no I/O.
 */
import { usageError } from '../errors.js';
import { PROTOCOLS, type ContainerPort, type NetworkPolicyPort, type Protocol } from './types.js';

export const MIN_PORT = 1;
export const MAX_PORT = 65535;

/** IANA_SVC_NAME (what Kubernetes accepts as a port name): 1-15 of [a-z0-9-], a letter, no '--', no '-' at either end. */
export function portNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 15) return `port name ${JSON.stringify(name)} must be 1 to 15 characters long`;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    return `port name ${JSON.stringify(name)} may contain only lowercase letters, digits and '-', and must start and end with a letter or digit`;
  }
  if (!/[a-z]/.test(name)) return `port name ${JSON.stringify(name)} must contain at least one letter`;
  if (name.includes('--')) return `port name ${JSON.stringify(name)} must not contain '--'`;
  return undefined;
}

export function parseProtocol(text: string, flag = '--port'): Protocol {
  const up = text.toUpperCase();
  if ((PROTOCOLS as readonly string[]).includes(up)) return up as Protocol;
  throw usageError(`${flag}: unknown protocol ${JSON.stringify(text)} (expected TCP, UDP or SCTP)`);
}

function parsePortNumber(text: string, flag: string, whole: string): number {
  if (!/^[0-9]+$/.test(text) || (text.length > 1 && text.startsWith('0'))) {
    throw usageError(`${flag} ${JSON.stringify(whole)}: ${JSON.stringify(text)} is not a port number`);
  }
  const n = Number(text);
  if (n < MIN_PORT || n > MAX_PORT) throw usageError(`${flag} ${JSON.stringify(whole)}: port ${n} is out of range (1-65535)`);
  return n;
}

/**
 * Parses one `--port` value for a policy: `5201`, `5201/TCP`, `53/udp`, `http` (a named container
 * port), `http/TCP`, `5000-5010/TCP` (a range: port + endPort). The protocol defaults to TCP and is
 * always written out. Throws a one-line usageError.
 */
export function parsePort(text: string, flag = '--port'): NetworkPolicyPort {
  const raw = text.trim();
  if (raw === '') throw usageError(`${flag}: empty port (expected PORT[/PROTOCOL], e.g. 5201/TCP, 53/UDP, http, 5000-5010/TCP)`);
  const parts = raw.split('/');
  if (parts.length > 2) throw usageError(`${flag} ${JSON.stringify(text)}: expected PORT[/PROTOCOL], e.g. 5201/TCP`);
  const portText = parts[0]!;
  const protocol = parts.length === 2 ? parseProtocol(parts[1]!, flag) : 'TCP';
  if (portText === '') throw usageError(`${flag} ${JSON.stringify(text)}: the port is missing before '/'`);
  const range = /^([^-]+)-([^-]+)$/.exec(portText);
  if (range && /^[0-9]+$/.test(range[1]!) && /^[0-9]+$/.test(range[2]!)) {
    const lo = parsePortNumber(range[1]!, flag, text);
    const hi = parsePortNumber(range[2]!, flag, text);
    if (hi < lo) throw usageError(`${flag} ${JSON.stringify(text)}: the range ends before it starts`);
    if (hi === lo) return { protocol, port: lo };
    return { protocol, port: lo, endPort: hi };
  }
  if (/^[0-9]+$/.test(portText)) return { protocol, port: parsePortNumber(portText, flag, text) };
  const prob = portNameProblem(portText);
  if (prob) throw usageError(`${flag} ${JSON.stringify(text)}: ${prob}`, 'a port is a number (5201), a range (5000-5010) or a container port name (http)');
  return { protocol, port: portText };
}

/** A port to test traffic on: `5201`, `5201/TCP`, `53/UDP`, `http` (resolved against the destination pod). */
export interface PortQuery {
  port: number | string;
  protocol: Protocol;
}

export function parsePortQuery(text: string, flag = '--port'): PortQuery {
  const p = parsePort(text, flag);
  if (p.endPort !== undefined) throw usageError(`${flag} ${JSON.stringify(text)}: give one port to test, not a range`);
  return { port: p.port!, protocol: p.protocol ?? 'TCP' };
}

/** "5201/TCP", "5000-5010/TCP", "http/TCP", "any TCP port". */
export function formatPolicyPort(p: NetworkPolicyPort): string {
  const proto = p.protocol ?? 'TCP';
  if (p.port === undefined) return `any ${proto} port`;
  if (typeof p.port === 'number' && p.endPort !== undefined && p.endPort !== p.port) return `${p.port}-${p.endPort}/${proto}`;
  return `${p.port}/${proto}`;
}

export function formatPortQuery(q: PortQuery): string {
  return `${q.port}/${q.protocol}`;
}

/** Resolves a named port against a pod's container ports (name and protocol must both match). */
export function resolveNamedPort(ports: readonly ContainerPort[] | undefined, name: string, protocol: Protocol): number[] {
  const out: number[] = [];
  for (const c of ports ?? []) {
    if (c.name === name && (c.protocol ?? 'TCP') === protocol && !out.includes(c.containerPort)) out.push(c.containerPort);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Port sets

export type Range = readonly [number, number];

/** Per protocol, sorted disjoint inclusive ranges. */
export type PortSet = Readonly<Record<Protocol, readonly Range[]>>;

const FULL: readonly Range[] = [[MIN_PORT, MAX_PORT]];

export const NO_PORTS: PortSet = { TCP: [], UDP: [], SCTP: [] };
export const ALL_PORTS: PortSet = { TCP: FULL, UDP: FULL, SCTP: FULL };

function normalise(ranges: Range[]): Range[] {
  const s = ranges.filter(([a, b]) => a <= b).sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of s) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

export function portSetOf(entries: Iterable<{ protocol: Protocol; lo: number; hi: number }>): PortSet {
  const acc: Record<Protocol, Range[]> = { TCP: [], UDP: [], SCTP: [] };
  for (const e of entries) acc[e.protocol].push([e.lo, e.hi]);
  return { TCP: normalise(acc.TCP), UDP: normalise(acc.UDP), SCTP: normalise(acc.SCTP) };
}

export function unionPorts(a: PortSet, b: PortSet): PortSet {
  if (a === ALL_PORTS || b === ALL_PORTS) return ALL_PORTS;
  if (isEmptyPorts(a)) return b;
  if (isEmptyPorts(b)) return a;
  return {
    TCP: normalise([...a.TCP, ...b.TCP]),
    UDP: normalise([...a.UDP, ...b.UDP]),
    SCTP: normalise([...a.SCTP, ...b.SCTP]),
  };
}

function intersectRanges(a: readonly Range[], b: readonly Range[]): Range[] {
  const out: Range[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i]![0], b[j]![0]);
    const hi = Math.min(a[i]![1], b[j]![1]);
    if (lo <= hi) out.push([lo, hi]);
    if (a[i]![1] < b[j]![1]) i++;
    else j++;
  }
  return out;
}

export function intersectPorts(a: PortSet, b: PortSet): PortSet {
  if (a === ALL_PORTS) return b;
  if (b === ALL_PORTS) return a;
  return { TCP: intersectRanges(a.TCP, b.TCP), UDP: intersectRanges(a.UDP, b.UDP), SCTP: intersectRanges(a.SCTP, b.SCTP) };
}

export function isEmptyPorts(s: PortSet): boolean {
  return s.TCP.length === 0 && s.UDP.length === 0 && s.SCTP.length === 0;
}

export function isAllPorts(s: PortSet): boolean {
  const full = (r: readonly Range[]) => r.length === 1 && r[0]![0] <= MIN_PORT && r[0]![1] >= MAX_PORT;
  return full(s.TCP) && full(s.UDP) && full(s.SCTP);
}

/** "any port", "no port", "5201/TCP", "80/TCP, 443/TCP, 53/UDP", "any TCP port, 53/UDP", "5000-5010/TCP". */
export function formatPorts(s: PortSet): string {
  if (isAllPorts(s)) return 'any port';
  if (isEmptyPorts(s)) return 'no port';
  const parts: string[] = [];
  for (const proto of PROTOCOLS) {
    const r = s[proto];
    if (r.length === 1 && r[0]![0] <= MIN_PORT && r[0]![1] >= MAX_PORT) {
      parts.push(`any ${proto} port`);
      continue;
    }
    for (const [a, b] of r) parts.push(a === b ? `${a}/${proto}` : `${a}-${b}/${proto}`);
  }
  return parts.join(', ');
}
