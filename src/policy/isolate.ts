/**
 * The flow of `weavectl policy isolate NAMESPACE [--undo] [--egress]` (flags and printing in
 * src/commands/policy-isolate.ts): make a namespace's pods accept only what
 * a NetworkPolicy allows, and undo exactly that.
 *
 * - Kubernetes 1.7+ (standard semantics): a default-deny NetworkPolicy per direction,
 *   `default-deny-ingress` (and `default-deny-egress` with --egress), server-side applied.
 * - Before 1.7, or when weave-npc runs with --use-legacy-netpol: the namespace annotation
 *   net.beta.kubernetes.io/network-policy={"ingress":{"isolation":"DefaultDeny"}}. The Namespace
 *   is someone else's object: the write carries that one annotation and nothing else (server-side
 *   apply owns only the fields it sends; on servers without it the cluster layer sends the same
 *   body as a JSON merge patch, which touches only that key).
 *
 * Idempotent: an already isolated namespace (by our policy, another default-deny policy, or the
 * annotation) is left alone and said so. --undo removes only the policy or annotation isolate
 * writes, refuses to delete a policy of that name that is not a default deny, and says what still
 * isolates the namespace.
 */
import type { Cluster, KubeObject } from '../cluster/types.js';
import { failure, usageError, type WeavectlError } from '../errors.js';
import { formatMinor, parseK8sVersion, type K8sVersion } from '../manifest/k8s-version.js';
import type { Reporter } from '../output/reporter.js';
import {
  buildDefaultDeny,
  effectivePolicyTypes,
  hasLegacyDefaultDeny,
  isEmptySelector,
  isolationMethodFor,
  LEGACY_ANNOTATION,
  legacyIsolationAnnotation,
  type Direction,
  type NetpolApiVersion,
  type NetworkPolicy,
} from '../policy/index.js';
import { FIELD_MANAGER } from '../deploy/apply.js';
import { resourceName } from '../deploy/print.js';
import { requireServerDryRun } from '../deploy/version.js';
import type { DryRun } from '../output/formats.js';
import {
  decidedByLine,
  enforcementWarning,
  listPolicies,
  netpolApiVersion,
  readWeaveNpc,
  refuseUnenforceable,
  requireNamespace,
  semanticsOf,
  servedNetpolApis,
  serverVersion,
  warnVersionFlag,
  type Semantics,
} from './cluster.js';
import type { WeaveRepo } from '../weave/releases.js';

export interface IsolateOptions {
  undo?: boolean;
  egress?: boolean;
  k8sVersion?: string;
  /** With --dry-run=client: the Weave Net release whose weave-npc decides the semantics. */
  weaveVersion?: string;
}

export type IsolateAction = 'created' | 'configured' | 'unchanged' | 'deleted' | 'annotated' | 'unannotated';

/** The -o json shape of `policy isolate`. */
export interface IsolateResult {
  namespace: string;
  /** How this cluster isolates a namespace. */
  method: 'policy' | 'annotation';
  semantics: 'standard' | 'legacy';
  /** What decided the semantics: the weave-npc release ("weaveworks 2.0.5") or the Kubernetes version. */
  decidedBy: string;
  semanticsReason: string;
  undo: boolean;
  dryRun: DryRun;
  /** What was written or deleted (or would be, in a dry run). */
  changes: { direction: Direction; object: string; action: IsolateAction }[];
  /** Directions left alone, and why. */
  unchanged: { direction: Direction; reason: string }[];
  /** What still isolates the namespace after --undo, and other remarks. */
  notes: string[];
}

/** The cluster calls isolate makes. */
export type IsolateCluster = Pick<Cluster, 'version' | 'serves' | 'get' | 'list' | 'apply' | 'delete'>;

const DEFAULT_DENY_NAME: Record<Direction, string> = { ingress: 'default-deny-ingress', egress: 'default-deny-egress' };
const ISOLATED_MEANS: Record<Direction, string> = {
  ingress: 'its pods accept only the traffic a NetworkPolicy allows',
  egress: 'its pods send only the traffic a NetworkPolicy allows',
};

