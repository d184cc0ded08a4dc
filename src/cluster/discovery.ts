/**
 * API discovery: which group/versions the cluster serves (/api, /apis) and, per group/version
 * (/api/v1, /apis/G/V), which kinds with which plural and scope. Cached for the life of the
 * connection; concurrent callers share one request.
 *
 * /api and /apis are asked for aggregated discovery (apidiscovery.k8s.io v2, or v2beta1 on
 * 1.27-1.32): a server that answers with an APIGroupDiscoveryList lists every group/version's
 * resources in those two answers, so no per-group/version request follows. A version the
 * aggregated document marks "Stale" (an aggregated API server it could not reach) is read the
 * legacy way when needed; servers before 1.27 answer the legacy documents.
 */
import { failure } from '../errors.js';
import { splitApiVersion, type KindResource } from '../kube/kinds.js';
import { isKubeApiError } from './status-errors.js';
import type { Transport } from './transport.js';

/** Where one apiVersion serves one kind (KindResource, src/kube/kinds.ts), and the verbs discovery lists for it. */
export interface ResourceInfo extends KindResource {
  verbs: string[];
}

interface APIResource {
  name: string;
  namespaced?: boolean;
  kind?: string;
  verbs?: string[];
}

/** What /api and /apis are asked for: aggregated discovery v2, then v2beta1, then the legacy document. */
export const DISCOVERY_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

/** apidiscovery.k8s.io/v2 (and v2beta1, the same shape): the fields read here. */
interface GroupVersionKind {
  group?: string;
  version?: string;
  kind?: string;
}
interface APIGroupDiscoveryList {
  kind: 'APIGroupDiscoveryList';
  items?: {
    metadata?: { name?: string };
    versions?: {
      version: string;
      freshness?: string;
      resources?: {
        resource: string;
        responseKind?: GroupVersionKind;
        scope?: string;
        verbs?: string[];
        subresources?: { subresource: string; responseKind?: GroupVersionKind; verbs?: string[] }[];
      }[];
    }[];
  }[];
}
type RootAnswer = { kind?: string; versions?: string[]; groups?: { name: string; versions?: { groupVersion: string }[] }[] } | APIGroupDiscoveryList;

function isAggregated(doc: RootAnswer): doc is APIGroupDiscoveryList {
  return doc.kind === 'APIGroupDiscoveryList';
}

/** One version of an aggregated document as the legacy APIResourceList has it (subresources as "plural/sub"). */
function legacyResources(v: NonNullable<NonNullable<APIGroupDiscoveryList['items']>[number]['versions']>[number]): APIResource[] {
  const out: APIResource[] = [];
  for (const r of v.resources ?? []) {
    const namespaced = r.scope === 'Namespaced';
    out.push({ name: r.resource, namespaced, kind: r.responseKind?.kind, verbs: r.verbs ?? [] });
    for (const sub of r.subresources ?? []) out.push({ name: `${r.resource}/${sub.subresource}`, namespaced, kind: sub.responseKind?.kind, verbs: sub.verbs ?? [] });
  }
  return out;
}

