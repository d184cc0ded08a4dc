/**
 * What `install` does when Weave Net already runs or before it touches a cluster: the pre-flight
 * checks, keeping the running settings, and saying what changes with the release. (Showing the
 * changes is src/deploy/changes.ts; the question before changing what runs, src/output/ask.ts.)
 */
import type { CheckContext } from '../check/framework.js';
import type { KubeObject } from '../cluster/types.js';
import { failure } from '../errors.js';
import type { NetSettings } from '../manifest/net-settings.js';
import type { Reporter } from '../output/reporter.js';
import { NET_DAEMONSET, WEAVE_CONTAINER } from '../weave/names.js';

/** The pre-install checks: failures stop the install; warnings and failures are printed, passes are not. */
export async function preflight(ctx: CheckContext, reporter: Reporter): Promise<void> {
  const [{ runChecks }, { preInstallChecks }, { resultLines }] = await Promise.all([
    import('../check/framework.js'),
    import('../check/lists.js'),
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
export async function keepLiveSettings(
  liveDs: KubeObject,
  flags: NetSettings,
  reporter: Reporter,
): Promise<{ settings: NetSettings; repo?: string; live: import('../upgrade/live-settings.js').LiveSettings }> {
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
  return { settings: merged.settings, ...(live.repo ? { repo: live.repo } : {}), live };
}

/**
 * The release change of an upgrade and every behaviour the two release lines do differently
 * (src/upgrade/release-change.ts), printed with the kept/changed summary; returns the lines for --diff.
 */
export async function reportReleaseChange(
  live: import('../upgrade/live-settings.js').LiveSettings,
  objects: KubeObject[],
  settings: NetSettings,
  reporter: Reporter,
): Promise<string[]> {
  const [{ releaseChange }, { weaveImageOrigin }] = await Promise.all([import('../upgrade/release-change.js'), import('../upgrade/live-settings.js')]);
  const ds = objects.find((o) => o.kind === 'DaemonSet' && o.metadata.name === NET_DAEMONSET);
  const image = (ds?.spec?.template?.spec?.containers as { name?: string; image?: string }[] | undefined)?.find((c) => c.name === WEAVE_CONTAINER)?.image;
  const target = image ? weaveImageOrigin(image) : undefined;
  const ref = (repo?: string, version?: string) => (repo && version ? { repo: repo as 'weaveworks' | 'reweave', version } : undefined);
  const rc = releaseChange(ref(live.repo, live.weaveVersion), ref(target?.repo, target?.version), settings, live);
  const lines = [rc.summary, ...rc.behaviour.map((b) => `  behaviour change: ${b}`)];
  reporter.info(`  ${rc.summary}`);
  for (const b of rc.behaviour) reporter.warn(`behaviour change: ${b}`);
  return lines;
}
