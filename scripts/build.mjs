// Bundles src/main.ts into dist/ with esbuild. The cluster layer (which imports
// @kubernetes/client-node) is split into its own chunk and loaded only by commands
// that talk to a cluster, so rendering and --version stay fast.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}/dist`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { weavectl: 'src/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  // CommonJS dependencies inside the ESM bundle need a require().
  banner: {
    js: "import { createRequire as __weavectlCreateRequire } from 'node:module'; const require = __weavectlCreateRequire(import.meta.url);",
  },
});
