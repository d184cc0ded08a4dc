/**
 * What each Weave Net release does on the nodes: the one table weavectl's behaviour-dependent
 * commands read (policy, upgrade, check, versions, install). Pure: no I/O.
 *
 * Every fact is read from Weave's own sources at the tag named next to it (local mirrors of
 * github.com/weaveworks/weave, tags v1.9.4 … v2.8.1, and github.com/rajch/weave "reweave",
 * tags v2.8.2 … v2.8.10, v2.9.0):
 * - weave-npc: prog/weave-npc/main.go (which NetworkPolicy API its informer watches, the
 *   --use-legacy-netpol flag) and npc/namespace.go (isolation by the DefaultDeny annotation).
 * - env vars: prog/weave-kube/launch.sh (how CONN_LIMIT, NO_MASQ_LOCAL, IPTABLES_BACKEND are read),
 *   vendor/github.com/weaveworks/go-checkpoint/checkpoint.go (CHECKPOINT_DISABLE).
 * - manifests: prog/weave-kube/weave-daemonset*.yaml (flavours, RBAC API, CHECKPOINT_DISABLE in
 *   reweave's), release assets as listed in test/fixtures/upstream/SOURCES.md.
 */
import { usageError } from '../errors.js';
import { compareDotted } from '../util/dotted-version.js';

export type WeaveRepo = 'weaveworks' | 'reweave';

/** The Kubernetes line a Net manifest file was written for. '1.5' means 1.5 and older; '1.11' means 1.11 and newer. */
export type NetFlavour = '1.5' | '1.6' | '1.7' | '1.8' | '1.9' | '1.11';

export const NET_FLAVOURS: readonly NetFlavour[] = ['1.5', '1.6', '1.7', '1.8', '1.9', '1.11'];

export interface WeaveRepoInfo {
  repo: WeaveRepo;
  /** "weaveworks/weave" */
  github: string;
  /** For messages: "Weave", "reweave". */
  label: string;
  kubeImage: string;
  npcImage: string;
}

export const WEAVE_REPOS: Readonly<Record<WeaveRepo, WeaveRepoInfo>> = {
  weaveworks: { repo: 'weaveworks', github: 'weaveworks/weave', label: 'Weave', kubeImage: 'weaveworks/weave-kube', npcImage: 'weaveworks/weave-npc' },
  reweave: { repo: 'reweave', github: 'rajch/weave', label: 'reweave', kubeImage: 'rajchaudhuri/weave-kube', npcImage: 'rajchaudhuri/weave-npc' },
};

/**
 * weaveworks/weave releases from the first one with a Kubernetes 1.6 file (1.9.4) to the last (2.8.1),
 * oldest first: the "## Release" headings of CHANGELOG.md at v2.8.1 (which lists 2.0.3 and 2.1.0 too;
 * 2.1.1 reads "As 2.1.0, but fixing a couple of installation glitches").
 */
export const WEAVEWORKS_RELEASES = [
  '1.9.4', '1.9.5', '1.9.6', '1.9.7', '1.9.8',
  '2.0.0', '2.0.1', '2.0.2', '2.0.3', '2.0.4', '2.0.5',
  '2.1.0', '2.1.1', '2.1.2', '2.1.3',
  '2.2.0', '2.2.1',
  '2.3.0',
  '2.4.0', '2.4.1',
  '2.5.0', '2.5.1', '2.5.2',
  '2.6.0', '2.6.1', '2.6.2', '2.6.3', '2.6.4', '2.6.5',
  '2.7.0',
  '2.8.0', '2.8.1',
] as const;

/** rajch/weave releases: the tags v2.8.2 … v2.8.10 and v2.9.0 (reweave/CHANGELOG.md at v2.9.0, "## Release 2.8.2" … "## Release 2.9.0"). */
export const REWEAVE_RELEASES = ['2.8.2', '2.8.3', '2.8.4', '2.8.5', '2.8.6', '2.8.7', '2.8.8', '2.8.9', '2.8.10', '2.9.0'] as const;

