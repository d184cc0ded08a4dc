/**
 * Other pod networks (CNI plugins) running in a cluster, found by their DaemonSets' names and labels,
 * and traces they leave on Node objects (annotations) when they run outside Kubernetes, as k3s'
 * embedded flannel does. Two CNI plugins on one node break pod networking: each writes its config to
 * /etc/cni/net.d and the kubelet uses the first file, so pods end up on either network. Pure.
 */
import type { KubeObject } from '../cluster/types.js';
import { NET_DAEMONSET } from '../weave/names.js';

export interface CniPlugin {
  /** "Calico" */
  name: string;
  /** DaemonSet names (exact), or prefixes when they end with "*". */
  daemonSets: readonly string[];
  /** Values of the k8s-app / app / app.kubernetes.io/name / name labels. */
  labels: readonly string[];
  /** Node annotation key prefixes the plugin writes. */
  nodeAnnotations?: readonly string[];
}

export const CNI_PLUGINS: readonly CniPlugin[] = [
  { name: 'Calico', daemonSets: ['calico-node'], labels: ['calico-node'], nodeAnnotations: ['projectcalico.org/'] },
  { name: 'Canal (Calico + flannel)', daemonSets: ['canal', 'rke2-canal'], labels: ['canal'] },
  { name: 'flannel', daemonSets: ['kube-flannel-ds*', 'kube-flannel', 'flannel'], labels: ['flannel'], nodeAnnotations: ['flannel.alpha.coreos.com/'] },
  { name: 'Cilium', daemonSets: ['cilium'], labels: ['cilium'], nodeAnnotations: ['io.cilium.network.'] },
  { name: 'kube-router', daemonSets: ['kube-router'], labels: ['kube-router'], nodeAnnotations: ['kube-router.io/'] },
  { name: 'Antrea', daemonSets: ['antrea-agent'], labels: ['antrea'] },
  { name: 'AWS VPC CNI', daemonSets: ['aws-node'], labels: ['aws-node'] },
  { name: 'kindnet', daemonSets: ['kindnet'], labels: ['kindnet'] },
  { name: 'OVN-Kubernetes', daemonSets: ['ovnkube-node'], labels: ['ovnkube-node'] },
  { name: 'Kube-OVN', daemonSets: ['kube-ovn-cni'], labels: ['kube-ovn-cni'] },
  { name: 'Azure CNI', daemonSets: ['azure-cns', 'azure-cni'], labels: ['azure-cns', 'azure-cni'] },
];

const LABEL_KEYS = ['k8s-app', 'app', 'app.kubernetes.io/name', 'name'];

export interface CniFinding {
  plugin: string;
  /** "DaemonSet calico-system/calico-node" or "annotations projectcalico.org/* on 3 of 3 nodes" */
  evidence: string;
  /** true: a workload is running; false: only traces on the nodes (stale, or running outside Kubernetes). */
  running: boolean;
}

function nameMatches(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
}

/** Is this DaemonSet Weave Net itself (never a conflict)? */
export function isWeaveNet(ds: KubeObject): boolean {
  if (ds.metadata.name === NET_DAEMONSET) return true;
  const images = ((ds.spec?.template?.spec?.containers ?? []) as { image?: string }[]).map((c) => String(c?.image ?? ''));
  return images.some((i) => /(^|\/)(weave-kube|weave-npc)(:|@|$)/.test(i));
}

/** The CNI plugin a DaemonSet runs, if it is one weavectl knows. */
export function cniOfDaemonSet(ds: KubeObject): CniPlugin | undefined {
  if (isWeaveNet(ds)) return undefined;
  const labels = { ...(ds.metadata.labels ?? {}), ...((ds.spec?.template?.metadata?.labels ?? {}) as Record<string, string>) };
  return CNI_PLUGINS.find((p) => nameMatches(ds.metadata.name, p.daemonSets) || LABEL_KEYS.some((k) => labels[k] !== undefined && p.labels.includes(labels[k]!)));
}

/**
 * Other CNI plugins: every DaemonSet that runs one (running: true), then plugins that only left
 * annotations on nodes (running: false), for the plugins no DaemonSet was found for.
 */
export function findOtherCnis(daemonSets: KubeObject[], nodes: KubeObject[] = []): CniFinding[] {
  const out: CniFinding[] = [];
  const seen = new Set<string>();
  for (const ds of daemonSets) {
    const p = cniOfDaemonSet(ds);
    if (!p) continue;
    seen.add(p.name);
    out.push({ plugin: p.name, evidence: `DaemonSet ${ds.metadata.namespace ? `${ds.metadata.namespace}/` : ''}${ds.metadata.name}`, running: true });
  }
  for (const p of CNI_PLUGINS) {
    if (seen.has(p.name) || !p.nodeAnnotations) continue;
    const marked = nodes.filter((n) => Object.keys(n.metadata.annotations ?? {}).some((k) => p.nodeAnnotations!.some((prefix) => k.startsWith(prefix))));
    if (marked.length === 0) continue;
    out.push({ plugin: p.name, evidence: `annotations ${p.nodeAnnotations.map((a) => `${a}*`).join(', ')} on ${marked.length} of ${nodes.length} node${nodes.length === 1 ? '' : 's'}`, running: false });
  }
  return out;
}
