/**
 * The simulator's data plane: which address a pod gets, and what the network tools in a probe pod
 * answer (`wget`, `nc`, `ping`, `nslookup`), computed from the cluster and the faults.
 *
 * Addresses. Pods get their address from their node's share of the running Weave Net's
 * IPALLOC_RANGE, split among the peers as weave-node.ts's ipamSplit models it (the range is
 * 10.32.0.0/12 when IPALLOC_RANGE is unset: weaveworks/weave v2.8.1 prog/weave-kube/launch.sh
 * `IPALLOC_RANGE=${IPALLOC_RANGE:-10.32.0.0/12}`). Weave's allocator hands out the lowest free
 * address of the space it owns (v2.8.1 ipam/space/space.go Allocate: the first free address of the
 * first free chunk); the bridge (weave:expose) has taken the first one, so pods follow it.
 *
 * Reachability. A packet from pod A to pod B arrives when: both pods run, both nodes are Ready and
 * run a weave peer, the nodes are not cut apart (an unreachable weave peer; a faults.partition of
 * the two with no chain of other connections around it: relayed() below), and
 * weave-npc lets it through (below). A TCP connection then needs B to listen: the simulator does
 * not run containers, so a pod listens on the TCP ports its containers declare (`ports[]`), as a
 * modelling convention. A Service ClusterIP is translated to one ready endpoint (kube-proxy's DNAT,
 * chosen deterministically per client), then treated as the pod.
 *
 * Path MTU. Pods' interfaces have WEAVE_MTU (default 1376: v2.8.1 net/bridge.go, `config.MTU = 1376`
 * when unset). A don't-fragment packet larger than that fails at the sender ("message too long");
 * across nodes one larger than a faults.pathMtu limit vanishes.
 *
 * weave-npc. Enforcement follows the NetworkPolicies with the semantics of the weave-npc release that
 * runs, read from upstream (not from weavectl's evaluator):
 *  - v1.9.x, v2.0.x, and v2.1-2.3 with --use-legacy-netpol: a namespace is isolated only by the
 *    `net.beta.kubernetes.io/network-policy: {"ingress":{"isolation":"DefaultDeny"}}` annotation;
 *    policies only allow (v2.0.5 npc/namespace.go: DefaultAllow rule unless the annotation says
 *    DefaultDeny). Ingress only.
 *  - v2.1-v2.3: a pod selected by any policy is isolated for ingress (v2.1.3 npc/namespace.go: the
 *    default-allow set holds the pods no policy selects). Ingress only: egress rules are ignored.
 *  - v2.4 and later: policyTypes decide; egress is enforced too (CHANGELOG.md "Release 2.4.0":
 *    "support for Kubernetes Egress Network Policy"; v2.4.0 npc/constants.go EgressChain).
 *  - A weave-npc whose NetworkPolicy API the cluster does not serve sees no policy (weave-node.ts npcMode).
 *  - Traffic a host sends to a pod on the same node leaves through OUTPUT, and weave-npc's ingress
 *    chain hangs off FORWARD (v2.8.1 net/bridge.go: `-o weave ... -j WEAVE-NPC` among the FORWARD
 *    rules; egress to the local host returns early: prog/weave-npc/main.go `-m addrtype --dst-type
 *    LOCAL -j RETURN`), so it is never filtered; a host
 *    on another node reaches the pod from its weave bridge address, which is no pod: only ipBlock
 *    rules and rules without `from` admit it.
 *
 * The tools are those of the probe image weavectl uses, nicolaka/netshoot (Alpine: busybox wget,
 * iputils ping, bind-tools nslookup, netcat-openbsd nc); their messages are those tools' messages.
 * DNS: the simulator runs no DNS pods; nslookup answers every Service name from the API objects
 * (search path `<ns>.svc.cluster.local svc.cluster.local cluster.local`), from the DNS Service
 * address `<service network>.10`.
 */
import { broadcast, contains, formatIp, networkAddress, parseCidr, parseIp } from '../../../src/net/cidr.js';
import { weaveViewFor, type ExecSim } from './exec.js';
import { linkedPeers } from './conn-limit.js';
import { fromLabelSelectorObject, matchesLabels } from './selectors.js';
import type { ExecReply, Obj } from './types.js';
import { ipamSplit, npcMode, overlayOver, WEAVE_DEFAULT_MTU, WEAVE_DEFAULT_RANGE, weaveState } from './weave-node.js';

