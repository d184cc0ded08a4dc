/**
 * Applies a set of objects the way an installer should: first checks that the cluster serves
 * every kind (before anything is sent), then applies tier by tier (apply-plan.ts), in parallel
 * within a tier, and stops after the first tier with a failure. A binding the server refused
 * because its role, in the same tier, did not exist yet is sent again after that role applied. Results are reported in manifest
 * order. Uses only the narrow Cluster interface (no client library).
 */
import { failure, WeavectlError } from '../errors.js';
import type { ApplyOptions, ApplyResult, Cluster, KubeObject } from './types.js';
import { kubectlName, planApply, roleKey, roleRefKey } from './apply-plan.js';
import { isKubeApiError } from './status-errors.js';

export interface ObjectId {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

interface OutcomeBase {
  /** Position in the list given to applyAll. */
  index: number;
  /** kubectl's name: "daemonset.apps/weave-net". */
  name: string;
  id: ObjectId;
}

export type ApplyOutcome =
  | (OutcomeBase & { outcome: 'applied'; result: ApplyResult; object: KubeObject })
  | (OutcomeBase & { outcome: 'failed'; error: WeavectlError })
  /** Not sent, because an earlier tier failed. */
  | (OutcomeBase & { outcome: 'skipped' });

export interface ApplyAllOptions extends ApplyOptions {
  /** Parallel requests within a tier (default 8). */
  concurrency?: number;
  /** Called once per object, in manifest order, as soon as it and all objects before it are settled. */
  onResult?: (o: ApplyOutcome) => void;
}

/** What applying needs of a cluster. */
type ApplyTarget = Pick<Cluster, 'version' | 'serves' | 'servedVersionsOf' | 'prepareApply' | 'apply'>;

function idOf(o: KubeObject): ObjectId {
  const ns = o.metadata?.namespace;
  return {
    apiVersion: String(o.apiVersion ?? ''),
    kind: String(o.kind ?? ''),
    name: String(o.metadata?.name ?? ''),
    ...(typeof ns === 'string' && ns !== '' ? { namespace: ns } : {}),
  };
}

function validate(objects: readonly KubeObject[]): void {
  objects.forEach((o, i) => {
    const what = `object ${i + 1}${typeof o?.kind === 'string' ? ` (${o.kind})` : ''}`;
    if (!o || typeof o !== 'object') throw failure(`${what} is not a Kubernetes object`);
    if (typeof o.apiVersion !== 'string' || o.apiVersion === '') throw failure(`${what} has no apiVersion`);
    if (typeof o.kind !== 'string' || o.kind === '') throw failure(`${what} has no kind`);
    if (!o.metadata || typeof o.metadata.name !== 'string' || o.metadata.name === '') throw failure(`${what} has no metadata.name`);
  });
}

/** Fails (naming every unserved apiVersion/kind, and where the cluster serves that kind) before anything is sent. */
async function checkServed(cluster: ApplyTarget, objects: readonly KubeObject[]): Promise<void> {
  const pairs = new Map<string, { apiVersion: string; kind: string }>();
  for (const o of objects) pairs.set(`${o.apiVersion}\0${o.kind}`, { apiVersion: o.apiVersion as string, kind: o.kind as string });
  const checked = await Promise.all([...pairs.values()].map(async (p) => ({ ...p, served: await cluster.serves(p.apiVersion, p.kind) })));
  const missing = checked.filter((p) => !p.served);
  if (missing.length === 0) return;
  const described = await Promise.all(
    missing.map(async (m) => {
      const alt = await cluster.servedVersionsOf(m.kind).catch(() => []);
      return `${m.kind} ${m.apiVersion}${alt.length ? ` (it serves ${alt.join(', ')})` : ''}`;
    }),
  );
  const version = await cluster.version().then(
    (v) => ` (${v.gitVersion})`,
    () => '',
  );
  throw failure(
    `the cluster${version} does not serve ${described.join(', ')}`,
    'the manifest was made for another Kubernetes version: use the one for this cluster; nothing was applied',
  );
}

function named(err: unknown, name: string): WeavectlError {
  if (err instanceof WeavectlError) {
    return new WeavectlError(err.message.includes(name) ? err.message : `${name}: ${err.message}`, { exitCode: err.exitCode, hint: err.hint, cause: err });
  }
  return failure(`${name}: ${(err as Error)?.message ?? String(err)}`, undefined, err);
}

async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}

