/**
 * The API server's request semantics, without HTTP: get/list (selectors, limit/continue), create, update (PUT),
 * patch (merge, strategic, JSON, server-side apply), delete (propagation, graceful pod deletion, finalizers,
 * namespaces), plus the internal writes controllers use. Every write goes through the one Store, so watchers see it.
 */

import { applyDefaults, validate } from './admission.js';
import type { ApiSurface, ResourceDef } from './apis.js';
import { ApiError, errors } from './errors.js';
import { managedFieldsAfterUpdate, serverSideApply, type ManagerInfo } from './fieldmanager.js';
import { clone, deepEqual, isPlainObject, jsonPatch, mergePatch, PatchError, strategicMergePatch } from './patch.js';
import { decodeNulls } from './schema.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, pinnedName } from './selectors.js';
import { nowRfc3339, type Rng, type Store } from './store.js';
import type { Obj } from './types.js';

export interface Target {
  /** "apps/v1" | "v1" */
  gv: string;
  group: string;
  res: ResourceDef;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export interface WriteOptions {
  dryRun?: boolean;
  /** fieldManager, or the user agent's prefix when not given */
  manager: string;
  force?: boolean;
}

export interface DeleteOptions {
  dryRun?: boolean;
  propagationPolicy?: string;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface ListQuery {
  labelSelector?: string | null;
  fieldSelector?: string | null;
  limit?: number;
  continue?: string | null;
}

export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

export const PATCH_CONTENT_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/json-patch+json': 'json',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

/** Kinds whose DELETE answers with the object rather than a Status. */
const RETURNS_DELETED_OBJECT = new Set(['Pod', 'Service', 'Namespace']);
const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);
const LEGACY_WORKLOAD_GVS = new Set(['extensions/v1beta1', 'apps/v1beta1', 'apps/v1beta2']);

export interface ApiServerDeps {
  store: Store;
  surface: ApiSurface;
  rng: Rng;
  /** first three octets of the service network, "10.96.0" */
  serviceNetwork: string;
  /** true: a binding to a role that does not exist is refused (Faults.noBindPermission) */
  bindingsNeedRoles?: () => boolean;
}

/** Puts apiVersion and kind first, like the server's serializer. */
export function present(obj: Obj, gv: string, kind: string, minor: number, selfLink?: string): Obj {
  const out: Obj = { kind, apiVersion: gv };
  for (const [k, v] of Object.entries(obj)) if (k !== 'kind' && k !== 'apiVersion') out[k] = v;
  if (gv !== 'extensions/v1beta1' && kind === 'DaemonSet' && isPlainObject(out['spec']) && 'templateGeneration' in out['spec']) {
    const { templateGeneration: _tg, ...spec } = out['spec'];
    out['spec'] = spec;
  }
  if (minor < 20 && selfLink && isPlainObject(out['metadata'])) out['metadata'] = { ...out['metadata'], selfLink };
  return out;
}

export function selfLinkOf(t: Target, name: string, namespace?: string): string {
  const base = t.group ? `/apis/${t.gv}` : `/api/${t.gv}`;
  const ns = namespace ? `/namespaces/${namespace}` : '';
  return `${base}${ns}/${t.res.name}/${name}`;
}

function encodeContinue(rv: number, lastKey: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: `${lastKey}\u0000` })).toString('base64');
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const o = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as Obj;
    if (o['v'] !== 'meta.k8s.io/v1' || typeof o['rv'] !== 'number' || typeof o['start'] !== 'string') throw new Error('bad');
    return { rv: o['rv'], start: o['start'] };
  } catch {
    throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

function keyOf(o: Obj): string {
  const md = o['metadata'] as Obj;
  return md['namespace'] ? `${md['namespace']}/${md['name']}` : String(md['name']);
}

function managerInfo(opts: WriteOptions, t: Target, operation: 'Apply' | 'Update', subresource?: string): ManagerInfo {
  const i: ManagerInfo = { manager: opts.manager, operation, apiVersion: t.gv };
  if (subresource) i.subresource = subresource;
  return i;
}

/** The part of a write that the request may not change. */
const SERVER_METADATA = ['uid', 'creationTimestamp', 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink'];

export class ApiServer {
  private nextServiceIp = 2;
  private nextNodePort = 30000;

  constructor(private readonly d: ApiServerDeps) {}

  get minor(): number {
    return this.d.surface.k8s.minor;
  }

  /** managedFields exist from Kubernetes 1.18. */
  get tracksManagedFields(): boolean {
    return this.minor >= 18;
  }

  /** Server-side apply (application/apply-patch+yaml) is served from 1.16. */
  get servesApply(): boolean {
    return this.minor >= 16;
  }

  /** RBAC's escalation check for a caller without bind/escalate: the role a binding names must exist. */
  private checkRoleRef(kind: string, obj: Obj, namespace: string | undefined): void {
    if ((kind !== 'ClusterRoleBinding' && kind !== 'RoleBinding') || !this.d.bindingsNeedRoles?.()) return;
    const ref = obj['roleRef'];
    if (!isPlainObject(ref) || typeof ref['name'] !== 'string') return;
    const cluster = ref['kind'] === 'ClusterRole';
    const found = cluster ? this.d.store.get('clusterroles', '', ref['name']) : this.d.store.get('roles', namespace ?? '', ref['name']);
    if (!found) throw errors.notFound('rbac.authorization.k8s.io', cluster ? 'clusterroles' : 'roles', ref['name']);
  }

  private storeNs(t: Target): string {
    return t.res.namespaced ? t.namespace ?? '' : '';
  }

  // ---------------------------------------------------------------- reads

  get(t: Target): Obj {
    const o = this.d.store.get(t.res.store, this.storeNs(t), t.name!);
    if (!o) throw errors.notFound(t.group, t.res.name, t.name!);
    return o;
  }

  list(t: Target, q: ListQuery): { items: Obj[]; resourceVersion: string; continue?: string; remainingItemCount?: number } {
    const labels = parseLabelSelector(q.labelSelector);
    const fields = parseFieldSelector(q.fieldSelector, t.res.kind);
    let start = '';
    let rv = this.d.store.resourceVersion;
    if (q.continue) {
      const c = decodeContinue(q.continue);
      if (c.rv < this.d.store.oldestResumableRv) {
        throw errors.expired(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        );
      }
      start = c.start;
      rv = c.rv;
    }
    const ns = t.res.namespaced ? t.namespace : '';
    const pinned = pinnedName(fields);
    let all: Obj[];
    if (pinned !== undefined && ns !== undefined) {
      const one = this.d.store.get(t.res.store, ns, pinned);
      all = one ? [one] : [];
    } else all = this.d.store.list(t.res.store, ns);
    const matching = all.filter((o) => matchesLabels(labels, o['metadata']?.['labels']) && matchesFields(fields, o) && (!start || keyOf(o) >= start));
    const limit = q.limit && q.limit > 0 ? q.limit : undefined;
    if (limit === undefined || matching.length <= limit) return { items: matching, resourceVersion: String(rv) };
    const page = matching.slice(0, limit);
    const out: { items: Obj[]; resourceVersion: string; continue?: string; remainingItemCount?: number } = {
      items: page,
      resourceVersion: String(rv),
      continue: encodeContinue(rv, keyOf(page[page.length - 1]!)),
    };
    if (labels.length === 0 && fields.length === 0) out.remainingItemCount = matching.length - limit;
    return out;
  }

  // ---------------------------------------------------------------- helpers

  private checkNamespace(t: Target, name: string | undefined): void {
    if (!t.res.namespaced) return;
    const ns = t.namespace ?? '';
    const n = this.d.store.get('namespaces', '', ns);
    if (!n) throw errors.notFound('', 'namespaces', ns);
    if (n['metadata']?.['deletionTimestamp'] || n['status']?.['phase'] === 'Terminating') {
      throw errors.forbiddenMessage(t.group, t.res.name, name, `unable to create new content in namespace ${ns} because it is being terminated`);
    }
  }

  private checkBody(t: Target, body: unknown): Obj {
    if (!isPlainObject(body)) throw errors.badRequest(`the object provided is unrecognized (must be of type ${t.res.kind})`);
    const av = body['apiVersion'];
    if (av !== undefined && av !== t.gv && !(this.d.surface.resourceForKind(String(av), t.res.kind)?.store === t.res.store)) {
      throw errors.badRequest(`the API version in the data (${String(av)}) does not match the expected API version (${t.gv})`);
    }
    if (body['kind'] !== undefined && body['kind'] !== t.res.kind) {
      throw errors.badRequest(`the kind in the data (${String(body['kind'])}) does not match the expected kind (${t.res.kind})`);
    }
    const md = body['metadata'];
    if (md !== undefined && !isPlainObject(md)) throw errors.badRequest('metadata must be an object');
    if (t.res.namespaced && isPlainObject(md) && md['namespace'] && t.namespace && md['namespace'] !== t.namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    return body;
  }

  private initialStatus(kind: string, obj: Obj): unknown {
    switch (kind) {
      case 'Pod':
        return { phase: 'Pending', qosClass: qosClass(obj['spec']) };
      case 'Namespace':
        return { phase: 'Active' };
      case 'Service':
        return { loadBalancer: {} };
      case 'DaemonSet':
        return { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
      case 'Deployment':
      case 'StatefulSet':
      case 'Ingress':
        return kind === 'Ingress' ? { loadBalancer: {} } : {};
      case 'ReplicaSet':
        return { replicas: 0 };
      default:
        return obj['status'];
    }
  }

  private allocateServiceFields(obj: Obj): void {
    const spec = obj['spec'];
    if (!isPlainObject(spec)) return;
    const type = spec['type'];
    if (type !== 'ExternalName' && spec['clusterIP'] === undefined) {
      const n = this.nextServiceIp++;
      spec['clusterIP'] = `${this.d.serviceNetwork.split('.').slice(0, 2).join('.')}.${Math.floor(n / 256) + Number(this.d.serviceNetwork.split('.')[2])}.${n % 256}`;
    }
    if (this.minor >= 20 && type !== 'ExternalName' && spec['clusterIP'] !== 'None' && spec['clusterIPs'] === undefined) {
      spec['clusterIPs'] = [spec['clusterIP']];
    }
    if (this.minor >= 20 && type !== 'ExternalName') {
      spec['ipFamilies'] ??= ['IPv4'];
      spec['ipFamilyPolicy'] ??= 'SingleStack';
    }
    if (this.minor >= 22 && type !== 'ExternalName') spec['internalTrafficPolicy'] ??= 'Cluster';
    if (type === 'NodePort' || type === 'LoadBalancer') {
      for (const p of (spec['ports'] ?? []) as Obj[]) if (isPlainObject(p)) p['nodePort'] ??= this.nextNodePort++;
      spec['externalTrafficPolicy'] ??= 'Cluster';
    }
  }

  /** Reserves a cluster IP (for the bootstrap `kubernetes` service). */
  reserveServiceIp(n: number): void {
    this.nextServiceIp = Math.max(this.nextServiceIp, n + 1);
  }

  // ---------------------------------------------------------------- create

  create(t: Target, body: unknown, opts: WriteOptions, presetManagedFields?: Obj[]): Obj {
    const input = decodeNulls(t.res.kind, clone(this.checkBody(t, body)));
    const md: Obj = { ...(input['metadata'] ?? {}) };
    if (t.res.namespaced) md['namespace'] = t.namespace;
    else delete md['namespace'];
    if (!md['name'] && typeof md['generateName'] === 'string' && md['generateName']) {
      for (let i = 0; i < 100; i++) {
        const candidate = `${md['generateName']}${this.d.rng.suffix(5)}`;
        if (!this.d.store.get(t.res.store, this.storeNs(t), candidate)) {
          md['name'] = candidate;
          break;
        }
      }
    }
    for (const k of [...SERVER_METADATA, 'resourceVersion']) delete md[k];
    input['metadata'] = md;
    const name = typeof md['name'] === 'string' ? md['name'] : undefined;
    if (t.res.kind !== 'Namespace') this.checkNamespace(t, name);
    return this.finishCreate(t, input, opts, presetManagedFields);
  }

  private finishCreate(t: Target, input: Obj, opts: WriteOptions, presetManagedFields?: Obj[]): Obj {
    const kind = t.res.kind;
    const md = input['metadata'] as Obj;
    delete input['apiVersion'];
    delete input['kind'];
    applyDefaults(kind, t.gv, input, this.minor);
    if (t.res.status) {
      const st = this.initialStatus(kind, input);
      if (st === undefined) delete input['status'];
      else input['status'] = st;
    }
    if (kind === 'Pod' && isPlainObject(input['spec'])) {
      input['spec']['serviceAccountName'] ??= 'default';
      input['spec']['serviceAccount'] ??= input['spec']['serviceAccountName'];
    }
    const invalid = validate(kind, t.group, t.gv, { ...input, metadata: md }, undefined);
    if (invalid) throw invalid;
    this.checkRoleRef(kind, input, md['namespace'] as string | undefined);
    const name = md['name'] as string;
    if (this.d.store.get(t.res.store, this.storeNs(t), name)) throw errors.alreadyExists(t.group, t.res.name, name);
    if (kind === 'Service') this.allocateServiceFields(input);
    const meta: Obj = { ...md, uid: this.d.store.newUid(), creationTimestamp: nowRfc3339() };
    if (t.res.generation) meta['generation'] = 1;
    const obj: Obj = { apiVersion: t.gv, kind, ...input, metadata: meta };
    delete meta['managedFields'];
    meta['managedFields'] = presetManagedFields ?? managedFieldsAfterUpdate(kind, undefined, obj, managerInfo(opts, t, 'Update'), 'main');
    if (meta['managedFields'].length === 0 || !this.tracksManagedFields) delete meta['managedFields'];
    reorderMetadata(obj);
    if (opts.dryRun) return obj;
    return this.d.store.create(t.res.store, obj);
  }

  // ---------------------------------------------------------------- update

  update(t: Target, body: unknown, opts: WriteOptions): Obj {
    const input = decodeNulls(t.res.kind, clone(this.checkBody(t, body)));
    const md = (input['metadata'] ?? {}) as Obj;
    if (md['name'] !== undefined && md['name'] !== t.name) {
      throw errors.badRequest(`the name of the object (${String(md['name'])}) does not match the name on the URL (${t.name})`);
    }
    const old = this.get(t);
    return this.commitUpdate(t, old, input, opts);
  }

  /** The shared tail of PUT and PATCH: the next object (as the client sent it) → stored. */
  private commitUpdate(t: Target, old: Obj, input: Obj, opts: WriteOptions, presetManagedFields?: Obj[]): Obj {
    const kind = t.res.kind;
    const sub = t.subresource;
    const md = { ...((input['metadata'] ?? {}) as Obj) };
    const want = md['resourceVersion'];
    if (want !== undefined && want !== '' && String(want) !== old['metadata']['resourceVersion']) {
      throw errors.conflict(t.group, t.res.name, t.name!);
    }
    let next: Obj;
    if (sub === 'status') {
      next = { ...clone(old), status: clone(input['status']) };
      if (next['status'] === undefined) delete next['status'];
      // A status write may set labels/annotations? The real status strategies keep metadata; so do we.
    } else {
      next = { ...input };
      delete next['apiVersion'];
      delete next['kind'];
      const nm: Obj = { ...md };
      for (const k of SERVER_METADATA) {
        if (old['metadata'][k] === undefined) delete nm[k];
        else nm[k] = old['metadata'][k];
      }
      nm['name'] = old['metadata']['name'];
      if (t.res.namespaced) nm['namespace'] = old['metadata']['namespace'];
      else delete nm['namespace'];
      next['metadata'] = nm;
      if (t.res.status) {
        if (old['status'] === undefined) delete next['status'];
        else next['status'] = clone(old['status']);
      }
      applyDefaults(kind, t.gv, next, this.minor);
      if (kind === 'Service') this.allocateServiceFields(next);
      if (kind === 'Service' && isPlainObject(old['spec']) && isPlainObject(next['spec']) && old['spec']['clusterIP'] && next['spec']['clusterIP'] !== old['spec']['clusterIP']) {
        throw errors.invalid(t.group, kind, t.name!, [{ field: 'spec.clusterIP', type: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(next['spec']['clusterIP'])}: field is immutable` }]);
      }
      const invalid = validate(kind, t.group, t.gv, next, old);
      if (invalid) throw invalid;
      this.checkRoleRef(kind, next, old['metadata']?.['namespace'] as string | undefined);
      if (t.res.generation && !deepEqual(old['spec'], next['spec'])) {
        next['metadata']['generation'] = Number(old['metadata']['generation'] ?? 1) + 1;
        if (t.gv === 'extensions/v1beta1' && kind === 'DaemonSet' && isPlainObject(next['spec']) && !deepEqual(old['spec']?.['template'], next['spec']['template'])) {
          next['spec']['templateGeneration'] = Number(old['spec']?.['templateGeneration'] ?? 1) + 1;
        }
      }
    }
    next['metadata'] = { ...next['metadata'], resourceVersion: old['metadata']['resourceVersion'] };
    if (presetManagedFields) next['metadata']['managedFields'] = presetManagedFields;
    else {
      const scope = sub === 'status' ? 'status' : 'main';
      const mf = managedFieldsAfterUpdate(kind, old, sub === 'status' ? next : { ...next, metadata: { ...next['metadata'], managedFields: md['managedFields'] } }, managerInfo(opts, t, 'Update', sub === 'status' ? 'status' : undefined), scope);
      next['metadata']['managedFields'] = mf;
    }
    if ((next['metadata']['managedFields'] as unknown[]).length === 0 || !this.tracksManagedFields) delete next['metadata']['managedFields'];
    const stored: Obj = { apiVersion: old['apiVersion'], kind, ...next };
    reorderMetadata(stored);
    if (deepEqual(stored, old)) return old;
    if (opts.dryRun) return stored;
    // finalizers all gone on an object being deleted: the deletion completes
    if (stored['metadata']['deletionTimestamp'] && !((stored['metadata']['finalizers'] ?? []) as unknown[]).length && kind !== 'Pod' && kind !== 'Namespace') {
      return this.d.store.remove(t.res.store, this.storeNs(t), t.name!) ?? stored;
    }
    return this.d.store.update(t.res.store, stored);
  }

  // ---------------------------------------------------------------- patch

  patch(t: Target, patchType: PatchType, body: unknown, opts: WriteOptions): { object: Obj; created: boolean } {
    if (patchType === 'apply') return this.apply(t, body, opts);
    const old = this.get(t);
    const current = present(old, t.gv, t.res.kind, 99);
    let patched: unknown;
    try {
      if (patchType === 'merge') {
        if (!isPlainObject(body)) throw errors.badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
        patched = mergePatch(current, body);
      } else if (patchType === 'strategic') {
        if (!isPlainObject(body)) throw errors.badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
        patched = strategicMergePatch(t.res.kind, current, body);
      } else {
        patched = jsonPatch(current, body);
      }
    } catch (e) {
      if (e instanceof PatchError) throw new ApiError(422, 'Invalid', e.message, {});
      throw e;
    }
    if (!isPlainObject(patched)) throw errors.badRequest('the patch produced an object that is not a JSON object');
    // the patched JSON is decoded into the typed object: nulls the patch left (a JSON patch's `add` of null, nulls
    // inside a replaced list) are dropped like a create's
    decodeNulls(t.res.kind, patched);
    const md = (patched['metadata'] ?? {}) as Obj;
    if (md['name'] !== t.name) throw errors.badRequest(`the name of the object (${String(md['name'])}) does not match the name on the URL (${t.name})`);
    // A patch keeps the live resourceVersion unless it sets one (then it is a precondition).
    const patchSetsRv =
      (isPlainObject(body) && isPlainObject(body['metadata']) && body['metadata']['resourceVersion'] !== undefined) ||
      (Array.isArray(body) && body.some((op) => isPlainObject(op) && typeof op['path'] === 'string' && op['path'].startsWith('/metadata/resourceVersion') && op['op'] !== 'test'));
    if (!patchSetsRv) md['resourceVersion'] = old['metadata']['resourceVersion'];
    patched['metadata'] = md;
    return { object: this.commitUpdate(t, old, patched, opts), created: false };
  }

  private apply(t: Target, body: unknown, opts: WriteOptions): { object: Obj; created: boolean } {
    const cfg = this.checkBody(t, body);
    if (cfg['apiVersion'] === undefined || cfg['kind'] === undefined) {
      throw errors.badRequest(`error decoding YAML: ${cfg['kind'] === undefined ? "Object 'Kind' is missing" : "Object 'apiVersion' is missing"} in '${JSON.stringify(cfg)}'`);
    }
    const md = (cfg['metadata'] ?? {}) as Obj;
    if (md['name'] !== undefined && md['name'] !== t.name) {
      throw errors.badRequest(`the name of the object (${String(md['name'])}) does not match the name on the URL (${t.name})`);
    }
    if (t.subresource === 'status') throw errors.badRequest('server-side apply of a status subresource is not supported by the simulator');
    const info: ManagerInfo = { manager: opts.manager, operation: 'Apply', apiVersion: t.gv };
    const old = this.d.store.get(t.res.store, this.storeNs(t), t.name!);
    const config = clone(cfg);
    // metadata.resourceVersion in an apply configuration is a precondition on an existing object (409
    // Conflict on a mismatch, as for an update); creating, the generic registry ignores it (kubernetes#106745).
    const want = md['resourceVersion'];
    if (old && want !== undefined && want !== '' && String(want) !== old['metadata']['resourceVersion']) {
      throw errors.conflict(t.group, t.res.name, t.name!);
    }
    const { resourceVersion: _rv, ...mdRest } = md;
    config['metadata'] = { ...mdRest, name: t.name };
    if (t.res.namespaced) config['metadata']['namespace'] = t.namespace;
    else delete config['metadata']['namespace'];
    if (!old) {
      if (t.res.kind !== 'Namespace') this.checkNamespace(t, t.name);
      const merged = serverSideApply(t.res.kind, undefined, config, info, !!opts.force);
      const mf = merged['metadata']['managedFields'] as Obj[];
      const created = this.finishCreate(t, { ...merged, metadata: { ...merged['metadata'], managedFields: undefined } }, opts, mf);
      return { object: created, created: true };
    }
    const live = present(old, t.gv, t.res.kind, 99);
    const merged = serverSideApply(t.res.kind, live, config, info, !!opts.force);
    const mf = merged['metadata']['managedFields'] as Obj[];
    merged['metadata'] = { ...merged['metadata'], resourceVersion: old['metadata']['resourceVersion'] };
    return { object: this.commitUpdate(t, old, merged, opts, mf), created: false };
  }

  // ---------------------------------------------------------------- delete

  /**
   * DELETE. Returns the object to answer with (the deleted object, or the object now being deleted) and whether
   * the deletion already completed.
   */
  delete(t: Target, opts: DeleteOptions): { object: Obj; done: boolean; code: number } {
    const old = this.get(t);
    const md = old['metadata'] as Obj;
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== md['uid']) {
      throw errors.conflict(t.group, t.res.name, t.name!, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(md['uid'])}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== md['resourceVersion']) {
      throw errors.conflict(t.group, t.res.name, t.name!, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(md['resourceVersion'])}`);
    }
    const kind = t.res.kind;
    if (kind === 'Namespace' && PROTECTED_NAMESPACES.has(t.name!)) {
      throw errors.forbiddenMessage('', 'namespaces', t.name, 'this namespace may not be deleted');
    }
    if (opts.dryRun) return { object: old, done: false, code: 200 };
    if (md['deletionTimestamp']) return { object: old, done: false, code: 200 };
    const now = nowRfc3339();
    if (kind === 'Namespace') {
      const next = { ...old, metadata: { ...md, deletionTimestamp: now }, status: { ...(old['status'] ?? {}), phase: 'Terminating' } };
      return { object: this.d.store.update(t.res.store, next), done: false, code: 200 };
    }
    let policy = opts.propagationPolicy;
    if (!policy) policy = LEGACY_WORKLOAD_GVS.has(t.gv) && ['DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet'].includes(kind) ? 'Orphan' : 'Background';
    if (!['Foreground', 'Background', 'Orphan'].includes(policy)) {
      throw errors.invalid(t.group, kind, t.name!, [{ field: 'propagationPolicy', type: 'FieldValueNotSupported', message: `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"` }]);
    }
    const finalizers = [...((md['finalizers'] ?? []) as string[])];
    if (policy === 'Orphan') {
      for (const dep of this.d.store.dependents(md['uid'] as string)) {
        const refs = ((dep.object['metadata']['ownerReferences'] ?? []) as Obj[]).filter((r) => r['uid'] !== md['uid']);
        const dm = { ...dep.object['metadata'] };
        if (refs.length) dm['ownerReferences'] = refs;
        else delete dm['ownerReferences'];
        this.d.store.update(dep.store, { ...dep.object, metadata: dm });
      }
    }
    if (policy === 'Foreground' && this.d.store.dependents(md['uid'] as string).length > 0 && !finalizers.includes('foregroundDeletion')) {
      finalizers.push('foregroundDeletion');
    }
    if (kind === 'Pod') {
      const grace = opts.gracePeriodSeconds ?? Number(old['spec']?.['terminationGracePeriodSeconds'] ?? 30);
      const phase = old['status']?.['phase'];
      const bound = !!old['spec']?.['nodeName'];
      if ((grace > 0 && bound && phase !== 'Succeeded' && phase !== 'Failed') || finalizers.length > 0) {
        const next = { ...old, metadata: { ...md, deletionTimestamp: new Date(Date.now() + grace * 1000).toISOString().replace(/\.\d+Z$/, 'Z'), deletionGracePeriodSeconds: grace, ...(finalizers.length ? { finalizers } : {}) } };
        return { object: this.d.store.update(t.res.store, next), done: false, code: 200 };
      }
    } else if (finalizers.length > 0) {
      const next: Obj = { ...old, metadata: { ...md, deletionTimestamp: now, deletionGracePeriodSeconds: 0, finalizers } };
      if (t.res.generation) next['metadata']['generation'] = Number(md['generation'] ?? 1) + 1;
      return { object: this.d.store.update(t.res.store, next), done: false, code: policy === 'Foreground' ? 202 : 200 };
    }
    const gone = this.d.store.remove(t.res.store, this.storeNs(t), t.name!)!;
    return { object: gone, done: true, code: 200 };
  }

  /** The Status a completed DELETE answers with (for kinds that do not return the object). */
  deleteStatus(t: Target, obj: Obj): Obj {
    const details: Obj = { name: obj['metadata']['name'] };
    if (t.group) details['group'] = t.group;
    details['kind'] = t.res.name;
    details['uid'] = obj['metadata']['uid'];
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details };
  }

  returnsDeletedObject(kind: string): boolean {
    return RETURNS_DELETED_OBJECT.has(kind);
  }

  // ---------------------------------------------------------------- internal writes (controllers)

  /** Creates an object as a controller would (no admission beyond defaults and metadata), with managedFields. */
  internalCreate(store: string, kind: string, gv: string, obj: Obj, manager: string): Obj {
    const o = clone(obj);
    const md = o['metadata'] as Obj;
    if (!md['name'] && md['generateName']) {
      for (;;) {
        const c = `${md['generateName']}${this.d.rng.suffix(5)}`;
        if (!this.d.store.get(store, md['namespace'] ?? '', c)) {
          md['name'] = c;
          break;
        }
      }
    }
    applyDefaults(kind, gv, o, this.minor);
    md['uid'] = this.d.store.newUid();
    md['creationTimestamp'] = nowRfc3339();
    const full: Obj = { apiVersion: gv, kind, ...o, metadata: md };
    if (this.tracksManagedFields) md['managedFields'] = managedFieldsAfterUpdate(kind, undefined, full, { manager, operation: 'Update', apiVersion: gv }, 'main');
    reorderMetadata(full);
    return this.d.store.create(store, full);
  }

  /**
   * Writes a new version of an object a controller changed (spec, metadata or status); no-op when nothing changed.
   * `scope` tells which managedFields entry the change is attributed to.
   */
  internalUpdate(store: string, next: Obj, manager: string, scope: 'main' | 'status'): Obj {
    const md = next['metadata'] as Obj;
    const old = this.d.store.get(store, md['namespace'] ?? '', md['name']);
    if (!old) return next;
    const n: Obj = { ...next, metadata: { ...md, resourceVersion: old['metadata']['resourceVersion'], managedFields: old['metadata']['managedFields'] } };
    if (deepEqual(n, old)) return old;
    if (!this.tracksManagedFields) {
      delete n['metadata']['managedFields'];
      return this.d.store.update(store, n);
    }
    const mf = managedFieldsAfterUpdate(String(old['kind']), old, n, { manager, operation: 'Update', apiVersion: String(old['apiVersion']), ...(scope === 'status' ? { subresource: 'status' } : {}) }, scope);
    n['metadata'] = { ...n['metadata'], managedFields: mf };
    if (mf.length === 0) delete n['metadata']['managedFields'];
    return this.d.store.update(store, n);
  }

  internalRemove(store: string, namespace: string, name: string): Obj | undefined {
    return this.d.store.remove(store, namespace, name);
  }
}

/** metadata keys in the order the server prints them. */
const METADATA_ORDER = ['name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields'];

function reorderMetadata(obj: Obj): void {
  const md = obj['metadata'];
  if (!isPlainObject(md)) return;
  const out: Obj = {};
  for (const k of METADATA_ORDER) if (md[k] !== undefined) out[k] = md[k];
  for (const [k, v] of Object.entries(md)) if (!(k in out) && v !== undefined) out[k] = v;
  obj['metadata'] = out;
}

function qosClass(spec: unknown): string {
  if (!isPlainObject(spec)) return 'BestEffort';
  const cs = [...((spec['containers'] ?? []) as Obj[]), ...((spec['initContainers'] ?? []) as Obj[])];
  let any = false;
  let guaranteed = cs.length > 0;
  for (const c of cs) {
    const r = (c?.['resources'] ?? {}) as Obj;
    const req = (r['requests'] ?? {}) as Obj;
    const lim = (r['limits'] ?? {}) as Obj;
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const res of ['cpu', 'memory']) {
      if (lim[res] === undefined || (req[res] !== undefined && req[res] !== lim[res])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
