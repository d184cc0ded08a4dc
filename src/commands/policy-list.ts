/**
 * `weavectl policy list [-n NS | -A]`: the flags as typed options, the call (src/policy/list.ts) and
 * the printing (-o json the list; text the policies in plain English and how each namespace is isolated).
 */
import { usageError } from '../errors.js';
import { readPolicyList, renderPolicyList } from '../policy/list.js';
import { printResult } from '../output/print.js';
import { openCluster } from './cluster-session.js';
import { reporterFor, type Globals } from './global.js';
import { optBool, type OptionValues } from './option-values.js';

export interface ListOptions {
  allNamespaces?: boolean;
}

/** The flags as typed options. */
export function listOptionsOf(o: OptionValues): ListOptions {
  const all = optBool(o, 'allNamespaces');
  return all === undefined ? {} : { allNamespaces: all };
}

export async function runList(f: ListOptions, g: Globals): Promise<void> {
  const reporter = reporterFor(g);
  if (f.allNamespaces && g.namespaceSet) throw usageError('give -n NAMESPACE or -A, not both');
  const cluster = await openCluster(g, reporter);
  try {
    const scope = f.allNamespaces ? null : g.namespaceSet ? g.namespace : cluster.defaultNamespace;
    const list = await readPolicyList(cluster, scope, reporter);
    await printResult(reporter, g.output, {
      json: () => list,
      text: () => {
        if (list.policies.length === 0) reporter.info(scope === null ? 'No NetworkPolicies in any namespace.' : `No NetworkPolicies in namespace ${scope}.`);
        return renderPolicyList(list);
      },
    });
  } finally {
    cluster.close();
  }
}
