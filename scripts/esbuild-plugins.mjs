// esbuild plugins shared by the bundle (scripts/build.mjs) and the single executable (scripts/build-binary.mjs).

/**
 * @kubernetes/client-node re-exports ~700 generated API and model modules from its index; weavectl uses
 * KubeConfig only (for credentials and TLS material; requests, watches and exec are weavectl's own). Its modules have no import-time side effects that weavectl relies on, so
 * marking them side-effect free lets esbuild drop what is never used (a smaller, faster-loading chunk).
 */
export function clientNodeWithoutSideEffects() {
  return {
    name: 'client-node-without-side-effects',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData?.skip || !/client-node/.test(args.importer + args.path)) return undefined;
        const r = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: { skip: true } });
        if (r.errors.length || !r.path.includes('/node_modules/@kubernetes/client-node/')) return undefined;
        return { ...r, sideEffects: false };
      });
    },
  };
}

/**
 * client-node's KubeConfig imports node-fetch for its Headers class only (applyToFetchOptions, which
 * weavectl does not call); node-fetch drags in whatwg-url and 300 KB of Unicode tables. Node 20 has
 * fetch and Headers built in, so node-fetch is served by them.
 */
export function nodeFetchAsPlatformFetch() {
  return {
    name: 'node-fetch-as-platform-fetch',
    setup(b) {
      b.onResolve({ filter: /^node-fetch$/ }, () => ({ path: 'node-fetch', namespace: 'platform-fetch' }));
      b.onLoad({ filter: /.*/, namespace: 'platform-fetch' }, () => ({
        contents: `export const Headers = globalThis.Headers;
export const Request = globalThis.Request;
export const Response = globalThis.Response;
export class AbortError extends Error { constructor(m) { super(m); this.name = 'AbortError'; } }
export class FetchError extends Error { constructor(m, type) { super(m); this.name = 'FetchError'; this.type = type; } }
export default (...args) => globalThis.fetch(...args);`,
        loader: 'js',
      }));
    },
  };
}
