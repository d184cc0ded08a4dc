/**
 * Category kubernetes-api and kubernetes-version: the API answers, and its version is one a Weave
 * Net release has a manifest for.
 */
import { describeNetFlavour, netFlavourFor, resolveNetRelease } from '../../manifest/catalog.js';
import { errorMessage, ok, type Check } from '../framework.js';

export const reachableCheck: Check = {
  id: 'kubernetes-api-reachable',
  category: 'kubernetes-api',
  description: 'can reach the Kubernetes API',
  fatal: true,
  async run(ctx) {
    try {
      await ctx.serverVersion();
      return ok();
    } catch (err) {
      const hint = (err as { hint?: unknown }).hint;
      return {
        status: 'fail',
        message: errorMessage(err),
        hint: typeof hint === 'string' ? hint : 'check --kubeconfig and --context, and that the API server answers: kubectl cluster-info',
      };
    }
  },
};

export const versionCheck: Check = {
  id: 'kubernetes-version',
  category: 'kubernetes-version',
  description: 'runs a Kubernetes version Weave Net has a manifest for',
  async run(ctx) {
    const sv = await ctx.serverVersion();
    let v;
    try {
      v = await ctx.k8sVersion();
    } catch (err) {
      return { status: 'fail', message: errorMessage(err) };
    }
    let flavour;
    try {
      flavour = netFlavourFor(v);
    } catch (err) {
      return { status: 'fail', message: errorMessage(err), hint: 'pass --k8s-version to install to choose a manifest by hand' };
    }
    const release = resolveNetRelease({ flavour, repo: 'weaveworks' });
    if (v.minor < 6) {
      return {
        status: 'warn',
        message: `Kubernetes ${sv.gitVersion} has no RBAC: weavectl renders the manifest for ${describeNetFlavour(flavour)} (a bare DaemonSet; Weave Net ${release.version} at the newest)`,
        hint: 'upgrade Kubernetes for a current Weave Net',
      };
    }
    return ok(`Kubernetes ${sv.gitVersion}: Weave Net ${release.version} manifest for ${describeNetFlavour(flavour)}`);
  },
};
