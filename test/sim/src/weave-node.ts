/**
 * What the `weave` (and `weave-npc`) container of a Weave Net pod answers, computed from the
 * cluster: the IPAM split of IPALLOC_RANGE among the nodes, `weave --local status` and its
 * `ipam`, `peers`, `connections` and `targets` views, `ip addr show dev weave`, `iptables-save`
 * and `ipset list` (weave-npc's chains and sets built from the Namespaces, Pods and
 * NetworkPolicies). Pure: plain data in, text out.
 *
 * Sources of the formats (read, not copied): weaveworks/weave prog/weaver/http.go (the status
 * templates), weaveworks/mesh status.go (connection states and info), weave npc/{namespace,
 * selector,rule,analyser,ipblock,shortname}.go (ipset names and iptables rules), and captured
 * `iptables-save` / `iptables -L` output of Weave Net 2.5 and 2.8 clusters. The ipset names are
 * the real ones: `weave-` + base-85 of the SHA-1 of the same key weave-npc hashes (checked against
 * captured names, see weave-node.test.ts).
 *
 * Where the real output depends on Go map order (peer lists, connections, policy rules) this
 * imitation uses a stable order instead: nodes in the order given, namespaces by name, policies
 * by namespace and name, rules in the order the policy states them.
 *
 * The IPAM model: peers join in node order; the first owns the whole range; each newcomer takes
 * the upper half of the previous newcomer's share. Four nodes on 172.25.64.0/18 own /19, /20, /21,
 * /21 at 172.25.64.0, .96.0, .112.0, .120.0. The bridge (weave:expose) takes the first address of
 * a node's share, except that the range's own network address is never handed out (RFC 1122, as
 * weave's allocator does), so the first node's bridge is 172.25.64.1.
 */
import { createHash } from 'node:crypto';
import { broadcast, formatIp, networkAddress, parseCidr } from '../../../src/net/cidr.js';
import { linkedPeers } from './conn-limit.js';

export const WEAVE_DEFAULT_RANGE = '10.32.0.0/12';
export const WEAVE_DEFAULT_MTU = 1376;

/**
 * What a connection between two peers runs over a path that carries `pathMtu` bytes (undefined: no
 * limit): fastdp sends its heartbeats as full frames, Ethernet header plus WEAVE_MTU (v2.8.1
 * router/fastdp.go sendHeartbeat), in VXLAN over UDP over IPv4 (8 + 8 + 20 bytes more), so it works
 * only when the path carries WEAVE_MTU + 50; otherwise the overlay switch falls back to sleeve
 * (router/overlay_switch.go), whose MTU is the path's less its own overhead (router/sleeve.go:
 * `mtu := mtbe.underlayPMTU - fwd.overheadDF`; overheadDF = UDPOverhead 28 + the encryptor's packet
 * overhead + its frame overhead (two 6-byte peer names and 2) + EthernetOverhead 14: 62 without a
 * password, whose NonEncryptor prefixes the 6-byte name, 86 with one, whose NaClEncryptor adds the
 * name, an 8-byte sequence number and secretbox's 16: router/frame_crypto.go).
 */
export function overlayOver(pathMtu: number | undefined, weaveMtu: number, o: { encrypted: boolean; noFastdp: boolean }): { overlay: 'fastdp' | 'sleeve'; mtu: number } {
  if (pathMtu === undefined) return { overlay: o.noFastdp ? 'sleeve' : 'fastdp', mtu: weaveMtu };
  if (!o.noFastdp && pathMtu >= weaveMtu + 50) return { overlay: 'fastdp', mtu: weaveMtu };
  return { overlay: 'sleeve', mtu: Math.min(weaveMtu, pathMtu - (o.encrypted ? 86 : 62)) };
}
export const WEAVE_PORT = 6783;
/** The weave script inside the weave-kube image. */
export const WEAVE_SCRIPT = '/home/weave/weave';

// ---------------------------------------------------------------------------------------------
// Inputs

export interface WeaveNode {
  name: string;
  internalIP: string;
  ready: boolean;
}

export interface WeavePod {
  namespace: string;
  name: string;
  labels?: Record<string, string>;
  nodeName?: string;
  podIP?: string;
  hostNetwork?: boolean;
}

