/**
 * The one guard over a change to the pod network. Pure: the objects about to be applied and the Weave
 * Net DaemonSets that run in the cluster (found in every namespace) in, refusals and warnings out.
 *
 * It looks at the objects, not at the flags that produced them: a range from --ipalloc, from
 * `--env IPALLOC_RANGE=`, or from a fetched manifest is the same range here. Every way install writes
 * Weave Net goes through guardChange() before anything is sent.
 *
 * Refused unless its flag is given (each refusal names it):
 * - a different IPALLOC_RANGE (--allow-range-change; weave#2874, see range-change.ts);
 * - WEAVE_PASSWORD dropped, added or taken from another Secret key (--allow-password-change): peers
 *   whose passwords differ do not connect (Weave v2.8.1 docs/tasks/manage/security-untrusted-networks.md),
 *   so nodes on the old and the new setting are cut off from each other while the rollout runs;
 * - weave-npc turned on or off (--allow-npc-change): off, NetworkPolicies stop being enforced; on,
 *   weave-npc starts enforcing policies that did nothing before (Weave v2.8.1 prog/weave-kube/launch.sh
 *   reads EXPECT_NPC);
 * - an older Weave Net release than the one running (--allow-downgrade);
 * Refused always:
 * - a second Weave Net (one runs in another namespace, or several run): two pod networks on one node;
 * - -n naming a namespace where Weave Net does not run while it runs in another one;
 * - a literal WEAVE_PASSWORD in the objects (weavectl never writes a password into a manifest);
 * - an IPALLOC_RANGE in the objects that weavectl does not accept.
 */
import type { KubeObject } from '../cluster/types.js';
import { failure, type WeavectlError } from '../errors.js';
import { NET_DAEMONSET, NPC_CONTAINER, WEAVE_CONTAINER, WEAVE_NAMESPACE } from '../weave/names.js';
import { readLiveSettings, weaveImageOrigin, type LiveSettings } from './live-settings.js';
import { ALLOW_RANGE_CHANGE_FLAG, liveRange, rangeChange } from './range-change.js';

export const ALLOW_PASSWORD_CHANGE_FLAG = '--allow-password-change';
export const ALLOW_NPC_CHANGE_FLAG = '--allow-npc-change';
export const ALLOW_DOWNGRADE_FLAG = '--allow-downgrade';

export type GuardRule = 'range' | 'password' | 'npc' | 'downgrade' | 'second-weave' | 'namespace' | 'manifest';

export interface GuardFinding {
  rule: GuardRule;
  /** One line. */
  message: string;
  hint?: string;
  /** The flag that overrides a refusal; undefined when nothing does. */
  flag?: string;
}

export interface GuardAllow {
  rangeChange?: boolean;
  passwordChange?: boolean;
  npcChange?: boolean;
  downgrade?: boolean;
}

export interface GuardInput {
  /** Every object about to be applied (the weave-net DaemonSet among them). */
  planned: readonly KubeObject[];
  /** The Weave Net DaemonSets running in the cluster, from every namespace (see isWeaveNetDaemonSet). */
  running: readonly KubeObject[];
  /** The namespace -n named, when it was given. */
  requestedNamespace?: string;
  allow: GuardAllow;
}

export interface GuardVerdict {
  refusals: GuardFinding[];
  warnings: GuardFinding[];
  /** The running DaemonSet the objects replace (same namespace and name), if any. */
  current?: KubeObject;
  /** The pod range the objects set (Weave's default when they set none); undefined when it is not a range. */
  plannedRange?: { cidr: string; isDefault: boolean };
}

/** A Weave Net DaemonSet: named weave-net, labelled name=weave-net (as Weave's manifests label it), or running a weave-kube image. */
export function isWeaveNetDaemonSet(o: KubeObject): boolean {
  if (o.kind !== undefined && o.kind !== 'DaemonSet') return false;
  if (o.metadata?.name === NET_DAEMONSET || o.metadata?.labels?.name === NET_DAEMONSET) return true;
  const containers: unknown = o.spec?.template?.spec?.containers;
  return Array.isArray(containers) && containers.some((c) => c && typeof c.image === 'string' && c.name === WEAVE_CONTAINER && weaveImageOrigin(c.image).known);
}

