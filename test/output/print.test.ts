/** The one printer of results and the one refusal of the formats a command does not print (src/output/print.ts). */
import { describe, expect, it } from 'vitest';
import { WeavectlError } from '../../src/errors.js';
import { formatsOf, outputFormat, printResult } from '../../src/output/print.js';
import { memoryReporter } from '../fakes/reporter.js';

function refusal(fn: () => unknown): WeavectlError {
  try {
    fn();
  } catch (e) {
    return e as WeavectlError;
  }
  throw new Error('expected a refusal');
}

describe('outputFormat', () => {
  it('takes the formats each command prints', () => {
    expect(outputFormat(undefined, 'status')).toBe('text');
    expect(outputFormat('yaml', 'status')).toBe('yaml');
    expect(outputFormat('name', 'install')).toBe('name');
    expect(outputFormat('name', 'policy isolate')).toBe('name');
    expect(outputFormat('json', 'policy list')).toBe('json');
    expect(formatsOf('uninstall')).toEqual(['text', 'json', 'name']);
    expect(formatsOf('version')).toEqual(['text', 'json', 'yaml']);
  });

  it("refuses a value that is no format with kubectl's message, naming the command's formats (exit 2)", () => {
    const e = refusal(() => outputFormat('xml', 'policy list'));
    expect(e.message).toBe('unable to match a printer suitable for the output format "xml", allowed formats are: json');
    expect(e.exitCode).toBe(2);
    expect(refusal(() => outputFormat('wide', 'install')).message).toBe('unable to match a printer suitable for the output format "wide", allowed formats are: json,name,yaml');
  });

  it('refuses a format the command does not print, saying which it prints (exit 2)', () => {
    const list = refusal(() => outputFormat('yaml', 'policy list'));
    expect(list.message).toBe('policy list prints text or JSON, not the output format "yaml": use -o json, or leave -o out');
    expect(list.hint).toBe('kubectl get networkpolicy -o yaml prints the objects themselves');
    expect(list.exitCode).toBe(2);
    expect(refusal(() => outputFormat('name', 'check')).message).toBe('check prints text, JSON or YAML, not the output format "name": use -o json or -o yaml, or leave -o out');
    expect(refusal(() => outputFormat('yaml', 'uninstall')).message).toBe('uninstall prints text, JSON or names, not the output format "yaml": use -o json or -o name, or leave -o out');
  });
});

describe('printResult', () => {
  const result = { json: () => ({ a: 1 }), text: () => 'a is 1', name: () => 'thing/a' };

  it('prints the result in the format asked for, and only that, on stdout', async () => {
    for (const [format, out] of [
      ['json', '{\n  "a": 1\n}\n'],
      ['yaml', 'a: 1\n'],
      ['text', 'a is 1\n'],
      ['name', 'thing/a\n'],
    ] as const) {
      const r = memoryReporter();
      await printResult(r.reporter, format, result);
      expect(r.stdout(), format).toBe(out);
      expect(r.stderr(), format).toBe('');
    }
  });

  it('YAML is the JSON document unless the result gives its own; empty text prints nothing', async () => {
    const r = memoryReporter();
    await printResult(r.reporter, 'yaml', { json: () => ({ a: 1 }), yaml: () => ({ b: 2 }) });
    await printResult(r.reporter, 'text', { text: () => '' });
    expect(r.stdout()).toBe('b: 2\n');
  });

  it('YAML already written (yamlText: several documents, a comment) is printed as it is, before yaml and json', async () => {
    const r = memoryReporter();
    await printResult(r.reporter, 'yaml', { json: () => ({ a: 1 }), yaml: () => ({ b: 2 }), yamlText: () => '# kept\na: 1\n---\nb: 2\n' });
    await printResult(r.reporter, 'json', { json: () => ({ a: 1 }), yamlText: () => 'not: this\n' });
    expect(r.stdout()).toBe('# kept\na: 1\n---\nb: 2\n{\n  "a": 1\n}\n');
  });
});
