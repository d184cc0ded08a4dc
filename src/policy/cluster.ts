/**
 * What the `weavectl policy ...` and `weavectl npc ...` commands read from a cluster, shared:
 * the NetworkPolicy API version it serves, its pods, namespaces and policies as the policy core
 * wants them, the weave-net DaemonSet (which semantics weave-npc enforces, its version), and the
 * weave-net pods. Every function states the cluster calls it makes (a Pick of Cluster).
 */
import { versionsOf } from '../kube/kinds.js';
import type { Cluster, KubeObject } from '../cluster/types.js';
import { errorText, failure, usageError } from '../errors.js';
import { formatMinor, versionFromServer, type K8sVersion } from '../manifest/k8s-version.js';
import { parseImage } from '../manifest/images.js';
import type { Reporter } from '../output/reporter.js';
import { npcBehaviour, repoOfVersion, requireRelease, servesNetpolApi, WEAVE_REPOS, type WeaveRepo } from '../weave/releases.js';
import { parseWeaveVersion } from '../manifest/catalog.js';
import {
  apiVersionFor,
  isLivePod,
  namespaceFromObject,
  podFromObject,
  policyFromObject,
  type Namespace,
  type NetpolApiVersion,
  type NetworkPolicy,
  type Pod,
} from '../policy/index.js';

/** Where every Weave Net manifest puts the DaemonSet. */
import { NET_DAEMONSET, NET_POD_SELECTOR as WEAVE_POD_SELECTOR, NPC_CONTAINER, WEAVE_NAMESPACE, WEAVE_CONTAINER } from '../weave/names.js';

const LIST_PAGE = 500;


/** The server's Kubernetes version. */
export async function serverVersion(cluster: Pick<Cluster, 'version'>): Promise<K8sVersion> {
  return versionFromServer(await cluster.version());
}

/**
 * `--k8s-version` with a cluster: the cluster's version decides what is written (its served APIs),
 * so a different flag is only a warning.
 */
export function warnVersionFlag(v: K8sVersion | undefined, server: K8sVersion, reporter: Reporter): void {
  if (v === undefined) return;
  if (v.major !== server.major || v.minor !== server.minor) {
    reporter.warn(`--k8s-version ${formatMinor(v)} is ignored: the cluster runs Kubernetes ${server.text}, and its version decides (--k8s-version is for --dry-run=client)`);
  }
}

/** The NetworkPolicy API version to read and write: networking.k8s.io/v1 where served, else extensions/v1beta1. */
export async function netpolApiVersion(cluster: Pick<Cluster, 'serves'>, k8s: K8sVersion): Promise<NetpolApiVersion> {
  const served: string[] = [];
  for (const v of versionsOf('NetworkPolicy')) if (await cluster.serves(v, 'NetworkPolicy')) served.push(v);
  if (served.length === 0) {
    throw failure(`the cluster (Kubernetes ${k8s.text}) serves no NetworkPolicy API (neither networking.k8s.io/v1 nor extensions/v1beta1)`);
  }
  return apiVersionFor({ servedGroupVersions: served, k8s });
}

/** The NetworkPolicies of one namespace, or of all when namespace is undefined. */
export async function listPolicies(cluster: Pick<Cluster, 'list'>, apiVersion: NetpolApiVersion, namespace?: string): Promise<NetworkPolicy[]> {
  const res = await cluster.list({ apiVersion, kind: 'NetworkPolicy', ...(namespace ? { namespace } : {}) }, { limit: LIST_PAGE });
  return res.items.map((o) => policyFromObject(o)).sort(byNamespaceAndName);
}

export async function listNamespaces(cluster: Pick<Cluster, 'list'>): Promise<Namespace[]> {
  const res = await cluster.list({ apiVersion: 'v1', kind: 'Namespace' }, { limit: LIST_PAGE });
  return res.items.map((o) => namespaceFromObject(o)).sort((a, b) => cmp(a.name, b.name));
}

/** Pods that can send or receive traffic (not Succeeded/Failed), by namespace and name. */
export async function listLivePods(cluster: Pick<Cluster, 'list'>, namespace?: string): Promise<Pod[]> {
  const res = await cluster.list({ apiVersion: 'v1', kind: 'Pod', ...(namespace ? { namespace } : {}) }, { limit: LIST_PAGE });
  return res.items
    .filter((o) => isLivePod(o))
    .map((o) => podFromObject(o))
    .sort((a, b) => cmp(a.namespace, b.namespace) || cmp(a.name, b.name));
}

