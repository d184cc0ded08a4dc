/**
 * What `weavectl status` asks each node's weave for (with the bridge address): one
 * `weave --local report -f TEMPLATE` that prints only what the report needs, instead of
 * `weave --local status`, `status connections` and `status ipam`. The last two grow with the number
 * of nodes on every node (so with its square in all): weave lists every target in `status
 * connections`, those over CONN_LIMIT too, and every owner of address space in `status ipam`; and
 * one exec instead of three is a third of the streams through the API server. Pure.
 *
 * Upstream facts (weaveworks/weave v1.9.4 … v2.8.1, rajch/weave v2.8.2 … v2.9.0):
 * - `weave report -f FORMAT` GETs `/report?format=FORMAT`, which parses FORMAT as a Go
 *   text/template with one function, `json` (compact json.Marshal), and executes it on the
 *   WeaveStatus struct (prog/weaver/http.go HandleHTTP; the `weave` script's `report)` case).
 * - `status connections` is http.go's connectionsTemplate, the same text at every one of those
 *   tags; CONNECTIONS_TEMPLATE below prints its lines byte for byte (./parse.ts reads them), except
 *   the established fastdp ones, which it only counts with their encryption and MTU.
 * - A target the router did not dial because it is at CONN_LIMIT is listed `failed` with the Info
 *   "Connection limit reached (N), retry: ..." (v2.8.1 vendor/github.com/weaveworks/mesh/
 *   local_peer.go checkConnectionLimit, status.go makeLocalConnectionStatusSlice). Those are left
 *   out: the limit at work, not a fault (ConnectionsSummary.limited).
 * - The IPAM ring: ipam/status.go EntryStatus {Token, Size, Peer, Nickname, IsKnownPeer, Version}
 *   per ring entry; `status ipam` (http.go printIPAMRanges) sums Size per Peer, prints the local
 *   peer first with "(ActiveIPs active)" and marks a peer with !IsKnownPeer "unreachable!", its
 *   share as `%04.1f` of float32(ips)*100/float32(RangeNumIPs). IPAM_TEMPLATE prints the entries
 *   of the local peer and of unknown peers only; ipamOwners sums them as printIPAMRanges does.
 * - `weave status` (http.go statusTemplate, the same logic at v1.9.4 and v2.8.1): the IPAM Status
 *   line is "all IP ranges owned by unreachable peers" when every ring entry's peer is unknown
 *   (allIPAMOwnersUnreachable; every entry of AllRangeInfo has a size), "waiting for IP(s) to
 *   become available" with PendingAllocates ("waiting for IP range grant from peers" before 2.0),
 *   "ready" otherwise; without entries "awaiting consensus (quorum: Q, known: K)" when Paxos is an
 *   elector, "priming" when Paxos is set, else "idle" (ipamStatus below). The format handler has
 *   none of the template's helper functions, so the digest prints the counts and ipamStatus decides.
 * - The /status handlers answer 503 while the router is not ready (and the script then exits 1);
 *   the format handler does not look: the digest prints `.Ready`. WeaveStatus has Ready from v2.0.0
 *   on; on weave 1.9.x the template fails at `.Ready` after "weave " was written, so the answer is a
 *   200 "weave error during template execution" (digestRefused), and the three status commands are
 *   asked instead (./collect.ts probePod).
 * - At v1.9.4 … v2.3.0 the /report route is `Queries("format", "{format}")` of gorilla/mux, whose
 *   default pattern for a query value is `[^?&]*`, matched against the decoded value: a template
 *   with `?` or `&` would not reach the handler (a 404: the script exits 4). DIGEST_TEMPLATE has
 *   neither (test/status/digest.test.ts).
 */
import type { IpamOwner, IpamStatus, WeaveStatus } from './parse.js';
import { StatusParseError } from './parse.js';
import { ipamPercent } from '../weave/ipam-percent.js';

/** What `weave status` says that the report needs: readiness, version, names, encryption, how many peers and connections. */
const STATUS_TEMPLATE =
  'weave {{.Ready}} {{json .Version}}\n' +
  'router {{json .Router.Name}} {{json .Router.NickName}} {{.Router.Encryption}} {{len .Router.Peers}} {{len .Router.Connections}}\n';

/** One line of v2.8.1 prog/weaver/http.go connectionsTemplate (after its `escape`): what `status connections` prints. */
const CONNECTION_LINE =
  '{{if .Outbound}}->{{else}}<-{{end}} {{printf "%-21v" .Address}} {{printf "%-11v" .State}} {{.Info}} ' +
  '{{range $key,$element := .Attrs}}{{if ne $key "name"}}{{$key}}={{$element}}{{end}}{{end}}\n';

/**
 * An established connection over fastdp, the healthy majority (up to CONN_LIMIT a node), in short:
 * `=` and the first 11 characters of its Info ("encrypted  ", "unencrypted" with a password; mesh
 * status.go pads that word to 11), `|` and its MTU. The overlay is Attrs "name" (router/fastdp.go
 * Attrs). Only the connections that are worth naming are printed whole.
 */
