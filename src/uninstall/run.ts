/**
 * The flow of `weavectl uninstall`: deletes what `weavectl install` (and `weavectl scope`, and the
 * upstream manifests of every release) created, in the order of src/uninstall/plan.ts, one
 * kubectl-style line per object; waits for the pods to go; then says what stays on the nodes.
 * src/commands/uninstall.ts turns the flags into UninstallOptions and calls it.
 */
import type { Cluster, KubeObject } from '../cluster/types.js';
import { requireServerDryRun } from '../deploy/version.js';
import { errorText, failure } from '../errors.js';
import type { DryRun, OutputFormat } from '../output/formats.js';
import type { Reporter } from '../output/reporter.js';
import { printResult } from '../output/print.js';
import { formatDuration } from '../util/duration.js';
import { kubectlName, nodeLeftovers, objectKey, passwordSecretOf, uninstallPlan, type PlannedDeletion } from './plan.js';
import { NET_POD_SELECTOR, SCOPE_NAMESPACE, SCOPE_POD_SELECTOR } from '../weave/names.js';

export type DeletionResult = 'deleted' | 'would-delete' | 'not-found' | 'not-served' | 'kept' | 'failed';

export interface DeletionOutcome {
  item: PlannedDeletion;
  apiVersion?: string;
  result: DeletionResult;
  message?: string;
}

const POLL_MS = 1000;

