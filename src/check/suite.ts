/**
 * The checks themselves, and the two lists `weavectl check` runs: before an install (`--pre`:
 * can weavectl install here, and would Weave Net work) and after one (is the installed Weave Net
 * healthy, and does it fit the cluster). `weavectl install` runs the pre-install list.
 *
 * Categories, in output order: kubernetes-api, kubernetes-version, then before an install
 * permissions, pod-network, ip-ranges, weave-net; after one weave-net, pod-network, ip-ranges.
 */
import { mtuCheck, releaseFitsCheck, releaseMaintainedCheck } from './release.js';
import type { KubeObject } from '../cluster/types.js';
import { describeNetFlavour, netFlavourFor, resolveNetRelease } from '../manifest/catalog.js';
import { NET_DAEMONSET } from '../manifest/net-settings.js';
import { overlaps, contains } from '../net/cidr.js';
import { daemonSetCounts } from '../rollout/status.js';
import { describePodProblem, podProblemHint, podProblems } from '../kube/pod-problems.js';
import { podIsReady, podNode } from '../kube/pods.js';
import { mergeSettings } from '../upgrade/merge.js';
import { rangeChange } from '../upgrade/range-change.js';
import { isWeaveNetDaemonSet } from '../upgrade/guard.js';
import { errorMessage, isForbidden, lookupFailed, type Check, type CheckContext, type CheckResult } from './checks.js';
import { findOtherCnis } from './cni.js';
import { passwordSecretProblem, passwordSecretRef } from './password-secret.js';
import { managedBy } from './managed.js';
import {
  inferServiceRange,
  kubeProxyClusterCidr,
  kubeProxyConfigPath,
  nodeAddresses,
  nodeAddressesIn,
  serviceRangeFromApiServer,
  suggestRange,
} from './ranges.js';

