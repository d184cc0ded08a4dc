/**
 * What upstream shipped: Weave Net releases and the manifest flavour files each one carried,
 * which of them weavectl embeds, and which Weave Scope manifest fits a cluster. Pure: no I/O.
 *
 * Sources: the release assets of github.com/weaveworks/weave (bin/release at v2.0.5 … v2.8.1) and the
 * manifests at each tag (prog/weave-kube/weave-daemonset*.yaml), copied with their provenance into
 * test/fixtures/upstream/ (SOURCES.md there: "Release assets per release line").
 */
import { SCOPE_NAMESPACE, WEAVE_NAMESPACE } from '../weave/names.js';
import { usageError } from '../errors.js';
import { formatMinor, type K8sVersion } from './k8s-version.js';
import { compareWeave, NET_FLAVOURS, releasesOf, SHIPPED, WEAVE_REPOS, type NetFlavour, type WeaveRepo } from '../weave/releases.js';

// ---------------------------------------------------------------------------------------------
// Weave Net flavours

export { NET_FLAVOURS, type NetFlavour } from '../weave/releases.js';

export function isNetFlavour(s: string): s is NetFlavour {
  return (NET_FLAVOURS as readonly string[]).includes(s);
}

/** weave-facts §2: <=1.5 -> 1.5, 1.6, 1.7, 1.8, 1.9 and 1.10 -> 1.9, >=1.11 -> 1.11. */
export function netFlavourFor(v: K8sVersion): NetFlavour {
  if (v.major !== 1) throw usageError(`Kubernetes ${v.text} is not a 1.x version; weavectl knows manifests for Kubernetes 1.x only`);
  const m = v.minor;
  if (m <= 5) return '1.5';
  if (m === 6) return '1.6';
  if (m === 7) return '1.7';
  if (m === 8) return '1.8';
  if (m <= 10) return '1.9';
  return '1.11';
}

/** "Kubernetes 1.5 and older", "Kubernetes 1.9-1.10", "Kubernetes 1.11 and newer". */
export function describeNetFlavour(f: NetFlavour): string {
  switch (f) {
    case '1.5':
      return 'Kubernetes 1.5 and older';
    case '1.9':
      return 'Kubernetes 1.9-1.10';
    case '1.11':
      return 'Kubernetes 1.11 and newer';
    default:
      return `Kubernetes ${f}`;
  }
}

/** The release asset (and prog/weave-kube/ file) name: weave-daemonset.yaml for <=1.5, else weave-daemonset-k8s-1.X.yaml. */
export function netAssetName(f: NetFlavour): string {
  return f === '1.5' ? 'weave-daemonset.yaml' : `weave-daemonset-k8s-${f}.yaml`;
}

// ---------------------------------------------------------------------------------------------
// Repositories

export { WEAVE_REPOS, type WeaveRepo, type WeaveRepoInfo } from '../weave/releases.js';

/** `--weave-repo`: weaveworks (upstream, default; also weaveworks/weave, upstream) or reweave (the community fork; also rajch, rajchaudhuri, rajch/weave). */
export function parseWeaveRepo(s: string): WeaveRepo {
  const v = (s ?? '').trim().toLowerCase();
  if (v === 'weaveworks' || v === 'weaveworks/weave' || v === 'upstream') return 'weaveworks';
  if (v === 'reweave' || v === 'rajch' || v === 'rajchaudhuri' || v === 'rajch/weave') return 'reweave';
  throw usageError(`unknown Weave repository ${JSON.stringify(s)}: expected weaveworks (github.com/weaveworks/weave) or reweave (github.com/rajch/weave)`);
}

// ---------------------------------------------------------------------------------------------
// Releases

/**
 * The (repo, version, flavour) triples whose release-asset manifests ship inside weavectl (templates/net/).
 * Every one has an upstream reference in test/fixtures/upstream/ that the tests compare it with.
 * The newest <=1.5 file (2.5.2) is not embedded: no verified copy of it was available, so <=1.5
 * defaults to the newest embedded release, 2.0.5.
 */
