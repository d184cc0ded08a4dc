/**
 * The IPAM ring's memory of peers whose node was deleted, `weave --local rmpeer` and
 * `weave --local report` (the /report JSON) of the Weave Net pod imitation.
 *
 * What Weave does (weaveworks/weave v2.8.1):
 * - A peer's ranges stay in the ring when the peer goes away: ring entries change owner only by
 *   `Ring.Transfer` (ipam/ring/ring.go), which `Allocator.AdminTakeoverRanges` (ipam/allocator.go)
 *   runs for `DELETE /peer/{id}` (prog/weaver/discovery.go), which `weave rmpeer` calls (the weave
 *   script: `call_weave DELETE /peer/$PEER`). The answer is `"%d IPs taken over from %s\n"`, 0 for a
 *   peer (name or nickname) it does not know or for itself. The peer running it becomes the owner.
 * - weave-kube >= 2.0 reclaims a deleted node's peer by itself (prog/kube-utils/main.go
 *   reclaimRemovedPeers, at pod start and, with -run-reclaim-daemon, on node delete events) when that
 *   works. The simulator models the case where it did not (the reclaim daemon died, Weave < 2.0, the
 *   weave-net ConfigMap unwritable...): the deleted node's peer stays in the ring as an unreachable
 *   owner, and the targets weave got at launch (KUBE_PEERS) keep its address.
 * - `weave report` (the script: `call_weave GET /report -H 'Accept: application/json'`) prints
 *   prog/weaver/http.go's WeaveStatus as `json.MarshalIndent(status, "", "    ")`: Ready, Version,
 *   VersionCheck, Router (mesh status.go Status plus Interface, CaptureStats, MACs), IPAM
 *   (ipam/status.go Status: Paxos, Range, RangeNumIPs, ActiveIPs, DefaultSubnet, Entries with Token,
 *   Size, Peer, Nickname, IsKnownPeer, Version, PendingClaims, PendingAllocates).
 *
 * A deleted node joins the ring memory when a weave-net pod was running on it at the moment of
 * deletion (it had joined the mesh); a node created again under the same name leaves it.
 */
import type { Store } from './store.js';
import type { Obj } from './types.js';
import {
  localConnections,
  peerName,
  peerView,
  WEAVE_DEFAULT_RANGE,
  WEAVE_PORT,
  WEAVE_SCRIPT,
  connectionsOf,
  type ExecOutcome,
  type WeaveView,
} from './weave-node.js';
import { formatIp, networkAddress, parseCidr } from '../../../src/net/cidr.js';
import { execGoTemplate, goJsonMarshal, GoTemplateError } from './go-template.js';

/** A peer whose node was deleted while its weave ran. */
export interface DepartedPeer {
  node: string;
  internalIP: string;
  /** The node's creationTimestamp: its place in the join order. */
  joined: string;
}

export interface RingState {
  /** By node name. */
  departed: Map<string, DepartedPeer>;
  /** Node of a peer whose ranges were taken over -> node of the peer that took them. */
  takenOver: Map<string, string>;
}

const states = new WeakMap<object, RingState>();

/** The ring memory of a simulator (created empty on first use). */
export function ringState(sim: object): RingState {
  let s = states.get(sim);
  if (!s) {
    s = { departed: new Map(), takenOver: new Map() };
    states.set(sim, s);
  }
  return s;
}

function weaveRunningOn(store: Pick<Store, 'list'>, node: string): boolean {
  return store.list('pods').some(
    (p) =>
      p['metadata']?.['labels']?.['name'] === 'weave-net' &&
      p['spec']?.['nodeName'] === node &&
      ((p['status']?.['containerStatuses'] ?? []) as Obj[]).some((c) => c?.['name'] === 'weave' && c?.['state']?.['running']),
  );
}

function internalIP(node: Obj): string {
  const addrs = node['status']?.['addresses'];
  const a = Array.isArray(addrs) ? addrs.find((x: Obj) => x?.['type'] === 'InternalIP') : undefined;
  return String(a?.['address'] ?? '');
}

/** Remembers the weave peers of deleted nodes (see the file comment). Returns the unsubscribe function. */
export function trackRing(sim: { store: Pick<Store, 'list' | 'subscribe'> }): () => void {
  const state = ringState(sim);
  return sim.store.subscribe('nodes', (e) => {
    const name = e.name;
    if (e.type === 'DELETED') {
      // The pod garbage collector deletes the node's pods a step later: they are still here.
      if (weaveRunningOn(sim.store, name)) {
        state.departed.set(name, { node: name, internalIP: internalIP(e.prev ?? e.object), joined: String(e.object['metadata']?.['creationTimestamp'] ?? '') });
      }
    } else if (e.type === 'ADDED' && state.departed.has(name)) {
      state.departed.delete(name);
      state.takenOver.delete(name);
    }
  });
}

