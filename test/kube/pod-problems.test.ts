import { describe, expect, it } from 'vitest';
import { describePodProblem, isFatal, podProblemHint, podProblems } from '../../src/kube/pod-problems.js';
import { podNode } from '../../src/kube/pods.js';
import { node, pod } from '../fakes/builders.js';

describe('isFatal', () => {
  it.each([
    ['ImagePullBackOff', 0, true],
    ['InvalidImageName', 0, true],
    ['CreateContainerConfigError', 0, true],
    ['CrashLoopBackOff', 1, false],
    ['CrashLoopBackOff', 2, true],
    ['CrashLoopBackOff', 7, true],
    ['ErrImagePull', 0, false],
    ['CreateContainerError', 3, false],
    ['ContainerCreating', 0, false],
  ] as const)('%s with %i restarts -> %s', (reason, restarts, fatal) => {
    expect(isFatal(reason, restarts)).toBe(fatal);
  });
});

describe('podProblems', () => {
  it('finds waiting containers and init containers, fatal first, with node, reason, message, restarts', () => {
    const pods = [
      pod('weave-net-aaaaa', { node: 'node-a' }),
      pod('weave-net-bbbbb', { node: 'node-b', waiting: { reason: 'ErrImagePull', message: 'rpc error: not found' } }),
      pod('weave-net-ccccc', {
        node: 'node-c',
        waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=weave', restartCount: 3 },
        lastExit: { exitCode: 1, reason: 'Error' },
      }),
      pod('weave-net-ddddd', { pendingFor: 'node-d', waiting: { reason: 'CreateContainerConfigError', message: 'secret "weave-passwd" not found', init: true } }),
    ];
    const found = podProblems(pods, [node('node-a'), node('node-b'), node('node-c', { ready: false })]);
    expect(found.map((p) => [p.pod, p.reason, p.fatal])).toEqual([
      ['weave-net-ccccc', 'CrashLoopBackOff', true],
      ['weave-net-ddddd', 'CreateContainerConfigError', true],
      ['weave-net-bbbbb', 'ErrImagePull', false],
    ]);
    expect(found[0]).toEqual({
      pod: 'weave-net-ccccc',
      namespace: 'kube-system',
      node: 'node-c',
      nodeReady: false,
      container: 'weave',
      initContainer: false,
      reason: 'CrashLoopBackOff',
      message: 'back-off 40s restarting failed container=weave',
      restartCount: 3,
      lastTermination: 'exit code 1 (Error)',
      fatal: true,
    });
    expect(found[1]).toMatchObject({ node: 'node-d', container: 'weave-init', initContainer: true });
    expect(found[1]!.nodeReady).toBeUndefined();
    expect(describePodProblem(found[0]!)).toBe(
      'pod kube-system/weave-net-ccccc on node-c (NotReady): container weave: CrashLoopBackOff (3 restarts, last exit code 1 (Error)): back-off 40s restarting failed container=weave',
    );
    expect(describePodProblem(found[1]!)).toBe(
      'pod kube-system/weave-net-ddddd on node-d: init container weave-init: CreateContainerConfigError: secret "weave-passwd" not found',
    );
    expect(podProblemHint(found[0]!)).toBe('see why it exits: kubectl -n kube-system logs weave-net-ccccc -c weave --previous');
  });

  it('a crash loop with one restart is not fatal yet; the second container is named', () => {
    const [p] = podProblems([pod('weave-net-x', { node: 'n1', waiting: { reason: 'CrashLoopBackOff', restartCount: 1, container: 'weave-npc' } })]);
    expect(p).toMatchObject({ container: 'weave-npc', fatal: false, restartCount: 1 });
  });

  it('reports Unschedulable pods (not fatal) and skips pods being deleted', () => {
    const found = podProblems([
      pod('weave-net-u', { pendingFor: 'n9', ready: false, unschedulable: '0/3 nodes are available: 3 Insufficient cpu.' }),
      pod('weave-net-gone', { node: 'n1', deleting: true, waiting: { reason: 'ImagePullBackOff' } }),
    ]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ pod: 'weave-net-u', reason: 'Unschedulable', container: '', fatal: false, node: 'n9' });
    expect(describePodProblem(found[0]!)).toBe('pod kube-system/weave-net-u on n9: Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.');
  });

  it('ignores healthy pods and other waiting reasons', () => {
    expect(podProblems([pod('a', { node: 'n' }), pod('b', { node: 'n', waiting: { reason: 'ContainerCreating' } })])).toEqual([]);
  });

  it('podNode reads nodeName, else the DaemonSet node affinity', () => {
    expect(podNode(pod('a', { node: 'n1' }))).toBe('n1');
    expect(podNode(pod('a', { pendingFor: 'n2' }))).toBe('n2');
    expect(podNode(pod('a'))).toBeUndefined();
  });
});