/** True when the policy selects every pod and admits nothing in that direction (a default deny). */
export function isDefaultDeny(p: NetworkPolicy, dir: Direction): boolean {
  if (!isEmptySelector(p.spec?.podSelector)) return false;
  const types = effectivePolicyTypes(p);
  if (dir === 'ingress') return types.includes('Ingress') && (p.spec.ingress ?? []).length === 0;
  return types.includes('Egress') && (p.spec.egress ?? []).length === 0;
}

/** The Namespace object isolate applies: its name and the one annotation, nothing else. */
export function annotationApplyBody(namespace: string, isolate: boolean, withNull: boolean): KubeObject {
  const a = legacyIsolationAnnotation();
  const metadata: KubeObject['metadata'] = { name: namespace };
  if (isolate) metadata.annotations = { [a.key]: a.value };
  else if (withNull) metadata.annotations = { [a.key]: null as unknown as string };
  return { apiVersion: 'v1', kind: 'Namespace', metadata };
}

/** The field managers that own one annotation of an object (from managedFields). */
export function annotationOwners(obj: KubeObject, key: string): string[] {
  const out: string[] = [];
  for (const mf of (obj.metadata.managedFields ?? []) as { manager?: string; fieldsV1?: Record<string, unknown> }[]) {
    const ann = (mf?.fieldsV1?.['f:metadata'] as Record<string, unknown> | undefined)?.['f:annotations'] as Record<string, unknown> | undefined;
    if (ann && Object.prototype.hasOwnProperty.call(ann, `f:${key}`) && mf.manager && !out.includes(mf.manager)) out.push(mf.manager);
  }
  return out;
}

function directionsOf(f: IsolateOptions): Direction[] {
  return f.egress ? ['ingress', 'egress'] : ['ingress'];
}

/** What isolate wrote or left (the result), and the objects it wrote or found in place (for -o yaml|name). */
export interface IsolateOutcome {
  result: IsolateResult;
  written: KubeObject[];
}

/**
 * Isolates (or, with undo, un-isolates) a namespace on the cluster, as its weave-npc enforces it.
 * `flagVersion`: --k8s-version, only warned about when it differs (the cluster's version decides).
 */
export async function isolateOnCluster(
  cluster: IsolateCluster,
  namespace: string,
  f: IsolateOptions,
  flagVersion: K8sVersion | undefined,
  g: { dryRun: DryRun },
  reporter: Reporter,
): Promise<IsolateOutcome> {
  {
    if (g.dryRun === 'server') await requireServerDryRun(cluster);
    const k8s = await serverVersion(cluster);
    warnVersionFlag(flagVersion, k8s, reporter);
    const [weave, served] = await Promise.all([readWeaveNpc(cluster, reporter), servedNetpolApis(cluster)]);
    const sem = semanticsOf(k8s, weave, served);
    const method = sem.legacy ? 'annotation' : 'policy';
    const dirs = directionsOf(f);
    if (method === 'annotation' && f.egress) {
      throw usageError(`--egress: ${sem.reason.split(':')[0]}, and legacy semantics have no egress isolation`);
    }
    if (!f.undo) refuseUnenforceable(sem, `isolating namespace ${namespace}`);
    const enforcement = enforcementWarning(weave, f.undo ? sem : undefined);
    if (enforcement) reporter.warn(enforcement);
    const nsObj = await requireNamespace(cluster, namespace);
    const result: IsolateResult = {
      namespace,
      method,
      semantics: sem.legacy ? 'legacy' : 'standard',
      decidedBy: decidedByText(sem),
      semanticsReason: sem.reason,
      undo: Boolean(f.undo),
      dryRun: g.dryRun,
      changes: [],
      unchanged: [],
      notes: [],
    };
    const suffix = g.dryRun === 'server' ? ' (server dry run)' : '';
    const written: KubeObject[] = [];
    if (method === 'policy') {
      const apiVersion = await netpolApiVersion(cluster, k8s);
      // Built (and refused) before anything is read or written.
      const wanted = dirs.map((d) => ({ dir: d, policy: buildDefaultDeny({ namespace, ingress: d === 'ingress', egress: d === 'egress', name: DEFAULT_DENY_NAME[d], apiVersion, k8s }) }));
      const existing = await listPolicies(cluster, apiVersion, namespace);
      if (f.undo) await undoPolicies(cluster, wanted, existing, apiVersion, result, g, reporter, suffix);
      else await isolatePolicies(cluster, wanted, existing, result, written, g, reporter, suffix);
      if (hasLegacyDefaultDeny(nsObj.metadata.annotations)) {
        result.notes.push(
          `namespace ${namespace} also carries the pre-1.7 annotation ${LEGACY_ANNOTATION}, which Kubernetes 1.7+ and weave-npc (without --use-legacy-netpol) ignore`,
        );
      }
    } else {
      await annotation(cluster, nsObj, k8s, result, written, g, reporter, suffix, Boolean(f.undo));
    }
    reporter.info(`${sem.legacy ? 'Legacy' : 'Standard'} semantics, ${decidedByLine(sem)}`);
    for (const n of result.notes) reporter.info(n);
    return { result, written };
  }
}

