import { describe, expect, it } from 'vitest';
import { CheckContext, runChecks, type Check, type CheckResult } from '../../src/check/checks.js';
import {
  daemonSetPermissionCheck,
  existingWeaveCheck,
  grantPermissionCheck,
  healthChecks,
  installedCheck,
  kubeProxyRangeCheck,
  managedCheck,
  nodeRangeCheck,
  otherCniCheck,
  podsReadyCheck,
  preInstallChecks,
  rangeChangeCheck,
  rbacPermissionCheck,
  reachableCheck,
  readPermissionCheck,
  serviceAccountPermissionCheck,
  serviceRangeCheck,
  versionCheck,
} from '../../src/check/suite.js';
import { CheckFakeCluster, configMap, daemonSet, httpError, node, service, staticPod, weaveNet } from './fake.js';

/** A healthy kubeadm cluster without Weave Net: 3 nodes on 192.168.1.0/24, services 10.96.0.0/12, kube-proxy clusterCIDR unset. */
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

async function run(check: Check, cluster: CheckFakeCluster, opts: { ipalloc?: string; allowRangeChange?: boolean; namespace?: string } = {}): Promise<CheckResult> {
  return check.run(new CheckContext({ cluster, ...opts }));
}

describe('kubernetes-api and version', () => {
  it('reachable: ok, or a fatal failure with the error and a hint', async () => {
    expect(await run(reachableCheck, kubeadm())).toEqual({ status: 'ok' });
    const c = kubeadm();
    c.unreachable = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { hint: 'is the API server running?' });
    expect(await run(reachableCheck, c)).toEqual({ status: 'fail', message: 'connect ECONNREFUSED 127.0.0.1:6443', hint: 'is the API server running?' });
    expect(reachableCheck.fatal).toBe(true);
  });

  it('version: ok with the flavour; warn before 1.6 (no RBAC)', async () => {
    const c = kubeadm();
    c.gitVersion = 'v1.7.5';
    expect(await run(versionCheck, c)).toEqual({ status: 'ok', message: 'Kubernetes v1.7.5: Weave Net 2.7.0 manifest for Kubernetes 1.7' });
    c.gitVersion = 'v1.29.2';
    expect((await run(versionCheck, c)).message).toBe('Kubernetes v1.29.2: Weave Net 2.8.1 manifest for Kubernetes 1.11 and newer');
    c.gitVersion = 'v1.5.8';
    const r = await run(versionCheck, c);
    expect(r.status).toBe('warn');
    expect(r.message).toMatch(/^Kubernetes v1.5.8 has no RBAC: weavectl renders the manifest for Kubernetes 1.5 and older/);
  });
});

