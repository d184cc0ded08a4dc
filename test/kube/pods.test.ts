import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.js';
import { nodeIsReady } from '../../src/kube/nodes.js';
import { podIsReady, podIsReadyAndNotTerminating } from '../../src/kube/pods.js';

function pod(o: { phase?: string; ready?: string; deleting?: boolean; conditions?: unknown[] }): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'weave-net-a', namespace: 'kube-system', ...(o.deleting ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}) },
    spec: {},
    status: {
      ...(o.phase ? { phase: o.phase } : {}),
      conditions: o.conditions ?? (o.ready ? [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: o.ready }] : []),
    },
  };
}

describe('one "pod is ready"', () => {
  it.each([
    ['Running, Ready True', { phase: 'Running', ready: 'True' }, true, true],
    ['Running, Ready False', { phase: 'Running', ready: 'False' }, false, false],
    ['Running, Ready Unknown (node lost)', { phase: 'Running', ready: 'Unknown' }, false, false],
    ['Running, no conditions yet', { phase: 'Running' }, false, false],
    ['Running, Ready True, being deleted', { phase: 'Running', ready: 'True', deleting: true }, true, false],
    ['Ready True but phase Pending', { phase: 'Pending', ready: 'True' }, true, false],
    ['only ContainersReady True (not the Ready condition)', { phase: 'Running', conditions: [{ type: 'ContainersReady', status: 'True' }] }, false, false],
  ] as const)('%s: podIsReady %s, podIsReadyAndNotTerminating %s', (_name, o, ready, readyStaying) => {
    const p = pod({ ...o, conditions: 'conditions' in o ? [...o.conditions] : undefined });
    expect(podIsReady(p)).toBe(ready);
    expect(podIsReadyAndNotTerminating(p)).toBe(readyStaying);
  });

  it('a pod without status is not ready', () => {
    const p: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } };
    expect(podIsReady(p)).toBe(false);
    expect(podIsReadyAndNotTerminating(p)).toBe(false);
  });

  it('a node is ready when its Ready condition is True', () => {
    const node = (status?: string): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status: status ? { conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status }] } : {} });
    expect(nodeIsReady(node('True'))).toBe(true);
    expect(nodeIsReady(node('False'))).toBe(false);
    expect(nodeIsReady(node('Unknown'))).toBe(false);
    expect(nodeIsReady(node())).toBe(false);
  });
});
