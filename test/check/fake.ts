/**
 * The in-memory cluster of the check tests: test/fakes/memory-cluster.ts (one implementation of the
 * Cluster contract), with `add()` to put the objects a check reads. What the checks vary is set on it:
 * `reportedVersion` (the version string), `unserve()`, `forbid()`, `reviewDenies` / `reviewAnswer` /
 * `reviews` (SelfSubjectAccessReviews), `unreachable`.
 */
import type { KubeObject } from '../../src/cluster/types.js';
import { MemoryCluster } from '../fakes/memory-cluster.js';

export class CheckFakeCluster extends MemoryCluster {
  /** Stores the objects (created or replaced, status included). */
  add(...objs: KubeObject[]): this {
    for (const o of objs) this.put(o);
    return this;
  }
}

// ---- builders ----------------------------------------------------------------------------------

export function node(name: string, internalIP: string, opts: { annotations?: Record<string, string>; externalIP?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    status: {
      addresses: [
        { type: 'InternalIP', address: internalIP },
        ...(opts.externalIP ? [{ type: 'ExternalIP', address: opts.externalIP }] : []),
        { type: 'Hostname', address: name },
      ],
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

export function daemonSet(
  namespace: string,
  name: string,
  opts: { labels?: Record<string, string>; containers?: Record<string, unknown>[]; apiVersion?: string; annotations?: Record<string, string>; managers?: string[]; status?: Record<string, unknown> } = {},
): KubeObject {
  return {
    apiVersion: opts.apiVersion ?? 'apps/v1',
    kind: 'DaemonSet',
    metadata: {
      name,
      namespace,
      ...(opts.labels ? { labels: opts.labels } : {}),
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
      ...(opts.managers ? { managedFields: opts.managers.map((manager) => ({ manager, operation: 'Apply' })) } : {}),
    },
    spec: {
      selector: { matchLabels: opts.labels ?? { name } },
      template: { metadata: { labels: opts.labels ?? { name } }, spec: { containers: opts.containers ?? [{ name, image: `example/${name}:1.0` }] } },
    },
    status: opts.status ?? { desiredNumberScheduled: 3, numberReady: 3, numberAvailable: 3, updatedNumberScheduled: 3 },
  };
}

export function weaveNet(opts: { env?: { name: string; value?: string; valueFrom?: unknown }[]; version?: string; labels?: Record<string, string>; managers?: string[]; status?: Record<string, unknown>; namespace?: string } = {}): KubeObject {
  const v = opts.version ?? '2.8.1';
  return daemonSet(opts.namespace ?? 'kube-system', 'weave-net', {
    labels: opts.labels ?? { name: 'weave-net' },
    ...(opts.managers ? { managers: opts.managers } : {}),
    ...(opts.status ? { status: opts.status } : {}),
    containers: [
      {
        name: 'weave',
        image: `weaveworks/weave-kube:${v}`,
        env: [{ name: 'HOSTNAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } }, ...(opts.env ?? [])],
      },
      { name: 'weave-npc', image: `weaveworks/weave-npc:${v}` },
    ],
  });
}

export function service(namespace: string, name: string, clusterIP: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { clusterIP, clusterIPs: [clusterIP] } };
}

export function staticPod(namespace: string, name: string, labels: Record<string, string>, command: string[]): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels }, spec: { containers: [{ name: labels.component ?? name, command }] } };
}

export function configMap(namespace: string, name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data } as KubeObject;
}
