import { describe, expect, it } from 'vitest';
import { WeavectlError } from '../../src/errors.js';
import { cloneManifest, findDoc, parseManifest, refOf, renderJson, renderYaml, toObjects } from '../../src/manifest/manifest.js';

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: kube-system\n`;

function rejects(text: string): WeavectlError {
  try {
    parseManifest(text, 'test.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(WeavectlError);
    return e as WeavectlError;
  }
  throw new Error('parseManifest accepted bad input');
}

describe('parseManifest', () => {
  it('reads multi-document YAML, skipping empty documents and a trailing ---', () => {
    const m = parseManifest(`---\n${cm('a')}---\n${cm('b')}---\n# the end\n`, 't');
    expect(m.docs.map((d) => refOf(d).name)).toEqual(['a', 'b']);
    expect(refOf(m.docs[0]!)).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', name: 'a', namespace: 'kube-system' });
  });

  it('flattens a kind: List into its items', () => {
    const m = parseManifest(`apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ServiceAccount\n    metadata: {name: x}\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: y}\n`, 't');
    expect(m.docs.map((d) => refOf(d).kind)).toEqual(['ServiceAccount', 'ConfigMap']);
    expect(findDoc(m, 'ConfigMap', 'y')?.toJSON()).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'y' } });
  });

  it('reads JSON too', () => {
    const m = parseManifest(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'j' } }), 't');
    expect(refOf(m.docs[0]!).name).toBe('j');
  });

  it.each([
    ['an HTML page', '<!DOCTYPE html>\n<html><body>404</body></html>', /HTML/],
    ['a syntax error, naming the line', `${cm('a')}  bad: [unclosed\n`, /line \d+/],
    ['a scalar document', 'just text\n', /not a Kubernetes object/],
    ['an object without kind', 'apiVersion: v1\nmetadata:\n  name: x\n', /no apiVersion or kind/],
    ['a List without items', 'apiVersion: v1\nkind: List\nitems: 3\n', /not a Kubernetes object|without items/],
  ])('rejects %s in one line, exit 1', (_n, text, re) => {
    const e = rejects(text);
    expect(e.exitCode).toBe(1);
    expect(e.message).toMatch(re);
    expect(e.message).not.toContain('\n');
  });
});

describe('rendering', () => {
  it('keeps comments in YAML and prints a v1 List as JSON', () => {
    const m = parseManifest(`# header\n${cm('a')}# between\n---\n${cm('b')}`, 't');
    const yaml = renderYaml(m);
    expect(yaml).toContain('# header');
    expect(yaml.split('---\n')).toHaveLength(2);
    const list = JSON.parse(renderJson(m));
    expect(list).toMatchObject({ apiVersion: 'v1', kind: 'List' });
    expect(list.items.map((o: { metadata: { name: string } }) => o.metadata.name)).toEqual(['a', 'b']);
  });

  it('a clone can be changed without touching the original', () => {
    const m = parseManifest(cm('a'), 't');
    const c = cloneManifest(m);
    c.docs[0]!.setIn(['metadata', 'name'], 'changed');
    expect(toObjects(m)[0]).toMatchObject({ metadata: { name: 'a' } });
    expect(toObjects(c)[0]).toMatchObject({ metadata: { name: 'changed' } });
  });
});

describe('parseManifest and YAML aliases (issue 10, point 8)', () => {
  const laughs = (levels: number) => {
    const names = 'abcdefghij'.slice(0, levels);
    const lines = ['    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < names.length; i++) lines.push(`    ${names[i]}: &${names[i]} [${Array(9).fill(`*${names[i - 1]}`).join(',')}]`);
    return `apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: weave-net\n  namespace: kube-system\nspec:\n  x:\n${lines.join('\n')}\n`;
  };

  it('refuses a "billion laughs" document in one line, before anything expands it', () => {
    const e = rejects(`${cm('a')}---\n${laughs(9)}`);
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe('test.yaml: a document expands its YAML aliases too often (more than 100): refused as a resource-exhaustion ("billion laughs") document');
  });

  it('accepts a few anchors and aliases, and a "*" that is no alias', () => {
    const m = parseManifest(`${cm('a')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  labels: &l {app: x}\n  annotations: *l\ndata:\n  glob: "*.yaml"\n`, 't');
    expect(toObjects(m)[1]).toMatchObject({ metadata: { labels: { app: 'x' }, annotations: { app: 'x' } }, data: { glob: '*.yaml' } });
  });
});
