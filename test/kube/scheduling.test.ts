import { describe, expect, it } from 'vitest';
import { daemonSetNodeFit, toleratesTaint } from '../../src/kube/scheduling.js';
import { ds, node } from '../fakes/builders.js';

const CONTROL_PLANE = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

describe('daemonSetNodeFit', () => {
  it('taints: untolerated NoSchedule/NoExecute exclude, PreferNoSchedule does not, controller tolerations apply', () => {
    const plain = ds();
    expect(daemonSetNodeFit(plain, node('cp', { taints: [CONTROL_PLANE] }))).toEqual({
      node: 'cp',
      eligible: false,
      reason: 'taint node-role.kubernetes.io/control-plane:NoSchedule is not tolerated',
    });
    expect(daemonSetNodeFit(plain, node('p', { taints: [{ key: 'x', value: 'y', effect: 'PreferNoSchedule' }] })).eligible).toBe(true);
    // cordoned / not-ready nodes: the DaemonSet controller's own tolerations
    expect(daemonSetNodeFit(plain, node('c', { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] })).eligible).toBe(true);
    expect(daemonSetNodeFit(plain, node('nr', { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] })).eligible).toBe(true);
    expect(daemonSetNodeFit(plain, node('nr', { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] })).eligible).toBe(false);
    const netUnavailable = node('nu', { taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }] });
    expect(daemonSetNodeFit(plain, netUnavailable).eligible).toBe(false);
    expect(daemonSetNodeFit(ds({ hostNetwork: true }), netUnavailable).eligible).toBe(true);
    // weave's own tolerations: everything
    const weave = ds({ tolerations: [{ effect: 'NoSchedule', operator: 'Exists' }, { effect: 'NoExecute', operator: 'Exists' }] });
    expect(daemonSetNodeFit(weave, node('cp', { taints: [CONTROL_PLANE, { key: 'gpu', value: 'yes', effect: 'NoExecute' }] })).eligible).toBe(true);
  });

  it('nodeSelector and required node affinity', () => {
    expect(daemonSetNodeFit(ds({ nodeSelector: { 'kubernetes.io/os': 'windows' } }), node('n1'))).toEqual({
      node: 'n1',
      eligible: false,
      reason: 'nodeSelector kubernetes.io/os=windows does not match (node has kubernetes.io/os=linux)',
    });
    expect(daemonSetNodeFit(ds({ nodeSelector: { gpu: 'true' } }), node('n1')).reason).toBe('nodeSelector gpu=true does not match (node has no label gpu)');
    expect(daemonSetNodeFit(ds({ nodeSelector: { gpu: 'true' } }), node('n1', { labels: { gpu: 'true' } })).eligible).toBe(true);
    const withAffinity = (terms: unknown[]) => {
      const d = ds();
      d.spec.template.spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } };
      return d;
    };
    const arm = withAffinity([{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }] }]);
    expect(daemonSetNodeFit(arm, node('n1', { labels: { 'kubernetes.io/arch': 'amd64' } }))).toEqual({
      node: 'n1',
      eligible: false,
      reason: 'required node affinity does not match',
    });
    expect(daemonSetNodeFit(arm, node('n1', { labels: { 'kubernetes.io/arch': 'arm64' } })).eligible).toBe(true);
    // terms are ORed; expressions within a term ANDed; Gt/Lt compare integers; matchFields on metadata.name
    const complex = withAffinity([
      { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['edge'] }, { key: 'cores', operator: 'Gt', values: ['4'] }] },
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['special'] }] },
    ]);
    expect(daemonSetNodeFit(complex, node('a', { labels: { cores: '8' } })).eligible).toBe(true);
    expect(daemonSetNodeFit(complex, node('b', { labels: { cores: '2' } })).eligible).toBe(false);
    expect(daemonSetNodeFit(complex, node('c', { labels: { cores: '8', tier: 'edge' } })).eligible).toBe(false);
    expect(daemonSetNodeFit(complex, node('special')).eligible).toBe(true);
    expect(daemonSetNodeFit(withAffinity([{}]), node('x')).eligible).toBe(false);
    expect(daemonSetNodeFit(withAffinity([{ matchExpressions: [{ key: 'gone', operator: 'DoesNotExist' }] }]), node('x')).eligible).toBe(true);
  });

  it('toleratesTaint follows core/v1', () => {
    const taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
    expect(toleratesTaint({ key: 'k', value: 'v' }, taint)).toBe(true);
    expect(toleratesTaint({ key: 'k', operator: 'Equal', value: 'w' }, taint)).toBe(false);
    expect(toleratesTaint({ key: 'k', operator: 'Exists', effect: 'NoExecute' }, taint)).toBe(false);
    expect(toleratesTaint({ operator: 'Exists' }, taint)).toBe(true);
    expect(toleratesTaint({ key: 'other', operator: 'Exists' }, taint)).toBe(false);
  });
});
