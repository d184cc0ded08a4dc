/**
 * Category weave-net, the release: checks on the release that runs (src/weave/releases.ts): an
 * archived weaveworks release, a release/Kubernetes pair that does not work (no manifest for the
 * version, weave-npc watching an API the cluster does not serve, a weave-npc flag the release does
 * not have), and a WEAVE_MTU that is not a multiple of 4 (a warning: see mtuWarning in
 * src/manifest/net-settings.ts for the sources).
 */
import { k8sFit, LEGACY_NETPOL_FLAG, npcBehaviour, releaseLine, WEAVE_REPOS } from '../../weave/releases.js';
import { mtuWarning } from '../../manifest/net-settings.js';
import { NPC_CONTAINER } from '../../weave/names.js';
import { ok, type Check, type CheckContext, type CheckResult } from '../framework.js';

const skip = (message: string): CheckResult => ({ status: 'skip', message });

async function running(ctx: CheckContext) {
  const live = await ctx.liveSettings().catch(() => undefined);
  if (!live) return undefined;
  return { live, version: live.weaveVersion, repo: live.repo ?? 'weaveworks' };
}

/** The running release, or why a check on it is skipped (not installed, or an image with no version tag). */
async function runningRelease(ctx: CheckContext) {
  const r = await running(ctx);
  if (!r) return skip('Weave Net is not installed');
  if (!r.version) return skip(`the release is unknown (image ${r.live.image ?? '?'} has no version tag)`);
  return { ...r, version: r.version };
}

export const releaseMaintainedCheck: Check = {
  id: 'weave-net-release-maintained',
  category: 'weave-net',
  description: 'the running Weave Net release still gets fixes',
  async run(ctx) {
    const r = await runningRelease(ctx);
    if ('status' in r) return r;
    const line = releaseLine(r.version, r.repo);
    if (!line?.archived) return ok(`${WEAVE_REPOS[r.repo].label} ${r.version}`);
    const k8s = await ctx.k8sVersion();
    const reweaveFits = k8s.major === 1 && k8s.minor >= 8;
    return {
      status: 'warn',
      message: `Weave Net ${r.version} is a weaveworks/weave release: the repository is archived and its images get no fixes`,
      hint: reweaveFits
        ? 'move to reweave, the maintained fork (github.com/rajch/weave): weavectl install --weave-repo reweave --weave-version 2.8.10 (2.9.0 defaults to iptables-nft: not on legacy-iptables hosts such as CentOS 7)'
        : `reweave (github.com/rajch/weave) ships manifests for Kubernetes 1.8 and newer only; this cluster runs ${k8s.text}`,
    };
  },
};

export const releaseFitsCheck: Check = {
  id: 'weave-net-release-fits',
  category: 'weave-net',
  description: 'the running Weave Net release works on this Kubernetes version',
  async run(ctx) {
    const r = await runningRelease(ctx);
    if ('status' in r) return r;
    const k8s = await ctx.k8sVersion();
    if (k8s.major !== 1) return skip(`Kubernetes ${k8s.text} is not a 1.x version`);
    const problems: string[] = [];
    const ds = await ctx.weaveDaemonSet().catch(() => undefined);
    const npc = ((ds?.spec?.template?.spec?.containers ?? []) as { name?: string; args?: unknown[]; command?: unknown[] }[]).find((c) => c?.name === NPC_CONTAINER);
    const flag = npc ? [...(npc.command ?? []), ...(npc.args ?? [])].map(String).some((a) => /^--?use-legacy-netpol(=(true|1))?$/.test(a)) : false;
    const fit = k8sFit(r.version, r.repo, k8s.minor);
    problems.push(...fit.reasons.filter((x) => npc || !x.startsWith('weave-npc')));
    const b = npc ? npcBehaviour(r.version, flag, r.repo) : undefined;
    if (b?.flagUnknown) problems.push(`weave-npc ${r.version} has no ${LEGACY_NETPOL_FLAG} (only 2.1.0-2.3.x have it) and exits on start with it`);
    if (problems.length === 0) return ok(`${WEAVE_REPOS[r.repo].label} ${r.version} on Kubernetes ${k8s.text}`);
    return { status: 'warn', message: problems.join('; '), hint: `weavectl versions lists the releases that work on Kubernetes ${k8s.major}.${k8s.minor}` };
  },
};

export const mtuCheck: Check = {
  id: 'weave-net-mtu',
  category: 'weave-net',
  description: 'WEAVE_MTU is a multiple of 4 (fast datapath)',
  async run(ctx) {
    const r = await running(ctx);
    if (!r) return skip('Weave Net is not installed');
    const mtu = r.live.settings.mtu;
    if (mtu === undefined) return ok('WEAVE_MTU not set (1376)');
    const w = mtuWarning(mtu);
    if (!w) return ok(`WEAVE_MTU=${mtu}`);
    return { status: 'warn', message: w, hint: `weavectl install --mtu ${mtu - (mtu % 4)}` };
  },
};
