/**
 * The CLI reads embedded templates pre-parsed to JSON by the build (dist/templates/); this proves those
 * objects are exactly what parsing the YAML in templates/ gives, for every template.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allEmbeddedNetReleases } from '../../src/manifest/catalog.js';
import { toObjects } from '../../src/manifest/manifest.js';
import { loadNetTemplate, loadScopeTemplate, packageRoot, type TemplateForm } from '../../src/manifest/templates.js';

const root = packageRoot();

function both<T>(load: (form: TemplateForm) => T, objects: (t: T) => unknown) {
  return { compiled: objects(load('compiled')), parsed: objects(load('yaml')) };
}

describe('compiled templates', () => {
  it('exist for every template file (npm test builds them first)', () => {
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
    for (const file of walk(join(root, 'templates'))) {
      expect(existsSync(join(root, 'dist', 'templates', `${relative(join(root, 'templates'), file)}.json`))).toBe(true);
    }
  });

  it.each(allEmbeddedNetReleases().map((r) => [`${r.repo} ${r.version} k8s-${r.flavour}`, r] as const))('net %s: same objects as the YAML', (_n, r) => {
    const { compiled, parsed } = both((form) => loadNetTemplate(r, form), (m) => toObjects(m));
    expect(compiled).toEqual(parsed);
  });

  it.each(['legacy', 'current'] as const)('scope %s: same objects as the YAML', (flavour) => {
    const { compiled, parsed } = both((form) => loadScopeTemplate(flavour, form), (m) => toObjects(m));
    expect(compiled).toEqual(parsed);
  });
});
