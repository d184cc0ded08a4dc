import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Obj, type Simulator } from './index.js';
import { daemonSet, del, DS_PATH, patch, post, watch, type WatchStream } from './testkit.js';

let sim: Simulator | undefined;
const streams: WatchStream[] = [];
afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  expect(sim?.controllerErrors ?? []).toEqual([]);
  await sim?.stop();
  sim = undefined;
});

const ds = (s: Simulator, name = 'weave-net') => s.get('apps/v1', 'DaemonSet', 'kube-system', name);
const pods = (s: Simulator) => s.list('v1', 'Pod', 'kube-system');
const settled = (s: Simulator, name = 'weave-net', n = 3) => () => {
  const d = ds(s, name);
  const st = d?.['status'] ?? {};
  return d && st['observedGeneration'] === d['metadata']['generation'] && st['updatedNumberScheduled'] === n && st['numberAvailable'] === n && st['desiredNumberScheduled'] === n && pods(s).length === n ? d : undefined;
};
const setImage = (s: Simulator, image: string, name = 'weave-net') =>
  patch(s, `${DS_PATH}/${name}`, 'application/strategic-merge-patch+json', { spec: { template: { spec: { containers: [{ name: 'weave', image }] } } } });

describe('DaemonSet controller', () => {
  it('schedules one pod per node with the real labels, owner and status', async () => {
    sim = await startSimulator({ stepDelayMs: 5 });
    await post(sim, DS_PATH, daemonSet('weave-net'));
    const d = await sim.waitFor(settled(sim));
    expect(d['status']).toEqual({ currentNumberScheduled: 3, numberMisscheduled: 0, desiredNumberScheduled: 3, numberReady: 3, observedGeneration: 1, updatedNumberScheduled: 3, numberAvailable: 3 });
    const ps = pods(sim);
    expect(ps.map((p) => p['spec']['nodeName']).sort()).toEqual(['k8s-vm1', 'k8s-vm2', 'k8s-vm3']);
    const p = ps[0]!;
    expect(p['metadata']['name']).toMatch(/^weave-net-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(p['metadata']['labels']).toEqual({ name: 'weave-net', 'controller-revision-hash': expect.stringMatching(/^[bcdfghjklmnpqrstvwxz2456789]+$/), 'pod-template-generation': '1' });
    expect(p['metadata']['ownerReferences']).toEqual([{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'weave-net', uid: d['metadata']['uid'], controller: true, blockOwnerDeletion: true }]);
    expect(p['status']['phase']).toBe('Running');
    expect(p['status']['containerStatuses'][0]).toMatchObject({ name: 'weave', ready: true, restartCount: 0, state: { running: {} } });
    expect(p['status']['conditions'].find((c: Obj) => c['type'] === 'Ready')['status']).toBe('True');
    const revs = sim.list('apps/v1', 'ControllerRevision', 'kube-system');
    expect(revs).toHaveLength(1);
    expect(revs[0]!['revision']).toBe(1);
    expect(revs[0]!['metadata']['name']).toBe(`weave-net-${p['metadata']['labels']['controller-revision-hash']}`);
  });

  it('names pods deterministically per seed', async () => {
    const names: string[][] = [];
    for (let i = 0; i < 2; i++) {
      sim = await startSimulator({ stepDelayMs: 5, seed: 7 });
      await post(sim, DS_PATH, daemonSet('weave-net'));
      await sim.waitFor(settled(sim));
      names.push(pods(sim).map((p) => `${p['metadata']['name']}@${p['spec']['nodeName']}`));
      await sim.stop();
      sim = undefined;
    }
    expect(names[0]).toEqual(names[1]);
  });

  it('rolls out a new template maxUnavailable at a time: a watcher sees the generation lag and updated 0..N', async () => {
    sim = await startSimulator({ stepDelayMs: 5, nodes: 4 });
    await post(sim, DS_PATH, daemonSet('weave-net', 'weaveworks/weave-kube:2.8.1', { minReadySeconds: 2 }));
    const first = await sim.waitFor(settled(sim, 'weave-net', 4));
    const w = await watch(sim, `${DS_PATH}?watch=true&fieldSelector=metadata.name%3Dweave-net&resourceVersion=${first['metadata']['resourceVersion']}`);
    streams.push(w);
    await setImage(sim, 'weaveworks/weave-kube:2.8.2');
    await sim.waitFor(settled(sim, 'weave-net', 4), { timeoutMs: 10000 });
    await sim.waitFor(() => w.events.some((e) => e['object']['status']['updatedNumberScheduled'] === 4 && e['object']['status']['numberAvailable'] === 4));
    const seen = w.events.map((e) => e['object'] as Obj);
    expect(seen.some((o) => o['metadata']['generation'] === 2 && o['status']['observedGeneration'] === 1)).toBe(true);
    const updated = seen.filter((o) => o['status']['observedGeneration'] === 2).map((o) => o['status']['updatedNumberScheduled'] ?? 0);
    for (const n of [0, 1, 2, 3, 4]) expect(updated, `updated ${n}`).toContain(n);
    for (let i = 1; i < updated.length; i++) expect(updated[i]).toBeGreaterThanOrEqual(updated[i - 1]!);
    // never more than maxUnavailable (1) node without an available pod
    for (const o of seen) expect(o['status']['numberAvailable'] ?? 0).toBeGreaterThanOrEqual(3);
    expect(pods(sim).every((p) => p['spec']['containers'][0]['image'] === 'weaveworks/weave-kube:2.8.2')).toBe(true);
    expect(sim.list('apps/v1', 'ControllerRevision', 'kube-system').map((r) => r['revision']).sort()).toEqual([1, 2]);
  });

  it('simulated time follows the wall clock while idle: pods Ready through idle time count for minReadySeconds', async () => {
    sim = await startSimulator({ stepDelayMs: 5, nodes: 4 });
    await post(sim, DS_PATH, daemonSet('weave-net', 'a:1'));
    const first = await sim.waitFor(settled(sim, 'weave-net', 4));
    // idle for 200 ms = 40 steps: the pods have been Ready for far longer than the new minReadySeconds
    const idleFrom = sim.step;
    await new Promise((r) => setTimeout(r, 200));
    expect(sim.step).toBeGreaterThanOrEqual(idleFrom + 30);
    const w = await watch(sim, `${DS_PATH}?watch=true&fieldSelector=metadata.name%3Dweave-net&resourceVersion=${first['metadata']['resourceVersion']}`);
    streams.push(w);
    await patch(sim, `${DS_PATH}/weave-net`, 'application/strategic-merge-patch+json', { spec: { minReadySeconds: 5, template: { spec: { containers: [{ name: 'weave', image: 'a:2' }] } } } });
    await sim.waitFor(settled(sim, 'weave-net', 4), { timeoutMs: 10000 });
    await sim.waitFor(() => w.events.some((e) => e['object']['status']['updatedNumberScheduled'] === 4 && e['object']['status']['numberAvailable'] === 4));
    // the old pods are available, so they are replaced maxUnavailable (1) at a time, not all at once
    for (const o of w.events.map((e) => e['object'] as Obj)) expect(o['status']['numberAvailable'] ?? 0, JSON.stringify(o['status'])).toBeGreaterThanOrEqual(3);
    const updated = w.events.map((e) => e['object'] as Obj).filter((o) => o['status']['observedGeneration'] === 2).map((o) => o['status']['updatedNumberScheduled'] ?? 0);
    for (const n of [0, 1, 2, 3, 4]) expect(updated, `updated ${n}`).toContain(n);
  });

  it('honours maxUnavailable as a percentage', async () => {
    sim = await startSimulator({ stepDelayMs: 5, nodes: 4 });
    await post(sim, DS_PATH, daemonSet('weave-net', 'a:1', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '50%' } } }));
    await sim.waitFor(settled(sim, 'weave-net', 4));
    await setImage(sim, 'a:2');
    const seen: number[] = [];
    await sim.waitFor(() => {
      seen.push(pods(sim!).filter((p) => p['metadata']['deletionTimestamp'] || p['spec']['containers'][0]['image'] === 'a:2' && p['status']['conditions']?.find((c: Obj) => c['type'] === 'Ready')?.['status'] !== 'True').length);
      return settled(sim!, 'weave-net', 4)();
    });
    expect(Math.max(...seen)).toBe(2);
  });

  it('OnDelete: a new template replaces only pods the user deletes', async () => {
    sim = await startSimulator({ stepDelayMs: 5 });
    await post(sim, DS_PATH, daemonSet('weave-net', 'a:1', { updateStrategy: { type: 'OnDelete' } }));
    await sim.waitFor(settled(sim));
    await setImage(sim, 'a:2');
    await sim.waitFor(() => ds(sim!)?.['status']?.['observedGeneration'] === 2);
    sim.runSteps(10);
    expect(pods(sim).map((p) => p['spec']['containers'][0]['image'])).toEqual(['a:1', 'a:1', 'a:1']);
    expect(ds(sim)!['status']['updatedNumberScheduled']).toBeUndefined();
    const victim = pods(sim).find((p) => p['spec']['nodeName'] === 'k8s-vm2')!;
    await del(sim, `/api/v1/namespaces/kube-system/pods/${victim['metadata']['name']}`);
    await sim.waitFor(() => pods(sim!).some((p) => p['spec']['nodeName'] === 'k8s-vm2' && p['spec']['containers'][0]['image'] === 'a:2' && p['status']['phase'] === 'Running'));
    await sim.waitFor(() => ds(sim!)?.['status']?.['updatedNumberScheduled'] === 1);
    expect(pods(sim).filter((p) => p['spec']['containers'][0]['image'] === 'a:1')).toHaveLength(2);
  });

  it('schedules on a NotReady node, whose pod never becomes ready', async () => {
    sim = await startSimulator({ stepDelayMs: 5 });
    sim.nodes.setReady('k8s-vm3', false);
    await post(sim, DS_PATH, daemonSet('weave-net'));
    const d = await sim.waitFor(() => {
      const x = ds(sim!);
      return x?.['status']?.['numberAvailable'] === 2 && x['status']['currentNumberScheduled'] === 3 ? x : undefined;
    });
    sim.runSteps(5);
    expect(ds(sim)!['status']).toMatchObject({ desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, numberAvailable: 2, numberUnavailable: 1 });
    const stuck = pods(sim).find((p) => p['spec']['nodeName'] === 'k8s-vm3')!;
    expect(stuck['status']['phase']).toBe('Pending');
    expect(d['status']['numberUnavailable']).toBe(1);
    sim.nodes.setReady('k8s-vm3', true);
    await sim.waitFor(settled(sim));
  });

  it('skips nodes with an untolerated NoSchedule taint; follows added and removed nodes', async () => {
    sim = await startSimulator({ stepDelayMs: 5 });
    sim.nodes.taint('k8s-vm1', { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' });
    const plain = daemonSet('plain');
    delete plain['spec']['template']['spec']['tolerations'];
    await post(sim, DS_PATH, plain);
    await sim.waitFor(settled(sim, 'plain', 2));
    expect(pods(sim).map((p) => p['spec']['nodeName']).sort()).toEqual(['k8s-vm2', 'k8s-vm3']);
    sim.nodes.add('k8s-vm4');
    await sim.waitFor(settled(sim, 'plain', 3));
    sim.nodes.remove('k8s-vm2');
    await sim.waitFor(settled(sim, 'plain', 2));
    expect(pods(sim).map((p) => p['spec']['nodeName']).sort()).toEqual(['k8s-vm3', 'k8s-vm4']);
  });

  it('crash loop: CrashLoopBackOff, restartCount increasing, lastState terminated, logs with the message', async () => {
    sim = await startSimulator({ stepDelayMs: 5 });
    sim.faults.crashLoop({ daemonSet: 'weave-net', node: 'k8s-vm1', container: 'weave' }, { message: 'Network 10.32.0.0/12 overlaps with existing route 10.32.0.0/16 on host' });
    await post(sim, DS_PATH, daemonSet('weave-net'));
    const p = await sim.waitFor(() => pods(sim!).find((x) => x['spec']['nodeName'] === 'k8s-vm1' && x['status']['containerStatuses']?.[0]?.['restartCount'] >= 2 && x['status']['containerStatuses'][0]['state']['waiting']));
    const cs = p['status']['containerStatuses'][0];
    expect(cs['state']['waiting']['reason']).toBe('CrashLoopBackOff');
    expect(cs['state']['waiting']['message']).toMatch(/^back-off \d+s restarting failed container=weave pod=weave-net-\w+_kube-system\(/);
    expect(cs['lastState']['terminated']).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(cs['ready']).toBe(false);
    expect(sim.podLogs.get('kube-system', p['metadata']['name'], 'weave', { previous: true })).toContain('overlaps with existing route');
    const d = ds(sim)!;
    expect(d['status']['numberAvailable']).toBe(2);
    const events = sim.list('v1', 'Event', 'kube-system').filter((e) => e['reason'] === 'BackOff');
    expect(events[0]?.['message']).toMatch(/^Back-off restarting failed container weave in pod weave-net-/);
  });

  it('image pull errors for a bad image stop the rollout at maxUnavailable', async () => {
    sim = await startSimulator({ stepDelayMs: 5 });
    sim.faults.imagePull({ image: 'weave-kube:9.9' });
    await post(sim, DS_PATH, daemonSet('weave-net'));
    await sim.waitFor(settled(sim));
    await setImage(sim, 'weaveworks/weave-kube:9.9');
    const bad = await sim.waitFor(() => pods(sim!).find((p) => p['status']['containerStatuses']?.[0]?.['state']?.['waiting']?.['reason'] === 'ImagePullBackOff'));
    expect(bad['status']['containerStatuses'][0]['state']['waiting']['message']).toBe('Back-off pulling image "weaveworks/weave-kube:9.9"');
    expect(bad['status']['phase']).toBe('Pending');
    sim.runSteps(8);
    const st = ds(sim)!['status'];
    expect(st).toMatchObject({ updatedNumberScheduled: 1, numberAvailable: 2, numberUnavailable: 1 });
  });

  it('CreateContainerConfigError and never-ready pods', async () => {
    sim = await startSimulator({ stepDelayMs: 5 });
    sim.faults.createContainerConfigError({ node: 'k8s-vm1' }, { message: 'secret "weave-passwd" not found' });
    sim.faults.neverReady({ node: 'k8s-vm2' });
    await post(sim, DS_PATH, daemonSet('weave-net'));
    await sim.waitFor(() => ds(sim!)?.['status']?.['numberAvailable'] === 1);
    sim.runSteps(4);
    const byNode = Object.fromEntries(pods(sim).map((p) => [p['spec']['nodeName'], p['status']['containerStatuses'][0]]));
    expect(byNode['k8s-vm1']['state']['waiting']).toEqual({ reason: 'CreateContainerConfigError', message: 'secret "weave-passwd" not found' });
    expect(byNode['k8s-vm2']['state']['running']).toBeTruthy();
    expect(byNode['k8s-vm2']['ready']).toBe(false);
    expect(ds(sim)!['status']).toMatchObject({ numberReady: 1, numberAvailable: 1, numberUnavailable: 2 });
  });

  it('a DaemonSet created through extensions/v1beta1 on 1.7 rolls out', async () => {
    sim = await startSimulator({ k8sVersion: '1.7.5', stepDelayMs: 5 });
    const legacy = daemonSet('weave-net');
    legacy['apiVersion'] = 'extensions/v1beta1';
    legacy['spec']['updateStrategy'] = { type: 'RollingUpdate' };
    const r = await post(sim, '/apis/extensions/v1beta1/namespaces/kube-system/daemonsets', legacy);
    expect(r.status).toBe(201);
    await sim.waitFor(() => {
      const d = sim!.get('extensions/v1beta1', 'DaemonSet', 'kube-system', 'weave-net');
      return d?.['status']?.['numberAvailable'] === 3;
    });
    const p = pods(sim)[0]!;
    expect(p['metadata']['ownerReferences'][0]['apiVersion']).toBe('extensions/v1beta1');
    // before 1.12 the controller binds pods itself
    expect(p['spec']['affinity']).toBeUndefined();
  });
});
