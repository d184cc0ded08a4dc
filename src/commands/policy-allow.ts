/**
 * `weavectl policy allow -n NS --to SELECTOR [--from ...] [--port ...] [--name NAME]`: builds the
 * NetworkPolicy with the policy core's buildAllow and server-side applies it (field manager
 * weavectl; the cluster layer falls back to create/merge patch on servers without apply), in the
 * API version the cluster serves. Every flag is checked before the cluster is asked anything, and
 * again against the cluster's version before anything is written.
 */
import { stringify } from 'yaml';
import type { KubeObject } from '../cluster/types.js';
import { usageError } from '../errors.js';
import { parseK8sVersion } from '../manifest/k8s-version.js';
import type { Reporter } from '../output/reporter.js';
import { printResult } from '../output/print.js';
import {
  buildAllow,
  createEvaluator,
  describePolicy,
  describeTargets,
  hasLegacyDefaultDeny,
  matchesSelector,
  renderPolicyYaml,
  weaveNpcCaveats,
  type AllowOptions,
  type K8sVersionLike,
  type NetpolApiVersion,
  type NetworkPolicy,
} from '../policy/index.js';
import { FIELD_MANAGER } from '../deploy/apply.js';
import { requireServerDryRun } from '../deploy/version.js';
import { openCluster } from './cluster-session.js';
import { reporterFor, type Globals } from './global.js';
import {
  decidedByLine,
  enforcementWarning,
  refuseUnenforceable,
  servedNetpolApis,
  weaveVersionFlag,
  listLivePods,
  listNamespaces,
  listPolicies,
  netpolApiVersion,
  printable,
  readWeaveNpc,
  requireNamespace,
  semanticsOf,
  serverVersion,
  warnVersionFlag,
} from '../policy/cluster.js';
import { resourceName } from '../deploy/print.js';

export interface AllowFlags {
  to: string;
  from?: string;
  fromNamespace?: string;
  fromNamespaceName?: string;
  fromCidr?: string;
  except: string[];
  port: string[];
  name?: string;
  k8sVersion?: string;
  /** With --dry-run=client: the Weave Net release whose weave-npc decides the semantics. */
  weaveVersion?: string;
  forceConflicts?: boolean;
}

/** The buildAllow options of the flags, for a cluster version and API version when known. */
export function allowOptions(namespace: string, f: AllowFlags, k8s?: K8sVersionLike, apiVersion?: NetpolApiVersion): AllowOptions {
  return {
    namespace,
    to: f.to,
    ...(f.from !== undefined ? { from: f.from } : {}),
    ...(f.fromNamespace !== undefined ? { fromNamespace: f.fromNamespace } : {}),
    ...(f.fromNamespaceName !== undefined ? { fromNamespaceName: f.fromNamespaceName } : {}),
    ...(f.fromCidr !== undefined ? { fromCidr: f.fromCidr } : {}),
    ...(f.except.length > 0 ? { except: f.except } : {}),
    ...(f.port.length > 0 ? { ports: f.port } : {}),
    ...(f.name !== undefined ? { name: f.name } : {}),
    ...(k8s !== undefined ? { k8s } : {}),
    ...(apiVersion !== undefined ? { apiVersion } : {}),
  };
}

function describe(p: NetworkPolicy, reporter: Reporter, legacy = false): void {
  for (const line of describePolicy(p, { legacy })) reporter.info(`  ${line}`);
}