/** A Namespace object, or a failure naming it when it does not exist. */
export async function requireNamespace(cluster: Pick<Cluster, 'get'>, name: string): Promise<KubeObject> {
  const ns = await cluster.get({ apiVersion: 'v1', kind: 'Namespace', name });
  if (!ns) throw failure(`namespace "${name}" not found`, 'kubectl get namespaces lists the namespaces there are');
  return ns;
}

/** An object as kubectl prints it with -o yaml|json: without metadata.managedFields (kubectl's --show-managed-fields=false). */
export function printable(obj: KubeObject): KubeObject {
  if (!obj?.metadata || obj.metadata.managedFields === undefined) return obj;
  const { managedFields: _mf, ...metadata } = obj.metadata;
  return { ...obj, metadata: metadata as KubeObject['metadata'] };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byNamespaceAndName(a: NetworkPolicy, b: NetworkPolicy): number {
  return cmp(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || cmp(a.metadata.name, b.metadata.name);
}

// ---------------------------------------------------------------------------------------------
// weave-npc: which semantics it enforces

export interface WeaveNpcInfo {
  /** "kube-system/weave-net" when found. */
  daemonSet?: string;
  /** running: the DaemonSet has a weave-npc container; disabled: it has none; unknown: no DaemonSet found or readable. */
  npc: 'running' | 'disabled' | 'unknown';
  /** weave-npc runs with --use-legacy-netpol. */
  legacyFlag: boolean;
  /** The Weave Net release of the DaemonSet's images ("2.7.0"), when its tag says. */
  weaveVersion?: string;
  /** rajchaudhuri/* images are reweave's; weaveworks/* (or any other path) weaveworks'. */
  repo?: WeaveRepo;
  /** Why npc is unknown. */
  note?: string;
}

export interface Semantics {
  /** Pre-1.7 semantics: isolation by the namespace annotation, policies only grant, no egress. */
  legacy: boolean;
  /** Why: what the weave-npc release watches and enforces, or (release unknown) the Kubernetes version. */
  reason: string;
  /** What decided: the running weave-npc release (the release table) or, when it is unknown, the Kubernetes version. */
  decidedBy: 'release' | 'kubernetes';
  /** "weaveworks 2.0.5", when the release decided. */
  release?: string;
  /** The NetworkPolicy API weave-npc watches, when the release decided. */
  watches?: 'extensions/v1beta1' | 'networking.k8s.io/v1';
  /**
   * Why nothing written would be enforced by this release on this cluster (the API it watches is not
   * served, or it does not start with its flags); undefined when it can enforce.
   */
  unenforceable?: string;
  k8s: K8sVersion;
  weave: WeaveNpcInfo;
}

interface ContainerLike {
  name?: string;
  image?: string;
  args?: unknown[];
  command?: unknown[];
}

function containersOf(ds: KubeObject): ContainerLike[] {
  const c = ds.spec?.template?.spec?.containers;
  return Array.isArray(c) ? (c as ContainerLike[]) : [];
}

/** True when weave-npc's command line holds --use-legacy-netpol (bare, or =true/=1). */
export function hasLegacyNetpolFlag(container: ContainerLike | undefined): boolean {
  const argv = [...(container?.command ?? []), ...(container?.args ?? [])].map(String);
  return argv.some((a) => {
    const m = /^--?use-legacy-netpol(?:=(.*))?$/.exec(a.trim());
    return m !== null && (m[1] === undefined || /^(true|1|t|T|TRUE|True)$/.test(m[1]));
  });
}

/** What the weave-net DaemonSet says about weave-npc (pure, for tests). */
export function weaveNpcInfoOf(ds: KubeObject | undefined, where = `${WEAVE_NAMESPACE}/${NET_DAEMONSET}`): WeaveNpcInfo {
  if (!ds) return { npc: 'unknown', legacyFlag: false, note: `no DaemonSet ${where}` };
  const containers = containersOf(ds);
  const npc = containers.find((c) => c?.name === NPC_CONTAINER);
  const weave = containers.find((c) => c?.name === WEAVE_CONTAINER);
  // weave-npc's own image decides what it enforces; the weave container's when it has none.
  const images = [npc, weave].filter((c): c is ContainerLike => typeof c?.image === 'string').map((c) => parseImage(c.image!));
  const ref = images.find((r) => r.tag !== undefined && /^v?\d+\.\d+\.\d+$/.test(r.tag));
  const reweave = (r: { repository: string }) => [WEAVE_REPOS.reweave.npcImage, WEAVE_REPOS.reweave.kubeImage].some((p) => r.repository === p || r.repository.endsWith(`/${p}`));
  const repo: WeaveRepo | undefined = ref ? (reweave(ref) ? 'reweave' : 'weaveworks') : undefined;
  return {
    daemonSet: where,
    npc: npc ? 'running' : 'disabled',
    legacyFlag: hasLegacyNetpolFlag(npc),
    ...(ref?.tag ? { weaveVersion: ref.tag.replace(/^v/, '') } : {}),
    ...(repo ? { repo } : {}),
  };
}

/**
 * Reads the running Weave Net DaemonSet, wherever it runs: the same finder as install's guard (every
 * namespace; where listing them all is forbidden, kube-system), so the policy commands follow the
 * Weave Net that really enforces policy, not a fixed namespace (their -n names the policies' namespace).
 * A DaemonSet that cannot be read (RBAC) is reported, not fatal.
 */
export async function readWeaveNpc(cluster: Pick<Cluster, 'serves' | 'get' | 'list'>, reporter: Reporter): Promise<WeaveNpcInfo> {
  try {
    const { findRunningWeave } = await import('../weave/running.js');
    const found = await findRunningWeave(cluster, WEAVE_NAMESPACE, reporter);
    const ds = found.running[0];
    if (!ds) return weaveNpcInfoOf(undefined);
    const where = (o: KubeObject) => `${o.metadata.namespace ?? WEAVE_NAMESPACE}/${o.metadata.name}`;
    if (found.running.length > 1) {
      reporter.warn(`Weave Net runs more than once (${found.running.map(where).join(', ')}): policy semantics are read from ${where(ds)}`);
    }
    return weaveNpcInfoOf(ds, where(ds));
  } catch (err) {
    reporter.debug(`cannot read the weave-net DaemonSet: ${errorText(err)}`);
    return { npc: 'unknown', legacyFlag: false, note: `cannot read the weave-net DaemonSet (${errorText(err)})` };
  }
}

/**
 * The semantics to evaluate with, decided by the running weave-npc release (src/weave/releases.ts:
 * 2.0.x legacy only; 2.1-2.3 v1, or legacy with --use-legacy-netpol; 2.4+ v1 only). When the release
 * is unknown (no DaemonSet, an image without a version tag), by the Kubernetes version: legacy before
 * 1.7 or with --use-legacy-netpol. `served` says whether the cluster serves a NetworkPolicy API
 * (default: by the Kubernetes version).
 */
export function semanticsOf(k8s: K8sVersion, weave: WeaveNpcInfo, served?: (api: 'extensions/v1beta1' | 'networking.k8s.io/v1') => boolean): Semantics {
  const behaviour = weave.npc !== 'disabled' && weave.weaveVersion ? npcBehaviour(weave.weaveVersion, weave.legacyFlag, weave.repo) : undefined;
  if (behaviour) {
    const isServed = served ?? ((api) => k8s.major !== 1 || servesNetpolApi(api, k8s.minor));
    const release = `${weave.repo ?? 'weaveworks'} ${weave.weaveVersion}`;
    let unenforceable: string | undefined;
    if (behaviour.flagUnknown) {
      unenforceable = `weave-npc ${weave.weaveVersion} has no --use-legacy-netpol flag (only 2.1.0-2.3.x have it), so it exits on start ("unknown flag") and enforces nothing; remove the flag from the weave-npc container`;
    } else if (!isServed(behaviour.watches)) {
      unenforceable =
        behaviour.watches === 'networking.k8s.io/v1'
          ? `weave-npc ${weave.weaveVersion} watches only networking.k8s.io/v1 NetworkPolicies, which Kubernetes ${k8s.text} does not serve (it came in 1.7): nothing written would be enforced; run Weave Net 2.0.x here, or 2.1-2.3 with weave-npc --use-legacy-netpol (weavectl versions lists them), or upgrade Kubernetes`
          : `weave-npc ${weave.weaveVersion} watches only extensions/v1beta1 NetworkPolicies, which Kubernetes ${k8s.text} does not serve: nothing written would be enforced; upgrade Weave Net (2.1+ watches networking.k8s.io/v1)`;
    }
    return { legacy: behaviour.legacy, reason: behaviour.reason, decidedBy: 'release', release, watches: behaviour.watches, ...(unenforceable ? { unenforceable } : {}), k8s, weave };
  }
  const unknown = weave.npc === 'disabled' ? '' : ` (the weave-npc release is unknown${weave.note ? `: ${weave.note}` : ''}; decided by the Kubernetes version)`;
  if (k8s.major === 1 && k8s.minor < 7) {
    return { legacy: true, reason: `Kubernetes ${k8s.text} predates 1.7: namespaces are isolated by the DefaultDeny annotation and policies only allow${unknown}`, decidedBy: 'kubernetes', k8s, weave };
  }
  if (weave.legacyFlag) {
    return { legacy: true, reason: `weave-npc runs with --use-legacy-netpol: namespaces are isolated by the DefaultDeny annotation and policies only allow${unknown}`, decidedBy: 'kubernetes', k8s, weave };
  }
  return { legacy: false, reason: `Kubernetes ${k8s.text}: NetworkPolicy semantics of networking.k8s.io/v1${unknown}`, decidedBy: 'kubernetes', k8s, weave };
}

/** One line for people: "semantics decided by weave-npc 2.0.5 (weaveworks): ..." */
export function decidedByLine(sem: Semantics, source = 'the running release'): string {
  return sem.decidedBy === 'release' ? `decided by ${source}, ${sem.release}: ${sem.reason}` : `decided by the Kubernetes version: ${sem.reason}`;
}

/** Refuses a write that the running weave-npc would not enforce (failure, exit 1). */
export function refuseUnenforceable(sem: Semantics, what: string): void {
  if (sem.unenforceable) throw failure(`${what} would not be enforced: ${sem.unenforceable}; nothing was changed`, 'weavectl versions --k8s-version ' + `${sem.k8s.major}.${sem.k8s.minor}` + ' lists the releases that enforce NetworkPolicy there');
}

/** Whether the cluster serves each NetworkPolicy API (for semanticsOf). */
export async function servedNetpolApis(cluster: Pick<Cluster, 'serves'>): Promise<(api: 'extensions/v1beta1' | 'networking.k8s.io/v1') => boolean> {
  const [ext, v1] = await Promise.all([cluster.serves('extensions/v1beta1', 'NetworkPolicy'), cluster.serves('networking.k8s.io/v1', 'NetworkPolicy')]);
  return (api) => (api === 'networking.k8s.io/v1' ? v1 : ext);
}

/** --weave-version: only with --dry-run=client (with a cluster, the running weave-npc decides). */
export function weaveVersionFlag(text: string | undefined, g: { dryRun: string }): { version: string; repo: WeaveRepo } | undefined {
  if (text === undefined) return undefined;
  if (g.dryRun !== 'client') throw usageError('--weave-version goes with --dry-run=client: with a cluster, the weave-npc release that runs there decides');
  const version = parseWeaveVersion(text);
  const repo = repoOfVersion(version);
  requireRelease(version, repo);
  return { version, repo };
}

/** Version and weave-npc, read together. */
export async function readSemantics(cluster: Pick<Cluster, 'version' | 'serves' | 'get' | 'list'>, reporter: Reporter): Promise<Semantics> {
  const [k8s, weave, served] = await Promise.all([serverVersion(cluster), readWeaveNpc(cluster, reporter), servedNetpolApis(cluster)]);
  const s = semanticsOf(k8s, weave, served);
  reporter.debug(`semantics: ${s.legacy ? 'legacy' : 'standard'} (${decidedByLine(s)})`);
  return s;
}

/** A warning worth printing once when nothing enforces the answer. */
export function enforcementWarning(weave: WeaveNpcInfo, sem?: Semantics): string | undefined {
  if (weave.npc === 'disabled') {
    return `Weave Net runs without weave-npc (DaemonSet ${weave.daemonSet} has no ${NPC_CONTAINER} container): no NetworkPolicy is enforced, whatever the policies say`;
  }
  if (sem?.unenforceable) return sem.unenforceable;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// weave-net pods

/** The weave-net pods of a namespace, by node name. */
export async function listWeavePods(cluster: Pick<Cluster, 'list'>, namespace: string): Promise<KubeObject[]> {
  const res = await cluster.list({ apiVersion: 'v1', kind: 'Pod', namespace }, { labelSelector: WEAVE_POD_SELECTOR, limit: LIST_PAGE });
  const node = (p: KubeObject) => String(p.spec?.nodeName ?? '');
  return res.items.sort((a, b) => node(a).localeCompare(node(b), 'en', { numeric: true }) || cmp(a.metadata.name, b.metadata.name));
}
