/**
 * Category weave-net: the Weave Net that runs (or is about to be installed over): found, managed
 * by weavectl, its range, its password Secret, its pods ready. The release checks of this category
 * are in ./release.ts.
 */
import type { KubeObject } from '../../cluster/types.js';
import { NET_DAEMONSET, NET_POD_SELECTOR, WEAVE_NAMESPACE } from '../../weave/names.js';
import { daemonSetCounts } from '../../rollout/status.js';
import { describePodProblem, podProblemHint, podProblems } from '../../kube/pod-problems.js';
import { podIsReady, podNode } from '../../kube/pods.js';
import { mergeSettings } from '../../upgrade/merge.js';
import { rangeChange } from '../../upgrade/range-change.js';
import { isWeaveNetDaemonSet } from '../../upgrade/guard.js';
import { lookupFailed, ok, plural, type Check, type CheckContext, type CheckResult } from '../framework.js';
import { passwordSecretProblem, passwordSecretRef } from '../password-secret.js';
import { managedBy } from '../managed.js';

function dsName(ctx: CheckContext): string {
  return `DaemonSet ${ctx.namespace}/${NET_DAEMONSET}`;
}

/** The running Weave Net's settings (undefined: not installed), or the check's result when they cannot be read. */
async function readLive(ctx: CheckContext): Promise<{ live: Awaited<ReturnType<CheckContext['liveSettings']>> } | { result: CheckResult }> {
  try {
    return { live: await ctx.liveSettings() };
  } catch (err) {
    return { result: lookupFailed(err, `reading ${dsName(ctx)}`) };
  }
}

/** Weave Net DaemonSets outside the checked namespace ("kube-system/weave-net"), so that -n naming the wrong one says where it runs. */
async function weaveElsewhere(ctx: CheckContext): Promise<string[]> {
  const all = await ctx.allDaemonSets().catch(() => [] as KubeObject[]);
  return all.filter((d) => isWeaveNetDaemonSet(d) && d.metadata.namespace !== ctx.namespace).map((d) => `${d.metadata.namespace}/${d.metadata.name}`);
}

export const existingWeaveCheck: Check = {
  id: 'weave-net-existing',
  category: 'weave-net',
  description: "an installed Weave Net's settings can be kept",
  async run(ctx) {
    const read = await readLive(ctx);
    if ('result' in read) return read.result;
    const { live } = read;
    if (!live) {
      const elsewhere = await weaveElsewhere(ctx);
      if (elsewhere.length > 0) {
        return {
          status: 'fail',
          message: `Weave Net is not installed in ${ctx.namespace} but runs as DaemonSet ${elsewhere.join(', ')}: install would refuse to add a second one`,
          hint: `check the running one: run without -n, or with -n ${elsewhere[0]!.split('/')[0]}`,
        };
      }
      return ok(`Weave Net is not installed in ${ctx.namespace}: install creates it`);
    }
    const unfixable = live.problems.filter((p) => !p.flag);
    if (unfixable.length > 0) return { status: 'fail', message: unfixable.map((p) => p.message).join('; '), ...(unfixable[0]!.hint ? { hint: unfixable[0]!.hint } : {}) };
    const version = live.weaveVersion ? `Weave Net ${live.weaveVersion}` : `Weave Net (${live.image ?? 'unknown image'})`;
    if (live.problems.length > 0) {
      return {
        status: 'warn',
        message: `${version} runs in ${ctx.namespace}, but install cannot keep: ${live.problems.map((p) => p.message).join('; ')}`,
        hint: live.problems.map((p) => p.hint ?? `pass ${p.flag}`).join('; '),
      };
    }
    const kept = mergeSettings(live, {}).kept;
    const keeps = kept.length > 0 ? `keeps ${kept.join(', ')}` : 'keeps its settings (all defaults)';
    if (live.notCarried.length > 0) {
      return {
        status: 'warn',
        message: `${version} runs in ${ctx.namespace}; an upgrade ${keeps}, but not: ${live.notCarried.join('; ')}`,
        hint: 'pass the settings again as flags where weavectl has one, or re-add the rest after the upgrade',
      };
    }
    return ok(`${version} runs in ${ctx.namespace}; an upgrade ${keeps}`);
  },
};