/** The default-deny policy isolate writes (or undo deletes) for one direction. */
interface WantedPolicy {
  dir: Direction;
  policy: NetworkPolicy;
}

/**
 * Isolate and undo refuse before they write or delete anything: a policy with the name isolate writes
 * that is not a default deny for its direction was not written by isolate, so it is not isolate's to
 * change or delete. `refusal` words the error for the one who refuses.
 */
function refuseNotOurs(
  wanted: WantedPolicy[],
  existing: NetworkPolicy[],
  refusal: (name: string, dir: Direction) => WeavectlError,
): void {
  for (const { dir, policy } of wanted) {
    const same = existing.find((p) => p.metadata.name === policy.metadata.name);
    if (same && !isDefaultDeny(same, dir)) throw refusal(policy.metadata.name, dir);
  }
}

async function isolatePolicies(
  cluster: IsolateCluster,
  wanted: WantedPolicy[],
  existing: NetworkPolicy[],
  result: IsolateResult,
  written: KubeObject[],
  g: { dryRun: DryRun },
  reporter: Reporter,
  suffix: string,
): Promise<void> {
  const ns = result.namespace;
  refuseNotOurs(wanted, existing, (name, dir) =>
    failure(`networkpolicy ${ns}/${name} exists and is not a default deny for ${dir}: nothing was changed`, `see it with: kubectl get networkpolicy -n ${ns} ${name} -o yaml`),
  );
  for (const { dir, policy } of wanted) {
    const by = existing.find((p) => p.metadata.name === policy.metadata.name) ?? existing.find((p) => isDefaultDeny(p, dir));
    if (by) {
      const reason = `already isolated for ${dir} by ${ns}/${by.metadata.name}`;
      result.unchanged.push({ direction: dir, reason });
      reporter.info(`namespace ${ns} is ${reason}: nothing changed`);
      written.push(by as unknown as KubeObject);
      continue;
    }
    const res = await cluster.apply(policy as unknown as KubeObject, { fieldManager: FIELD_MANAGER, dryRun: g.dryRun === 'server' });
    const object = resourceName({ apiVersion: String(policy.apiVersion), kind: 'NetworkPolicy', name: policy.metadata.name });
    result.changes.push({ direction: dir, object, action: res.result });
    written.push(res.object);
    reporter.success(`${object} ${res.result}${suffix}: namespace ${ns} is isolated for ${dir} (${ISOLATED_MEANS[dir]})`);
  }
}

