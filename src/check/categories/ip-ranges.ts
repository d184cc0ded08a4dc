/** Category ip-ranges: Weave Net's pod range does not overlap the nodes', the services' or kube-proxy's. */
import type { KubeObject } from '../../cluster/types.js';
import { overlaps, contains } from '../../net/cidr.js';
import { lookupFailed, ok, plural, type Check, type CheckContext } from '../framework.js';
import {
  inferServiceRange,
  kubeProxyClusterCidr,
  kubeProxyConfigPath,
  nodeAddresses,
  nodeAddressesIn,
  serviceRangeFromApiServer,
  suggestRange,
} from '../ranges.js';

function rangeText(r: { cidr: string; source: string }): string {
  return `pod range ${r.cidr} (${r.source})`;
}

/** The advice that goes with a range problem: another range, and the caution when Weave Net runs already. */
async function rangeHint(ctx: CheckContext, avoid: string[], what: string): Promise<string> {
  const nodes = await ctx.nodes().catch(() => [] as KubeObject[]);
  const range = await ctx.podRange();
  const suggestion = suggestRange(nodeAddresses(nodes), [...avoid]);
  const choose = `${what}${suggestion ? `, e.g. --ipalloc ${suggestion}` : ''}`;
  if (range.source === '--ipalloc') return choose;
  const live = await ctx.liveSettings().catch(() => undefined);
  return live ? `${choose} (changing the range of a running Weave Net disconnects pods: see --allow-range-change)` : choose;
}

export const nodeRangeCheck: Check = {
  id: 'ip-ranges-nodes',
  category: 'ip-ranges',
  description: 'the pod range holds no node address',
  async run(ctx) {
    const range = await ctx.podRange();
    let nodes: KubeObject[];
    try {
      nodes = await ctx.nodes();
    } catch (err) {
      return lookupFailed(err, 'listing nodes');
    }
    const hits = nodeAddressesIn(range.cidr, nodes);
    if (hits.length > 0) {
      const shown = hits.slice(0, 5).map((h) => `${h.node} ${h.type} ${h.address}`);
      const more = hits.length > 5 ? ` and ${hits.length - 5} more` : '';
      const names = new Set(hits.map((h) => h.node));
      return {
        status: 'fail',
        message: `${rangeText(range)} holds the addresses of ${plural(names.size, 'node')}: ${shown.join(', ')}${more}; weave crash-loops there with "Network ${range.cidr} overlaps with existing route"`,
        hint: await rangeHint(ctx, [], 'choose a range away from the node network'),
      };
    }
    return ok(`${rangeText(range)}; ${plural(nodeAddresses(nodes).length, 'node address')} outside it`);
  },
};

async function kubernetesServiceIp(ctx: CheckContext): Promise<string | undefined> {
  const svc = await ctx.cluster.get({ apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'kubernetes' });
  const ips: unknown[] = [svc?.spec?.clusterIP, ...(Array.isArray(svc?.spec?.clusterIPs) ? svc!.spec.clusterIPs : [])];
  return ips.find((ip): ip is string => typeof ip === 'string' && /^[0-9.]+$/.test(ip));
}

