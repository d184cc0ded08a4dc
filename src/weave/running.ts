/**
 * Where Weave Net runs: every weave-net DaemonSet in the cluster, in any namespace (install's guard,
 * and the policy commands, which follow the Weave Net that really enforces policy).
 */
import { firstServed, versionsOf } from '../kube/kinds.js';
import type { Cluster, KubeObject } from '../cluster/types.js';
import { isKubeApiError } from '../cluster/status-errors.js';
import type { Reporter } from '../output/reporter.js';
import { isWeaveNetDaemonSet } from '../upgrade/guard.js';
import { NET_DAEMONSET, WEAVE_NAMESPACE } from './names.js';

export interface RunningWeave {
  /** Weave Net DaemonSets, from every namespace. */
  running: KubeObject[];
  /** The DaemonSet API version the cluster serves, the newest (src/kube/kinds.ts). */
  apiVersion: string;
  /** resourceVersion of the list that found them. */
  listResourceVersion: string;
}

/** Every Weave Net DaemonSet in the cluster; where listing all namespaces is forbidden, kube-system and `namespace` only (with a warning). */
export async function findRunningWeave(cluster: Pick<Cluster, 'serves' | 'list' | 'get'>, namespace: string, reporter: Pick<Reporter, 'warn'>): Promise<RunningWeave> {
  const apiVersion = (await firstServed(cluster, 'DaemonSet')) ?? versionsOf('DaemonSet').at(-1)!;
  try {
    const all = await cluster.list({ apiVersion, kind: 'DaemonSet' });
    return { running: all.items.filter(isWeaveNetDaemonSet), apiVersion, listResourceVersion: all.resourceVersion };
  } catch (err) {
    if (!isKubeApiError(err, 403)) throw err;
  }
  const namespaces = [...new Set([WEAVE_NAMESPACE, namespace])];
  reporter.warn(`may not list DaemonSets in every namespace: looked for a running Weave Net in ${namespaces.join(' and ')} only`);
  try {
    const lists = await Promise.all(namespaces.map((ns) => cluster.list({ apiVersion, kind: 'DaemonSet', namespace: ns }, { fieldSelector: `metadata.name=${NET_DAEMONSET}` })));
    return { running: lists.flatMap((l) => l.items), apiVersion, listResourceVersion: lists[0]?.resourceVersion ?? '' };
  } catch (err) {
    if (!isKubeApiError(err, 403)) throw err;
  }
  // May only get: no list resourceVersion, so a fresh install's write carries no precondition.
  const got = await Promise.all(namespaces.map((ns) => cluster.get({ apiVersion, kind: 'DaemonSet', namespace: ns, name: NET_DAEMONSET })));
  return { running: got.filter((o): o is KubeObject => o !== undefined), apiVersion, listResourceVersion: '' };
}