async function undoPolicies(
  cluster: IsolateCluster,
  wanted: WantedPolicy[],
  existing: NetworkPolicy[],
  apiVersion: NetpolApiVersion,
  result: IsolateResult,
  g: { dryRun: DryRun },
  reporter: Reporter,
  suffix: string,
): Promise<void> {
  const ns = result.namespace;
  refuseNotOurs(wanted, existing, (name, dir) =>
    failure(
      `networkpolicy ${ns}/${name} is not a default deny for ${dir}, so weavectl policy isolate did not write it: nothing was deleted`,
      `delete it yourself if you mean to: kubectl delete networkpolicy -n ${ns} ${name}`,
    ),
  );
  for (const { dir, policy } of wanted) {
    const name = policy.metadata.name;
    const others = existing.filter((p) => p.metadata.name !== name && isDefaultDeny(p, dir)).map((p) => `${ns}/${p.metadata.name}`);
    const still = others.length > 0 ? `namespace ${ns} is still isolated for ${dir} by ${others.join(', ')} (not written by weavectl policy isolate)` : undefined;
    const object = resourceName({ apiVersion, kind: 'NetworkPolicy', name });
    const present = existing.some((p) => p.metadata.name === name);
    const deleted = present && (await cluster.delete({ apiVersion, kind: 'NetworkPolicy', namespace: ns, name }, { dryRun: g.dryRun === 'server' }));
    if (!deleted) {
      const reason = `no networkpolicy ${name} in namespace ${ns}: nothing to undo for ${dir}`;
      result.unchanged.push({ direction: dir, reason });
      reporter.info(reason);
      if (still) result.notes.push(still);
      continue;
    }
    result.changes.push({ direction: dir, object, action: 'deleted' });
    reporter.success(`${object} deleted${suffix}: ${still ?? `namespace ${ns} is no longer isolated for ${dir}`}`);
  }
  // What the directions we did not touch still do.
  if (!wanted.some((w) => w.dir === 'egress')) {
    const egress = existing.find((p) => p.metadata.name === DEFAULT_DENY_NAME.egress && isDefaultDeny(p, 'egress'));
    if (egress) result.notes.push(`namespace ${ns} stays isolated for egress by ${ns}/${egress.metadata.name}: add --egress to remove it too`);
  }
}

async function annotation(
  cluster: IsolateCluster,
  nsObj: KubeObject,
  k8s: K8sVersion,
  result: IsolateResult,
  written: KubeObject[],
  g: { dryRun: DryRun },
  reporter: Reporter,
  suffix: string,
  undo: boolean,
): Promise<void> {
  const ns = result.namespace;
  const a = legacyIsolationAnnotation();
  const current = nsObj.metadata.annotations?.[a.key];
  const isolated = hasLegacyDefaultDeny(nsObj.metadata.annotations);
  const dryRun = g.dryRun === 'server';
  if (!undo) {
    if (isolated) {
      const reason = 'already isolated for ingress by the DefaultDeny annotation';
      result.unchanged.push({ direction: 'ingress', reason });
      reporter.info(`namespace ${ns} is ${reason}: nothing changed`);
      written.push(nsObj);
      return;
    }
    if (current !== undefined) result.notes.push(`the annotation was ${JSON.stringify(current)}, which does not isolate: it is replaced`);
    const res = await cluster.apply(annotationApplyBody(ns, true, false), { fieldManager: FIELD_MANAGER, dryRun });
    result.changes.push({ direction: 'ingress', object: `namespace/${ns}`, action: 'annotated' });
    written.push(res.object);
    reporter.success(`namespace/${ns} annotated ${a.key}=${a.value}${suffix}: namespace ${ns} is isolated for ingress (${ISOLATED_MEANS.ingress})`);
    return;
  }
  if (current === undefined) {
    const reason = `namespace ${ns} has no ${a.key} annotation: nothing to undo`;
    result.unchanged.push({ direction: 'ingress', reason });
    reporter.info(reason);
    return;
  }
  if (!isolated) {
    const reason = `namespace ${ns} carries ${a.key}=${current}, which does not isolate and which weavectl policy isolate did not write: left alone`;
    result.unchanged.push({ direction: 'ingress', reason });
    reporter.info(reason);
    return;
  }
  // Without server-side apply (before 1.16) the cluster layer sends a JSON merge patch, where null removes
  // the key; with it, leaving the annotation out releases weavectl's ownership and the server drops it.
  const withNull = k8s.major === 1 && k8s.minor < 16;
  await cluster.apply(annotationApplyBody(ns, false, withNull), { fieldManager: FIELD_MANAGER, dryRun });
  if (!dryRun) {
    const after = await cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: ns });
    if (after?.metadata.annotations?.[a.key] !== undefined) {
      const owners = annotationOwners(after, a.key).filter((m) => m !== FIELD_MANAGER);
      throw failure(
        `the annotation ${a.key} on namespace ${ns} is still set${owners.length ? ` (owned by ${owners.join(', ')}, not by weavectl)` : ''}: namespace ${ns} is still isolated`,
        `remove it with: kubectl annotate namespace ${ns} ${a.key}-`,
      );
    }
  }
  result.changes.push({ direction: 'ingress', object: `namespace/${ns}`, action: 'unannotated' });
  reporter.success(`namespace/${ns} annotation ${a.key} removed${suffix}: namespace ${ns} is no longer isolated for ingress`);
}

