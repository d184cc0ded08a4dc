/**
 * Parsers for what the `weave` container of a Weave Net pod prints. Pure: text in, data out.
 *
 * The formats are those of weaveworks/weave prog/weaver/http.go (the /status, /status/ipam and
 * /status/connections templates behind `weave --local status ...`) and weaveworks/mesh status.go
 * (connection states and the Info column), across releases:
 *
 * - `status`: "Key: value" lines, right-aligned keys, grouped by "Service: router|ipam|dns|...".
 *   2.x: `Version: 2.8.1 (up to date; next check at ...)`, `Name: <peer>(<nickname>)`,
 *   `Connections: 4 (3 established, 1 failed)`, `Peers: 4 (with 12 established connections)`,
 *   IPAM `Status:` one of idle | priming | awaiting consensus (quorum: N, known: M) | ready |
 *   waiting for IP(s) to become available (older: waiting for IP range grant from peers) |
 *   all IP ranges owned by unreachable peers - use 'rmpeer' if they are dead.
 *   1.x: no version check in parentheses (or no Version line at all), `NickName:` on its own line,
 *   `Consensus: achieved | waiting (quorum: N, known: M) | deferred` instead of `Status:`, and
 *   `Range:` as `10.32.0.0-10.47.255.255`.
 * - `status ipam`: `%-37v %8d IPs (%04.1f%% of total) %s` per owning peer, the local peer first
 *   with `(N active)` (2.x) and the others with `- unreachable!` when they are not connected.
 * - `status connections`: `-> 10.0.0.2:6783          established fastdp 02:..(node-2) mtu=1376`
 *   (2.x; with encryption the Info starts with `encrypted` or `unencrypted`); failed/retrying
 *   targets carry the error as Info; 1.x printed `direct|discovered` and `retrying(err)`,
 *   `failed(err), retry: ...`, `connecting`, `established|unestablished`.
 * - `ip -4 -o addr show dev weave`: `5: weave    inet 172.25.64.1/18 brd ... scope global weave\ ...`.
 *
 * Every parser is tolerant: unknown lines and keys are skipped, absent fields stay undefined.
 * Only text that cannot be weave's output at all is refused (StatusParseError).
 */

export class StatusParseError extends Error {
  override readonly name = 'StatusParseError';
}

// ---------------------------------------------------------------------------------------------
// weave --local status

export type IpamState =
  | 'idle'
  | 'priming'
  | 'awaiting-consensus'
  | 'ready'
  | 'waiting-for-ips'
  | 'all-owners-unreachable'
  | 'unknown';

export interface IpamStatus {
  state: IpamState;
  /** The Status (or Consensus) text as weave printed it. */
  text: string;
  /** awaiting consensus: the quorum needed and the peers known. */
  quorum?: number;
  known?: number;
}

export interface ConnectionCounts {
  total: number;
  /** "established", "pending", "retrying", "failed", "connecting" (whatever weave printed). */
  byState: Record<string, number>;
}

export interface WeaveStatus {
  /** "2.8.1" (without the version check text). */
  version?: string;
  /** The version check in parentheses: "up to date; next check at ...", "version 2.8.1 available - please upgrade!". */
  versionCheck?: string;
  /** Peer name (a MAC address by default). */
  name?: string;
  /** Nickname (the host name by default). */
  nickname?: string;
  encryption?: boolean;
  peerDiscovery?: boolean;
  targets?: number;
  connections?: ConnectionCounts;
  /** Peers in the mesh this peer knows, itself included. */
  peers?: number;
  /** Connections among all those peers: established and pending. */
  peerConnections?: { established: number; pending: number };
  trustedSubnets?: string[];
  ipam?: {
    status: IpamStatus;
    /** "172.25.64.0/18", or "10.32.0.0-10.47.255.255" from 1.x. */
    range?: string;
    defaultSubnet?: string;
  };
}

const KV = /^\s*([A-Za-z][A-Za-z ]*?):\s?(.*)$/;

/** "NAME(NICK)" -> both; tolerant of a nickname with parentheses. */
export function splitNameNick(text: string): { name: string; nickname?: string } {
  const t = text.trim();
  const open = t.indexOf('(');
  if (open > 0 && t.endsWith(')')) return { name: t.slice(0, open), nickname: t.slice(open + 1, -1) };
  return { name: t };
}

function toInt(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number.parseInt(s, 10);
  return Number.isFinite(n) ? n : undefined;
}

/** "3 established, 1 failed" -> { established: 3, failed: 1 } */
function parseCounts(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s+([a-z][a-z-]*)\s*$/i.exec(part);
    if (m) out[m[2]!.toLowerCase()] = Number(m[1]);
  }
  return out;
}