// ---------------------------------------------------------------------------------------------
// The running Weave Net

interface StoreLike {
  list(store: string, namespace?: string): Obj[];
  get(store: string, namespace: string, name: string): Obj | undefined;
}

export interface WeaveConfig {
  namespace: string;
  range: string;
  mtu: number;
  /** The weave-npc container is there. */
  npc: boolean;
  npcVersion: string;
  npcArgs: string[];
  /** WEAVE_PASSWORD is set (sleeve then encrypts: a bigger overhead). */
  encrypted: boolean;
  /** WEAVE_NO_FASTDP is set. */
  noFastdp: boolean;
}

function envValue(c: Obj | undefined, name: string): string | undefined {
  const e = ((c?.['env'] ?? []) as Obj[]).find((x) => x?.['name'] === name);
  return e && e['value'] !== undefined ? String(e['value']) : undefined;
}

function tagVersion(image: unknown): string {
  const tag = /:([^:/@]+)(@.*)?$/.exec(String(image ?? ''))?.[1];
  return tag && /^v?\d+\.\d+/.test(tag) ? tag.replace(/^v/, '') : '2.8.1';
}

/** The weave-net DaemonSet's settings (its pod template), or those of its pods; undefined without Weave Net. */
export function weaveConfig(store: StoreLike): WeaveConfig | undefined {
  const ds = store.list('daemonsets').find((d) => d['metadata']?.['name'] === 'weave-net');
  const spec = (ds?.['spec']?.['template']?.['spec'] ??
    store.list('pods').find((p) => p['metadata']?.['labels']?.['name'] === 'weave-net')?.['spec']) as Obj | undefined;
  if (!spec) return undefined;
  const containers = (spec['containers'] ?? []) as Obj[];
  const weave = containers.find((c) => c['name'] === 'weave');
  const npc = containers.find((c) => c['name'] === 'weave-npc');
  const range = envValue(weave, 'IPALLOC_RANGE');
  const mtu = Number(envValue(weave, 'WEAVE_MTU'));
  return {
    namespace: String(ds?.['metadata']?.['namespace'] ?? 'kube-system'),
    range: range && /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(range) ? range : WEAVE_DEFAULT_RANGE,
    mtu: Number.isInteger(mtu) && mtu > 0 ? mtu : WEAVE_DEFAULT_MTU,
    encrypted: ((weave?.['env'] ?? []) as Obj[]).some((e) => e?.['name'] === 'WEAVE_PASSWORD'),
    noFastdp: !!envValue(weave, 'WEAVE_NO_FASTDP'),
    npc: !!npc,
    npcVersion: tagVersion(npc?.['image'] ?? weave?.['image']),
    npcArgs: [...((npc?.['command'] ?? []) as unknown[]).slice(1), ...((npc?.['args'] ?? []) as unknown[])].map(String),
  };
}

function internalIP(node: Obj | undefined): string | undefined {
  const a = ((node?.['status']?.['addresses'] ?? []) as Obj[]).find((x) => x?.['type'] === 'InternalIP');
  return a?.['address'] === undefined ? undefined : String(a['address']);
}

function byJoinOrder(a: Obj, b: Obj): number {
  const ta = String(a['metadata']?.['creationTimestamp'] ?? '');
  const tb = String(b['metadata']?.['creationTimestamp'] ?? '');
  if (ta !== tb) return ta < tb ? -1 : 1;
  return String(a['metadata']?.['name']).localeCompare(String(b['metadata']?.['name']), 'en', { numeric: true });
}

/** The weave peers in join order (as weave-node.ts orders them): the nodes that run a weave-net pod, else every node. */
function peerOrder(store: StoreLike, node: string): string[] {
  const nodes = store.list('nodes', '').sort(byJoinOrder);
  const withWeave = new Set(
    store
      .list('pods')
      .filter((p) => p['metadata']?.['labels']?.['name'] === 'weave-net')
      .map((p) => p['spec']?.['nodeName'])
      .filter((n): n is string => typeof n === 'string'),
  );
  const peers = nodes.filter((n) => withWeave.has(n['metadata']['name'])).map((n) => String(n['metadata']['name']));
  return peers.includes(node) ? peers : nodes.map((n) => String(n['metadata']['name']));
}