/**
 * Which flavour files each repository's releases attached, as [first, last] release (inclusive):
 * weave-daemonset.yaml up to 2.5.x; -1.6 from 1.9.4 to 2.7.0; -1.7 from 2.0.5 to 2.7.0; -1.8 from 2.4.0;
 * -1.9 and -1.11 from 2.6.0 (the 2.6.0 -1.11 asset was attached by hand, weave PR #3735);
 * 2.8.x only -1.8/-1.9/-1.11 (1.6/1.7 removed in b7a9947c). rajch/weave v2.8.2 … v2.9.0 carry
 * prog/weave-kube/weave-daemonset-k8s-1.{8,9,11}.yaml at every tag.
 */
export const SHIPPED: Readonly<Record<WeaveRepo, Partial<Record<NetFlavour, readonly [string, string]>>>> = {
  weaveworks: {
    '1.5': ['1.9.4', '2.5.2'],
    '1.6': ['1.9.4', '2.7.0'],
    '1.7': ['2.0.5', '2.7.0'],
    '1.8': ['2.4.0', '2.8.1'],
    '1.9': ['2.6.0', '2.8.1'],
    '1.11': ['2.6.0', '2.8.1'],
  },
  reweave: {
    '1.8': ['2.8.2', '2.9.0'],
    '1.9': ['2.8.2', '2.9.0'],
    '1.11': ['2.8.2', '2.9.0'],
  },
};

// ---------------------------------------------------------------------------------------------
// Behaviour per release line

/**
 * weave-npc's NetworkPolicy semantics:
 * - 'legacy': only extensions/v1beta1 NetworkPolicies, pre-1.7 semantics (a namespace is isolated
 *   only by the net.beta.kubernetes.io/network-policy DefaultDeny annotation; policies only allow).
 * - 'v1-or-legacy-flag': networking.k8s.io/v1 with v1 semantics; with --use-legacy-netpol the legacy ones.
 * - 'v1': networking.k8s.io/v1 only, v1 semantics (no legacy mode).
 */
export type NpcMode = 'legacy' | 'v1-or-legacy-flag' | 'v1';

/**
 * How launch.sh reads NO_MASQ_LOCAL:
 * - 'not-read': the variable does not exist (before 2.4.0);
 * - 'set-means-on': `if [ -n "${NO_MASQ_LOCAL}" ]` (2.4.0-2.6.5): any non-empty value, "0" included, turns it on;
 * - 'on-unless-0': on by default, "0" turns it off (2.7.0: `NO_MASQ_LOCAL=${NO_MASQ_LOCAL:-1}` and `= "0"`; 2.8.x: `= "0"`).
 */
export type NoMasqLocalReading = 'not-read' | 'set-means-on' | 'on-unless-0';

/**
 * Which iptables tools weave uses:
 * - 'legacy': launch.sh has no backend choice (before 2.6.1): the image's iptables (legacy);
 * - 'detect': IPTABLES_BACKEND (nft|legacy) or detection: legacy when the host has >= 10 legacy rules
 *   or at least as many legacy as nft rules, else nft; the images default to legacy (2.6.1-2.8.x);
 * - 'nft-default': reweave 2.9.0: the images default to iptables-nft; weave-kube's launch.sh still
 *   detects (and links the legacy tools back when it detects legacy), but weave-npc's launch.sh only
 *   ever switches to nft, so weave-npc stays on nft unless the image is changed.
 */
export type IptablesBackend = 'legacy' | 'detect' | 'nft-default';

export interface ReleaseLine {
  repo: WeaveRepo;
  /** "2.7", "2.6.1-2.6.5", "reweave 2.8". */
  name: string;
  first: string;
  last: string;
  npc: NpcMode;
  /** launch.sh `CONN_LIMIT=${CONN_LIMIT:-N}`. */
  connLimitDefault: number;
  noMasqLocal: NoMasqLocalReading;
  iptablesBackend: IptablesBackend;
  /** The manifests set CHECKPOINT_DISABLE="1" themselves (reweave's do; weaveworks' never did). */
  manifestDisablesCheckpoint: boolean;
  /**
   * rbac.authorization.k8s.io version of the RBAC objects in the line's newest-Kubernetes (1.11) file, the one
   * clusters of 1.22+ get (v1beta1 is not served from 1.22): v1beta1 at v2.6.0, v1 from v2.6.1 (commit 5d0e44bb).
   */
  rbac: 'v1beta1' | 'v1';
  /** weaveworks/weave was archived (2024) and its images get no fixes. */
  archived: boolean;
  /** Tag + file the line's facts were read from. */
  sources: readonly string[];
}

