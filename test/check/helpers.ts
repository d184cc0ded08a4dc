/** What the check tests share: a healthy kubeadm cluster and running one check on it. */
import { CheckContext, type Check, type CheckResult } from '../../src/check/framework.js';
import { CheckFakeCluster, configMap, daemonSet, node, service, staticPod } from './fake.js';

export /** A healthy kubeadm cluster without Weave Net: 3 nodes on 192.168.1.0/24, services 10.96.0.0/12, kube-proxy clusterCIDR unset. */
function kubeadm(opts: { clusterCidr?: string } = {}): CheckFakeCluster {
  return new CheckFakeCluster().add(
    node('cp', '192.168.1.10'),
    node('w1', '192.168.1.11'),
    node('w2', '192.168.1.12'),
    service('default', 'kubernetes', '10.96.0.1'),
    staticPod('kube-system', 'kube-apiserver-cp', { component: 'kube-apiserver', tier: 'control-plane' }, ['kube-apiserver', '--service-cluster-ip-range=10.96.0.0/12']),
    daemonSet('kube-system', 'kube-proxy', { labels: { 'k8s-app': 'kube-proxy' }, containers: [{ name: 'kube-proxy', command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf'] }] }),
    configMap('kube-system', 'kube-proxy', { 'config.conf': `kind: KubeProxyConfiguration\nclusterCIDR: "${opts.clusterCidr ?? ''}"\n` }),
  );
}

/** Runs one check against the cluster with these flags. */
export async function run(check: Check, cluster: CheckFakeCluster, opts: { ipalloc?: string; allowRangeChange?: boolean; namespace?: string } = {}): Promise<CheckResult> {
  return check.run(new CheckContext({ cluster, ...opts }));
}
