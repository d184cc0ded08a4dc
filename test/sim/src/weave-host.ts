/**
 * The host's network as the containers of a Weave Net pod see it (hostNetwork: true, so the node's
 * own interfaces and routes): `ip route` and `ip [-4] addr` without a device, which `weavectl
 * sysdump` collects as the upstream bug template asks. (`ip addr show dev weave` stays in
 * weave-node.ts.) Pure.
 *
 * The node has `lo`, `eth0` with its InternalIP (in a /16: the simulator numbers nodes from
 * 10.200.33.11 up) and a default route through the first address of that /16, and the weave bridge
 * with its address in the Weave range when IPAM gave the node a share: the kernel route of the
 * bridge's prefix (`proto kernel scope link`), as iproute2 prints it. MTU of eth0 1500; of weave
 * WEAVE_MTU (default 1376).
 */
import { formatIp, networkAddress, parseCidr, parseIp, broadcast } from '../../../src/net/cidr.js';
import { bridgeCidr, peerName, WEAVE_DEFAULT_MTU, type ExecOutcome, type WeaveView } from './weave-node.js';

function hostCidr(ip: string): { net: string; gateway: string; brd: string } {
  const c = { address: parseIp(ip), prefix: 16 };
  return { net: `${formatIp(networkAddress(c))}/16`, gateway: formatIp(networkAddress(c) + 1), brd: formatIp(broadcast(c)) };
}

/** `ip route` on the node. */
export function ipRoute(view: WeaveView, nodeName: string): string {
  const node = view.nodes.find((n) => n.name === nodeName)!;
  const h = hostCidr(node.internalIP);
  const lines = [`default via ${h.gateway} dev eth0 proto dhcp src ${node.internalIP} metric 100`, `${h.net} dev eth0 proto kernel scope link src ${node.internalIP}`];
  const bridge = bridgeCidr(view, nodeName);
  if (bridge) {
    const c = parseCidr(bridge);
    lines.push(`${formatIp(networkAddress(c))}/${c.prefix} dev weave proto kernel scope link src ${bridge.split('/')[0]}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `ip [-4] addr [show]` on the node: lo, eth0, weave. */
export function ipAddr(view: WeaveView, nodeName: string, inet4Only: boolean): string {
  const node = view.nodes.find((n) => n.name === nodeName)!;
  const h = hostCidr(node.internalIP);
  const lft = '       valid_lft forever preferred_lft forever';
  const out: string[] = ['1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000'];
  if (!inet4Only) out.push('    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00');
  out.push('    inet 127.0.0.1/8 scope host lo', lft);
  out.push('2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000');
  if (!inet4Only) out.push(`    link/ether ${peerName(`eth0:${nodeName}`)} brd ff:ff:ff:ff:ff:ff`);
  out.push(`    inet ${node.internalIP}/16 brd ${h.brd} scope global eth0`, lft);
  const bridge = bridgeCidr(view, nodeName);
  out.push(`5: weave: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu ${view.mtu ?? WEAVE_DEFAULT_MTU} qdisc noqueue state UP group default qlen 1000`);
  if (!inet4Only) out.push(`    link/ether ${peerName(nodeName)} brd ff:ff:ff:ff:ff:ff`);
  if (bridge) out.push(`    inet ${bridge} brd ${formatIp(broadcast(parseCidr(bridge)))} scope global weave`, lft);
  return `${out.join('\n')}\n`;
}

/** `ip route` and `ip addr` without a device, in either container of a Weave Net pod; undefined otherwise. */
export function hostExec(view: WeaveView, nodeName: string, container: string, argv: readonly string[]): ExecOutcome | undefined {
  const [cmd, ...args] = argv;
  if (cmd === undefined || cmd.split('/').pop() !== 'ip' || (container !== 'weave' && container !== 'weave-npc')) return undefined;
  if (!view.nodes.some((n) => n.name === nodeName)) return undefined;
  const flags = args.filter((a) => a.startsWith('-'));
  const rest = args.filter((a) => !a.startsWith('-'));
  const inet4Only = flags.includes('-4');
  if (['r', 'ro', 'route'].includes(rest[0] ?? '') && (rest.length === 1 || (rest.length === 2 && rest[1] === 'show'))) {
    return { stdout: ipRoute(view, nodeName), stderr: '', exitCode: 0 };
  }
  if (['a', 'addr', 'address'].includes(rest[0] ?? '') && (rest.length === 1 || (rest.length === 2 && rest[1] === 'show')) && !flags.includes('-o')) {
    return { stdout: ipAddr(view, nodeName, inet4Only), stderr: '', exitCode: 0 };
  }
  return undefined;
}
