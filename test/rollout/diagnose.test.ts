import { describe, expect, it } from 'vitest';
import { notReadyNodes } from '../../src/kube/nodes.js';
import { podProblems } from '../../src/kube/pod-problems.js';
import { podAvailability, podNode, podIsReady } from '../../src/kube/pods.js';
import { daemonSetNodeFit } from '../../src/kube/scheduling.js';
import { daemonSetSelector, labelSelectorString } from '../../src/kube/selectors.js';
import {
  describeMissing,
  isPodUpdated,
  missingOnNodes,
  onDeleteExplanation,
  slimNode,
  slimPod,
  zeroDesiredButSchedulable,
} from '../../src/rollout/diagnose.js';
import { ds, node, pod } from '../fakes/builders.js';

const CONTROL_PLANE = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

describe('missingOnNodes', () => {
  const now = Date.parse('2025-01-01T00:01:00Z');
  const nodes = [node('n1'), node('n2'), node('n3'), node('n4'), node('cp', { taints: [CONTROL_PLANE] })];

  it('names per eligible node: no pod, no updated pod, no available pod', () => {
    const d = ds({ generation: 2 });
    const pods = [
      pod('p1', { node: 'n1', generation: 2 }), // fine
      pod('p2', { node: 'n2', generation: 1 }), // old template
      pod('p3', { node: 'n3', generation: 2, ready: false }), // not ready
      pod('p4-old', { node: 'n4', generation: 1, deleting: true }), // terminating: does not count
      pod('other', { node: 'n4', generation: 2, owner: 'someone-else' }), // another controller's pod
    ];
    const missing = missingOnNodes(d, pods, nodes, { now });
    expect(missing).toEqual([
      { node: 'n2', missing: 'updated', pod: 'p2', detail: 'runs an old pod template' },
      { node: 'n3', missing: 'available', pod: 'p3', detail: 'not Ready' },
      { node: 'n4', missing: 'pod' },
    ]);
    expect(describeMissing(missing)).toBe('no pod on n4; no updated pod on n2; no available pod on n3 (p3: not Ready)');
  });

  it('minReadySeconds: Ready for too short is not available', () => {
    const d = ds({ minReadySeconds: 5 });
    const pods = [pod('p1', { node: 'n1', readySince: '2025-01-01T00:00:58Z' }), pod('p2', { node: 'n2', readySince: '2025-01-01T00:00:50Z' })];
    const missing = missingOnNodes(d, pods, [node('n1'), node('n2')], { now });
    expect(missing).toEqual([{ node: 'n1', missing: 'available', pod: 'p1', detail: 'Ready for 2s of minReadySeconds 5' }]);
    expect(podAvailability(pods[1]!, 5, now)).toEqual({ available: true });
    // exactly minReadySeconds is not yet available (Go: lastTransition+min Before now)
    expect(podAvailability(pod('x', { readySince: '2025-01-01T00:00:55Z' }), 5, now).available).toBe(false);
  });

  it('updated by controller-revision-hash when known, and by the template generation annotation', () => {
    const d = ds({ generation: 3 });
    d.metadata.annotations = { 'deprecated.daemonset.template.generation': '2' }; // e.g. only updateStrategy changed since
    expect(isPodUpdated(d, pod('a', { generation: 2 }))).toBe(true);
    expect(isPodUpdated(d, pod('a', { generation: 3 }))).toBe(false);
    expect(isPodUpdated(d, pod('a', { generation: 1, hash: 'abc' }), 'abc')).toBe(true);
    expect(isPodUpdated(d, pod('a', { generation: 1, hash: 'abc' }), 'def')).toBe(false);
    const ext = ds({ apiVersion: 'extensions/v1beta1' });
    ext.metadata.annotations = {};
    ext.spec.templateGeneration = 4;
    expect(isPodUpdated(ext, pod('a', { generation: 4 }))).toBe(true);
  });

  it('counts a pending DaemonSet pod for the node it targets, and skips failed pods', () => {
    const missing = missingOnNodes(ds(), [pod('p1', { pendingFor: 'n1', ready: false, phase: 'Pending' }), pod('p2', { node: 'n2', phase: 'Failed' })], [node('n1'), node('n2')], { now });
    expect(missing).toEqual([
      { node: 'n1', missing: 'available', pod: 'p1', detail: 'not Ready (Pending)' },
      { node: 'n2', missing: 'pod' },
    ]);
  });
});

