/**
 * Trust and sanity checks for a manifest before it goes near a cluster. Pure.
 *
 * weavectl applies what it downloads with the user's (usually cluster-admin) credentials, and the old
 * download host, cloud.weave.works, has had nobody maintaining it since 2022. So a manifest is accepted
 * only when it looks like what Weave ever shipped (the upstream manifests copied into test/fixtures/upstream/):
 *
 * Kinds. Every Net release from 1.9.8 to 2.8.1 and reweave 2.9.0 ship only ServiceAccount, ClusterRole,
 * ClusterRoleBinding, Role, RoleBinding and the DaemonSet (a `List` of them from 2.0). Scope 1.9.1–1.13.2
 * add Namespace, Deployment, Service and (1.10–1.13.2) a PodSecurityPolicy. Anything else is refused: a
 * Secret (credentials never come from a downloaded manifest; WEAVE_PASSWORD is a Secret the user or
 * weavectl creates), webhooks (Mutating/ValidatingWebhookConfiguration could rewrite or block every object in
 * the cluster), CRDs and APIServices (new API surface), ConfigMaps (weave writes its own `weave-net`
 * ConfigMap; a shipped one would overwrite the peer list), bare Pods, Jobs, CronJobs and any other workload.
 * Workloads are also limited to the names Weave used, so a second DaemonSet cannot ride along.
 *
 * RBAC. A binding may only grant a role that the manifest itself defines (never cluster-admin, admin, edit,
 * system:*), and only to ServiceAccounts. Role rules may not use `*`, the escalate/bind/impersonate verbs,
 * Secrets, ServiceAccount tokens, or the RBAC and admission-control APIs: none of the reference roles do.
 *
 * Code. Every container image must come from a known Weave repository of the product (images.ts), and a
 * container `command` (also exec probes and lifecycle hooks) may only start a Weave entry point, since a
 * trusted image running `sh -c ...` is as dangerous as a foreign image. `--allow-any-image` lifts both, for
 * people who build their own images. `:latest` (or no tag) is a warning: it is not pinned.
 */
import { NET_DAEMONSET, WEAVE_CONTAINER } from '../weave/names.js';
import { groupOf, groupsOf } from '../kube/kinds.js';
import { isMap, isScalar, isSeq, type Document } from 'yaml';
import { failure } from '../errors.js';
import { canonicalRepository, formatImage, isKnownWeaveImage, parseImage } from './images.js';
import { describeRef, findDoc, refOf, type Manifest, type ObjectRef } from './manifest.js';

export interface ValidateOptions {
  /** Accept images from any repository and any container command (own builds). */
  allowAnyImage?: boolean;
  /** A registry mirror prefix the images may have been moved under ("registry.corp:5000/mirror"). */
  imageRegistry?: string;
}

type Product = 'net' | 'scope';

interface KindRule {
  /** API groups the kind may come from ('' = core). */
  groups: readonly string[];
  /** When set, the only object names allowed. */
  names?: readonly string[];
}

/** A kind of a manifest: from any group the kinds table serves it in (src/kube/kinds.ts). */
const rule = (kind: string, names?: readonly string[]): KindRule => ({ groups: groupsOf(kind), ...(names ? { names } : {}) });

const NET_KINDS: Record<string, KindRule> = {
  ServiceAccount: rule('ServiceAccount'),
  ClusterRole: rule('ClusterRole'),
  ClusterRoleBinding: rule('ClusterRoleBinding'),
  Role: rule('Role'),
  RoleBinding: rule('RoleBinding'),
  DaemonSet: rule('DaemonSet', ['weave-net']),
};

const SCOPE_KINDS: Record<string, KindRule> = {
  Namespace: rule('Namespace'),
  ServiceAccount: rule('ServiceAccount'),
  ClusterRole: rule('ClusterRole'),
  ClusterRoleBinding: rule('ClusterRoleBinding'),
  Service: rule('Service', ['weave-scope-app']),
  Deployment: rule('Deployment', ['weave-scope-app', 'weave-scope-cluster-agent']),
  DaemonSet: rule('DaemonSet', ['weave-scope-agent']),
  PodSecurityPolicy: rule('PodSecurityPolicy'),
};

/** The repositories (last path part) each product runs. */
const PRODUCT_IMAGES: Record<Product, readonly string[]> = {
  net: ['weave-kube', 'weave-npc', 'weaveexec'],
  scope: ['scope'],
};

