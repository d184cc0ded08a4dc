/** Category permissions: the user may create what an install creates (SelfSubjectAccessReviews). */
import { netFlavourFor } from '../../manifest/catalog.js';
import { errorMessage, isForbidden, ok, type Check, type CheckContext, type CheckResult } from '../framework.js';

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
  const answers = await Promise.all(needs.map((n) => ctx.reviewer.canI(n.verb, n.group, n.resource, n.namespace)));
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

function permissionCheck(id: string, description: string, needs: (ctx: CheckContext) => Promise<Need[] | string>): Check {
  return {
    id,
    category: 'permissions',
    description,
    async run(ctx) {
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
