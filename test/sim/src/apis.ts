/**
 * Which API groups, versions and resources a Kubernetes version serves, and the discovery documents for them.
 *
 * Boundaries (minor versions, inclusive), from the Kubernetes deprecation guide and release notes:
 * - extensions/v1beta1: daemonsets, deployments, replicasets, networkpolicies, podsecuritypolicies up to 1.15;
 *   ingresses up to 1.21 (so the group itself is gone from 1.22).
 * - apps/v1beta1 1.6-1.15 (deployments, statefulsets, controllerrevisions from 1.7); apps/v1beta2 1.8-1.15; apps/v1 from 1.9.
 * - rbac.authorization.k8s.io: v1alpha1 1.6-1.7, v1beta1 1.6-1.21, v1 from 1.8.
 * - networking.k8s.io/v1 networkpolicies from 1.7 (ingresses from 1.19); networking.k8s.io/v1beta1 ingresses 1.14-1.21.
 * - policy/v1beta1: poddisruptionbudgets up to 1.24, podsecuritypolicies 1.10-1.24; policy/v1 (PDBs) from 1.21.
 * - authorization.k8s.io/v1 from 1.6 (v1beta1 up to 1.21).
 *
 * Aggregated discovery (KEP-3352: `/api` and `/apis` answer an APIGroupDiscoveryList when the Accept header asks
 * for one): the AggregatedDiscoveryEndpoint feature gate is alpha (off) in 1.26, beta (on) from 1.27 serving
 * apidiscovery.k8s.io/v2beta1, GA from 1.30 adding apidiscovery.k8s.io/v2. v2beta1 stops being served by default in
 * 1.33 (feature gate AggregatedDiscoveryRemoveBetaType: Deprecated, default true from 1.33, locked from 1.35).
 */

import { createHash } from 'node:crypto';

export interface ResourceDef {
  /** plural, the URL segment */
  name: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  /** Storage key: every group version of a kind shares one store (a DaemonSet is one object whatever the URL). */
  store: string;
  /** subresource name -> verbs */
  subresources?: Record<string, string[]>;
  /** metadata.generation is kept (bumped on spec changes) */
  generation?: boolean;
  /** has a status subresource: writes to the main resource keep the old status, /status writes change only status */
  status?: boolean;
}

export interface ServedVersion {
  group: string;
  version: string;
  /** "apps/v1" or "v1" */
  groupVersion: string;
  resources: ResourceDef[];
}

const ALL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const NO_COLLECTION_DELETE = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS = { status: ['get', 'patch', 'update'] };

function def(d: Omit<ResourceDef, 'verbs' | 'store'> & { verbs?: string[]; store?: string }): ResourceDef {
  return { verbs: ALL, store: d.name, ...d };
}

