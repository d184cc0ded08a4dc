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
    expect(err.text()).toBe('a\nb\n');
    expect(out.text()).toBe('done\n');
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

  it('results: stdout in text mode; stderr when stdout holds a document (-o json/yaml/name)', () => {
    const out = stream(false);
    const err = stream(false);
    const r = new Reporter({ stdout: out.s, stderr: err.s, env: {}, results: 'stderr' });
    r.progress('ds', 'Waiting');
    r.info('hello');
    r.success('daemonset.apps/weave-net configured');
    r.warn('careful');
    r.data('{}');
    expect(out.text()).toBe('{}\n');
    expect(err.text()).toBe('Waiting\nhello\ndaemonset.apps/weave-net configured\nWarning: careful\n');
  });
});

describe('Reporter: colour per stream, remote text sanitized (issue 10, point 8)', () => {
  it('stderr a terminal, stdout a file (`weavectl status > f`): messages in colour, data without', () => {
    const out = stream(false);
    const err = stream(true);
    const r = new Reporter({ stdout: out.s, stderr: err.s, env: {} });
    expect(r.c.level).toBeGreaterThan(0);
    expect(r.cData.level).toBe(0);
    r.data(r.cData.green('√ k8s-vm1'));
    r.warn('careful');
    expect(out.text()).toBe('√ k8s-vm1\n');
    expect(err.text()).toContain('\x1b[33mWarning:\x1b[39m careful');
  });

  it('stdout a terminal, stderr a pipe: data in colour, messages without', () => {
    const out = stream(true);
    const err = stream(false);
    const r = new Reporter({ stdout: out.s, stderr: err.s, env: {} });
    expect(r.cData.level).toBeGreaterThan(0);
    expect(r.c.level).toBe(0);
    r.data(r.cData.red('×'));
    expect(out.text()).toBe('\x1b[31m×\x1b[39m\n');
  });

  it('NO_COLOR: neither stream', () => {
    const r = new Reporter({ stdout: stream(true).s, stderr: stream(true).s, env: { NO_COLOR: '1' } });
    expect(r.c.level).toBe(0);
    expect(r.cData.level).toBe(0);
  });

  it('messages and text data lose escape sequences (only our SGR kept on a colour stream); documents are exact', () => {
    const out = stream(true);
    const err = stream(true);
    const r = new Reporter({ stdout: out.s, stderr: err.s, env: {} });
    r.warn('pod says \x1b]0;pwned\x07\x1b[2Jhi');
    r.error('x\x1b]52;c;Zm9v\x07y', 'h\x1b[1Ai');
    r.progress('ds', 'rolling \x1b]0;t\x07out');
    r.data('table \x1b[2J\x9b1A row');
    r.document('{"text":"\x1b]0;t\x07"}');
    expect(err.text()).not.toMatch(/\x1b\]|\x1b\[2J|\x1b\[1A|\x07/);
    expect(err.text()).toContain('pod says hi');
    expect(err.text()).toContain('xy');
    expect(err.text()).toContain('rolling out');
    expect(out.text()).toBe('table  row\n{"text":"\x1b]0;t\x07"}\n');
  });
});
