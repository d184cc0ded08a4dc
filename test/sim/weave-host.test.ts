/** `ip route` and `ip [-4] addr` of a node running Weave Net (src/weave-host.ts), as iproute2 prints them. */
import { describe, expect, it } from 'vitest';
import { hostExec, ipAddr, ipRoute } from './src/weave-host.js';
import type { WeaveView } from './src/weave-node.js';

const view: WeaveView = {
  version: '2.8.1',
  ipallocRange: '172.25.64.0/18',
  nodes: [1, 2].map((i) => ({ name: `node-${i}`, internalIP: `10.200.33.1${i}`, ready: true })),
};

describe('the host network of a weave-net pod', () => {
  it('ip route: the default route, eth0’s subnet, and the weave bridge’s prefix', () => {
    expect(ipRoute(view, 'node-2')).toBe(
      [
        'default via 10.200.0.1 dev eth0 proto dhcp src 10.200.33.12 metric 100',
        '10.200.0.0/16 dev eth0 proto kernel scope link src 10.200.33.12',
        '172.25.64.0/18 dev weave proto kernel scope link src 172.25.96.0',
        '',
      ].join('\n'),
    );
    // IPAM without consensus: no bridge address, no route
    expect(ipRoute({ ...view, awaitingConsensus: true }, 'node-1')).not.toContain('dev weave');
  });

  it('ip -4 addr: lo, eth0 and weave with their IPv4 addresses', () => {
    const text = ipAddr(view, 'node-1', true);
    expect(text).toContain('    inet 127.0.0.1/8 scope host lo\n');
    expect(text).toContain('    inet 10.200.33.11/16 brd 10.200.255.255 scope global eth0\n');
    expect(text).toContain('5: weave: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1376 qdisc noqueue state UP group default qlen 1000\n    inet 172.25.64.1/18 brd 172.25.127.255 scope global weave\n');
    expect(text).not.toContain('link/ether');
    expect(ipAddr(view, 'node-1', false)).toContain('link/ether');
  });

  it('answers in both containers, only ip route/addr without a device, only on a peer', () => {
    expect(hostExec(view, 'node-1', 'weave-npc', ['ip', 'route'])?.exitCode).toBe(0);
    expect(hostExec(view, 'node-1', 'weave', ['/sbin/ip', '-4', 'addr', 'show'])?.stdout).toContain('scope global weave');
    expect(hostExec(view, 'node-1', 'weave', ['ip', 'link'])).toBeUndefined();
    expect(hostExec(view, 'node-1', 'other', ['ip', 'route'])).toBeUndefined();
    expect(hostExec(view, 'node-9', 'weave', ['ip', 'route'])).toBeUndefined();
  });
});
