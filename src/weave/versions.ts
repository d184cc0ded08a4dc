/**
 * `weavectl versions`: for one Kubernetes version, which Weave Net releases weavectl embeds, which
 * it can fetch from GitHub release assets, and which cannot run there and why (src/weave/releases.ts).
 * Pure.
 */
import { describeNetFlavour, embeddedNetReleases, netFlavourFor, resolveNetRelease } from '../manifest/catalog.js';
import { formatMinor, type K8sVersion } from '../manifest/k8s-version.js';
import { k8sFit, releaseLine, releasesOf, WEAVE_REPOS, type WeaveRepo } from './releases.js';

export type VersionStatus = 'embedded' | 'github' | 'unavailable';

export interface VersionEntry {
  repo: WeaveRepo;
  version: string;
  status: VersionStatus;
  /** weave-npc can enforce NetworkPolicy on this Kubernetes version. */
  npcEnforces: boolean;
  /** weaveworks/weave is archived: no fixes. */
  archived: boolean;
  /** Why it cannot run, or why weave-npc enforces nothing. */
  reasons: string[];
}

export interface VersionsReport {
  kubernetes: string;
  /** "1.11": the manifest file weavectl picks for this Kubernetes version. */
  flavour: string;
  /** The release `weavectl install` picks per repository (no --weave-version), when there is one. */
  defaults: Partial<Record<WeaveRepo, string>>;
  releases: VersionEntry[];
}

export function versionsReport(k8s: K8sVersion): VersionsReport {
  const flavour = netFlavourFor(k8s);
  const releases: VersionEntry[] = [];
  const defaults: Partial<Record<WeaveRepo, string>> = {};
  for (const repo of ['weaveworks', 'reweave'] as WeaveRepo[]) {
    try {
      defaults[repo] = resolveNetRelease({ flavour, repo }).version;
    } catch {
      // no release of this repository has a manifest for the flavour
    }
    const embedded = embeddedNetReleases(flavour, repo);
    for (const version of releasesOf(repo)) {
      const fit = k8sFit(version, repo, k8s.minor);
      const status: VersionStatus = !fit.installs ? 'unavailable' : embedded.includes(version) ? 'embedded' : 'github';
      releases.push({ repo, version, status, npcEnforces: fit.npcEnforces, archived: releaseLine(version, repo)?.archived ?? repo === 'weaveworks', reasons: fit.reasons });
    }
  }
  return { kubernetes: formatMinor(k8s), flavour, defaults, releases };
}

/** Releases next to each other in the release list with the same status and reasons, as "2.6.1-2.6.5". */
function groups(entries: VersionEntry[]): { repo: WeaveRepo; text: string; entry: VersionEntry; versions: string[] }[] {
  const out: { repo: WeaveRepo; versions: string[]; entry: VersionEntry }[] = [];
  // Reasons name the version; compare them without it.
  const key = (x: VersionEntry) => `${x.repo}|${x.status}|${x.npcEnforces}|${x.reasons.map((r) => r.replaceAll(x.version, 'V')).join(';')}`;
  for (const e of entries) {
    const prev = out.at(-1);
    if (prev && key(prev.entry) === key(e)) prev.versions.push(e.version);
    else out.push({ repo: e.repo, versions: [e.version], entry: e });
  }
  return out.map((g) => ({ ...g, text: g.versions.length === 1 ? g.versions[0]! : `${g.versions[0]}-${g.versions.at(-1)}` }));
}

/** The report as text, one group of releases per line. */
export function renderVersions(r: VersionsReport): string {
  const lines: string[] = [`Kubernetes ${r.kubernetes}: Weave Net manifest for ${describeNetFlavour(r.flavour as never)} (flavour ${r.flavour})`];
  // Groups over the whole ordered list, so a range never hides a release of another status.
  const all = groups(r.releases);
  const npcNote = (e: VersionEntry) => e.reasons.find((x) => x.startsWith('weave-npc'))?.replace(/^weave-npc \S+ /, '').replace(/: no NetworkPolicy is enforced$/, '');
  const note = (g: { repo: WeaveRepo; versions: string[]; entry: VersionEntry }) => {
    const d = r.defaults[g.repo];
    const parts: string[] = [];
    if (d !== undefined && g.versions.includes(d)) parts.push(g.repo === 'weaveworks' ? `${d} is the default` : `${d} is the default with --weave-repo reweave`);
    if (!g.entry.npcEnforces) parts.push(`weave-npc enforces no NetworkPolicy here: it ${npcNote(g.entry) ?? ''}`);
    return parts.length ? `  (${parts.join('; ')})` : '';
  };
  const section = (title: string, status: VersionStatus, describe: (g: ReturnType<typeof groups>[number]) => string) => {
    const gs = all.filter((g) => g.entry.status === status);
    lines.push('', title);
    if (gs.length === 0) lines.push('  (none)');
    for (const g of gs) lines.push(`  ${describe(g)}`);
  };
  const label = (g: { repo: WeaveRepo; text: string }) => `${WEAVE_REPOS[g.repo].label} ${g.text}`;
  section('Embedded (weavectl install --weave-version V [--weave-repo reweave]):', 'embedded', (g) => `${label(g)}${note(g)}`);
  section('From GitHub release assets (weavectl install --source github --weave-version V [--weave-repo reweave]):', 'github', (g) => `${label(g)}${note(g)}`);
  section('Cannot run on this Kubernetes version:', 'unavailable', (g) =>
    g.entry.reasons
      .filter((x) => !x.startsWith('weave-npc'))
      .map((x) => x.replaceAll(`${WEAVE_REPOS[g.repo].label} ${g.entry.version}`, label(g)))
      .join('; '),
  );
  lines.push('', 'weaveworks/weave is archived (its images get no fixes); reweave (github.com/rajch/weave, images rajchaudhuri/*) continues it from 2.8.2.');
  return lines.join('\n');
}
