import { describe, expect, it } from 'vitest';
import { groupOf, splitApiVersion } from '../../src/kube/kinds.js';

describe('kube/kinds: group of an apiVersion', () => {
  it('splits a grouped apiVersion into group and version', () => {
    expect(splitApiVersion('apps/v1')).toEqual({ group: 'apps', version: 'v1' });
    expect(splitApiVersion('networking.k8s.io/v1')).toEqual({ group: 'networking.k8s.io', version: 'v1' });
    expect(groupOf('extensions/v1beta1')).toBe('extensions');
  });
  it('gives the core group as the empty string', () => {
    expect(splitApiVersion('v1')).toEqual({ group: '', version: 'v1' });
    expect(groupOf('v1')).toBe('');
  });
});
