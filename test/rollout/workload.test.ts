import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.js';
import { WeavectlError } from '../../src/errors.js';
import { diagnoserFor, evaluateDaemonSet, evaluatorFor, waitForWorkload } from '../../src/rollout/workload.js';
import { FakeCluster, ds, node, pod, type DsOpts } from './fake-cluster.js';

const REF = { apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'kube-system', name: 'weave-net' };
const NOW = Date.parse('2025-01-01T01:00:00Z');

function cluster(dsOpts: DsOpts, pods: KubeObject[], nodes: KubeObject[]): FakeCluster {
  const fake = new FakeCluster();
  const obj = ds(dsOpts);
  fake.lists = [{ items: [obj], resourceVersion: '100' }];
  fake.objects.set('DaemonSet/kube-system/weave-net', obj);
  fake.byKind.set('Pod', pods);
  fake.byKind.set('Node', nodes);
  return fake;
}

async function rejection(p: Promise<unknown>): Promise<WeavectlError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(WeavectlError);
    return e as WeavectlError;
  }
  throw new Error('expected the wait to fail');
}

describe('waitForWorkload (DaemonSet)', () => {
  it('stops early on a crash loop, naming pod, node, reason, with the last log lines', async () => {
    const fake = cluster(
      { desired: 3, updated: 3, available: 2 },
      [
        pod('weave-net-aaaaa', { node: 'node-a' }),
        pod('weave-net-bbbbb', { node: 'node-b' }),
        pod('weave-net-ccccc', {
          node: 'node-c',
          waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s restarting failed container=weave pod=weave-net-ccccc', restartCount: 4 },
          lastExit: { exitCode: 1, reason: 'Error' },
        }),
      ],
      [node('node-a'), node('node-b'), node('node-c')],
    );
    fake.logText = 'INFO: starting\nFATAL: Network 10.32.0.0/12 overlaps with existing route 10.32.0.0/16 on host\n';
    const started = Date.now();
    const err = await rejection(waitForWorkload({ cluster: fake, ref: REF, timeoutMs: 5000, now: () => NOW }));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err.message).toBe(
      'pod kube-system/weave-net-ccccc on node-c: container weave: CrashLoopBackOff (4 restarts, last exit code 1 (Error)): back-off 1m20s restarting failed container=weave pod=weave-net-ccccc',
    );
    expect(err.hint).toBe(
      'see why it exits: kubectl -n kube-system logs weave-net-ccccc -c weave --previous; last log lines: "INFO: starting" | "FATAL: Network 10.32.0.0/12 overlaps with existing route 10.32.0.0/16 on host"',
    );
    expect(fake.logCalls).toEqual([{ pod: { namespace: 'kube-system', name: 'weave-net-ccccc' }, container: 'weave', tailLines: 5 }]);
    // pods were listed by the DaemonSet's selector in its namespace
    expect(fake.listCalls.find((c) => c.ref.kind === 'Pod')).toEqual({
      ref: { apiVersion: 'v1', kind: 'Pod', namespace: 'kube-system' },
      opts: { labelSelector: 'name=weave-net' },
    });
  });

  it('stops early on ImagePullBackOff', async () => {
    const fake = cluster(
      { desired: 1, updated: 1, available: 0 },
      [pod('weave-net-x', { node: 'n1', waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "registry.local/weave-kube:2.8.1"' } })],
      [node('n1')],
    );
    const err = await rejection(waitForWorkload({ cluster: fake, ref: REF, timeoutMs: 5000 }));
    expect(err.message).toBe('pod kube-system/weave-net-x on n1: container weave: ImagePullBackOff: Back-off pulling image "registry.local/weave-kube:2.8.1"');
    expect(err.hint).toMatch(/check the image reference/);
    expect(fake.logCalls).toEqual([]);
  });

  it('times out listing the nodes still missing a pod and the NotReady ones', async () => {
    const fake = cluster(
      { desired: 3, updated: 3, available: 1 },
      [pod('weave-net-aaaaa', { node: 'node-a' }), pod('weave-net-bbbbb', { node: 'node-b', ready: false })],
      [node('node-a'), node('node-b'), node('node-c', { ready: false, reason: 'KubeletNotReady', message: 'container runtime network not ready' })],
    );
    const err = await rejection(waitForWorkload({ cluster: fake, ref: REF, timeoutMs: 60, diagnoseIntervalMs: 20, now: () => NOW }));
    expect(err.message).toBe(
      'timed out waiting for the condition after 60ms: Waiting for daemon set "weave-net" rollout to finish: 1 of 3 updated pods are available; ' +
        'daemon set "weave-net": no pod on node-c; no available pod on node-b (weave-net-bbbbb: not Ready); ' +
        'node node-c is NotReady (KubeletNotReady: container runtime network not ready)',
    );
    expect(err.hint).toBe('kubectl -n kube-system get pods -l name=weave-net -o wide');
  });

  it('never calls a DaemonSet with 0 desired pods done when no node tolerates it', async () => {
    const taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };
    const fake = cluster({ desired: 0, updated: 0, available: 0 }, [], [node('cp', { taints: [taint] })]);
    const err = await rejection(waitForWorkload({ cluster: fake, ref: REF, timeoutMs: 5000 }));
    expect(err.message).toBe(
      'daemon set "weave-net" wants 0 pods although the cluster has 1 schedulable node: cp: taint node-role.kubernetes.io/control-plane:NoSchedule is not tolerated',
    );
  });

  it('succeeds like kubectl when everything is there; with diagnose:false it is kubectl exactly', async () => {
    const fake = cluster({ desired: 2 }, [pod('a', { node: 'n1' }), pod('b', { node: 'n2' })], [node('n1'), node('n2')]);
    const res = await waitForWorkload({ cluster: fake, ref: REF, timeoutMs: 5000, now: () => NOW });
    expect(res).toMatchObject({ done: true, problems: [] });
    const zero = cluster({ desired: 0, updated: 0, available: 0 }, [], [node('n1', { taints: [{ key: 'x', effect: 'NoSchedule' }] })]);
    const plain = await waitForWorkload({ cluster: zero, ref: REF, timeoutMs: 5000, diagnose: false });
    expect(plain.status.message).toBe('daemon set "weave-net" successfully rolled out');
  });

  it('explains an OnDelete DaemonSet instead of refusing it', async () => {
    const fake = cluster({ strategy: 'OnDelete', desired: 3, updated: 1 }, [], [node('n1')]);
    const err = await rejection(waitForWorkload({ cluster: fake, ref: REF, timeoutMs: 5000 }));
    expect(err.message).toMatch(/^daemon set "weave-net" uses the OnDelete update strategy: its pods are replaced only when they are deleted; 1 of 3/);
    expect(err.hint).toContain('delete pod -l name=weave-net');
    const current = evaluateDaemonSet(ds({ strategy: 'OnDelete', desired: 3 }));
    expect(current.done).toBe(true);
    expect(current.error).toBeUndefined();
  });

  it('diagnoses without node access (403 on nodes): pod problems only', async () => {
    const fake = cluster({ desired: 2, updated: 2, available: 1 }, [pod('a', { node: 'n1', waiting: { reason: 'ErrImagePull' } })], [node('n1')]);
    fake.forbiddenKinds.add('Node');
    const problems = await diagnoserFor(fake, REF)();
    expect(problems).toEqual([
      { severity: 'info', message: 'pod kube-system/a on n1: container weave: ErrImagePull', hint: 'check the image reference and that the node can pull it (registry, credentials): kubectl -n kube-system describe pod a' },
    ]);
  });

  it('uses the current ControllerRevision hash to tell updated pods', async () => {
    const fake = cluster({ generation: 5, desired: 2, updated: 2, available: 2 }, [pod('a', { node: 'n1', generation: 4, hash: 'h2' }), pod('b', { node: 'n2', generation: 4, hash: 'h1' })], [node('n1'), node('n2')]);
    fake.byKind.set('ControllerRevision', [
      { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'weave-net-h1', labels: { name: 'weave-net', 'controller-revision-hash': 'h1' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'weave-net', uid: 'ds-uid', controller: true }] }, revision: 1 },
      { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'weave-net-h2', labels: { name: 'weave-net', 'controller-revision-hash': 'h2' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'weave-net', uid: 'ds-uid', controller: true }] }, revision: 2 },
    ]);
    const problems = await diagnoserFor(fake, REF, { now: () => NOW })();
    expect(problems.map((p) => p.message)).toEqual(['daemon set "weave-net": no updated pod on n2']);
  });
});

describe('evaluatorFor', () => {
  it('DaemonSet and Deployment of apps/extensions; others are refused (exit 2)', () => {
    expect(evaluatorFor({ apiVersion: 'apps/v1', kind: 'DaemonSet' })).toBe(evaluateDaemonSet);
    const dep = evaluatorFor({ apiVersion: 'apps/v1', kind: 'Deployment' });
    expect(dep({ metadata: { name: 'weave-scope-app', generation: 1 }, spec: { replicas: 1 }, status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 } }).message).toBe(
      'deployment "weave-scope-app" successfully rolled out',
    );
    let err: unknown;
    try {
      evaluatorFor({ apiVersion: 'apps/v1', kind: 'StatefulSet' });
    } catch (e) {
      err = e;
    }
    expect((err as WeavectlError).exitCode).toBe(2);
  });
});
