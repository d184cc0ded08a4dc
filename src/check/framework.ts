/**
 * The check framework. Checks as data (linkerd's model): each check has an id, a category, a description and a `run`
 * that looks at the cluster through a CheckContext and returns ok / warn / fail / skip with a
 * message and a hint. `runChecks` runs a list in order and reports each result as it comes, so
 * `weavectl check` and `weavectl install` show the same checks the same way.
 *
 * The context memoizes what several checks read (the server version, nodes, the live weave-net
 * DaemonSet, DaemonSets across namespaces), so each is asked for once.
 */
import { firstServed, versionsOf } from '../kube/kinds.js';
import type { Cluster, KubeObject, ServerVersion } from '../cluster/types.js';
import { versionFromServer, type K8sVersion } from '../manifest/k8s-version.js';
import { NET_DAEMONSET, WEAVE_NAMESPACE } from '../weave/names.js';
import { WEAVE_DEFAULT_IPALLOC } from '../net/cidr.js';
import { kubeApiErrorIn } from '../cluster/status-errors.js';
import { readLiveSettings, type LiveSettings } from '../upgrade/live-settings.js';
import { liveRange } from '../upgrade/range-change.js';
import type { StatusReport } from '../status/model.js';
import { clusterAccessReviewer, type AccessReviewer } from './access.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/**
 * What a check is about; the output groups checks by it. One file per category in ./categories/
 * (weave-net also has ./categories/release.ts; ipam, connections, encryption and datapath, which
 * read what weave says on every node, share ./categories/mesh.ts).
 */
export const CHECK_CATEGORIES = ['kubernetes-api', 'kubernetes-version', 'permissions', 'pod-network', 'ip-ranges', 'weave-net', 'ipam', 'connections', 'encryption', 'datapath'] as const;
export type CheckCategory = (typeof CHECK_CATEGORIES)[number];

export interface CheckResult {
  status: CheckStatus;
  /** One line (or a few, for lists): what was found. */
  message?: string;
  /** What to do about it. */
  hint?: string;
}

export interface Check {
  /** Stable, for scripts: "kubernetes-api-reachable". */
  id: string;
  /** Groups checks in the output: "kubernetes-api". */
  category: CheckCategory;
  /** What a passing check asserts: "can reach the Kubernetes API". */
  description: string;
  /** When it fails, the checks after it are skipped (nothing else can be asked). */
  fatal?: boolean;
  run(ctx: CheckContext): Promise<CheckResult>;
}

/** The cluster calls checks make: reads, and `create` for SelfSubjectAccessReviews. */
export type CheckCluster = Pick<Cluster, 'version' | 'serves' | 'get' | 'list' | 'create'>;

export interface CheckContextOptions {
  cluster: CheckCluster;
  /** Weave Net's namespace (default kube-system). */
  namespace?: string;
  /** --ipalloc as given (validated by the command; canonical), or the range install is about to apply. */
  ipalloc?: string;
  /** Where `ipalloc` comes from, as the checks name it (default "--ipalloc"). */
  ipallocSource?: string;
  /** --allow-range-change. */
  allowRangeChange?: boolean;
  /** Answers permission questions; default: SelfSubjectAccessReviews through cluster.create. */
  reviewer?: AccessReviewer;
  /** What weave says on every node (`weavectl status`'s report); without it the mesh checks are skipped. */
  weaveReport?: () => Promise<StatusReport>;
}

export interface PodRange {
  cidr: string;
  /** "--ipalloc", "the running weave-net", "Weave Net's default" */
  source: string;
}

/** What checks share: the cluster, the flags, and memoized lookups. */
export class CheckContext {
  readonly cluster: CheckCluster;
  readonly namespace: string;
  readonly ipalloc?: string;
  readonly ipallocSource: string;
  readonly allowRangeChange: boolean;
  readonly reviewer: AccessReviewer;
  private readonly collectReport?: () => Promise<StatusReport>;
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(opts: CheckContextOptions) {
    this.cluster = opts.cluster;
    this.namespace = opts.namespace ?? WEAVE_NAMESPACE;
    if (opts.ipalloc !== undefined) this.ipalloc = opts.ipalloc;
    this.ipallocSource = opts.ipallocSource ?? '--ipalloc';
    this.allowRangeChange = opts.allowRangeChange === true;
    this.reviewer = opts.reviewer ?? clusterAccessReviewer(opts.cluster);
    if (opts.weaveReport) this.collectReport = opts.weaveReport;
  }

  /** `weavectl status`'s report, read once for every check that needs it; undefined when this context cannot read it. */
  weaveReport(): Promise<StatusReport | undefined> {
    const collect = this.collectReport;
    return this.once('weave-report', async () => (collect ? collect() : undefined));
  }