const WW = (first: string, last: string, name: string, f: Omit<ReleaseLine, 'repo' | 'first' | 'last' | 'name' | 'archived' | 'manifestDisablesCheckpoint'>): ReleaseLine => ({
  repo: 'weaveworks',
  name,
  first,
  last,
  archived: true,
  manifestDisablesCheckpoint: false,
  ...f,
});

/**
 * The table, oldest first. Sources per column:
 * - npc: v1.9.8 and v2.0.5 prog/weave-npc/main.go (`client.Extensions()` "networkpolicies", no flag);
 *   v2.1.3 and v2.3.0 main.go (`--use-legacy-netpol`, Extensions() if legacy else NetworkingV1());
 *   v2.4.0 main.go (only NetworkingV1(); commit 07d31a85 "npc: Get rid of the legacy netpol", first tagged v2.4.0).
 * - connLimitDefault: prog/weave-kube/launch.sh line 32 (30 at v1.9.8 … v2.2.1, 100 at v2.3.0 … v2.5.2,
 *   200 at v2.6.0 …), rajch v2.9.0 line 51.
 * - noMasqLocal: launch.sh at v2.4.0/v2.6.5 (`-n`), v2.7.0 (`${NO_MASQ_LOCAL:-1}`), v2.8.1 and rajch v2.9.0 (`= "0"`).
 * - iptablesBackend: launch.sh at v2.6.0 (none), v2.6.1 … v2.8.1 (setup_iptables_backend), rajch v2.9.0
 *   launch.sh and prog/weave-npc/launch.sh, reweave/build/Dockerfile and CHANGELOG.md "Release 2.9.0".
 * - rbac: prog/weave-kube/weave-daemonset-k8s-1.11.yaml at v2.6.0 (v1beta1) and v2.6.1 … (v1).
 */
