/**
 * The names Weave Net and Weave Scope give their objects, labels, containers and ports: the one place
 * weavectl spells them. Pure data, no I/O. The release table is src/weave/releases.ts.
 *
 * Weave Net (weaveworks/weave prog/weave-kube/weave-daemonset-k8s-*.yaml, v2.0.0 ... v2.8.1, and reweave
 * to v2.9.0): every object is named weave-net (DaemonSet, ServiceAccount, ClusterRole, ClusterRoleBinding,
 * Role, RoleBinding, and the ConfigMap weave-kube writes at run time), in kube-system; the 1.6 flavour of
 * 2.1-2.7 names its Role/RoleBinding weave-net-kube-peer. Pods carry `name: weave-net`; containers
 * weave and weave-npc (and, in the manifests that have one, the init container weave-init).
 *
 * Weave Scope (weaveworks/scope examples/k8s/*.yaml at v1.13.2): namespace `weave`, Deployment and
 * Service weave-scope-app (container `app`, port 4040), DaemonSet weave-scope-agent (container
 * scope-agent), Deployment weave-scope-cluster-agent (container scope-cluster-agent), ServiceAccount,
 * ClusterRole, ClusterRoleBinding (and PodSecurityPolicy) weave-scope; its workloads and Service carry `app: weave-scope`.
 */

/** The namespace Weave Net lives in unless -n says otherwise (the upstream manifests' namespace). */
export const WEAVE_NAMESPACE = 'kube-system';

/** The name of Weave Net's DaemonSet, and of its ServiceAccount, roles, bindings and peer ConfigMap. */
export const NET_DAEMONSET = 'weave-net';
/** Role/RoleBinding name of the 1.6 flavour of Weave Net 2.1-2.7. */
export const NET_LEGACY_ROLE = 'weave-net-kube-peer';
/** The label selector of Weave Net's pods (the DaemonSet's `selector.matchLabels.name: weave-net`). */
export const NET_POD_SELECTOR = 'name=weave-net';

/** Weave Net's containers. */
export const WEAVE_CONTAINER = 'weave';
export const NPC_CONTAINER = 'weave-npc';
export const INIT_CONTAINER = 'weave-init';

/**
 * Weave Net's ports: the router's status API (127.0.0.1:6784, the readiness probe's; also the fast
 * datapath's UDP port: vxlan-6784), its metrics (0.0.0.0:6782; prog/weave-kube/launch.sh at v2.8.1)
 * and weave-npc's metrics (:6781; prog/weave-npc/main.go at v2.8.1).
 */
export const NET_STATUS_PORT = 6784;
export const NET_METRICS_PORT = 6782;
export const NPC_METRICS_PORT = 6781;

/** Weave Scope's namespace in its manifests from 1.7 (weavectl's "current" template); before, Weave Net's. */
export const SCOPE_NAMESPACE = 'weave';
/** Deployment and Service of the Scope app (UI). */
export const SCOPE_APP = 'weave-scope-app';
export const SCOPE_SERVICE = SCOPE_APP;
export const SCOPE_AGENT_DAEMONSET = 'weave-scope-agent';
export const SCOPE_CLUSTER_AGENT_DEPLOYMENT = 'weave-scope-cluster-agent';
/** ServiceAccount, ClusterRole, ClusterRoleBinding and PodSecurityPolicy of Scope. */
export const SCOPE_ACCOUNT = 'weave-scope';
/** The `app` label of Scope's workloads, pods and Service. */
export const SCOPE_APP_LABEL = 'weave-scope';
export const SCOPE_POD_SELECTOR = `app=${SCOPE_APP_LABEL}`;
/** Scope's containers. */
export const SCOPE_APP_CONTAINER = 'app';
export const SCOPE_AGENT_CONTAINER = 'scope-agent';
export const SCOPE_CLUSTER_AGENT_CONTAINER = 'scope-cluster-agent';
/** The port the Scope app listens on (and the Service's default port in weavectl). */
export const SCOPE_APP_PORT = 4040;
/** weavectl's own: the NetworkPolicy `scope --allow-from` writes in front of the app (no upstream manifest has it). */
export const SCOPE_ALLOW_FROM_POLICY = 'weave-scope-app-allow-from';
