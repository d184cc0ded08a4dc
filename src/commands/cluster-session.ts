/**
 * Connecting to the cluster from the global flags (the client library is loaded here, on demand, so
 * that rendering never pays for the cluster code). What the flows do with a cluster is in their
 * capability folders (src/install/, src/scope/, src/deploy/, ...).
 */
import type { KubeCluster } from '../cluster/kube-cluster.js';
import type { Reporter } from '../output/reporter.js';
import type { Globals } from './global.js';

export async function openCluster(g: Globals, reporter: Reporter): Promise<KubeCluster> {
  const { connect } = await import('../cluster/kube-cluster.js');
  return connect({
    kubeconfig: g.kubeconfig,
    context: g.context,
    ...(g.namespaceSet ? { namespace: g.namespace } : {}),
    ...(g.requestTimeoutMs !== undefined ? { requestTimeoutMs: g.requestTimeoutMs } : {}),
    deadline: g.deadline,
    overrides: g.overrides,
    commandTimeoutMs: g.timeoutMs,
    onWarning: (m) => reporter.warn(m),
  });
}
