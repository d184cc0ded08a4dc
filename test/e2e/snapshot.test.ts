/** The snapshot that refusal tests compare must see every change weavectl could make. */
import { describe, expect, it } from 'vitest';
import { sim, snapshot } from './harness.js';

describe('snapshot', () => {
  it.each(['1.6.13', '1.7.5', '1.29.2'])('Kubernetes %s: a new, changed or deleted object changes it', async (k8sVersion) => {
    const s = await sim({ k8sVersion, nodes: 1 });
    const empty = snapshot(s);
    expect(empty).toContain('Namespace /kube-system@rv');
    s.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'kube-system', name: 'weave-net' }, data: { a: '1' } });
    const created = snapshot(s);
    expect(created).not.toBe(empty);
    expect(created).toContain('ConfigMap kube-system/weave-net@rv');
    s.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'kube-system', name: 'weave-net' }, data: { a: '2' } });
    expect(snapshot(s)).not.toBe(created);
    s.put({ apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'kube-system', name: 'weave-passwd' }, stringData: { 'weave-passwd': 'x' } });
    expect(snapshot(s)).toContain('Secret kube-system/weave-passwd@rv');
    s.delete('v1', 'ConfigMap', 'kube-system', 'weave-net');
    expect(snapshot(s)).not.toContain('ConfigMap kube-system/weave-net');
  });
});