const EMBEDDED: Readonly<Record<WeaveRepo, Partial<Record<NetFlavour, readonly string[]>>>> = {
  weaveworks: {
    '1.5': ['1.9.8', '2.0.5'],
    '1.6': ['1.9.8', '2.0.5', '2.1.3', '2.7.0'],
    '1.7': ['2.0.5', '2.1.3', '2.4.1', '2.7.0'],
    '1.8': ['2.4.1', '2.8.1'],
    '1.9': ['2.6.0', '2.8.1'],
    '1.11': ['2.6.0', '2.7.0', '2.8.1'],
  },
  reweave: {
    '1.11': ['2.8.10', '2.9.0'],
  },
};

/** All releases weavectl knows for a repository, oldest first. */
export function weaveReleases(repo: WeaveRepo): readonly string[] {
  return releasesOf(repo);
}

/** The releases of a repository that shipped a file for the flavour, oldest first (empty: none did). */
export function releasesWithFlavour(flavour: NetFlavour, repo: WeaveRepo = 'weaveworks'): string[] {
  const range = SHIPPED[repo][flavour];
  if (!range) return [];
  const [first, last] = range;
  return weaveReleases(repo).filter((v) => compareWeave(v, first) >= 0 && compareWeave(v, last) <= 0);
}

/** The flavours a release shipped, in NET_FLAVOURS order (empty for an unknown release). */
export function flavoursOfRelease(version: string, repo: WeaveRepo = 'weaveworks'): NetFlavour[] {
  return NET_FLAVOURS.filter((f) => releasesWithFlavour(f, repo).includes(version));
}

/** Versions embedded for a flavour, oldest first. */
export function embeddedNetReleases(flavour: NetFlavour, repo: WeaveRepo = 'weaveworks'): string[] {
  return [...(EMBEDDED[repo][flavour] ?? [])];
}

/** Every embedded (repo, version, flavour), for the template loader and its tests. */
export function allEmbeddedNetReleases(): NetRelease[] {
  const out: NetRelease[] = [];
  for (const repo of Object.keys(EMBEDDED) as WeaveRepo[]) {
    for (const flavour of NET_FLAVOURS) {
      for (const version of EMBEDDED[repo][flavour] ?? []) {
        out.push({ flavour, version, repo, embedded: true, assetName: netAssetName(flavour) });
      }
    }
  }
  return out;
}

export interface NetRelease {
  flavour: NetFlavour;
  /** "2.8.1" (no leading v) */
  version: string;
  repo: WeaveRepo;
  /** True when templates/net/ holds this manifest; false means it has to come from the release asset. */
  embedded: boolean;
  /** The release asset file name: weave-daemonset.yaml or weave-daemonset-k8s-1.X.yaml. */
  assetName: string;
}

/**
 * The Net manifest to use for a flavour. Without weaveVersion: the newest release of the repository
 * that shipped the flavour and is embedded (else the newest that shipped it). With one: that release,
 * if it shipped the flavour. Anything else is a usageError whose one line names the valid versions.
 */
export function resolveNetRelease(opts: { flavour: NetFlavour; weaveVersion?: string; repo?: WeaveRepo }): NetRelease {
  const { flavour } = opts;
  const repo = opts.repo ?? 'weaveworks';
  const info = WEAVE_REPOS[repo];
  if (!isNetFlavour(flavour)) throw usageError(`unknown Weave Net manifest flavour ${JSON.stringify(flavour)}: expected one of ${NET_FLAVOURS.join(', ')}`);
  const shipped = releasesWithFlavour(flavour, repo);
  const embedded = embeddedNetReleases(flavour, repo);

  if (opts.weaveVersion === undefined || opts.weaveVersion.trim() === '') {
    if (shipped.length === 0) throw noFlavourInRepo(flavour, repo);
    const version = newest(embedded.filter((v) => shipped.includes(v))) ?? newest(shipped)!;
    return { flavour, version, repo, embedded: embedded.includes(version), assetName: netAssetName(flavour) };
  }

  const version = parseWeaveVersion(opts.weaveVersion);
  const known = weaveReleases(repo);
  if (!known.includes(version)) {
    const other: WeaveRepo = repo === 'weaveworks' ? 'reweave' : 'weaveworks';
    const hint = weaveReleases(other).includes(version) ? `${version} is a ${WEAVE_REPOS[other].github} release: add --weave-repo ${other}` : undefined;
    throw usageError(`${info.label} ${version} is not a ${info.github} release weavectl knows (${rangeText(known)})`, hint ?? 'weavectl versions lists the releases for a Kubernetes version');
  }
  if (!shipped.includes(version)) {
    if (shipped.length === 0) throw noFlavourInRepo(flavour, repo);
    throw usageError(
      `${info.label} ${version} has no manifest for ${describeNetFlavour(flavour)} (${flavourFilesText(flavour)} exist for ${info.label} ${rangeText(shipped)}); use --k8s-version or --weave-version`,
      'weavectl versions --k8s-version VERSION lists the releases that fit a Kubernetes version',
    );
  }
  return { flavour, version, repo, embedded: embedded.includes(version), assetName: netAssetName(flavour) };
}

