import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Obj, type Simulator } from './index.js';
import { patch, post } from './testkit.js';

let sim: Simulator | undefined;
afterEach(async () => {
  expect(sim?.controllerErrors ?? []).toEqual([]);
  await sim?.stop();
  sim = undefined;
});

const PATH = '/apis/apps/v1/namespaces/weave/deployments';

function deployment(name: string, image: string, replicas = 2, extra: Obj = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'weave' },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } }, ...extra },
  };
}

const dep = (s: Simulator, name = 'weave-scope-app') => s.get('apps/v1', 'Deployment', 'weave', name);
const cond = (d: Obj | undefined, type: string) => (d?.['status']?.['conditions'] as Obj[] | undefined)?.find((c) => c['type'] === type);

async function setup(): Promise<Simulator> {
  const s = await startSimulator({ stepDelayMs: 5 });
  await post(s, '/api/v1/namespaces', { metadata: { name: 'weave' } });
  return s;
}

describe('Deployment controller', () => {
  it('creates a ReplicaSet per template and its pods; reports the status and conditions', async () => {
    sim = await setup();
    await post(sim, PATH, deployment('weave-scope-app', 'weaveworks/scope:1.13.2'));
    const d = await sim.waitFor(() => {
      const x = dep(sim!);
      return x?.['status']?.['availableReplicas'] === 2 && cond(x, 'Progressing')?.['reason'] === 'NewReplicaSetAvailable' ? x : undefined;
    });
    expect(d['status']).toMatchObject({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 });
    expect(d['status']['unavailableReplicas']).toBeUndefined();
    expect(cond(d, 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' });
    const rss = sim.list('apps/v1', 'ReplicaSet', 'weave');
    expect(rss).toHaveLength(1);
    const hash = rss[0]!['metadata']['labels']['pod-template-hash'];
    expect(rss[0]!['metadata']['name']).toBe(`weave-scope-app-${hash}`);
    expect(cond(d, 'Progressing')!['message']).toBe(`ReplicaSet "weave-scope-app-${hash}" has successfully progressed.`);
    const pods = sim.list('v1', 'Pod', 'weave');
    expect(pods).toHaveLength(2);
    expect(pods.every((p) => p['metadata']['name'].startsWith(`weave-scope-app-${hash}-`) && p['spec']['nodeName'])).toBe(true);
    expect(d['metadata']['annotations']['deployment.kubernetes.io/revision']).toBe('1');
  });

  it('rolls out a new template through a second ReplicaSet', async () => {
    sim = await setup();
    await post(sim, PATH, deployment('weave-scope-app', 'weaveworks/scope:1.13.1', 3));
    await sim.waitFor(() => cond(dep(sim!), 'Progressing')?.['reason'] === 'NewReplicaSetAvailable');
    await patch(sim, `${PATH}/weave-scope-app`, 'application/strategic-merge-patch+json', { spec: { template: { spec: { containers: [{ name: 'app', image: 'weaveworks/scope:1.13.2' }] } } } });
    const d = await sim.waitFor(() => {
      const x = dep(sim!);
      return x?.['metadata']?.['generation'] === 2 && x['status']['observedGeneration'] === 2 && cond(x, 'Progressing')?.['reason'] === 'NewReplicaSetAvailable' && x['status']['updatedReplicas'] === 3 && x['status']['replicas'] === 3 ? x : undefined;
    });
    expect(d['metadata']['annotations']['deployment.kubernetes.io/revision']).toBe('2');
    const rss = sim.list('apps/v1', 'ReplicaSet', 'weave');
    expect(rss.map((r) => r['spec']['replicas']).sort()).toEqual([0, 3]);
    await sim.waitFor(() => sim!.list('v1', 'Pod', 'weave').length === 3);
    expect(sim.list('v1', 'Pod', 'weave').every((p) => p['spec']['containers'][0]['image'] === 'weaveworks/scope:1.13.2')).toBe(true);
  });

  it('reports ProgressDeadlineExceeded when pods cannot become ready in time', async () => {
    sim = await setup();
    sim.faults.imagePull({ deployment: 'weave-scope-app' });
    await post(sim, PATH, deployment('weave-scope-app', 'weaveworks/scope:9.9', 1, { progressDeadlineSeconds: 5 }));
    const d = await sim.waitFor(() => {
      const x = dep(sim!);
      return cond(x, 'Progressing')?.['reason'] === 'ProgressDeadlineExceeded' ? x : undefined;
    });
    const hash = sim.list('apps/v1', 'ReplicaSet', 'weave')[0]!['metadata']['labels']['pod-template-hash'];
    expect(cond(d, 'Progressing')).toMatchObject({ status: 'False', message: `ReplicaSet "weave-scope-app-${hash}" has timed out progressing.` });
    expect(cond(d, 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
    expect(d['status']['unavailableReplicas']).toBe(1);
  });

  it('leaves pods Pending with a scheduling reason when no node fits', async () => {
    sim = await setup();
    await post(sim, PATH, deployment('picky', 'x:1', 1, { template: { metadata: { labels: { app: 'picky' } }, spec: { nodeSelector: { disk: 'ssd' }, containers: [{ name: 'app', image: 'x:1' }] } } }));
    const p = await sim.waitFor(() => sim!.list('v1', 'Pod', 'weave').find((x) => (x['status']['conditions'] as Obj[] | undefined)?.some((c) => c['reason'] === 'Unschedulable')));
    expect(p['status']['phase']).toBe('Pending');
    expect((p['status']['conditions'] as Obj[])[0]!['message']).toMatch(/^0\/3 nodes are available: 3 node\(s\) didn't match Pod's node affinity\/selector/);
    sim.nodes.label('k8s-vm2', { disk: 'ssd' });
    await sim.waitFor(() => sim!.list('v1', 'Pod', 'weave').find((x) => x['spec']['nodeName'] === 'k8s-vm2' && x['status']['phase'] === 'Running'));
  });
});
