/**
 * The peers of Weave Net's IPAM ring: who owns which addresses, on which node, whether that node
 * still exists, which nodes reach it; and which peers may be removed (`rmpeer`). Pure.
 *
 * Sources (weaveworks/weave v2.8.1):
 * - `weave --local status ipam` (prog/weaver/http.go printIPAMRanges): one line per peer that owns
 *   part of the ring, the local peer first, the others with "- unreachable!" when the answering
 *   peer does not know them (allocator.isKnownPeer); parsed by src/status/parse.ts.
 * - `weave --local report` (http.go GET /report, `json.MarshalIndent` of WeaveStatus): IPAM.Entries
 *   are the ring (ipam/status.go EntryStatus: Token, Size, Peer, Nickname, IsKnownPeer, Version),
 *   one entry per run of addresses, in token order; a peer's addresses are the runs it owns.
 * - A peer's nickname is its node's name: weave-kube's launch.sh passes `--nickname=$HOSTNAME` and
 *   the manifest sets HOSTNAME from `spec.nodeName` (prog/weave-kube/launch.sh, the 2.8.1 manifest).
 * - `weave rmpeer PEER` (the weave script: `call_weave DELETE /peer/$PEER`; prog/weaver/discovery.go)
 *   moves every range PEER owns to the peer that runs it (ipam/allocator.go AdminTakeoverRanges,
 *   ring.go Transfer) and prints "%d IPs taken over from %s". It asks nothing: run on a live peer,
 *   two peers then hand out the same addresses. Hence the rule here: only a peer whose node is gone
 *   from the API and that no node reaches, with every node's weave answering, in one pod, once.
 */
import { ipamPercent } from '../weave/ipam-percent.js';
import { rangeToCidrs } from '../net/range.js';
import type { IpamOwner } from '../status/parse.js';
import { StatusParseError } from '../status/parse.js';
import { naturalCompare } from '../status/text.js';

// ---------------------------------------------------------------------------------------------
// weave --local report: the ring

export interface RingEntry {
  /** First address of the run ("172.25.96.0"). */
  token: string;
  size: number;
  peer: string;
  nickname: string;
  isKnownPeer: boolean;
}

export interface RingReport {
  /** The answering peer. */
  name?: string;
  range?: string;
  rangeNumIPs?: number;
  entries: RingEntry[];
}

/** Reads the IPAM part of `weave --local report`. Throws StatusParseError when it is not that JSON. */
export function parseRingReport(text: string): RingReport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new StatusParseError(`not the output of "weave report": ${JSON.stringify(text.trim().slice(0, 80))}`);
  }
  if (!doc || typeof doc !== 'object' || !('Version' in doc)) throw new StatusParseError('not the output of "weave report": no Version');
  const d = doc as { Router?: { Name?: unknown }; IPAM?: { Range?: unknown; RangeNumIPs?: unknown; Entries?: unknown } | null };
  const out: RingReport = { entries: [] };
  if (typeof d.Router?.Name === 'string') out.name = d.Router.Name;
  const ipam = d.IPAM;
  if (ipam && typeof ipam === 'object') {
    if (typeof ipam.Range === 'string') out.range = ipam.Range;
    if (typeof ipam.RangeNumIPs === 'number') out.rangeNumIPs = ipam.RangeNumIPs;
    if (Array.isArray(ipam.Entries)) {
      for (const e of ipam.Entries as Record<string, unknown>[]) {
        if (!e || typeof e.Token !== 'string' || typeof e.Size !== 'number' || typeof e.Peer !== 'string') continue;
        out.entries.push({ token: e.Token, size: e.Size, peer: e.Peer, nickname: typeof e.Nickname === 'string' ? e.Nickname : '', isKnownPeer: e.IsKnownPeer === true });
      }
    }
  }
  return out;
}

/** The CIDRs a peer owns, from the ring entries (in token order). */
export function rangesOf(entries: readonly RingEntry[], peer: string): string[] {
  const out: string[] = [];
  for (const e of entries) if (e.peer === peer && e.size > 0) out.push(...rangeToCidrs(e.token, e.size));
  return out;
}

// ---------------------------------------------------------------------------------------------
// The peer list

/** What one node's weave answered (or why it did not). */
export interface NodeAnswer {
  node: string;
  pod: string;
  /** The `status ipam` lines; undefined when the node could not be read. */
  owners?: IpamOwner[];
  error?: string;
}

