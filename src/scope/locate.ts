/**
 * Where a running Weave Scope is, for `scope open` and `scope status`: Service weave-scope-app (run.ts's
 * findRunningScope: in any namespace; where listing every namespace is forbidden, in weave and
 * kube-system), its workloads, the app pod to forward to, and the Secret basic auth reads.
 */
import type { ClusterSession, KubeObject } from '../cluster/types.js';
import { failure } from '../errors.js';
import { podIsReadyAndNotTerminating } from '../kube/pods.js';
import { readBasicAuthSecret } from '../manifest/scope-auth.js';
import type { Reporter } from '../output/reporter.js';
import { programName } from '../util/program-name.js';
import { findRunningScope } from './run.js';
import { SCOPE_AGENT_DAEMONSET, SCOPE_APP, SCOPE_APP_PORT, SCOPE_CLUSTER_AGENT_DEPLOYMENT, SCOPE_SERVICE } from '../weave/names.js';

export interface RunningScope {
  namespace: string;
  service: KubeObject;
  app?: KubeObject;
  agents?: KubeObject;
  clusterAgent?: KubeObject;
}

/** The Workload object of `kind`/`name` through the first API version the cluster serves for it. */
async function getWorkload(cluster: ClusterSession, kind: 'Deployment' | 'DaemonSet', namespace: string, name: string): Promise<KubeObject | undefined> {
  for (const apiVersion of ['apps/v1', 'extensions/v1beta1']) {
    if (!(await cluster.serves(apiVersion, kind))) continue;
    return cluster.get({ apiVersion, kind, namespace, name });
  }
  return undefined;
}

/** The running Scope, or a failure saying it does not run (or runs twice). */
export async function locateScope(cluster: ClusterSession, reporter: Reporter): Promise<RunningScope> {
  const services = await findRunningScope(cluster, reporter);
  if (services.length === 0) {
    throw failure(`Weave Scope does not run in this cluster (no Service ${SCOPE_SERVICE})`, `install it with: ${programName()} scope`);
  }
  if (services.length > 1) {
    throw failure(
      `Weave Scope runs more than once (Service ${SCOPE_SERVICE} in ${services.map((s) => s.metadata.namespace).join(', ')})`,
      `give the one you mean with -n NAMESPACE, or remove the other`,
    );
  }
  const service = services[0]!;
  const namespace = service.metadata.namespace ?? 'weave';
  const [app, agents, clusterAgent] = await Promise.all([
    getWorkload(cluster, 'Deployment', namespace, SCOPE_APP),
    getWorkload(cluster, 'DaemonSet', namespace, SCOPE_AGENT_DAEMONSET),
    getWorkload(cluster, 'Deployment', namespace, SCOPE_CLUSTER_AGENT_DEPLOYMENT),
  ]);
  return { namespace, service, ...(app ? { app } : {}), ...(agents ? { agents } : {}), ...(clusterAgent ? { clusterAgent } : {}) };
}

/** The label selector of a Service, as a query string; undefined when it has none. */
export function selectorOf(svc: KubeObject): string | undefined {
  const sel: unknown = svc.spec?.selector;
  if (!sel || typeof sel !== 'object') return undefined;
  const parts = Object.entries(sel as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length > 0 ? parts.join(',') : undefined;
}

/** The Service's target port for the UI (a number; a named targetPort reads as Scope's 4040). */
export function appTargetPort(svc: KubeObject): number {
  const ports: any[] = Array.isArray(svc.spec?.ports) ? svc.spec.ports : [];
  const p = ports.find((x) => x?.name === 'app') ?? ports[0];
  return typeof p?.targetPort === 'number' ? p.targetPort : SCOPE_APP_PORT;
}

/** A Running, Ready app pod behind the Service (the newest first), or a failure saying why there is none. */
export async function appPod(cluster: ClusterSession, scope: RunningScope): Promise<KubeObject> {
  const selector = selectorOf(scope.service);
  if (!selector) throw failure(`Service ${scope.namespace}/${SCOPE_SERVICE} has no selector: weavectl cannot tell which pod is the Scope app`);
  const pods = (await cluster.list<KubeObject>({ apiVersion: 'v1', kind: 'Pod', namespace: scope.namespace }, { labelSelector: selector })).items;
  const ready = pods.filter(podIsReadyAndNotTerminating).sort((a, b) => String(b.metadata.creationTimestamp ?? '').localeCompare(String(a.metadata.creationTimestamp ?? '')));
  if (ready[0]) return ready[0];
  const states = pods.map((p) => `${p.metadata.name} ${p.status?.phase ?? 'unknown'}`).join(', ');
  throw failure(
    pods.length === 0 ? `no Weave Scope app pod runs in ${scope.namespace} (selector ${selector})` : `no Weave Scope app pod is ready in ${scope.namespace} (${states})`,
    `see why: ${programName()} scope status`,
  );
}

/** The Secret basic auth reads, from the app (and probes); false when basic auth is off. */
export function basicAuthOf(scope: RunningScope): string | false | undefined {
  return readBasicAuthSecret([scope.app, scope.agents, scope.clusterAgent].filter((o): o is KubeObject => o !== undefined));
}
