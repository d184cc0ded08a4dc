/** For tests of refusals: the WeavectlError `fn` throws, checked to be one line (every error of weavectl is). */
import { expect } from 'vitest';
import { WeavectlError } from '../../src/errors.js';

export function thrownError(fn: () => unknown): WeavectlError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WeavectlError);
    expect((e as Error).message).not.toContain('\n');
    return e as WeavectlError;
  }
  throw new Error('expected an error');
}