/** The departed peers as Node-like objects (NotReady: no conditions), for the join order of weaveViewFor. */
export function departedNodeObjects(sim: object): Obj[] {
  return [...ringState(sim).departed.values()].map((d) => ({
    metadata: { name: d.node, creationTimestamp: d.joined },
    status: { addresses: d.internalIP ? [{ type: 'InternalIP', address: d.internalIP }] : [] },
  }));
}

// ---------------------------------------------------------------------------------------------
// weave --local rmpeer

/** The peer `ident` names (peer name or nickname, as lookupPeername): its node, or undefined. */
function lookupPeer(view: WeaveView, ident: string): string | undefined {
  for (const n of view.nodes) if (n.name === ident || peerName(n.name) === ident) return n.name;
  for (const n of view.takenOver?.keys() ?? []) if (n === ident || peerName(n) === ident) return n;
  return undefined;
}

/**
 * `weave --local rmpeer PEER...` run on `local`: each peer's ranges move to the local peer.
 * Mutates the ring state; the view must be the one computed for this exec.
 */
export function rmpeer(state: RingState, view: WeaveView, local: string, idents: readonly string[]): ExecOutcome {
  if (idents.length === 0) return { stdout: '', stderr: 'Usage: weave rmpeer <peer_id> ...\n', exitCode: 1 };
  let stdout = '';
  const shares = peerView(view, local).shares;
  for (const ident of idents) {
    const node = lookupPeer(view, ident);
    if (node === undefined || node === local) {
      stdout += `0 IPs taken over from ${ident}\n`;
      continue;
    }
    const owned = shares.filter((s) => s.node === node).reduce((sum, s) => sum + s.size, 0);
    // Ranges it owned itself, and those it had taken over from others, are now the local peer's.
    const owner = (n: string) => state.takenOver.get(n) ?? n;
    for (const n of view.nodes.map((x) => x.name)) if (n !== local && owner(n) === node) state.takenOver.set(n, local);
    stdout += `${owned} IPs taken over from ${ident}\n`;
  }
  return { stdout, stderr: '', exitCode: 0 };
}

// ---------------------------------------------------------------------------------------------
// weave --local report

/** `weave --local report` (JSON) as the peer on `nodeName` answers it. */
export function weaveReport(view: WeaveView, nodeName: string): string {
  return JSON.stringify(weaveReportObject(view, nodeName), null, 4);
}

/**
 * The WeaveStatus object behind /report. Router.Peers (every peer and its connections: the square
 * of the nodes) is computed only when read.
 */
export function weaveReportObject(view: WeaveView, nodeName: string): Record<string, unknown> {
  const pv = peerView(view, nodeName);
  const reachable = new Set(pv.reachable.map((n) => n.name));
  const range = parseCidr(view.ipallocRange ?? WEAVE_DEFAULT_RANGE);
  const total = 2 ** (32 - range.prefix);
  const conns = localConnections(view, pv).map((c) => ({
    Address: c.address,
    Outbound: c.outbound,
    State: c.state,
    Info: c.info,
    // The overlay's map, with "encrypted": true under a password (mesh status.go), sleeve where
    // the path MTU made the overlay switch fall back: the same map `status connections` prints.
    Attrs: c.attrs && { ...c.attrs },
  }));
  // Built on access, element by element: `{{len .Router.Peers}}` (weavectl's status digest) needs
  // only the count, and the whole list costs peers x connections objects on every call.
  const peers = () =>
    lazyArray(pv.reachable, (p, i) => ({
      Name: peerName(p.name),
      NickName: p.name,
      UID: 1000 + i,
      ShortID: i + 1,
      Version: 1,
      Connections: connectionsOf(view, pv, p).map((c) => ({ Name: peerName(c.remote.name), NickName: c.remote.name, Address: c.address, Outbound: c.outbound, Established: true })),
    }));
  // Ring entries in token order (ipam/status.go newEntryStatusSlice: allocator.ring.AllRangeInfo()).
  const entries = pv.shares
    .filter((s) => s.size > 0)
    .map((s) => ({ Token: formatIp(s.start), Size: s.size, Peer: peerName(s.node), Nickname: s.node, IsKnownPeer: reachable.has(s.node), Version: 1 }))
    .sort((a, b) => parseIpNum(a.Token) - parseIpNum(b.Token));
  const active = (view.pods ?? []).filter((p) => p.nodeName === nodeName && !p.hostNetwork && p.podIP).length + (entries.some((e) => e.Peer === peerName(nodeName)) ? 1 : 0);
  const quorum = Math.floor(view.nodes.length / 2) + 1;
  const report: Record<string, unknown> & { Router: Record<string, unknown> } = {
    Ready: true,
    Version: view.version,
    VersionCheck: { Enabled: !view.checkpointDisabled, Success: false, NewVersion: '', NextCheckAt: new Date((view.now ?? new Date()).getTime() + 3_600_000).toISOString() },
    Router: {
      Protocol: 'weave',
      ProtocolMinVersion: 1,
      ProtocolMaxVersion: 2,
      Encryption: !!view.encryption,
      PeerDiscovery: true,
      Name: peerName(nodeName),
      NickName: nodeName,
      Port: WEAVE_PORT,
      Peers: null as unknown,
      UnicastRoutes: null,
      BroadcastRoutes: null,
      Connections: conns,
      TerminationCount: 0,
      Targets: view.nodes.filter((n) => n.name !== nodeName).map((n) => n.internalIP),
      OverlayDiagnostics: { fastdp: { Vports: null, Flows: null }, sleeve: null },
      TrustedSubnets: [],
      Interface: 'datapath (via ODP)',
      CaptureStats: { FlowMisses: 0 },
      MACs: null,
    },
    IPAM: {
      Paxos: view.awaitingConsensus ? { Elector: true, KnownNodes: pv.reachable.length, Quorum: quorum } : null,
      Range: `${formatIp(networkAddress(range))}/${range.prefix}`,
      RangeNumIPs: total,
      ActiveIPs: active,
      DefaultSubnet: `${formatIp(networkAddress(range))}/${range.prefix}`,
      Entries: view.awaitingConsensus ? null : entries,
      PendingClaims: null,
      PendingAllocates: null,
    },
    DNS: null,
  };
  Object.defineProperty(report.Router, 'Peers', { get: peers, enumerable: true });
  // WeaveStatus has had Ready since v2.0.0 (prog/weaver/http.go; absent at v1.9.4 … v1.9.8).
  if (/^1\./.test(view.version)) delete report.Ready;
  return report;
}