const ok = (message?: string): CheckResult => ({ status: 'ok', ...(message ? { message } : {}) });
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : word.endsWith('s') ? 'es' : 's'}`;

// ---------------------------------------------------------------------------------------------
// kubernetes-api, kubernetes-version

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

// ---------------------------------------------------------------------------------------------
// permissions

interface Need {
  verb: string;
  group: string;
  /** "daemonsets", or "nodes/status" */
  resource: string;
  namespace?: string;
}

function needText(n: Need): string {
  const [res, sub] = n.resource.split('/');
  return `${n.verb} ${res}${n.group ? `.${n.group}` : ''}${sub ? `/${sub}` : ''}`;
}

function needsOf(verbs: string[], group: string, resources: string[], namespace?: string): Need[] {
  return resources.flatMap((resource) => verbs.map((verb) => ({ verb, group, resource, ...(namespace ? { namespace } : {}) })));
}

/** Asks every need; the ones denied and the ones the server gave no answer for. */
async function ask(ctx: CheckContext, needs: Need[]): Promise<{ denied: Need[]; unknown: Need[] }> {
  const answers = await Promise.all(needs.map((n) => ctx.reviewer!.canI(n.verb, n.group, n.resource, n.namespace)));
  return { denied: needs.filter((_, i) => answers[i] === false), unknown: needs.filter((_, i) => answers[i] === undefined) };
}

/** "create daemonsets.apps, patch daemonsets.apps in kube-system; list nodes" */
function listNeeds(needs: Need[]): string {
  const byNs = new Map<string, string[]>();
  for (const n of needs) {
    const key = n.namespace ?? '';
    byNs.set(key, [...(byNs.get(key) ?? []), needText(n)]);
  }
  return [...byNs].map(([ns, list]) => `${list.join(', ')}${ns ? ` in ${ns}` : ' (cluster-wide)'}`).join('; ');
}

/**
 * Asking failed. Every authenticated user may create SelfSubjectAccessReviews (system:basic-user), so
 * a 403 means this user may not even ask: it will not be allowed to install either. Anything else
 * (SSARs not served, a server error) leaves the question open.
 */
function reviewFailed(err: unknown): CheckResult {
  if (isForbidden(err)) {
    return {
      status: 'fail',
      message: `the API server does not even let this user ask what it may do (SelfSubjectAccessReview: ${errorMessage(err)})`,
      hint: 'use a context whose user may install cluster components (--context), e.g. a cluster-admin',
    };
  }
  return { status: 'warn', message: `could not ask the API server (SelfSubjectAccessReview): ${errorMessage(err)}`, hint: 'check by hand: kubectl auth can-i --list' };
}

const NO_SSAR = 'the cluster client cannot create SelfSubjectAccessReviews (Cluster.create), so permissions were not asked';

function permissionCheck(id: string, description: string, needs: (ctx: CheckContext) => Promise<Need[] | string>): Check {
  return {
    id,
    category: 'permissions',
    description,
    async run(ctx) {
      if (!ctx.reviewer) return { status: 'skip', message: NO_SSAR };
      const list = await needs(ctx);
      if (typeof list === 'string') return { status: 'skip', message: list };
      let res;
      try {
        res = await ask(ctx, list);
      } catch (err) {
        return reviewFailed(err);
      }
      if (res.denied.length > 0) {
        return {
          status: 'fail',
          message: `missing: ${listNeeds(res.denied)}`,
          hint: 'installing Weave Net needs them: use a cluster-admin context (--context), or have an administrator grant them',
        };
      }
      if (res.unknown.length > 0) return { status: 'warn', message: `the API server did not say whether these are allowed: ${listNeeds(res.unknown)}` };
      return ok();
    },
  };
}

/** The group Weave Net's DaemonSet is created in: apps from the 1.9 manifests on, extensions before. */
async function daemonSetGroup(ctx: CheckContext): Promise<string> {
  const f = netFlavourFor(await ctx.k8sVersion());
  return f === '1.9' || f === '1.11' ? 'apps' : 'extensions';
}

async function hasRbac(ctx: CheckContext): Promise<boolean> {
  return (await ctx.k8sVersion()).minor >= 6;
}

const RBAC = 'rbac.authorization.k8s.io';

export const daemonSetPermissionCheck = permissionCheck(
  'permissions-daemonsets',
  'can create, update and watch DaemonSets',
  async (ctx) => needsOf(['create', 'get', 'patch', 'list', 'watch'], await daemonSetGroup(ctx), ['daemonsets'], ctx.namespace),
);

export const serviceAccountPermissionCheck = permissionCheck(
  'permissions-serviceaccounts',
  'can create and update ServiceAccounts',
  async (ctx) => needsOf(['create', 'get', 'patch'], '', ['serviceaccounts'], ctx.namespace),
);

export const rbacPermissionCheck = permissionCheck(
  'permissions-rbac',
  'can create and update ClusterRoles, ClusterRoleBindings, Roles and RoleBindings',
  async (ctx) => {
    if (!(await hasRbac(ctx))) return 'Kubernetes before 1.6 has no RBAC; the manifest has no roles';
    return [
      ...needsOf(['create', 'get', 'patch'], RBAC, ['clusterroles', 'clusterrolebindings']),
      ...needsOf(['create', 'get', 'patch'], RBAC, ['roles', 'rolebindings'], ctx.namespace),
    ];
  },
);

/**
 * RBAC lets a user create a role only with permissions the user holds (or with `escalate` on
 * roles), and bind one only likewise (or with `bind`). The union of Weave Net's ClusterRole and
 * Role rules over its releases.
 */
function weaveRoleNeeds(namespace: string): Need[] {
  return [
    ...needsOf(['get', 'list', 'watch'], '', ['pods', 'namespaces', 'nodes']),
    ...needsOf(['get', 'list', 'watch'], 'networking.k8s.io', ['networkpolicies']),
    ...needsOf(['get', 'list', 'watch'], 'extensions', ['networkpolicies']),
    ...needsOf(['patch', 'update'], '', ['nodes/status']),
    ...needsOf(['get', 'update', 'create'], '', ['configmaps'], namespace),
  ];
}

export const grantPermissionCheck: Check = {
  id: 'permissions-grant',
  category: 'permissions',
  description: "can grant the permissions Weave Net's roles hold",
  async run(ctx) {
    if (!ctx.reviewer) return { status: 'skip', message: NO_SSAR };
    if (!(await hasRbac(ctx))) return { status: 'skip', message: 'Kubernetes before 1.6 has no RBAC; the manifest has no roles' };
    try {
      const escalate = await ask(ctx, [
        { verb: 'escalate', group: RBAC, resource: 'clusterroles' },
        { verb: 'escalate', group: RBAC, resource: 'roles', namespace: ctx.namespace },
        { verb: 'bind', group: RBAC, resource: 'clusterroles' },
        { verb: 'bind', group: RBAC, resource: 'roles', namespace: ctx.namespace },
      ]);
      if (escalate.denied.length === 0 && escalate.unknown.length === 0) return ok();
      const res = await ask(ctx, weaveRoleNeeds(ctx.namespace));
      if (res.denied.length > 0) {
        return {
          status: 'fail',
          message: `RBAC refuses to create or bind a role with permissions you do not hold, and you lack: ${listNeeds(res.denied)}`,
          hint: 'use a cluster-admin context, or have an administrator grant these (or escalate and bind on roles)',
        };
      }
      if (res.unknown.length > 0) return { status: 'warn', message: `the API server did not say whether these are allowed: ${listNeeds(res.unknown)}` };
      return ok();
    } catch (err) {
      return reviewFailed(err);
    }
  },
};

export const readPermissionCheck = permissionCheck(
  'permissions-read',
  'can list nodes, and list and watch pods',
  async (ctx) => [...needsOf(['list'], '', ['nodes']), ...needsOf(['list', 'watch'], '', ['pods'], ctx.namespace)],
);

// ---------------------------------------------------------------------------------------------
// pod-network

export const otherCniCheck: Check = {
  id: 'pod-network-no-other-cni',
  category: 'pod-network',
  description: 'no other pod network (CNI plugin) is running',
  async run(ctx) {
    let daemonSets: KubeObject[];
    try {
      daemonSets = await ctx.allDaemonSets();
    } catch (err) {
      return lookupFailed(err, 'listing DaemonSets in all namespaces');
    }
    const nodes = await ctx.nodes().catch(() => [] as KubeObject[]);
    const k3s = /\+k3s/.test((await ctx.serverVersion()).gitVersion);
    const findings = findOtherCnis(daemonSets, nodes);
    const running = findings.filter((f) => f.running || (k3s && f.plugin === 'flannel'));
    if (running.length > 0) {
      const k3sFlannel = k3s && running.some((f) => f.plugin === 'flannel' && !f.running);
      return {
        status: 'fail',
        message: running.map((f) => `${f.plugin} is running (${f.running ? f.evidence : `k3s' embedded flannel: ${f.evidence}`})`).join('; '),
        hint: k3sFlannel
          ? "start k3s with --flannel-backend=none --disable-network-policy and install Weave Net with --ipalloc 10.42.0.0/16 (two CNI plugins on one node break pod networking)"
          : `two CNI plugins on one node break pod networking: remove ${running.map((f) => f.plugin).join(' and ')} (its DaemonSet, and its file in /etc/cni/net.d on every node) before installing Weave Net`,
      };
    }
    if (findings.length > 0) {
      return {
        status: 'warn',
        message: findings.map((f) => `${f.plugin} left traces but no DaemonSet runs it (${f.evidence}): it may run outside Kubernetes, or was removed without cleaning up`).join('; '),
        hint: 'make sure only Weave Net configures pod networking: /etc/cni/net.d on each node should hold no other plugin file',
      };
    }
    return ok(`none found among ${plural(daemonSets.length, 'DaemonSet')} in all namespaces`);
  },
};

// ---------------------------------------------------------------------------------------------
// ip-ranges

function rangeText(r: { cidr: string; source: string }): string {
  return `pod range ${r.cidr} (${r.source})`;
}

/** The advice that goes with a range problem: another range, and the caution when Weave Net runs already. */
async function rangeHint(ctx: CheckContext, avoid: string[], what: string): Promise<string> {
  const nodes = await ctx.nodes().catch(() => [] as KubeObject[]);
  const range = await ctx.podRange();
  const suggestion = suggestRange(nodeAddresses(nodes), [...avoid]);
  const choose = `${what}${suggestion ? `, e.g. --ipalloc ${suggestion}` : ''}`;
  if (range.source === '--ipalloc') return choose;
  const live = await ctx.liveSettings().catch(() => undefined);
  return live ? `${choose} (changing the range of a running Weave Net disconnects pods: see --allow-range-change)` : choose;
}

export const nodeRangeCheck: Check = {
  id: 'ip-ranges-nodes',
  category: 'ip-ranges',
  description: 'the pod range holds no node address',
  async run(ctx) {
    const range = await ctx.podRange();
    let nodes: KubeObject[];
    try {
      nodes = await ctx.nodes();
    } catch (err) {
      return lookupFailed(err, 'listing nodes');
    }
    const hits = nodeAddressesIn(range.cidr, nodes);
    if (hits.length > 0) {
      const shown = hits.slice(0, 5).map((h) => `${h.node} ${h.type} ${h.address}`);
      const more = hits.length > 5 ? ` and ${hits.length - 5} more` : '';
      const names = new Set(hits.map((h) => h.node));
      return {
        status: 'fail',
        message: `${rangeText(range)} holds the addresses of ${plural(names.size, 'node')}: ${shown.join(', ')}${more}; weave crash-loops there with "Network ${range.cidr} overlaps with existing route"`,
        hint: await rangeHint(ctx, [], 'choose a range away from the node network'),
      };
    }
    return ok(`${rangeText(range)}; ${plural(nodeAddresses(nodes).length, 'node address')} outside it`);
  },
};

async function kubernetesServiceIp(ctx: CheckContext): Promise<string | undefined> {
  const svc = await ctx.cluster.get({ apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'kubernetes' });
  const ips: unknown[] = [svc?.spec?.clusterIP, ...(Array.isArray(svc?.spec?.clusterIPs) ? svc!.spec.clusterIPs : [])];
  return ips.find((ip): ip is string => typeof ip === 'string' && /^[0-9.]+$/.test(ip));
}

export const serviceRangeCheck: Check = {
  id: 'ip-ranges-services',
  category: 'ip-ranges',
  description: 'the pod range does not overlap the service range',
  async run(ctx) {
    const range = await ctx.podRange();
    // kube-apiserver's own flag, where it runs as a (static) pod that can be read.
    const apiServers = await ctx.cluster
      .list({ apiVersion: 'v1', kind: 'Pod', namespace: 'kube-system' }, { labelSelector: 'component=kube-apiserver' })
      .then((r) => r.items)
      .catch(() => [] as KubeObject[]);
    const flagged = serviceRangeFromApiServer(apiServers);
    if (flagged.length > 0) {
      const clash = flagged.filter((s) => overlaps(s, range.cidr));
      if (clash.length > 0) {
        return {
          status: 'fail',
          message: `${rangeText(range)} overlaps the service range ${clash.join(', ')} (kube-apiserver --service-cluster-ip-range): pod and service addresses would collide`,
          hint: await rangeHint(ctx, flagged, 'choose a pod range outside the service range'),
        };
      }
      return ok(`service range ${flagged.join(', ')} (kube-apiserver --service-cluster-ip-range)`);
    }

    let ip: string | undefined;
    try {
      ip = await kubernetesServiceIp(ctx);
    } catch (err) {
      return lookupFailed(err, 'reading Service default/kubernetes');
    }
    if (!ip) return { status: 'skip', message: 'the service range is not visible: no kube-apiserver pod to read, and Service default/kubernetes has no IPv4 address' };
    const inferred = inferServiceRange(ip);
    if (contains(range.cidr, ip)) {
      return {
        status: 'fail',
        message: `${rangeText(range)} holds ${ip}, the address of Service default/kubernetes: pod and service addresses collide${inferred ? ` (the service range is probably ${inferred.cidr}, ${inferred.who})` : ''}`,
        hint: await rangeHint(ctx, inferred ? [inferred.cidr] : [`${ip}/32`], 'choose a pod range outside the service range'),
      };
    }
    if (inferred && overlaps(inferred.cidr, range.cidr)) {
      return {
        status: 'warn',
        message: `${rangeText(range)} overlaps ${inferred.cidr}, the service range inferred from Service default/kubernetes (${ip}; ${inferred.who})`,
        hint: `check the cluster's --service-cluster-ip-range; if it is ${inferred.cidr}, ${await rangeHint(ctx, [inferred.cidr], 'choose a pod range outside it')}`,
      };
    }
    return ok(
      inferred
        ? `service range inferred as ${inferred.cidr} from Service default/kubernetes (${ip}; ${inferred.who})`
        : `the service range is not visible; Service default/kubernetes (${ip}) is outside the pod range`,
    );
  },
};

