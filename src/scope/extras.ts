/**
 * Issue 15's settings in the `weavectl scope` flow: basic auth (--basic-auth-secret, --generate,
 * --no-basic-auth), the container runtime (--runtime) and --allow-from. The flow (run) calls these at
 * its steps: flags -> settings, what runs (for a re-run), the render context, the Secret check before
 * anything is written, and what is done after the apply.
 */
import type { ClusterSession, KubeObject } from '../cluster/types.js';
import { isKubeApiError } from '../cluster/status-errors.js';
import { usageError } from '../errors.js';
import { validateSecretName } from '../manifest/net-settings.js';
import type { ScopeRenderContext, ScopeSettings } from '../manifest/patch-scope.js';
import { ALLOW_FROM_POLICY, allowFromNotes, parseAllowFromList, type NpcState } from '../manifest/scope-allow-from.js';
import { detectRuntime, parseRuntime, type RuntimeChoice, type ScopeRuntime } from '../manifest/scope-runtime.js';
import type { Reporter } from '../output/reporter.js';
import type { ScopeFlagSettings } from '../upgrade/scope-settings.js';
import { WEAVE_DEFAULT_IPALLOC } from '../net/cidr.js';
import { NET_DAEMONSET, NPC_CONTAINER, SCOPE_APP, WEAVE_CONTAINER } from '../weave/names.js';
import { checkBasicAuthSecret, createBasicAuthSecret } from './auth-secret.js';

/** The flags, as commander gives them. */
export interface ExtraFlags {
  /** a name; false: --no-basic-auth */
  basicAuthSecret?: string | false;
  generate?: boolean;
  runtime?: string;
  /** CIDRs; false: --no-allow-from */
  allowFrom?: string[] | false;
}

/** Flags -> settings (validated, exit 2 on bad input); `runtime: 'auto'` is resolved against the nodes later. */
export function extraFlagSettings(f: ExtraFlags, dryRunClient: boolean): { settings: ScopeFlagSettings; runtime?: RuntimeChoice } {
  if (f.generate && typeof f.basicAuthSecret !== 'string') {
    throw usageError('--generate creates the Secret of --basic-auth-secret: give --basic-auth-secret NAME too', 'e.g. weavectl scope --basic-auth-secret scope-auth --generate');
  }
  if (f.generate && dryRunClient) throw usageError('--generate creates a Secret in the cluster: it cannot run with --dry-run=client', 'use --dry-run=server, or drop --generate');
  const settings: ScopeFlagSettings = {};
  if (f.basicAuthSecret !== undefined) settings.basicAuthSecret = f.basicAuthSecret === false ? false : validateSecretName(f.basicAuthSecret);
  if (f.allowFrom !== undefined) settings.allowFrom = f.allowFrom === false ? [] : parseAllowFromList(f.allowFrom);
  const runtime = f.runtime === undefined ? undefined : parseRuntime(f.runtime);
  return { settings, ...(runtime ? { runtime } : {}) };
}

/**
 * The runtime to render: an explicit one; `auto` (or a fresh install without --runtime) from the
 * nodes' containerRuntimeVersion; undefined on a re-run without --runtime (what runs is kept).
 */
export async function resolveRuntime(cluster: ClusterSession, choice: RuntimeChoice | undefined, running: boolean, reporter: Reporter): Promise<ScopeRuntime | undefined> {
  if (choice !== undefined && choice !== 'auto') return choice;
  if (choice === undefined && running) return undefined;
  let nodes: KubeObject[];
  try {
    nodes = (await cluster.list({ apiVersion: 'v1', kind: 'Node' })).items;
  } catch (err) {
    if (!isKubeApiError(err, 403)) throw err;
    reporter.warn('--runtime auto: may not list nodes: rendering the probes for docker; give --runtime');
    return 'docker';
  }
  const found = detectRuntime(nodes.map((n) => ({ name: n.metadata.name, containerRuntimeVersion: n.status?.nodeInfo?.containerRuntimeVersion })));
  for (const w of found.warnings) reporter.warn(w);
  reporter.info(`Container runtime: ${found.runtime} (the nodes' containerRuntimeVersion; --runtime to choose)`);
  return found.runtime;
}