export const RELEASE_LINES: readonly ReleaseLine[] = [
  WW('1.9.4', '1.9.8', '1.9', { npc: 'legacy', connLimitDefault: 30, noMasqLocal: 'not-read', iptablesBackend: 'legacy', rbac: 'v1beta1', sources: ['v1.9.8:prog/weave-npc/main.go', 'v1.9.8:prog/weave-kube/launch.sh'] }),
  WW('2.0.0', '2.0.5', '2.0', { npc: 'legacy', connLimitDefault: 30, noMasqLocal: 'not-read', iptablesBackend: 'legacy', rbac: 'v1beta1', sources: ['v2.0.5:prog/weave-npc/main.go', 'v2.0.5:prog/weave-kube/launch.sh'] }),
  WW('2.1.0', '2.2.1', '2.1-2.2', { npc: 'v1-or-legacy-flag', connLimitDefault: 30, noMasqLocal: 'not-read', iptablesBackend: 'legacy', rbac: 'v1beta1', sources: ['v2.1.3:prog/weave-npc/main.go', 'v2.2.1:prog/weave-kube/launch.sh'] }),
  WW('2.3.0', '2.3.0', '2.3', { npc: 'v1-or-legacy-flag', connLimitDefault: 100, noMasqLocal: 'not-read', iptablesBackend: 'legacy', rbac: 'v1beta1', sources: ['v2.3.0:prog/weave-npc/main.go', 'v2.3.0:prog/weave-kube/launch.sh'] }),
  WW('2.4.0', '2.5.2', '2.4-2.5', { npc: 'v1', connLimitDefault: 100, noMasqLocal: 'set-means-on', iptablesBackend: 'legacy', rbac: 'v1beta1', sources: ['v2.4.0:prog/weave-npc/main.go', 'v2.5.2:prog/weave-kube/launch.sh'] }),
  WW('2.6.0', '2.6.0', '2.6.0', { npc: 'v1', connLimitDefault: 200, noMasqLocal: 'set-means-on', iptablesBackend: 'legacy', rbac: 'v1beta1', sources: ['v2.6.0:prog/weave-kube/launch.sh'] }),
  WW('2.6.1', '2.6.5', '2.6.1-2.6.5', { npc: 'v1', connLimitDefault: 200, noMasqLocal: 'set-means-on', iptablesBackend: 'detect', rbac: 'v1', sources: ['v2.6.5:prog/weave-kube/launch.sh'] }),
  WW('2.7.0', '2.7.0', '2.7', { npc: 'v1', connLimitDefault: 200, noMasqLocal: 'on-unless-0', iptablesBackend: 'detect', rbac: 'v1', sources: ['v2.7.0:prog/weave-kube/launch.sh'] }),
  WW('2.8.0', '2.8.1', '2.8', { npc: 'v1', connLimitDefault: 200, noMasqLocal: 'on-unless-0', iptablesBackend: 'detect', rbac: 'v1', sources: ['v2.8.1:prog/weave-kube/launch.sh', 'v2.8.1:prog/weave-kube/weave-daemonset-k8s-1.11.yaml'] }),
  {
    repo: 'reweave',
    name: 'reweave 2.8',
    first: '2.8.2',
    last: '2.8.10',
    npc: 'v1',
    connLimitDefault: 200,
    noMasqLocal: 'on-unless-0',
    iptablesBackend: 'detect',
    manifestDisablesCheckpoint: true,
    rbac: 'v1',
    archived: false,
    sources: ['rajch v2.8.10:prog/weave-kube/launch.sh', 'rajch v2.8.10:prog/weave-kube/weave-daemonset-k8s-1.11.yaml'],
  },
  {
    repo: 'reweave',
    name: 'reweave 2.9',
    first: '2.9.0',
    last: '2.9.0',
    npc: 'v1',
    connLimitDefault: 200,
    noMasqLocal: 'on-unless-0',
    iptablesBackend: 'nft-default',
    manifestDisablesCheckpoint: true,
    rbac: 'v1',
    archived: false,
    sources: ['rajch v2.9.0:prog/weave-kube/launch.sh', 'rajch v2.9.0:prog/weave-npc/launch.sh', 'rajch v2.9.0:CHANGELOG.md'],
  },
];

/** All releases of a repository, oldest first. */
export function releasesOf(repo: WeaveRepo): readonly string[] {
  return repo === 'reweave' ? REWEAVE_RELEASES : WEAVEWORKS_RELEASES;
}

/** Orders "2.10.0" after "2.9.0". */
export const compareWeave = compareDotted;

/** Which repository a version belongs to when the image does not say: 2.8.2+ is reweave, else weaveworks. */
export function repoOfVersion(version: string): WeaveRepo {
  return (REWEAVE_RELEASES as readonly string[]).includes(version) || compareWeave(version, '2.8.1') > 0 ? 'reweave' : 'weaveworks';
}

/**
 * The line of a release. A version weavectl does not list (a patch it does not know) falls in the line
 * whose range holds it; a version past the newest line is taken to behave like the newest line of its repository.
 * undefined before 1.9.4 (no Kubernetes manifests with weave-npc that weavectl knows).
 */
export function releaseLine(version: string, repo: WeaveRepo = repoOfVersion(version)): ReleaseLine | undefined {
  const lines = RELEASE_LINES.filter((l) => l.repo === repo);
  const hit = lines.find((l) => compareWeave(version, l.first) >= 0 && compareWeave(version, l.last) <= 0);
  if (hit) return hit;
  const newest = lines.at(-1)!;
  if (compareWeave(version, newest.last) > 0) return newest;
  // reweave versions before 2.8.2 are weaveworks releases.
  if (repo === 'reweave') return releaseLine(version, 'weaveworks');
  return undefined;
}

/** Whether the version is a release of the repository. */
export function isKnownRelease(version: string, repo: WeaveRepo): boolean {
  return releasesOf(repo).includes(version);
}

// ---------------------------------------------------------------------------------------------
// weave-npc

export const LEGACY_NETPOL_FLAG = '--use-legacy-netpol';

