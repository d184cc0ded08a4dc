/**
 * API discovery: which group/versions the cluster serves (/api, /apis) and, per group/version
 * (/api/v1, /apis/G/V), which kinds with which plural and scope. Cached for the life of the
 * connection; concurrent callers share one request.
 */
import { failure } from '../errors.js';
import { isKubeApiError } from './status-errors.js';
import type { Transport } from './transport.js';

export interface ResourceInfo {
  apiVersion: string;
  /** "" for the core group. */
  group: string;
  version: string;
  kind: string;
  /** "daemonsets" */
  plural: string;
  namespaced: boolean;
  verbs: string[];
}

interface APIResource {
  name: string;
  namespaced?: boolean;
  kind?: string;
  verbs?: string[];
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** The URL prefix of a group/version: "/api/v1" or "/apis/apps/v1". */
export function groupVersionPath(apiVersion: string): string {
  const { group, version } = splitApiVersion(apiVersion);
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

export class Discovery {
  private gvs?: Promise<string[]>;
  private readonly lists = new Map<string, Promise<APIResource[] | undefined>>();

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
      this.t.json<{ versions?: string[] }>({ method: 'GET', path: '/api', retry: true, desc: { verb: 'get', label: 'discovery /api' } }),
      this.t
        .json<{ groups?: { name: string; versions?: { groupVersion: string }[] }[] }>({
          method: 'GET',
          path: '/apis',
          retry: true,
          desc: { verb: 'get', label: 'discovery /apis' },
        })
        .catch((err: unknown) => {
          if (isKubeApiError(err, 404)) return { groups: [] };
          throw err;
        }),
    ]);
    const out = [...(core.versions ?? [])];
    for (const g of groups.groups ?? []) for (const v of g.versions ?? []) if (!out.includes(v.groupVersion)) out.push(v.groupVersion);
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
