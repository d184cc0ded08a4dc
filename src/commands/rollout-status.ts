/**
 * `weavectl rollout-status [TYPE/NAME]`: what `kubectl rollout status ds/weave-net -n kube-system` does,
 * and more (fails fast on crash loops and image pulls, names what is missing at a timeout).
 */
import { Option, type Command } from 'commander';
import { failure, usageError } from '../errors.js';
import type { RolloutStatus } from '../rollout/status.js';
import type { WorkloadRef } from '../rollout/workload.js';
import { waitForWorkloads } from '../deploy/wait.js';
import { firstServed } from '../kube/kinds.js';
import { openCluster } from './cluster-session.js';
import { printResult } from '../output/print.js';
import { globalsOf, reporterFor, type Globals } from './global.js';
import { remainingMs } from '../util/deadline.js';
import { optBool, optString, type OptionValues } from './option-values.js';
import { parseBool } from './bool-flag.js';

interface RolloutFlags {
  selector?: string;
  watch: boolean;
}

/** The flags as typed options. */
function rolloutOptionsOf(o: OptionValues): RolloutFlags {
  const selector = optString(o, 'selector');
  return { ...(selector !== undefined ? { selector } : {}), watch: optBool(o, 'watch') ?? true };
}

type WorkloadKind = 'DaemonSet' | 'Deployment';

const KIND_ALIASES: Record<string, WorkloadKind> = {
  ds: 'DaemonSet',
  daemonset: 'DaemonSet',
  daemonsets: 'DaemonSet',
  'daemonset.apps': 'DaemonSet',
  'daemonsets.apps': 'DaemonSet',
  'daemonset.extensions': 'DaemonSet',
  deploy: 'Deployment',
  deployment: 'Deployment',
  deployments: 'Deployment',
  'deployment.apps': 'Deployment',
  'deployments.apps': 'Deployment',
  'deployment.extensions': 'Deployment',
};

/** "ds/weave-net" -> {kind, name}; kubectl's "TYPE/NAME" with its short names. */
export function parseResourceArg(text: string): { kind: WorkloadKind; name: string } {
  const slash = text.indexOf('/');
  if (slash <= 0 || slash === text.length - 1) {
    throw usageError(`invalid resource "${text}": expected TYPE/NAME, e.g. ds/weave-net or deploy/weave-scope-app`);
  }
  const type = text.slice(0, slash).toLowerCase();
  const kind = KIND_ALIASES[type];
  if (!kind) throw usageError(`rollout-status watches DaemonSets and Deployments, not "${text.slice(0, slash)}"`, 'use ds/NAME or deploy/NAME');
  const name = text.slice(slash + 1);
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) throw usageError(`invalid name "${name}" in "${text}"`);
  return { kind, name };
}

export function registerRolloutStatus(program: Command): void {
  program
    .command('rollout-status')
    .argument('[resource]', 'TYPE/NAME: ds/NAME, daemonset/NAME, deploy/NAME, deployment/NAME', 'ds/weave-net')
    .description('Watch a rollout until it completes, like kubectl rollout status (default: ds/weave-net in kube-system)')
    .option('-l, --selector <selector>', 'watch every DaemonSet and Deployment matching this label selector')
    .addOption(new Option('-w, --watch [bool]', 'watch until done (--watch=false prints the status once)').argParser(parseBool('--watch')).default(true))
    .addHelpText(
      'after',
      `
Examples:
  weavectl rollout-status
  weavectl rollout-status deploy/weave-scope-app -n weave --timeout 2m
  weavectl rollout-status -n weave -l app=weave-scope
  weavectl rollout-status --watch=false -o json`,
    )
    .action(async (resource: string, _opts: unknown, command: Command) => {
      await runRolloutStatus(resource, rolloutOptionsOf(command.opts()), globalsOf(command));
    });
}

/** The -o json shape of one workload's rollout. */
function statusDoc(ref: WorkloadRef, s: RolloutStatus): Record<string, unknown> {
  return { object: `${ref.kind.toLowerCase()}/${ref.name}`, namespace: ref.namespace, message: s.message, ...s.counts, done: s.done };
}

async function runRolloutStatus(resource: string, f: RolloutFlags, g: Globals): Promise<void> {
  const target = f.selector === undefined ? parseResourceArg(resource) : undefined;
  const reporter = reporterFor(g);
  const cluster = await openCluster(g, reporter);
  try {
    const refs: WorkloadRef[] = [];
    if (target) {
      const apiVersion = await firstServed(cluster, target.kind);
      if (!apiVersion) throw failure(`the cluster serves no ${target.kind} API`);
      refs.push({ apiVersion, kind: target.kind, namespace: g.namespace, name: target.name });
    } else {
      for (const kind of ['DaemonSet', 'Deployment'] as const) {
        const apiVersion = await firstServed(cluster, kind);
        if (!apiVersion) continue;
        const list = await cluster.list({ apiVersion, kind, namespace: g.namespace }, { labelSelector: f.selector });
        for (const o of list.items) refs.push({ apiVersion, kind, namespace: g.namespace, name: o.metadata.name });
      }
      if (refs.length === 0) throw failure(`no DaemonSet or Deployment in namespace ${g.namespace} matches the selector "${f.selector}"`);
    }
    let statuses: RolloutStatus[];
    if (f.watch) statuses = await waitForWorkloads(cluster, refs, g, reporter);
    else {
      const { waitForWorkload } = await import('../rollout/workload.js');
      statuses = [];
      for (const ref of refs) {
        const r = await waitForWorkload({ cluster, ref, timeoutMs: g.timeoutMs > 0 ? remainingMs(g) : 0, watch: false, diagnose: false });
        statuses.push(r.status);
        if (g.output === 'text') reporter.data(r.status.message);
      }
    }
    // One document: the workload's status, or {items} for a selector (as kubectl get NAME vs -l); the text
    // lines were printed as the workloads finished.
    const docs = () => refs.map((ref, i) => statusDoc(ref, statuses[i]!));
    await printResult(reporter, g.output, { json: () => (target ? docs()[0] : { items: docs() }) });
  } finally {
    cluster.close();
  }
}