/** Entry points the products' containers start (command[0]); no command at all uses the image's own. */
const PRODUCT_COMMANDS: Record<Product, readonly string[]> = {
  net: ['/home/weave/launch.sh', '/home/weave/init.sh', '/usr/bin/weave-npc', '/home/weave/weave', '/home/weave/weaver'],
  scope: ['/home/weave/scope', '/home/weave/entrypoint.sh'],
};

const PRODUCT_NAME: Record<Product, string> = { net: 'Weave Net', scope: 'Weave Scope' };

const FORBIDDEN_VERBS = new Set(['*', 'escalate', 'bind', 'impersonate']);
const FORBIDDEN_RESOURCES = new Set(['*', 'secrets', 'serviceaccounts/token', 'certificatesigningrequests/approval']);
const FORBIDDEN_GROUPS = new Set(['*', 'rbac.authorization.k8s.io', 'admissionregistration.k8s.io', 'apiextensions.k8s.io', 'apiregistration.k8s.io']);

/** Checks a Weave Net manifest; returns warnings, throws a failure (exit 1) on untrusted or invalid content. */
export function validateNet(m: Manifest, opts: ValidateOptions = {}): string[] {
  const ds = findDoc(m, 'DaemonSet', NET_DAEMONSET);
  if (!ds) throw failure(`${m.origin}: no DaemonSet weave-net: this is not a Weave Net manifest`);
  const containers = plain(ds.getIn(['spec', 'template', 'spec', 'containers']));
  const names = (Array.isArray(containers) ? containers : []).map((c: { name?: unknown } | null) => String(c?.name ?? ''));
  if (!names.includes(WEAVE_CONTAINER)) {
    throw failure(`${m.origin}: DaemonSet weave-net has no container named weave (found: ${names.join(', ') || 'none'})`);
  }
  return validateCommon(m, 'net', NET_KINDS, opts);
}

/** Checks a Weave Scope manifest; returns warnings, throws a failure (exit 1) on untrusted or invalid content. */
export function validateScope(m: Manifest, opts: ValidateOptions = {}): string[] {
  const required: [string, string][] = [
    ['Deployment', 'weave-scope-app'],
    ['Service', 'weave-scope-app'],
    ['DaemonSet', 'weave-scope-agent'],
  ];
  const missing = required.filter(([kind, name]) => !findDoc(m, kind, name)).map(([k, n]) => `${k} ${n}`);
  if (missing.length > 0) {
    throw failure(`${m.origin}: no ${missing.join(', no ')}: this is not a Weave Scope manifest`);
  }
  const warnings = validateCommon(m, 'scope', SCOPE_KINDS, opts);
  const svc = findDoc(m, 'Service', 'weave-scope-app');
  const type = svc?.getIn(['spec', 'type']);
  if (type === 'LoadBalancer' || type === 'NodePort') {
    warnings.push(
      `Service weave-scope-app is of type ${type}: Scope's UI has no authentication and can open a shell in any container, so anyone who reaches it controls the cluster`,
    );
  }
  return warnings;
}

function validateCommon(m: Manifest, product: Product, kinds: Record<string, KindRule>, opts: ValidateOptions): string[] {
  const warnings: string[] = [];
  const refs = m.docs.map((d) => refOf(d));
  refs.forEach((ref) => checkKind(m.origin, product, kinds, ref));
  checkRbac(m, refs, product);

  const seenImages = new Set<string>();
  m.docs.forEach((doc, i) => {
    const ref = refs[i]!;
    if ((ref.kind === 'Deployment' || ref.kind === 'DaemonSet') && groupOf(ref.apiVersion) === 'apps' && doc.getIn(['spec', 'selector']) == null) {
      warnings.push(`${describeRef(ref)} (${ref.apiVersion}) has no spec.selector, which ${ref.apiVersion} requires: the API server will refuse it`);
    }
    for (const c of podContainers(doc)) {
      const where = `${describeRef(ref)} container ${c.name || '(unnamed)'}`;
      if (!c.image) throw failure(`${m.origin}: ${where} has no image`);
      checkImage(m.origin, product, c.image, where, opts, warnings);
      if (!seenImages.has(c.image)) {
        seenImages.add(c.image);
        const img = parseImage(c.image);
        if (!img.digest && (img.tag === undefined || img.tag === 'latest')) {
          warnings.push(`image ${c.image} (${where}) is not pinned to a version (${img.tag === undefined ? 'no tag' : ':latest'}): nodes may run different builds`);
        }
      }
      for (const [what, cmd] of c.commands) checkCommand(m.origin, product, cmd, `${where} ${what}`, opts);
    }
  });
  return warnings;
}