describe('permissions', () => {
  it('all allowed: ok; SSARs ask the namespace and the DaemonSet group of the flavour', async () => {
    const c = kubeadm();
    c.gitVersion = 'v1.7.5';
    expect(await run(daemonSetPermissionCheck, c)).toEqual({ status: 'ok' });
    expect(c.reviews.map((r) => `${r.verb} ${r.group}/${r.resource} ${r.namespace}`)).toEqual([
      'create extensions/daemonsets kube-system',
      'get extensions/daemonsets kube-system',
      'patch extensions/daemonsets kube-system',
      'list extensions/daemonsets kube-system',
      'watch extensions/daemonsets kube-system',
    ]);
    c.reviews = [];
    c.gitVersion = 'v1.29.2';
    await run(daemonSetPermissionCheck, c, { namespace: 'weave' });
    expect(c.reviews[0]).toMatchObject({ group: 'apps', namespace: 'weave' });
  });

  it('each missing permission is named', async () => {
    const c = kubeadm();
    c.denies.push({ verb: 'create', resource: 'clusterrolebindings' }, { verb: 'patch', resource: 'roles' });
    const r = await run(rbacPermissionCheck, c);
    expect(r.status).toBe('fail');
    expect(r.message).toBe('missing: create clusterrolebindings.rbac.authorization.k8s.io (cluster-wide); patch roles.rbac.authorization.k8s.io in kube-system');
    expect(r.hint).toMatch(/cluster-admin/);
    c.denies = [{ resource: 'serviceaccounts' }];
    expect((await run(serviceAccountPermissionCheck, c)).message).toBe('missing: create serviceaccounts, get serviceaccounts, patch serviceaccounts in kube-system');
    c.denies = [{ verb: 'list', resource: 'nodes' }];
    expect((await run(readPermissionCheck, c)).message).toBe('missing: list nodes (cluster-wide)');
  });

  it('no answer from the server, or SSARs not served: warn; SSARs forbidden: fail (this user may not even ask)', async () => {
    const c = kubeadm();
    c.ssarAnswer = (o) => o;
    expect((await run(serviceAccountPermissionCheck, c)).status).toBe('warn');
    c.ssarAnswer = () => {
      throw httpError(404, 'the server could not find the requested resource');
    };
    expect(await run(serviceAccountPermissionCheck, c)).toMatchObject({ status: 'warn', message: expect.stringMatching(/^could not ask the API server \(SelfSubjectAccessReview\): the server could not/) });
    c.ssarAnswer = () => {
      throw httpError(403, 'selfsubjectaccessreviews.authorization.k8s.io is forbidden');
    };
    const r = await run(grantPermissionCheck, c);
    expect(r).toMatchObject({ status: 'fail', message: expect.stringMatching(/^the API server does not even let this user ask what it may do \(SelfSubjectAccessReview: selfsub/) });
  });

  it('a cluster layer without create: skipped, saying why', async () => {
    const c = kubeadm();
    const noCreate = { version: c.version.bind(c), serves: c.serves.bind(c), get: c.get.bind(c), list: c.list.bind(c) };
    const r = await daemonSetPermissionCheck.run(new CheckContext({ cluster: noCreate }));
    expect(r.status).toBe('skip');
    expect(r.message).toMatch(/Cluster.create/);
  });

  it('RBAC checks are skipped before 1.6', async () => {
    const c = kubeadm();
    c.gitVersion = 'v1.5.8';
    expect((await run(rbacPermissionCheck, c)).status).toBe('skip');
    expect((await run(grantPermissionCheck, c)).status).toBe('skip');
  });

  it('granting: escalate+bind is enough; otherwise every permission of the roles is needed', async () => {
    const c = kubeadm();
    expect(await run(grantPermissionCheck, c)).toEqual({ status: 'ok' });
    c.denies.push({ verb: 'escalate' }, { verb: 'patch', resource: 'nodes/status' });
    const r = await run(grantPermissionCheck, c);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/you lack: patch nodes\/status \(cluster-wide\)$/);
    c.denies = [{ verb: 'bind' }];
    expect(await run(grantPermissionCheck, c)).toEqual({ status: 'ok' }); // holds every permission itself
  });
});

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
    k3s.gitVersion = 'v1.29.2+k3s1';
    const k = await run(otherCniCheck, k3s);
    expect(k.status).toBe('fail');
    expect(k.message).toMatch(/flannel is running \(k3s' embedded flannel/);
    expect(k.hint).toMatch(/--flannel-backend=none/);
  });

  it('listing DaemonSets forbidden: a warning that it could not check', async () => {
    const c = kubeadm();
    c.forbiddenKinds.add('DaemonSet');
    const r = await run(otherCniCheck, c);
    expect(r.status).toBe('warn');
    expect(r.message).toMatch(/^could not check: listing DaemonSets in all namespaces is forbidden/);
  });
});

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
    k3s.gitVersion = 'v1.29.2+k3s1';
    expect((await run(kubeProxyRangeCheck, k3s)).status).toBe('warn');
    expect((await run(kubeProxyRangeCheck, k3s, { ipalloc: '10.42.0.0/16' })).status).toBe('ok');
  });
});