const FASTDP_SHORT = '={{printf "%.11s" .Info}}|{{index .Attrs "mtu"}}\n';

/**
 * The connections, but not the targets CONN_LIMIT refused. `and` evaluates both its arguments before
 * Go 1.18 (weave 2.8.1 is built with Go 1.15), so the nil Attrs of a target is only indexed under the
 * `if`; a typed nil map would index to nothing anyway (text/template funcs.go index).
 */
const CONNECTIONS_TEMPLATE =
  '{{range .Router.Connections}}{{if ne (printf "%.24s" .Info) "Connection limit reached"}}' +
  `{{if and (eq .State "established") .Attrs}}{{if eq (index .Attrs "name") "fastdp"}}${FASTDP_SHORT}{{else}}${CONNECTION_LINE}{{end}}` +
  `{{else}}${CONNECTION_LINE}{{end}}` +
  '{{end}}{{end}}';

/**
 * A line `ipam <local peer> <RangeNumIPs> <ActiveIPs> <entries> <pending allocations> <Paxos as JSON> <Range as JSON>`,
 * then the ring entries of the local peer and of unknown peers, one JSON object a line.
 */
const IPAM_TEMPLATE =
  '{{$me := .Router.Name}}{{if .IPAM}}ipam {{$me}} {{.IPAM.RangeNumIPs}} {{.IPAM.ActiveIPs}} {{len .IPAM.Entries}} {{len .IPAM.PendingAllocates}} {{json .IPAM.Paxos}} {{json .IPAM.Range}}\n' +
  '{{range .IPAM.Entries}}{{if or (eq .Peer $me) (not .IsKnownPeer)}}{{json .}}\n{{end}}{{end}}{{end}}';

/** The template weavectl sends: the status, the connections worth reading, then the IPAM digest. */
export const DIGEST_TEMPLATE = STATUS_TEMPLATE + CONNECTIONS_TEMPLATE + IPAM_TEMPLATE;

export interface ReportDigest {
  /** The router's /status would answer 503 (`weave status` exits 1). */
  ready: boolean;
  /** What `weave status` would say, as ./parse.ts parseWeaveStatus gives it. */
  weave: WeaveStatus;
  /** The established fastdp connections, counted (FASTDP_SHORT). */
  fastdp: { count: number; encrypted: number; unencrypted: number; mtus: Set<number> };
  /** The other lines of `status connections`, but not the ones refused by CONN_LIMIT. */
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

/**
 * Whether weave refused the template: exit code not 0 (the weave script's http_call on a 400 for a
 * template that does not parse, or a 500), or the text ends with "error during template execution":
 * http.go executes the template straight into the response, so an execution error after some output
 * is sent with status 200, that output and the message (v2.8.1 prog/weaver/http.go HandleHTTP).
 */
export function digestRefused(r: { stdout: string; exitCode: number }): boolean {
  return r.exitCode !== 0 || /error during template execution\s*$/.test(r.stdout);
}

function jsonField<T>(text: string, what: string, ok: (v: unknown) => v is T): T {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new StatusParseError(`not ${what}: ${text.slice(0, 80)}`);
  }
  if (!ok(v)) throw new StatusParseError(`not ${what}: ${text.slice(0, 80)}`);
  return v;
}
const isString = (v: unknown): v is string => typeof v === 'string';
const isPaxos = (v: unknown): v is { Elector?: boolean; KnownNodes?: number; Quorum?: number } | null => v === null || (typeof v === 'object' && !Array.isArray(v));

/**
 * The IPAM Status line of `weave status` (http.go statusTemplate): from the ring's entries (`known`:
 * how many belong to known peers), the pending allocations and Paxos.
 */
export function ipamStatus(
  d: { entries: number; known: number; pending: number; paxos: { Elector?: boolean; KnownNodes?: number; Quorum?: number } | null },
  version: string | undefined,
): IpamStatus {
  if (d.entries > 0) {
    if (d.known === 0) return { state: 'all-owners-unreachable', text: "all IP ranges owned by unreachable peers - use 'rmpeer' if they are dead" };
    if (d.pending > 0) return { state: 'waiting-for-ips', text: /^1\./.test(version ?? '') ? 'waiting for IP range grant from peers' : 'waiting for IP(s) to become available' };
    return { state: 'ready', text: 'ready' };
  }
  if (d.paxos) {
    if (d.paxos.Elector) {
      const quorum = Number(d.paxos.Quorum ?? 0);
      const known = Number(d.paxos.KnownNodes ?? 0);
      return { state: 'awaiting-consensus', text: `awaiting consensus (quorum: ${quorum}, known: ${known})`, quorum, known };
    }
    return { state: 'priming', text: 'priming' };
  }
  return { state: 'idle', text: 'idle' };
}