function checkKind(origin: string, product: Product, kinds: Record<string, KindRule>, ref: ObjectRef): void {
  const rule = Object.hasOwn(kinds, ref.kind) ? kinds[ref.kind] : undefined;
  if (!rule) {
    throw failure(
      `${origin}: refusing ${describeRef(ref)}: a ${PRODUCT_NAME[product]} manifest ships only ${Object.keys(kinds).join(', ')}`,
      'this manifest is not what Weave published; check where it comes from',
    );
  }
  const group = groupOf(ref.apiVersion);
  if (!rule.groups.includes(group)) {
    throw failure(`${origin}: refusing ${describeRef(ref)} of apiVersion ${ref.apiVersion}: expected ${rule.groups.map((g) => (g === '' ? 'v1' : `${g}/...`)).join(' or ')}`);
  }
  if (rule.names && !rule.names.includes(ref.name)) {
    throw failure(`${origin}: refusing ${describeRef(ref)}: a ${PRODUCT_NAME[product]} manifest has no ${ref.kind} of that name (expected ${rule.names.join(' or ')})`);
  }
}

function checkRbac(m: Manifest, refs: ObjectRef[], product: Product): void {
  const defined = (kind: string, name: string) => refs.some((r) => r.kind === kind && r.name === name);
  m.docs.forEach((doc, i) => {
    const ref = refs[i]!;
    if (ref.kind === 'ClusterRole' || ref.kind === 'Role') {
      if (doc.get('aggregationRule') != null) {
        throw failure(`${m.origin}: refusing ${describeRef(ref)}: an aggregated role can grow to include any permission`);
      }
      const rules = plain(doc.get('rules'));
      if (rules != null && !Array.isArray(rules)) throw failure(`${m.origin}: ${describeRef(ref)}: rules is not a list`);
      for (const rule of (rules ?? []) as unknown[]) checkRule(m.origin, ref, rule);
    }
    if (ref.kind === 'ClusterRoleBinding' || ref.kind === 'RoleBinding') {
      const roleRef = plain(doc.get('roleRef')) as { kind?: unknown; name?: unknown } | null;
      const kind = typeof roleRef?.kind === 'string' ? roleRef.kind : '';
      const name = typeof roleRef?.name === 'string' ? roleRef.name : '';
      const allowedKinds = ref.kind === 'ClusterRoleBinding' ? ['ClusterRole'] : ['Role', 'ClusterRole'];
      if (!allowedKinds.includes(kind) || !defined(kind, name)) {
        throw failure(
          `${m.origin}: refusing ${describeRef(ref)}: it grants ${kind || 'a role'} ${name || '(unnamed)'}, which this manifest does not define`,
          `a ${PRODUCT_NAME[product]} manifest only binds the roles it ships; a binding to a built-in role such as cluster-admin is a red flag`,
        );
      }
      const subjects = plain(doc.get('subjects'));
      for (const s of (Array.isArray(subjects) ? subjects : []) as { kind?: unknown; name?: unknown }[]) {
        const sname = typeof s?.name === 'string' ? s.name : '';
        if (s?.kind !== 'ServiceAccount' || !defined('ServiceAccount', sname)) {
          throw failure(
            `${m.origin}: refusing ${describeRef(ref)}: it grants access to ${String(s?.kind ?? 'a subject')} ${sname || '(unnamed)'}; only the manifest's own ServiceAccounts may be bound`,
          );
        }
      }
    }
  });
}

function checkRule(origin: string, ref: ObjectRef, rule: unknown): void {
  const r = (rule ?? {}) as { verbs?: unknown; resources?: unknown; apiGroups?: unknown };
  const list = (v: unknown) => (Array.isArray(v) ? v.map((x) => String(x)) : []);
  const bad =
    list(r.verbs).find((v) => FORBIDDEN_VERBS.has(v)) ??
    list(r.resources).find((v) => FORBIDDEN_RESOURCES.has(v)) ??
    list(r.apiGroups).find((g) => FORBIDDEN_GROUPS.has(g));
  if (bad !== undefined) {
    throw failure(`${origin}: refusing ${describeRef(ref)}: it grants "${bad}", which no Weave manifest needs`);
  }
}