export interface PeerRow {
  peer: string;
  nickname: string;
  /** The node this peer runs (or ran) on: the node of the pod it answers in, else its nickname. */
  node: string;
  /** A Node of that name is in the API. */
  nodeExists: boolean;
  /** The peer answered in a running weave-net pod (it is some node's local peer). */
  running: boolean;
  /** Other nodes whose weave knows the peer / marks it "unreachable!". */
  reachableFrom: string[];
  unreachableFrom: string[];
  ips: number;
  /** Share of the range, percent; null when the range size is unknown. */
  percent: number | null;
  /** The CIDRs it owns (from the ring); null when the ring could not be read. */
  ranges: string[] | null;
  /** Its node is gone from the API and no node that answered reaches it. */
  gone: boolean;
}

export interface PeersReport {
  namespace: string;
  /** The range of the ring, as weave reports it (null when unknown). */
  range: string | null;
  /** The node whose weave the ring (report) was read from; null when none could be read. */
  ringFrom: string | null;
  /** Nodes asked / answered; the errors of those that did not answer. */
  nodes: { asked: number; answered: number; errors: { node: string; pod: string; error: string }[] };
  peers: PeerRow[];
}

/**
 * The peer list from every node's `status ipam` and one `report`: `nodeNames`, the Nodes in the API;
 * `ring`, the report of one healthy node (undefined when it could not be read).
 */
export function buildPeers(input: {
  namespace: string;
  answers: readonly NodeAnswer[];
  nodeNames: ReadonlySet<string>;
  ring?: { node: string; report: RingReport };
}): PeersReport {
  interface Acc {
    peer: string;
    nickname: string;
    ips: number;
    node?: string;
    reachableFrom: string[];
    unreachableFrom: string[];
  }
  const peers = new Map<string, Acc>();
  const acc = (peer: string, nickname: string): Acc => {
    let a = peers.get(peer);
    if (!a) peers.set(peer, (a = { peer, nickname, ips: 0, reachableFrom: [], unreachableFrom: [] }));
    if (!a.nickname && nickname) a.nickname = nickname;
    return a;
  };
  const errors: PeersReport['nodes']['errors'] = [];
  let answered = 0;
  const answers = [...input.answers].sort((a, b) => naturalCompare(a.node, b.node));
  for (const a of answers) {
    if (!a.owners) {
      errors.push({ node: a.node, pod: a.pod, error: a.error ?? 'no answer' });
      continue;
    }
    answered++;
    for (const o of a.owners) {
      const p = acc(o.peer, o.nickname);
      p.ips = Math.max(p.ips, o.ips);
      if (o.local) p.node = a.node;
      else if (o.reachable) p.reachableFrom.push(a.node);
      else p.unreachableFrom.push(a.node);
    }
  }
  const entries = input.ring?.report.entries;
  for (const e of entries ?? []) {
    const p = acc(e.peer, e.nickname);
    if (!input.answers.some((a) => a.owners)) p.ips += e.size; // no node answered: the ring alone counts
  }
  if (entries && answered > 0) {
    // The ring is the truth for sizes: status ipam may be from different moments on different nodes.
    const sums = new Map<string, number>();
    for (const e of entries) sums.set(e.peer, (sums.get(e.peer) ?? 0) + e.size);
    for (const [peer, ips] of sums) peers.get(peer)!.ips = ips;
  }
  const total = input.ring?.report.rangeNumIPs;
  const rows = [...peers.values()].map((p): PeerRow => {
    const node = p.node ?? p.nickname;
    const nodeExists = input.nodeNames.has(node);
    return {
      peer: p.peer,
      nickname: p.nickname,
      node,
      nodeExists,
      running: p.node !== undefined,
      reachableFrom: p.reachableFrom,
      unreachableFrom: p.unreachableFrom,
      ips: p.ips,
      percent: total ? ipamPercent(p.ips, total) : null, // as weave prints it: Go's %04.1f of a float32 (status shows the same)
      ranges: entries ? rangesOf(entries, p.peer) : null,
      gone: answered > 0 && !nodeExists && p.node === undefined && p.reachableFrom.length === 0,
    };
  });
  rows.sort((a, b) => naturalCompare(a.node, b.node) || naturalCompare(a.peer, b.peer));
  return {
    namespace: input.namespace,
    range: input.ring?.report.range ?? null,
    ringFrom: input.ring?.node ?? null,
    nodes: { asked: input.answers.length, answered, errors },
    peers: rows,
  };
}

