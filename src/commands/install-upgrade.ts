/**
 * What `install` does when Weave Net already runs or before it touches a cluster: the pre-flight
 * checks, keeping the running settings (and refusing a range change), showing the changes, and
 * asking on a terminal before changing a running install.
 */
import type { CheckContext } from '../check/checks.js';
import type { KubeCluster } from '../cluster/kube-cluster.js';
import type { KubeObject } from '../cluster/types.js';
import { failure } from '../errors.js';
import type { NetSettings } from '../manifest/net-settings.js';
import type { Reporter } from '../output/reporter.js';
import type { Globals, OutputFormat } from './global.js';

/** The pre-install checks: failures stop the install; warnings and failures are printed, passes are not. */
export async function preflight(ctx: CheckContext, reporter: Reporter): Promise<void> {
  const [{ runChecks }, { preInstallChecks }, { resultLines }] = await Promise.all([
    import('../check/checks.js'),
    import('../check/suite.js'),
    import('../check/render.js'),
  ]);
  const report = await runChecks(preInstallChecks(), ctx, (o) => {
    if (o.result.status === 'warn' || o.result.status === 'fail') for (const line of resultLines(o, reporter.c)) reporter.info(line);
  });
  if (!report.success) {
    const failed = report.outcomes.filter((o) => o.result.status === 'fail');
    throw failure(
      `pre-flight check${failed.length === 1 ? '' : 's'} failed: ${failed.map((o) => o.description).join('; ')}; nothing was applied`,
      'see the × lines above; `weavectl check --pre` shows every check, --skip-checks installs anyway',
    );
  }
}

/** Live settings merged under the flags (whether the result may be applied is the guard's call: src/upgrade/guard.ts). */
export async function keepLiveSettings(liveDs: KubeObject, flags: NetSettings, reporter: Reporter): Promise<{ settings: NetSettings; repo?: string }> {
  const [{ readLiveSettings }, { mergeSettings }] = await Promise.all([import('../upgrade/live-settings.js'), import('../upgrade/merge.js')]);
  const live = readLiveSettings(liveDs);
  const merged = mergeSettings(live, flags);
  reporter.info(`Weave Net ${live.weaveVersion ?? '(unknown version)'} is running: keeping its settings unless a flag changes them`);
  for (const k of merged.kept) reporter.info(`  kept     ${k}`);
  for (const c of merged.changed) reporter.info(`  changed  ${c}`);
  for (const n of live.notCarried) reporter.warn(`not carried over: ${n}`);
  if (merged.changed.some((c) => c.startsWith('WEAVE_PASSWORD:'))) {
    reporter.warn(
      'peers whose passwords differ cannot connect: while weave-net rolls out node by node, nodes on the old and the new password are cut off from each other',
    );
  }
  return { settings: merged.settings, ...(live.repo ? { repo: live.repo } : {}) };
}

/** Prints what applying would change against the live objects (-o json/yaml: the diff as one document); returns how many objects change. */
export async function showChanges(cluster: KubeCluster, objects: KubeObject[], reporter: Reporter, output: OutputFormat = 'text'): Promise<number> {
  const { diffObjects, formatDiff } = await import('../upgrade/diff.js');
  const live = (
    await Promise.all(
      objects.map((o) =>
        cluster
          .serves(String(o.apiVersion), String(o.kind))
          .then((ok) => (ok ? cluster.get({ apiVersion: String(o.apiVersion), kind: String(o.kind), namespace: o.metadata.namespace, name: o.metadata.name }) : undefined)),
      ),
    )
  ).filter((o): o is KubeObject => o !== undefined);
  const diffs = diffObjects(live, objects);
  const changed = diffs.filter((d) => d.status === 'new' || d.status === 'changed').length;
  if (output === 'json' || output === 'yaml') {
    const doc = { changed, objects: diffs };
    reporter.document(output === 'json' ? JSON.stringify(doc, null, 2) : (await import('yaml')).stringify(doc));
    return changed;
  }
  if (output === 'name') {
    reporter.data(diffs.filter((d) => d.status === 'new' || d.status === 'changed').map((d) => d.resource).join('\n'));
    return changed;
  }
  if (changed === 0) {
    reporter.info('No changes: the cluster already runs this manifest');
    return 0;
  }
  reporter.info('Changes:');
  reporter.data(formatDiff(diffs, { unchanged: false }));
  return changed;
}

/** Asks on a terminal unless --yes; a pipe or CI never prompts (the command line is the decision). */
export async function confirm(f: { yes?: boolean }, g: Globals, reporter: Reporter): Promise<boolean> {
  const { askOnTerminal } = await import('./ask.js');
  return askOnTerminal('Apply these changes to the running Weave Net? [y/N] ', f, g, reporter);
}
