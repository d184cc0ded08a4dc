import { describe, expect, it } from 'vitest';
import { CheckContext, runChecks, type Check, type CheckResult } from '../../src/check/framework.js';
import { healthChecks, preInstallChecks } from '../../src/check/lists.js';
import { httpError } from '../fakes/memory-cluster.js';
import { kubeadm } from './helpers.js';

describe('runChecks and the lists', () => {
  it('a healthy cluster passes every pre-install check (with --ipalloc)', async () => {
    const c = kubeadm({ clusterCidr: '172.25.64.0/18' });
    const seen: string[] = [];
    const report = await runChecks(preInstallChecks(), new CheckContext({ cluster: c, ipalloc: '172.25.64.0/18' }), (o) => seen.push(o.id));
    expect(report.outcomes.filter((o) => o.result.status !== 'ok')).toEqual([]);
    expect(report.success).toBe(true);
    expect(seen).toEqual(preInstallChecks().map((x) => x.id));
    // Shared lookups are asked once.
    expect(c.calls.filter((x) => /^list \S+ Node \*$/.test(x))).toHaveLength(1);
    expect(c.calls.filter((x) => /^get \S+ DaemonSet kube-system\/weave-net$/.test(x))).toHaveLength(1);
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
      category: 'weave-net',
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
    const boom: Check = { id: 'x', category: 'weave-net', description: 'd', run: async () => Promise.reject(new Error('boom\nsecond line')) };
    const denied: Check = { id: 'y', category: 'weave-net', description: 'd', run: async () => Promise.reject(httpError(403, 'pods is forbidden')) };
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
