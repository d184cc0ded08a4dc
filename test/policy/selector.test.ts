import { describe, expect, it } from 'vitest';
import { WeavectlError } from '../../src/errors.js';
import { compileSelector, matchesSelector, parseSelector, selectorProblems, selectorString } from '../../src/policy/selector.js';
import type { LabelSelector } from '../../src/policy/types.js';

describe('parseSelector: kubectl -l syntax to a LabelSelector', () => {
  const ok: [string, LabelSelector][] = [
    ['run=iperf-prod-1', { matchLabels: { run: 'iperf-prod-1' } }],
    ['a=b,c!=d', { matchLabels: { a: 'b' }, matchExpressions: [{ key: 'c', operator: 'NotIn', values: ['d'] }] }],
    ['a==b', { matchLabels: { a: 'b' } }],
    ['env in (a,b)', { matchExpressions: [{ key: 'env', operator: 'In', values: ['a', 'b'] }] }],
    ['env notin ( a , b )', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['a', 'b'] }] }],
    ['canary', { matchExpressions: [{ key: 'canary', operator: 'Exists' }] }],
    ['!canary', { matchExpressions: [{ key: 'canary', operator: 'DoesNotExist' }] }],
    [' a = b , ! c ', { matchLabels: { a: 'b' }, matchExpressions: [{ key: 'c', operator: 'DoesNotExist' }] }],
    ['a=', { matchLabels: { a: '' } }],
    ['x in (a),y', { matchExpressions: [{ key: 'x', operator: 'In', values: ['a'] }, { key: 'y', operator: 'Exists' }] }],
    ['app.kubernetes.io/name=weave-net', { matchLabels: { 'app.kubernetes.io/name': 'weave-net' } }],
    ['a=b,a=c', { matchLabels: { a: 'b' }, matchExpressions: [{ key: 'a', operator: 'In', values: ['c'] }] }],
    ['a in (b,b)', { matchExpressions: [{ key: 'a', operator: 'In', values: ['b'] }] }],
    ['', {}],
  ];
  it.each(ok)('%j', (text, want) => {
    expect(parseSelector(text)).toEqual(want);
  });

  const bad: [string, RegExp][] = [
    ['a=b,', /a trailing comma/],
    [',a', /expected a label key at position 1, found ','/],
    ['a in b', /expected '\(' after 'in' at position 6, found "b"/],
    ['a in ()', /'in' needs at least one value/],
    ['a in (b', /expected ',' or '\)' at position 8, found the end/],
    ['a>1', /numeric comparison\) cannot be expressed in a NetworkPolicy selector/],
    ['a=b=c', /expected ',' at position 4, found '='/],
    ['!a=b', /expected ',' at position 3, found '='/],
    ['-a=b', /must consist of alphanumerics/],
    ['a/b/c=d', /has more than one '\/'/],
    ['Example.com/a=b', /prefix of label key .* must be a lowercase DNS subdomain/],
    [`a=${'x'.repeat(64)}`, /longer than 63 characters/],
    ['a=b c', /expected ',' at position 5, found "c"/],
    ['(a)', /expected a label key at position 1, found '\('/],
  ];
  it.each(bad)('refuses %j with one line', (text, re) => {
    try {
      parseSelector(text);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(WeavectlError);
      expect((e as WeavectlError).exitCode).toBe(2);
      expect((e as Error).message).toMatch(re);
      expect((e as Error).message).toContain(`invalid label selector ${JSON.stringify(text)}`);
      expect((e as Error).message).not.toContain('\n');
    }
  });

  it('names the flag in the message when asked', () => {
    expect(() => parseSelector('a=,', '--from selector')).toThrow(/^invalid --from selector "a=,": a trailing comma$/);
  });
});

describe('selectorString: labels.Selector.String() (what weave-npc hashes)', () => {
  it.each([
    [{ matchLabels: { run: 'iperf-prod-1' } }, 'run=iperf-prod-1'],
    [{}, ''],
    [{ matchLabels: { b: '2', a: '1' } }, 'a=1,b=2'],
    [{ matchExpressions: [{ key: 'env', operator: 'In' as const, values: ['qa', 'dev'] }] }, 'env in (dev,qa)'],
    [{ matchExpressions: [{ key: 'z', operator: 'Exists' as const }, { key: 'a', operator: 'DoesNotExist' as const }] }, '!a,z'],
    [{ matchLabels: { tier: 'fe' }, matchExpressions: [{ key: 'app', operator: 'NotIn' as const, values: ['x'] }] }, 'app notin (x),tier=fe'],
  ])('%j -> %j', (sel, want) => {
    expect(selectorString(sel)).toBe(want);
  });
  it('parse then print gives the canonical form', () => {
    expect(selectorString(parseSelector('tier in (b,a), app=web, !debug'))).toBe('app=web,!debug,tier in (a,b)');
  });
});

describe('matching: Kubernetes semantics', () => {
  const labels = { app: 'web', tier: 'fe' };
  it.each([
    ['the empty selector matches everything', {}, undefined, true],
    ['the empty selector matches a pod without labels', {}, {}, true],
    ['matchLabels needs the key with that value', { matchLabels: { app: 'web' } }, labels, true],
    ['matchLabels fails on another value', { matchLabels: { app: 'db' } }, labels, false],
    ['matchLabels fails when the key is absent', { matchLabels: { zone: 'a' } }, labels, false],
    ['In matches one of the values', { matchExpressions: [{ key: 'app', operator: 'In', values: ['db', 'web'] }] }, labels, true],
    ['NotIn matches when the key is absent', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels, true],
    ['NotIn fails on a listed value', { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, labels, false],
    ['Exists needs the key', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels, true],
    ['DoesNotExist fails when the key is there', { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, labels, false],
    ['all requirements must hold (AND)', { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['be'] }] }, labels, false],
  ] as [string, LabelSelector, Record<string, string> | undefined, boolean][])('%s', (_n, sel, l, want) => {
    expect(matchesSelector(sel, l)).toBe(want);
  });

  it('an invalid operator is a failure naming where it is', () => {
    expect(() => compileSelector({ matchExpressions: [{ key: 'a', operator: 'Equals' as never }] }, 'policy x')).toThrow(
      'policy x: "Equals" is not a valid label selector operator (In, NotIn, Exists, DoesNotExist)',
    );
    expect(() => compileSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })).toThrow(/needs at least one value/);
  });

  it('selectorProblems lists what the API server would refuse', () => {
    expect(selectorProblems({ matchLabels: { 'bad key': 'v', ok: 'x y' }, matchExpressions: [{ key: 'a', operator: 'Exists', values: ['b'] }] })).toEqual([
      'label key "bad key" must consist of alphanumerics, \'-\', \'_\' or \'.\', and start and end with an alphanumeric',
      'label value "x y" must consist of alphanumerics, \'-\', \'_\' or \'.\', and start and end with an alphanumeric',
      'operator Exists on "a" takes no values',
    ]);
    expect(selectorProblems({ matchLabels: { run: 'iperf-prod-1' } })).toEqual([]);
  });
});