/** The first API version of each kind the cluster serves (asked once per kind). */
function servedVersions(cluster: Pick<Cluster, 'serves'>): (item: PlannedDeletion) => Promise<string | undefined> {
  const cache = new Map<string, Promise<string | undefined>>();
  return (item) => {
    let p = cache.get(item.kind);
    if (!p) {
      p = (async () => {
        for (const v of item.apiVersions) if (await cluster.serves(v, item.kind)) return v;
        return undefined;
      })();
      cache.set(item.kind, p);
    }
    return p;
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Pods of something being deleted: "weave-net-abcde (node-1)". */
async function remainingPods(cluster: Pick<Cluster, 'list'>, groups: { namespace: string; selector: string }[]): Promise<string[]> {
  const out: string[] = [];
  for (const g of groups) {
    const list = await cluster.list({ apiVersion: 'v1', kind: 'Pod', namespace: g.namespace }, { labelSelector: g.selector });
    for (const p of list.items) out.push(`${p.metadata.name}${p.spec?.nodeName ? ` (${p.spec.nodeName})` : ''}`);
  }
  return out;
}

function listNames(names: string[], max = 5): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

export interface UninstallOptions {
  namespace: string;
  scope: boolean;
  dryRun: DryRun;
  wait: boolean;
  /** --timeout as given (0: none): what the timeout message names. */
  timeoutMs: number;
  /** When --timeout runs out (epoch ms; counted from the process start, see src/util/deadline.ts); default: timeoutMs from now. */
  deadline?: number;
  pollMs?: number;
  /** text (the default), json (one document at the end) or name */
  output?: OutputFormat;
  /** Asked before the first delete (not on a dry run); false: nothing is deleted. */
  confirm?: (what: string) => Promise<boolean>;
}

/** The -o json document of uninstall. */
export interface UninstallDocument {
  namespace: string;
  dryRun: DryRun;
  objects: { object: string; product: string; result: DeletionResult; message?: string }[];
  /** true when every pod went; false at a timeout; absent when not waited for */
  podsGone?: boolean;
  kept: { object: string; reason: string; delete: string }[];
  leftovers: ReturnType<typeof nodeLeftovers>;
  /** false when the question was answered no */
  confirmed?: boolean;
}

/** The cluster calls `weavectl uninstall` makes. */
export type UninstallCluster = Pick<Cluster, 'version' | 'serves' | 'get' | 'list' | 'delete'>;

export async function uninstall(cluster: UninstallCluster, o: UninstallOptions, reporter: Reporter): Promise<DeletionOutcome[]> {
  const ns = o.namespace;
  const dry = o.dryRun;
  if (dry === 'server') await requireServerDryRun(cluster);
  const served = servedVersions(cluster);
  const plan = uninstallPlan({ namespace: ns, scope: o.scope });
  const outcomes: DeletionOutcome[] = [];
  const suffix = dry === 'client' ? ' (dry run)' : dry === 'server' ? ' (server dry run)' : '';

  const output = o.output ?? 'text';
  const doc: UninstallDocument = { namespace: ns, dryRun: dry, objects: [], kept: [], leftovers: nodeLeftovers() };
  /** -o json / -o name: the one document, printed once whatever happens next. */
  const printDoc = () =>
    printResult(reporter, output, {
      json: () => doc,
      name: () => outcomes.filter((x) => x.result === 'deleted' || x.result === 'would-delete').map((x) => kubectlTypeName(x.item.kind, x.apiVersion ?? x.item.apiVersions[0]!, x.item.name)).join('\n'),
    });

  const report = (out: DeletionOutcome) => {
    outcomes.push(out);
    const { item, apiVersion = item.apiVersions[0]! } = out;
    const name = kubectlName(item.kind, apiVersion, item.name);
    const where = item.namespace && item.namespace !== ns ? ` in namespace ${item.namespace}` : '';
    doc.objects.push({
      object: objectKey(item.kind, apiVersion, item.name, item.namespace),
      product: item.product,
      result: out.result,
      ...(out.message ? { message: out.message } : {}),
    });
    switch (out.result) {
      case 'deleted':
      case 'would-delete':
        reporter.success(`${name}${where} deleted${suffix}`);
        break;
      case 'not-found':
        reporter.info(reporter.c.dim(`${name}${where} not found (already gone)`));
        break;
      case 'not-served':
        reporter.debug(`${item.kind} is not served by this cluster: nothing to delete for ${name}${where}`);
        break;
      case 'kept':
        reporter.warn(`${name}${where} kept: ${out.message}`);
        break;
      case 'failed':
        // one `error:` line ends the command (below); each object that failed is a line of its own before it
        reporter.info(`${name}${where} not deleted: ${out.message}`);
        break;
    }
  };

  // Read the DaemonSet first: the password Secret it names is the user's and stays.
  let netDs: KubeObject | undefined;
  const dsItem = plan.find((p) => p.kind === 'DaemonSet' && p.product === 'net')!;
  const dsVersion = await served(dsItem);
  if (dsVersion) netDs = await cluster.get({ apiVersion: dsVersion, kind: 'DaemonSet', namespace: ns, name: dsItem.name });
  let secret = passwordSecretOf(netDs);
  if (secret && !(await cluster.get({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: secret.name }).catch(() => true))) {
    reporter.debug(`the DaemonSet takes WEAVE_PASSWORD from Secret ${ns}/${secret.name}, which does not exist`);
    secret = undefined;
  }

  // Scope's namespace: when it is not there, nothing in it is either (one line instead of six).
  let scopeNsExists = false;
  if (o.scope) scopeNsExists = (await cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: SCOPE_NAMESPACE })) !== undefined;

  if (dry === 'none' && o.confirm && (netDs || scopeNsExists)) {
    const what = [netDs ? `Weave Net (daemonset ${ns}/${dsItem.name} and its objects)` : '', scopeNsExists ? `Weave Scope (namespace ${SCOPE_NAMESPACE})` : ''].filter(Boolean).join(' and ');
    if (!(await o.confirm(what))) {
      reporter.info('Nothing changed: the uninstall was not confirmed');
      doc.confirmed = false;
      await printDoc();
      return outcomes;
    }
  }

  for (const item of plan) {
    if (item.product === 'scope' && item.namespace === SCOPE_NAMESPACE && !scopeNsExists) continue;
    const apiVersion = await served(item);
    if (!apiVersion) {
      report({ item, result: 'not-served' });
      continue;
    }
    try {
      if (item.kind === 'Namespace') {
        if (!scopeNsExists) {
          report({ item, apiVersion, result: 'not-found' });
          continue;
        }
        const foreign = (await cluster.list({ apiVersion: 'v1', kind: 'Pod', namespace: item.name })).items.filter(
          (p) => !p.metadata.name.startsWith('weave-scope-') && p.metadata.labels?.app !== 'weave-scope',
        );
        if (foreign.length > 0) {
          report({
            item,
            apiVersion,
            result: 'kept',
            message: `other pods run in it (${listNames(foreign.map((p) => p.metadata.name))}); delete it yourself with: kubectl delete namespace ${item.name}`,
          });
          continue;
        }
      }
      const ref = { apiVersion, kind: item.kind, name: item.name, ...(item.namespace ? { namespace: item.namespace } : {}) };
      if (dry === 'client') {
        report({ item, apiVersion, result: (await cluster.get(ref)) ? 'would-delete' : 'not-found' });
      } else {
        report({ item, apiVersion, result: (await cluster.delete(ref, { dryRun: dry === 'server' })) ? 'deleted' : 'not-found' });
      }
    } catch (err) {
      report({ item, apiVersion, result: 'failed', message: errorText(err) });
    }
  }

  const failed = outcomes.filter((x) => x.result === 'failed');
  const deleted = outcomes.filter((x) => x.result === 'deleted' || x.result === 'would-delete');
  if (secret) {
    doc.kept.push({ object: `${ns}/secret/${secret.name}`, reason: 'holds WEAVE_PASSWORD; it is yours', delete: `kubectl delete secret -n ${ns} ${secret.name}` });
  }
  if (failed.length > 0) {
    await printDoc();
    throw failure(
      `${failed.length} object${failed.length === 1 ? '' : 's'} could not be deleted: ${listNames(failed.map((x) => objectKey(x.item.kind, x.apiVersion ?? x.item.apiVersions[0]!, x.item.name, x.item.namespace)))}`,
      'see the errors above; run again once they are fixed (objects already deleted are reported as not found)',
    );
  }

  if (dry === 'none' && o.wait && deleted.length > 0) {
    try {
      await waitGone(cluster, o, deleted, reporter);
      doc.podsGone = true;
    } catch (err) {
      doc.podsGone = false;
      await printDoc();
      throw err;
    }
  }

  await printDoc();
  if (output === 'text') tellLeftovers(o, deleted.length, secret, reporter);
  else reporter.info(`What a Weave Net pod leaves on its node stays there: ${output === 'json' ? 'see "leftovers"' : 'weavectl uninstall without -o says how to remove it'}`);
  return outcomes;
}

