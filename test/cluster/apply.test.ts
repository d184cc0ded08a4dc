import { describe, expect, it } from 'vitest';
import { applyAll, type ApplyOutcome } from '../../src/cluster/apply.js';
import type { ApplyOptions, KubeObject } from '../../src/cluster/types.js';
import { KubeApiError } from '../../src/cluster/status-errors.js';
import { failure } from '../../src/errors.js';
import { MemoryCluster } from '../fakes/memory-cluster.js';

const o = (kind: string, name: string, apiVersion = 'v1', namespace?: string): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
});

/**
 * The memory cluster (test/fakes/memory-cluster.ts) at Kubernetes 1.29.0, whose apply records the order
 * of calls and how many run at once, and waits or fails per object as `behaviour` says.
 */
class FakeCluster extends MemoryCluster {
  /** Every apply, in order, as "Kind/name" (the memory cluster's own record of every call is `calls`). */
  readonly applied: string[] = [];
  /** The objects prepareApply was told about, per call. */
  prepared: string[][] = [];
  active = 0;
  maxActive = 0;
  constructor(private readonly behaviour: (obj: KubeObject) => { delayMs?: number; fail?: string; error?: Error } = () => ({})) {
    super({ k8sVersion: '1.29.0' });
  }
  override prepareApply(objects: readonly KubeObject[]) {
    this.prepared.push(objects.map((o) => `${o.kind}/${o.metadata.name}`));
  }
  override async apply(obj: KubeObject, opts: ApplyOptions) {
    expect(opts.fieldManager).toBe('weavectl');
    this.applied.push(`${obj.kind}/${obj.metadata.name}`);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    const b = this.behaviour(obj);
    await new Promise((r) => setTimeout(r, b.delayMs ?? 1));
    this.active--;
    if (b.error) throw b.error;
    if (b.fail) throw failure(b.fail);
    return super.apply(obj, opts);
  }
}

const asCluster = (f: FakeCluster) => f;

