/**
 * `weavectl check` end to end: the built CLI against the Kubernetes API simulator (a clean cluster,
 * one running Calico, a pod range over the node network, an installed Weave Net and a range change),
 * and the permission checks against the simulator's SelfSubjectAccessReviews and RBAC faults.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckContext, runChecks } from '../../src/check/framework.js';
import { checkJson } from '../../src/check/render.js';
import { daemonSetPermissionCheck, grantPermissionCheck, rbacPermissionCheck } from '../../src/check/categories/permissions.js';
import { preInstallChecks } from '../../src/check/lists.js';
import { connect, type KubeCluster } from '../../src/cluster/kube-cluster.js';
import type { Simulator } from '../sim/index.js';
import { runCli } from '../cli/run-cli.js';
import { sim, weavectl } from './harness.js';

const calicoNode = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'calico-node', namespace: 'kube-system', labels: { 'k8s-app': 'calico-node' } },
  spec: {
    selector: { matchLabels: { 'k8s-app': 'calico-node' } },
    template: {
      metadata: { labels: { 'k8s-app': 'calico-node' } },
      spec: { hostNetwork: true, containers: [{ name: 'calico-node', image: 'docker.io/calico/node:v3.27.0' }] },
    },
  },
};

describe('weavectl check --pre (CLI)', () => {
  it('a clean cluster passes: exit 0, linkerd-style text on stdout', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 3 });
    const r = await weavectl(s, ['check', '--pre', '--ipalloc', '172.25.64.0/18']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^kubernetes-api\n--------------\n√ can reach the Kubernetes API\n\nkubernetes-version\n/);
    expect(r.stdout).toContain('√ runs a Kubernetes version Weave Net has a manifest for\n    Kubernetes v1.29.2: Weave Net 2.8.1 manifest for Kubernetes 1.11 and newer');
    expect(r.stdout).toContain('√ no other pod network (CNI plugin) is running');
    expect(r.stdout).toContain('√ the pod range holds no node address\n    pod range 172.25.64.0/18 (--ipalloc); 3 node addresses outside it');
    expect(r.stdout).toContain("√ the pod range does not overlap the service range\n    service range inferred as 10.96.0.0/12 from Service default/kubernetes (10.96.0.1; kubeadm's default)");
    expect(r.stdout).not.toMatch(/^[×‼]/m);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('Status check results are √');
  });

  it('a cluster running Calico fails, naming it: exit 1', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    s.put(calicoNode);
    const r = await weavectl(s, ['check', '--pre']);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toContain(
      '× no other pod network (CNI plugin) is running\n    Calico is running (DaemonSet kube-system/calico-node)\n    hint: two CNI plugins on one node break pod networking: remove Calico',
    );
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('Status check results are ×');
    expect(r.stderr).not.toMatch(/error:/); // the results say it; no stack, no extra error line
  });

  it('a pod range over the node network fails; -o json is one valid document with the documented shape', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 3 });
    const r = await weavectl(s, ['check', '--pre', '--ipalloc', '10.200.0.0/16', '-o', 'json']);
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout) as ReturnType<typeof checkJson>;
    expect(doc.success).toBe(false);
    expect(doc.categories.map((c) => c.name)).toEqual(['kubernetes-api', 'kubernetes-version', 'permissions', 'pod-network', 'ip-ranges', 'weave-net']);
    const nodes = doc.categories.find((c) => c.name === 'ip-ranges')!.checks.find((c) => c.id === 'ip-ranges-nodes')!;
    expect(nodes.result).toBe('error');
    expect(nodes.message).toMatch(/^pod range 10.200.0.0\/16 \(--ipalloc\) holds the addresses of 3 nodes: k8s-vm1 InternalIP 10.200.33.1\d, /);
    expect(nodes.hint).toBe('choose a range away from the node network, e.g. --ipalloc 10.32.0.0/12');
    for (const c of doc.categories.flatMap((x) => x.checks)) expect(['ok', 'warning', 'error', 'skipped']).toContain(c.result);
  });

  it('a bad --ipalloc is a usage error: exit 2, nothing asked', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 1 });
    const r = await weavectl(s, ['check', '--pre', '--ipalloc', '10.32.0.1/12']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: 10.32.0.1\/12 is not a network address: did you mean 10.32.0.0\/12\?$/m);
    expect(r.stdout).toBe('');
  });
});

describe('weavectl check after an install (CLI)', () => {
  it('the seed cluster (1.7.5, Weave 2.0.5, 172.25.64.0/18): healthy; a different --ipalloc is refused (weave#2874) unless allowed', async () => {
    const s = await sim({ k8sVersion: '1.7.5', nodes: 4 });
    const install = await weavectl(s, ['install', '--weave-version', '2.0.5', '--ipalloc', '172.25.64.0/18']);
    expect(install.code, install.stderr).toBe(0);

    const health = await weavectl(s, ['check']);
    expect(health.code, health.stdout).toBe(0);
    expect(health.stdout).toContain('√ Weave Net is installed\n    Weave Net 2.0.5');
    expect(health.stdout).toContain('√ every weave-net pod is running and ready\n    4 of 4 ready');
    expect(health.stdout).toContain("pod range 172.25.64.0/18 (the running weave-net's IPALLOC_RANGE); 4 node addresses outside it");

    const pre = await weavectl(s, ['check', '--pre']);
    expect(pre.code, pre.stdout).toBe(0);
    expect(pre.stdout).toContain("√ an installed Weave Net's settings can be kept\n    Weave Net 2.0.5 runs in kube-system; an upgrade keeps IPALLOC_RANGE=172.25.64.0/18");

    const change = await weavectl(s, ['check', '--pre', '--ipalloc', '10.32.0.0/12']);
    expect(change.code).toBe(1);
    expect(change.stdout).toMatch(/× the pod range of a running Weave Net stays the same\n {4}refusing to change the pod range of the running Weave Net from 172.25.64.0\/18 to 10.32.0.0\/12: a new range makes a new network \(weave#2874\)/);
    expect(change.stdout).toContain('hint: keep the range (omit --ipalloc, or pass --ipalloc 172.25.64.0/18); to change it anyway pass --allow-range-change');

    const allowed = await weavectl(s, ['check', '--pre', '--ipalloc', '10.32.0.0/12', '--allow-range-change']);
    expect(allowed.code, allowed.stdout).toBe(0);
    expect(allowed.stdout).toMatch(/‼ the pod range of a running Weave Net stays the same\n {4}changing the pod range from 172.25.64.0\/18 to 10.32.0.0\/12 \(--allow-range-change\)/);
    expect(allowed.stdout.trimEnd().split('\n').at(-1)).toBe('Status check results are ‼');
  });

  it('a crash-looping weave-net pod fails the health check, naming pod, node and reason', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    expect((await weavectl(s, ['install'])).code).toBe(0);
    s.faults.crashLoop({ daemonSet: 'weave-net', node: 'k8s-vm2', container: 'weave' }, { message: 'Network 10.32.0.0/12 overlaps with existing route 10.32.0.0/16 on host' });
    await s.waitFor(() => (s.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')?.status?.numberReady === 1 ? true : undefined), { timeoutMs: 10_000 });
    await s.waitFor(() => s.list('v1', 'Pod', 'kube-system').some((p) => p.status?.containerStatuses?.some((c: { state?: { waiting?: { reason?: string } }; restartCount?: number }) => c.state?.waiting?.reason === 'CrashLoopBackOff')), { timeoutMs: 10_000 });
    const r = await weavectl(s, ['check']);
    expect(r.code).toBe(1);
    // Between restarts the container is waiting in CrashLoopBackOff, or briefly running or terminated: each is named.
    expect(r.stdout).toMatch(/× every weave-net pod is running and ready\n {4}1 of 2 ready: pod kube-system\/weave-net-\w+ on k8s-vm2: container weave: (CrashLoopBackOff \(\d+ restarts?|waiting|running, not ready|terminated)/);
    expect(r.stdout).toMatch(/\n {4}hint: (see why it exits: kubectl -n kube-system logs weave-net-\w+ -c weave --previous|kubectl -n kube-system get pods -l name=weave-net -o wide)\n/);
  });
});

// ---- permissions, in process ---------------------------------------------------------------------
// The checks get the cluster layer itself: its create() POSTs the SelfSubjectAccessReviews.

async function checkCluster(s: Simulator, kubeconfigPath = s.kubeconfigPath): Promise<KubeCluster> {
  return connect({ kubeconfig: kubeconfigPath, onWarning: () => undefined });
}

describe('permission checks against the simulator', () => {
  it('everything allowed: every permission check passes', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 1 });
    const c = await checkCluster(s);
    try {
      const report = await runChecks(preInstallChecks().filter((x) => x.category === 'permissions' || x.fatal), new CheckContext({ cluster: c }));
      expect(report.outcomes.map((o) => [o.id, o.result.status])).toEqual([
        ['kubernetes-api-reachable', 'ok'],
        ['permissions-daemonsets', 'ok'],
        ['permissions-serviceaccounts', 'ok'],
        ['permissions-rbac', 'ok'],
        ['permissions-grant', 'ok'],
        ['permissions-read', 'ok'],
      ]);
    } finally {
      c.close();
    }
  });

  it('RBAC denials (sim.faults.forbid) are named one by one', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 1 });
    s.faults.forbid({ verb: ['create', 'patch'], group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' });
    s.faults.forbid({ verb: 'watch', group: 'apps', resource: 'daemonsets', namespace: 'kube-system' });
    s.faults.forbid({ verb: ['escalate', 'bind'] });
    s.faults.forbid({ verb: 'patch', resource: 'nodes', subresource: 'status' });
    const c = await checkCluster(s);
    try {
      const ctx = new CheckContext({ cluster: c });
      expect(await rbacPermissionCheck.run(ctx)).toMatchObject({
        status: 'fail',
        message: 'missing: create clusterrolebindings.rbac.authorization.k8s.io, patch clusterrolebindings.rbac.authorization.k8s.io (cluster-wide)',
      });
      expect(await daemonSetPermissionCheck.run(ctx)).toMatchObject({ status: 'fail', message: 'missing: watch daemonsets.apps in kube-system' });
      expect(await grantPermissionCheck.run(ctx)).toMatchObject({ status: 'fail', message: expect.stringMatching(/you lack: patch nodes\/status \(cluster-wide\)$/) });
    } finally {
      c.close();
    }
  });

  it('on Kubernetes 1.7 the DaemonSet permissions are asked in extensions (the 1.7 manifest)', async () => {
    const s = await sim({ k8sVersion: '1.7.5', nodes: 1 });
    s.faults.forbid({ verb: 'create', group: 'extensions', resource: 'daemonsets' });
    const c = await checkCluster(s);
    try {
      expect(await daemonSetPermissionCheck.run(new CheckContext({ cluster: c }))).toMatchObject({ status: 'fail', message: 'missing: create daemonsets.extensions in kube-system' });
    } finally {
      c.close();
    }
  });

  it('a user who may only ask: every permission check fails naming what is missing; reads could not be checked', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    // RBAC as for an authenticated user with no role but system:basic-user: SelfSubjectAccessReviews only.
    s.faults.authorizer((a) => a.resource === 'selfsubjectaccessreviews');
    const c = await checkCluster(s);
    try {
      const report = await runChecks(preInstallChecks(), new CheckContext({ cluster: c }));
      const by = new Map(report.outcomes.map((o) => [o.id, o.result]));
      expect(report.success).toBe(false);
      for (const id of ['permissions-daemonsets', 'permissions-serviceaccounts', 'permissions-rbac', 'permissions-grant', 'permissions-read']) {
        expect(by.get(id)!.status, id).toBe('fail');
      }
      expect(by.get('permissions-read')!.message).toBe('missing: list nodes (cluster-wide); list pods, watch pods in kube-system');
      expect(by.get('permissions-serviceaccounts')!.message).toBe('missing: create serviceaccounts, get serviceaccounts, patch serviceaccounts in kube-system');
      expect(by.get('pod-network-no-other-cni')).toMatchObject({ status: 'warn', message: expect.stringMatching(/^could not check: listing DaemonSets in all namespaces is forbidden/) });
      expect(by.get('ip-ranges-nodes')).toMatchObject({ status: 'warn', message: expect.stringMatching(/^could not check: listing nodes is forbidden/) });
    } finally {
      c.close();
    }
  });

  it('a user who may not even ask (SelfSubjectAccessReview 403): the permission checks fail', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 1, forbiddenToken: 'no-rights' });
    const path = join(dirname(s.kubeconfigPath), 'forbidden-kubeconfig');
    writeFileSync(path, `apiVersion: v1\nkind: Config\nclusters:\n- name: sim\n  cluster:\n    server: ${s.url}\n    insecure-skip-tls-verify: true\nusers:\n- name: nobody\n  user:\n    token: no-rights\ncontexts:\n- name: sim\n  context: {cluster: sim, user: nobody}\ncurrent-context: sim\n`);
    const c = await checkCluster(s, path);
    try {
      const report = await runChecks(preInstallChecks(), new CheckContext({ cluster: c }));
      const perms = report.outcomes.filter((o) => o.category === 'permissions');
      expect(perms).toHaveLength(5);
      for (const o of perms) expect(o.result).toMatchObject({ status: 'fail', message: expect.stringMatching(/^the API server does not even let this user ask what it may do/) });
      expect(report.success).toBe(false);
    } finally {
      c.close();
    }
  });
});

describe('check against a cluster that cannot be reached (issue 10, point 6)', () => {
  it.each([['check'], ['check', '--pre'], ['check', '--pre', '-o', 'json']].map((a) => [a.join(' '), a] as const))(
    '%s: the report, then one error line and its hint, exit 1, no stack trace',
    async (_name, args) => {
      const s = await sim({ k8sVersion: '1.29.2', nodes: 1 });
      const kubeconfig = join(mkdtempSync(join(tmpdir(), 'weavectl-check-')), 'kubeconfig');
      copyFileSync(s.kubeconfigPath, kubeconfig);
      await s.stop(); // nothing listens at its address any more
      const r = await runCli(['--kubeconfig', kubeconfig, ...args, '--timeout', '5s']);
      expect(r.code).toBe(1);
      expect(r.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual([
        expect.stringMatching(/^error: cannot reach the API server http:\/\/127\.0\.0\.1:\d+: connection refused; the checks could not run$/),
      ]);
      expect(r.stderr).toMatch(/^hint: /m);
      expect(r.stderr).not.toMatch(/\n\s+at |file:\/\//);
    },
  );
});
