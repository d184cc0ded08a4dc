/**
 * Where a cluster's other address ranges can be read from, and what they are likely to be when they
 * cannot: the service range (kube-apiserver's --service-cluster-ip-range, else inferred from the
 * `kubernetes` Service address), kube-proxy's --cluster-cidr (flags or its config file), and node
 * addresses. Pure: objects in, ranges out.
 */
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../cluster/types.js';
import { canonical, contains, formatCidr, isIPv4, overlaps, tryParseCidr, type Cidr } from '../net/cidr.js';

/** Service ranges of common distributions, keyed by the first address (the `kubernetes` Service takes it). */
export const KNOWN_SERVICE_RANGES: readonly { first: string; cidr: string; who: string }[] = [
  { first: '10.96.0.1', cidr: '10.96.0.0/12', who: "kubeadm's default" },
  { first: '10.43.0.1', cidr: '10.43.0.0/16', who: "k3s' and RKE2's default" },
  { first: '10.100.0.1', cidr: '10.100.0.0/16', who: "EKS' range for VPCs outside 10.0.0.0/8" },
  { first: '172.20.0.1', cidr: '172.20.0.0/16', who: "EKS' range for VPCs in 10.0.0.0/8" },
  { first: '10.0.0.1', cidr: '10.0.0.0/16', who: "AKS' default, or the old kube-apiserver default 10.0.0.0/24" },
  { first: '100.64.0.1', cidr: '100.64.0.0/13', who: "kops' default" },
  { first: '10.233.0.1', cidr: '10.233.0.0/18', who: "kubespray's default" },
  { first: '10.152.183.1', cidr: '10.152.183.0/24', who: "MicroK8s' default" },
  { first: '10.3.0.1', cidr: '10.3.0.0/16', who: "Typhoon's default" },
  { first: '10.32.0.1', cidr: '10.32.0.0/24', who: "Kubernetes The Hard Way's range" },
];

/** The likely service range for the `kubernetes` Service address, when it is one of the known defaults. */
export function inferServiceRange(clusterIP: string): { cidr: string; who: string } | undefined {
  const k = KNOWN_SERVICE_RANGES.find((r) => r.first === clusterIP);
  return k ? { cidr: k.cidr, who: k.who } : undefined;
}

/** Command and args of every container and initContainer of a pod (or pod template spec), joined. */
export function commandLines(podSpec: unknown): string[][] {
  const spec = (podSpec ?? {}) as { containers?: unknown; initContainers?: unknown };
  const out: string[][] = [];
  for (const list of [spec.initContainers, spec.containers]) {
    if (!Array.isArray(list)) continue;
    for (const c of list as { command?: unknown; args?: unknown }[]) {
      const words = [...(Array.isArray(c?.command) ? c.command : []), ...(Array.isArray(c?.args) ? c.args : [])].map(String);
      out.push(words);
    }
  }
  return out;
}

/**
 * The value of a `--flag=value` or `--flag value` word pair in a command line. Words that hold a
 * whole shell line (`sh -c "kube-proxy --cluster-cidr=..."`) are searched too.
 */
export function flagValue(words: string[], flag: string): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === flag && i + 1 < words.length) found = words[i + 1];
    else if (w.startsWith(`${flag}=`)) found = w.slice(flag.length + 1);
    else if (/\s/.test(w)) {
      const inner = flagValue(w.split(/\s+/).filter(Boolean), flag);
      if (inner !== undefined) found = inner;
    }
  }
  return found?.replace(/^["']|["']$/g, '');
}

/** The IPv4 CIDRs of a comma-separated (dual-stack) range list, canonical; unparseable parts left out. */
export function ipv4Cidrs(list: string | undefined): string[] {
  if (!list) return [];
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && !s.includes(':'))
    .flatMap((s) => {
      const c = tryParseCidr(s);
      return c ? [formatCidr(canonical(c))] : [];
    });
}

/** kube-apiserver's --service-cluster-ip-range from its (static) pods, IPv4 parts only. */
export function serviceRangeFromApiServer(pods: KubeObject[]): string[] {
  for (const pod of pods) {
    for (const words of commandLines(pod.spec)) {
      const v = flagValue(words, '--service-cluster-ip-range');
      if (v !== undefined) return ipv4Cidrs(v);
    }
  }
  return [];
}