describe('applyAll', () => {
  it('checks every kind is served before sending anything, naming all unserved kinds', async () => {
    const f = new FakeCluster();
    const objects = [
      o('ServiceAccount', 'weave-net'),
      o('ClusterRole', 'weave-net', 'rbac.authorization.k8s.io/v1beta1'),
      o('DaemonSet', 'weave-net', 'extensions/v1beta1'),
      o('DaemonSet', 'other', 'extensions/v1beta1'),
    ];
    await expect(applyAll(asCluster(f), objects, { fieldManager: 'weavectl' })).rejects.toThrow(
      'the cluster (v1.29.0) does not serve ClusterRole rbac.authorization.k8s.io/v1beta1 (it serves rbac.authorization.k8s.io/v1), DaemonSet extensions/v1beta1 (it serves apps/v1)',
    );
    expect(f.applied).toEqual([]);
  });

  it('applies tier by tier, in parallel within a tier, and reports in manifest order', async () => {
    // The DaemonSet comes first in the manifest but must wait; the first ConfigMap is slow.
    const f = new FakeCluster((obj) => ({ delayMs: obj.metadata.name === 'slow' ? 40 : 2 }));
    f.put(o('ConfigMap', 'slow')); // the ConfigMaps are there as the manifest has them: applying them changes nothing
    f.put(o('ConfigMap', 'fast'));
    const objects = [
      o('DaemonSet', 'weave-net', 'apps/v1', 'kube-system'),
      o('ConfigMap', 'slow'),
      o('ConfigMap', 'fast'),
      o('ClusterRoleBinding', 'weave-net', 'rbac.authorization.k8s.io/v1'),
      o('ClusterRole', 'weave-net', 'rbac.authorization.k8s.io/v1'),
      o('ServiceAccount', 'weave-net'),
    ];
    const reported: ApplyOutcome[] = [];
    const all = await applyAll(asCluster(f), objects, { fieldManager: 'weavectl', onResult: (r) => reported.push(r) });
    expect(f.applied).toEqual(['ClusterRoleBinding/weave-net', 'ClusterRole/weave-net', 'ServiceAccount/weave-net', 'ConfigMap/slow', 'ConfigMap/fast', 'DaemonSet/weave-net']);
    // every object's state before is asked for at once, before the first tier is sent
    expect(f.prepared).toEqual([['DaemonSet/weave-net', 'ConfigMap/slow', 'ConfigMap/fast', 'ClusterRoleBinding/weave-net', 'ClusterRole/weave-net', 'ServiceAccount/weave-net']]);
    expect(f.maxActive).toBe(3); // the account, the role and its binding went together
    expect(reported.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(reported.map((r) => `${r.name} ${r.outcome === 'applied' ? r.result : r.outcome}`)).toEqual([
      'daemonset.apps/weave-net created',
      'configmap/slow unchanged',
      'configmap/fast unchanged',
      'clusterrolebinding.rbac.authorization.k8s.io/weave-net created',
      'clusterrole.rbac.authorization.k8s.io/weave-net created',
      'serviceaccount/weave-net created',
    ]);
    expect(all).toEqual(reported);
    expect(reported[0]?.id).toEqual({ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'weave-net', namespace: 'kube-system' });
  });

  it('respects the concurrency limit', async () => {
    const f = new FakeCluster(() => ({ delayMs: 5 }));
    const objects = Array.from({ length: 7 }, (_, i) => o('ConfigMap', `cm${i}`));
    await applyAll(asCluster(f), objects, { fieldManager: 'weavectl', concurrency: 3 });
    expect(f.maxActive).toBe(3);
    expect(f.applied).toHaveLength(7);
  });

  it('finishes the failing tier, skips the later tiers, reports everything, then throws naming the object', async () => {
    const f = new FakeCluster((obj) => (obj.kind === 'ClusterRole' ? { fail: 'forbidden: cannot patch clusterroles' } : {}));
    const objects = [
      o('ServiceAccount', 'weave-net'),
      o('ClusterRole', 'weave-net', 'rbac.authorization.k8s.io/v1'),
      o('ClusterRoleBinding', 'weave-net', 'rbac.authorization.k8s.io/v1'),
      o('DaemonSet', 'weave-net', 'apps/v1'),
    ];
    const reported: ApplyOutcome[] = [];
    const err = await applyAll(asCluster(f), objects, { fieldManager: 'weavectl', onResult: (r) => reported.push(r) }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('clusterrole.rbac.authorization.k8s.io/weave-net: forbidden: cannot patch clusterroles; 1 object not applied');
    expect(f.applied).toEqual(['ServiceAccount/weave-net', 'ClusterRole/weave-net', 'ClusterRoleBinding/weave-net']); // one tier: all sent
    expect(reported.map((r) => r.outcome)).toEqual(['applied', 'failed', 'applied', 'skipped']);
  });

  describe('a binding refused because its role did not exist yet (no bind/escalate permission)', () => {
    const rbac = 'rbac.authorization.k8s.io/v1';
    const roleNotFound = (name: string) => new KubeApiError(`clusterroles.rbac.authorization.k8s.io "${name}" not found`, 404, { kind: 'Status', reason: 'NotFound', code: 404 });
    const binding = (roleName: string): KubeObject => ({ ...o('ClusterRoleBinding', 'weave-net', rbac), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName } });

    /** A server where a binding to a role that does not exist yet is refused with 404, as for a caller who may not `bind`. */
    function strictServer(failRole = false) {
      const f: FakeCluster = new FakeCluster((obj) => {
        if (obj.kind === 'ClusterRole') {
          if (failRole) return { fail: 'forbidden: cannot patch clusterroles' };
          return { delayMs: 5 }; // it exists once its apply is done
        }
        const ref = (obj as { roleRef?: { name: string } }).roleRef;
        if (ref && !f.peek(rbac, 'ClusterRole', undefined, ref.name)) return { delayMs: 1, error: roleNotFound(ref.name) };
        return {};
      });
      return f;
    }

    it('is sent again once the role applied, and reported once', async () => {
      const f = strictServer();
      const reported: ApplyOutcome[] = [];
      await applyAll(asCluster(f), [o('ServiceAccount', 'weave-net'), o('ClusterRole', 'weave-net', rbac), binding('weave-net'), o('DaemonSet', 'weave-net', 'apps/v1')], {
        fieldManager: 'weavectl',
        onResult: (r) => reported.push(r),
      });
      expect(f.applied).toEqual(['ServiceAccount/weave-net', 'ClusterRole/weave-net', 'ClusterRoleBinding/weave-net', 'ClusterRoleBinding/weave-net', 'DaemonSet/weave-net']);
      expect(reported.map((r) => `${r.name} ${r.outcome}`)).toEqual([
        'serviceaccount/weave-net applied',
        'clusterrole.rbac.authorization.k8s.io/weave-net applied',
        'clusterrolebinding.rbac.authorization.k8s.io/weave-net applied',
        'daemonset.apps/weave-net applied',
      ]);
    });

    it('is not sent again when its role is not in the manifest: the 404 is the error', async () => {
      const f = strictServer();
      await expect(applyAll(asCluster(f), [binding('elsewhere'), o('DaemonSet', 'weave-net', 'apps/v1')], { fieldManager: 'weavectl' })).rejects.toThrow(
        'clusterrolebinding.rbac.authorization.k8s.io/weave-net: clusterroles.rbac.authorization.k8s.io "elsewhere" not found; 1 object not applied',
      );
      expect(f.applied).toEqual(['ClusterRoleBinding/weave-net']);
    });

    it('is not applied when its role failed: the role\'s error is reported', async () => {
      const f = strictServer(true);
      const reported: ApplyOutcome[] = [];
      const err = await applyAll(asCluster(f), [o('ClusterRole', 'weave-net', rbac), binding('weave-net')], { fieldManager: 'weavectl', onResult: (r) => reported.push(r) }).catch((e: Error) => e);
      expect((err as Error).message).toBe('clusterrole.rbac.authorization.k8s.io/weave-net: forbidden: cannot patch clusterroles; 1 object not applied');
      expect(reported.map((r) => r.outcome)).toEqual(['failed', 'skipped']);
      expect(f.applied).toEqual(['ClusterRole/weave-net', 'ClusterRoleBinding/weave-net']);
    });
  });

  it('rejects objects without apiVersion, kind or name before anything is sent', async () => {
    const f = new FakeCluster();
    await expect(applyAll(asCluster(f), [o('ServiceAccount', 'a'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '' } }], { fieldManager: 'weavectl' })).rejects.toThrow(
      'object 2 (ConfigMap) has no metadata.name',
    );
    expect(f.applied).toEqual([]);
  });
});
