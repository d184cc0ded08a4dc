/**
 * What `weavectl uninstall` deletes, in order, and what it cannot delete because it lives on the
 * nodes. Pure: the plan is data; src/uninstall/run.ts carries it out.
 *
 * Weave Net (every flavour and release of weave-facts §2, and reweave): the DaemonSet weave-net
 * first (so the pods stop while their RBAC still exists), then Role/RoleBinding weave-net (2.1+),
 * Role/RoleBinding weave-net-kube-peer (the 1.6 flavour of 2.1-2.7), ClusterRoleBinding and
 * ClusterRole weave-net, ServiceAccount weave-net, and the ConfigMap weave-net that weave-kube
 * creates at run time to track the peers. The Secret that holds WEAVE_PASSWORD belongs to the
 * user: it is named in the report and kept.
 *
 * Weave Scope (--scope): the objects of both layouts: namespace `weave` (Scope >= 1.7 manifests,
 * weavectl's "current" template) and the namespace Weave Net lives in (the legacy layout of
 * Scope <= 1.6, applied with --namespace kube-system): Deployments weave-scope-app and
 * weave-scope-cluster-agent, DaemonSet weave-scope-agent, Service weave-scope-app, ServiceAccount
 * weave-scope, NetworkPolicy weave-scope-app-allow-from (scope --allow-from); then the cluster-wide
 * ClusterRoleBinding, ClusterRole and PodSecurityPolicy weave-scope; last the Namespace `weave` itself, unless something else runs in it.
 */

export type Product = 'net' | 'scope';

export interface PlannedDeletion {
  product: Product;
  kind: string;
  /** API versions to try, newest first: the first the cluster serves is used. */
  apiVersions: readonly string[];
  /** undefined for cluster-scoped kinds. */
  namespace?: string;
  name: string;
  /** Why it is there, when that is not obvious. */
  note?: string;
}

import { NET_DAEMONSET as NET_NAME, NET_LEGACY_ROLE, SCOPE_ACCOUNT, SCOPE_ALLOW_FROM_POLICY, SCOPE_AGENT_DAEMONSET, SCOPE_APP, SCOPE_CLUSTER_AGENT_DEPLOYMENT, SCOPE_NAMESPACE } from '../weave/names.js';


function item(product: Product, kind: string, name: string, namespace?: string, note?: string): PlannedDeletion {
  return { product, kind, apiVersions: versionsOf(kind), ...(namespace === undefined ? {} : { namespace }), name, ...(note ? { note } : {}) };
}

export interface PlanOptions {
  /** The namespace Weave Net lives in (-n, default kube-system). */
  namespace: string;
  /** Uninstall Weave Scope too. */
  scope: boolean;
}

function scopeWorkloads(namespace: string): PlannedDeletion[] {
  return [
    item('scope', 'Deployment', SCOPE_APP, namespace),
    item('scope', 'Deployment', SCOPE_CLUSTER_AGENT_DEPLOYMENT, namespace),
    item('scope', 'DaemonSet', SCOPE_AGENT_DAEMONSET, namespace),
    item('scope', 'Service', SCOPE_APP, namespace),
    item('scope', 'ServiceAccount', SCOPE_ACCOUNT, namespace),
    item('scope', 'NetworkPolicy', SCOPE_ALLOW_FROM_POLICY, namespace, 'scope --allow-from'),
  ];
}

export function uninstallPlan(opts: PlanOptions): PlannedDeletion[] {
  const ns = opts.namespace;
  const plan: PlannedDeletion[] = [
    item('net', 'DaemonSet', NET_NAME, ns),
    item('net', 'RoleBinding', NET_NAME, ns),
    item('net', 'Role', NET_NAME, ns),
    item('net', 'RoleBinding', NET_LEGACY_ROLE, ns, 'Weave Net 2.1-2.7 for Kubernetes 1.6'),
    item('net', 'Role', NET_LEGACY_ROLE, ns, 'Weave Net 2.1-2.7 for Kubernetes 1.6'),
    item('net', 'ClusterRoleBinding', NET_NAME),
    item('net', 'ClusterRole', NET_NAME),
    item('net', 'ServiceAccount', NET_NAME, ns),
    item('net', 'ConfigMap', NET_NAME, ns, "weave-kube's list of peers"),
  ];
  if (!opts.scope) return plan;
  plan.push(...scopeWorkloads(SCOPE_NAMESPACE));
  if (ns !== SCOPE_NAMESPACE) plan.push(...scopeWorkloads(ns).map((d) => ({ ...d, note: `Scope's layout before 1.7, in ${ns}` })));
  plan.push(
    item('scope', 'ClusterRoleBinding', SCOPE_ACCOUNT),
    item('scope', 'ClusterRole', SCOPE_ACCOUNT),
    item('scope', 'PodSecurityPolicy', SCOPE_ACCOUNT),
    item('scope', 'Namespace', SCOPE_NAMESPACE),
  );
  return plan;
}