export const serviceRangeCheck: Check = {
  id: 'ip-ranges-services',
  category: 'ip-ranges',
  description: 'the pod range does not overlap the service range',
  async run(ctx) {
    const range = await ctx.podRange();
    // kube-apiserver's own flag, where it runs as a (static) pod that can be read.
    const apiServers = await ctx.cluster
      .list({ apiVersion: 'v1', kind: 'Pod', namespace: 'kube-system' }, { labelSelector: 'component=kube-apiserver' })
      .then((r) => r.items)
      .catch(() => [] as KubeObject[]);
    const flagged = serviceRangeFromApiServer(apiServers);
    if (flagged.length > 0) {
      const clash = flagged.filter((s) => overlaps(s, range.cidr));
      if (clash.length > 0) {
        return {
          status: 'fail',
          message: `${rangeText(range)} overlaps the service range ${clash.join(', ')} (kube-apiserver --service-cluster-ip-range): pod and service addresses would collide`,
          hint: await rangeHint(ctx, flagged, 'choose a pod range outside the service range'),
        };
      }
      return ok(`service range ${flagged.join(', ')} (kube-apiserver --service-cluster-ip-range)`);
    }

    let ip: string | undefined;
    try {
      ip = await kubernetesServiceIp(ctx);
    } catch (err) {
      return lookupFailed(err, 'reading Service default/kubernetes');
    }
    if (!ip) return { status: 'skip', message: 'the service range is not visible: no kube-apiserver pod to read, and Service default/kubernetes has no IPv4 address' };
    const inferred = inferServiceRange(ip);
    if (contains(range.cidr, ip)) {
      return {
        status: 'fail',
        message: `${rangeText(range)} holds ${ip}, the address of Service default/kubernetes: pod and service addresses collide${inferred ? ` (the service range is probably ${inferred.cidr}, ${inferred.who})` : ''}`,
        hint: await rangeHint(ctx, inferred ? [inferred.cidr] : [`${ip}/32`], 'choose a pod range outside the service range'),
      };
    }
    if (inferred && overlaps(inferred.cidr, range.cidr)) {
      return {
        status: 'warn',
        message: `${rangeText(range)} overlaps ${inferred.cidr}, the service range inferred from Service default/kubernetes (${ip}; ${inferred.who})`,
        hint: `check the cluster's --service-cluster-ip-range; if it is ${inferred.cidr}, ${await rangeHint(ctx, [inferred.cidr], 'choose a pod range outside it')}`,
      };
    }
    return ok(
      inferred
        ? `service range inferred as ${inferred.cidr} from Service default/kubernetes (${ip}; ${inferred.who})`
        : `the service range is not visible; Service default/kubernetes (${ip}) is outside the pod range`,
    );
  },
};

/** k3s runs kube-proxy inside its own binary with its --cluster-cidr, 10.42.0.0/16 by default. */
const K3S_CLUSTER_CIDR = '10.42.0.0/16';

export const kubeProxyRangeCheck: Check = {
  id: 'ip-ranges-kube-proxy',
  category: 'ip-ranges',
  description: "kube-proxy's --cluster-cidr matches the pod range",
  async run(ctx) {
    const range = await ctx.podRange();
    let ds: KubeObject | undefined;
    try {
      ds = await ctx.cluster.get({ apiVersion: await ctx.daemonSetApiVersion(), kind: 'DaemonSet', namespace: 'kube-system', name: 'kube-proxy' });
    } catch (err) {
      return lookupFailed(err, 'reading DaemonSet kube-system/kube-proxy');
    }
    if (!ds) {
      const k3s = /\+k3s/.test((await ctx.serverVersion()).gitVersion);
      if (k3s && range.cidr === K3S_CLUSTER_CIDR) return ok(`k3s runs kube-proxy itself, with --cluster-cidr ${K3S_CLUSTER_CIDR} unless its server was started with another`);
      if (k3s) {
        return {
          status: 'warn',
          message: `k3s runs kube-proxy with --cluster-cidr ${K3S_CLUSTER_CIDR} unless its server was started with another; the ${rangeText(range)} differs`,
          hint: `install with --ipalloc ${K3S_CLUSTER_CIDR}, or start the k3s server with --cluster-cidr ${range.cidr}`,
        };
      }
      return { status: 'skip', message: 'no DaemonSet kube-system/kube-proxy (kube-proxy runs outside Kubernetes, or something replaces it)' };
    }
    let cm: KubeObject | undefined;
    if (kubeProxyConfigPath(ds) !== undefined) {
      cm = await ctx.cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'kube-proxy' }).catch(() => undefined);
    }
    const found = kubeProxyClusterCidr(ds, cm);
    if (found.cidrs.length === 0) return ok(`kube-proxy sets no cluster CIDR (${found.source})`);
    if (found.cidrs.includes(range.cidr)) return ok(`${range.cidr} (${found.source})`);
    return {
      status: 'warn',
      message:
        `kube-proxy's cluster CIDR is ${found.cidrs.join(', ')} (${found.source}) but the ${rangeText(range)} differs: ` +
        'kube-proxy masquerades service traffic from addresses outside its cluster CIDR, so pods reaching services get SNATed (source-IP NetworkPolicies and client IPs break)',
      hint: `make them equal: set kube-proxy's clusterCIDR to ${range.cidr} (kubectl -n kube-system edit configmap kube-proxy, then restart the kube-proxy pods), or install with --ipalloc ${found.cidrs[0]}`,
    };
  },
};
