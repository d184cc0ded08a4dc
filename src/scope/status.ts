/**
 * `weavectl scope status`: reads the running Scope (locate.ts), the basic-auth Secret's presence and
 * the --allow-from policy, and builds the report (status-model.ts).
 */
import type { ClusterSession, KubeObject } from '../cluster/types.js';
import { isKubeApiError } from '../cluster/status-errors.js';
import { ALLOW_FROM_POLICY } from '../manifest/scope-allow-from.js';
import type { Reporter } from '../output/reporter.js';
import { basicAuthOf, locateScope } from './locate.js';
import { buildScopeStatus, type ScopeStatusReport } from './status-model.js';

const FORBIDDEN = Symbol('forbidden');

async function tolerant403<T>(p: Promise<T>): Promise<T | typeof FORBIDDEN> {
  try {
    return await p;
  } catch (err) {
    if (isKubeApiError(err, 403)) return FORBIDDEN;
    throw err;
  }
}

export async function collectScopeStatus(cluster: ClusterSession, reporter: Reporter): Promise<ScopeStatusReport> {
  const scope = await locateScope(cluster, reporter);
  const secret = basicAuthOf(scope);
  const [secretObj, policy] = await Promise.all([
    typeof secret === 'string' ? tolerant403(cluster.get({ apiVersion: 'v1', kind: 'Secret', namespace: scope.namespace, name: secret })) : Promise.resolve(undefined),
    (async (): Promise<KubeObject | undefined> => {
      if (!(await cluster.serves('networking.k8s.io/v1', 'NetworkPolicy'))) return undefined;
      const p = await tolerant403(cluster.get({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespace: scope.namespace, name: ALLOW_FROM_POLICY }));
      if (p === FORBIDDEN) reporter.warn(`may not read NetworkPolicy ${scope.namespace}/${ALLOW_FROM_POLICY}: "Allowed from" may be incomplete`);
      return p === FORBIDDEN ? undefined : p;
    })(),
  ]);
  return buildScopeStatus({
    ...scope,
    // a Secret that may not be read: its presence is unknown, not missing
    ...(typeof secret === 'string' && secretObj !== FORBIDDEN ? { secretPresent: secretObj !== undefined } : {}),
    ...(policy ? { policy } : {}),
  });
}
