/**
 * Rendering for `weavectl install`: the Weave Net manifest for a Kubernetes version, from the
 * embedded templates or a source, with the settings applied and (for a cluster) the settings
 * annotation that a later upgrade reads. Loaded by install while its first requests travel.
 */
import type { KubeObject } from '../cluster/types.js';
import { usageError } from '../errors.js';
import type { K8sVersion } from '../manifest/k8s-version.js';
import { netFlavourFor, parseWeaveRepo, resolveNetRelease, WEAVE_REPOS } from '../manifest/catalog.js';
import { parseImage } from '../manifest/images.js';
import { toObjects, type Manifest } from '../manifest/manifest.js';
import type { NetSettings } from '../manifest/net-settings.js';
import { applyNetSettings } from '../manifest/patch-net.js';
import { loadNetTemplate } from '../manifest/templates.js';
import { validateNet } from '../manifest/validate.js';
import type { Reporter } from '../output/reporter.js';
import { annotateManifest } from '../upgrade/annotation.js';
import type { ResolvedVersion } from '../deploy/version.js';
import { checkSourceFlags, fetchManifest } from '../deploy/source.js';
import type { InstallOptions } from './options.js';
import { isKnownRelease, k8sFit } from '../weave/releases.js';
import { WEAVE_CONTAINER } from '../weave/names.js';

/** The manifest for Kubernetes `k8s`, with the settings applied. */
export async function renderNet(f: InstallOptions, k8s: K8sVersion, k8sRaw: string, settings: NetSettings, reporter: Reporter): Promise<Manifest> {
  const repo = parseWeaveRepo(f.weaveRepo ?? 'weaveworks');
  const flavour = netFlavourFor(k8s);
  checkSourceFlags(f);
  let manifest: Manifest;
  if (f.source === 'embedded') {
    const release = resolveNetRelease({ flavour, weaveVersion: f.weaveVersion, repo });
    if (!release.embedded) {
      throw usageError(
        `Weave ${release.version} for Kubernetes ${flavour} is a real release but not embedded in weavectl`,
        `fetch its release asset with --source github --weave-version ${release.version}, or omit --weave-version for the embedded default`,
      );
    }
    reporter.info(`Using Weave Net ${release.version} (${repo}) manifest for Kubernetes ${flavour === '1.5' ? '1.5 and older' : `${flavour}+`} (embedded)`);
    manifest = loadNetTemplate(release);
  } else {
    const release = f.source === 'github' ? resolveNetRelease({ flavour, weaveVersion: f.weaveVersion, repo }) : undefined;
    manifest = await fetchManifest(
      // --source github downloads the release assets of the repository of --weave-repo (rajch/weave for reweave).
      f.source === 'github' && f.githubRepo === undefined ? { ...f, githubRepo: WEAVE_REPOS[repo].github } : f,
      {
        product: 'net',
        k8sVersionRaw: k8sRaw,
        flavour,
        weaveVersion: release?.version ?? f.weaveVersion,
      },
      reporter,
    );
  }
  for (const w of validateNet(manifest, { allowAnyImage: f.allowAnyImage, imageRegistry: undefined })) reporter.warn(w);
  // A release/Kubernetes pair the release table says does not work (e.g. 2.7.0 on 1.6: its weave-npc watches
  // networking.k8s.io/v1 only): said before anything is applied.
  const version = weaveVersionOf(manifest);
  if (version && k8s.major === 1 && isKnownRelease(version, repo)) {
    const reasons = k8sFit(version, repo, k8s.minor).reasons;
    for (const r of reasons) reporter.warn(r);
    if (reasons.length > 0) reporter.info(`weavectl versions --k8s-version ${k8s.major}.${k8s.minor} lists the releases that work there`);
  }
  return applyNetSettings(manifest, settings);
}

/** The manifest for the cluster, its settings recorded in the annotation an upgrade reads, and its objects. */
export async function renderAnnotated(
  f: InstallOptions,
  v: ResolvedVersion,
  settings: NetSettings,
  reporter: Reporter,
): Promise<{ manifest: Manifest; objects: KubeObject[] }> {
  const rendered = await renderNet(f, v.k8s, v.raw, settings, reporter);
  const manifest = annotateManifest(rendered, settings, weaveVersionOf(rendered) ?? 'unknown');
  return { manifest, objects: toObjects(manifest) as KubeObject[] };
}

/** The Weave version of a rendered manifest: the tag of the weave container's image. */
function weaveVersionOf(m: Manifest): string | undefined {
  const ds = toObjects(m).find((o) => o.kind === 'DaemonSet') as KubeObject | undefined;
  const image = (ds?.spec?.template?.spec?.containers as { name: string; image?: string }[] | undefined)?.find((c) => c.name === WEAVE_CONTAINER)?.image;
  const tag = image ? parseImage(image).tag : undefined;
  return tag?.replace(/^v/, '');
}