/**
 * The next free address of `node`'s share of the weave range, or undefined when the share is empty
 * or used up (the caller falls back).
 */
export function allocatePodIp(store: StoreLike, node: string): string | undefined {
  const cfg = weaveConfig(store);
  const range = parseCidr(cfg?.range ?? WEAVE_DEFAULT_RANGE);
  const share = ipamSplit(cfg?.range ?? WEAVE_DEFAULT_RANGE, peerOrder(store, node)).find((s) => s.node === node);
  if (!share || share.size === 0) return undefined;
  const used = new Set(
    store
      .list('pods')
      .filter((p) => !p['spec']?.['hostNetwork'])
      .map((p) => p['status']?.['podIP'])
      .filter((ip): ip is string => typeof ip === 'string'),
  );
  if (share.bridge) used.add(share.bridge);
  const first = networkAddress(range);
  const last = broadcast(range);
  for (let ip = share.start; ip < share.start + share.size; ip++) {
    if (ip === first || ip === last) continue; // the range's network and broadcast addresses
    const text = formatIp(ip);
    if (!used.has(text)) return text;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Endpoints

interface Endpoint {
  ip: string;
  node?: string;
  /** The pod behind the address (a host-network pod for a node address, when one listens there). */
  pod?: Obj;
  host: boolean;
}

function podRunning(p: Obj): boolean {
  return p['status']?.['phase'] === 'Running' && !p['metadata']?.['deletionTimestamp'];
}

function podReady(p: Obj): boolean {
  return podRunning(p) && ((p['status']?.['conditions'] ?? []) as Obj[]).some((c) => c['type'] === 'Ready' && c['status'] === 'True');
}

function nodeReady(n: Obj | undefined): boolean {
  return ((n?.['status']?.['conditions'] ?? []) as Obj[]).some((c) => c['type'] === 'Ready' && c['status'] === 'True');
}

function listensOn(pod: Obj, port: number): boolean {
  return ((pod['spec']?.['containers'] ?? []) as Obj[]).some((c) =>
    ((c['ports'] ?? []) as Obj[]).some((p) => Number(p['containerPort']) === port && (p['protocol'] ?? 'TCP') === 'TCP'),
  );
}

function namedPort(pod: Obj, name: string): number | undefined {
  for (const c of (pod['spec']?.['containers'] ?? []) as Obj[]) {
    for (const p of (c['ports'] ?? []) as Obj[]) if (p['name'] === name) return Number(p['containerPort']);
  }
  return undefined;
}

/**
 * Whether weave carries traffic between two nodes whose own connection is cut, through other peers:
 * a router sends a packet for a peer it has no connection to through the next hop of its unicast
 * route (v2.8.1 router/network_router.go relay: `router.Routes.Unicast(key.DstPeer.Name)`), and
 * mesh's routes run over established connections (vendor/github.com/weaveworks/mesh/routes.go). So
 * the traffic arrives while a chain of established connections joins the two: over the peers that
 * run weave, are Ready and reachable, connected as the CONN_LIMIT topology links them
 * (conn-limit.ts) and not cut apart by a partition.
 */
function relayed(sim: ExecSim, from: string, to: string): boolean {
  const store = sim.store;
  const pod = store.list('pods').find((p) => p['metadata']?.['labels']?.['name'] === 'weave-net' && p['spec']?.['nodeName'] === from);
  if (!pod) return false;
  const view = weaveViewFor(sim, pod);
  const unreachable = weaveState(sim).unreachable;
  const up = view.nodes.map((n) => n.ready && !unreachable.has(n.name) && weaveRuns(store, n.name));
  const index = new Map(view.nodes.map((n, i) => [n.name, i]));
  const start = index.get(from);
  const goal = index.get(to);
  if (start === undefined || goal === undefined) return false;
  const seen = new Set([start]);
  const queue = [start];
  while (queue.length > 0) {
    const i = queue.shift()!;
    if (i === goal) return true;
    for (const j of linkedPeers(view.nodes.length, i, view.connLimit)) {
      if (seen.has(j) || !up[j] || sim.faults?.partitioned(view.nodes[i]!.name, view.nodes[j]!.name)) continue;
      seen.add(j);
      queue.push(j);
    }
  }
  return false;
}

/** The weave peer on a node runs (its pod's weave container is running). */
function weaveRuns(store: StoreLike, node: string): boolean {
  return store
    .list('pods')
    .some(
      (p) =>
        p['metadata']?.['labels']?.['name'] === 'weave-net' &&
        p['spec']?.['nodeName'] === node &&
        podRunning(p) &&
        ((p['status']?.['containerStatuses'] ?? []) as Obj[]).some((c) => c['name'] === 'weave' && c['state']?.['running']),
    );
}

function endpointOf(store: StoreLike, ip: string): Endpoint | undefined {
  const pods = store.list('pods');
  const pod = pods.find((p) => !p['spec']?.['hostNetwork'] && p['status']?.['podIP'] === ip);
  if (pod) return { ip, node: pod['spec']?.['nodeName'], pod, host: false };
  const node = store.list('nodes', '').find((n) => internalIP(n) === ip);
  if (node) {
    const name = String(node['metadata']['name']);
    return { ip, node: name, host: true };
  }
  return undefined;
}

function sourceOf(pod: Obj): Endpoint {
  const host = !!pod['spec']?.['hostNetwork'];
  return { ip: String(pod['status']?.['podIP'] ?? ''), node: pod['spec']?.['nodeName'], pod, host };
}

// ---------------------------------------------------------------------------------------------
// weave-npc

interface PolicyPeer {
  podSelector?: Obj;
  namespaceSelector?: Obj;
  ipBlock?: { cidr: string; except?: string[] };
}

interface PolicyPort {
  protocol?: string;
  port?: number | string;
}

function sel(s: Obj | undefined, labels: Record<string, string> | undefined): boolean {
  return matchesLabels(fromLabelSelectorObject(s ?? {}), labels ?? {});
}

function nsLabels(store: StoreLike, ns: string): Record<string, string> {
  return (store.get('namespaces', '', ns)?.['metadata']?.['labels'] ?? {}) as Record<string, string>;
}

function inBlock(block: { cidr: string; except?: string[] }, ip: string): boolean {
  try {
    const n = parseIp(ip);
    return contains(block.cidr.includes('/') ? block.cidr : `${block.cidr}/32`, n) && !(block.except ?? []).some((e) => contains(e, n));
  } catch {
    return false;
  }
}

/** Whether a peer of a rule of a policy in `policyNs` matches the endpoint at the other end. */
function peerMatches(store: StoreLike, peer: PolicyPeer, policyNs: string, other: Endpoint): boolean {
  if (peer.ipBlock) return inBlock(peer.ipBlock, other.ip);
  const pod = other.host ? undefined : other.pod;
  if (!pod) return false;
  const podNs = String(pod['metadata']?.['namespace'] ?? '');
  const labels = pod['metadata']?.['labels'] as Record<string, string> | undefined;
  if (peer.namespaceSelector) {
    if (!sel(peer.namespaceSelector, nsLabels(store, podNs))) return false;
    return peer.podSelector ? sel(peer.podSelector, labels) : true;
  }
  if (peer.podSelector) return podNs === policyNs && sel(peer.podSelector, labels);
  return false;
}

function portMatches(ports: PolicyPort[] | undefined, proto: string, port: number | undefined, target: Obj | undefined): boolean {
  if (!ports || ports.length === 0) return true;
  if (port === undefined) return false; // ICMP: only rules without ports admit it
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== proto) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'number' || /^\d+$/.test(p.port)) return Number(p.port) === port;
    return target !== undefined && namedPort(target, p.port) === port;
  });
}