/** kubectl delete -o name: "daemonset.apps/weave-net". */
function kubectlTypeName(kind: string, apiVersion: string, name: string): string {
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  return `${kind.toLowerCase()}${group ? `.${group}` : ''}/${name}`;
}

async function waitGone(cluster: UninstallCluster, o: UninstallOptions, deleted: DeletionOutcome[], reporter: Reporter): Promise<void> {
  const groups = [{ namespace: o.namespace, selector: NET_POD_SELECTOR }];
  if (o.scope) {
    groups.push({ namespace: o.namespace, selector: SCOPE_POD_SELECTOR });
    groups.push({ namespace: SCOPE_NAMESPACE, selector: SCOPE_POD_SELECTOR });
  }
  const nsDeleted = deleted.some((d) => d.item.kind === 'Namespace');
  const deadline = o.timeoutMs > 0 ? (o.deadline ?? Date.now() + o.timeoutMs) : Infinity;
  const poll = o.pollMs ?? POLL_MS;
  for (;;) {
    const pods = await remainingPods(cluster, groups);
    const nsLeft = nsDeleted && (await cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: SCOPE_NAMESPACE })) !== undefined;
    if (pods.length === 0 && !nsLeft) break;
    const what = [
      ...(pods.length ? [`${pods.length} pod${pods.length === 1 ? '' : 's'} to terminate (${listNames(pods, 3)})`] : []),
      ...(nsLeft ? [`namespace ${SCOPE_NAMESPACE} to be deleted`] : []),
    ].join(' and ');
    if (Date.now() >= deadline) {
      reporter.endProgress();
      throw failure(
        `timed out after ${formatDuration(o.timeoutMs)} waiting for ${what}`,
        `kubectl get pods -n ${o.namespace} -l ${NET_POD_SELECTOR} -o wide: a pod on a NotReady node goes only when the node comes back or is deleted`,
      );
    }
    reporter.progress('uninstall', `Waiting for ${what}...`);
    await sleep(Math.min(poll, Math.max(0, deadline - Date.now())));
  }
  reporter.endProgress();
  reporter.success('Every Weave pod is gone');
}

function tellLeftovers(o: UninstallOptions, deleted: number, secret: { name: string } | undefined, reporter: Reporter): void {
  const leftovers = nodeLeftovers();
  const secretCmd = secret ? `kubectl delete secret -n ${o.namespace} ${secret.name}` : undefined;
  if (deleted === 0) reporter.info(`Nothing of Weave${o.scope ? '' : ' Net'} was found in the cluster${o.dryRun === 'none' ? '' : ' (dry run)'}.`);
  else if (o.dryRun !== 'none') reporter.info(`Nothing was deleted (${o.dryRun === 'client' ? 'dry run' : 'server dry run'}).`);
  if (secret) reporter.info(`Kept: Secret ${o.namespace}/${secret.name} holds WEAVE_PASSWORD and is yours; delete it with: ${secretCmd}`);
  const c = reporter.c;
  reporter.info('');
  reporter.info(`What a Weave Net pod leaves on its node stays there. To remove it, run as root on every node, once the weave-net pods are gone:`);
  for (const l of leftovers) {
    reporter.info(`  - ${l.what}: ${l.why}`);
    for (const cmd of l.clean) reporter.info(`      ${c.bold(cmd)}`);
  }
  reporter.info('  A reboot clears the interfaces, iptables rules and ipsets, not the files.');
  reporter.info('  Pods that got a Weave address keep it, with no network, until they are recreated under another network plugin.');
}