export interface NpcBehaviour {
  /** Pre-1.7 semantics: isolation by the namespace annotation; policies only allow; no egress. */
  legacy: boolean;
  /** The NetworkPolicy API weave-npc's informer watches. */
  watches: 'extensions/v1beta1' | 'networking.k8s.io/v1';
  /** "weave-npc 2.0.5 (v2.0.5 prog/weave-npc/main.go) watches only extensions/v1beta1 NetworkPolicies with pre-1.7 semantics" */
  reason: string;
  /**
   * The flag was given but this release has none (2.0.x, 2.4+): weave-npc's main.go ends with
   * `handleError(rootCmd.Execute())`, so cobra's "unknown flag" stops it before it enforces anything.
   */
  flagUnknown?: boolean;
}

/** What weave-npc of `version` enforces, with or without --use-legacy-netpol (v2.1.3 main.go). */
export function npcBehaviour(version: string, legacyFlag: boolean, repo?: WeaveRepo): NpcBehaviour | undefined {
  const line = releaseLine(version, repo);
  if (!line) return undefined;
  const who = `weave-npc ${version}`;
  const src = line.repo === 'reweave' ? `rajch v${version}` : `v${line.last}`;
  switch (line.npc) {
    case 'legacy':
      return {
        legacy: true,
        watches: 'extensions/v1beta1',
        reason: `${who} watches only extensions/v1beta1 NetworkPolicies with pre-1.7 semantics: a namespace is isolated only by its DefaultDeny annotation (${src} prog/weave-npc/main.go)`,
        ...(legacyFlag ? { flagUnknown: true } : {}),
      };
    case 'v1-or-legacy-flag':
      return legacyFlag
        ? {
            legacy: true,
            watches: 'extensions/v1beta1',
            reason: `${who} runs with ${LEGACY_NETPOL_FLAG}: it watches extensions/v1beta1 NetworkPolicies with pre-1.7 semantics, isolation by the DefaultDeny annotation (v2.1.3 prog/weave-npc/main.go)`,
          }
        : {
            legacy: false,
            watches: 'networking.k8s.io/v1',
            reason: `${who} watches networking.k8s.io/v1 NetworkPolicies with their v1 semantics (no ${LEGACY_NETPOL_FLAG}; v2.1.3 prog/weave-npc/main.go)`,
          };
    case 'v1':
      return {
        legacy: false,
        watches: 'networking.k8s.io/v1',
        reason: `${who} watches only networking.k8s.io/v1 NetworkPolicies with their v1 semantics (the legacy mode is gone from 2.4.0: v2.4.0 prog/weave-npc/main.go)`,
        ...(legacyFlag ? { flagUnknown: true } : {}),
      };
  }
}