/**
 * `weave --local report -f FORMAT`: http.go's /report handler (v2.8.1 prog/weaver/http.go) parses
 * FORMAT as a Go template named "format" with one function, `json` (json.Marshal, compact), and
 * executes it on WeaveStatus (go-template.ts evaluates Go's text/template language).
 * - A parse error is `http.Error(w, err.Error(), 400)`: the weave script's curl prints the body on
 *   stderr and exits 1.
 * - An execution error is logged and answered with `http.Error(w, "error during template execution",
 *   500)`; but Execute writes to the ResponseWriter as it goes, and its first Write has already sent
 *   200 when the template wrote anything before failing: then the body is that output followed by
 *   the message, on stdout, exit 0 (net/http: a WriteHeader after the first Write is superfluous).
 */
export function weaveReportFormat(view: WeaveView, nodeName: string, format: string): ExecOutcome {
  const report = weaveReportObject(view, nodeName);
  try {
    return { stdout: execGoTemplate(format, report, { json: (v: unknown) => goJsonMarshal(v) }), stderr: '', exitCode: 0 };
  } catch (e) {
    if (!(e instanceof GoTemplateError)) throw e;
    if (e.phase === 'parse') return { stdout: '', stderr: `${e.message}\n`, exitCode: 1 };
    const body = 'error during template execution\n';
    return e.wrote ? { stdout: e.output + body, stderr: '', exitCode: 0 } : { stdout: '', stderr: body, exitCode: 1 };
  }
}

/** An array of `from.length` elements, each made by `make` the first time it is read. */
function lazyArray<T, U>(from: readonly T[], make: (item: T, i: number) => U): U[] {
  const cache = new Array<U>(from.length).fill(undefined as U); // no holes: forEach and `in` see every index
  const made: boolean[] = new Array(from.length).fill(false);
  return new Proxy(cache, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && /^\d+$/.test(prop)) {
        const i = Number(prop);
        if (i < from.length && !made[i]) {
          target[i] = make(from[i]!, i);
          made[i] = true;
        }
      }
      return Reflect.get(target, prop, receiver);
    },
  });
}

function parseIpNum(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

/**
 * The ring commands of the weave container: `weave --local rmpeer ...` (changes the ring) and
 * `weave --local report`; undefined for every other command.
 */
export function ringExec(state: RingState, view: WeaveView, nodeName: string, container: string, argv: readonly string[]): ExecOutcome | undefined {
  const [cmd, local, verb, ...args] = argv;
  if (container !== 'weave' || (cmd !== WEAVE_SCRIPT && cmd !== './weave' && cmd !== 'weave') || local !== '--local') return undefined;
  if (!view.nodes.some((n) => n.name === nodeName)) return undefined;
  if (verb === 'rmpeer') return rmpeer(state, view, nodeName, args);
  if (verb === 'report' && args.length === 0) return { stdout: weaveReport(view, nodeName), stderr: '', exitCode: 0 };
  if (verb === 'report' && args.length === 2 && args[0] === '-f') return weaveReportFormat(view, nodeName, args[1]!);
  return undefined;
}