/** Parses the output of DIGEST_TEMPLATE; throws StatusParseError on text it cannot be. */
export function parseDigest(text: string): ReportDigest {
  const conn: string[] = [];
  const byState: Record<string, number> = {};
  const fastdp: ReportDigest['fastdp'] = { count: 0, encrypted: 0, unencrypted: 0, mtus: new Set() };
  let head: { ready: boolean; version: string } | undefined;
  let router: { name: string; nickname: string; encryption: boolean; peers: number; connections: number } | undefined;
  let ipam: ReportDigest['ipam'];
  let ipamHead: { entries: number; pending: number; paxos: { Elector?: boolean; KnownNodes?: number; Quorum?: number } | null; range: string } | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (!head) {
      const m = /^weave (true|false) (".*")$/.exec(line);
      if (!m) throw new StatusParseError(`not the output of weavectl's report template: ${line.slice(0, 80)}`);
      head = { ready: m[1] === 'true', version: jsonField(m[2]!, 'a version', isString) };
      continue;
    }
    if (!router) {
      const m = /^router (".*?") (".*") (true|false) (\d+) (\d+)$/.exec(line);
      if (!m) throw new StatusParseError(`not the router line of weavectl's report template: ${line.slice(0, 80)}`);
      router = { name: jsonField(m[1]!, 'a peer name', isString), nickname: jsonField(m[2]!, 'a nickname', isString), encryption: m[3] === 'true', peers: Number(m[4]), connections: Number(m[5]) };
      continue;
    }
    if (line.startsWith('=')) {
      if (ipam) throw new StatusParseError(`a connection after the IPAM part: ${line.slice(0, 80)}`);
      const m = /^=(.{0,11})\|(.*)$/.exec(line);
      if (!m) throw new StatusParseError(`not a fastdp connection: ${line.slice(0, 80)}`);
      fastdp.count++;
      if (m[1]!.startsWith('encrypted')) fastdp.encrypted++;
      else if (m[1]!.startsWith('unencrypted')) fastdp.unencrypted++;
      if (/^\d+$/.test(m[2]!)) fastdp.mtus.add(Number(m[2]));
      byState.established = (byState.established ?? 0) + 1;
      continue;
    }
    if (line.startsWith('->') || line.startsWith('<-')) {
      if (ipam) throw new StatusParseError(`a connection after the IPAM part: ${line.slice(0, 80)}`);
      conn.push(line);
      const state = /^(?:->|<-)\s+\S+\s+(\S+)/.exec(line)?.[1];
      if (state) byState[state] = (byState[state] ?? 0) + 1;
      continue;
    }
    const ih = /^ipam (\S+) (\d+) (\d+) (\d+) (\d+) (null|\{.*\}) (".*")$/.exec(line);
    if (ih) {
      if (ipam) throw new StatusParseError('two IPAM parts');
      ipam = { peer: ih[1]!, total: Number(ih[2]), active: Number(ih[3]), entries: [] };
      ipamHead = { entries: Number(ih[4]), pending: Number(ih[5]), paxos: jsonField(ih[6]!, 'Paxos', isPaxos), range: jsonField(ih[7]!, 'a range', isString) };
      continue;
    }
    if (ipam && line.startsWith('{')) {
      const e = jsonField(line, 'a ring entry', (v): v is Record<string, unknown> => typeof v === 'object' && v !== null);
      if (typeof e.Peer !== 'string' || typeof e.Size !== 'number' || typeof e.IsKnownPeer !== 'boolean') {
        throw new StatusParseError(`not a ring entry: ${line.slice(0, 80)}`);
      }
      ipam.entries.push({ peer: e.Peer, nickname: typeof e.Nickname === 'string' ? e.Nickname : '', size: e.Size, known: e.IsKnownPeer });
      continue;
    }
    throw new StatusParseError(`not the output of weavectl's report template: ${line.slice(0, 80)}`);
  }
  if (!head || !router) throw new StatusParseError("not the output of weavectl's report template: " + (text.trim() ? text.trim().split('\n')[0]!.slice(0, 80) : 'no output'));
  // The targets CONN_LIMIT refused are not printed: they are the rest of the count, all `failed`.
  const refused = router.connections - conn.length - fastdp.count;
  if (refused > 0) byState.failed = (byState.failed ?? 0) + refused;
  const weave: WeaveStatus = {
    version: head.version,
    name: router.name,
    nickname: router.nickname,
    encryption: router.encryption,
    peers: router.peers,
    connections: { total: router.connections, byState },
  };
  if (ipam && ipamHead) {
    // Every entry not printed belongs to a known peer other than this one.
    const printedKnown = ipam.entries.filter((e) => e.known).length;
    const known = printedKnown + (ipamHead.entries - ipam.entries.length);
    weave.ipam = { status: ipamStatus({ entries: ipamHead.entries, known, pending: ipamHead.pending, paxos: ipamHead.paxos }, head.version), range: ipamHead.range };
  }
  return { ready: head.ready, weave, fastdp, connections: conn.length ? `${conn.join('\n')}\n` : '', ...(ipam ? { ipam } : {}) };
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