export async function runAllow(f: AllowFlags, g: Globals): Promise<void> {
  const reporter = reporterFor(g);
  if (!g.namespaceSet) {
    throw usageError('policy allow needs -n NAMESPACE: the namespace of the pods that receive', 'e.g. weavectl policy allow -n prod --to run=iperf-prod-1 --from run=iperf-prod-1');
  }
  const namespace = g.namespace;
  const flagVersion = f.k8sVersion !== undefined ? parseK8sVersion(f.k8sVersion) : undefined;
  // Every selector, port and CIDR is checked here, before any cluster is asked.
  const draft = buildAllow(allowOptions(namespace, f, flagVersion));
  const weaveFlag = weaveVersionFlag(f.weaveVersion, g);

  if (g.dryRun === 'client') {
    let legacy = false;
    if (weaveFlag) {
      const sem = semanticsOf(flagVersion ?? parseK8sVersion('1.8'), { npc: 'running', legacyFlag: false, weaveVersion: weaveFlag.version, repo: weaveFlag.repo });
      refuseUnenforceable(sem, `networkpolicy ${namespace}/${draft.metadata.name}`);
      reporter.info(`Semantics ${decidedByLine(sem, '--weave-version')}`);
      legacy = sem.legacy;
    }
    const draftName = resourceName({ apiVersion: String(draft.apiVersion), kind: 'NetworkPolicy', name: draft.metadata.name });
    await printResult(reporter, g.output, {
      yamlText: () => renderPolicyYaml(draft),
      json: () => draft,
      name: () => draftName,
      text: () => `${draftName} created (dry run)`,
    });
    describe(draft, reporter, legacy);
    for (const c of weaveNpcCaveats(draft, weaveFlag ? { weaveVersion: weaveFlag.version } : {})) reporter.warn(c);
    return;
  }

  const cluster = await openCluster(g, reporter);
  try {
    if (g.dryRun === 'server') await requireServerDryRun(cluster);
    const k8s = await serverVersion(cluster);
    warnVersionFlag(flagVersion, k8s, reporter);
    const apiVersion = await netpolApiVersion(cluster, k8s);
    // Again for this cluster: a peer or port its version cannot hold is refused before anything is written.
    const policy = buildAllow(allowOptions(namespace, f, k8s, apiVersion));
    const [weave, served] = await Promise.all([readWeaveNpc(cluster, reporter), servedNetpolApis(cluster)]);
    const sem = semanticsOf(k8s, weave, served);
    refuseUnenforceable(sem, `networkpolicy ${namespace}/${policy.metadata.name}`);
    const nsObj = await requireNamespace(cluster, namespace);
    const [existing, pods, namespaces] = await Promise.all([listPolicies(cluster, apiVersion, namespace), listLivePods(cluster, namespace), listNamespaces(cluster)]);

    const res = await cluster.apply(policy as unknown as KubeObject, {
      fieldManager: FIELD_MANAGER,
      force: Boolean(f.forceConflicts),
      dryRun: g.dryRun === 'server',
    });
    const name = resourceName({ apiVersion, kind: 'NetworkPolicy', name: policy.metadata.name });
    reporter.success(`${name} ${res.result}${g.dryRun === 'server' ? ' (server dry run)' : ''}`);
    describe(policy, reporter, sem.legacy);
    reporter.info(`${sem.legacy ? 'Legacy' : 'Standard'} semantics, ${decidedByLine(sem)}`);

    const enforcement = enforcementWarning(weave);
    if (enforcement) reporter.warn(enforcement);
    for (const c of weaveNpcCaveats(policy, weave.weaveVersion ? { weaveVersion: weave.weaveVersion } : {})) reporter.warn(c);
    const target = describeTargets(policy.spec.podSelector, namespace);
    const selected = pods.filter((p) => !p.hostNetwork && matchesSelector(policy.spec.podSelector, p.labels));
    if (selected.length === 0) reporter.warn(`--to ${JSON.stringify(f.to)}: no pod in ${namespace} has these labels yet (the policy applies to ${target} when they start)`);
    if (sem.legacy) {
      if (!hasLegacyDefaultDeny(nsObj.metadata.annotations)) {
        reporter.warn(`namespace ${namespace} is not isolated, so under legacy semantics this policy changes nothing yet: weavectl policy isolate ${namespace} isolates it`);
      }
    } else {
      // A policy that selects a pod isolates it: say so when it closes pods that were open to everything.
      const before = createEvaluator({ policies: existing.filter((p) => p.metadata.name !== policy.metadata.name), namespaces });
      const opened = selected.filter((p) => before.isolation(p).ingress.length === 0);
      if (opened.length > 0) {
        const names = opened.slice(0, 3).map((p) => `${p.namespace}/${p.name}`).join(', ') + (opened.length > 3 ? `, and ${opened.length - 3} more` : '');
        reporter.info(`note: ${names} accepted all traffic before; now only what NetworkPolicies allow (a policy that selects a pod isolates it)`);
      }
    }
    // text: the result line was printed when the policy was written
    await printResult(reporter, g.output, {
      yamlText: () => stringify(printable(res.object), { indentSeq: false, lineWidth: 0 }),
      json: () => printable(res.object),
      name: () => name,
    });
  } finally {
    cluster.close();
  }
}