function checkImage(origin: string, product: Product, image: string, where: string, opts: ValidateOptions, warnings: string[]): void {
  const trusted = isKnownWeaveImage(image, opts.imageRegistry) && PRODUCT_IMAGES[product].includes(lastPart(image, opts.imageRegistry));
  if (trusted) return;
  if (opts.allowAnyImage) {
    warnings.push(`image ${image} (${where}) is not from a known ${PRODUCT_NAME[product]} repository; accepted because of --allow-any-image`);
    return;
  }
  throw failure(
    `${origin}: image ${image} (${where}) is not from a known ${PRODUCT_NAME[product]} repository; pass --allow-any-image to accept it`,
    `trusted repositories: ${trustedList(product)}`,
  );
}

function lastPart(image: string, mirror?: string): string {
  let ref = parseImage(image);
  if (mirror) {
    const prefix = mirror.replace(/\/+$/, '') + '/';
    const text = formatImage({ ...ref, tag: undefined, digest: undefined });
    if (text.startsWith(prefix)) ref = parseImage(text.slice(prefix.length));
  }
  const repo = canonicalRepository(ref);
  return repo.slice(repo.lastIndexOf('/') + 1);
}

function trustedList(product: Product): string {
  // Derived from images.ts so the hint never disagrees with the check.
  return ['weaveworks', 'rajchaudhuri', 'ghcr.io/weaveworks/launcher']
    .flatMap((owner) => PRODUCT_IMAGES[product].map((name) => `${owner}/${name}`))
    .filter((r) => isKnownWeaveImage(r))
    .join(', ');
}

function checkCommand(origin: string, product: Product, command: string[], where: string, opts: ValidateOptions): void {
  if (opts.allowAnyImage || command.length === 0) return;
  const entry = command[0]!;
  if (PRODUCT_COMMANDS[product].includes(entry)) return;
  throw failure(
    `${origin}: ${where} runs ${JSON.stringify(command.join(' ').slice(0, 80))}, not a ${PRODUCT_NAME[product]} entry point; pass --allow-any-image to accept it`,
    `${PRODUCT_NAME[product]} containers start ${PRODUCT_COMMANDS[product].join(', ')} or the image's own entry point`,
  );
}

interface ContainerInfo {
  name: string;
  image: string;
  /** command, exec probes and lifecycle exec hooks: [what, argv]. */
  commands: [string, string[]][];
}

/**
 * Every container of every pod spec in the object, wherever it sits (DaemonSet, Deployment, or anything
 * else a hostile manifest might nest): all maps under `containers`, `initContainers`, `ephemeralContainers`.
 */
function podContainers(doc: Document): ContainerInfo[] {
  const out: ContainerInfo[] = [];
  const walk = (node: unknown): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if ((key === 'containers' || key === 'initContainers' || key === 'ephemeralContainers') && isSeq(pair.value)) {
          for (const item of pair.value.items) {
            if (isMap(item)) out.push(containerInfo(plain(item) as Record<string, unknown>));
          }
        }
        walk(pair.value);
      }
    } else if (isSeq(node)) {
      node.items.forEach(walk);
    }
  };
  walk(doc.contents);
  return out;
}

function containerInfo(c: Record<string, unknown>): ContainerInfo {
  const argv = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => String(x)) : typeof v === 'string' ? [v] : []);
  const commands: [string, string[]][] = [];
  if (c.command != null) commands.push(['command', argv(c.command)]);
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const exec = (c[probe] as { exec?: { command?: unknown } } | undefined)?.exec;
    if (exec) commands.push([`${probe} exec`, argv(exec.command)]);
  }
  const lifecycle = c.lifecycle as Record<string, { exec?: { command?: unknown } } | undefined> | undefined;
  for (const hook of ['postStart', 'preStop']) {
    const exec = lifecycle?.[hook]?.exec;
    if (exec) commands.push([`${hook} hook`, argv(exec.command)]);
  }
  return {
    name: typeof c.name === 'string' ? c.name : '',
    image: typeof c.image === 'string' ? c.image : c.image == null ? '' : String(c.image),
    commands,
  };
}

function plain(node: unknown): unknown {
  if (node && typeof node === 'object' && 'toJSON' in node && typeof (node as { toJSON: unknown }).toJSON === 'function') {
    return (node as { toJSON: () => unknown }).toJSON();
  }
  return node;
}