export interface WeaveNamespace {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The cluster as one weave peer sees it. */
export interface WeaveView {
  /** Weave Net version ("2.8.1"); decides the npc rule format unless npcFormat says otherwise. */
  version: string;
  /** IPALLOC_RANGE (default 10.32.0.0/12). */
  ipallocRange?: string;
  /** Peers in the order they joined (the node list's order). */
  nodes: WeaveNode[];
  /** Nodes the others cannot reach (fault injection); a NotReady node is unreachable too. */
  unreachable?: ReadonlySet<string>;
  /** IPAM has not reached consensus yet (fault injection): no ranges, no bridge address. */
  awaitingConsensus?: boolean;
  /** WEAVE_PASSWORD is set. */
  encryption?: boolean;
  /** WEAVE_MTU (default 1376). */
  mtu?: number;
  /** WEAVE_NO_FASTDP set: connections use sleeve. */
  noFastdp?: boolean;
  /** CHECKPOINT_DISABLE set. */
  checkpointDisabled?: boolean;
  pods?: WeavePod[];
  namespaces?: WeaveNamespace[];
  /** NetworkPolicy objects as JSON (networking.k8s.io/v1 or extensions/v1beta1). */
  networkPolicies?: unknown[];
  /** 'current' (Weave >= 2.4: egress chains, "(ingress)" comments) or 'legacy' (< 2.4, the plain comments). */
  npcFormat?: NpcFormat;
  /** The weave-npc container's image version (default: `version`) and its command-line flags. */
  npcVersion?: string;
  npcArgs?: string[];
  /** The Kubernetes minor version served (which NetworkPolicy APIs exist); default: both APIs served. */
  k8sMinor?: number;
  /** The clock (the version check line, iptables-save's header). */
  now?: Date;
  /** Data plane faults (faults.ts `partition`): the connection between the two nodes fails. */
  partitioned?: (a: string, b: string) => boolean;
  /** Data plane faults (faults.ts `pathMtu`): the connection falls back to sleeve with this MTU. */
  pathMtu?: (a: string, b: string) => number | undefined;
  /** Ranges moved by `weave rmpeer` (weave-ring.ts): node of the old owner -> node of the new one. */
  takenOver?: ReadonlyMap<string, string>;
  /** CONN_LIMIT (conn-limit.ts; 0 or unset: unlimited). */
  connLimit?: number;
}

export type NpcFormat = 'current' | 'legacy';

/** What one command run in a container answers. */
export interface ExecOutcome {
  stdout: string;
  stderr: string;
  exitCode: number;
}

// ---------------------------------------------------------------------------------------------
// Fault flags on a simulator object

/** Faults a test can set on a simulator: `weaveState(sim).unreachable.add('node-3')`. */
export interface WeaveFaults {
  /** Nodes whose weave peer the others cannot reach. */
  unreachable: Set<string>;
  /** IPAM awaiting consensus on every node. */
  awaitingConsensus: boolean;
  /** Force the npc rule format (default: by the Weave version). */
  npcFormat?: NpcFormat;
}

const faults = new WeakMap<object, WeaveFaults>();

/** The weave fault flags of a simulator (created empty on first use). */
export function weaveState(sim: object): WeaveFaults {
  let f = faults.get(sim);
  if (!f) {
    f = { unreachable: new Set(), awaitingConsensus: false };
    faults.set(sim, f);
  }
  return f;
}

// ---------------------------------------------------------------------------------------------
// Peer names

/**
 * A node's weave peer name: a MAC address (what weave uses), derived deterministically from the
 * node name; locally administered, unicast.
 */
export function peerName(nodeName: string): string {
  const h = createHash('sha256').update(`weave-peer:${nodeName}`).digest();
  const bytes = [...h.subarray(0, 6)];
  bytes[0] = (bytes[0]! & 0xfe) | 0x02;
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

// ---------------------------------------------------------------------------------------------
// IPAM

export interface IpamShare {
  node: string;
  /** The share as a CIDR, or undefined when nothing was left to give this peer. */
  cidr?: string;
  /** First address (unsigned 32-bit). */
  start: number;
  /** Number of addresses owned. */
  size: number;
  /** The weave bridge address (without prefix), undefined without a share. */
  bridge?: string;
}

/**
 * Splits `range` among `nodes` (in join order): the first owns everything, each newcomer takes the
 * upper half of the previous newcomer's share.
 */
export function ipamSplit(range: string, nodes: readonly string[]): IpamShare[] {
  const cidr = parseCidr(range);
  const base = networkAddress(cidr);
  const shares: { start: number; prefix: number; size: number }[] = [];
  for (let i = 0; i < nodes.length; i++) {
    if (i === 0) {
      shares.push({ start: base, prefix: cidr.prefix, size: 2 ** (32 - cidr.prefix) });
      continue;
    }
    const prev = shares[i - 1]!;
    if (prev.size < 2) {
      shares.push({ start: 0, prefix: 32, size: 0 });
      continue;
    }
    prev.prefix += 1;
    prev.size /= 2;
    shares.push({ start: prev.start + prev.size, prefix: prev.prefix, size: prev.size });
  }
  return shares.map((s, i) => {
    const node = nodes[i]!;
    if (s.size === 0) return { node, start: 0, size: 0 };
    let bridge = s.start;
    if (bridge === base) bridge += 1; // never the range's network address
    const usable = bridge < s.start + s.size && bridge !== broadcast(cidr);
    return { node, cidr: `${formatIp(s.start)}/${s.prefix}`, start: s.start, size: s.size, bridge: usable ? formatIp(bridge) : undefined };
  });
}

// ---------------------------------------------------------------------------------------------
// Go formatting helpers

function padRight(s: string, width: number): string {
  return s.length >= width ? s : s + ' '.repeat(width - s.length);
}

function padLeft(s: string, width: number, fill = ' '): string {
  return s.length >= width ? s : fill.repeat(width - s.length) + s;
}

/**
 * Go's `%04.1f` of float32(ips)*100/float32(total) as weave computes it: float32 arithmetic,
 * exact decimal rounding with ties to even.
 */
export function goPercent(ips: number, total: number): string {
  const f = Math.fround;
  const p = f(f(f(ips) * 100) / f(total));
  const scaled = p * 10; // exact in a double: float32 mantissa (24 bits) times 10
  let n = Math.floor(scaled);
  const frac = scaled - n;
  if (frac > 0.5 || (frac === 0.5 && n % 2 === 1)) n += 1;
  const text = `${Math.floor(n / 10)}.${n % 10}`;
  return padLeft(text, 4, '0');
}

/** Go's time.Time.String() of a UTC time (without the monotonic clock reading). */
function goTime(d: Date): string {
  const iso = d.toISOString(); // 2026-12-03T14:30:05.123Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${iso.slice(20, 23)}000000 +0000 UTC`;
}

/** Go's time.Format("2006/01/02 15:04:05") in UTC. */
function goStamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

// ---------------------------------------------------------------------------------------------
// The mesh as seen from one node

export interface PeerView {
  local: WeaveNode;
  /** Nodes this peer is connected to (itself included), in node order. */
  reachable: WeaveNode[];
  shares: IpamShare[];
}

function isUnreachable(view: WeaveView, node: WeaveNode): boolean {
  return !node.ready || (view.unreachable?.has(node.name) ?? false);
}

export function peerView(view: WeaveView, nodeName: string): PeerView {
  const local = view.nodes.find((n) => n.name === nodeName);
  if (!local) throw new Error(`node ${nodeName} is not a weave peer`);
  const reachable = isUnreachable(view, local) ? [local] : view.nodes.filter((n) => n === local || !isUnreachable(view, n));
  const split = view.awaitingConsensus ? [] : ipamSplit(view.ipallocRange ?? WEAVE_DEFAULT_RANGE, view.nodes.map((n) => n.name));
  // Ranges taken over by rmpeer (weave-ring.ts) belong to their new owner; they come after the
  // owners' own shares, so a node's own share stays the first one found for it.
  const moved = view.takenOver;
  const shares = moved && moved.size > 0
    ? [...split.filter((s) => !moved.has(s.node)), ...split.filter((s) => moved.has(s.node)).map((s) => ({ ...s, node: moved.get(s.node)!, bridge: undefined }))]
    : split;
  return { local, reachable, shares };
}

/** A stable "ephemeral" source port for the inbound side of the connection from `from` to `to`. */
function ephemeralPort(from: string, to: string): number {
  const h = createHash('sha256').update(`${from}->${to}`).digest();
  return 32768 + (h.readUInt16BE(0) % (60999 - 32768));
}

interface Conn {
  outbound: boolean;
  address: string;
  remote: WeaveNode;
}

/**
 * Connections between two reachable peers: the later-joined one dialled the earlier one. Under
 * CONN_LIMIT only the pairs conn-limit.ts links are connected.
 */
export function connectionsOf(view: WeaveView, pv: PeerView, of: WeaveNode): Conn[] {
  const at = view.nodes.indexOf(of);
  const reachable = pv.reachable.length === view.nodes.length ? undefined : new Set(pv.reachable);
  const out: Conn[] = [];
  for (const j of linkedPeers(view.nodes.length, at, view.connLimit)) {
    const other = view.nodes[j]!;
    if (reachable && !reachable.has(other)) continue;
    if (at > j) out.push({ outbound: true, address: `${other.internalIP}:${WEAVE_PORT}`, remote: other });
    else out.push({ outbound: false, address: `${other.internalIP}:${ephemeralPort(other.name, of.name)}`, remote: other });
  }
  return out;
}

function nameNick(n: WeaveNode): string {
  return `${peerName(n.name)}(${n.name})`;
}

/** Number of IPs in use on a node: the bridge plus every pod there with a pod-network IP. */
function activeIPs(view: WeaveView, node: string, share: IpamShare | undefined): number {
  const pods = (view.pods ?? []).filter((p) => p.nodeName === node && hasIP(p)).length;
  return pods + (share?.bridge ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------
// weave --local status ...

interface LocalConnectionStatus {
  outbound: boolean;
  address: string;
  state: 'established' | 'pending' | 'retrying' | 'failed' | 'connecting';
  info: string;
  /**
   * The overlay connection's Attrs map (mesh status.go LocalConnectionStatus.Attrs): router/fastdp.go
   * and router/sleeve.go Attrs() give {"name", "mtu"}, mesh status.go adds "encrypted": true on an
   * encrypted connection; nil for a target without a connection. Keys in Go's sorted map order.
   */
  attrs: Record<string, string | number | boolean> | null;
}

export function localConnections(view: WeaveView, pv: PeerView): LocalConnectionStatus[] {
  const overlay = view.noFastdp ? 'sleeve' : 'fastdp';
  const mtu = view.mtu ?? WEAVE_DEFAULT_MTU;
  const out: LocalConnectionStatus[] = [];
  const established = new Map(connectionsOf(view, pv, pv.local).map((c) => [c.remote.name, c]));
  const reachable = new Set(pv.reachable);
  const retryAt = () => goTime(new Date((view.now ?? new Date()).getTime() + 30_000));
  for (const target of view.nodes) {
    if (target === pv.local) {
      out.push({ outbound: true, address: `${target.internalIP}:${WEAVE_PORT}`, state: 'failed', info: 'cannot connect to ourself, retry: never', attrs: null });
      continue;
    }
    const c = established.get(target.name);
    if (c && view.partitioned?.(pv.local.name, target.name)) {
      // mesh connection_maker.go: a broken connection's target waits to retry, shown as
      // `failed` with "<last error>, retry: <time.Time>" (vendor/github.com/weaveworks/mesh/status.go, v2.8.1)
      const retry = goTime(new Date((view.now ?? new Date()).getTime() + 30_000));
      out.push({ outbound: true, address: `${target.internalIP}:${WEAVE_PORT}`, state: 'failed', info: `read tcp4 ${pv.local.internalIP}:${ephemeralPort(pv.local.name, target.name)}->${target.internalIP}:${WEAVE_PORT}: i/o timeout, retry: ${retry}`, attrs: null });
    } else if (c) {
      // A path MTU below what fastdp needs: fastdp's heartbeats fail and the overlay switch falls
      // back to sleeve, which reports the MTU it found (v2.8.1 router/overlay_switch.go chooseBest,
      // router/sleeve.go Attrs: {"name": "sleeve", "mtu": fwd.mtu}).
      const limit = view.pathMtu?.(pv.local.name, target.name);
      const { overlay: ov, mtu: connMtu } = limit === undefined ? { overlay, mtu } : overlayOver(limit, mtu, { encrypted: !!view.encryption, noFastdp: !!view.noFastdp });
      let info = `${padRight(ov, 6)} ${nameNick(c.remote)}`;
      if (view.encryption) info = `${padRight('encrypted', 11)} ${info}`;
      const attrs = { ...(view.encryption ? { encrypted: true } : {}), mtu: connMtu, name: ov };
      out.push({ outbound: c.outbound, address: c.address, state: 'established', info, attrs });
    } else if (reachable.has(target) && !isUnreachable(view, pv.local)) {
      // Not linked under CONN_LIMIT (conn-limit.ts): the dial was refused by checkConnectionLimit and
      // the target waits with that error (v2.8.1 mesh local_peer.go, connection_maker.go, status.go).
      out.push({ outbound: true, address: `${target.internalIP}:${WEAVE_PORT}`, state: 'failed', info: `Connection limit reached (${view.connLimit}), retry: ${retryAt()}`, attrs: null });
    } else {
      out.push({
        outbound: true,
        address: `${target.internalIP}:${WEAVE_PORT}`,
        state: 'retrying',
        info: `dial tcp4 :0->${target.internalIP}:${WEAVE_PORT}: connect: no route to host`,
        attrs: null,
      });
    }
  }
  return out;
}

const CONNECTION_STATES = ['established', 'pending', 'retrying', 'failed', 'connecting'] as const;

/** `weave --local status`. */
export function weaveStatus(view: WeaveView, nodeName: string): string {
  const pv = peerView(view, nodeName);
  const now = view.now ?? new Date();
  const versionCheck = view.checkpointDisabled
    ? 'version check update disabled'
    : `failed to check latest version - see logs; next check at ${goStamp(new Date(now.getTime() + 3_600_000))}`;
  const conns = localConnections(view, pv);
  const counts = CONNECTION_STATES.map((s) => [s, conns.filter((c) => c.state === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  // every reachable peer's connections to reachable peers, as gossip tells the local one
  const inView = new Set(pv.reachable);
  const peerConns = pv.reachable.reduce(
    (sum, p) => sum + linkedPeers(view.nodes.length, view.nodes.indexOf(p), view.connLimit).filter((j) => inView.has(view.nodes[j]!)).length,
    0,
  );
  const lines = [
    `        Version: ${view.version} (${versionCheck})`,
    '',
    '        Service: router',
    '       Protocol: weave 1..2',
    `           Name: ${nameNick(pv.local)}`,
    `     Encryption: ${view.encryption ? 'enabled' : 'disabled'}`,
    '  PeerDiscovery: enabled',
    `        Targets: ${view.nodes.length}`,
    `    Connections: ${conns.length}${counts ? ` (${counts})` : ''}`,
    `          Peers: ${pv.reachable.length}${peerConns > 0 ? ` (with ${peerConns} established connections)` : ''}`,
    ' TrustedSubnets: none',
    '',
    '        Service: ipam',
    `         Status: ${ipamState(view, pv)}`,
    `          Range: ${rangeText(view)}`,
    `  DefaultSubnet: ${rangeText(view)}`,
  ];
  return `${lines.join('\n')}\n`;
}

function rangeText(view: WeaveView): string {
  const c = parseCidr(view.ipallocRange ?? WEAVE_DEFAULT_RANGE);
  return `${formatIp(networkAddress(c))}/${c.prefix}`;
}

function ipamState(view: WeaveView, pv: PeerView): string {
  if (view.awaitingConsensus) {
    const quorum = Math.floor(view.nodes.length / 2) + 1;
    return `awaiting consensus (quorum: ${quorum}, known: ${pv.reachable.length})`;
  }
  const reachable = new Set(pv.reachable.map((n) => n.name));
  const anyKnownOwner = pv.shares.some((s) => s.size > 0 && reachable.has(s.node));
  return anyKnownOwner ? 'ready' : "all IP ranges owned by unreachable peers - use 'rmpeer' if they are dead";
}

/** `weave --local status ipam`: one line per owner, the local peer first. */
export function weaveStatusIpam(view: WeaveView, nodeName: string): string {
  const pv = peerView(view, nodeName);
  if (pv.shares.length === 0) return '';
  const total = 2 ** (32 - parseCidr(view.ipallocRange ?? WEAVE_DEFAULT_RANGE).prefix);
  const reachable = new Set(pv.reachable.map((n) => n.name));
  const line = (node: WeaveNode, ips: number, info: string) =>
    `${padRight(nameNick(node), 37)} ${padLeft(String(ips), 8)} IPs (${goPercent(ips, total)}% of total) ${info}\n`;
  // One line per owner with the sum of its ranges (http.go summariseIpamStats).
  const owned = new Map<string, number>();
  for (const s of pv.shares) if (s.size > 0) owned.set(s.node, (owned.get(s.node) ?? 0) + s.size);
  let out = '';
  const mine = pv.shares.find((s) => s.node === pv.local.name);
  if (mine && mine.size > 0) out += line(pv.local, owned.get(pv.local.name)!, `(${activeIPs(view, pv.local.name, mine)} active)`);
  for (const [owner, ips] of owned) {
    if (owner === pv.local.name) continue;
    const node = view.nodes.find((n) => n.name === owner)!;
    out += line(node, ips, reachable.has(owner) ? '' : '- unreachable!');
  }
  return out;
}

/** `weave --local status peers`. */
export function weaveStatusPeers(view: WeaveView, nodeName: string): string {
  const pv = peerView(view, nodeName);
  let out = '';
  for (const peer of pv.reachable) {
    out += `${nameNick(peer)}\n`;
    for (const c of connectionsOf(view, pv, peer)) {
      out += `   ${c.outbound ? '->' : '<-'} ${padRight(c.address, 21)} ${padRight(nameNick(c.remote), 37)} established\n`;
    }
  }
  return out;
}

/**
 * The Attrs map as connectionsTemplate prints it: `{{range $key,$element := .Attrs}}{{if ne $key
 * "name"}}{{$key}}={{$element}}{{end}}{{end}}`, keys in sorted order, no separator (v2.8.1
 * prog/weaver/http.go).
 */
function attrsText(attrs: LocalConnectionStatus['attrs']): string {
  return Object.keys(attrs ?? {})
    .sort()
    .filter((k) => k !== 'name')
    .map((k) => `${k}=${attrs![k]}`)
    .join('');
}

/** `weave --local status connections`. */
export function weaveStatusConnections(view: WeaveView, nodeName: string): string {
  const pv = peerView(view, nodeName);
  return localConnections(view, pv)
    .map((c) => `${c.outbound ? '->' : '<-'} ${padRight(c.address, 21)} ${padRight(c.state, 11)} ${c.info} ${attrsText(c.attrs)}\n`)
    .join('');
}

/** `weave --local status targets`: the peers weave was told to connect to (KUBE_PEERS). */
export function weaveStatusTargets(view: WeaveView, nodeName: string): string {
  peerView(view, nodeName);
  return view.nodes.map((n) => `${n.internalIP}\n`).join('');
}

// ---------------------------------------------------------------------------------------------
// ip addr show dev weave

/** `ip [-4] [-o] addr show dev weave` on a node. */
export function ipAddrShowWeave(view: WeaveView, nodeName: string, opts: { oneline: boolean; inet4Only: boolean }): string {
  const pv = peerView(view, nodeName);
  const share = pv.shares.find((s) => s.node === nodeName);
  const range = parseCidr(view.ipallocRange ?? WEAVE_DEFAULT_RANGE);
  const mac = peerName(nodeName);
  const mtu = view.mtu ?? WEAVE_DEFAULT_MTU;
  const inet = share?.bridge
    ? `inet ${share.bridge}/${range.prefix} brd ${formatIp(broadcast(range))} scope global weave`
    : undefined;
  const inet6 = `inet6 ${linkLocal(mac)}/64 scope link`;
  const lft = 'valid_lft forever preferred_lft forever';
  if (opts.oneline) {
    const lines: string[] = [];
    if (inet) lines.push(`5: weave    ${inet}\\       ${lft}`);
    if (!opts.inet4Only) lines.push(`5: weave    ${inet6} \\       ${lft}`);
    return lines.map((l) => `${l}\n`).join('');
  }
  if (opts.inet4Only && !inet) return '';
  const lines = [`5: weave: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu ${mtu} qdisc noqueue state UP group default qlen 1000`];
  if (!opts.inet4Only) lines.push(`    link/ether ${mac} brd ff:ff:ff:ff:ff:ff`);
  if (inet) lines.push(`    ${inet}`, `       ${lft}`);
  if (!opts.inet4Only) lines.push(`    ${inet6} `, `       ${lft}`);
  return lines.map((l) => `${l}\n`).join('');
}

/** The EUI-64 IPv6 link-local address of a MAC. */
function linkLocal(mac: string): string {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  const eui = [b[0]! ^ 0x02, b[1]!, b[2]!, 0xff, 0xfe, b[3]!, b[4]!, b[5]!];
  const groups: string[] = [];
  for (let i = 0; i < 8; i += 2) groups.push(((eui[i]! << 8) | eui[i + 1]!).toString(16));
  return `fe80::${groups.join(':')}`;
}

// ---------------------------------------------------------------------------------------------
// weave-npc: label selectors

interface LabelSelectorJson {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

interface Requirement {
  key: string;
  op: 'in' | 'notin' | 'exists' | '!' | '=';
  values: string[];
}

/** Kubernetes' LabelSelectorAsSelector: requirements sorted by key. Throws on an unknown operator. */
function toRequirements(sel: LabelSelectorJson | undefined): Requirement[] {
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) reqs.push({ key: k, op: '=', values: [String(v)] });
  for (const e of sel?.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].map(String).sort();
    switch (e.operator) {
      case 'In':
        reqs.push({ key: e.key, op: 'in', values });
        break;
      case 'NotIn':
        reqs.push({ key: e.key, op: 'notin', values });
        break;
      case 'Exists':
        reqs.push({ key: e.key, op: 'exists', values: [] });
        break;
      case 'DoesNotExist':
        reqs.push({ key: e.key, op: '!', values: [] });
        break;
      default:
        throw new Error(`"${e.operator}" is not a valid label selector operator`);
    }
  }
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** labels.Selector.String(). */
export function selectorString(sel: LabelSelectorJson | undefined): string {
  return toRequirements(sel)
    .map((r) => {
      switch (r.op) {
        case '=':
          return `${r.key}=${r.values[0]}`;
        case 'in':
          return `${r.key} in (${r.values.join(',')})`;
        case 'notin':
          return `${r.key} notin (${r.values.join(',')})`;
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
      }
    })
    .join(',');
}

function matches(sel: LabelSelectorJson | undefined, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return toRequirements(sel).every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case '=':
      case 'in':
        return has && r.values.includes(l[r.key]!);
      case 'notin':
        return !has || !r.values.includes(l[r.key]!);
      case 'exists':
        return has;
      case '!':
        return !has;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// weave-npc: ipset names

const SHORT_NAME_SYMBOLS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789(){}[]+=_$%^!*|/?.;:@#~';

/** weave-npc's shortName: the SHA-1 of `s` in base 85, least significant digit first. */
export function shortName(s: string): string {
  let n = BigInt(`0x${createHash('sha1').update(s).digest('hex')}`);
  const base = BigInt(SHORT_NAME_SYMBOLS.length);
  let out = '';
  while (n > 0n) {
    out += SHORT_NAME_SYMBOLS[Number(n % base)];
    n /= base;
  }
  return out;
}

/** The ipset weave-npc names for `key` ("ingress-default-allow:default", "argocd:app=x", ":" ...). */
export function ipsetName(key: string): string {
  return `weave-${shortName(key)}`;
}

// ---------------------------------------------------------------------------------------------
// weave-npc: the model

type IpsetType = 'hash:ip' | 'list:set' | 'hash:net';

interface IpsetEntry {
  value: string;
  comment: string;
}

interface Ipset {
  name: string;
  type: IpsetType;
  entries: IpsetEntry[];
}

interface NpcModel {
  /** Rules per chain, as the arguments weave-npc passes (target included, canonical order). */
  chains: Map<string, string[][]>;
  ipsets: Ipset[];
}

function hasIP(p: WeavePod): boolean {
  return !!p.podIP && !p.hostNetwork;
}

function podComment(p: WeavePod): string {
  return `namespace: ${p.namespace}, pod: ${p.name}`;
}

interface SelectorSpec {
  key: string;
  /** '' for namespace selectors and namespaced-pod selectors. */
  nsName: string;
  kind: 'pods' | 'namespaces' | 'namespacedPods';
  podSelector?: LabelSelectorJson;
  namespaceSelector?: LabelSelectorJson;
  ipset: string;
}

function podSelectorSpec(ns: string, sel: LabelSelectorJson | undefined): SelectorSpec {
  const key = selectorString(sel);
  return { key, nsName: ns, kind: 'pods', podSelector: sel ?? {}, ipset: ipsetName(`${ns}:${key}`) };
}

function nsSelectorSpec(sel: LabelSelectorJson | undefined): SelectorSpec {
  const key = selectorString(sel);
  return { key, nsName: '', kind: 'namespaces', namespaceSelector: sel ?? {}, ipset: ipsetName(`:${key}`) };
}

function namespacedPodSelectorSpec(podSel: LabelSelectorJson, nsSel: LabelSelectorJson): SelectorSpec {
  const key = selectorString(nsSel) + selectorString(podSel);
  return { key, nsName: '', kind: 'namespacedPods', podSelector: podSel, namespaceSelector: nsSel, ipset: ipsetName(`:${key}`) };
}

function selectorRule(spec: SelectorSpec, src: boolean): { args: string[]; comment: string } {
  const comment = spec.nsName !== '' ? `pods: namespace: ${spec.nsName}, selector: ${spec.key}` : `namespaces: selector: ${spec.key}`;
  return { args: ['-m', 'set', '--match-set', spec.ipset, src ? 'src' : 'dst'], comment };
}

interface IpBlockSpec {
  cidr: string;
  except: string[];
  ipset?: string;
}

function ipBlockRule(b: IpBlockSpec, src: boolean): { args: string[]; comment: string; addr: string[] } {
  const addr = [src ? '-s' : '-d', withPrefix(b.cidr)];
  if (!b.ipset) return { args: [], comment: `cidr: ${b.cidr}`, addr };
  return {
    args: ['-m', 'set', '!', '--match-set', b.ipset, src ? 'src' : 'dst'],
    comment: `cidr: ${b.cidr} except [${b.except.join(' ')}]`,
    addr,
  };
}

function withPrefix(c: string): string {
  return c.includes('/') ? c : `${c}/32`;
}

type Host = { kind: 'selector'; spec: SelectorSpec } | { kind: 'ipblock'; spec: IpBlockSpec };

interface PolicyJson {
  metadata?: { name?: string; namespace?: string };
  spec?: {
    podSelector?: LabelSelectorJson;
    policyTypes?: string[];
    ingress?: { from?: PeerJson[]; ports?: PortJson[] }[];
    egress?: { to?: PeerJson[]; ports?: PortJson[] }[];
  };
}

interface PeerJson {
  podSelector?: LabelSelectorJson;
  namespaceSelector?: LabelSelectorJson;
  ipBlock?: { cidr: string; except?: string[] };
}

interface PortJson {
  protocol?: string;
  port?: number | string;
}

interface RuleSpec {
  chain: 'WEAVE-NPC-INGRESS' | 'WEAVE-NPC-EGRESS-CUSTOM';
  /** iptables-save form without the target. */
  body: string[];
}

/**
 * Builds one iptables rule as iptables-save prints it: -s/-d first, then -p, then the matches in
 * weave-npc's order with `-m <proto>` before --dport, then the comment.
 */
function buildRule(
  format: NpcFormat,
  ingress: boolean,
  proto: string | undefined,
  src: Host | undefined,
  dst: Host | undefined,
  port: string | undefined,
): string[] {
  const addr: string[] = [];
  const matchArgs: string[] = [];
  let srcComment = 'anywhere';
  let dstComment = 'anywhere';
  for (const [host, isSrc] of [[src, true], [dst, false]] as const) {
    if (!host) continue;
    if (host.kind === 'selector') {
      const r = selectorRule(host.spec, isSrc);
      matchArgs.push(...r.args);
      if (isSrc) srcComment = r.comment;
      else dstComment = r.comment;
    } else {
      const r = ipBlockRule(host.spec, isSrc);
      addr.push(...r.addr);
      matchArgs.push(...r.args);
      if (isSrc) srcComment = r.comment;
      else dstComment = r.comment;
    }
  }
  // iptables-save prints -s before -d
  const s = addr.indexOf('-s');
  const d = addr.indexOf('-d');
  const addrOrdered = [...(s >= 0 ? addr.slice(s, s + 2) : []), ...(d >= 0 ? addr.slice(d, d + 2) : [])];
  const body = [...addrOrdered];
  if (proto) body.push('-p', proto.toLowerCase());
  body.push(...matchArgs);
  if (port !== undefined && proto) body.push('-m', proto.toLowerCase(), '--dport', port);
  const comment = format === 'legacy' ? `${srcComment} -> ${dstComment}` : `${srcComment} -> ${dstComment} (${ingress ? 'ingress' : 'egress'})`;
  body.push('-m', 'comment', '--comment', comment);
  return body;
}

function normalisedPorts(ports: PortJson[] | undefined): { proto: string; port: string }[] | undefined {
  if (!ports || ports.length === 0) return undefined;
  return ports.map((p) => ({ proto: p.protocol ?? 'TCP', port: p.port === undefined ? '0:65535' : String(p.port) }));
}

function policyTypesOf(p: PolicyJson): string[] {
  const types = p.spec?.policyTypes;
  if (types && types.length > 0) return types;
  // what the API server defaults when they are absent
  return (p.spec?.egress?.length ?? 0) > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

/**
 * The comment format by release: "(ingress)"/"(egress)" comments and the egress chains came with
 * egress policies in 2.4.0 (CHANGELOG.md "Release 2.4.0": "support for Kubernetes Egress Network
 * Policy"; v2.4.0 npc/constants.go EgressChain, npc/namespace.go "DefaultAllow ingress isolation").
 */
function defaultFormat(version: string): NpcFormat {
  const v = minorOf(version);
  if (!v) return 'current';
  return v[0] < 2 || (v[0] === 2 && v[1] < 4) ? 'legacy' : 'current';
}

function minorOf(version: string): [number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** What a weave-npc release does with its flags, read from upstream's sources (not from weavectl). */
export interface NpcMode {
  /** False when weave-npc exits on start. */
  starts: boolean;
  /** Pre-1.7 semantics: isolation only by the DefaultDeny namespace annotation, policies only allow. */
  legacy: boolean;
  /** The NetworkPolicy API its informer lists and watches. */
  watches: 'extensions/v1beta1' | 'networking.k8s.io/v1';
}

/**
 * - v1.9.8, v2.0.5 prog/weave-npc/main.go: `makeController(client.Extensions().RESTClient(), "networkpolicies", ...)`,
 *   no legacy flag; npc/namespace.go isolates by the net.beta.kubernetes.io/network-policy annotation only.
 * - v2.1.3 … v2.3.0 main.go: `--use-legacy-netpol` picks Extensions() (legacy) over NetworkingV1().
 * - v2.4.0 main.go: NetworkingV1() only, the flag is gone (commit 07d31a85).
 * - every main.go ends with `handleError(rootCmd.Execute())`: an unknown flag stops weave-npc.
 */
export function npcMode(version: string, args: readonly string[]): NpcMode {
  const v = minorOf(version) ?? [2, 8];
  const flag = args.some((a) => /^--?use-legacy-netpol(=(true|1|t|T|TRUE|True))?$/.test(a));
  const flagGiven = args.some((a) => /^--?use-legacy-netpol(=.*)?$/.test(a));
  if (v[0] < 2 || (v[0] === 2 && v[1] < 1)) return { starts: !flagGiven, legacy: true, watches: 'extensions/v1beta1' };
  if (v[0] === 2 && v[1] < 4) return flag ? { starts: true, legacy: true, watches: 'extensions/v1beta1' } : { starts: true, legacy: false, watches: 'networking.k8s.io/v1' };
  return { starts: !flagGiven, legacy: false, watches: 'networking.k8s.io/v1' };
}

/** Kubernetes serves extensions/v1beta1 NetworkPolicies in 1.3-1.15 and networking.k8s.io/v1 from 1.7. */
function served(api: NpcMode['watches'], k8sMinor: number | undefined): boolean {
  if (k8sMinor === undefined) return true;
  return api === 'networking.k8s.io/v1' ? k8sMinor >= 7 : k8sMinor >= 3 && k8sMinor < 16;
}

/** Whether a namespace is isolated under the pre-1.7 annotation (legacy format only). */
function legacyIsolated(ns: WeaveNamespace): boolean {
  const a = ns.annotations?.['net.beta.kubernetes.io/network-policy'];
  if (!a) return false;
  try {
    return JSON.parse(a)?.ingress?.isolation === 'DefaultDeny';
  } catch {
    return false;
  }
}

/** weave-npc's chains and ipsets for the cluster in `view` (the same on every node). */
export function npcModel(view: WeaveView): NpcModel {
  const npcVersion = view.npcVersion ?? view.version;
  const format = view.npcFormat ?? defaultFormat(npcVersion);
  const mode = npcMode(npcVersion, view.npcArgs ?? []);
  const pods = (view.pods ?? []).filter(hasIP);
  const namespaces = [...(view.namespaces ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const nsLabels = new Map(namespaces.map((n) => [n.name, n.labels ?? {}]));
  // A weave-npc whose API the cluster does not serve never lists a policy: it enforces none.
  const sees = served(mode.watches, view.k8sMinor);
  const policies = ([...(sees ? (view.networkPolicies ?? []) : [])] as PolicyJson[])
    .filter((p) => p?.metadata?.name && p.metadata.namespace)
    .sort((a, b) => {
      const ka = `${a.metadata!.namespace}/${a.metadata!.name}`;
      const kb = `${b.metadata!.namespace}/${b.metadata!.name}`;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });

  const ipsets: Ipset[] = [];
  const byName = new Map<string, Ipset>();
  const ensureSet = (name: string, type: IpsetType): Ipset => {
    let s = byName.get(name);
    if (!s) {
      s = { name, type, entries: [] };
      byName.set(name, s);
      ipsets.push(s);
    }
    return s;
  };
  const podEntries = (filter: (p: WeavePod) => boolean): IpsetEntry[] =>
    pods.filter(filter).map((p) => ({ value: p.podIP!, comment: podComment(p) }));

  const chains = new Map<string, string[][]>();
  const rulesOf = (chain: string) => {
    let r = chains.get(chain);
    if (!r) chains.set(chain, (r = []));
    return r;
  };
  const seenRules = new Set<string>();

  // Target selectors per namespace and policy type (for the default-allow sets).
  const ingressTargets = new Map<string, LabelSelectorJson[]>();
  const egressTargets = new Map<string, LabelSelectorJson[]>();
  const selectorSets: { spec: SelectorSpec }[] = [];
  const ipBlocks: IpBlockSpec[] = [];
  const ruleSpecs: RuleSpec[] = [];

  for (const p of policies) {
    const ns = p.metadata!.namespace!;
    const ports = (list: PortJson[] | undefined) => normalisedPorts(list);
    const named = [...(p.spec?.ingress ?? []).flatMap((r) => r.ports ?? []), ...(p.spec?.egress ?? []).flatMap((r) => r.ports ?? [])].some(
      (x) => typeof x.port === 'string',
    );
    if (named) continue; // weave-npc rejects policies with named ports
    let target: SelectorSpec;
    try {
      target = podSelectorSpec(ns, p.spec?.podSelector);
    } catch {
      continue;
    }
    const types = policyTypesOf(p);
    if (types.includes('Ingress')) (ingressTargets.get(ns) ?? ingressTargets.set(ns, []).get(ns)!).push(target.podSelector!);
    if (types.includes('Egress') && format === 'current') (egressTargets.get(ns) ?? egressTargets.set(ns, []).get(ns)!).push(target.podSelector!);
    selectorSets.push({ spec: target });
    const hostOf = (peer: PeerJson): Host | undefined => {
      if (peer.podSelector && peer.namespaceSelector) {
        const spec = namespacedPodSelectorSpec(peer.podSelector, peer.namespaceSelector);
        selectorSets.push({ spec });
        return { kind: 'selector', spec };
      }
      if (peer.podSelector) {
        const spec = podSelectorSpec(ns, peer.podSelector);
        selectorSets.push({ spec });
        return { kind: 'selector', spec };
      }
      if (peer.namespaceSelector) {
        const spec = nsSelectorSpec(peer.namespaceSelector);
        selectorSets.push({ spec });
        return { kind: 'selector', spec };
      }
      if (peer.ipBlock) {
        const except = [...(peer.ipBlock.except ?? [])].sort();
        const spec: IpBlockSpec = { cidr: peer.ipBlock.cidr, except };
        if (except.length > 0) spec.ipset = ipsetName(`${ns}:ipblock-except:${except.join(' ')}`);
        ipBlocks.push(spec);
        return { kind: 'ipblock', spec };
      }
      return undefined;
    };
    const targetHost: Host = { kind: 'selector', spec: target };
    for (const rule of p.spec?.ingress ?? []) {
      const pp = ports(rule.ports);
      const sources = rule.from && rule.from.length > 0 ? rule.from.map(hostOf) : [undefined];
      for (const src of sources) {
        if (!pp) ruleSpecs.push({ chain: 'WEAVE-NPC-INGRESS', body: buildRule(format, true, undefined, src, targetHost, undefined) });
        else for (const { proto, port } of pp) ruleSpecs.push({ chain: 'WEAVE-NPC-INGRESS', body: buildRule(format, true, proto, src, targetHost, port) });
      }
    }
    if (format === 'current') {
      for (const rule of p.spec?.egress ?? []) {
        const pp = ports(rule.ports);
        const dests = rule.to && rule.to.length > 0 ? rule.to.map(hostOf) : [undefined];
        for (const dst of dests) {
          if (!pp) ruleSpecs.push({ chain: 'WEAVE-NPC-EGRESS-CUSTOM', body: buildRule(format, false, undefined, targetHost, dst, undefined) });
          else for (const { proto, port } of pp) ruleSpecs.push({ chain: 'WEAVE-NPC-EGRESS-CUSTOM', body: buildRule(format, false, proto, targetHost, dst, port) });
        }
      }
    }
  }

  // ipsets, in the order weave-npc creates them: per namespace its default-allow and all-pods sets,
  // then the sets the policies need.
  const allPodsSet = (ns: string) => ipsetName(`${ns}:`);
  for (const ns of namespaces) {
    const inNs = (p: WeavePod) => p.namespace === ns.name;
    if (format === 'current') {
      const ingress = ensureSet(ipsetName(`ingress-default-allow:${ns.name}`), 'hash:ip');
      ingress.entries = podEntries((p) => inNs(p) && !(ingressTargets.get(ns.name) ?? []).some((s) => matches(s, p.labels)));
      const egress = ensureSet(ipsetName(`egress-default-allow:${ns.name}`), 'hash:ip');
      egress.entries = podEntries((p) => inNs(p) && !(egressTargets.get(ns.name) ?? []).some((s) => matches(s, p.labels)));
    } else if (!mode.legacy) {
      // v2.1.3 npc/namespace.go newNS: non-legacy mode keeps "default-allow:<ns>", the pods no policy selects.
      const def = ensureSet(ipsetName(`default-allow:${ns.name}`), 'hash:ip');
      def.entries = podEntries((p) => inNs(p) && !(ingressTargets.get(ns.name) ?? []).some((s) => matches(s, p.labels)));
    }
    ensureSet(allPodsSet(ns.name), 'hash:ip').entries = podEntries(inNs);
  }
  for (const { spec } of selectorSets) {
    if (spec.kind === 'pods') {
      ensureSet(spec.ipset, 'hash:ip').entries = podEntries((p) => p.namespace === spec.nsName && matches(spec.podSelector, p.labels));
    } else if (spec.kind === 'namespacedPods') {
      ensureSet(spec.ipset, 'hash:ip').entries = podEntries(
        (p) => matches(spec.podSelector, p.labels) && matches(spec.namespaceSelector, nsLabels.get(p.namespace) ?? {}),
      );
    } else {
      ensureSet(spec.ipset, 'list:set').entries = namespaces
        .filter((n) => matches(spec.namespaceSelector, n.labels ?? {}))
        .map((n) => ({ value: allPodsSet(n.name), comment: `namespace: ${n.name}` }));
    }
  }
  for (const b of ipBlocks) {
    if (b.ipset) ensureSet(b.ipset, 'hash:net').entries = b.except.map((c) => ({ value: c, comment: `excepted from ${b.cidr}` }));
  }

  // Static chains (weave-npc's resetIPTables / weave's own rules) and the per-namespace rules.
  rulesOf('INPUT').push(
    ...(format === 'current'
      ? [
          ['-d', '127.0.0.1/32', '-p', 'tcp', '-m', 'tcp', '--dport', '6784', '-m', 'addrtype', '!', '--src-type', 'LOCAL', '-m', 'conntrack', '!', '--ctstate', 'RELATED,ESTABLISHED', '-m', 'comment', '--comment', 'Block non-local access to Weave Net control port', '-j', 'DROP'],
          ['-i', 'weave', '-j', 'WEAVE-NPC-EGRESS'],
        ]
      : []),
  );
  const note = ['-m', 'comment', '--comment', "NOTE: this must go before '-j KUBE-FORWARD'"];
  rulesOf('FORWARD').push(
    ...(format === 'current' ? [['-i', 'weave', ...note, '-j', 'WEAVE-NPC-EGRESS']] : []),
    ['-o', 'weave', ...note, '-j', 'WEAVE-NPC'],
    ['-o', 'weave', '-m', 'state', '--state', 'NEW', '-j', 'NFLOG', '--nflog-group', '86'],
    ['-o', 'weave', '-j', 'DROP'],
    ['-i', 'weave', '!', '-o', 'weave', '-j', 'ACCEPT'],
    ['-o', 'weave', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
  );
  rulesOf('OUTPUT');
  if (format === 'current') rulesOf('WEAVE-CANARY');
  rulesOf('WEAVE-NPC').push(
    ['-m', 'state', '--state', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
    ['-d', '224.0.0.0/4', '-j', 'ACCEPT'],
    ...(format === 'current' ? [['-m', 'physdev', '--physdev-out', 'vethwe-bridge', '--physdev-is-bridged', '-j', 'ACCEPT']] : []),
    ['-m', 'state', '--state', 'NEW', '-j', 'WEAVE-NPC-DEFAULT'],
    ['-m', 'state', '--state', 'NEW', '-j', 'WEAVE-NPC-INGRESS'],
  );
  const def = rulesOf('WEAVE-NPC-DEFAULT');
  for (const ns of namespaces) {
    if (format === 'current') {
      def.push(['-m', 'set', '--match-set', ipsetName(`ingress-default-allow:${ns.name}`), 'dst', '-m', 'comment', '--comment', `DefaultAllow ingress isolation for namespace: ${ns.name}`, '-j', 'ACCEPT']);
    } else if (!mode.legacy) {
      // v2.1.3 npc/namespace.go: isDefaultDeny is false outside legacy mode, so the bypass rule is always there, on default-allow.
      def.push(['-m', 'set', '--match-set', ipsetName(`default-allow:${ns.name}`), 'dst', '-m', 'comment', '--comment', `DefaultAllow isolation for namespace: ${ns.name}`, '-j', 'ACCEPT']);
    } else if (!legacyIsolated(ns)) {
      // v2.0.5 npc/namespace.go: in legacy mode every pod of a namespace without the DefaultDeny annotation is accepted.
      def.push(['-m', 'set', '--match-set', allPodsSet(ns.name), 'dst', '-m', 'comment', '--comment', `DefaultAllow isolation for namespace: ${ns.name}`, '-j', 'ACCEPT']);
    }
  }
  if (format === 'current') {
    rulesOf('WEAVE-NPC-EGRESS').push(
      ['-m', 'state', '--state', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
      ['-m', 'physdev', '--physdev-in', 'vethwe-bridge', '--physdev-is-bridged', '-j', 'RETURN'],
      ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'RETURN'],
      ['-d', '224.0.0.0/4', '-j', 'RETURN'],
      ['-m', 'state', '--state', 'NEW', '-j', 'WEAVE-NPC-EGRESS-DEFAULT'],
      ['-m', 'state', '--state', 'NEW', '-m', 'mark', '!', '--mark', '0x40000/0x40000', '-j', 'WEAVE-NPC-EGRESS-CUSTOM'],
      ['-m', 'state', '--state', 'NEW', '-m', 'mark', '!', '--mark', '0x40000/0x40000', '-j', 'NFLOG', '--nflog-group', '86'],
      ['-m', 'mark', '!', '--mark', '0x40000/0x40000', '-j', 'DROP'],
    );
    rulesOf('WEAVE-NPC-EGRESS-ACCEPT').push(['-j', 'MARK', '--set-xmark', '0x40000/0x40000']);
    rulesOf('WEAVE-NPC-EGRESS-CUSTOM');
    const edef = rulesOf('WEAVE-NPC-EGRESS-DEFAULT');
    for (const ns of namespaces) {
      const set = ipsetName(`egress-default-allow:${ns.name}`);
      const c = ['-m', 'comment', '--comment', `DefaultAllow egress isolation for namespace: ${ns.name}`];
      edef.push(['-m', 'set', '--match-set', set, 'src', ...c, '-j', 'WEAVE-NPC-EGRESS-ACCEPT'], ['-m', 'set', '--match-set', set, 'src', ...c, '-j', 'RETURN']);
    }
  }
  rulesOf('WEAVE-NPC-INGRESS');
  for (const r of ruleSpecs) {
    const key = `${r.chain} ${r.body.join(' ')}`;
    if (seenRules.has(key)) continue;
    seenRules.add(key);
    if (r.chain === 'WEAVE-NPC-INGRESS') rulesOf(r.chain).push([...r.body, '-j', 'ACCEPT']);
    else rulesOf(r.chain).push([...r.body, '-j', 'WEAVE-NPC-EGRESS-ACCEPT'], [...r.body, '-j', 'RETURN']);
  }
  return { chains, ipsets };
}

// ---------------------------------------------------------------------------------------------
// iptables-save / ipset list

/** ctime-like date as iptables-save prints it: "Mon Dec  3 21:50:55 2018" (UTC). */
function ctime(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** An argument as iptables-save quotes it. */
function saveArg(a: string): string {
  if (a === '' || /[\s"']/.test(a)) return `"${a.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/'/g, "\\'")}"`;
  return a;
}

const BUILTIN_FILTER = ['INPUT', 'FORWARD', 'OUTPUT'];

/** `iptables-save`: the filter table weave-npc maintains and weave's nat rules (kube-proxy's chains are not simulated). */
export function iptablesSave(view: WeaveView, nodeName: string): string {
  peerView(view, nodeName);
  const now = view.now ?? new Date();
  const legacy = (view.npcFormat ?? defaultFormat(view.version)) === 'legacy';
  const stamp = ctime(now);
  const gen = `# Generated by iptables-save ${legacy ? 'v1.6.1' : 'v1.8.4'} on ${stamp}`;
  const done = `# Completed on ${stamp}`;
  const model = npcModel(view);
  const range = rangeText(view);
  const out: string[] = [];
  out.push(gen, '*nat', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]');
  out.push(':WEAVE - [0:0]');
  out.push(
    '-A POSTROUTING -j WEAVE',
    `-A WEAVE -s ${range} -d 224.0.0.0/4 -j RETURN`,
    `-A WEAVE ! -s ${range} -d ${range} -j MASQUERADE`,
    `-A WEAVE -s ${range} ! -d ${range} -j MASQUERADE`,
    'COMMIT',
    done,
  );
  out.push(gen, '*filter');
  const names = [...model.chains.keys()];
  const userChains = names.filter((c) => !BUILTIN_FILTER.includes(c)).sort();
  for (const c of BUILTIN_FILTER) out.push(`:${c} ACCEPT [0:0]`);
  for (const c of userChains) out.push(`:${c} - [0:0]`);
  for (const c of [...BUILTIN_FILTER, ...userChains]) {
    for (const rule of model.chains.get(c) ?? []) out.push(`-A ${c} ${rule.map(saveArg).join(' ')}`);
  }
  out.push('COMMIT', done);
  return `${out.join('\n')}\n`;
}

/** `ipset list [name]`; undefined when `name` does not exist. */
export function ipsetList(view: WeaveView, nodeName: string, name?: string): string | undefined {
  peerView(view, nodeName);
  const model = npcModel(view);
  const sets = name === undefined ? model.ipsets : model.ipsets.filter((s) => s.name === name);
  if (name !== undefined && sets.length === 0) return undefined;
  if (!view.namespaces || sets.length === 0) return '';
  return sets
    .map((s) => {
      const header =
        s.type === 'list:set'
          ? { rev: 3, header: 'size 8 comment', mem: 88 + 40 * s.entries.length }
          : { rev: s.type === 'hash:net' ? 6 : 4, header: 'family inet hashsize 1024 maxelem 65536 comment', mem: 200 + 64 * s.entries.length };
      const lines = [
        `Name: ${s.name}`,
        `Type: ${s.type}`,
        `Revision: ${header.rev}`,
        `Header: ${header.header}`,
        `Size in memory: ${header.mem}`,
        'References: 1',
        `Number of entries: ${s.entries.length}`,
        'Members:',
        ...s.entries.map((e) => `${e.value} comment "${e.comment}"`),
      ];
      return `${lines.join('\n')}\n`;
    })
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// The container's command line

/** The lines of the weave script's usage that apply inside a weave-kube pod (`--local`). */
const WEAVE_USAGE = `Usage:

weave --help | help
      version

weave connect       [--replace] [<peer> ...]
      forget        <peer> ...

weave status        [targets | connections | peers | dns | ipam]
      report        [-f <format>]

weave rmpeer        <peer_id> ...
`;

function ok(stdout: string): ExecOutcome {
  return { stdout, stderr: '', exitCode: 0 };
}

/**
 * What `argv` run in `container` of the weave-net pod on `nodeName` answers, or undefined when the
 * command is not one this imitation knows (the caller reports "executable file not found").
 */
export function weaveExec(view: WeaveView, nodeName: string, container: string, argv: readonly string[]): ExecOutcome | undefined {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return undefined;
  if (!view.nodes.some((n) => n.name === nodeName)) return undefined;
  const base = cmd.split('/').pop()!;
  if ((cmd === WEAVE_SCRIPT || cmd === './weave' || cmd === 'weave') && container === 'weave') {
    return weaveScript(view, nodeName, args);
  }
  if (container === 'weave-npc' && !npcMode(view.npcVersion ?? view.version, view.npcArgs ?? []).starts) {
    // weave-npc exited on its flags (cobra: unknown flag): the container is not running.
    return { stdout: '', stderr: 'error: unable to upgrade connection: container not found ("weave-npc")\n', exitCode: 126 };
  }
  if (base === 'iptables-save' && (cmd === 'iptables-save' || cmd.startsWith('/'))) {
    return ok(iptablesSave(view, nodeName));
  }
  if (base === 'ipset' && args[0] === 'list') {
    const text = ipsetList(view, nodeName, args[1]);
    if (text === undefined) return { stdout: '', stderr: `ipset v7.1: The set with the given name does not exist\n`, exitCode: 1 };
    return ok(text);
  }
  if (base === 'ip' && container === 'weave') {
    const flags = args.filter((a) => a.startsWith('-'));
    const rest = args.filter((a) => !a.startsWith('-'));
    const isAddr = ['a', 'addr', 'address'].includes(rest[0] ?? '');
    const dev = rest[0] && isAddr ? rest.slice(1).filter((a) => a !== 'show' && a !== 'dev')[0] : undefined;
    if (isAddr && dev === 'weave') {
      return ok(ipAddrShowWeave(view, nodeName, { oneline: flags.some((f) => f === '-o' || f === '-oneline'), inet4Only: flags.includes('-4') }));
    }
    if (isAddr && dev !== undefined) {
      return { stdout: '', stderr: `Device "${dev}" does not exist.\n`, exitCode: 1 };
    }
  }
  return undefined;
}

function weaveScript(view: WeaveView, nodeName: string, args: readonly string[]): ExecOutcome {
  if (args[0] === '--help' || args[0] === 'help') return ok(WEAVE_USAGE);
  if (args[0] !== '--local') {
    // The script would run the command in a weaveexec container through Docker, which the
    // weave-kube image does not have.
    return { stdout: '', stderr: `${WEAVE_SCRIPT}: line 1: docker: not found (run it as '${WEAVE_SCRIPT} --local ...' inside the pod)\n`, exitCode: 127 };
  }
  const [verb, sub, ...more] = args.slice(1);
  if (verb === 'version') return ok(`weave ${view.version}\n`);
  if (verb !== 'status' || more.length > 0) return { stdout: '', stderr: WEAVE_USAGE, exitCode: 1 };
  switch (sub) {
    case undefined:
      return ok(weaveStatus(view, nodeName));
    case 'ipam':
      return ok(weaveStatusIpam(view, nodeName));
    case 'peers':
      return ok(weaveStatusPeers(view, nodeName));
    case 'connections':
      return ok(weaveStatusConnections(view, nodeName));
    case 'targets':
      return ok(weaveStatusTargets(view, nodeName));
    case 'dns':
      return ok('');
    default:
      return { stdout: '', stderr: WEAVE_USAGE, exitCode: 1 };
  }
}

/** The bridge address of a node with the range's prefix ("172.25.96.0/18"), as `ip addr` shows it. */
export function bridgeCidr(view: WeaveView, nodeName: string): string | undefined {
  const range = parseCidr(view.ipallocRange ?? WEAVE_DEFAULT_RANGE);
  const share = peerView(view, nodeName).shares.find((s) => s.node === nodeName);
  return share?.bridge ? `${share.bridge}/${range.prefix}` : undefined;
}
