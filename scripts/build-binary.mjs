// `npm run binary`: dist/bin/weavectl, a single executable (Node's single executable application
// support, https://nodejs.org/docs/latest-v20.x/api/single-executable-applications.html), like
// cilium-cli's release binary: this Node with weavectl injected, running on a machine with no Node,
// no node_modules and no templates/ (the manifests are assets of the executable).
//
//   1. esbuild: src/sea-entry.ts as one CommonJS file (SEA runs CommonJS; no chunks, no import());
//   2. node --experimental-sea-config: the preparation blob, with the code cache (useCodeCache: V8's
//      compiled code for the bundle, so startup skips most parsing and compiling) and the templates;
//   3. postject (from npm): the blob injected into a copy of the running node binary.
//
// Options: --no-code-cache (to measure what the code cache does), --snapshot (a V8 startup snapshot of
// the modules every command loads, src/sea-snapshot-entry.ts; Node 20 then ignores useCodeCache),
// --out PATH. Measured (npm run bench, median of 21, node -e "" = 75 ms): --version 97 ms with the
// code cache, 138 ms without, 108 ms with the snapshot; the README render 123 / 178 / 138 ms
// (node bin/weavectl.js: 101 / 136 ms). The snapshot helps only what it holds, and everything else
// then compiles without a cache; Node 20 also warns that node:sea, node:tty and node:child_process
// are "not yet fully verified" in snapshots. So the default is the code cache.
// Needs dist/templates (node scripts/build.mjs, which `npm run binary` runs first).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clientNodeWithoutSideEffects, nodeFetchAsPlatformFetch } from './esbuild-plugins.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const snapshot = args.includes('--snapshot');
const codeCache = !snapshot && !args.includes('--no-code-cache');
const outIdx = args.indexOf('--out');
const out = outIdx >= 0 ? args[outIdx + 1] : join(root, 'dist', 'bin', process.platform === 'win32' ? 'weavectl.exe' : 'weavectl');
const work = join(root, 'dist', 'sea');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 12)) {
  // assets (the embedded manifests) and node:sea's getAsset came with Node 20.12
  throw new Error(`the single executable needs Node 20.12 or newer (assets); this is ${process.version}`);
}

await build({
  absWorkingDir: root,
  entryPoints: [snapshot ? 'src/sea-snapshot-entry.ts' : 'src/sea-entry.ts'],
  outfile: join(work, 'weavectl.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: false,
  logLevel: 'error',
  plugins: [clientNodeWithoutSideEffects(), nodeFetchAsPlatformFetch()],
  // packageRoot() (templates.ts) is never called in the executable: its templates are assets.
  define: { 'import.meta.url': '"file:///weavectl-sea/dist/weavectl.cjs"' },
});

// Every template, as YAML (templates/...) and pre-parsed JSON (dist/templates/...json), by the
// package-relative path templates.ts asks the reader for.
const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
const assets = {};
for (const dir of ['templates', join('dist', 'templates')]) {
  for (const file of walk(join(root, dir))) assets[relative(root, file).split('\\').join('/')] = file;
}

const config = {
  main: join(work, 'weavectl.cjs'),
  output: join(work, 'weavectl.blob'),
  disableExperimentalSEAWarning: true,
  useCodeCache: codeCache,
  useSnapshot: snapshot,
  assets,
};
writeFileSync(join(work, 'sea-config.json'), JSON.stringify(config, null, 2));
execFileSync(process.execPath, ['--experimental-sea-config', join(work, 'sea-config.json')], { stdio: ['ignore', 'ignore', 'inherit'] });

mkdirSync(dirname(out), { recursive: true });
rmSync(out, { force: true });
copyFileSync(process.execPath, out);
chmodSync(out, 0o755);
if (process.platform === 'darwin') execFileSync('codesign', ['--remove-signature', out]);
const { inject } = await import('postject');
await inject(out, 'NODE_SEA_BLOB', readFileSync(config.output), {
  sentinelFuse: 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
  ...(process.platform === 'darwin' ? { machoSegmentName: 'NODE_SEA' } : {}),
});
if (process.platform === 'darwin') execFileSync('codesign', ['--sign', '-', out]);
process.stderr.write(`${relative(process.cwd(), out) || out}: single executable (${snapshot ? 'with a startup snapshot' : codeCache ? 'with code cache' : 'without code cache'})\n`);