import { groupOf, versionsOf } from '../kube/kinds.js';

/** kubectl's name of an object in its messages: `daemonset.apps "weave-net"`, `serviceaccount "weave-net"`. */
export function kubectlName(kind: string, apiVersion: string, name: string): string {
  const group = groupOf(apiVersion);
  return `${kind.toLowerCase()}${group ? `.${group}` : ''} ${JSON.stringify(name)}`;
}

/** The short form for JSON events and lists: `daemonset.apps/weave-net`. */
export function objectKey(kind: string, apiVersion: string, name: string, namespace?: string): string {
  const group = groupOf(apiVersion);
  return `${namespace ? `${namespace}/` : ''}${kind.toLowerCase()}${group ? `.${group}` : ''}/${name}`;
}

/**
 * The Secret a weave container takes WEAVE_PASSWORD from (secretKeyRef), if any: it is the
 * user's, so uninstall keeps it and says so.
 */
export function passwordSecretOf(ds: { spec?: any } | undefined): { name: string; key?: string } | undefined { // eslint-disable-line @typescript-eslint/no-explicit-any
  const containers: unknown = ds?.spec?.template?.spec?.containers;
  if (!Array.isArray(containers)) return undefined;
  for (const c of containers as { env?: { name?: string; valueFrom?: { secretKeyRef?: { name?: string; key?: string } } }[] }[]) {
    for (const e of c?.env ?? []) {
      const ref = e?.name === 'WEAVE_PASSWORD' ? e.valueFrom?.secretKeyRef : undefined;
      if (ref?.name) return { name: ref.name, ...(ref.key ? { key: ref.key } : {}) };
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// What stays on the nodes

export interface NodeLeftover {
  /** Short id for JSON: cni-config, cni-plugins, interfaces, ipam-data, iptables, ipsets. */
  id: string;
  what: string;
  /** Why it matters. */
  why: string;
  /** Shell commands to run as root on every node. */
  clean: string[];
}

/**
 * What a Weave Net pod leaves on its node (hostPath mounts and the host network namespace),
 * and how to remove each, after the upstream `weave reset` (destroy the bridge and datapath,
 * the WEAVE iptables chains, the persisted IPAM data) and the kube addon's CNI install.
 */
export function nodeLeftovers(): NodeLeftover[] {
  return [
    {
      id: 'cni-config',
      what: 'CNI configuration /etc/cni/net.d/10-weave.conflist (10-weave.conf before Weave 2.2)',
      why: 'the kubelet keeps handing new pods to Weave while it is there',
      clean: ['rm -f /etc/cni/net.d/10-weave.conflist /etc/cni/net.d/10-weave.conf'],
    },
    {
      id: 'cni-plugins',
      what: 'CNI plugins /opt/cni/bin/weave-net, weave-ipam, weave-plugin-<version>',
      why: 'unused once the configuration is gone',
      clean: ['rm -f /opt/cni/bin/weave-net /opt/cni/bin/weave-ipam /opt/cni/bin/weave-plugin-*'],
    },
    {
      id: 'interfaces',
      what: 'network interfaces: the weave bridge, datapath (fast datapath), vethwe-bridge/vethwe-datapath, vxlan-6784',
      why: 'the bridge keeps its address from the Weave range and its routes',
      clean: ['ip link delete weave', 'ip link delete datapath', 'ip link delete vethwe-bridge', 'ip link delete vxlan-6784'],
    },
    {
      id: 'ipam-data',
      what: 'IPAM data /var/lib/weave (weave-netdata.db: the range and which peer owns which part)',
      why: 'a later install reuses it: the old IPALLOC_RANGE and peer names win over the new settings',
      clean: ['rm -rf /var/lib/weave'],
    },
    {
      id: 'iptables',
      what: 'iptables chains WEAVE, WEAVE-CANARY, WEAVE-NPC* and WEAVE-EXPOSE, and the rules that jump to them',
      why: 'weave-npc chains keep filtering traffic to and from pod addresses',
      clean: ['iptables-save | grep -v WEAVE | iptables-restore'],
    },
    {
      id: 'ipsets',
      what: "weave-npc's ipsets weave-*",
      why: 'remove them after the iptables rules that use them',
      clean: ["ipset list -n | grep '^weave-' | xargs -r -n1 ipset destroy"],
    },
  ];
}
