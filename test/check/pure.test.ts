import { describe, expect, it } from 'vitest';
import { accessReview, clusterAccessReviewer } from '../../src/check/access.js';
import { cniOfDaemonSet, findOtherCnis } from '../../src/check/cni.js';
import { managedBy } from '../../src/check/managed.js';
import {
  flagValue,
  inferServiceRange,
  ipv4Cidrs,
  kubeProxyClusterCidr,
  nodeAddressesIn,
  serviceRangeFromApiServer,
  suggestRange,
} from '../../src/check/ranges.js';
import { CheckFakeCluster, configMap, daemonSet, node, staticPod, weaveNet } from './fake.js';

describe('service range inference', () => {
  it.each([
    ['10.96.0.1', '10.96.0.0/12'],
    ['10.43.0.1', '10.43.0.0/16'],
    ['10.100.0.1', '10.100.0.0/16'],
    ['172.20.0.1', '172.20.0.0/16'],
    ['10.0.0.1', '10.0.0.0/16'],
    ['100.64.0.1', '100.64.0.0/13'],
    ['10.32.0.1', '10.32.0.0/24'],
  ])('%s -> %s', (ip, cidr) => expect(inferServiceRange(ip)?.cidr).toBe(cidr));
  it('an unknown address infers nothing', () => expect(inferServiceRange('10.7.240.1')).toBeUndefined());

  it('reads --service-cluster-ip-range from a kube-apiserver static pod (dual stack: IPv4 part)', () => {
    const pod = staticPod('kube-system', 'kube-apiserver-cp', { component: 'kube-apiserver' }, ['kube-apiserver', '--advertise-address=192.168.1.10', '--service-cluster-ip-range=10.96.0.0/12,fd00:10:96::/112']);
    expect(serviceRangeFromApiServer([pod])).toEqual(['10.96.0.0/12']);
    expect(serviceRangeFromApiServer([])).toEqual([]);
  });
});

describe('flagValue', () => {
  it.each([
    [['kube-proxy', '--cluster-cidr=10.244.0.0/16'], '10.244.0.0/16'],
    [['kube-proxy', '--cluster-cidr', '10.244.0.0/16'], '10.244.0.0/16'],
    [['/bin/sh', '-c', 'exec kube-proxy --v=2 --cluster-cidr=100.96.0.0/11 --conntrack-max-per-core=131072'], '100.96.0.0/11'],
    [['kube-proxy', '--cluster-cidr="10.1.0.0/16"'], '10.1.0.0/16'],
    [['kube-proxy', '--cluster-cidrs=nope'], undefined],
  ])('%j', (words, want) => expect(flagValue(words, '--cluster-cidr')).toBe(want));
  it('ipv4Cidrs canonicalises and drops IPv6 and junk', () => expect(ipv4Cidrs('10.244.1.0/16, fd00::/64,junk')).toEqual(['10.244.0.0/16']));
});

