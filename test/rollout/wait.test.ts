import { describe, expect, it } from 'vitest';
import type { KubeObject, WatchEvent } from '../../src/cluster/types.js';
import type { Problem } from '../../src/rollout/diagnose.js';
import { daemonSetStatus, type RolloutStatus } from '../../src/rollout/status.js';
import { apiError } from '../../src/cluster/status-errors.js';
import { notFoundMessage, resourceName, waitForRollout, type WaitOptions } from '../../src/rollout/wait.js';

/** The next turn of the event loop: when a finished wait stops its watch and timers. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
import { ds, type DsOpts } from '../fakes/builders.js';
import { httpError } from '../fakes/memory-cluster.js';
import { FakeCluster, netError, rejection, type WatchStep } from './fake-cluster.js';

const REF = { apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'kube-system', name: 'weave-net' };

function modified(o: DsOpts): WatchStep {
  return { event: { type: 'MODIFIED', object: ds(o) } };
}
function bookmark(rv: string): WatchStep {
  return { event: { type: 'BOOKMARK', object: { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: '', resourceVersion: rv } } } };
}
function errorEvent(code: number, reason: string, message: string): WatchStep {
  return { event: { type: 'ERROR', object: { kind: 'Status', status: 'Failure', code, reason, message } } as WatchEvent };
}

function run(fake: FakeCluster, extra: Partial<WaitOptions> = {}) {
  const progress: string[] = [];
  const retries: string[] = [];
  const promise = waitForRollout({
    cluster: fake,
    ref: REF,
    evaluate: daemonSetStatus,
    timeoutMs: 2000,
    inactivityTimeoutMs: 1000,
    backoff: { initialMs: 1, maxMs: 5 },
    onProgress: (s: RolloutStatus) => progress.push(s.message),
    onRetry: (r) => retries.push(`${r.what}#${r.attempt}`),
    ...extra,
  });
  return { promise, progress, retries };
}


describe('waitForRollout', () => {
  it('lists by name, watches from the list resourceVersion with bookmarks, reports every step until done', async () => {
    const fake = new FakeCluster();
    fake.lists = [{ items: [ds({ desired: 8, updated: 0, available: 0, rv: '100' })], resourceVersion: '100' }];
    const steps: WatchStep[] = [];
    for (let u = 1; u <= 8; u++) steps.push(modified({ desired: 8, updated: u, available: 0, rv: String(100 + u) }));
    for (let a = 1; a <= 8; a++) steps.push(modified({ desired: 8, updated: 8, available: a, rv: String(200 + a) }));
    fake.watches = [steps];
    const { promise, progress } = run(fake);
    const res = await promise;
    expect(res.done).toBe(true);
    expect(res.status.message).toBe('daemon set "weave-net" successfully rolled out');
    expect(res.object.metadata.resourceVersion).toBe('208');
    expect(progress).toEqual([
      ...Array.from({ length: 8 }, (_, u) => `Waiting for daemon set "weave-net" rollout to finish: ${u} out of 8 new pods have been updated...`),
      ...Array.from({ length: 8 }, (_, a) => `Waiting for daemon set "weave-net" rollout to finish: ${a} of 8 updated pods are available...`),
      'daemon set "weave-net" successfully rolled out',
    ]);
    expect(fake.listCalls[0]).toEqual({ ref: { apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'kube-system' }, opts: { fieldSelector: 'metadata.name=weave-net' } });
    expect(fake.watchCalls).toHaveLength(1);
    expect(fake.watchCalls[0]!.opts).toMatchObject({ fieldSelector: 'metadata.name=weave-net', resourceVersion: '100', allowWatchBookmarks: true });
    // the watch was stopped when the rollout was done
    await nextTurn(); // the watch is stopped right after the outcome is handed over
    expect(fake.watchCalls[0]!.signal.aborted).toBe(true);
  });

  it('resolves at once when the listed object is already rolled out (no watch)', async () => {
    const fake = new FakeCluster();
    fake.lists = [{ items: [ds({ desired: 3 })], resourceVersion: '7' }];
    const res = await run(fake).promise;
    expect(res.done).toBe(true);
    expect(fake.watchCalls).toHaveLength(0);
  });

  it('a dropped stream resumes from the last resourceVersion seen (event or bookmark)', async () => {
    const fake = new FakeCluster();
    fake.lists = [{ items: [ds({ desired: 3, updated: 0, available: 0 })], resourceVersion: '100' }];
    fake.watches = [
      [modified({ desired: 3, updated: 1, available: 0, rv: '101' }), { sleep: 5 }, { end: true }],
      [modified({ desired: 3, updated: 2, available: 0, rv: '102' }), bookmark('150'), { throw: netError('ECONNRESET') }],
      [modified({ desired: 3, updated: 3, available: 3, rv: '151' })],
    ];
    const { promise, retries } = run(fake);
    const res = await promise;
    expect(res.done).toBe(true);
    expect(fake.watchCalls.map((c) => c.opts.resourceVersion)).toEqual(['100', '101', '150']);
    expect(fake.listCalls).toHaveLength(1);
    expect(retries).toEqual(['watch#1']);
  });

  it('410 Expired as an ERROR event: re-lists and watches from the new resourceVersion', async () => {
    const fake = new FakeCluster();
    fake.lists = [
      { items: [ds({ desired: 3, updated: 1, available: 0 })], resourceVersion: '100' },
      { items: [ds({ desired: 3, updated: 2, available: 0 })], resourceVersion: '500' },
    ];
    fake.watches = [
      [modified({ desired: 3, updated: 1, available: 0, rv: '120' }), errorEvent(410, 'Expired', 'too old resource version: 100 (300)')],
      [modified({ desired: 3, updated: 3, available: 3, rv: '501' })],
    ];
    const { promise, progress } = run(fake);
    await promise;
    expect(fake.listCalls).toHaveLength(2);
    expect(fake.watchCalls.map((c) => c.opts.resourceVersion)).toEqual(['100', '500']);
    expect(progress).toContain('Waiting for daemon set "weave-net" rollout to finish: 2 out of 3 new pods have been updated...');
  });

  it('410 as a failed watch request also re-lists', async () => {
    const fake = new FakeCluster();
    fake.lists = [
      { items: [ds({ desired: 3, updated: 1 })], resourceVersion: '100' },
      { items: [ds({ desired: 3, updated: 3 })], resourceVersion: '600' },
    ];
    fake.watches = [[{ throw: httpError(410, 'Gone') }]];
    const res = await run(fake).promise;
    expect(res.done).toBe(true);
    expect(fake.listCalls).toHaveLength(2);
  });

  it('inactivity: a silent watch is aborted and restarted from the same resourceVersion', async () => {
    const fake = new FakeCluster();
    fake.lists = [{ items: [ds({ desired: 2, updated: 0, available: 0 })], resourceVersion: '100' }];
    fake.watches = [
      [modified({ desired: 2, updated: 1, available: 0, rv: '110' }), { hang: true }],
      [{ hang: true }],
      [modified({ desired: 2, updated: 2, available: 2, rv: '130' })],
    ];
    const started = Date.now();
    const res = await run(fake, { inactivityTimeoutMs: 30 }).promise;
    expect(res.done).toBe(true);
    expect(fake.watchCalls.map((c) => c.opts.resourceVersion)).toEqual(['100', '110', '110']);
    await nextTurn(); // the watch is stopped right after the outcome is handed over
    expect(fake.watchCalls[0]!.signal.aborted).toBe(true);
    expect(fake.watchCalls[1]!.signal.aborted).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
  });

  it('bookmarks count as activity', async () => {
    const fake = new FakeCluster();
    fake.lists = [{ items: [ds({ desired: 2, updated: 0 })], resourceVersion: '100' }];
    const steps: WatchStep[] = [];
    for (let i = 0; i < 8; i++) steps.push({ sleep: 20 }, bookmark(String(200 + i)));
    steps.push(modified({ desired: 2, updated: 2, available: 2, rv: '300' }));
    fake.watches = [steps];
    await run(fake, { inactivityTimeoutMs: 80 }).promise;
    expect(fake.watchCalls).toHaveLength(1);
  });

  it('times out with kubectl words, the last status and what the diagnosis says is missing', async () => {
    const fake = new FakeCluster();
    fake.lists = [{ items: [ds({ desired: 3, updated: 3, available: 2 })], resourceVersion: '100' }];
    const problems: Problem[] = [
      { severity: 'info', message: 'daemon set "weave-net": no available pod on node-c (weave-net-zzz: not Ready)', hint: 'kubectl -n kube-system get pods -l name=weave-net -o wide' },
      { severity: 'info', message: 'node node-c is NotReady (KubeletNotReady: PLEG is not healthy)' },
    ];
    let calls = 0;
    const err = await rejection(
      run(fake, {
        timeoutMs: 80,
        diagnoseIntervalMs: 20,
        diagnose: async () => {
          calls++;
          return problems;
        },
      }).promise,
    );
    expect(err.exitCode).toBe(1);
    expect(err.message).toBe(
      'timed out waiting for the condition after 80ms: Waiting for daemon set "weave-net" rollout to finish: 2 of 3 updated pods are available; ' +
        'daemon set "weave-net": no available pod on node-c (weave-net-zzz: not Ready); node node-c is NotReady (KubeletNotReady: PLEG is not healthy)',
    );
    expect(err.hint).toBe('kubectl -n kube-system get pods -l name=weave-net -o wide');
    expect(calls).toBeGreaterThanOrEqual(3); // first evaluation, periodic, and the final one
    await nextTurn(); // the watch is stopped right after the outcome is handed over
    expect(fake.watchCalls[0]!.signal.aborted).toBe(true);
  });

  it('a fatal problem from the diagnosis stops the wait early', async () => {
    const fake = new FakeCluster();
    fake.lists = [{ items: [ds({ desired: 3, updated: 3, available: 2 })], resourceVersion: '100' }];
    let n = 0;
    const started = Date.now();
    const err = await rejection(
      run(fake, {
        timeoutMs: 5000,
        diagnoseIntervalMs: 10,
        diagnose: async () =>
          ++n < 3
            ? []
            : [
                { severity: 'fatal', message: 'pod kube-system/weave-net-abcde on node-b: container weave: CrashLoopBackOff (4 restarts)', hint: 'logs' },
                { severity: 'fatal', message: 'another' },
              ],
      }).promise,
    );
    expect(err.message).toBe('pod kube-system/weave-net-abcde on node-b: container weave: CrashLoopBackOff (4 restarts) (and 1 more)');
    expect(err.hint).toBe('logs');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a "blocking" problem keeps a done status that confirmDone asks about from resolving until it clears', async () => {
    const fake = new FakeCluster();
    fake.lists = [{ items: [ds({ desired: 0, updated: 0, available: 0 })], resourceVersion: '100' }];
    let n = 0;
    const seen: Problem[][] = [];
    const reasons: string[] = [];
    const res = await run(fake, {
      diagnoseIntervalMs: 10,
      onProblems: (p) => seen.push(p),
      confirmDone: (obj) => obj.status.desiredNumberScheduled === 0,
      diagnose: async (ctx) => {
        reasons.push(ctx.reason);
        return ++n < 4 ? [{ severity: 'blocking', message: 'wants 0 pods although n1 should run one' }] : [];
      },
    }).promise;
    expect(res.done).toBe(true);
    expect(n).toBe(4);
    expect(reasons).toEqual(['done', 'done', 'done', 'done']);
    expect(seen.map((p) => p.length)).toEqual([1, 0]);
  });

  it('diagnosis errors are ignored', async () => {
    const fake = new FakeCluster();
    fake.lists = [{ items: [ds({ desired: 2, updated: 1 })], resourceVersion: '1' }];
    fake.watches = [[{ sleep: 30 }, modified({ desired: 2, updated: 2, available: 2, rv: '2' })]];
    let calls = 0;
    const res = await run(fake, {
      diagnoseIntervalMs: 5,
      diagnose: async () => {
        calls++;
        throw new Error('boom');
      },
    }).promise;
    expect(res.done).toBe(true);
    expect(res.status.message).toBe('daemon set "weave-net" successfully rolled out');
    expect(calls).toBeGreaterThan(1);
  });

  it('a DELETED object fails (never silently watch a re-created one)', async () => {
    const fake = new FakeCluster();
    fake.lists = [{ items: [ds({ desired: 3, updated: 1 })], resourceVersion: '100' }];
    fake.watches = [[{ event: { type: 'DELETED', object: ds({ rv: '101' }) } }]];
    const err = await rejection(run(fake).promise);
    expect(err.message).toBe('daemon set "weave-net" was deleted while waiting for its rollout');
  });

  it('an object that does not exist: the API server NotFound text', async () => {
    const fake = new FakeCluster();
    fake.lists = [{ items: [], resourceVersion: '100' }];
    const err = await rejection(run(fake).promise);
    expect(err.message).toBe('daemonsets.apps "weave-net" not found');
    expect(err.hint).toContain('kube-system');
    expect(fake.watchCalls).toHaveLength(0);
    expect(notFoundMessage({ apiVersion: 'extensions/v1beta1', kind: 'Deployment', name: 'x' })).toBe('deployments.extensions "x" not found');
    expect(notFoundMessage({ apiVersion: 'v1', kind: 'Pod', name: 'p' })).toBe('pods "p" not found');
    expect(resourceName('NetworkPolicy')).toBe('networkpolicies');
    expect(resourceName('Ingress')).toBe('ingresses');
  });

  it('watch:false evaluates once and resolves, done or not, without watching', async () => {
    const fake = new FakeCluster();
    fake.lists = [{ items: [ds({ desired: 3, updated: 1 })], resourceVersion: '100' }];
    const { promise, progress } = run(fake, { watch: false });
    const res = await promise;
    expect(res.done).toBe(false);
    expect(res.status.message).toBe('Waiting for daemon set "weave-net" rollout to finish: 1 out of 3 new pods have been updated...');
    expect(progress).toEqual([res.status.message]);
    expect(fake.watchCalls).toHaveLength(0);
  });

  it('watch:false with a diagnosis: a blocking problem means not done', async () => {
    const fake = new FakeCluster();
    fake.lists = [{ items: [ds({ desired: 0 })], resourceVersion: '100' }];
    const res = await run(fake, { watch: false, diagnose: async () => [{ severity: 'blocking', message: 'zero' }] }).promise;
    expect(res.status.done).toBe(true);
    expect(res.done).toBe(false);
    expect(res.problems).toEqual([{ severity: 'blocking', message: 'zero' }]);
  });

  it('the status error fails at once (OnDelete, kubectl wording)', async () => {
    const fake = new FakeCluster();
    fake.lists = [{ items: [ds({ strategy: 'OnDelete' })], resourceVersion: '100' }];
    const err = await rejection(run(fake).promise);
    expect(err.message).toBe('rollout status is only available for RollingUpdate strategy type');
  });

  it('list items without apiVersion/kind are evaluated as the ref says (extensions/v1beta1 default OnDelete)', async () => {
    const fake = new FakeCluster();
    const item = ds({ strategy: null }) as KubeObject;
    delete item.apiVersion;
    delete item.kind;
    fake.lists = [{ items: [item], resourceVersion: '100' }];
    const err = await rejection(waitForRollout({ cluster: fake, ref: { ...REF, apiVersion: 'extensions/v1beta1' }, evaluate: daemonSetStatus, timeoutMs: 1000 }));
    expect(err.message).toBe('rollout status is only available for RollingUpdate strategy type');
  });

  it('transient list errors (503, 429, ECONNRESET) are retried with backoff', async () => {
    const fake = new FakeCluster();
    fake.lists = [
      { throw: httpError(503, 'the server is currently unable to handle the request') },
      { throw: httpError(429, 'too many requests') },
      { throw: netError('ECONNRESET') },
      { items: [ds({ desired: 1 })], resourceVersion: '9' },
    ];
    const { promise, retries } = run(fake);
    expect((await promise).done).toBe(true);
    expect(retries).toEqual(['list#1', 'list#2', 'list#3']);
  });

  it("401 and 403 fail at once, with the cluster layer's message and hint", async () => {
    const desc = { verb: 'list', resource: 'daemonsets', group: 'apps', namespace: 'kube-system' };
    for (const [code, message, hint] of [
      [403, 'forbidden: cannot list daemonsets.apps in namespace "kube-system": daemonsets.apps is forbidden', /kubectl auth can-i list daemonsets\.apps -n kube-system/],
      [401, 'the API server https://k refused the credentials: 401 Unauthorized', /credentials in the kubeconfig|token or client certificate/],
    ] as const) {
      const fake = new FakeCluster();
      const answer = apiError(code, JSON.stringify({ kind: 'Status', status: 'Failure', message: 'daemonsets.apps is forbidden', code }), desc, { server: 'https://k' });
      fake.lists = [{ throw: answer }];
      const { promise, retries } = run(fake);
      const err = await rejection(promise);
      expect(err).toBe(answer);
      expect(err.message).toBe(message);
      expect(err.hint).toMatch(hint);
      expect(retries).toEqual([]);
      expect(fake.listCalls).toHaveLength(1);
    }
  });

  it('watch ERROR events: 500 resumes from the last resourceVersion, 403 fails', async () => {
    const fake = new FakeCluster();
    fake.lists = [{ items: [ds({ desired: 2, updated: 0 })], resourceVersion: '100' }];
    fake.watches = [
      [modified({ desired: 2, updated: 1, rv: '105' }), errorEvent(500, 'InternalError', 'etcd leader changed')],
      [modified({ desired: 2, updated: 2, available: 2, rv: '106' })],
    ];
    await run(fake).promise;
    expect(fake.watchCalls.map((c) => c.opts.resourceVersion)).toEqual(['100', '105']);

    const fake2 = new FakeCluster();
    fake2.lists = [{ items: [ds({ desired: 2, updated: 0 })], resourceVersion: '100' }];
    fake2.watches = [[errorEvent(403, 'Forbidden', 'daemonsets.apps is forbidden')]];
    const err = await rejection(run(fake2).promise);
    expect(err.message).toBe('cannot watch daemon set "weave-net": daemonsets.apps is forbidden');
  });

  it('a stream the server keeps closing at once is resumed with backoff, not in a hot loop', async () => {
    const fake = new FakeCluster();
    fake.lists = [{ items: [ds({ desired: 2, updated: 0 })], resourceVersion: '100' }];
    fake.watches = Array.from({ length: 4 }, () => [{ end: true }] as WatchStep[]);
    fake.watches.push([modified({ desired: 2, updated: 2, available: 2, rv: '101' })]);
    const started = Date.now();
    await run(fake, { backoff: { initialMs: 10, maxMs: 20 } }).promise;
    expect(fake.watchCalls).toHaveLength(5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(10 + 20 + 20 + 20 - 5);
    expect(fake.watchCalls.every((c) => c.opts.resourceVersion === '100')).toBe(true);
  });

  it('an abort signal ends the wait', async () => {
    const fake = new FakeCluster();
    fake.lists = [{ items: [ds({ desired: 2, updated: 0 })], resourceVersion: '100' }];
    const ac = new AbortController();
    const { promise } = run(fake, { signal: ac.signal, timeoutMs: 0 });
    setTimeout(() => ac.abort(), 20);
    const err = await rejection(promise);
    expect(err.message).toBe('interrupted while waiting for daemon set "weave-net"');
    await nextTurn(); // the watch is stopped right after the outcome is handed over
    expect(fake.watchCalls[0]!.signal.aborted).toBe(true);
  });

});