export const rangeChangeCheck: Check = {
  id: 'weave-net-range-unchanged',
  category: 'weave-net',
  description: 'the pod range of a running Weave Net stays the same',
  async run(ctx) {
    const read = await readLive(ctx);
    if ('result' in read) return read.result;
    const { live } = read;
    if (!live) return ok('Weave Net is not installed: any range can be chosen');
    const rc = rangeChange(live, ctx.ipalloc);
    if (!rc) return ok(ctx.ipalloc === undefined ? 'install keeps the running range (no --ipalloc)' : `${ctx.ipallocSource} ${ctx.ipalloc} is the running range`);
    if (ctx.allowRangeChange) return { status: 'warn', message: rc.warning };
    return { status: 'fail', message: rc.message, hint: rc.hint };
  },
};

export const managedCheck: Check = {
  id: 'weave-net-not-managed',
  category: 'weave-net',
  description: 'Weave Net is not managed by kops or the addon manager',
  async run(ctx) {
    let ds;
    try {
      ds = await ctx.weaveDaemonSet();
    } catch (err) {
      return lookupFailed(err, `reading ${dsName(ctx)}`);
    }
    if (!ds) return ok('Weave Net is not installed');
    const m = managedBy(ds);
    if (!m) return ok();
    if (!m.reconciles) return ok(`${m.who} only recreates it when it is deleted (${m.evidence.join(', ')})`);
    return {
      status: 'warn',
      message: `${dsName(ctx)} is managed by ${m.who} (${m.evidence.join(', ')}): it re-applies its own manifest and will undo weavectl's changes`,
      hint:
        m.who === 'kops'
          ? 'change Weave Net through kops (kops edit cluster: spec.networking.weave, then kops update cluster --yes), or take it out of kops first'
          : 'change the addon manifest on the control plane (/etc/kubernetes/addons), or remove the addonmanager.kubernetes.io/mode label first',
    };
  },
};

export const installedCheck: Check = {
  id: 'weave-net-installed',
  category: 'weave-net',
  description: 'Weave Net is installed',
  async run(ctx) {
    const read = await readLive(ctx);
    if ('result' in read) return read.result;
    const { live } = read;
    if (!live) {
      const elsewhere = await weaveElsewhere(ctx);
      if (elsewhere.length > 0) return { status: 'fail', message: `no ${dsName(ctx)}; Weave Net runs as DaemonSet ${elsewhere.join(', ')}`, hint: `run the check with -n ${elsewhere[0]!.split('/')[0]}` };
      return { status: 'fail', message: `no ${dsName(ctx)}`, hint: `install it: weavectl install (check the cluster first with weavectl check --pre)${ctx.namespace === WEAVE_NAMESPACE ? '' : `, or pass the namespace it runs in with -n`}` };
    }
    const repo = live.repo === 'reweave' ? ' (reweave)' : '';
    return ok(live.weaveVersion ? `Weave Net ${live.weaveVersion}${repo}` : `image ${live.image ?? 'unknown'}`);
  },
};

export const passwordSecretCheck: Check = {
  id: 'weave-net-password-secret',
  category: 'weave-net',
  description: 'the Secret weave-net takes WEAVE_PASSWORD from exists and holds its key',
  async run(ctx) {
    const ds = await ctx.weaveDaemonSet().catch(() => undefined);
    if (!ds) return { status: 'skip', message: 'Weave Net is not installed' };
    const ref = passwordSecretRef(ds);
    if (!ref) return ok('weave-net takes no password from a Secret');
    let secret: KubeObject | undefined;
    try {
      secret = await ctx.cluster.get({ apiVersion: 'v1', kind: 'Secret', namespace: ref.namespace, name: ref.name });
    } catch (err) {
      return lookupFailed(err, `reading Secret ${ref.namespace}/${ref.name}`);
    }
    const problem = passwordSecretProblem(ref, secret);
    if (problem) return { status: 'fail', message: problem.message, hint: problem.hint };
    return ok(`Secret ${ref.namespace}/${ref.name} holds the key ${ref.key}`);
  },
};