/**
 * Applies `objects` (plain JSON, sent as given) with server-side apply. Every object gets one
 * outcome via `onResult`, in manifest order. Resolves with all outcomes when every object
 * applied; otherwise rejects, after the outcomes were reported, with the first failure (or a
 * summary when several objects failed).
 */
export async function applyAll(cluster: ApplyTarget, objects: readonly KubeObject[], opts: ApplyAllOptions): Promise<ApplyOutcome[]> {
  validate(objects);
  await checkServed(cluster, objects);

  const outcomes: (ApplyOutcome | undefined)[] = new Array(objects.length).fill(undefined);
  let reported = 0;
  const flush = () => {
    while (reported < outcomes.length && outcomes[reported] !== undefined) {
      opts.onResult?.(outcomes[reported] as ApplyOutcome);
      reported++;
    }
  };
  const base = (index: number): OutcomeBase => {
    const o = objects[index] as KubeObject;
    return { index, name: kubectlName(o), id: idOf(o) };
  };

  cluster.prepareApply(objects);
  const plan = planApply(objects);
  const applyOpts: ApplyOptions = { fieldManager: opts.fieldManager, force: opts.force, dryRun: opts.dryRun };
  let failed = false;
  for (const tier of plan.tiers) {
    if (failed) {
      for (const p of tier) outcomes[p.index] = { ...base(p.index), outcome: 'skipped' };
      continue;
    }
    // A binding refused because its role did not exist yet is sent again once the role is applied.
    const roles = new Map(tier.flatMap((p) => (roleKey(p.object) ? [[roleKey(p.object) as string, p.index] as const] : [])));
    const again: typeof tier = [];
    const send = async (p: (typeof tier)[number], retry: boolean) => {
      const b = base(p.index);
      try {
        const { object, result } = await cluster.apply(p.object, applyOpts);
        outcomes[p.index] = { ...b, outcome: 'applied', result, object };
      } catch (err) {
        const role = roleRefKey(p.object);
        if (!retry && role !== undefined && roles.has(role) && isKubeApiError(err, 404)) {
          again.push(p);
          return;
        }
        failed = true;
        outcomes[p.index] = { ...b, outcome: 'failed', error: named(err, b.name) };
      }
      flush();
    };
    await pool(tier, opts.concurrency ?? 8, (p) => send(p, false));
    const ready = again.filter((p) => outcomes[roles.get(roleRefKey(p.object) as string) as number]?.outcome === 'applied');
    for (const p of again) {
      if (!ready.includes(p)) outcomes[p.index] = { ...base(p.index), outcome: 'skipped' };
    }
    if (again.length > ready.length) failed = true;
    await pool(ready, opts.concurrency ?? 8, (p) => send(p, true));
    flush();
  }
  flush();

  const all = outcomes as ApplyOutcome[];
  const failures = all.filter((o): o is Extract<ApplyOutcome, { outcome: 'failed' }> => o.outcome === 'failed');
  if (failures.length === 0) return all;
  const skipped = all.filter((o) => o.outcome === 'skipped').length;
  const first = failures[0] as Extract<ApplyOutcome, { outcome: 'failed' }>;
  const tail = skipped ? `; ${skipped} object${skipped === 1 ? '' : 's'} not applied` : '';
  if (failures.length === 1 && !tail) throw first.error;
  throw new WeavectlError(
    failures.length === 1 ? `${first.error.message}${tail}` : `${failures.length} objects failed to apply, first ${first.error.message}${tail}`,
    { exitCode: first.error.exitCode, hint: first.error.hint, cause: first.error },
  );
}
