// Bundles src/entry.ts (src/main.ts) into dist/ with esbuild. The cluster layer (which imports
// @kubernetes/client-node) is split into its own chunk and loaded only by commands
// that talk to a cluster, so rendering and --version stay fast.
import { build } from 'esbuild';
import { renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { clientNodeWithoutSideEffects, nodeFetchAsPlatformFetch } from './esbuild-plugins.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

// Built into a fresh folder and swapped in at the end, so a CLI started during a build never
// sees a half-written dist/.
const out = `dist.tmp-${process.pid}`;
rmSync(`${root}/${out}`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { weavectl: 'src/entry.ts' },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  plugins: [clientNodeWithoutSideEffects(), nodeFetchAsPlatformFetch()],
  // CommonJS dependencies inside the ESM bundle need a require().
  banner: {
    js: "import { createRequire as __weavectlCreateRequire } from 'node:module'; const require = __weavectlCreateRequire(import.meta.url);",
  },
});

// Pre-parse the embedded templates into dist/templates/<rel>.json (see src/manifest/templates.ts):
// the objects exactly as the YAML parser produces them, plus the provenance header.
const { readdirSync, readFileSync, writeFileSync, mkdirSync } = await import('node:fs');
const { join, dirname, relative } = await import('node:path');
const { parseAllDocuments } = await import('yaml');
const tdir = join(root, 'templates');
const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.yaml') ? [join(d, e.name)] : []));
for (const file of walk(tdir)) {
  const text = readFileSync(file, 'utf8');
  const header = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break;
    header.push(line.replace(/^# ?/, ''));
  }
  const objects = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
    const o = doc.toJS();
    if (o == null) continue;
    if (o.kind === 'List' && Array.isArray(o.items)) objects.push(...o.items);
    else objects.push(o);
  }
  const target = join(root, out, 'templates', `${relative(tdir, file)}.json`);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, JSON.stringify({ header: header.join('\n'), objects }));
}

const old = `${root}/dist.old-${process.pid}`;
try {
  renameSync(`${root}/dist`, old);
} catch {
  // no previous build
}
renameSync(`${root}/${out}`, `${root}/dist`);
rmSync(old, { recursive: true, force: true });
