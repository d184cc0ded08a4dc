/**
 * Minimal OpenAPI v3 documents: the `/openapi/v3` index and one document per group version listing each resource's
 * PATCH operation with its `x-kubernetes-group-version-kind` and query parameters. That is what kubectl reads to
 * learn that the server validates fields itself (`fieldValidation`), so `kubectl apply` (client- or server-side)
 * does not need a full schema. There are no component schemas: kubectl then falls back to its built-in types for
 * strategic merge patches, as it does against servers without OpenAPI.
 */

import type { ApiSurface } from './apis.js';
import { fnv32a } from './core.js';
import type { Obj } from './types.js';

function gvPath(groupVersion: string): string {
  return groupVersion.includes('/') ? `apis/${groupVersion}` : `api/${groupVersion}`;
}

export function openApiV3Index(s: ApiSurface): Obj {
  const paths: Obj = {};
  for (const v of s.versions) {
    const p = gvPath(v.groupVersion);
    const hash = fnv32a(`${s.k8s.gitVersion}/${p}`).toString(16).toUpperCase().padStart(8, '0');
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}${hash}` };
  }
  return { paths };
}

const QUERY = (name: string, description: string): Obj => ({ name, in: 'query', description, schema: { type: 'string', uniqueItems: true } });

export function openApiV3Doc(s: ApiSurface, rel: string): Obj | undefined {
  const m = /^(api\/v1|apis\/[^/]+\/[^/]+)$/.exec(rel.replace(/\/$/, ''));
  if (!m) return undefined;
  const gv = rel.startsWith('api/') ? 'v1' : rel.slice('apis/'.length);
  const sv = s.gv(gv);
  if (!sv) return undefined;
  const paths: Obj = {};
  for (const r of sv.resources) {
    const gvk = { group: sv.group, version: sv.version, kind: r.kind };
    const base = `/${gvPath(gv)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.name}`;
    const params = [QUERY('dryRun', 'When present, indicates that modifications should not be persisted.'), QUERY('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.'), QUERY('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.')];
    const op = (action: string, extra: Obj[] = []): Obj => ({
      description: `${action} the specified ${r.kind}`,
      operationId: `${action}${r.kind}`,
      parameters: [...params, ...extra],
      responses: { '200': { description: 'OK' }, '401': { description: 'Unauthorized' } },
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
    });
    if (r.verbs.includes('patch')) {
      paths[`${base}/{name}`] = {
        get: op('get'),
        put: op('put'),
        patch: op('patch', [{ name: 'force', in: 'query', description: 'Force is going to "force" Apply requests.', schema: { type: 'boolean', uniqueItems: true } }]),
        delete: op('delete'),
        parameters: [{ name: 'name', in: 'path', required: true, description: `name of the ${r.kind}`, schema: { type: 'string', uniqueItems: true } }],
      };
    }
    if (r.verbs.includes('create')) paths[base] = { post: op('post') };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: s.k8s.gitVersion },
    paths,
    components: { schemas: {} },
  };
}