/** "weaveworks 2.0.5" or "Kubernetes 1.6.13". */
function decidedByText(sem: Semantics): string {
  return sem.decidedBy === 'release' ? sem.release! : `Kubernetes ${sem.k8s.text}`;
}

/** --dry-run=client: what isolate would write (or delete), for the version of --k8s-version and the release of --weave-version. */
export function planIsolate(namespace: string, f: IsolateOptions, k8s: K8sVersion | undefined, weave: { version: string; repo: WeaveRepo } | undefined, reporter: Reporter): { result: IsolateResult; objects: object[] } {
  if (k8s === undefined) reporter.info('No --k8s-version and no cluster asked (--dry-run=client): rendering for Kubernetes 1.8 and later');
  let method = isolationMethodFor(k8s);
  let sem: Semantics | undefined;
  if (weave) {
    sem = semanticsOf(k8s ?? parseK8sVersion('1.8'), { npc: 'running', legacyFlag: false, weaveVersion: weave.version, repo: weave.repo });
    if (!f.undo) refuseUnenforceable(sem, `isolating namespace ${namespace}`);
    method = sem.legacy ? 'annotation' : 'policy';
  }
  const dirs = directionsOf(f);
  if (method === 'annotation' && f.egress) {
    throw usageError(sem ? `--egress: ${sem.reason.split(':')[0]}, and legacy semantics have no egress isolation` : `--egress: Kubernetes ${formatMinor(k8s!)} has no egress isolation (it came with policyTypes in 1.8)`);
  }
  const result: IsolateResult = {
    namespace,
    method,
    semantics: method === 'annotation' ? 'legacy' : 'standard',
    decidedBy: sem ? decidedByText(sem) : k8s ? `Kubernetes ${k8s.text}` : 'Kubernetes 1.8+',
    semanticsReason: sem ? sem.reason : method === 'annotation' ? 'Kubernetes before 1.7: isolation by the DefaultDeny annotation' : 'NetworkPolicy semantics of networking.k8s.io/v1',
    undo: Boolean(f.undo),
    dryRun: 'client',
    changes: [],
    unchanged: [],
    notes: [],
  };
  if (sem) reporter.info(`${sem.legacy ? 'Legacy' : 'Standard'} semantics, ${decidedByLine(sem, '--weave-version')}`);
  const objects: object[] = [];
  if (method === 'policy') {
    for (const dir of dirs) {
      const p = buildDefaultDeny({ namespace, ingress: dir === 'ingress', egress: dir === 'egress', name: DEFAULT_DENY_NAME[dir], ...(k8s ? { k8s } : {}) });
      objects.push(p);
      result.changes.push({ direction: dir, object: resourceName({ apiVersion: String(p.apiVersion), kind: 'NetworkPolicy', name: p.metadata.name }), action: f.undo ? 'deleted' : 'created' });
    }
  } else {
    objects.push(annotationApplyBody(namespace, true, false));
    result.changes.push({ direction: 'ingress', object: `namespace/${namespace}`, action: f.undo ? 'unannotated' : 'annotated' });
    if (!sem) result.notes.push('a cluster whose weave-npc runs with --use-legacy-netpol (or Weave Net 2.0.x) is isolated this way too, whatever its version');
  }
  return { result, objects };
}