/** https://github.com/weaveworks/weave/releases/download/v2.8.1/weave-daemonset-k8s-1.11.yaml */
export function netReleaseAssetUrl(r: Pick<NetRelease, 'repo' | 'version' | 'flavour'>): string {
  return `https://github.com/${WEAVE_REPOS[r.repo].github}/releases/download/v${r.version}/${netAssetName(r.flavour)}`;
}

/** "2.8.1" from "2.8.1" or "v2.8.1"; usageError otherwise. */
export function parseWeaveVersion(s: string): string {
  const m = /^v?([0-9]+\.[0-9]+\.[0-9]+)$/.exec((s ?? '').trim());
  if (!m) throw usageError(`invalid Weave version ${JSON.stringify(s)}: expected a release such as 2.8.1`);
  return m[1]!;
}

export { compareWeave };

function newest(list: readonly string[]): string | undefined {
  return [...list].sort(compareWeave).at(-1);
}

function rangeText(list: readonly string[]): string {
  const sorted = [...list].sort(compareWeave);
  if (sorted.length === 0) return 'none';
  return sorted.length === 1 ? sorted[0]! : `${sorted[0]}-${sorted.at(-1)}`;
}

function flavourFilesText(f: NetFlavour): string {
  return f === '1.5' ? '<=1.5 files' : `${f} files`;
}

function noFlavourInRepo(flavour: NetFlavour, repo: WeaveRepo) {
  const info = WEAVE_REPOS[repo];
  const has = NET_FLAVOURS.filter((f) => releasesWithFlavour(f, repo).length > 0);
  const other: WeaveRepo = repo === 'weaveworks' ? 'reweave' : 'weaveworks';
  const otherHas = releasesWithFlavour(flavour, other).length > 0;
  return usageError(
    `${info.label} (${info.github}) has no manifest for ${describeNetFlavour(flavour)}: its releases ship files for Kubernetes ${has.join(', ')}${otherHas ? `; use --weave-repo ${other}` : ''}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Weave Scope

export const SCOPE_VERSION = '1.13.2';

/**
 * 'current': the Scope 1.13.2 release asset (namespace weave, apps/v1, rbac v1, no PodSecurityPolicy), for 1.9+.
 * 'legacy': the same objects for 1.6-1.8 (namespace kube-system, extensions/v1beta1, rbac v1beta1).
 */
export type ScopeFlavour = 'legacy' | 'current';

/**
 * Kubernetes 1.5 and older serve no RBAC API (rbac v1beta1 arrived in 1.6) and Scope's objects
 * need it (ClusterRole/Binding for the cluster agent), so weavectl refuses Scope there with a
 * usageError rather than render a manifest the cluster would reject.
 */
export function scopeFlavourFor(v: K8sVersion): ScopeFlavour {
  if (v.major !== 1) throw usageError(`Kubernetes ${v.text} is not a 1.x version; weavectl knows manifests for Kubernetes 1.x only`);
  if (v.minor <= 5) {
    throw usageError(
      `Weave Scope ${SCOPE_VERSION} needs Kubernetes 1.6 or newer (its RBAC objects need rbac.authorization.k8s.io, which Kubernetes ${formatMinor(v)} does not serve)`,
    );
  }
  return v.minor < 9 ? 'legacy' : 'current';
}

export function scopeNamespace(f: ScopeFlavour): string {
  return f === 'legacy' ? WEAVE_NAMESPACE : SCOPE_NAMESPACE;
}

export function describeScopeFlavour(f: ScopeFlavour): string {
  return f === 'legacy' ? 'Kubernetes 1.6-1.8' : 'Kubernetes 1.9 and newer';
}
