import { describe, expect, it } from 'vitest';
import { otherCniCheck } from '../../../src/check/categories/pod-network.js';
import { CheckFakeCluster, daemonSet, node, weaveNet } from '../fake.js';
import { kubeadm, run } from '../helpers.js';

describe('pod-network: other CNI plugins', () => {
  it('ok when only Weave Net and kube-proxy run', async () => {
    const r = await run(otherCniCheck, kubeadm().add(weaveNet()));
    expect(r).toEqual({ status: 'ok', message: 'none found among 2 DaemonSets in all namespaces' });
  });

  it('fails on calico-node, naming it and saying why', async () => {
    const r = await run(otherCniCheck, kubeadm().add(daemonSet('calico-system', 'calico-node', { labels: { 'k8s-app': 'calico-node' } })));
    expect(r.status).toBe('fail');
    expect(r.message).toBe('Calico is running (DaemonSet calico-system/calico-node)');
    expect(r.hint).toMatch(/^two CNI plugins on one node break pod networking: remove Calico/);
  });

  it('warns on traces only; fails on k3s embedded flannel', async () => {
    const traced = kubeadm().add(node('w3', '192.168.1.13', { annotations: { 'projectcalico.org/IPv4Address': '192.168.1.13/24' } }));
    const r = await run(otherCniCheck, traced);
    expect(r.status).toBe('warn');
    expect(r.message).toMatch(/^Calico left traces but no DaemonSet runs it \(annotations projectcalico.org\/\* on 1 of 4 nodes\)/);

    const k3s = new CheckFakeCluster().add(node('k3s', '10.0.0.5', { annotations: { 'flannel.alpha.coreos.com/backend-type': 'vxlan' } }));
    k3s.reportedVersion = 'v1.29.2+k3s1';
    const k = await run(otherCniCheck, k3s);
    expect(k.status).toBe('fail');
    expect(k.message).toMatch(/flannel is running \(k3s' embedded flannel/);
    expect(k.hint).toMatch(/--flannel-backend=none/);
  });

  it('listing DaemonSets forbidden: a warning that it could not check', async () => {
    const c = kubeadm();
    c.forbid({ kind: 'DaemonSet' });
    const r = await run(otherCniCheck, c);
    expect(r.status).toBe('warn');
    expect(r.message).toMatch(/^could not check: listing DaemonSets in all namespaces is forbidden/);
  });
});