describe("kube-proxy's cluster CIDR", () => {
  const kubeadmProxy = daemonSet('kube-system', 'kube-proxy', {
    containers: [{ name: 'kube-proxy', command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)'] }],
  });
  it('from the kubeadm ConfigMap (config.conf clusterCIDR)', () => {
    const cm = configMap('kube-system', 'kube-proxy', { 'config.conf': 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nclusterCIDR: 10.244.0.0/16\nmode: ""\n', kubeconfig: 'x' });
    expect(kubeProxyClusterCidr(kubeadmProxy, cm)).toEqual({ cidrs: ['10.244.0.0/16'], source: 'ConfigMap kube-proxy (config.conf clusterCIDR)' });
  });
  it('empty clusterCIDR: none set', () => {
    const cm = configMap('kube-system', 'kube-proxy', { 'config.conf': 'clusterCIDR: ""\n' });
    expect(kubeProxyClusterCidr(kubeadmProxy, cm).cidrs).toEqual([]);
  });
  it('the flag wins over the config file', () => {
    const ds = daemonSet('kube-system', 'kube-proxy', { containers: [{ name: 'kube-proxy', command: ['kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--cluster-cidr=172.25.64.0/18'] }] });
    const cm = configMap('kube-system', 'kube-proxy', { 'config.conf': 'clusterCIDR: 10.244.0.0/16\n' });
    expect(kubeProxyClusterCidr(ds, cm)).toEqual({ cidrs: ['172.25.64.0/18'], source: '--cluster-cidr flag' });
  });
  it('no flag and no config: nothing', () => {
    expect(kubeProxyClusterCidr(daemonSet('kube-system', 'kube-proxy')).cidrs).toEqual([]);
  });
});

describe('node addresses and suggestions', () => {
  const nodes = [node('a', '10.40.0.5', { externalIP: '34.1.2.3' }), node('b', '192.168.1.11'), node('c', 'fd00::1')];
  it('finds InternalIP and ExternalIP in a range, IPv4 only', () => {
    expect(nodeAddressesIn('10.32.0.0/12', nodes)).toEqual([{ node: 'a', type: 'InternalIP', address: '10.40.0.5' }]);
    expect(nodeAddressesIn('34.0.0.0/8', nodes)).toEqual([{ node: 'a', type: 'ExternalIP', address: '34.1.2.3' }]);
  });
  it('suggests a range clear of node /16s and of what to avoid', () => {
    expect(suggestRange(['192.168.1.11'], [])).toBe('10.32.0.0/12');
    expect(suggestRange(['10.40.0.5'], [])).toBe('172.30.0.0/16');
    expect(suggestRange(['10.40.0.5', '172.30.9.9'], ['10.200.0.0/16'])).toBe('192.168.192.0/18');
  });
});

describe('other CNI plugins', () => {
  it.each([
    [daemonSet('kube-system', 'calico-node', { labels: { 'k8s-app': 'calico-node' } }), 'Calico'],
    [daemonSet('calico-system', 'calico-node'), 'Calico'],
    [daemonSet('kube-flannel', 'kube-flannel-ds', { labels: { app: 'flannel' } }), 'flannel'],
    [daemonSet('kube-system', 'kube-flannel-ds-amd64'), 'flannel'],
    [daemonSet('kube-system', 'cilium', { labels: { 'k8s-app': 'cilium' } }), 'Cilium'],
    [daemonSet('kube-system', 'canal'), 'Canal (Calico + flannel)'],
    [daemonSet('kube-system', 'kube-router'), 'kube-router'],
    [daemonSet('kube-system', 'antrea-agent', { labels: { app: 'antrea', component: 'antrea-agent' } }), 'Antrea'],
    [daemonSet('kube-system', 'aws-node', { labels: { 'k8s-app': 'aws-node' } }), 'AWS VPC CNI'],
    [daemonSet('kube-system', 'kindnet', { labels: { app: 'kindnet' } }), 'kindnet'],
    [daemonSet('ovn-kubernetes', 'ovnkube-node'), 'OVN-Kubernetes'],
    [daemonSet('kube-system', 'renamed', { labels: { 'k8s-app': 'calico-node' } }), 'Calico'],
  ])('%#: %s', (ds, plugin) => expect(cniOfDaemonSet(ds)?.name).toBe(plugin));

  it('Weave Net itself, kube-proxy and other DaemonSets are not', () => {
    expect(cniOfDaemonSet(weaveNet())).toBeUndefined();
    expect(cniOfDaemonSet(daemonSet('kube-system', 'kube-proxy', { labels: { 'k8s-app': 'kube-proxy' } }))).toBeUndefined();
    expect(cniOfDaemonSet(daemonSet('monitoring', 'node-exporter'))).toBeUndefined();
  });

  it('node annotations alone are traces (not running); a DaemonSet hides the traces of its own plugin', () => {
    const nodes = [node('a', '10.0.0.1', { annotations: { 'flannel.alpha.coreos.com/backend-type': 'vxlan' } }), node('b', '10.0.0.2')];
    expect(findOtherCnis([], nodes)).toEqual([{ plugin: 'flannel', evidence: 'annotations flannel.alpha.coreos.com/* on 1 of 2 nodes', running: false }]);
    expect(findOtherCnis([daemonSet('kube-flannel', 'kube-flannel-ds')], nodes)).toEqual([{ plugin: 'flannel', evidence: 'DaemonSet kube-flannel/kube-flannel-ds', running: true }]);
  });
});

describe('managedBy (kops, addon manager)', () => {
  it.each([
    [{ labels: { 'k8s-addon': 'networking.weave' } }, { who: 'kops', reconciles: true, evidence: ['label k8s-addon=networking.weave'] }],
    [{ labels: { 'addonmanager.kubernetes.io/mode': 'Reconcile' } }, { who: 'the addon manager', reconciles: true, evidence: ['label addonmanager.kubernetes.io/mode=Reconcile'] }],
    [{ labels: { 'addonmanager.kubernetes.io/mode': 'EnsureExists' } }, { who: 'the addon manager', reconciles: false, evidence: ['label addonmanager.kubernetes.io/mode=EnsureExists'] }],
    [{ managers: ['kops'] }, { who: 'kops', reconciles: true, evidence: ['field manager kops'] }],
    [{ managers: ['kube-addon-manager'] }, { who: 'the addon manager', reconciles: true, evidence: ['field manager kube-addon-manager'] }],
  ])('%j', (m, want) => {
    const meta = m as { labels?: Record<string, string>; managers?: string[] };
    const ds = daemonSet('kube-system', 'weave-net', { labels: { name: 'weave-net', ...(meta.labels ?? {}) }, ...(meta.managers ? { managers: meta.managers } : {}) });
    expect(managedBy(ds)).toEqual(want);
  });
  it('kubectl and weavectl are not', () => {
    expect(managedBy(daemonSet('kube-system', 'weave-net', { managers: ['kubectl-client-side-apply', 'weavectl', 'kube-controller-manager'] }))).toBeUndefined();
  });
});

describe('SelfSubjectAccessReview', () => {
  it('builds the review with the subresource split out', () => {
    expect(accessReview('authorization.k8s.io/v1', 'patch', '', 'nodes/status')).toEqual({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: {},
      spec: { resourceAttributes: { verb: 'patch', group: '', resource: 'nodes', subresource: 'status' } },
    });
    expect(accessReview('authorization.k8s.io/v1', 'create', 'apps', 'daemonsets', 'kube-system').spec.resourceAttributes).toEqual({
      verb: 'create',
      group: 'apps',
      resource: 'daemonsets',
      namespace: 'kube-system',
    });
  });

  it('asks v1, or v1beta1 where v1 is not served; reads allowed / denied / no answer', async () => {
    const c = new CheckFakeCluster();
    c.reviewDenies.push({ verb: 'create', resource: 'clusterroles' });
    const r = clusterAccessReviewer(c);
    expect(await r.canI('create', 'rbac.authorization.k8s.io', 'clusterroles')).toBe(false);
    expect(await r.canI('get', 'rbac.authorization.k8s.io', 'clusterroles')).toBe(true);
    expect(c.reviews[0]).toMatchObject({ apiVersion: 'authorization.k8s.io/v1' });
    c.reviewAnswer = (o) => o; // no status
    expect(await r.canI('get', '', 'pods')).toBeUndefined();

    const old = new CheckFakeCluster({ k8sVersion: '1.21.0' }); // serves SelfSubjectAccessReview at v1 and v1beta1 (v1beta1 until 1.22)
    old.unserve('authorization.k8s.io/v1', 'SelfSubjectAccessReview');
    await clusterAccessReviewer(old).canI('get', '', 'pods');
    expect(old.reviews[0]).toMatchObject({ apiVersion: 'authorization.k8s.io/v1beta1' });
  });
});
