/** The output layer's three modes, on fake streams. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Reporter } from '../../src/output/reporter.js';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  const s = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  }) as Writable & { isTTY?: boolean; columns?: number };
  s.isTTY = isTTY;
  s.columns = 80;
  return { s, text: () => chunks.join('') };
}

describe('Reporter', () => {
  it('plain (a pipe or CI): one line per change, never cursor movement, no colour', () => {
    const out = stream(false);
    const err = stream(false);
    const r = new Reporter({ stdout: out.s, stderr: err.s, env: {} });
    expect(r.mode).toBe('plain');
    r.progress('ds', 'a');
    r.progress('ds', 'a');
    r.progress('ds', 'b');
    r.success('done');
    expect(err.text()).toBe('a\nb\ndone\n');
    expect(out.text()).toBe('');
  });

  it('CI=true is plain even on a terminal; NO_COLOR turns colour off', () => {
    const r = new Reporter({ stdout: stream(true).s, stderr: stream(true).s, env: { CI: 'true' } });
    expect(r.mode).toBe('plain');
    const noColor = new Reporter({ stdout: stream(true).s, stderr: stream(true).s, env: { NO_COLOR: '1' } });
    expect(noColor.mode).toBe('tty');
    expect(noColor.c.green('x')).toBe('x');
  });

  it('tty: redraws one live line and ends it before the next message', () => {
    const err = stream(true);
    const r = new Reporter({ stdout: stream(true).s, stderr: err.s, env: {} });
    expect(r.mode).toBe('tty');
    r.progress('ds', 'one');
    r.progress('ds', 'two');
    r.endProgress();
    expect(err.text()).toBe('\r\x1b[2Kone\r\x1b[2Ktwo\n');
  });

  it('json: events on stdout, one object per line; warnings stay on stderr', () => {
    const out = stream(false);
    const err = stream(false);
    const r = new Reporter({ stdout: out.s, stderr: err.s, env: {}, json: true });
    r.progress('ds', 'Waiting', { desired: 3 });
    r.info('hello');
    r.warn('careful');
    const lines = out.text().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { type: 'progress', object: 'ds', message: 'Waiting', desired: 3 },
      { type: 'info', message: 'hello' },
    ]);
    expect(err.text()).toBe('Warning: careful\n');
  });
});