/** The URL prefix of a group/version: "/api/v1" or "/apis/apps/v1". */
export function groupVersionPath(apiVersion: string): string {
  const { group, version } = splitApiVersion(apiVersion);
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

export class Discovery {
  private gvs?: Promise<string[]>;
  private readonly lists = new Map<string, Promise<APIResource[] | undefined>>();
  /** Resource lists the aggregated /api and /apis answers carried (fresh versions only). */
  private readonly aggregated = new Map<string, APIResource[]>();

  constructor(private readonly t: Transport) {}

  /** Every served group/version ("v1", "apps/v1", ...), core first. */
  groupVersions(): Promise<string[]> {
    if (!this.gvs) {
      const p = this.loadGroupVersions();
      this.gvs = p;
      // A failed discovery must not be cached for the next caller.
      p.catch(() => {
        if (this.gvs === p) this.gvs = undefined;
      });
    }
    return this.gvs;
  }

  private async loadGroupVersions(): Promise<string[]> {
    const [core, groups] = await Promise.all([
      this.t.json<RootAnswer>({ method: 'GET', path: '/api', accept: DISCOVERY_ACCEPT, retry: true, desc: { verb: 'get', label: 'discovery /api' } }),
      this.t
        .json<RootAnswer>({
          method: 'GET',
          path: '/apis',
          accept: DISCOVERY_ACCEPT,
          retry: true,
          desc: { verb: 'get', label: 'discovery /apis' },
        })
        .catch((err: unknown): RootAnswer => {
          if (isKubeApiError(err, 404)) return { groups: [] };
          throw err;
        }),
    ]);
    const out: string[] = [];
    const found = new Map<string, APIResource[]>();
    const add = (gv: string) => {
      if (!out.includes(gv)) out.push(gv);
    };
    const fromAggregated = (doc: APIGroupDiscoveryList) => {
      for (const g of doc.items ?? []) {
        const group = g.metadata?.name ?? '';
        for (const v of g.versions ?? []) {
          const gv = group === '' ? v.version : `${group}/${v.version}`;
          add(gv);
          if (v.freshness !== 'Stale' && !found.has(gv)) found.set(gv, legacyResources(v));
        }
      }
    };
    // core first, then the groups in the server's order, each group's preferred version first
    if (isAggregated(core)) fromAggregated(core);
    else out.push(...(core.versions ?? []));
    if (isAggregated(groups)) fromAggregated(groups);
    else for (const g of groups.groups ?? []) for (const v of g.versions ?? []) add(v.groupVersion);
    this.aggregated.clear();
    for (const [gv, list] of found) this.aggregated.set(gv, list);
    return out;
  }

  /** The resources of one group/version, or undefined if the cluster does not serve it. */
  private resources(apiVersion: string): Promise<APIResource[] | undefined> {
    let p = this.lists.get(apiVersion);
    if (!p) {
      p = this.loadResources(apiVersion);
      this.lists.set(apiVersion, p);
      const mine = p;
      p.catch(() => {
        if (this.lists.get(apiVersion) === mine) this.lists.delete(apiVersion);
      });
    }
    return p;
  }

  private async loadResources(apiVersion: string): Promise<APIResource[] | undefined> {
    const gvs = await this.groupVersions();
    if (!gvs.includes(apiVersion)) return undefined;
    const fromAggregated = this.aggregated.get(apiVersion);
    if (fromAggregated) return fromAggregated;
    try {
      const list = await this.t.json<{ resources?: APIResource[] }>({
        method: 'GET',
        path: groupVersionPath(apiVersion),
        retry: true,
        desc: { verb: 'get', label: `discovery ${groupVersionPath(apiVersion)}` },
      });
      return list.resources ?? [];
    } catch (err) {
      if (isKubeApiError(err, 404)) return undefined;
      throw err;
    }
  }

  /** Plural and scope of apiVersion+kind, or undefined if the cluster does not serve that kind in that version. */
  async resolve(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const resources = await this.resources(apiVersion);
    const r = resources?.find((x) => x.kind === kind && !x.name.includes('/'));
    if (!r) return undefined;
    const { group, version } = splitApiVersion(apiVersion);
    return { apiVersion, group, version, kind, plural: r.name, namespaced: Boolean(r.namespaced), verbs: r.verbs ?? [] };
  }

  /** Like resolve(), but an unserved kind is a one-line failure naming the versions that are served. */
  async require(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const info = await this.resolve(apiVersion, kind);
    if (info) return info;
    const others = await this.servedVersionsOf(kind);
    throw failure(
      `the cluster does not serve ${kind} in ${apiVersion}${others.length ? ` (it serves ${kind} in ${others.join(', ')})` : ''}`,
      others.length ? 'the manifest was written for another Kubernetes version: pick the flavour for this cluster' : undefined,
    );
  }

  /**
   * The group/versions that serve a kind (e.g. DaemonSet -> apps/v1). Reads every group/version's
   * resource list, so it is meant for error messages, not for the common path.
   */
  async servedVersionsOf(kind: string): Promise<string[]> {
    const gvs = await this.groupVersions();
    const found = await Promise.all(
      gvs.map(async (gv) => {
        try {
          const res = await this.resources(gv);
          return res?.some((r) => r.kind === kind && !r.name.includes('/')) ? gv : undefined;
        } catch {
          return undefined; // an aggregated API that is down must not hide the others
        }
      }),
    );
    return found.filter((x): x is string => x !== undefined);
  }
}
