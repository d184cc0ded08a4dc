import { describe, expect, it } from 'vitest';
import { labelSelectorMatches, workloadSelectorObject } from '../../src/kube/selectors.js';
import { ds } from '../fakes/builders.js';

describe('label selector objects', () => {
  it('matchLabels and matchExpressions; an empty selector matches nothing', () => {
    const sel = { matchLabels: { name: 'weave-net' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['test'] }, { key: 'legacy', operator: 'DoesNotExist' }] };
    expect(labelSelectorMatches(sel, { name: 'weave-net' })).toBe(true);
    expect(labelSelectorMatches(sel, { name: 'weave-net', tier: 'prod' })).toBe(true);
    expect(labelSelectorMatches(sel, { name: 'weave-net', tier: 'test' })).toBe(false);
    expect(labelSelectorMatches(sel, { name: 'weave-net', legacy: '' })).toBe(false);
    expect(labelSelectorMatches(sel, { name: 'other' })).toBe(false);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'app', operator: 'In', values: ['a', 'b'] }] }, { app: 'b' })).toBe(true);
    expect(labelSelectorMatches({}, { app: 'b' })).toBe(false);
    expect(labelSelectorMatches(undefined, { app: 'b' })).toBe(false);
  });

  it("a workload's selector object: spec.selector, else (DaemonSets) the template labels", () => {
    expect(workloadSelectorObject(ds())).toEqual({ matchLabels: { name: 'weave-net' } });
    const old = ds({ apiVersion: 'extensions/v1beta1' });
    delete old.spec.selector;
    expect(workloadSelectorObject(old)).toEqual({ matchLabels: { name: 'weave-net' } });
    expect(workloadSelectorObject({ kind: 'Deployment', metadata: { name: 'x' }, spec: {} })).toBeUndefined();
  });
});
