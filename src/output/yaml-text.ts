/**
 * `-o yaml` of a result: loaded by printResult only when asked. The yaml package is imported
 * statically here: esbuild wraps that CommonJS package in its bundle, and a dynamic `import('yaml')`
 * of the wrapper has only a `default` (no `stringify`), which broke `-o yaml` in the built CLI.
 */
import { stringify } from 'yaml';

export function yamlText(value: unknown): string {
  return stringify(value);
}