// ---------------------------------------------------------------------------------------------
// rmpeer: what may be removed

export interface Refusal {
  /** What was asked for (a peer name or nickname). */
  name: string;
  peer?: string;
  reason: string;
  hint: string;
}

export interface ReclaimPlan {
  reclaim: PeerRow[];
  refused: Refusal[];
}

/**
 * Which of the peers named (peer name or nickname) may be removed: node absent from the API, no
 * node reaches it, it runs in no pod, and every weave-net pod answered (a node that did not answer
 * might reach it). `gone`: every peer that qualifies instead of names.
 */
export function planReclaim(report: PeersReport, what: { names: readonly string[] } | { gone: true }): ReclaimPlan {
  const incomplete = report.nodes.errors.length > 0 || report.nodes.answered === 0;
  const incompleteReason = (): Refusal['reason'] =>
    report.nodes.answered === 0
      ? 'no weave-net pod answered'
      : `${report.nodes.errors.length} of ${report.nodes.asked} weave-net pods did not answer (${report.nodes.errors
          .slice(0, 3)
          .map((e) => e.node)
          .join(', ')}${report.nodes.errors.length > 3 ? ', ...' : ''}): they might still reach it`;
  const check = (name: string, row: PeerRow | undefined): Refusal | undefined => {
    if (!row) return { name, reason: `no peer ${name} owns addresses in the IPAM ring`, hint: 'see the peers with: weavectl peers' };
    const label = `peer ${row.peer}(${row.nickname})`;
    if (row.running) return { name, peer: row.peer, reason: `${label} is the weave of node ${row.node}, which is running`, hint: 'rmpeer is only for peers whose node is gone' };
    if (row.nodeExists) {
      return { name, peer: row.peer, reason: `${label}: node ${row.node} still exists in the API`, hint: `fix weave on node ${row.node}, or delete the node first (kubectl delete node ${row.node}) if it is really gone` };
    }
    if (row.reachableFrom.length > 0) {
      return {
        name,
        peer: row.peer,
        reason: `${label} is still reachable from ${row.reachableFrom.length} node${row.reachableFrom.length === 1 ? '' : 's'} (${row.reachableFrom.slice(0, 3).join(', ')}${row.reachableFrom.length > 3 ? ', ...' : ''})`,
        hint: 'a peer that other nodes reach is alive: removing it would give its addresses out twice',
      };
    }
    if (incomplete) return { name, peer: row.peer, reason: `cannot tell that ${label} is unreachable from every node: ${incompleteReason()}`, hint: 'retry when every weave-net pod runs (weavectl status)' };
    return undefined;
  };
  const reclaim: PeerRow[] = [];
  const refused: Refusal[] = [];
  if ('gone' in what) {
    for (const row of report.peers.filter((p) => p.gone)) {
      const r = check(row.peer, row);
      if (r) refused.push(r);
      else reclaim.push(row);
    }
    return { reclaim, refused };
  }
  const seen = new Set<string>();
  for (const name of what.names) {
    const byName = report.peers.find((p) => p.peer === name);
    const byNick = byName ? [] : report.peers.filter((p) => p.nickname === name || p.node === name);
    if (byNick.length > 1) {
      refused.push({ name, reason: `${byNick.length} peers are called ${name}: ${byNick.map((p) => p.peer).join(', ')}`, hint: 'name the peer by its peer name (a MAC address)' });
      continue;
    }
    const row = byName ?? byNick[0];
    if (row && seen.has(row.peer)) continue;
    if (row) seen.add(row.peer);
    const r = check(name, row);
    if (r) refused.push(r);
    else reclaim.push(row!);
  }
  return { reclaim, refused };
}

// ---------------------------------------------------------------------------------------------
// weave rmpeer's answer

/** "4096 IPs taken over from 02:..." per line (prog/weaver/discovery.go), by the name given. */
export function parseRmpeerOutput(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+) IPs taken over from (\S+)\s*$/.exec(line);
    if (m) out.set(m[2]!, Number(m[1]));
  }
  return out;
}