describe('zeroDesiredButSchedulable', () => {
  it('explains a DaemonSet that tolerates none of the nodes (fatal), grouped by reason', () => {
    const d = ds({ desired: 0, updated: 0, available: 0, nodeSelector: { role: 'edge' } });
    const nodes = [node('n1', { labels: { role: 'core' } }), node('n2'), node('cp', { taints: [CONTROL_PLANE], labels: { role: 'edge' } })];
    const z = zeroDesiredButSchedulable(d, nodes)!;
    expect(z.fatal).toBe(true);
    expect(z.eligible).toEqual([]);
    expect(z.message).toBe(
      'daemon set "weave-net" wants 0 pods although the cluster has 3 schedulable nodes: ' +
        'cp: taint node-role.kubernetes.io/control-plane:NoSchedule is not tolerated; ' +
        'n1: nodeSelector role=edge does not match (node has role=core); ' +
        'n2: nodeSelector role=edge does not match (node has no label role)',
    );
    expect(z.hint).toMatch(/toleration/);
  });

  it('not fatal when some node fits (the controller is behind)', () => {
    const z = zeroDesiredButSchedulable(ds({ desired: 0 }), [node('n1')])!;
    expect(z.fatal).toBe(false);
    expect(z.eligible).toEqual(['n1']);
    expect(z.message).toBe('daemon set "weave-net" wants 0 pods although n1 should run one (the DaemonSet controller has not scheduled them yet)');
  });

  it('nothing to say when pods are wanted, the spec is not observed, or no node is schedulable', () => {
    expect(zeroDesiredButSchedulable(ds({ desired: 2 }), [node('n1')])).toBeUndefined();
    expect(zeroDesiredButSchedulable(ds({ desired: 0, generation: 2, observedGeneration: 1 }), [node('n1')])).toBeUndefined();
    expect(zeroDesiredButSchedulable(ds({ desired: 0 }), [])).toBeUndefined();
    expect(zeroDesiredButSchedulable(ds({ desired: 0 }), [node('n1', { unschedulable: true })])).toBeUndefined();
  });
});

describe('onDeleteExplanation', () => {
  it('explains OnDelete with progress and the commands', () => {
    const ex = onDeleteExplanation(ds({ strategy: 'OnDelete', desired: 3, updated: 1, available: 3 }))!;
    expect(ex.upToDate).toBe(false);
    expect(ex.message).toBe(
      'daemon set "weave-net" uses the OnDelete update strategy: its pods are replaced only when they are deleted; 1 of 3 pods run the current template, 3 available',
    );
    expect(ex.hint).toContain('kubectl -n kube-system delete pod -l name=weave-net --field-selector spec.nodeName=NODE');
    expect(ex.hint).toContain(`kubectl -n kube-system patch daemonset weave-net --type merge -p '{"spec":{"updateStrategy":{"type":"RollingUpdate"}}}'`);
  });

  it('says when the extensions/v1beta1 default is why, and when all pods are current', () => {
    const ex = onDeleteExplanation(ds({ apiVersion: 'extensions/v1beta1', strategy: null }))!;
    expect(ex.upToDate).toBe(true);
    expect(ex.message).toBe(
      'daemon set "weave-net" uses the OnDelete update strategy (the extensions/v1beta1 default): its pods are replaced only when they are deleted; all 3 pods run the current template and are available',
    );
    expect(onDeleteExplanation(ds({ strategy: 'OnDelete', generation: 2, observedGeneration: 1 }))!.upToDate).toBe(false);
  });

  it('nothing for RollingUpdate', () => {
    expect(onDeleteExplanation(ds())).toBeUndefined();
  });

  it('selectors as text', () => {
    expect(labelSelectorString({ matchLabels: { name: 'weave-net', app: 'x' }, matchExpressions: [{ key: 't', operator: 'In', values: ['a', 'b'] }, { key: 'old', operator: 'DoesNotExist' }] })).toBe(
      'app=x,name=weave-net,t in (a,b),!old',
    );
    const noSelector = ds({ apiVersion: 'extensions/v1beta1' });
    delete noSelector.spec.selector;
    expect(daemonSetSelector(noSelector)).toBe('name=weave-net');
  });
});