export const R = {
  namespaces: def({ name: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false, shortNames: ['ns'], verbs: NO_COLLECTION_DELETE, subresources: { status: ['get', 'patch', 'update'], finalize: ['update'] }, status: true }),
  nodes: def({ name: 'nodes', singular: 'node', kind: 'Node', namespaced: false, shortNames: ['no'], subresources: { ...STATUS, proxy: ['create', 'delete', 'get', 'patch', 'update'] }, status: true }),
  pods: def({
    name: 'pods', singular: 'pod', kind: 'Pod', namespaced: true, shortNames: ['po'], categories: ['all'], status: true,
    subresources: { attach: ['create', 'get'], binding: ['create'], eviction: ['create'], exec: ['create', 'get'], log: ['get'], portforward: ['create', 'get'], proxy: ['create', 'delete', 'get', 'patch', 'update'], ...STATUS },
  }),
  services: def({ name: 'services', singular: 'service', kind: 'Service', namespaced: true, shortNames: ['svc'], categories: ['all'], subresources: { ...STATUS, proxy: ['create', 'delete', 'get', 'patch', 'update'] }, status: true }),
  serviceaccounts: def({ name: 'serviceaccounts', singular: 'serviceaccount', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'] }),
  configmaps: def({ name: 'configmaps', singular: 'configmap', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] }),
  secrets: def({ name: 'secrets', singular: 'secret', kind: 'Secret', namespaced: true }),
  events: def({ name: 'events', singular: 'event', kind: 'Event', namespaced: true, shortNames: ['ev'] }),
  endpoints: def({ name: 'endpoints', singular: 'endpoints', kind: 'Endpoints', namespaced: true, shortNames: ['ep'] }),
  daemonsets: def({ name: 'daemonsets', singular: 'daemonset', kind: 'DaemonSet', namespaced: true, shortNames: ['ds'], categories: ['all'], subresources: STATUS, generation: true, status: true }),
  deployments: def({ name: 'deployments', singular: 'deployment', kind: 'Deployment', namespaced: true, shortNames: ['deploy'], categories: ['all'], subresources: { scale: ['get', 'patch', 'update'], ...STATUS }, generation: true, status: true }),
  replicasets: def({ name: 'replicasets', singular: 'replicaset', kind: 'ReplicaSet', namespaced: true, shortNames: ['rs'], categories: ['all'], subresources: { scale: ['get', 'patch', 'update'], ...STATUS }, generation: true, status: true }),
  statefulsets: def({ name: 'statefulsets', singular: 'statefulset', kind: 'StatefulSet', namespaced: true, shortNames: ['sts'], categories: ['all'], subresources: { scale: ['get', 'patch', 'update'], ...STATUS }, generation: true, status: true }),
  controllerrevisions: def({ name: 'controllerrevisions', singular: 'controllerrevision', kind: 'ControllerRevision', namespaced: true }),
  networkpolicies: def({ name: 'networkpolicies', singular: 'networkpolicy', kind: 'NetworkPolicy', namespaced: true, shortNames: ['netpol'], generation: true }),
  ingresses: def({ name: 'ingresses', singular: 'ingress', kind: 'Ingress', namespaced: true, shortNames: ['ing'], subresources: STATUS, generation: true, status: true }),
  podsecuritypolicies: def({ name: 'podsecuritypolicies', singular: 'podsecuritypolicy', kind: 'PodSecurityPolicy', namespaced: false, shortNames: ['psp'] }),
  poddisruptionbudgets: def({ name: 'poddisruptionbudgets', singular: 'poddisruptionbudget', kind: 'PodDisruptionBudget', namespaced: true, shortNames: ['pdb'], subresources: STATUS, generation: true, status: true }),
  clusterroles: def({ name: 'clusterroles', singular: 'clusterrole', kind: 'ClusterRole', namespaced: false }),
  clusterrolebindings: def({ name: 'clusterrolebindings', singular: 'clusterrolebinding', kind: 'ClusterRoleBinding', namespaced: false }),
  roles: def({ name: 'roles', singular: 'role', kind: 'Role', namespaced: true }),
  rolebindings: def({ name: 'rolebindings', singular: 'rolebinding', kind: 'RoleBinding', namespaced: true }),
  selfsubjectaccessreviews: def({ name: 'selfsubjectaccessreviews', singular: 'selfsubjectaccessreview', kind: 'SelfSubjectAccessReview', namespaced: false, verbs: ['create'] }),
} satisfies Record<string, ResourceDef>;

interface Availability {
  since: number;
  until?: number;
}
interface GVEntry extends Availability {
  group: string;
  version: string;
  resources: (ResourceDef | [ResourceDef, Availability])[];
}

/** Every group version the simulator knows, in the order `/apis` lists groups. Minor versions, inclusive. */
const TABLE: GVEntry[] = [
  {
    group: '', version: 'v1', since: 0,
    resources: [R.configmaps, R.endpoints, R.events, R.namespaces, R.nodes, R.pods, R.secrets, R.serviceaccounts, R.services],
  },
  {
    group: 'extensions', version: 'v1beta1', since: 0, until: 21,
    resources: [
      [R.daemonsets, { since: 0, until: 15 }],
      [R.deployments, { since: 0, until: 15 }],
      [R.ingresses, { since: 0, until: 21 }],
      [R.networkpolicies, { since: 0, until: 15 }],
      [R.podsecuritypolicies, { since: 0, until: 15 }],
      [R.replicasets, { since: 0, until: 15 }],
    ],
  },
  { group: 'apps', version: 'v1', since: 9, resources: [R.controllerrevisions, R.daemonsets, R.deployments, R.replicasets, R.statefulsets] },
  { group: 'apps', version: 'v1beta2', since: 8, until: 15, resources: [R.controllerrevisions, R.daemonsets, R.deployments, R.replicasets, R.statefulsets] },
  {
    group: 'apps', version: 'v1beta1', since: 0, until: 15,
    resources: [[R.controllerrevisions, { since: 7 }], R.deployments, R.statefulsets],
  },
  { group: 'authorization.k8s.io', version: 'v1', since: 0, resources: [R.selfsubjectaccessreviews] },
  { group: 'authorization.k8s.io', version: 'v1beta1', since: 0, until: 21, resources: [R.selfsubjectaccessreviews] },
  { group: 'networking.k8s.io', version: 'v1', since: 7, resources: [[R.ingresses, { since: 19 }], R.networkpolicies] },
  { group: 'networking.k8s.io', version: 'v1beta1', since: 14, until: 21, resources: [R.ingresses] },
  { group: 'policy', version: 'v1', since: 21, resources: [R.poddisruptionbudgets] },
  {
    group: 'policy', version: 'v1beta1', since: 0, until: 24,
    resources: [R.poddisruptionbudgets, [R.podsecuritypolicies, { since: 10 }]],
  },
  { group: 'rbac.authorization.k8s.io', version: 'v1', since: 8, resources: [R.clusterrolebindings, R.clusterroles, R.rolebindings, R.roles] },
  { group: 'rbac.authorization.k8s.io', version: 'v1beta1', since: 0, until: 21, resources: [R.clusterrolebindings, R.clusterroles, R.rolebindings, R.roles] },
  { group: 'rbac.authorization.k8s.io', version: 'v1alpha1', since: 0, until: 7, resources: [R.clusterrolebindings, R.clusterroles, R.rolebindings, R.roles] },
];

/** APIs deprecated while still served, with the warning a >= 1.19 server sends (`Warning: 299 - "..."`). */
const DEPRECATIONS: { gv: string; deprecated: string; removed: string; replacement?: string; kinds?: string[] }[] = [
  { gv: 'extensions/v1beta1', deprecated: '1.14', removed: '1.22', replacement: 'networking.k8s.io/v1', kinds: ['Ingress'] },
  { gv: 'networking.k8s.io/v1beta1', deprecated: '1.19', removed: '1.22', replacement: 'networking.k8s.io/v1' },
  { gv: 'rbac.authorization.k8s.io/v1beta1', deprecated: '1.17', removed: '1.22', replacement: 'rbac.authorization.k8s.io/v1' },
  { gv: 'authorization.k8s.io/v1beta1', deprecated: '1.19', removed: '1.22', replacement: 'authorization.k8s.io/v1' },
  { gv: 'policy/v1beta1', deprecated: '1.21', removed: '1.25', replacement: 'policy/v1', kinds: ['PodDisruptionBudget'] },
  { gv: 'policy/v1beta1', deprecated: '1.21', removed: '1.25', kinds: ['PodSecurityPolicy'] },
];

export interface K8sVersion {
  major: number;
  minor: number;
  patch: number;
  /** "v1.29.2" */
  gitVersion: string;
}

/** Parses "1.29.2", "v1.7.5", "1.29". Throws on anything else. */
export function parseK8sVersion(v: string): K8sVersion {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?$/.exec(v.trim());
  if (!m) throw new Error(`invalid Kubernetes version "${v}": expected MAJOR.MINOR[.PATCH], e.g. 1.29.2`);
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const patch = m[3] === undefined ? 0 : Number(m[3]);
  if (major !== 1 || minor < 6 || minor > 35) {
    throw new Error(`unsupported Kubernetes version "${v}": the simulator knows 1.6 to 1.35`);
  }
  return { major, minor, patch, gitVersion: `v${major}.${minor}.${patch}` };
}

function servedAt(a: Availability, minor: number): boolean {
  return minor >= a.since && (a.until === undefined || minor <= a.until);
}

/** The API surface of one Kubernetes version. */
export class ApiSurface {
  readonly versions: ServedVersion[];
  private byGV = new Map<string, ServedVersion>();

  constructor(readonly k8s: K8sVersion) {
    const out: ServedVersion[] = [];
    for (const e of TABLE) {
      if (!servedAt(e, k8s.minor)) continue;
      const resources: ResourceDef[] = [];
      for (const r of e.resources) {
        if (Array.isArray(r)) {
          if (servedAt(r[1], k8s.minor)) resources.push(r[0]);
        } else resources.push(r);
      }
      if (resources.length === 0) continue;
      const groupVersion = e.group ? `${e.group}/${e.version}` : e.version;
      const sv = { group: e.group, version: e.version, groupVersion, resources };
      out.push(sv);
      this.byGV.set(groupVersion, sv);
    }
    this.versions = out;
  }

  gv(groupVersion: string): ServedVersion | undefined {
    return this.byGV.get(groupVersion);
  }

  resource(groupVersion: string, name: string): ResourceDef | undefined {
    return this.byGV.get(groupVersion)?.resources.find((r) => r.name === name);
  }

  /** The served resource of a kind in a group version. */
  resourceForKind(groupVersion: string, kind: string): ResourceDef | undefined {
    return this.byGV.get(groupVersion)?.resources.find((r) => r.kind === kind);
  }

  /** The preferred group version serving `store` (for owner references and controller writes). */
  preferredFor(store: string, group?: string): string | undefined {
    for (const g of this.groups()) {
      if (group !== undefined && g.name !== group) continue;
      for (const v of g.versions) if (this.byGV.get(v)!.resources.some((r) => r.store === store)) return v;
    }
    return undefined;
  }

  /** Groups (not core) with their served versions, preferred first. */
  groups(): { name: string; versions: string[]; preferred: string }[] {
    const order: string[] = [];
    const m = new Map<string, string[]>();
    for (const v of this.versions) {
      if (v.group === '') continue;
      if (!m.has(v.group)) {
        m.set(v.group, []);
        order.push(v.group);
      }
      m.get(v.group)!.push(v.groupVersion);
    }
    return order.map((name) => {
      const versions = m.get(name)!;
      return { name, versions, preferred: versions[0]! };
    });
  }

  /** The deprecation warning a request through this group version of this kind gets (servers >= 1.19 send them). */
  warning(groupVersion: string, kind: string): string | undefined {
    if (this.k8s.minor < 19) return undefined;
    const d = DEPRECATIONS.find((x) => x.gv === groupVersion && (!x.kinds || x.kinds.includes(kind)));
    if (!d) return undefined;
    const use = d.replacement ? `; use ${d.replacement} ${kind}` : '';
    return `${groupVersion} ${kind} is deprecated in v${d.deprecated}+, unavailable in v${d.removed}+${use}`;
  }

  // ---- discovery documents ----

  versionInfo(): Record<string, string> {
    const k = this.k8s;
    return {
      major: String(k.major),
      minor: String(k.minor),
      gitVersion: k.gitVersion,
      gitCommit: 'a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0',
      gitTreeState: 'clean',
      buildDate: '2024-02-14T10:32:40Z',
      goVersion: k.minor >= 29 ? 'go1.21.7' : k.minor >= 20 ? 'go1.15.15' : k.minor >= 10 ? 'go1.10.8' : 'go1.8.3',
      compiler: 'gc',
      platform: 'linux/amd64',
    };
  }

  apiVersions(serverAddress: string): Record<string, unknown> {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  }

  private groupDoc(g: { name: string; versions: string[]; preferred: string }): Record<string, unknown> {
    const versions = g.versions.map((gv) => ({ groupVersion: gv, version: gv.slice(gv.indexOf('/') + 1) }));
    return { name: g.name, versions, preferredVersion: versions[0] };
  }

  apiGroupList(): Record<string, unknown> {
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: this.groups().map((g) => this.groupDoc(g)) };
  }

  apiGroup(name: string): Record<string, unknown> | undefined {
    const g = this.groups().find((x) => x.name === name);
    if (!g) return undefined;
    return { kind: 'APIGroup', apiVersion: 'v1', ...this.groupDoc(g) };
  }

  apiResourceList(groupVersion: string): Record<string, unknown> | undefined {
    const sv = this.byGV.get(groupVersion);
    if (!sv) return undefined;
    const resources: Record<string, unknown>[] = [];
    for (const r of [...sv.resources].sort((a, b) => a.name.localeCompare(b.name))) {
      const entry: Record<string, unknown> = { name: r.name, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs };
      if (r.shortNames) entry['shortNames'] = r.shortNames;
      if (r.categories) entry['categories'] = r.categories;
      // A stable hash of the served schema, as the real server sends (kubectl caches by it).
      entry['storageVersionHash'] = storageHash(`${groupVersion}/${r.kind}`);
      resources.push(entry);
      for (const [sub, verbs] of Object.entries(r.subresources ?? {})) {
        const kind = sub === 'scale' ? 'Scale' : sub === 'eviction' ? 'Eviction' : sub === 'binding' ? 'Binding' : sub === 'exec' || sub === 'attach' || sub === 'portforward' ? (sub === 'exec' ? 'PodExecOptions' : sub === 'attach' ? 'PodAttachOptions' : 'PodPortForwardOptions') : sub === 'log' ? 'Pod' : sub === 'proxy' ? (r.kind === 'Node' ? 'NodeProxyOptions' : r.kind === 'Service' ? 'ServiceProxyOptions' : 'PodProxyOptions') : r.kind;
        const s: Record<string, unknown> = { name: `${r.name}/${sub}`, singularName: '', namespaced: r.namespaced, kind, verbs };
        if (sub === 'scale') {
          s['group'] = 'autoscaling';
          s['version'] = 'v1';
        }
        resources.push(s);
      }
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
  }

  // ---- aggregated discovery (apidiscovery.k8s.io) ----

  /** The apidiscovery.k8s.io versions this Kubernetes version serves at `/api` and `/apis`, in no particular order. */
  aggregatedDiscoveryVersions(): AggregatedDiscoveryVersion[] {
    const m = this.k8s.minor;
    if (m < 27) return [];
    if (m < 30) return ['v2beta1'];
    if (m < 33) return ['v2', 'v2beta1'];
    return ['v2'];
  }

  /**
   * The APIGroupDiscoveryList of `/api` (the core group, metadata.name "") or `/apis` (every group, in the order of
   * the APIGroupList, versions preferred first). Built from the legacy APIResourceList of each group version the
   * way the API server's ConvertGroupVersionIntoToDiscovery does, so both documents always agree.
   */
  aggregatedDiscovery(root: 'api' | 'apis', version: AggregatedDiscoveryVersion): Record<string, unknown> {
    const groups = root === 'api' ? [{ name: '', versions: this.versions.filter((v) => v.group === '').map((v) => v.groupVersion) }] : this.groups();
    const items = groups.map((g) => {
      // creationTimestamp: null was serialized for the zero time until 1.33 (kubernetes#130989, 1.34: omitzero).
      const metadata: Record<string, unknown> = this.k8s.minor < 34 ? { creationTimestamp: null } : {};
      if (g.name !== '') metadata['name'] = g.name;
      const versions = g.versions.map((gv) => ({
        version: gv.slice(gv.indexOf('/') + 1),
        resources: discoveryResources(this.apiResourceList(gv)!['resources'] as LegacyResource[]),
        freshness: 'Current',
      }));
      return { metadata, versions };
    });
    return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
  }
}

export type AggregatedDiscoveryVersion = 'v2' | 'v2beta1';

interface LegacyResource {
  name: string;
  singularName?: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

/** apiserver's ConvertGroupVersionIntoToDiscovery: parents first (legacy order), then each subresource under its parent. */
function discoveryResources(list: LegacyResource[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const parents = new Map<string, Record<string, unknown>>();
  for (const r of list) {
    if (r.name.includes('/')) continue;
    const d: Record<string, unknown> = {
      resource: r.name,
      responseKind: { group: r.group ?? '', version: r.version ?? '', kind: r.kind },
      scope: r.namespaced ? 'Namespaced' : 'Cluster',
      singularResource: r.singularName ?? '',
      verbs: r.verbs,
    };
    if (r.shortNames) d['shortNames'] = r.shortNames;
    if (r.categories) d['categories'] = r.categories;
    out.push(d);
    parents.set(r.name, d);
  }
  for (const r of list) {
    const i = r.name.indexOf('/');
    if (i < 0) continue;
    const parent = parents.get(r.name.slice(0, i))!;
    const subs = (parent['subresources'] ??= []) as Record<string, unknown>[];
    subs.push({ subresource: r.name.slice(i + 1), responseKind: { group: r.group ?? '', version: r.version ?? '', kind: r.kind }, verbs: r.verbs });
  }
  return out;
}

/** The media type of an aggregated discovery answer, as the API server names it in Content-Type. */
export function aggregatedDiscoveryMediaType(version: AggregatedDiscoveryVersion): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}

/** The ETag the API server sends with an aggregated discovery document: the hex SHA-512 of its JSON, quoted. */
export function discoveryETag(json: string): string {
  return `"${createHash('sha512').update(json).digest('hex').toUpperCase()}"`;
}

interface AcceptClause {
  type: string;
  subtype: string;
  params: Record<string, string>;
  q: number;
}

/** An Accept header as the API server's negotiation (goautoneg) reads it: q=0 dropped, by q, then specific types first. */
export function parseAccept(header: string): AcceptClause[] {
  const out: AcceptClause[] = [];
  for (const part of header.split(',')) {
    const [mt, ...rest] = part.split(';').map((x) => x.trim());
    if (!mt) continue;
    const slash = mt.indexOf('/');
    const type = (slash < 0 ? mt : mt.slice(0, slash)).toLowerCase();
    const subtype = (slash < 0 ? '*' : mt.slice(slash + 1)).toLowerCase();
    const params: Record<string, string> = {};
    let q = 1;
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const k = p.slice(0, eq).trim().toLowerCase();
      const v = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      if (k === 'q') q = Number.isNaN(parseFloat(v)) ? 0 : parseFloat(v);
      else params[k] = v;
    }
    if (q > 0) out.push({ type, subtype, params, q });
  }
  const rank = (c: AcceptClause) => (c.type === '*' ? 2 : c.subtype === '*' ? 1 : 0);
  // Array.prototype.sort is stable: equal clauses keep the client's order.
  return out.sort((a, b) => b.q - a.q || rank(a) - rank(b));
}

/** Media types the discovery endpoints encode (the simulator answers every one of them in JSON). */
const DISCOVERY_MEDIA_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

/**
 * Which document `/api` or `/apis` answers for an Accept header (apiserver's aggregated.WrappedHandler and
 * DiscoveryEndpointRestrictions): the first acceptable clause decides; a clause asking for an apidiscovery.k8s.io
 * APIGroupDiscoveryList version this server serves means that aggregated document, a clause without `as`/`g`/`v` the
 * legacy one; clauses asking for anything else are skipped. Only JSON is served in the aggregated form (a protobuf
 * aggregated clause is skipped). Returns undefined for the legacy document.
 */
export function negotiateDiscovery(accept: string | undefined, served: AggregatedDiscoveryVersion[]): AggregatedDiscoveryVersion | undefined {
  if (!accept || served.length === 0) return undefined;
  for (const c of parseAccept(accept)) {
    const matches = (mt: string) => (c.type === '*' || c.type === mt.slice(0, mt.indexOf('/'))) && (c.subtype === '*' || c.subtype === mt.slice(mt.indexOf('/') + 1));
    const convert = c.params['as'] !== undefined || c.params['g'] !== undefined || c.params['v'] !== undefined;
    if (!convert) {
      if (DISCOVERY_MEDIA_TYPES.some(matches)) return undefined;
      continue;
    }
    if (c.params['g'] !== 'apidiscovery.k8s.io' || c.params['as'] !== 'APIGroupDiscoveryList') continue;
    const v = served.find((x) => x === c.params['v']);
    if (v && matches('application/json')) return v;
  }
  return undefined;
}

function storageHash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return Buffer.from(h.toString(16).padStart(8, '0')).toString('base64').slice(0, 11);
}