function legacyIsolated(store: StoreLike, ns: string): boolean {
  const a = store.get('namespaces', '', ns)?.['metadata']?.['annotations']?.['net.beta.kubernetes.io/network-policy'];
  if (!a) return false;
  try {
    return JSON.parse(String(a))?.ingress?.isolation === 'DefaultDeny';
  } catch {
    return false;
  }
}

function policyTypes(p: Obj): string[] {
  const t = p['spec']?.['policyTypes'];
  if (Array.isArray(t) && t.length > 0) return t.map(String);
  return ((p['spec']?.['egress'] ?? []) as unknown[]).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

function minor(version: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : [2, 8];
}

/** Kubernetes serves extensions/v1beta1 NetworkPolicies in 1.3-1.15 and networking.k8s.io/v1 from 1.7. */
function served(api: string, k8sMinor: number | undefined): boolean {
  if (k8sMinor === undefined) return true;
  return api === 'networking.k8s.io/v1' ? k8sMinor >= 7 : k8sMinor >= 3 && k8sMinor < 16;
}

/** Whether weave-npc lets a new connection from `src` to `dst` (a pod on the pod network) through. */
export function npcAllows(sim: Pick<ExecSim, 'store' | 'k8sVersion'>, src: Endpoint, dst: Endpoint, proto: string, port: number | undefined): boolean {
  const store = sim.store;
  const cfg = weaveConfig(store);
  if (!cfg || !cfg.npc) return true;
  const mode = npcMode(cfg.npcVersion, cfg.npcArgs);
  if (!mode.starts) return true; // weave-npc exits on its flags: no rules
  const [maj, min] = minor(cfg.npcVersion);
  const egressEnforced = maj > 2 || (maj === 2 && min >= 4);
  const policies = served(mode.watches, sim.k8sVersion?.minor) ? store.list('networkpolicies') : [];

  // ingress, at dst
  const dstPod = dst.pod;
  if (dstPod && !dst.host && !(src.host && src.node === dst.node)) {
    const ns = String(dstPod['metadata']?.['namespace'] ?? '');
    const labels = dstPod['metadata']?.['labels'] as Record<string, string> | undefined;
    const selecting = policies.filter(
      (p) =>
        p['metadata']?.['namespace'] === ns &&
        sel(p['spec']?.['podSelector'], labels) &&
        (!egressEnforced || policyTypes(p).includes('Ingress')),
    );
    const isolated = mode.legacy ? legacyIsolated(store, ns) : selecting.length > 0;
    if (isolated) {
      const admitted = selecting.some((p) =>
        ((p['spec']?.['ingress'] ?? []) as Obj[]).some(
          (rule) =>
            portMatches(rule['ports'], proto, port, dstPod) &&
            (!Array.isArray(rule['from']) || rule['from'].length === 0 || (rule['from'] as PolicyPeer[]).some((peer) => peerMatches(store, peer, ns, src))),
        ),
      );
      if (!admitted) return false;
    }
  }

  // egress, at src (weave-npc >= 2.4; traffic to the local host is exempt: `-m addrtype --dst-type LOCAL -j RETURN`)
  const srcPod = src.pod;
  if (egressEnforced && !mode.legacy && srcPod && !src.host && !(dst.host && dst.node === src.node)) {
    const ns = String(srcPod['metadata']?.['namespace'] ?? '');
    const labels = srcPod['metadata']?.['labels'] as Record<string, string> | undefined;
    const selecting = policies.filter((p) => p['metadata']?.['namespace'] === ns && sel(p['spec']?.['podSelector'], labels) && policyTypes(p).includes('Egress'));
    if (selecting.length > 0) {
      const admitted = selecting.some((p) =>
        ((p['spec']?.['egress'] ?? []) as Obj[]).some(
          (rule) =>
            portMatches(rule['ports'], proto, port, dst.pod) &&
            (!Array.isArray(rule['to']) || rule['to'].length === 0 || (rule['to'] as PolicyPeer[]).some((peer) => peerMatches(store, peer, ns, dst))),
        ),
      );
      if (!admitted) return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// A packet's fate

type Fate =
  | { ok: true; to: Endpoint }
  | { ok: false; why: 'timeout' | 'refused' | 'too-big'; mtu?: number; to?: Endpoint };

function serviceFor(store: StoreLike, ip: string): Obj | undefined {
  return store.list('services').find((s) => s['spec']?.['clusterIP'] === ip || ((s['spec']?.['clusterIPs'] ?? []) as string[]).includes(ip));
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/**
 * Where a packet from `src` to `ip` (`port` for TCP, none for ICMP) ends up. `dfSize` is the IP size
 * of a don't-fragment packet.
 */
export function deliver(sim: ExecSim, src: Obj, ip: string, proto: 'TCP' | 'ICMP', port: number | undefined, dfSize?: number): Fate {
  const store = sim.store;
  let target = ip;
  let targetPort = port;
  const svc = serviceFor(store, ip);
  if (svc) {
    // kube-proxy: DNAT to one ready endpoint; a ClusterIP does not answer ping
    if (proto !== 'TCP') return { ok: false, why: 'timeout' };
    const sp = ((svc['spec']?.['ports'] ?? []) as Obj[]).find((p) => Number(p['port']) === port && (p['protocol'] ?? 'TCP') === 'TCP');
    if (!sp) return { ok: false, why: 'refused' };
    const selector = svc['spec']?.['selector'] as Record<string, string> | undefined;
    const ns = String(svc['metadata']?.['namespace'] ?? '');
    const backends = selector
      ? store
          .list('pods', ns)
          .filter((p) => podReady(p) && matchesLabels(fromLabelSelectorObject({ matchLabels: selector }), p['metadata']?.['labels'] ?? {}))
          .sort((a, b) => String(a['metadata']['name']).localeCompare(String(b['metadata']['name'])))
      : [];
    if (backends.length === 0) return { ok: false, why: 'refused' }; // kube-proxy REJECTs a Service without endpoints
    const backend = backends[hash(`${src['metadata']?.['namespace']}/${src['metadata']?.['name']}`) % backends.length]!;
    const tp = sp['targetPort'];
    targetPort = tp === undefined ? port : typeof tp === 'number' || /^\d+$/.test(String(tp)) ? Number(tp) : namedPort(backend, String(tp));
    target = String(backend['status']?.['podIP'] ?? '');
    if (targetPort === undefined) return { ok: false, why: 'refused' };
  }
  const from = sourceOf(src);
  const to = endpointOf(store, target);
  if (!to || !from.node || !to.node) return { ok: false, why: 'timeout' };
  const fromNode = store.get('nodes', '', from.node);
  const toNode = store.get('nodes', '', to.node);
  if (!nodeReady(fromNode) || !nodeReady(toNode)) return { ok: false, why: 'timeout' };
  const cfg = weaveConfig(store);
  const mtu = cfg?.mtu ?? WEAVE_DEFAULT_MTU;
  const cross = from.node !== to.node;
  const overlay = !from.host || !to.host; // host to host goes over the underlay
  if (overlay) {
    if (!weaveRuns(store, from.node) || !weaveRuns(store, to.node)) return { ok: false, why: 'timeout', to };
    if (dfSize !== undefined && dfSize > mtu) return { ok: false, why: 'too-big', mtu, to };
    if (cross) {
      const unreachable = weaveState(sim).unreachable;
      if (unreachable.has(from.node) || unreachable.has(to.node)) return { ok: false, why: 'timeout', to };
      if (sim.faults?.partitioned(from.node, to.node) && !relayed(sim, from.node, to.node)) return { ok: false, why: 'timeout', to };
      // a don't-fragment packet over the overlay the path leaves (weave-node.ts overlayOver): over
      // sleeve, one bigger than sleeve's MTU does not arrive (weave answers it with an ICMP
      // "fragmentation needed" the probe does not read: it times out as a black hole would)
      const limit = sim.faults?.pathMtuBetween(from.node, to.node);
      const path = limit === undefined ? undefined : overlayOver(limit, mtu, { encrypted: !!cfg?.encrypted, noFastdp: !!cfg?.noFastdp });
      if (dfSize !== undefined && path !== undefined && dfSize > path.mtu) return { ok: false, why: 'timeout', to };
    }
  }
  if (to.pod && !podRunning(to.pod)) return { ok: false, why: 'timeout', to };
  if (!to.host && !npcAllows(sim, from, to, proto, targetPort)) return { ok: false, why: 'timeout', to };
  if (proto === 'TCP') {
    const listening = to.host
      ? store.list('pods').some((p) => p['spec']?.['hostNetwork'] && p['spec']?.['nodeName'] === to.node && podRunning(p) && listensOn(p, targetPort!))
      : !!to.pod && listensOn(to.pod, targetPort!);
    if (!listening) return { ok: false, why: 'refused', to };
  }
  return { ok: true, to };
}

// ---------------------------------------------------------------------------------------------
// The tools

function reply(stdout: string, stderr: string, exitCode: number): ExecReply {
  return { stdout, stderr, exitCode };
}

/** Splits "http://10.32.0.3:8080/path" into host and port (80 by default). */
function parseUrl(u: string): { host: string; port: number } | undefined {
  const m = /^(?:http:\/\/)?([^/:]+)(?::(\d+))?(\/.*)?$/.exec(u);
  return m ? { host: m[1]!, port: m[2] ? Number(m[2]) : 80 } : undefined;
}

/** Service names: "svc", "svc.ns", "svc.ns.svc", "svc.ns.svc.cluster.local" from a pod in `podNs`. */
function resolveName(store: StoreLike, name: string, podNs: string): { fqdn: string; ip: string } | undefined {
  const n = name.replace(/\.$/, '');
  const parts = n.split('.');
  const candidates: [string, string][] = [];
  if (parts.length === 1) candidates.push([parts[0]!, podNs]);
  if (parts.length === 2) candidates.push([parts[0]!, parts[1]!]);
  if (parts.length === 3 && parts[2] === 'svc') candidates.push([parts[0]!, parts[1]!]);
  if (parts.length === 5 && parts.slice(2).join('.') === 'svc.cluster.local') candidates.push([parts[0]!, parts[1]!]);
  for (const [svc, ns] of candidates) {
    const s = store.get('services', ns, svc);
    const ip = s?.['spec']?.['clusterIP'];
    if (typeof ip === 'string' && ip !== '' && ip !== 'None') return { fqdn: `${svc}.${ns}.svc.cluster.local`, ip };
  }
  return undefined;
}

function dnsServer(store: StoreLike): string {
  const ip = String(store.get('services', 'default', 'kubernetes')?.['spec']?.['clusterIP'] ?? '10.96.0.1');
  return ip.replace(/\.\d+$/, '.10');
}

function isIp(s: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(s);
}

/** The host of a name or address the tools were given (names resolve through the cluster DNS). */
function hostAddress(store: StoreLike, pod: Obj, host: string): string | undefined {
  if (isIp(host)) return host;
  return resolveName(store, host, String(pod['metadata']?.['namespace'] ?? 'default'))?.ip;
}

/** Options of a command line: flags with values (`valued`) and the remaining operands. */
function options(args: readonly string[], valued: readonly string[]): { flags: Map<string, string>; operands: string[] } {
  const flags = new Map<string, string>();
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('-') && a.length > 1) {
      if (valued.includes(a)) flags.set(a, args[++i] ?? '');
      else for (const ch of a.slice(1)) flags.set(`-${ch}`, '');
    } else operands.push(a);
  }
  return { flags, operands };
}

function wget(sim: ExecSim, pod: Obj, args: readonly string[]): ExecReply {
  const { flags, operands } = options(args, ['-O', '-T', '-U', '--header', '-P', '-Y']);
  const url = operands[0] === undefined ? undefined : parseUrl(operands[0]);
  if (!url) return reply('', 'BusyBox v1.36.1 multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[-P DIR] [-U AGENT] [-T SEC] URL...\n', 1);
  const ip = hostAddress(sim.store, pod, url.host);
  if (!ip) return reply('', `wget: bad address '${url.host}'\n`, 1);
  const fate = deliver(sim, pod, ip, 'TCP', url.port);
  const quiet = flags.has('-q');
  if (fate.ok) {
    const body = 'weavectl probe\n';
    const toStdout = flags.get('-O') === '-';
    const progress = quiet ? '' : `Connecting to ${url.host}:${url.port} (${ip}:${url.port})\n`;
    return reply(toStdout ? body : '', progress + (quiet || toStdout ? '' : "saving to 'index.html'\n"), 0);
  }
  if (fate.why === 'refused') return reply('', `wget: can't connect to remote host (${ip}): Connection refused\n`, 1);
  return reply('', 'wget: download timed out\n', 1);
}

function nc(sim: ExecSim, pod: Obj, args: readonly string[]): ExecReply {
  const { flags, operands } = options(args, ['-w', '-p', '-s', '-i']);
  const [host, portText] = operands;
  if (!host || !portText || !/^\d+$/.test(portText)) return reply('', 'usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]\n', 1);
  const ip = hostAddress(sim.store, pod, host);
  if (!ip) return reply('', `nc: getaddrinfo for host "${host}" port ${portText}: Name does not resolve\n`, 1);
  const fate = deliver(sim, pod, ip, 'TCP', Number(portText));
  const verbose = flags.has('-v');
  if (fate.ok) return reply('', verbose ? `Connection to ${host} ${portText} port [tcp/*] succeeded!\n` : '', 0);
  if (fate.why === 'refused') return reply('', verbose ? `nc: connect to ${host} port ${portText} (tcp) failed: Connection refused\n` : '', 1);
  return reply('', verbose ? `nc: connect to ${host} port ${portText} (tcp) timed out: Operation now in progress\n` : '', 1);
}

function ping(sim: ExecSim, pod: Obj, args: readonly string[]): ExecReply {
  const { flags, operands } = options(args, ['-c', '-W', '-M', '-s', '-w', '-i', '-I', '-t']);
  const host = operands[0];
  if (!host) return reply('', 'ping: usage error: Destination address required\n', 2);
  const ip = hostAddress(sim.store, pod, host);
  if (!ip) return reply('', `ping: ${host}: Name does not resolve\n`, 2);
  const size = flags.has('-s') ? Number(flags.get('-s')) : 56;
  if (!Number.isInteger(size) || size < 0) return reply('', `ping: invalid argument: '${flags.get('-s')}'\n`, 2);
  const df = flags.get('-M') === 'do';
  const fate = deliver(sim, pod, ip, 'ICMP', undefined, df ? size + 28 : undefined);
  const head = `PING ${host} (${ip}) ${size}(${size + 28}) bytes of data.\n`;
  if (fate.ok) {
    return reply(
      `${head}${size + 8} bytes from ${ip}: icmp_seq=1 ttl=64 time=0.081 ms\n\n--- ${host} ping statistics ---\n1 packets transmitted, 1 received, 0% packet loss, time 0ms\nrtt min/avg/max/mdev = 0.081/0.081/0.081/0.000 ms\n`,
      '',
      0,
    );
  }
  if (fate.why === 'too-big') {
    return reply(`${head}\n--- ${host} ping statistics ---\n1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms\n\n`, `ping: local error: message too long, mtu=${fate.mtu}\n`, 1);
  }
  return reply(`${head}\n--- ${host} ping statistics ---\n1 packets transmitted, 0 received, 100% packet loss, time 0ms\n\n`, '', 1);
}

function nslookup(sim: ExecSim, pod: Obj, args: readonly string[]): ExecReply {
  const name = args.find((a) => !a.startsWith('-'));
  const server = dnsServer(sim.store);
  if (!name) return reply('', 'Usage: nslookup [-opt[=value]] [name | -] [server]\n', 1);
  const head = `Server:\t\t${server}\nAddress:\t${server}#53\n\n`;
  const r = resolveName(sim.store, name, String(pod['metadata']?.['namespace'] ?? 'default'));
  if (!r) return reply(head, `** server can't find ${name}: NXDOMAIN\n\n`, 1);
  return reply(`${head}Name:\t${r.fqdn}\nAddress: ${r.ip}\n\n`, '', 0);
}

/** The probe image the simulator knows the tools of. */
export function isProbeImage(image: unknown): boolean {
  return /(^|\/)netshoot(:|@|$)/.test(String(image ?? ''));
}

/**
 * What `argv` answers in `container` of `pod` when that container runs the probe image, or
 * undefined when it does not (or the command is not one of the tools modelled here).
 */
export function probeExec(sim: ExecSim, pod: Obj, container: string, argv: readonly string[]): ExecReply | undefined {
  const c = ((pod['spec']?.['containers'] ?? []) as Obj[]).find((x) => x['name'] === container);
  if (!c || !isProbeImage(c['image'])) return undefined;
  const [cmd, ...args] = argv;
  switch (String(cmd ?? '').split('/').pop()) {
    case 'wget':
      return wget(sim, pod, args);
    case 'nc':
      return nc(sim, pod, args);
    case 'ping':
      return ping(sim, pod, args);
    case 'nslookup':
      return nslookup(sim, pod, args);
    case 'true':
      return reply('', '', 0);
    default:
      return undefined;
  }
}

