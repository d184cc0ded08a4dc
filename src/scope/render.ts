/**
 * Rendering for `weavectl scope`: the Weave Scope manifest for a Kubernetes version, from the embedded
 * templates or a source, and the settings patched in.
 */
import { checkSourceFlags, fetchManifest } from '../deploy/source.js';
import { scopeFlavourFor } from '../manifest/catalog.js';
import type { K8sVersion } from '../manifest/k8s-version.js';
import type { Manifest } from '../manifest/manifest.js';
import { applyScopeSettings, type ScopeRenderContext, type ScopeSettings } from '../manifest/patch-scope.js';
import { loadScopeTemplate } from '../manifest/templates.js';
import { validateScope } from '../manifest/validate.js';
import type { Reporter } from '../output/reporter.js';
import type { ScopeOptions } from './options.js';

export async function renderScope(f: ScopeOptions, k8s: K8sVersion, k8sRaw: string, reporter: Reporter): Promise<Manifest> {
  checkSourceFlags(f);
  let manifest: Manifest;
  if (f.source === 'embedded') {
    const flavour = scopeFlavourFor(k8s);
    reporter.info(`Using Weave Scope 1.13.2 manifest for ${flavour === 'legacy' ? 'Kubernetes 1.6-1.8 (namespace kube-system)' : 'Kubernetes 1.9+ (namespace weave)'} (embedded)`);
    manifest = loadScopeTemplate(flavour);
  } else {
    manifest = await fetchManifest(f, { product: 'scope', k8sVersionRaw: k8sRaw }, reporter);
  }
  for (const w of validateScope(manifest, { allowAnyImage: f.allowAnyImage })) reporter.warn(w);
  return manifest;
}

export function patchScope(m: Manifest, settings: ScopeSettings, reporter: Reporter, ctx: ScopeRenderContext = {}): { manifest: Manifest } {
  const { manifest, warnings } = applyScopeSettings(m, settings, ctx);
  for (const w of warnings) reporter.warn(w);
  return { manifest };
}