export function parseIpamState(text: string): IpamStatus {
  const t = text.trim();
  const consensus = /^(?:awaiting consensus|waiting)\s*\(quorum:\s*(\d+),\s*known:\s*(\d+)\)/i.exec(t);
  if (consensus) return { state: 'awaiting-consensus', text: t, quorum: Number(consensus[1]), known: Number(consensus[2]) };
  if (/^awaiting consensus/i.test(t)) return { state: 'awaiting-consensus', text: t };
  if (/^ready$/i.test(t) || /^achieved$/i.test(t)) return { state: 'ready', text: t };
  if (/^idle$/i.test(t) || /^deferred$/i.test(t)) return { state: 'idle', text: t };
  if (/^priming$/i.test(t)) return { state: 'priming', text: t };
  if (/^all IP ranges owned by unreachable peers/i.test(t)) return { state: 'all-owners-unreachable', text: t };
  if (/^waiting for IP/i.test(t)) return { state: 'waiting-for-ips', text: t };
  return { state: 'unknown', text: t };
}

/** Parses `weave --local status` (or GET /status). Throws StatusParseError when it is not that output. */
export function parseWeaveStatus(text: string): WeaveStatus {
  const out: WeaveStatus = {};
  let service = 'router';
  let recognised = 0;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const m = KV.exec(line);
    if (!m) continue;
    const key = m[1]!.trim();
    const value = m[2]!.trim();
    if (key === 'Service') {
      service = value.split(/\s/)[0]!.toLowerCase();
      recognised++;
      continue;
    }
    if (key === 'Version') {
      const v = /^(\S+)(?:\s+\((.*)\))?$/.exec(value);
      if (v) {
        out.version = v[1];
        if (v[2] !== undefined) out.versionCheck = v[2];
      }
      recognised++;
      continue;
    }
    if (service === 'router') {
      switch (key) {
        case 'Name': {
          const { name, nickname } = splitNameNick(value);
          out.name = name;
          if (nickname !== undefined) out.nickname = nickname;
          recognised++;
          break;
        }
        case 'NickName':
          out.nickname = value;
          break;
        case 'Encryption':
          out.encryption = value === 'enabled';
          break;
        case 'PeerDiscovery':
          out.peerDiscovery = value === 'enabled';
          break;
        case 'Targets':
          out.targets = toInt(value);
          break;
        case 'Connections': {
          const c = /^(\d+)(?:\s*\((.*)\))?/.exec(value);
          if (c) out.connections = { total: Number(c[1]), byState: c[2] ? parseCounts(c[2]) : {} };
          break;
        }
        case 'Peers': {
          const p = /^(\d+)(?:\s*\(with (.*) connections\))?/.exec(value);
          if (p) {
            out.peers = Number(p[1]);
            const counts = p[2] ? parseCounts(p[2]) : {};
            out.peerConnections = { established: counts.established ?? 0, pending: counts.pending ?? 0 };
          }
          break;
        }
        case 'TrustedSubnets':
          out.trustedSubnets = value === 'none' || value === '' ? [] : value.split(',').map((s) => s.trim());
          break;
        default:
          break;
      }
    } else if (service === 'ipam') {
      const ipam = (out.ipam ??= { status: { state: 'unknown', text: '' } });
      if (key === 'Status' || key === 'Consensus') ipam.status = parseIpamState(value);
      else if (key === 'Range') ipam.range = value;
      else if (key === 'DefaultSubnet') ipam.defaultSubnet = value;
    }
  }
  if (recognised === 0 || (out.name === undefined && out.version === undefined)) {
    throw new StatusParseError(`not the output of "weave status": ${firstLine(text)}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// weave --local status ipam

export interface IpamOwner {
  peer: string;
  nickname: string;
  ips: number;
  /** Share of the whole range, as weave printed it (one decimal). */
  percent: number;
  /** Addresses in use on that peer: only printed for the local peer by weave >= 2.x. */
  active?: number;
  reachable: boolean;
  /** The first line: the peer that answered. */
  local: boolean;
}

const IPAM_LINE = /^(\S+?)\((.*)\)\s+(\d+)\s+IPs\s+\(\s*([\d.]+)%\s+of total\)\s*(.*)$/;

/**
 * Parses `weave --local status ipam`: one entry per owning peer, the local peer first. `each` is
 * called per line instead of collecting when given (1,000 peers on 1,000 nodes add up).
 */
export function parseStatusIpam(text: string, each?: (owner: IpamOwner) => void): IpamOwner[] {
  const out: IpamOwner[] = [];
  let first = true;
  let lines = 0;
  let parsed = 0;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').trimEnd();
    if (line.trim() === '') continue;
    lines++;
    const m = IPAM_LINE.exec(line.trim());
    if (!m) continue;
    parsed++;
    const rest = m[5]!;
    const active = /\((\d+) active\)/.exec(rest);
    const owner: IpamOwner = {
      peer: m[1]!,
      nickname: m[2]!,
      ips: Number(m[3]),
      percent: Number(m[4]),
      ...(active ? { active: Number(active[1]) } : {}),
      reachable: !/unreachable/i.test(rest),
      local: first,
    };
    first = false;
    if (each) each(owner);
    else out.push(owner);
  }
  if (lines > 0 && parsed === 0) throw new StatusParseError(`not the output of "weave status ipam": ${firstLine(text)}`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// weave --local status connections

export interface WeaveConnection {
  outbound: boolean;
  /** "10.0.0.2:6783" */
  address: string;
  /** established | pending | retrying | failed | connecting | waiting (1.x: unestablished). */
  state: string;
  /** The Info column: overlay and peer when established, the error otherwise. */
  info: string;
  peer?: string;
  nickname?: string;
  /** fastdp | sleeve */
  overlay?: string;
  /** Set only when weave runs with a password: whether this connection is encrypted. */
  encrypted?: boolean;
  mtu?: number;
  /** The peer's connection to its own address ("cannot connect to ourself"): not a real failure. */
  self: boolean;
}

const KNOWN_STATES = new Set(['established', 'pending', 'retrying', 'failed', 'connecting', 'waiting', 'unestablished']);

function establishedInfo(conn: WeaveConnection, info: string): void {
  const tokens = info.split(/\s+/).filter(Boolean);
  let i = 0;
  if (tokens[i] === 'encrypted' || tokens[i] === 'unencrypted') conn.encrypted = tokens[i++] === 'encrypted';
  if (tokens[i] && !tokens[i]!.includes('(')) conn.overlay = tokens[i++];
  if (tokens[i]) {
    const { name, nickname } = splitNameNick(tokens.slice(i).join(' '));
    conn.peer = name;
    if (nickname !== undefined) conn.nickname = nickname;
  }
}

/** Parses one line of `weave --local status connections`; undefined for a line that is not a connection. */
export function parseConnectionLine(raw: string): WeaveConnection | undefined {
  const line = raw.replace(/\r$/, '').trim();
  const m = /^(->|<-)\s+(\S+)\s+(.*)$/.exec(line);
  if (!m) return undefined;
  const outbound = m[1] === '->';
  const address = m[2]!;
  let rest = m[3]!.trim();
  const conn: WeaveConnection = { outbound, address, state: 'unknown', info: '', self: false };

  const first = /^(\S+)\s*(.*)$/.exec(rest)!;
  if (KNOWN_STATES.has(first[1]!)) {
    // 2.x: STATE INFO [key=value...]
    conn.state = first[1]!;
    rest = first[2]!.trim();
    // Connections (not targets that failed) carry attributes after the Info, concatenated
    // without separators in key order: "mtu=1376", with a password "encrypted=truemtu=1376"
    // (v2.8.1 prog/weaver/http.go connectionsTemplate; mesh status.go sets attrs["encrypted"]).
    const attrs = conn.state === 'established' || conn.state === 'pending' ? /(?:^|\s)((?:[a-z_]+=[^\s=]+?)+)$/.exec(rest) : null;
    if (attrs) {
      const mtu = /(?:^|[^a-z_]|true|false)mtu=(\d+)/.exec(attrs[1]!);
      if (mtu) conn.mtu = Number(mtu[1]);
      rest = rest.slice(0, rest.length - attrs[0].length);
    }
    conn.info = rest.trim();
    if (conn.state === 'established' || conn.state === 'pending') establishedInfo(conn, conn.info);
  } else {
    // 1.x: [NAME(NICK)] direct|discovered STATE
    const old = /^(?:(\S+\(.*?\))\s+)?(?:(direct|discovered)\s+)?(.*)$/.exec(rest)!;
    if (old[1]) {
      const { name, nickname } = splitNameNick(old[1]);
      conn.peer = name;
      if (nickname !== undefined) conn.nickname = nickname;
    }
    const st = old[3]!.trim();
    const withErr = /^(retrying|failed)\((.*)\)(.*)$/.exec(st);
    if (withErr) {
      conn.state = withErr[1]!;
      conn.info = (withErr[2]! + withErr[3]!).trim();
    } else {
      conn.state = st.split(/\s+/)[0] || 'unknown';
      conn.info = st.slice(conn.state.length).trim();
    }
  }
  conn.self = /cannot connect to ourself/i.test(conn.info);
  return conn;
}

/** Parses `weave --local status connections`, line by line (see parseStatusIpam for `each`). */
export function parseStatusConnections(text: string, each?: (c: WeaveConnection) => void): WeaveConnection[] {
  const out: WeaveConnection[] = [];
  let lines = 0;
  let parsed = 0;
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    lines++;
    const c = parseConnectionLine(raw);
    if (!c) continue;
    parsed++;
    if (each) each(c);
    else out.push(c);
  }
  if (lines > 0 && parsed === 0) throw new StatusParseError(`not the output of "weave status connections": ${firstLine(text)}`);
  return out;
}

/** What summarizeConnections keeps of `status connections`: counts, and every line that is not an established fastdp one. */
export interface ConnectionsSummary {
  /** established fastdp connections */
  fastdp: number;
  /** of those, encrypted / unencrypted (only with a password) */
  fastdpEncrypted: number;
  fastdpUnencrypted: number;
  /** the MTUs of the established fastdp connections */
  fastdpMtus: Set<number>;
  /**
   * targets not connected because the router is at CONN_LIMIT (mesh's checkConnectionLimit refuses
   * the dial; the target shows `failed` with "Connection limit reached (N), retry: ..."; v2.8.1
   * vendor/github.com/weaveworks/mesh/local_peer.go, status.go): counted, not kept, as they are the
   * limit at work rather than a fault, and with thousands of nodes they are most of the lines.
   */
  limited: number;
  /** every other connection line, parsed */
  others: WeaveConnection[];
}

const LIMITED_LINE = /^->\s+\S+\s+failed\s+Connection limit reached \(\d+\), retry: /;
const FASTDP_LINE = /^(?:->|<-)\s+\S+\s+established\s+(?:(encrypted|unencrypted)\s+)?fastdp\s+\S+\(.*\)\s+(?:[a-z_]+=\S*?)*?mtu=(\d+)\s*$/;

/**
 * `status connections` reduced: the healthy majority (established over fastdp, one line per peer:
 * at 1,000 nodes, 1,000 lines a node) only counted, with their MTU, by one regular expression; the
 * other lines parsed whole (parseConnectionLine). Throws StatusParseError as parseStatusConnections.
 */
export function summarizeConnections(text: string): ConnectionsSummary {
  const out: ConnectionsSummary = { fastdp: 0, fastdpEncrypted: 0, fastdpUnencrypted: 0, fastdpMtus: new Set(), limited: 0, others: [] };
  let lines = 0;
  let parsed = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const raw = text.slice(start, end).replace(/\r$/, '');
    start = end + 1;
    if (raw.trim() === '') continue;
    lines++;
    const m = FASTDP_LINE.exec(raw.trim());
    if (m) {
      parsed++;
      out.fastdp++;
      if (m[1] === 'encrypted') out.fastdpEncrypted++;
      else if (m[1] === 'unencrypted') out.fastdpUnencrypted++;
      out.fastdpMtus.add(Number(m[2]));
      continue;
    }
    if (LIMITED_LINE.test(raw.trim())) {
      parsed++;
      out.limited++;
      continue;
    }
    const c = parseConnectionLine(raw);
    if (!c) continue;
    parsed++;
    out.others.push(c);
  }
  if (lines > 0 && parsed === 0) throw new StatusParseError(`not the output of "weave status connections": ${firstLine(text)}`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// ip -4 -o addr show dev weave

/** The IPv4 addresses ("172.25.64.1/18") of `ip [-4] [-o] addr show dev weave`, in order. */
export function parseBridgeAddresses(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\s)inet\s+(\d{1,3}(?:\.\d{1,3}){3}(?:\/\d{1,2})?)/gm)) out.push(m[1]!);
  return out;
}

// ---------------------------------------------------------------------------------------------

/** The Weave version an image tag names: "weaveworks/weave-kube:2.8.1" -> "2.8.1"; undefined for latest or a digest only. */
export function versionFromImage(image: string | undefined): string | undefined {
  if (!image) return undefined;
  const noDigest = image.split('@')[0]!;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  if (colon <= slash) return undefined;
  const tag = noDigest.slice(colon + 1);
  return /^v?\d+\.\d+/.test(tag) ? tag.replace(/^v/, '') : undefined;
}

function firstLine(text: string): string {
  const l = text.split('\n').find((x) => x.trim() !== '') ?? '';
  const t = l.trim();
  return t === '' ? '(empty output)' : JSON.stringify(t.length > 80 ? `${t.slice(0, 79)}…` : t);
}