/** k3s runs kube-proxy inside its own binary with its --cluster-cidr, 10.42.0.0/16 by default. */
const K3S_CLUSTER_CIDR = '10.42.0.0/16';

export const kubeProxyRangeCheck: Check = {
  id: 'ip-ranges-kube-proxy',
  category: 'ip-ranges',
  description: "kube-proxy's --cluster-cidr matches the pod range",
  async run(ctx) {
    const range = await ctx.podRange();
    let ds: KubeObject | undefined;
    try {
      ds = await ctx.cluster.get({ apiVersion: await ctx.daemonSetApiVersion(), kind: 'DaemonSet', namespace: 'kube-system', name: 'kube-proxy' });
    } catch (err) {
      return lookupFailed(err, 'reading DaemonSet kube-system/kube-proxy');
    }
    if (!ds) {
      const k3s = /\+k3s/.test((await ctx.serverVersion()).gitVersion);
      if (k3s && range.cidr === K3S_CLUSTER_CIDR) return ok(`k3s runs kube-proxy itself, with --cluster-cidr ${K3S_CLUSTER_CIDR} unless its server was started with another`);
      if (k3s) {
        return {
          status: 'warn',
          message: `k3s runs kube-proxy with --cluster-cidr ${K3S_CLUSTER_CIDR} unless its server was started with another; the ${rangeText(range)} differs`,
          hint: `install with --ipalloc ${K3S_CLUSTER_CIDR}, or start the k3s server with --cluster-cidr ${range.cidr}`,
        };
      }
      return { status: 'skip', message: 'no DaemonSet kube-system/kube-proxy (kube-proxy runs outside Kubernetes, or something replaces it)' };
    }
    let cm: KubeObject | undefined;
    if (kubeProxyConfigPath(ds) !== undefined) {
      cm = await ctx.cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'kube-proxy' }).catch(() => undefined);
    }
    const found = kubeProxyClusterCidr(ds, cm);
    if (found.cidrs.length === 0) return ok(`kube-proxy sets no cluster CIDR (${found.source})`);
    if (found.cidrs.includes(range.cidr)) return ok(`${range.cidr} (${found.source})`);
    return {
      status: 'warn',
      message:
        `kube-proxy's cluster CIDR is ${found.cidrs.join(', ')} (${found.source}) but the ${rangeText(range)} differs: ` +
        'kube-proxy masquerades service traffic from addresses outside its cluster CIDR, so pods reaching services get SNATed (source-IP NetworkPolicies and client IPs break)',
      hint: `make them equal: set kube-proxy's clusterCIDR to ${range.cidr} (kubectl -n kube-system edit configmap kube-proxy, then restart the kube-proxy pods), or install with --ipalloc ${found.cidrs[0]}`,
    };
  },
};