export interface KubeProxyClusterCidr {
  /** IPv4 ranges; empty when kube-proxy sets none. */
  cidrs: string[];
  /** Where it was read: "--cluster-cidr flag", "ConfigMap kube-proxy (config.conf clusterCIDR)". */
  source: string;
}

/** The --config path of kube-proxy's command line, if any. */
export function kubeProxyConfigPath(ds: KubeObject): string | undefined {
  for (const words of commandLines(ds.spec?.template?.spec)) {
    const v = flagValue(words, '--config');
    if (v !== undefined) return v;
  }
  return undefined;
}

/**
 * kube-proxy's cluster CIDR: its --cluster-cidr flag (which wins over the config file, as in
 * kube-proxy), else `clusterCIDR` of the config file it reads (--config PATH, served from a ConfigMap
 * whose key is the file name: kubeadm's `kube-proxy` ConfigMap, key `config.conf`).
 */
export function kubeProxyClusterCidr(ds: KubeObject, configMap?: KubeObject): KubeProxyClusterCidr {
  for (const words of commandLines(ds.spec?.template?.spec)) {
    const v = flagValue(words, '--cluster-cidr');
    if (v !== undefined) return { cidrs: ipv4Cidrs(v), source: '--cluster-cidr flag' };
  }
  const path = kubeProxyConfigPath(ds);
  const data = (configMap?.data ?? {}) as Record<string, unknown>;
  const key = path ? path.split('/').pop()! : undefined;
  const candidates = key && typeof data[key] === 'string' ? [key] : Object.keys(data).filter((k) => typeof data[k] === 'string');
  for (const k of candidates) {
    let conf: unknown;
    try {
      conf = parseYaml(data[k] as string);
    } catch {
      continue;
    }
    if (conf && typeof conf === 'object' && 'clusterCIDR' in conf) {
      const v = (conf as { clusterCIDR?: unknown }).clusterCIDR;
      return { cidrs: ipv4Cidrs(typeof v === 'string' ? v : undefined), source: `ConfigMap ${configMap?.metadata?.name ?? 'kube-proxy'} (${k} clusterCIDR)` };
    }
  }
  return { cidrs: [], source: path ? `its config file ${path}` : 'its flags' };
}

export interface NodeAddressHit {
  node: string;
  type: string;
  address: string;
}

/** The IPv4 node addresses (InternalIP, ExternalIP) inside `range`. */
export function nodeAddressesIn(range: string | Cidr, nodes: KubeObject[]): NodeAddressHit[] {
  const out: NodeAddressHit[] = [];
  for (const n of nodes) {
    const addrs: unknown = n.status?.addresses;
    if (!Array.isArray(addrs)) continue;
    for (const a of addrs as { type?: string; address?: string }[]) {
      if ((a?.type === 'InternalIP' || a?.type === 'ExternalIP') && typeof a.address === 'string' && isIPv4(a.address) && contains(range, a.address)) {
        out.push({ node: n.metadata.name, type: a.type, address: a.address });
      }
    }
  }
  return out;
}

/** Every IPv4 InternalIP / ExternalIP of the nodes. */
export function nodeAddresses(nodes: KubeObject[]): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    const addrs: unknown = n.status?.addresses;
    if (!Array.isArray(addrs)) continue;
    for (const a of addrs as { type?: string; address?: string }[]) {
      if ((a?.type === 'InternalIP' || a?.type === 'ExternalIP') && typeof a.address === 'string' && isIPv4(a.address)) out.push(a.address);
    }
  }
  return out;
}

/** Private ranges to suggest instead, most Weave-like first. */
const SUGGESTIONS = ['10.32.0.0/12', '172.30.0.0/16', '10.200.0.0/16', '192.168.192.0/18', '10.244.0.0/16'];

/**
 * A range to suggest that holds no node address, overlaps none of `avoid` and is not in a /16 that
 * holds a node address (the node's subnet is not visible, only its address).
 */
export function suggestRange(nodeAddrs: string[], avoid: string[]): string | undefined {
  return SUGGESTIONS.find((s) => {
    if (avoid.some((a) => overlaps(s, a))) return false;
    return !nodeAddrs.some((ip) => overlaps(s, `${ip}/16`));
  });
}