function where(o: KubeObject): string {
  return `${o.metadata?.namespace ?? WEAVE_NAMESPACE}/${o.metadata?.name ?? NET_DAEMONSET}`;
}

/**
 * Orders two Weave Net release versions ("2.8.1", "2.8.10", "2.9.0", "2.0.5"): negative when a is
 * older, 0 when equal, positive when newer; undefined when either is not a plain release number.
 * The one place weavectl orders releases (a release table may replace it).
 */
export function compareReleases(a: string, b: string): number | undefined {
  const parse = (v: string) => /^v?(\d+)\.(\d+)\.(\d+)$/.exec(v.trim())?.slice(1).map(Number);
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return undefined;
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

/** The WEAVE_PASSWORD of a DaemonSet's weave container: none, a Secret key, a literal, or something else. */
function passwordOf(ds: KubeObject): { kind: 'none' } | { kind: 'secret'; name: string; key: string } | { kind: 'literal' } | { kind: 'other'; text: string } {
  const containers: unknown = ds.spec?.template?.spec?.containers;
  const weave = Array.isArray(containers) ? containers.find((c) => c?.name === WEAVE_CONTAINER) : undefined;
  const env: unknown[] = Array.isArray(weave?.env) ? weave.env : [];
  const e = [...env].reverse().find((x) => (x as { name?: unknown })?.name === 'WEAVE_PASSWORD') as { value?: unknown; valueFrom?: Record<string, unknown> } | undefined;
  if (!e) return { kind: 'none' };
  const ref = e.valueFrom?.secretKeyRef as { name?: unknown; key?: unknown } | undefined;
  if (e.value !== undefined && e.value !== null && e.value !== '') return { kind: 'literal' };
  if (ref && typeof ref.name === 'string' && typeof ref.key === 'string') return { kind: 'secret', name: ref.name, key: ref.key };
  if (e.valueFrom) return { kind: 'other', text: Object.keys(e.valueFrom)[0] ?? 'valueFrom' };
  return { kind: 'none' };
}

function passwordText(p: ReturnType<typeof passwordOf>): string {
  switch (p.kind) {
    case 'none':
      return 'no password (unencrypted)';
    case 'secret':
      return `Secret ${p.name}${p.key === p.name ? '' : ` key ${p.key}`}`;
    case 'literal':
      return 'a password written into the DaemonSet';
    default:
      return `a password from ${p.text}`;
  }
}

function npcOn(ds: KubeObject, live: LiveSettings): boolean {
  const containers: unknown = ds.spec?.template?.spec?.containers;
  const hasNpc = Array.isArray(containers) && containers.some((c) => c?.name === NPC_CONTAINER);
  return hasNpc && live.settings.disableNpc !== true;
}

/** Where the objects put Weave Net, and whether that is where it runs (or may run). */
function placement(input: GuardInput, plannedDs: KubeObject | undefined, out: GuardVerdict): void {
  const plannedNs = plannedDs?.metadata?.namespace ?? WEAVE_NAMESPACE;
  const running = input.running;
  if (running.length > 1) {
    out.refusals.push({
      rule: 'second-weave',
      message: `Weave Net runs more than once in this cluster (DaemonSets ${running.map(where).join(', ')}): two pod networks on one node break it; weavectl will not change either`,
      hint: `remove the one that should not run (weavectl uninstall -n NAMESPACE), then run install again`,
    });
    return;
  }
  const only = running[0];
  if (only) {
    const ns = only.metadata?.namespace ?? WEAVE_NAMESPACE;
    if (input.requestedNamespace !== undefined && input.requestedNamespace !== ns) {
      out.refusals.push({
        rule: 'namespace',
        message: `Weave Net runs in namespace ${ns} (DaemonSet ${where(only)}), not in ${input.requestedNamespace} (-n ${input.requestedNamespace}): weavectl will neither install a second one nor change it from there`,
        hint: ns === WEAVE_NAMESPACE ? `run the command without -n (or with -n ${WEAVE_NAMESPACE}) to upgrade the running one` : `run the command with -n ${ns} to upgrade the running one`,
      });
      return;
    }
    if (ns !== plannedNs || (only.metadata?.name ?? NET_DAEMONSET) !== (plannedDs?.metadata?.name ?? NET_DAEMONSET)) {
      out.refusals.push({
        rule: 'second-weave',
        message: `Weave Net already runs as DaemonSet ${where(only)}; these objects would add a second one as ${plannedNs}/${plannedDs?.metadata?.name ?? NET_DAEMONSET}: two pod networks on one node break it`,
        hint: `upgrade or remove the running one first (weavectl uninstall${ns === WEAVE_NAMESPACE ? '' : ` -n ${ns}`})`,
      });
      return;
    }
    out.current = only;
    return;
  }
  if (input.requestedNamespace !== undefined && input.requestedNamespace !== plannedNs) {
    out.warnings.push({
      rule: 'namespace',
      message: `-n ${input.requestedNamespace}: the Weave Net manifest installs into namespace ${plannedNs} (its objects name it), not ${input.requestedNamespace}`,
    });
  }
}

/** The guard: what the planned objects change in the running Weave Net, refused unless allowed. */
export function guardChange(input: GuardInput): GuardVerdict {
  const out: GuardVerdict = { refusals: [], warnings: [] };
  const plannedDs = input.planned.find((o) => o.kind === 'DaemonSet' && isWeaveNetDaemonSet(o));
  placement(input, plannedDs, out);
  if (!plannedDs) return out;

  // What the objects themselves set.
  const planned = readLiveSettings(plannedDs);
  const plannedPassword = passwordOf(plannedDs);
  if (plannedPassword.kind === 'literal') {
    out.refusals.push({
      rule: 'manifest',
      message: `the weave-net DaemonSet about to be applied has WEAVE_PASSWORD written into it: weavectl never puts a password into a manifest (anyone who may read DaemonSets would read it)`,
      hint: 'keep the password in a Secret and pass --password-secret NAME[:KEY]',
    });
  }
  const badRange = planned.problems.find((p) => p.name === 'IPALLOC_RANGE');
  if (badRange) {
    out.refusals.push({ rule: 'manifest', message: `the weave-net DaemonSet about to be applied sets IPALLOC_RANGE=${JSON.stringify(planned.ipallocRaw)}, which is not a pod range weavectl accepts`, hint: 'give the range as a network address, e.g. --ipalloc 10.32.0.0/12' });
  } else {
    out.plannedRange = liveRange(planned);
  }

  const current = out.current;
  if (!current || out.refusals.some((r) => r.rule === 'second-weave' || r.rule === 'namespace')) return out;
  const live = readLiveSettings(current);

  // IPALLOC_RANGE, whatever set it.
  if (out.plannedRange) {
    const rc = rangeChange(live, out.plannedRange.cidr);
    if (rc) {
      if (input.allow.rangeChange) out.warnings.push({ rule: 'range', message: rc.warning, flag: ALLOW_RANGE_CHANGE_FLAG });
      else out.refusals.push({ rule: 'range', message: rc.message, hint: rc.hint, flag: ALLOW_RANGE_CHANGE_FLAG });
    }
  }

  // WEAVE_PASSWORD.
  const was = passwordOf(current);
  const same =
    was.kind === plannedPassword.kind && (was.kind !== 'secret' || (plannedPassword.kind === 'secret' && was.name === plannedPassword.name && was.key === plannedPassword.key));
  if (!same && plannedPassword.kind !== 'literal') {
    if (was.kind === 'literal' && plannedPassword.kind === 'secret') {
      out.warnings.push({
        rule: 'password',
        message: `WEAVE_PASSWORD moves from the DaemonSet into ${passwordText(plannedPassword)}: the Secret must hold the same password, or peers on the old and the new one cannot connect during the rollout`,
      });
    } else {
      const what = plannedPassword.kind === 'none' ? 'drops the password: traffic between peers is no longer encrypted' : was.kind === 'none' ? 'turns encryption on' : 'switches the password';
      const message = `these objects change WEAVE_PASSWORD of the running Weave Net from ${passwordText(was)} to ${passwordText(plannedPassword)} (it ${what}); peers whose passwords differ do not connect, so nodes are cut off from each other while weave-net rolls out`;
      if (input.allow.passwordChange) out.warnings.push({ rule: 'password', message, flag: ALLOW_PASSWORD_CHANGE_FLAG });
      else {
        out.refusals.push({
          rule: 'password',
          message: `refusing: ${message}`,
          hint: `keep the running password (omit --password-secret / --no-password-secret); to change it anyway pass ${ALLOW_PASSWORD_CHANGE_FLAG} and plan a short outage`,
          flag: ALLOW_PASSWORD_CHANGE_FLAG,
        });
      }
    }
  }

  // weave-npc.
  const npcWas = npcOn(current, live);
  const npcWill = npcOn(plannedDs, planned);
  if (npcWas !== npcWill) {
    const message = npcWill
      ? 'these objects turn weave-npc on: NetworkPolicies that did nothing so far start to be enforced, and traffic they do not allow is dropped'
      : 'these objects turn weave-npc off: NetworkPolicies stop being enforced (all pod traffic is allowed)';
    if (input.allow.npcChange) out.warnings.push({ rule: 'npc', message, flag: ALLOW_NPC_CHANGE_FLAG });
    else {
      out.refusals.push({
        rule: 'npc',
        message: `refusing: ${message}`,
        hint: `keep it as it is (omit --disable-npc); to change it anyway pass ${ALLOW_NPC_CHANGE_FLAG}`,
        flag: ALLOW_NPC_CHANGE_FLAG,
      });
    }
  }

  // The release.
  const from = live.weaveVersion;
  const to = planned.weaveVersion;
  if (from && to) {
    const order = compareReleases(to, from);
    if (order !== undefined && order < 0) {
      const message = `these objects downgrade Weave Net from ${from} to ${to}`;
      if (input.allow.downgrade) out.warnings.push({ rule: 'downgrade', message, flag: ALLOW_DOWNGRADE_FLAG });
      else {
        out.refusals.push({
          rule: 'downgrade',
          message: `refusing: ${message}: an older release may not read what the newer one stored on the nodes (/var/lib/weave)`,
          hint: `install ${from} or newer (--weave-version ${from}); to downgrade anyway pass ${ALLOW_DOWNGRADE_FLAG}`,
          flag: ALLOW_DOWNGRADE_FLAG,
        });
      }
    }
  } else if (from && !to) {
    out.warnings.push({ rule: 'downgrade', message: `cannot tell whether the weave image about to be applied is older than the running Weave Net ${from}` });
  }
  return out;
}

/** The error for a verdict with refusals (exit 1): the first refusal, and how many more. */
export function guardError(v: GuardVerdict): WeavectlError | undefined {
  const [first, ...rest] = v.refusals;
  if (!first) return undefined;
  const more = rest.length > 0 ? ` (also refused: ${rest.map((r) => r.flag ?? r.rule).join(', ')})` : '';
  const flags = v.refusals.flatMap((r) => (r.flag ? [r.flag] : []));
  const hint = rest.length > 0 && flags.length > 1 ? `${first.hint ?? ''}${first.hint ? '; ' : ''}to allow every change: ${[...new Set(flags)].join(' ')}` : first.hint;
  return failure(`${first.message}${more}; nothing was applied`, hint);
}
