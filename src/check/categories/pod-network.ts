/** Category pod-network: no other CNI plugin runs next to Weave Net. */
import type { KubeObject } from '../../cluster/types.js';
import { lookupFailed, ok, plural, type Check } from '../framework.js';
import { findOtherCnis } from '../cni.js';

export const otherCniCheck: Check = {
  id: 'pod-network-no-other-cni',
  category: 'pod-network',
  description: 'no other pod network (CNI plugin) is running',
  async run(ctx) {
    let daemonSets: KubeObject[];
    try {
      daemonSets = await ctx.allDaemonSets();
    } catch (err) {
      return lookupFailed(err, 'listing DaemonSets in all namespaces');
    }
    const nodes = await ctx.nodes().catch(() => [] as KubeObject[]);
    const k3s = /\+k3s/.test((await ctx.serverVersion()).gitVersion);
    const findings = findOtherCnis(daemonSets, nodes);
    const running = findings.filter((f) => f.running || (k3s && f.plugin === 'flannel'));
    if (running.length > 0) {
      const k3sFlannel = k3s && running.some((f) => f.plugin === 'flannel' && !f.running);
      return {
        status: 'fail',
        message: running.map((f) => `${f.plugin} is running (${f.running ? f.evidence : `k3s' embedded flannel: ${f.evidence}`})`).join('; '),
        hint: k3sFlannel
          ? "start k3s with --flannel-backend=none --disable-network-policy and install Weave Net with --ipalloc 10.42.0.0/16 (two CNI plugins on one node break pod networking)"
          : `two CNI plugins on one node break pod networking: remove ${running.map((f) => f.plugin).join(' and ')} (its DaemonSet, and its file in /etc/cni/net.d on every node) before installing Weave Net`,
      };
    }
    if (findings.length > 0) {
      return {
        status: 'warn',
        message: findings.map((f) => `${f.plugin} left traces but no DaemonSet runs it (${f.evidence}): it may run outside Kubernetes, or was removed without cleaning up`).join('; '),
        hint: 'make sure only Weave Net configures pod networking: /etc/cni/net.d on each node should hold no other plugin file',
      };
    }
    return ok(`none found among ${plural(daemonSets.length, 'DaemonSet')} in all namespaces`);
  },
};