// ---------------------------------------------------------------------------------------------
// weave-net

function dsName(ctx: CheckContext): string {
  return `DaemonSet ${ctx.namespace}/${NET_DAEMONSET}`;
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
    let live;
    try {
      live = await ctx.liveSettings();
    } catch (err) {
      return lookupFailed(err, `reading ${dsName(ctx)}`);
    }
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
    let live;
    try {
      live = await ctx.liveSettings();
    } catch (err) {
      return lookupFailed(err, `reading ${dsName(ctx)}`);
    }
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
    let live;
    try {
      live = await ctx.liveSettings();
    } catch (err) {
      return lookupFailed(err, `reading ${dsName(ctx)}`);
    }
    if (!live) {
      const elsewhere = await weaveElsewhere(ctx);
      if (elsewhere.length > 0) return { status: 'fail', message: `no ${dsName(ctx)}; Weave Net runs as DaemonSet ${elsewhere.join(', ')}`, hint: `run the check with -n ${elsewhere[0]!.split('/')[0]}` };
      return { status: 'fail', message: `no ${dsName(ctx)}`, hint: `install it: weavectl install (check the cluster first with weavectl check --pre)${ctx.namespace === 'kube-system' ? '' : `, or pass the namespace it runs in with -n`}` };
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
      pods = (await ctx.cluster.list({ apiVersion: 'v1', kind: 'Pod', namespace: ctx.namespace }, { labelSelector: 'name=weave-net' })).items;
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

// ---------------------------------------------------------------------------------------------
// The lists

/** Before an install: can weavectl install here, and would Weave Net work. `weavectl install` runs these. */
export function preInstallChecks(): Check[] {
  return [
    reachableCheck,
    versionCheck,
    daemonSetPermissionCheck,
    serviceAccountPermissionCheck,
    rbacPermissionCheck,
    grantPermissionCheck,
    readPermissionCheck,
    otherCniCheck,
    nodeRangeCheck,
    serviceRangeCheck,
    kubeProxyRangeCheck,
    existingWeaveCheck,
    rangeChangeCheck,
    managedCheck,
  ];
}

/** After an install: is the installed Weave Net healthy, and does it fit the cluster. */
export function healthChecks(): Check[] {
  return [
    reachableCheck,
    versionCheck,
    installedCheck,
    podsReadyCheck,
    passwordSecretCheck,
    releaseMaintainedCheck,
    releaseFitsCheck,
    mtuCheck,
    managedCheck,
    rangeChangeCheck,
    otherCniCheck,
    nodeRangeCheck,
    serviceRangeCheck,
    kubeProxyRangeCheck,
  ];
}
