import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.js';
import type { WeavectlError } from '../../src/errors.js';
import { daemonSetStatus, deploymentStatus } from '../../src/rollout/status.js';
import type { DiagnoseContext, DiagnoseReason } from '../../src/rollout/wait.js';
import { FULL_LIST_MAX_PODS, LIST_PAGE_SIZE, PAGE_SIZE, diagnoserFor, evaluateDaemonSet, evaluatorFor, waitForWorkload } from '../../src/rollout/workload.js';
import { ds, node, pod, type DsOpts } from '../fakes/builders.js';
import { httpError } from '../fakes/memory-cluster.js';
import { FakeCluster, PagedFakeCluster, rejection } from './fake-cluster.js';

const REF = { apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'kube-system', name: 'weave-net' };
const NOW = Date.parse('2025-01-01T01:00:00Z');

function cluster(dsOpts: DsOpts, pods: KubeObject[], nodes: KubeObject[]): FakeCluster {
  const fake = new FakeCluster();
  const obj = ds(dsOpts);
  fake.lists = [{ items: [obj], resourceVersion: '100' }];
  fake.add(obj);
  fake.add(...pods);
  fake.add(...nodes);
  return fake;
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

  it('waits for an OnDelete DaemonSet whose pods are all of the current template (just created, or new nodes): the controller creates the rest', () => {
    const fresh = evaluateDaemonSet(ds({ strategy: 'OnDelete', desired: 3, current: 1, updated: 1, available: 0 }));
    expect(fresh).toMatchObject({ done: false, message: 'Waiting for daemon set "weave-net" rollout to finish: 1 out of 3 new pods have been updated...' });
    expect(fresh.error).toBeUndefined();
    const unobserved = evaluateDaemonSet(ds({ strategy: 'OnDelete', desired: 0, generation: 1, observedGeneration: 0 }));
    expect(unobserved.error).toBeUndefined();
    expect(unobserved.done).toBe(false);
    // an old pod left (current 3, updated 1): it is replaced only when deleted: the explanation, as before
    expect(evaluateDaemonSet(ds({ strategy: 'OnDelete', desired: 3, current: 3, updated: 1 })).error).toMatch(/uses the OnDelete update strategy/);
  });

  it('diagnoses without node access (403 on nodes): pod problems only', async () => {
    const fake = cluster({ desired: 2, updated: 2, available: 1 }, [pod('a', { node: 'n1', waiting: { reason: 'ErrImagePull' } })], [node('n1')]);
    fake.forbid({ kind: 'Node' });
    const problems = await diagnoserFor(fake, REF)();
    expect(problems).toEqual([
      { severity: 'info', message: 'pod kube-system/a on n1: container weave: ErrImagePull', hint: 'check the image reference and that the node can pull it (registry, credentials): kubectl -n kube-system describe pod a' },
    ]);
  });

  it('uses the current ControllerRevision hash to tell updated pods', async () => {
    const fake = cluster({ generation: 5, desired: 2, updated: 2, available: 2 }, [pod('a', { node: 'n1', generation: 4, hash: 'h2' }), pod('b', { node: 'n2', generation: 4, hash: 'h1' })], [node('n1'), node('n2')]);
    fake.add(...[
      { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'weave-net-h1', namespace: 'kube-system', labels: { name: 'weave-net', 'controller-revision-hash': 'h1' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'weave-net', uid: 'ds-uid', controller: true }] }, revision: 1 },
      { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'weave-net-h2', namespace: 'kube-system', labels: { name: 'weave-net', 'controller-revision-hash': 'h2' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'weave-net', uid: 'ds-uid', controller: true }] }, revision: 2 },
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

function ctxOf(obj: KubeObject, reason: DiagnoseReason, signal = new AbortController().signal): DiagnoseContext {
  const status = obj.kind === 'Deployment' ? deploymentStatus(obj) : daemonSetStatus(obj);
  return { reason, object: obj, status, signal };
}

function backOff(podName: string, when: string, namespace = 'kube-system'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${podName}.17a000`, namespace, creationTimestamp: when },
    involvedObject: { kind: 'Pod', namespace, name: podName },
    reason: 'BackOff',
    message: `Back-off restarting failed container weave in pod ${podName}`,
    lastTimestamp: when,
  };
}

/** A DaemonSet of `n` pods (more than FULL_LIST_MAX_PODS): all fine but a pull failure, a crash loop and one not Ready. */
function bigCluster<C extends FakeCluster>(fake: C, n = FULL_LIST_MAX_PODS + 100): { fake: C; obj: KubeObject } {
  const obj = ds({ desired: n, updated: n, available: n - 3 });
  const pods: KubeObject[] = [];
  for (let i = 4; i <= n; i++) pods.push(pod(`weave-net-ok${i}`, { node: `n-${i}` }));
  pods.push(pod('weave-net-pull', { node: 'n-1', phase: 'Pending', waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } }));
  pods.push(pod('weave-net-crash', { node: 'n-2', waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s', restartCount: 5 }, lastExit: { exitCode: 1, reason: 'Error' } }));
  pods.push(pod('weave-net-slow', { node: 'n-3', ready: false }));
  fake.lists = [{ items: [obj], resourceVersion: '100' }];
  fake.add(obj);
  fake.add(...pods);
  fake.add(...Array.from({ length: n }, (_, i) => node(`n-${i + 1}`, i === 1 ? { ready: false, reason: 'KubeletNotReady' } : {})));
  fake.add(...[
    backOff('weave-net-crash', '2025-01-01T00:10:00Z'),
    backOff('weave-net-gone', '2025-01-01T00:09:00Z'), // a pod that no longer exists
    backOff('other-app-abcde', '2025-01-01T00:11:00Z'), // another workload's pod
    { ...backOff('weave-net-pull', '2025-01-01T00:08:00Z'), message: 'Back-off pulling image "x"' },
  ]);
  fake.logText = 'FATAL: boom\n';
  return { fake, obj };
}

describe('diagnoserFor: what each look reads', () => {
  it('a rolled-out DaemonSet is done on its status alone: no diagnosis, no pod or node list', async () => {
    const fake = cluster({ desired: 2 }, [pod('a', { node: 'n1' }), pod('b', { node: 'n2' })], [node('n1'), node('n2')]);
    const res = await waitForWorkload({ cluster: fake, ref: REF, timeoutMs: 5000 });
    expect(res).toMatchObject({ done: true, problems: [], status: { message: 'daemon set "weave-net" successfully rolled out' } });
    expect(fake.listCalls.map((c) => c.ref.kind)).toEqual(['DaemonSet']);
    expect(fake.getCalls).toEqual([]);
  });

  it('a DaemonSet that wants 0 pods is checked against the nodes only (no pods), and still refused', async () => {
    const fake = cluster({ desired: 0, updated: 0, available: 0 }, [], [node('cp', { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] })]);
    const err = await rejection(waitForWorkload({ cluster: fake, ref: REF, timeoutMs: 5000 }));
    expect(err.message).toMatch(/^daemon set "weave-net" wants 0 pods although the cluster has 1 schedulable node: cp: taint/);
    expect(fake.listCalls.map((c) => c.ref.kind)).toEqual(['DaemonSet', 'Node']);
  });

  it('0 desired while a node fits is blocking; once the controller catches up the done status is re-checked and counts', async () => {
    const fake = cluster({ desired: 0, updated: 0, available: 0 }, [], [node('n1')]);
    fake.watches = [[{ sleep: 30 }, { event: { type: 'MODIFIED', object: ds({ desired: 1, rv: '101' }) } }]];
    const warned: string[] = [];
    const res = await waitForWorkload({
      cluster: fake,
      ref: REF,
      timeoutMs: 5000,
      diagnoseIntervalMs: 60_000,
      onProblems: (ps) => warned.push(...ps.map((p) => `${p.severity}: ${p.message}`)),
    });
    expect(warned).toEqual(['blocking: daemon set "weave-net" wants 0 pods although n1 should run one (the DaemonSet controller has not scheduled them yet)']);
    expect(res).toMatchObject({ done: true, problems: [], status: { counts: { desired: 1 } } });
    expect(fake.listCalls.map((c) => c.ref.kind)).toEqual(['DaemonSet', 'Node', 'Node']);
  });

  it('a big DaemonSet in progress: only suspects (not Running; BackOff events, read one by one) and the nodes of pods not Ready', async () => {
    const { fake, obj } = bigCluster(new PagedFakeCluster());
    const problems = await diagnoserFor(fake, REF)(ctxOf(obj, 'stalled'));
    expect(problems.map((p) => `${p.severity}: ${p.message}`)).toEqual([
      'fatal: pod kube-system/weave-net-crash on n-2 (NotReady): container weave: CrashLoopBackOff (5 restarts, last exit code 1 (Error)): back-off 40s',
      'fatal: pod kube-system/weave-net-pull on n-1: container weave: ImagePullBackOff: Back-off pulling image "x"',
      'info: node n-2 is NotReady (KubeletNotReady)',
    ]);
    expect(problems[0]!.hint).toBe('see why it exits: kubectl -n kube-system logs weave-net-crash -c weave --previous; last log lines: "FATAL: boom"');
    // never the whole pod list, nor the node list
    expect(fake.pageCalls.map((c) => [c.ref.kind, c.opts])).toEqual([
      ['Pod', { labelSelector: 'name=weave-net', fieldSelector: 'status.phase!=Running', pageSize: PAGE_SIZE.Pod }],
      ['Event', { fieldSelector: 'involvedObject.kind=Pod,reason=BackOff', pageSize: LIST_PAGE_SIZE }],
    ]);
    expect(fake.listCalls).toEqual([]);
    expect(fake.getCalls.map((c) => `${c.kind}/${c.name}`)).toEqual(['Pod/weave-net-crash', 'Pod/weave-net-gone', 'Node/n-1', 'Node/n-2']);
  });

  it('a big DaemonSet whose events cannot be listed: every pod instead, page by page', async () => {
    const { fake, obj } = bigCluster(new PagedFakeCluster());
    fake.forbid({ kind: 'Event' });
    const problems = await diagnoserFor(fake, REF)(ctxOf(obj, 'periodic'));
    expect(problems.filter((p) => p.severity === 'fatal')).toHaveLength(2);
    expect(fake.listCalls).toEqual([]);
    expect(fake.pageCalls.map((c) => [c.ref.kind, c.opts.fieldSelector ?? '', c.pages])).toEqual([
      ['Pod', 'status.phase!=Running', 1],
      ['Event', 'involvedObject.kind=Pod,reason=BackOff', 0],
      ['Pod', '', Math.ceil((FULL_LIST_MAX_PODS + 100) / PAGE_SIZE.Pod!)],
    ]);
    // the slow pod was seen too: its node is among those read
    expect(fake.getCalls.map((c) => c.name)).toEqual(['n-1', 'n-2', 'n-3']);
  });

  it('the final look at a big DaemonSet reads everything by pages of about 1 MB, in parallel, and names what is missing', async () => {
    const { fake, obj } = bigCluster(new PagedFakeCluster(), 1000);
    fake.delayMs = 10;
    const problems = await diagnoserFor(fake, REF, { now: () => NOW })(ctxOf(obj, 'final'));
    expect(fake.maxInFlight).toBeGreaterThanOrEqual(3); // pods, nodes, controller revisions at once
    expect(fake.pageCalls.map((c) => [c.ref.kind, c.opts, c.pages])).toEqual([
      ['Pod', { labelSelector: 'name=weave-net', pageSize: PAGE_SIZE.Pod }, 10],
      ['Node', { pageSize: PAGE_SIZE.Node }, 2],
    ]);
    expect(fake.listCalls.map((c) => [c.ref.kind, c.opts])).toEqual([['ControllerRevision', { labelSelector: 'name=weave-net' }]]);
    expect(problems.map((p) => p.message)).toContain(
      'daemon set "weave-net": no available pod on n-1 (weave-net-pull: not Ready (Pending)), n-2 (weave-net-crash: not Ready), n-3 (weave-net-slow: not Ready)',
    );
  });

  it('with a paging cluster, pages stop once the answer is no longer wanted', async () => {
    const { fake, obj } = bigCluster(new PagedFakeCluster(), 10 * PAGE_SIZE.Pod!);
    const ac = new AbortController();
    fake.afterPage = (kind, pages) => {
      if (kind === 'Pod' && pages === 2) ac.abort();
    };
    const problems = await diagnoserFor(fake, REF)(ctxOf(obj, 'final', ac.signal));
    // the third page was requested before the abort was seen; none after it
    expect(fake.pageCalls.find((c) => c.ref.kind === 'Pod')!.pages).toBe(3);
    expect(problems.filter((p) => p.severity === 'fatal')).toEqual([]);
    expect(fake.logCalls).toEqual([]);
  });

  it('a paged list whose continue token expired is read again from the start, once', async () => {
    const { fake, obj } = bigCluster(new PagedFakeCluster(), 250);
    let expired = 0;
    const listPages = fake.listPages.bind(fake);
    fake.listPages = async (ref, opts, onPage) => {
      if (ref.kind === 'Pod' && expired++ === 0) {
        await onPage([]); // a first page, then the token expires
        throw Object.assign(new Error('list of pods: the continue token expired'), { cause: httpError(410, 'Expired') });
      }
      return listPages(ref, opts, onPage);
    };
    const problems = await diagnoserFor(fake, REF, { now: () => NOW })(ctxOf(obj, 'final'));
    expect(expired).toBe(2);
    expect(problems.map((p) => p.message)).toContain(
      'daemon set "weave-net": no available pod on n-1 (weave-net-pull: not Ready (Pending)), n-2 (weave-net-crash: not Ready), n-3 (weave-net-slow: not Ready)',
    );
  });

  it('an abandoned in-progress look sends nothing after its first requests', async () => {
    const { fake, obj } = bigCluster(new PagedFakeCluster());
    const ac = new AbortController();
    const look = diagnoserFor(fake, REF)(ctxOf(obj, 'stalled', ac.signal));
    ac.abort(); // while its first requests are out
    await look;
    expect(fake.pageCalls.map((c) => c.ref.kind)).toEqual(['Pod', 'Event']);
    expect(fake.getCalls).toEqual([]);
    expect(fake.logCalls).toEqual([]);
  });

  it('a Deployment: its pods, and the nodes of the ones not Ready read one by one (never the node list)', async () => {
    const deploy: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'weave-scope-app', namespace: 'weave', generation: 1 },
      spec: { replicas: 2, selector: { matchLabels: { app: 'weave-scope' } } },
      status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 },
    };
    const scopePod = (name: string, o: Parameters<typeof pod>[1]) => {
      const p = pod(name, { ...o, namespace: 'weave' });
      p.metadata.labels = { app: 'weave-scope' };
      return p;
    };
    const fake = new FakeCluster();
    fake.watchedKind = 'Deployment';
    fake.add(...[scopePod('weave-scope-app-1', { node: 'n1' }), scopePod('weave-scope-app-2', { node: 'n2', ready: false })]);
    fake.add(...[node('n1'), node('n2', { ready: false, reason: 'NodeStatusUnknown' })]);
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'weave', name: 'weave-scope-app' };
    const problems = await diagnoserFor(fake, ref)(ctxOf(deploy, 'stalled'));
    expect(problems).toEqual([{ severity: 'info', message: 'node n2 is NotReady (NodeStatusUnknown)', hint: 'kubectl describe node n2' }]);
    expect(fake.listCalls.map((c) => [c.ref.kind, c.opts])).toEqual([['Pod', { labelSelector: 'app=weave-scope' }]]);
    expect(fake.getCalls.map((c) => `${c.kind}/${c.name}`)).toEqual(['Node/n2']);
  });
});