/** --dry-run=client: no nodes to read. */
export function offlineRuntime(choice: RuntimeChoice | undefined, reporter: Reporter): ScopeRuntime | undefined {
  if (choice !== 'auto') return choice;
  reporter.info('--runtime auto without a cluster (--dry-run=client): rendering the probes for docker; give --runtime containerd|crio|docker');
  return 'docker';
}

/** What a re-run reads besides the probes: the app (basic auth) and the --allow-from policy (null: looked for, absent). */
export async function liveExtras(cluster: ClusterSession, namespace: string, appApiVersion: string): Promise<{ app?: KubeObject; policy: KubeObject | null | undefined }> {
  const [app, policy] = await Promise.all([
    cluster.get({ apiVersion: appApiVersion, kind: 'Deployment', namespace, name: SCOPE_APP }),
    (async () => {
      if (!(await cluster.serves('networking.k8s.io/v1', 'NetworkPolicy'))) return null;
      try {
        return (await cluster.get({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespace, name: ALLOW_FROM_POLICY })) ?? null;
      } catch (err) {
        if (isKubeApiError(err, 403)) return undefined; // not readable: not a setting to keep or drop
        throw err;
      }
    })(),
  ]);
  return { ...(app ? { app } : {}), policy };
}

function envValue(c: any, name: string): string | undefined {
  const e = Array.isArray(c?.env) ? [...c.env].reverse().find((x: any) => x?.name === name) : undefined;
  return typeof e?.value === 'string' ? e.value : undefined;
}

/**
 * For --allow-from: Weave Net's range (the host probes of other nodes report from it) and the notes
 * when nothing would enforce the policy. Reads the running weave-net DaemonSet.
 */
export async function allowFromContext(cluster: ClusterSession, k8sMinor: number, reporter: Reporter): Promise<ScopeRenderContext> {
  let ds: KubeObject | undefined;
  let state: NpcState | undefined;
  try {
    const { findRunningWeave } = await import('../weave/running.js');
    ds = (await findRunningWeave(cluster, 'kube-system', reporter)).running[0];
  } catch (err) {
    reporter.debug(`cannot read the ${NET_DAEMONSET} DaemonSet: ${String(err)}`);
  }
  let podRange = WEAVE_DEFAULT_IPALLOC;
  if (ds) {
    const containers: any[] = ds.spec?.template?.spec?.containers ?? [];
    const weave = containers.find((c) => c?.name === WEAVE_CONTAINER);
    const npc = containers.find((c) => c?.name === NPC_CONTAINER);
    podRange = envValue(weave, 'IPALLOC_RANGE') || WEAVE_DEFAULT_IPALLOC;
    const { weaveNpcInfoOf } = await import('../policy/cluster.js');
    const info = weaveNpcInfoOf(ds);
    state = { npc: Boolean(npc), ...(info.weaveVersion ? { version: info.weaveVersion } : {}), legacyFlag: info.legacyFlag };
  }
  for (const n of allowFromNotes(state)) reporter.warn(n);
  return { k8sMinor, podRange };
}

/** The Secret step before anything is written: checks it, and returns what to do just before the apply. */
export async function prepareBasicAuth(cluster: ClusterSession, namespace: string, settings: ScopeSettings, generate: boolean, reporter: Reporter): Promise<(dryRun: boolean) => Promise<void>> {
  const secret = settings.basicAuthSecret;
  if (typeof secret !== 'string') return async () => undefined;
  const state = await checkBasicAuthSecret(cluster, namespace, secret, generate, reporter);
  if (state === 'present') return async () => undefined;
  reporter.info(`Secret ${namespace}/${secret} is not there: --generate creates it with a random password before the apply`);
  return (dryRun) => createBasicAuthSecret(cluster, namespace, secret, dryRun, reporter);
}

/** After the apply: --no-allow-from (or []) removes the policy a previous run wrote. */
export async function removeAllowFromPolicy(cluster: ClusterSession, namespace: string, dryRun: boolean, reporter: Reporter): Promise<void> {
  const deleted = await cluster.delete({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespace, name: ALLOW_FROM_POLICY }, { dryRun });
  if (deleted) reporter.success(`networkpolicy.networking.k8s.io/${ALLOW_FROM_POLICY} deleted${dryRun ? ' (server dry run)' : ''}`);
}