/** Kubernetes minor versions that serve a NetworkPolicy API: extensions/v1beta1 1.3-1.15, networking.k8s.io/v1 from 1.7. */
export function servesNetpolApi(api: NpcBehaviour['watches'], k8sMinor: number): boolean {
  return api === 'networking.k8s.io/v1' ? k8sMinor >= 7 : k8sMinor >= 3 && k8sMinor < 16;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes support

/** The flavour a Kubernetes 1.x minor picks: <=1.5 -> 1.5, 1.6, 1.7, 1.8, 1.9 and 1.10 -> 1.9, >=1.11 -> 1.11. */
export function flavourForMinor(minor: number): NetFlavour {
  if (minor <= 5) return '1.5';
  if (minor === 6) return '1.6';
  if (minor === 7) return '1.7';
  if (minor === 8) return '1.8';
  if (minor <= 10) return '1.9';
  return '1.11';
}

/** The flavours a release shipped, in NET_FLAVOURS order. */
export function flavoursOf(version: string, repo: WeaveRepo): NetFlavour[] {
  if (!isKnownRelease(version, repo)) return [];
  return NET_FLAVOURS.filter((f) => {
    const r = SHIPPED[repo][f];
    return r !== undefined && compareWeave(version, r[0]) >= 0 && compareWeave(version, r[1]) <= 0;
  });
}

export interface K8sFit {
  /** The release has a manifest the cluster accepts. */
  installs: boolean;
  /** weave-npc (as installed by default) can enforce NetworkPolicy there. */
  npcEnforces: boolean;
  /** One line per problem, empty when both hold. */
  reasons: string[];
}

/**
 * Whether a release runs on Kubernetes 1.`minor` (its manifest flavours, the RBAC API of its manifests)
 * and whether its weave-npc (default flags) can enforce anything there (the API it watches).
 */
export function k8sFit(version: string, repo: WeaveRepo, minor: number): K8sFit {
  const reasons: string[] = [];
  const flavour = flavourForMinor(minor);
  const shipped = flavoursOf(version, repo);
  const label = `${WEAVE_REPOS[repo].label} ${version}`;
  let installs = true;
  if (!shipped.includes(flavour)) {
    installs = false;
    reasons.push(`${label} has no manifest for Kubernetes 1.${minor} (its files: Kubernetes ${shipped.join(', ') || 'none'})`);
  }
  const line = releaseLine(version, repo);
  if (installs && line?.rbac === 'v1beta1' && minor >= 22 && flavour !== '1.5') {
    installs = false;
    reasons.push(`${label} has RBAC objects of rbac.authorization.k8s.io/v1beta1 in its 1.11 manifest, which Kubernetes 1.22 and newer no longer serve`);
  }
  let npcEnforces = true;
  const npc = npcBehaviour(version, false, repo);
  if (npc && !servesNetpolApi(npc.watches, minor)) {
    npcEnforces = false;
    reasons.push(
      npc.watches === 'networking.k8s.io/v1'
        ? `weave-npc ${version} watches only networking.k8s.io/v1 NetworkPolicies, which Kubernetes 1.${minor} does not serve (from 1.7): no NetworkPolicy is enforced`
        : `weave-npc ${version} watches only extensions/v1beta1 NetworkPolicies, which Kubernetes 1.${minor} does not serve: no NetworkPolicy is enforced`,
    );
  }
  return { installs, npcEnforces, reasons };
}

// ---------------------------------------------------------------------------------------------
// Settings whose meaning or default moves between lines

/** Whether the no-masq-local feature is on for a value of NO_MASQ_LOCAL (undefined = not set) under a release. */
export function noMasqLocalOn(line: ReleaseLine, value: string | undefined): boolean {
  switch (line.noMasqLocal) {
    case 'not-read':
      return false;
    case 'set-means-on':
      return value !== undefined && value !== '';
    case 'on-unless-0':
      return value !== '0';
  }
}

/**
 * The NO_MASQ_LOCAL value to write for `on` under a release (undefined: leave the variable out).
 * 'set-means-on': on -> "1", off -> unset (no value turns it off); 'on-unless-0': on -> "1", off -> "0";
 * 'not-read': unset (the release has no such feature).
 */
export function noMasqLocalEnv(line: ReleaseLine, on: boolean): string | undefined {
  switch (line.noMasqLocal) {
    case 'not-read':
      return undefined;
    case 'set-means-on':
      return on ? '1' : undefined;
    case 'on-unless-0':
      return on ? '1' : '0';
  }
}

export function describeNoMasqLocal(r: NoMasqLocalReading): string {
  switch (r) {
    case 'not-read':
      return 'not read (no such setting)';
    case 'set-means-on':
      return 'off unless set; any value, "0" included, turns it on';
    case 'on-unless-0':
      return 'on unless "0"';
  }
}

/** `--weave-version` for a repository: the release, or a usageError naming the alternatives. */
export function requireRelease(version: string, repo: WeaveRepo): string {
  if (isKnownRelease(version, repo)) return version;
  const other: WeaveRepo = repo === 'weaveworks' ? 'reweave' : 'weaveworks';
  const list = releasesOf(repo);
  throw usageError(
    `${WEAVE_REPOS[repo].label} ${version} is not a ${WEAVE_REPOS[repo].github} release weavectl knows (${list[0]}-${list.at(-1)})`,
    isKnownRelease(version, other) ? `${version} is a ${WEAVE_REPOS[other].github} release: add --weave-repo ${other}` : 'weavectl versions lists the releases',
  );
}
