import { describe, expect, it } from 'vitest';
import { describeNotReadyNode, notReadyNodes } from '../../src/kube/nodes.js';
import { node } from '../fakes/builders.js';

describe('notReadyNodes', () => {
  it('lists nodes whose Ready is not True, sorted, with reason', () => {
    const nodes = [
      node('n3', { ready: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' }),
      node('n1'),
      node('n2', { ready: false, reason: 'KubeletNotReady', message: 'container runtime network not ready: NetworkReady=false\nreason:NetworkPluginNotReady' }),
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n0' }, status: {} },
    ];
    const list = notReadyNodes(nodes);
    expect(list.map((n) => [n.node, n.status])).toEqual([
      ['n0', ''],
      ['n2', 'False'],
      ['n3', 'Unknown'],
    ]);
    expect(describeNotReadyNode(list[1]!)).toBe(
      'node n2 is NotReady (KubeletNotReady: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady)',
    );
    expect(describeNotReadyNode(list[2]!)).toBe(
      'node n3 is NotReady (status Unknown: the kubelet stopped reporting) (NodeStatusUnknown: Kubelet stopped posting node status.)',
    );
    expect(describeNotReadyNode(list[0]!)).toBe('node n0 is NotReady (no Ready condition yet)');
  });
});
