/**
 * "Can I?" questions to the API server, as `kubectl auth can-i` asks them: a
 * SelfSubjectAccessReview (authorization.k8s.io/v1, v1beta1 on clusters older than 1.6 that lack
 * v1) is created and its `status.allowed` read. A SelfSubjectAccessReview is a create-only virtual
 * resource, so this needs `Cluster.create` (POST to the collection, the answer returned); without it
 * the permission checks are skipped.
 */
import type { Cluster, KubeObject } from '../cluster/types.js';

export interface AccessReviewer {
  /**
   * Whether the current user may `verb` the `resource` ("daemonsets", or "nodes/status" for a
   * subresource) of API `group` ("" for core), in `namespace` (omit for cluster-wide). Undefined when
   * the server gave no answer weavectl can read.
   */
  canI(verb: string, group: string, resource: string, namespace?: string): Promise<boolean | undefined>;
}

/** What the permission checks need from the cluster layer: `create` (a SelfSubjectAccessReview per question). */
export type CreatingCluster = Pick<Cluster, 'serves' | 'create'>;

/** The SelfSubjectAccessReview body for one question. */
export function accessReview(apiVersion: string, verb: string, group: string, resource: string, namespace?: string): KubeObject {
  const slash = resource.indexOf('/');
  const attrs: Record<string, string> = {
    verb,
    group,
    resource: slash < 0 ? resource : resource.slice(0, slash),
    ...(slash < 0 ? {} : { subresource: resource.slice(slash + 1) }),
    ...(namespace ? { namespace } : {}),
  };
  // A SelfSubjectAccessReview has no name; the cluster layer POSTs it to the collection.
  return { apiVersion, kind: 'SelfSubjectAccessReview', metadata: {} as KubeObject['metadata'], spec: { resourceAttributes: attrs } };
}

/** An AccessReviewer over `cluster.create` (a SelfSubjectAccessReview per question). */
export function clusterAccessReviewer(cluster: CreatingCluster): AccessReviewer {
  const create = cluster.create.bind(cluster);
  let apiVersion: Promise<string> | undefined;
  return {
    async canI(verb, group, resource, namespace) {
      apiVersion ??= cluster
        .serves('authorization.k8s.io/v1', 'SelfSubjectAccessReview')
        .then((v1) => (v1 ? 'authorization.k8s.io/v1' : 'authorization.k8s.io/v1beta1'));
      const answer = await create(accessReview(await apiVersion, verb, group, resource, namespace));
      const status = answer?.status as { allowed?: unknown; denied?: unknown } | undefined;
      if (status?.allowed === true) return true;
      if (status && (status.allowed === false || status.denied === true)) return false;
      return undefined;
    },
  };
}
