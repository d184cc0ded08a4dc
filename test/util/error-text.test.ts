import { describe, expect, it } from 'vitest';
import { errorText, failure } from '../../src/errors.js';

describe('errorText: the one-line text of anything thrown', () => {
  it("takes an Error's message, our own errors included", () => {
    expect(errorText(new Error('connect ECONNREFUSED 127.0.0.1:6443'))).toBe('connect ECONNREFUSED 127.0.0.1:6443');
    expect(errorText(failure('no weave-net pods', 'hint'))).toBe('no weave-net pods');
  });
  it("takes a Kubernetes Status's message (a watch ERROR event is a plain object)", () => {
    const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'too old resource version: 1 (42)', reason: 'Expired', code: 410 };
    expect(errorText(status)).toBe('too old resource version: 1 (42)');
  });
  it('puts a multi-line message on one line', () => {
    expect(errorText(new Error('admission webhook denied:\n  field is immutable\t(spec.selector) '))).toBe('admission webhook denied: field is immutable (spec.selector)');
  });
  it('falls back to the value itself', () => {
    expect(errorText('boom')).toBe('boom');
    expect(errorText(42)).toBe('42');
    expect(errorText(undefined)).toBe('undefined');
    expect(errorText({ code: 'ECONNRESET' })).toBe('[object Object]');
  });
});
