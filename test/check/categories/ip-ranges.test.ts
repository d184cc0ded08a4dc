import { describe, expect, it } from 'vitest';
import { kubeProxyRangeCheck, nodeRangeCheck, serviceRangeCheck } from '../../../src/check/categories/ip-ranges.js';
import { CheckFakeCluster, node, service, weaveNet } from '../fake.js';
import { kubeadm, run } from '../helpers.js';

describe('ip-ranges', () => {
  it('nodes: ok, and the range source is named', async () => {
    expect(await run(nodeRangeCheck, kubeadm())).toEqual({ status: 'ok', message: "pod range 10.32.0.0/12 (Weave Net's default); 3 node addresses outside it" });
    expect((await run(nodeRangeCheck, kubeadm().add(weaveNet({ env: [{ name: 'IPALLOC_RANGE', value: '172.25.64.0/18' }] })))).message).toMatch(
      /^pod range 172.25.64.0\/18 \(the running weave-net's IPALLOC_RANGE\)/,
    );
  });

  it('nodes: fail when the range holds a node address, with the crash-loop message and another range', async () => {
    const c = kubeadm();
    const r = await run(nodeRangeCheck, c, { ipalloc: '192.168.0.0/16' });
    expect(r.status).toBe('fail');
    expect(r.message).toBe(
      'pod range 192.168.0.0/16 (--ipalloc) holds the addresses of 3 nodes: cp InternalIP 192.168.1.10, w1 InternalIP 192.168.1.11, w2 InternalIP 192.168.1.12; weave crash-loops there with "Network 192.168.0.0/16 overlaps with existing route"',
    );
    expect(r.hint).toBe('choose a range away from the node network, e.g. --ipalloc 10.32.0.0/12');
  });

  it('nodes: the hint warns about changing the range of a running Weave Net', async () => {
    const c = new CheckFakeCluster().add(node('a', '10.40.0.5'), weaveNet());
    const r = await run(nodeRangeCheck, c);
    expect(r.status).toBe('fail');
    expect(r.hint).toBe('choose a range away from the node network, e.g. --ipalloc 172.30.0.0/16 (changing the range of a running Weave Net disconnects pods: see --allow-range-change)');
  });

  it('services: from kube-apiserver --service-cluster-ip-range (ok / fail)', async () => {
    expect(await run(serviceRangeCheck, kubeadm())).toEqual({ status: 'ok', message: 'service range 10.96.0.0/12 (kube-apiserver --service-cluster-ip-range)' });
    const r = await run(serviceRangeCheck, kubeadm(), { ipalloc: '10.96.0.0/16' });
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/^pod range 10.96.0.0\/16 \(--ipalloc\) overlaps the service range 10.96.0.0\/12 \(kube-apiserver --service-cluster-ip-range\)/);
    expect(r.hint).toBe('choose a pod range outside the service range, e.g. --ipalloc 10.32.0.0/12');
  });

  it('services: inferred from the kubernetes Service (ok / warn / fail)', async () => {
    const managed = () => new CheckFakeCluster().add(node('a', '10.1.0.5'), service('default', 'kubernetes', '10.32.0.1'));
    // Kubernetes The Hard Way: services in 10.32.0.0/24, which Weave's default range holds.
    const kthw = await run(serviceRangeCheck, managed());
    expect(kthw.status).toBe('fail');
    expect(kthw.message).toMatch(/holds 10.32.0.1, the address of Service default\/kubernetes: .*probably 10.32.0.0\/24/);

    const eks = new CheckFakeCluster().add(service('default', 'kubernetes', '10.100.0.1'));
    const w = await run(serviceRangeCheck, eks, { ipalloc: '10.100.128.0/17' });
    expect(w.status).toBe('warn');
    expect(w.message).toBe("pod range 10.100.128.0/17 (--ipalloc) overlaps 10.100.0.0/16, the service range inferred from Service default/kubernetes (10.100.0.1; EKS' range for VPCs outside 10.0.0.0/8)");
    expect((await run(serviceRangeCheck, eks)).message).toMatch(/^service range inferred as 10.100.0.0\/16/);

    const unknown = new CheckFakeCluster().add(service('default', 'kubernetes', '10.7.240.1'));
    expect(await run(serviceRangeCheck, unknown)).toEqual({ status: 'ok', message: 'the service range is not visible; Service default/kubernetes (10.7.240.1) is outside the pod range' });
    expect((await run(serviceRangeCheck, new CheckFakeCluster())).status).toBe('skip');
  });

  it('kube-proxy: ok when unset or equal, warn when it differs', async () => {
    expect(await run(kubeProxyRangeCheck, kubeadm())).toEqual({ status: 'ok', message: 'kube-proxy sets no cluster CIDR (ConfigMap kube-proxy (config.conf clusterCIDR))' });
    expect(await run(kubeProxyRangeCheck, kubeadm({ clusterCidr: '10.32.0.0/12' }))).toEqual({ status: 'ok', message: '10.32.0.0/12 (ConfigMap kube-proxy (config.conf clusterCIDR))' });
    const r = await run(kubeProxyRangeCheck, kubeadm({ clusterCidr: '10.244.0.0/16' }), { ipalloc: '172.25.64.0/18' });
    expect(r.status).toBe('warn');
    expect(r.message).toMatch(/^kube-proxy's cluster CIDR is 10.244.0.0\/16 \(ConfigMap kube-proxy \(config.conf clusterCIDR\)\) but the pod range 172.25.64.0\/18 \(--ipalloc\) differs: kube-proxy masquerades/);
    expect(r.hint).toMatch(/clusterCIDR to 172.25.64.0\/18.*or install with --ipalloc 10.244.0.0\/16$/);
  });

  it('kube-proxy: none in the cluster is a skip; on k3s the embedded one wants 10.42.0.0/16', async () => {
    expect((await run(kubeProxyRangeCheck, new CheckFakeCluster())).status).toBe('skip');
    const k3s = new CheckFakeCluster();
    k3s.reportedVersion = 'v1.29.2+k3s1';
    expect((await run(kubeProxyRangeCheck, k3s)).status).toBe('warn');
    expect((await run(kubeProxyRangeCheck, k3s, { ipalloc: '10.42.0.0/16' })).status).toBe('ok');
  });
});