export const podsReadyCheck: Check = {
  id: 'weave-net-pods-ready',
  category: 'weave-net',
  description: 'every weave-net pod is running and ready',
  async run(ctx) {
    const ds = await ctx.weaveDaemonSet().catch(() => undefined);
    if (!ds) return { status: 'skip', message: 'Weave Net is not installed' };
    const counts = daemonSetCounts(ds);
    let pods: KubeObject[] = [];
    let nodes: KubeObject[] | undefined;
    try {
      pods = (await ctx.cluster.list({ apiVersion: 'v1', kind: 'Pod', namespace: ctx.namespace }, { labelSelector: NET_POD_SELECTOR })).items;
      nodes = await ctx.nodes().catch(() => undefined);
    } catch (err) {
      if (counts.ready >= counts.desired && counts.desired > 0) return ok(`${counts.ready} of ${counts.desired} ready`);
      return lookupFailed(err, `listing pods in ${ctx.namespace}`);
    }
    const problems = podProblems(pods, nodes);
    const withProblem = new Set(problems.map((p) => p.pod));
    const notReady = pods.filter((p) => !withProblem.has(p.metadata.name) && !p.metadata.deletionTimestamp && !podIsReady(p)).map(describeNotReadyPod);
    if (counts.desired === 0) {
      return {
        status: nodes && nodes.length > 0 ? 'fail' : 'warn',
        message: `${dsName(ctx)} schedules no pods${nodes ? ` on ${plural(nodes.length, 'node')}` : ''}`,
        hint: `kubectl -n ${ctx.namespace} describe daemonset ${NET_DAEMONSET}`,
      };
    }
    if (counts.ready < counts.desired || problems.length > 0 || notReady.length > 0) {
      const all = [...problems.map(describePodProblem), ...notReady];
      const lines = all.slice(0, 5);
      const more = all.length > 5 ? `; and ${all.length - 5} more` : '';
      return {
        status: 'fail',
        message: `${counts.ready} of ${counts.desired} ready${lines.length ? `: ${lines.join('; ')}${more}` : ''}`,
        hint: problems[0] ? podProblemHint(problems[0]) : `kubectl -n ${ctx.namespace} get pods -l name=weave-net -o wide`,
      };
    }
    return ok(`${counts.ready} of ${counts.desired} ready`);
  },
};

interface ContainerStatusJson {
  name?: string;
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string }; terminated?: { reason?: string; exitCode?: number }; running?: unknown };
  lastState?: { terminated?: { reason?: string; exitCode?: number } };
}

/** "pod kube-system/weave-net-x on node-b: container weave: running, not ready (3 restarts, last exit code 1 (Error))" */
function describeNotReadyPod(pod: KubeObject): string {
  const where = `pod ${pod.metadata.namespace ? `${pod.metadata.namespace}/` : ''}${pod.metadata.name}${podNode(pod) ? ` on ${podNode(pod)}` : ''}`;
  const statuses = [...((pod.status?.initContainerStatuses ?? []) as ContainerStatusJson[]), ...((pod.status?.containerStatuses ?? []) as ContainerStatusJson[])];
  const parts: string[] = [];
  for (const cs of statuses) {
    if (cs?.ready) continue;
    const st = cs?.state ?? {};
    const state = st.waiting ? `waiting (${st.waiting.reason ?? 'unknown'})` : st.terminated ? `terminated (${st.terminated.reason ?? `exit code ${st.terminated.exitCode ?? '?'}`})` : st.running ? 'running, not ready' : 'not started';
    const extra: string[] = [];
    if (cs?.restartCount) extra.push(`${cs.restartCount} restart${cs.restartCount === 1 ? '' : 's'}`);
    const last = cs?.lastState?.terminated;
    if (last) extra.push(`last exit code ${last.exitCode ?? '?'}${last.reason ? ` (${last.reason})` : ''}`);
    parts.push(`container ${cs?.name ?? '?'}: ${state}${extra.length ? ` (${extra.join(', ')})` : ''}`);
  }
  return `${where}: ${parts.length ? parts.join('; ') : String(pod.status?.phase ?? 'not ready')}`;
}
