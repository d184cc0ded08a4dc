/**
 * What `weavectl status` asks each node's weave for besides `weave --local status`: one
 * `weave --local report -f TEMPLATE` that prints only what the report needs, instead of
 * `status connections` and `status ipam`, whose answers grow with the number of nodes on every
 * node (so with its square in all): weave lists every target in `status connections`, those
 * over CONN_LIMIT too, and every owner of address space in `status ipam`. Pure.
 *
 * Upstream facts (weaveworks/weave v1.9.4 … v2.8.1, rajch/weave v2.8.2 … v2.9.0):
 * - `weave report -f FORMAT` GETs `/report?format=FORMAT`, which parses FORMAT as a Go
 *   text/template with one function, `json` (compact json.Marshal), and executes it on the
 *   WeaveStatus struct (prog/weaver/http.go HandleHTTP; the `weave` script's `report)` case).
 * - `status connections` is http.go's connectionsTemplate, the same text at every one of those
 *   tags; CONNECTIONS_TEMPLATE below is it with one `if` around each line, so the lines it prints
 *   are byte for byte those of `status connections` (and ./parse.ts reads them).
 * - A target the router did not dial because it is at CONN_LIMIT is listed `failed` with the Info
 *   "Connection limit reached (N), retry: ..." (v2.8.1 vendor/github.com/weaveworks/mesh/
 *   local_peer.go checkConnectionLimit, status.go makeLocalConnectionStatusSlice). Those are left
 *   out: the limit at work, not a fault (ConnectionsSummary.limited).
 * - The IPAM ring: ipam/status.go EntryStatus {Token, Size, Peer, Nickname, IsKnownPeer, Version}
 *   per ring entry; `status ipam` (http.go printIPAMRanges) sums Size per Peer, prints the local
 *   peer first with "(ActiveIPs active)" and marks a peer with !IsKnownPeer "unreachable!", its
 *   share as `%04.1f` of float32(ips)*100/float32(RangeNumIPs). IPAM_TEMPLATE prints the entries
 *   of the local peer and of unknown peers only; ipamOwners sums them as printIPAMRanges does.
 */
import type { IpamOwner } from './parse.js';
import { StatusParseError } from './parse.js';

/** v2.8.1 prog/weaver/http.go connectionsTemplate (after its `escape`), each line under a filter. */
const CONNECTIONS_TEMPLATE =
  '{{range .Router.Connections}}{{if ne (printf "%.24s" .Info) "Connection limit reached"}}' +
  '{{if .Outbound}}->{{else}}<-{{end}} {{printf "%-21v" .Address}} {{printf "%-11v" .State}} {{.Info}} ' +
  '{{range $key,$element := .Attrs}}{{if ne $key "name"}}{{$key}}={{$element}}{{end}}{{end}}\n' +
  '{{end}}{{end}}';

/** A line `ipam <local peer> <RangeNumIPs> <ActiveIPs>`, then the ring entries of the local peer and of unknown peers, one JSON object a line. */
const IPAM_TEMPLATE =
  '{{$me := .Router.Name}}{{if .IPAM}}ipam {{$me}} {{.IPAM.RangeNumIPs}} {{.IPAM.ActiveIPs}}\n' +
  '{{range .IPAM.Entries}}{{if or (eq .Peer $me) (not .IsKnownPeer)}}{{json .}}\n{{end}}{{end}}{{end}}';

/** The template weavectl sends: the connections worth reading, then the IPAM digest. */
export const DIGEST_TEMPLATE = CONNECTIONS_TEMPLATE + IPAM_TEMPLATE;

export interface ReportDigest {
  /** The lines of `status connections` other than the ones refused by CONN_LIMIT. */
  connections: string;
  /** Undefined when weave runs without IPAM (no `.IPAM` in its report). */
  ipam?: {
    /** The local peer's name. */
    peer: string;
    total: number;
    active: number;
    entries: { peer: string; nickname: string; size: number; known: boolean }[];
  };
}

/** Parses the output of DIGEST_TEMPLATE; throws StatusParseError on text it cannot be. */
export function parseDigest(text: string): ReportDigest {
  const conn: string[] = [];
  let ipam: ReportDigest['ipam'];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (line.startsWith('->') || line.startsWith('<-')) {
      if (ipam) throw new StatusParseError(`a connection after the IPAM part: ${line.slice(0, 80)}`);
      conn.push(line);
      continue;
    }
    const head = /^ipam (\S+) (\d+) (\d+)$/.exec(line);
    if (head) {
      if (ipam) throw new StatusParseError('two IPAM parts');
      ipam = { peer: head[1]!, total: Number(head[2]), active: Number(head[3]), entries: [] };
      continue;
    }
    if (ipam && line.startsWith('{')) {
      let e: Record<string, unknown>;
      try {
        e = JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new StatusParseError(`not a ring entry: ${line.slice(0, 80)}`);
      }
      if (typeof e.Peer !== 'string' || typeof e.Size !== 'number' || typeof e.IsKnownPeer !== 'boolean') {
        throw new StatusParseError(`not a ring entry: ${line.slice(0, 80)}`);
      }
      ipam.entries.push({ peer: e.Peer, nickname: typeof e.Nickname === 'string' ? e.Nickname : '', size: e.Size, known: e.IsKnownPeer });
      continue;
    }
    throw new StatusParseError(`not the output of weavectl's report template: ${line.slice(0, 80)}`);
  }
  return { connections: conn.length ? `${conn.join('\n')}\n` : '', ...(ipam ? { ipam } : {}) };
}

/**
 * Go's `%04.1f` of float32(ips)*100/float32(total), as a number (http.go printIPAMRanges): the
 * float32 quotient (24-bit mantissa) is exact when scaled by 10 in a double; ties to even.
 */
export function ipamPercent(ips: number, total: number): number {
  const f = Math.fround;
  if (total <= 0) return 0;
  const scaled = f(f(f(ips) * 100) / f(total)) * 10;
  let n = Math.floor(scaled);
  const frac = scaled - n;
  if (frac > 0.5 || (frac === 0.5 && n % 2 === 1)) n += 1;
  return n / 10;
}

/** The owners `status ipam` would print from the digest's entries: summed per peer, the local peer first. */
export function ipamOwners(d: NonNullable<ReportDigest['ipam']>): IpamOwner[] {
  const by = new Map<string, IpamOwner>();
  for (const e of d.entries) {
    const o = by.get(e.peer);
    if (o) o.ips += e.size;
    else by.set(e.peer, { peer: e.peer, nickname: e.nickname, ips: e.size, percent: 0, reachable: e.known, local: e.peer === d.peer });
  }
  const out = [...by.values()].sort((a, b) => Number(b.local) - Number(a.local));
  for (const o of out) {
    o.percent = ipamPercent(o.ips, d.total);
    if (o.local) o.active = d.active;
  }
  return out;
}
