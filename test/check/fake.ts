/**
 * An in-memory cluster for the check tests: objects by kind, namespace and name; list with label
 * selectors (k=v, comma-joined) across or within namespaces; API versions it serves; forbidden
 * kinds; and SelfSubjectAccessReviews answered from deny rules (like `sim.faults.forbid`).
 */
import { KubeApiError } from '../../src/cluster/status-errors.js';
import type { KubeObject, ListOptions, ListResult, ResourceRef, ServerVersion } from '../../src/cluster/types.js';

/** An error answer of the API server, as the cluster layer throws it (a KubeApiError with its Status). */
export function httpError(code: number, message = `HTTP ${code}`): KubeApiError {
  return new KubeApiError(message, code, { kind: 'Status', status: 'Failure', message, code });
}

export interface Deny {
  verb?: string;
  group?: string;
  resource?: string;
  namespace?: string;
}

export class CheckFakeCluster {
  objects: KubeObject[] = [];
  gitVersion = 'v1.29.2';
  /** "apps/v1/DaemonSet" entries served; default: all. */
  notServed = new Set<string>();
  forbiddenKinds = new Set<string>();
  denies: Deny[] = [];
  /** An answer the SSAR gets instead of the rules (e.g. no status). */
  ssarAnswer?: (obj: KubeObject) => KubeObject;
  unreachable?: Error;
  reviews: Record<string, unknown>[] = [];
  calls: string[] = [];

  async version(): Promise<ServerVersion> {
    this.calls.push('version');
    if (this.unreachable) throw this.unreachable;
    const m = /^v(\d+)\.(\d+)/.exec(this.gitVersion)!;
    return { major: m[1]!, minor: m[2]!, gitVersion: this.gitVersion };
  }

  async serves(apiVersion: string, kind: string): Promise<boolean> {
    return !this.notServed.has(`${apiVersion}/${kind}`);
  }

  async get<T extends KubeObject = KubeObject>(ref: ResourceRef & { name: string }): Promise<T | undefined> {
    this.calls.push(`get ${ref.kind} ${ref.namespace ?? ''}/${ref.name}`);
    if (this.forbiddenKinds.has(ref.kind)) throw httpError(403, `${ref.kind.toLowerCase()}s "${ref.name}" is forbidden`);
    return this.objects.find((o) => o.kind === ref.kind && o.metadata.name === ref.name && (ref.namespace === undefined || o.metadata.namespace === ref.namespace)) as T | undefined;
  }

  async list<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: ListOptions = {}): Promise<ListResult<T>> {
    this.calls.push(`list ${ref.kind} ${ref.namespace ?? '*'}${opts.labelSelector ? ` ${opts.labelSelector}` : ''}`);
    if (this.forbiddenKinds.has(ref.kind)) throw httpError(403, `${ref.kind.toLowerCase()}s is forbidden`);
    const want = (opts.labelSelector ?? '').split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]);
    const items = this.objects.filter(
      (o) => o.kind === ref.kind && (ref.namespace === undefined || o.metadata.namespace === ref.namespace) && want.every(([k, v]) => o.metadata.labels?.[k] === v),
    );
    return { items: items as T[], resourceVersion: '1' };
  }

  async create(obj: KubeObject): Promise<KubeObject> {
    if (obj.kind !== 'SelfSubjectAccessReview') throw new Error(`create ${obj.kind}: not used`);
    const a = obj.spec.resourceAttributes as Record<string, string>;
    this.reviews.push({ apiVersion: obj.apiVersion, ...a });
    if (this.ssarAnswer) return this.ssarAnswer(obj);
    const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource!;
    const denied = this.denies.some(
      (d) =>
        (d.verb === undefined || d.verb === a.verb) &&
        (d.group === undefined || d.group === a.group) &&
        (d.resource === undefined || d.resource === resource) &&
        (d.namespace === undefined || d.namespace === a.namespace),
    );
    return { ...obj, status: { allowed: !denied, ...(denied ? { reason: 'RBAC: denied' } : {}) } };
  }

  add(...objs: KubeObject[]): this {
    this.objects.push(...objs);
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
