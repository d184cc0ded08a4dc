import { AppsV1Api, CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from './index.js';
import { daemonSet, DS_PATH, post } from './testkit.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

describe('@kubernetes/client-node against the simulator', () => {
  it('lists DaemonSets with AppsV1Api from the written kubeconfig (with a bearer token)', async () => {
    sim = await startSimulator({ stepDelayMs: 5, token: 'tok' });
    const kc = new KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    expect(kc.getCurrentContext()).toBe('sim');
    await post(sim, DS_PATH, daemonSet('weave-net')).then((r) => expect(r.status).toBe(401));
    const apps = kc.makeApiClient(AppsV1Api);
    await apps.createNamespacedDaemonSet({ namespace: 'kube-system', body: daemonSet('weave-net') as never });
    await sim.waitFor(() => sim!.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')?.['status']?.['numberAvailable'] === 3);
    const list = await apps.listNamespacedDaemonSet({ namespace: 'kube-system' });
    expect(list.items.map((d) => d.metadata?.name)).toEqual(['weave-net']);
    expect(list.items[0]!.status?.numberAvailable).toBe(3);
    const core = kc.makeApiClient(CoreV1Api);
    const nodes = await core.listNode();
    expect(nodes.items).toHaveLength(3);
    await expect(apps.readNamespacedDaemonSet({ namespace: 'kube-system', name: 'nope' })).rejects.toMatchObject({ code: 404 });
  });

  it('Watch receives ADDED/MODIFIED events and the 410 ERROR for an expired resourceVersion', async () => {
    sim = await startSimulator({ stepDelayMs: 5 });
    const kc = new KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    const w = new Watch(kc);
    const events: { type: string; name: string; updated?: number }[] = [];
    let done: unknown = 'not yet';
    const req = await w.watch(
      '/apis/apps/v1/namespaces/kube-system/daemonsets',
      { fieldSelector: 'metadata.name=weave-net' },
      (type, obj) => events.push({ type, name: obj.metadata.name, updated: obj.status?.updatedNumberScheduled }),
      (err) => (done = err),
    );
    await post(sim, DS_PATH, daemonSet('weave-net'));
    await sim.waitFor(() => events.some((e) => e.type === 'MODIFIED' && e.updated === 3));
    expect(events[0]).toMatchObject({ type: 'ADDED', name: 'weave-net' });
    req.abort();

    const old = Number(sim.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')!['metadata']['resourceVersion']) - 1;
    sim.compact();
    const errs: { type: string; code?: number }[] = [];
    let ended = false;
    await w.watch('/apis/apps/v1/namespaces/kube-system/daemonsets', { resourceVersion: String(old) }, (type, obj) => errs.push({ type, code: obj.code }), () => (ended = true));
    await sim.waitFor(() => ended);
    expect(errs).toEqual([{ type: 'ERROR', code: 410 }]);
    void done;
  });
});