describe('slimPod and slimNode', () => {
  /** A pod as the API server sends it: the builder's pod plus what a diagnosis never reads. */
  function heavy(p: ReturnType<typeof pod>): ReturnType<typeof pod> {
    const filler = 'x'.repeat(2000);
    return {
      ...p,
      metadata: { ...p.metadata, uid: `${p.metadata.name}-uid`, labels: { ...p.metadata.labels, app: 'weave' }, annotations: { big: filler }, managedFields: [{ manager: 'kubelet', fieldsV1: { f: filler } }] },
      spec: { ...p.spec, volumes: [{ name: 'v', hostPath: { path: '/var/lib/weave' } }], tolerations: [{ operator: 'Exists' }] },
      status: {
        ...p.status,
        podIP: '10.32.0.5',
        conditions: [...p.status.conditions, { type: 'Initialized', status: 'True' }, { type: 'ContainersReady', status: 'False', message: filler }],
      },
    };
  }

  const pods = [
    pod('weave-net-ok', { node: 'node-a', hash: 'h2' }),
    pod('weave-net-old', { node: 'node-b', generation: 0, hash: 'h1' }),
    pod('weave-net-slow', { node: 'node-c', readySince: '2025-01-01T00:59:58Z' }),
    pod('weave-net-crash', { node: 'node-d', waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s', restartCount: 3 }, lastExit: { exitCode: 1, reason: 'Error' } }),
    pod('weave-net-init', { pendingFor: 'node-e', waiting: { reason: 'CreateContainerConfigError', message: 'secret "s" not found', init: true, container: 'weave-init' } }),
    pod('weave-net-npc', { node: 'node-f', waiting: { reason: 'ErrImagePull', container: 'weave-npc' } }),
    pod('weave-net-nowhere', { unschedulable: '0/6 nodes are available', phase: 'Pending', ready: false }),
    pod('weave-net-gone', { node: 'node-g', deleting: true }),
    pod('weave-net-failed', { node: 'node-h', phase: 'Failed', ready: false }),
    pod('weave-net-other', { node: 'node-i', owner: 'someone-else' }),
  ].map(heavy);
  const nodes = ['node-a', 'node-b', 'node-c', 'node-d', 'node-e', 'node-f', 'node-g', 'node-h', 'node-i', 'node-j'].map((n, i) =>
    node(n, i === 3 ? { ready: false, reason: 'KubeletNotReady', message: 'PLEG is not healthy' } : i === 9 ? { taints: [{ key: 'gpu', effect: 'NoSchedule' }], unschedulable: true } : {}),
  );

  it('every finding is the same from the small copies as from the whole objects', () => {
    const sp = pods.map(slimPod);
    const sn = nodes.map(slimNode);
    const now = Date.parse('2025-01-01T01:00:00Z');
    const set = ds({ minReadySeconds: 5 });
    expect(podProblems(sp, sn)).toEqual(podProblems(pods, nodes));
    expect(podProblems(sp, sn).length).toBeGreaterThanOrEqual(4);
    expect(missingOnNodes(set, sp, sn, { now, currentRevisionHash: 'h2' })).toEqual(missingOnNodes(set, pods, nodes, { now, currentRevisionHash: 'h2' }));
    expect(missingOnNodes(set, sp, sn, { now }).length).toBeGreaterThanOrEqual(5);
    expect(notReadyNodes(sn)).toEqual(notReadyNodes(nodes));
    expect(sn.map((n) => daemonSetNodeFit(set, n))).toEqual(nodes.map((n) => daemonSetNodeFit(set, n)));
    const zero = ds({ desired: 0, updated: 0, available: 0, nodeSelector: { gpu: 'yes' } });
    expect(zeroDesiredButSchedulable(zero, sn)).toEqual(zeroDesiredButSchedulable(zero, nodes));
    for (let i = 0; i < pods.length; i++) {
      expect(podNode(sp[i]!)).toBe(podNode(pods[i]!));
      expect(podIsReady(sp[i]!)).toBe(podIsReady(pods[i]!));
      expect(podAvailability(sp[i]!, 5, now)).toEqual(podAvailability(pods[i]!, 5, now));
      expect(isPodUpdated(set, sp[i]!, 'h2')).toBe(isPodUpdated(set, pods[i]!, 'h2'));
    }
  });

  it('keeps a small fraction of the bytes', () => {
    const full = JSON.stringify(pods).length;
    const small = JSON.stringify(pods.map(slimPod)).length;
    expect(small * 10).toBeLessThan(full);
    const crash = slimPod(pods[3]!);
    expect(crash.status.containerStatuses).toEqual([
      { name: 'weave', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } },
    ]);
    expect(crash.metadata.labels).toEqual({ 'pod-template-generation': '1' });
    expect(slimPod(pods[0]!).status.containerStatuses).toBeUndefined(); // healthy containers say nothing
  });
});