describe('weave-net', () => {
  it('existing: none, kept settings, settings that cannot be kept', async () => {
    expect(await run(existingWeaveCheck, kubeadm())).toEqual({ status: 'ok', message: 'Weave Net is not installed in kube-system: install creates it' });
    const withRange = kubeadm().add(weaveNet({ version: '2.0.5', env: [{ name: 'IPALLOC_RANGE', value: '172.25.64.0/18' }, { name: 'WEAVE_MTU', value: '8916' }] }));
    expect(await run(existingWeaveCheck, withRange)).toEqual({ status: 'ok', message: 'Weave Net 2.0.5 runs in kube-system; an upgrade keeps IPALLOC_RANGE=172.25.64.0/18, WEAVE_MTU=8916' });
    const literal = kubeadm().add(weaveNet({ env: [{ name: 'WEAVE_PASSWORD', value: 'x' }] }));
    const r = await run(existingWeaveCheck, literal);
    expect(r.status).toBe('warn');
    expect(r.hint).toMatch(/--password-secret/);
    const fromField = kubeadm().add(weaveNet({ env: [{ name: 'WEAVE_EXPOSE_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } }] }));
    expect((await run(existingWeaveCheck, fromField)).message).toMatch(/an upgrade keeps env WEAVE_EXPOSE_IP from fieldRef status.hostIP/);
    const mtuFromConfigMap = kubeadm().add(weaveNet({ env: [{ name: 'WEAVE_MTU', valueFrom: { configMapKeyRef: { name: 'net', key: 'mtu' } } }] }));
    expect((await run(existingWeaveCheck, mtuFromConfigMap)).message).toMatch(/but not: env WEAVE_MTU from configMapKeyRef net\/mtu/);
    const notWeave = kubeadm().add(daemonSet('kube-system', 'weave-net'));
    expect((await run(existingWeaveCheck, notWeave)).status).toBe('fail');
  });

  it('range change: ok when kept, fail when changed, warn when allowed', async () => {
    const c = () => kubeadm().add(weaveNet({ env: [{ name: 'IPALLOC_RANGE', value: '172.25.64.0/18' }] }));
    expect(await run(rangeChangeCheck, c())).toEqual({ status: 'ok', message: 'install keeps the running range (no --ipalloc)' });
    expect(await run(rangeChangeCheck, c(), { ipalloc: '172.25.64.0/18' })).toEqual({ status: 'ok', message: '--ipalloc 172.25.64.0/18 is the running range' });
    const r = await run(rangeChangeCheck, c(), { ipalloc: '10.32.0.0/12' });
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/weave#2874/);
    expect(r.hint).toMatch(/--allow-range-change/);
    expect((await run(rangeChangeCheck, c(), { ipalloc: '10.32.0.0/12', allowRangeChange: true })).status).toBe('warn');
    expect((await run(rangeChangeCheck, kubeadm(), { ipalloc: '10.32.0.0/12' })).status).toBe('ok');
  });

  it('managed by kops or the addon manager: warn', async () => {
    expect(await run(managedCheck, kubeadm().add(weaveNet()))).toEqual({ status: 'ok' });
    const kops = await run(managedCheck, kubeadm().add(weaveNet({ labels: { name: 'weave-net', 'k8s-addon': 'networking.weave' } })));
    expect(kops.status).toBe('warn');
    expect(kops.message).toBe("DaemonSet kube-system/weave-net is managed by kops (label k8s-addon=networking.weave): it re-applies its own manifest and will undo weavectl's changes");
    expect(kops.hint).toMatch(/kops edit cluster/);
    const ensure = await run(managedCheck, kubeadm().add(weaveNet({ labels: { name: 'weave-net', 'addonmanager.kubernetes.io/mode': 'EnsureExists' } })));
    expect(ensure.status).toBe('ok');
  });

  it('installed and pods ready', async () => {
    expect((await run(installedCheck, kubeadm())).status).toBe('fail');
    expect(await run(installedCheck, kubeadm().add(weaveNet({ version: '2.7.0' })))).toEqual({ status: 'ok', message: 'Weave Net 2.7.0' });
    expect((await run(podsReadyCheck, kubeadm())).status).toBe('skip');
    expect(await run(podsReadyCheck, kubeadm().add(weaveNet()))).toEqual({ status: 'ok', message: '3 of 3 ready' });

    const crashing = kubeadm().add(weaveNet({ status: { desiredNumberScheduled: 3, numberReady: 2, numberAvailable: 2, updatedNumberScheduled: 3 } }), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'weave-net-abcde', namespace: 'kube-system', labels: { name: 'weave-net' } },
      spec: { nodeName: 'w1' },
      status: { containerStatuses: [{ name: 'weave', restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s' } } }] },
    });
    const notReady = kubeadm().add(weaveNet({ status: { desiredNumberScheduled: 3, numberReady: 2, numberAvailable: 2, updatedNumberScheduled: 3 } }), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'weave-net-xyz', namespace: 'kube-system', labels: { name: 'weave-net' } },
      spec: { nodeName: 'w2' },
      status: {
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          { name: 'weave', ready: false, restartCount: 1, state: { running: {} }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } },
          { name: 'weave-npc', ready: true, restartCount: 0, state: { running: {} } },
        ],
      },
    });
    expect(await run(podsReadyCheck, notReady)).toEqual({
      status: 'fail',
      message: '2 of 3 ready: pod kube-system/weave-net-xyz on w2: container weave: running, not ready (1 restart, last exit code 1 (Error))',
      hint: 'kubectl -n kube-system get pods -l name=weave-net -o wide',
    });

    const r = await run(podsReadyCheck, crashing);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/^2 of 3 ready: pod kube-system\/weave-net-abcde on w1: container weave: CrashLoopBackOff \(5 restarts\)/);
    expect(r.hint).toBe('see why it exits: kubectl -n kube-system logs weave-net-abcde -c weave --previous');
  });
});

describe('runChecks and the lists', () => {
  it('a healthy cluster passes every pre-install check (with --ipalloc)', async () => {
    const c = kubeadm({ clusterCidr: '172.25.64.0/18' });
    const seen: string[] = [];
    const report = await runChecks(preInstallChecks(), new CheckContext({ cluster: c, ipalloc: '172.25.64.0/18' }), (o) => seen.push(o.id));
    expect(report.outcomes.filter((o) => o.result.status !== 'ok')).toEqual([]);
    expect(report.success).toBe(true);
    expect(seen).toEqual(preInstallChecks().map((x) => x.id));
    // Shared lookups are asked once.
    expect(c.calls.filter((x) => x === 'list Node *')).toHaveLength(1);
    expect(c.calls.filter((x) => x === 'get DaemonSet kube-system/weave-net')).toHaveLength(1);
  });

  it('an unreachable cluster fails the first check and skips the rest', async () => {
    const c = kubeadm();
    c.unreachable = new Error('connect ECONNREFUSED');
    const report = await runChecks(healthChecks(), new CheckContext({ cluster: c }));
    expect(report.success).toBe(false);
    expect(report.counts).toEqual({ ok: 0, warn: 0, fail: 1, skip: healthChecks().length - 1 });
    expect(report.outcomes[1]!.result).toEqual({ status: 'skip', message: 'skipped: "can reach the Kubernetes API" failed' });
  });

  it('every check starts at once; results come in order; a fatal failure still skips the rest', async () => {
    const started: string[] = [];
    const release: (() => void)[] = [];
    const slow = (id: string, result: CheckResult, fatal = false): Check => ({
      id,
      category: 'c',
      description: id,
      fatal,
      run: () =>
        new Promise<CheckResult>((resolve) => {
          started.push(id);
          release.push(() => resolve(result));
        }),
    });
    const checks = [slow('a', { status: 'ok', message: 'a' }), slow('b', { status: 'fail', message: 'b' }, true), slow('c', { status: 'ok', message: 'c' })];
    const seen: string[] = [];
    const done = runChecks(checks, new CheckContext({ cluster: kubeadm() }), (o) => seen.push(`${o.id} ${o.result.status}`));
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual(['a', 'b', 'c']); // all running before any answered
    for (const r of [...release].reverse()) r(); // answers arrive in reverse order
    const report = await done;
    expect(seen).toEqual(['a ok', 'b fail', 'c skip']);
    expect(report.outcomes[2]!.result).toEqual({ status: 'skip', message: 'skipped: "b" failed' });
  });

  it('a check that throws fails with the message; a 403 is a warning', async () => {
    const boom: Check = { id: 'x', category: 'c', description: 'd', run: async () => Promise.reject(new Error('boom\nsecond line')) };
    const denied: Check = { id: 'y', category: 'c', description: 'd', run: async () => Promise.reject(httpError(403, 'pods is forbidden')) };
    const report = await runChecks([boom, denied], new CheckContext({ cluster: kubeadm() }));
    expect(report.outcomes.map((o) => o.result)).toEqual([
      { status: 'fail', message: 'boom' },
      { status: 'warn', message: 'could not check: forbidden (pods is forbidden)', hint: expect.any(String) },
    ]);
    expect(report.success).toBe(false);
  });

  it('ids are unique and categories come in order', () => {
    for (const list of [preInstallChecks(), healthChecks()]) {
      expect(new Set(list.map((c) => c.id)).size).toBe(list.length);
      const cats = list.map((c) => c.category).filter((c, i, a) => a.indexOf(c) === i);
      const firstSeen = list.map((c) => c.category);
      // a category's checks are contiguous
      for (const cat of cats) {
        const idx = firstSeen.flatMap((c, i) => (c === cat ? [i] : []));
        expect(idx.at(-1)! - idx[0]! + 1, cat).toBe(idx.length);
      }
    }
  });
});
