import { describe, expect, it } from 'vitest';
import { sanitize } from '../../src/output/sanitize.js';

describe('sanitize: remote text before a terminal (issue 10, point 8)', () => {
  it.each([
    ['OSC 0 retitle (BEL)', 'ok\x1b]0;pwned\x07 done', 'ok done'],
    ['OSC 52 clipboard write (ST)', 'a\x1b]52;c;cm0gLXJmIH4=\x1b\\b', 'ab'],
    ['clear screen and home', '\x1b[2J\x1b[Hhello', 'hello'],
    ['cursor up and erase line', 'x\x1b[1A\x1b[2Ky', 'xy'],
    ['a colour from the pod', '\x1b[31mred\x1b[0m', 'red'],
    ['8-bit CSI (C1 0x9b)', 'a\x9b2Jb', 'ab'],
    ['8-bit OSC (C1 0x9d) up to ST (0x9c)', 'a\x9d0;t\x9cb', 'ab'],
    ['DCS string', 'a\x1bPq#0;2;0;0;0\x1b\\b', 'ab'],
    ['an unterminated OSC eats the rest', 'a\x1b]0;title', 'a'],
    ['two-byte ESC sequences (RIS reset, DECSC)', 'a\x1bcb\x1b7c', 'abc'],
    ['BEL, backspace, NUL, DEL shown', 'a\x07b\x08c\x00d\x7f', 'a\\x07b\\x08c\\x00d\\x7f'],
    ['a lone CR (overwrites the line) shown, CRLF becomes LF', 'fake\rreal\r\nnext', 'fake\\x0dreal\nnext'],
    ['C1 controls shown', 'a\x85b', 'a\\x85b'],
    ['bidi override shown', 'file\u202eexe.txt', 'file\\u202eexe.txt'],
  ])('%s', (_name, input, out) => {
    expect(sanitize(input)).toBe(out);
  });

  it('keeps tabs, newlines and any printable text (UTF-8 included) as it is', () => {
    const t = 'peer\t10.32.0.1\nnœud ✓ 节点\n';
    expect(sanitize(t)).toBe(t);
  });

  it('keepStyle keeps SGR (weavectl colours) but nothing else', () => {
    expect(sanitize('\x1b[32mok\x1b[39m \x1b]0;t\x07\x1b[2J', { keepStyle: true })).toBe('\x1b[32mok\x1b[39m ');
    expect(sanitize('\x1b[1;31mx\x1b[0m', { keepStyle: true })).toBe('\x1b[1;31mx\x1b[0m');
    expect(sanitize('\x1b[?1049h', { keepStyle: true })).toBe('');
    expect(sanitize('\x9b31m', { keepStyle: true })).toBe('');
  });
});