  /** Runs `fn` once per key; later calls share its promise (and its error). */
  once<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = fn();
      p.catch(() => undefined); // handled by whoever awaits it
      this.memo.set(key, p);
    }
    return p;
  }

  serverVersion(): Promise<ServerVersion> {
    return this.once('version', () => this.cluster.version());
  }

  async k8sVersion(): Promise<K8sVersion> {
    return versionFromServer(await this.serverVersion());
  }

  /** The API version to read DaemonSets with: the newest the cluster serves (src/kube/kinds.ts), else the oldest there is. */
  daemonSetApiVersion(): Promise<string> {
    return this.once('ds-api', async () => (await firstServed(this.cluster, 'DaemonSet')) ?? versionsOf('DaemonSet').at(-1)!);
  }

  /** The live weave-net DaemonSet in the namespace, if any. */
  weaveDaemonSet(): Promise<KubeObject | undefined> {
    return this.once('weave-ds', async () => {
      const ref = { kind: 'DaemonSet', namespace: this.namespace, name: NET_DAEMONSET };
      // Asked in the newest version (apps/v1, 1.9+) at once, alongside discovery; where that is not served, in an older one.
      const newest = versionsOf('DaemonSet')[0]!;
      const modern = this.cluster.get({ ...ref, apiVersion: newest });
      // handled at once: when discovery fails first, nobody awaits this read (an unhandled rejection
      // would end the process with a stack trace)
      modern.catch(() => undefined);
      const apiVersion = await this.daemonSetApiVersion();
      if (apiVersion === newest) return modern;
      return this.cluster.get({ ...ref, apiVersion });
    });
  }

  /** The settings of the live weave-net, if it is installed. */
  liveSettings(): Promise<LiveSettings | undefined> {
    return this.once('live-settings', async () => {
      const ds = await this.weaveDaemonSet();
      return ds ? readLiveSettings(ds) : undefined;
    });
  }

  /** DaemonSets in every namespace. */
  allDaemonSets(): Promise<KubeObject[]> {
    return this.once('all-ds', async () => (await this.cluster.list({ apiVersion: await this.daemonSetApiVersion(), kind: 'DaemonSet' })).items);
  }

  nodes(): Promise<KubeObject[]> {
    return this.once('nodes', async () => (await this.cluster.list({ apiVersion: 'v1', kind: 'Node' })).items);
  }

  /** The pod range to check: --ipalloc, else the running weave-net's, else Weave's default. */
  podRange(): Promise<PodRange> {
    return this.once('pod-range', async () => {
      if (this.ipalloc !== undefined) return { cidr: this.ipalloc, source: this.ipallocSource };
      const live = await this.liveSettings().catch(() => undefined);
      if (live) {
        const r = liveRange(live);
        return { cidr: r.cidr, source: r.isDefault ? "Weave Net's default, as the running weave-net uses" : `the running weave-net's IPALLOC_RANGE` };
      }
      return { cidr: WEAVE_DEFAULT_IPALLOC, source: "Weave Net's default" };
    });
  }
}

export interface CheckOutcome {
  id: string;
  category: CheckCategory;
  description: string;
  result: CheckResult;
}

export interface CheckReport {
  /** No check failed (warnings allowed). */
  success: boolean;
  outcomes: CheckOutcome[];
  counts: Record<CheckStatus, number>;
}

/** A passing result, with what was found when it is worth saying. */
export const ok = (message?: string): CheckResult => ({ status: 'ok', ...(message ? { message } : {}) });

/** "3 nodes", "1 address", "2 addresses". */
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : word.endsWith('s') ? 'es' : 's'}`;

/** HTTP 403 from the API server: the user may not read this. */
export function isForbidden(err: unknown): boolean {
  return kubeApiErrorIn(err)?.code === 403;
}

export function errorMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!;
}

/**
 * The result for a check whose lookup failed (`what`: "listing nodes"): a warning when the user may
 * not read what it needs (the check could not be made; that is not a finding), a failure otherwise.
 */
export function lookupFailed(err: unknown, what?: string): CheckResult {
  if (isForbidden(err)) {
    return {
      status: 'warn',
      message: `could not check: ${what ? `${what} is ` : ''}forbidden (${errorMessage(err)})`,
      hint: 'run the checks as a user that may read it, or check this by hand',
    };
  }
  return { status: 'fail', message: what ? `${what} failed: ${errorMessage(err)}` : errorMessage(err) };
}

/**
 * Runs the checks and reports them in their order. Every check starts at once: they only read, and
 * share the context's lookups, so their requests travel together instead of one round trip after
 * another. A failed fatal check still turns the checks after it into "skipped" (their answers are
 * not shown: they would repeat its error).
 */
export async function runChecks(
  checks: readonly Check[],
  ctx: CheckContext,
  onResult?: (o: CheckOutcome) => void,
  onStart?: (c: Check) => void,
): Promise<CheckReport> {
  const running = checks.map((check) => {
    const p = Promise.resolve()
      .then(() => check.run(ctx))
      .catch((err: unknown) => lookupFailed(err));
    return p;
  });
  const outcomes: CheckOutcome[] = [];
  let blockedBy: Check | undefined;
  for (const [i, check] of checks.entries()) {
    let result: CheckResult;
    if (blockedBy) {
      result = { status: 'skip', message: `skipped: "${blockedBy.description}" failed` };
    } else {
      onStart?.(check);
      result = await (running[i] as Promise<CheckResult>);
      if (result.status === 'fail' && check.fatal) blockedBy = check;
    }
    const outcome: CheckOutcome = { id: check.id, category: check.category, description: check.description, result };
    outcomes.push(outcome);
    onResult?.(outcome);
  }
  return summarize(outcomes);
}

export function summarize(outcomes: CheckOutcome[]): CheckReport {
  const counts: Record<CheckStatus, number> = { ok: 0, warn: 0, fail: 0, skip: 0 };
  for (const o of outcomes) counts[o.result.status]++;
  return { success: counts.fail === 0, outcomes, counts };
}
