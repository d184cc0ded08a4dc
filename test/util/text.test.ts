import { describe, expect, it } from 'vitest';
import { oneLine } from '../../src/util/text.js';

describe('oneLine: the one helper that puts a message on one line', () => {
  it('joins lines and runs of whitespace into single spaces, trimmed', () => {
    expect(oneLine('  Back-off 10s restarting\n\tfailed container  weave \n')).toBe('Back-off 10s restarting failed container weave');
  });

  it('cuts what is longer than max (300 by default), marking the cut', () => {
    expect(oneLine('x'.repeat(300))).toBe('x'.repeat(300));
    expect(oneLine('x'.repeat(301))).toBe(`${'x'.repeat(299)}…`);
    expect(oneLine('abcdef', 4)).toBe('abc…');
    expect(oneLine('y'.repeat(1000), Infinity)).toHaveLength(1000);
  });
});
