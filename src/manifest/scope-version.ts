/**
 * Which Weave Scope release a Scope manifest runs (from its images' tags), and the releases that
 * brought the features weavectl renders. Pure.
 *
 * Sources (github.com/weaveworks/scope):
 * - ENABLE_BASIC_AUTH, BASIC_AUTH_USERNAME, BASIC_AUTH_PASSWORD: read by prog/main.go from v1.10.0
 *   on (absent at v1.9.1); at v1.13.2 prog/main.go applies them to both the app and the probe, and
 *   prog/app.go wraps the UI's handler in httpauth.SimpleBasicAuth (site/faq.md "basic auth").
 * - --probe.cri and --probe.cri.endpoint: defined in prog/main.go from v1.10.0 on (absent at v1.9.0).
 */
import { failure } from '../errors.js';
import { containersOf } from './containers.js';
import type { Manifest } from './manifest.js';
import { SCOPE_AGENT_DAEMONSET, SCOPE_APP, SCOPE_CLUSTER_AGENT_DEPLOYMENT } from '../weave/names.js';
import { compareDotted as compareVersion } from '../util/dotted-version.js';

export const SCOPE_FEATURES = {
  basicAuth: { since: '1.10.0', what: 'basic auth (ENABLE_BASIC_AUTH, BASIC_AUTH_USERNAME, BASIC_AUTH_PASSWORD)', source: 'scope v1.10.0 prog/main.go' },
  cri: { since: '1.10.0', what: 'the CRI probe (--probe.cri, --probe.cri.endpoint)', source: 'scope v1.10.0 prog/main.go' },
} as const;
export type ScopeFeature = keyof typeof SCOPE_FEATURES;

/** "1.13.2" from weaveworks/scope:1.13.2, docker.io/weaveworks/scope:v1.13.2, mirror/weaveworks/scope:1.13.2@sha256:...; undefined otherwise. */
export function scopeImageVersion(image: string): string | undefined {
  const noDigest = image.split('@')[0]!;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  if (colon <= slash) return undefined;
  const name = noDigest.slice(slash + 1, colon);
  if (name !== 'scope') return undefined;
  const m = /^v?(\d+\.\d+\.\d+)$/.exec(noDigest.slice(colon + 1));
  return m ? m[1] : undefined;
}


/** The Scope versions of the app and probe workloads (each image that names one), de-duplicated. */
export function scopeVersionsOf(m: Manifest): string[] {
  const out = new Set<string>();
  for (const d of m.docs) {
    const name = d.getIn(['metadata', 'name']);
    if (name !== SCOPE_APP && name !== SCOPE_AGENT_DAEMONSET && name !== SCOPE_CLUSTER_AGENT_DEPLOYMENT) continue;
    for (const c of containersOf(d)) {
      const image = c.node.get('image');
      const v = typeof image === 'string' ? scopeImageVersion(image) : undefined;
      if (v) out.add(v);
    }
  }
  return [...out];
}

/**
 * Refuses (exit 1) when the manifest runs a Scope older than the feature needs. An image whose tag
 * names no version (latest, a digest only, a renamed image) is let through: weavectl cannot tell.
 */
export function requireScopeFeature(m: Manifest, feature: ScopeFeature, flag: string): void {
  const f = SCOPE_FEATURES[feature];
  const old = scopeVersionsOf(m).filter((v) => compareVersion(v, f.since) < 0);
  if (old.length > 0) {
    throw failure(
      `${flag}: this manifest runs Weave Scope ${old.join(', ')}, which has no ${f.what}: it came in Scope ${f.since} (${f.source})`,
      `use a Scope ${f.since} or later manifest (the embedded one, --source embedded, is 1.13.2), or run without ${flag}`,
    );
  }
}
