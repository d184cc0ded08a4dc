/**
 * Basic auth for Weave Scope: ENABLE_BASIC_AUTH, BASIC_AUTH_USERNAME and BASIC_AUTH_PASSWORD from a
 * Secret (keys `username` and `password`) on the app and on both probes. Pure.
 *
 * Scope reads these variables in prog/main.go (from v1.10.0; scope v1.13.2 prog/main.go lines 468-485)
 * and sets them on the app *and* the probe flags: the app then refuses requests without the
 * credentials (prog/app.go: httpauth.SimpleBasicAuth), and probes that do not send them get their
 * reports refused, so the UI stays empty. Hence every Scope container gets them. Without
 * BASIC_AUTH_USERNAME/PASSWORD Scope uses "admin"/"admin" (site/faq.md): weavectl always sets both.
 */
import type { YAMLMap } from 'yaml';
import { failure } from '../errors.js';
import { containersOf, getEnv, removeEnv, setEnv } from './containers.js';
import { findDoc, type Manifest } from './manifest.js';
import { validateSecretName } from './net-settings.js';
import { requireScopeFeature } from './scope-version.js';
import { SCOPE_AGENT_DAEMONSET, SCOPE_APP, SCOPE_CLUSTER_AGENT_DEPLOYMENT } from '../weave/names.js';

export const BASIC_AUTH_ENV = { enable: 'ENABLE_BASIC_AUTH', username: 'BASIC_AUTH_USERNAME', password: 'BASIC_AUTH_PASSWORD' } as const;
/** The keys the Secret must hold. */
export const BASIC_AUTH_KEYS = { username: 'username', password: 'password' } as const;

/** The workloads whose containers carry the variables: the app, the agents, the cluster agent. */
export const SCOPE_WORKLOADS: readonly (readonly [kind: string, name: string])[] = [
  ['Deployment', SCOPE_APP],
  ['DaemonSet', SCOPE_AGENT_DAEMONSET],
  ['Deployment', SCOPE_CLUSTER_AGENT_DEPLOYMENT],
];

function scopeContainers(m: Manifest): { workload: string; node: YAMLMap }[] {
  const out: { workload: string; node: YAMLMap }[] = [];
  for (const [kind, name] of SCOPE_WORKLOADS) {
    const doc = findDoc(m, kind, name);
    if (doc) for (const c of containersOf(doc).filter((x) => !x.init)) out.push({ workload: `${kind} ${name}`, node: c.node });
  }
  return out;
}

/**
 * Sets the three variables on every Scope container (secretName), or removes them (false: basic auth
 * off). The manifest is changed in place; refuses a Scope older than 1.10.0 and a manifest without
 * the app or the agent DaemonSet.
 */
export function setBasicAuth(m: Manifest, secretName: string | false): void {
  const containers = scopeContainers(m);
  if (secretName === false) {
    for (const c of containers) for (const name of Object.values(BASIC_AUTH_ENV)) removeEnv(c.node, name);
    return;
  }
  validateSecretName(secretName);
  requireScopeFeature(m, 'basicAuth', '--basic-auth-secret');
  for (const [kind, name] of SCOPE_WORKLOADS.slice(0, 2)) {
    if (!findDoc(m, kind, name)) throw failure(`${m.origin}: no ${kind} ${name} in the manifest: cannot turn basic auth on`, 'basic auth applies to a Weave Scope manifest');
  }
  for (const c of containers) {
    setEnv(c.node, BASIC_AUTH_ENV.enable, 'true');
    setEnv(c.node, BASIC_AUTH_ENV.username, { valueFrom: { secretKeyRef: { name: secretName, key: BASIC_AUTH_KEYS.username } } });
    setEnv(c.node, BASIC_AUTH_ENV.password, { valueFrom: { secretKeyRef: { name: secretName, key: BASIC_AUTH_KEYS.password } } });
  }
}

/** True when every Scope container of the manifest has ENABLE_BASIC_AUTH=true (as Scope reads it: case-insensitive). */
export function basicAuthOn(m: Manifest): boolean {
  const containers = scopeContainers(m);
  return containers.length > 0 && containers.every((c) => {
    const v = getEnv(c.node, BASIC_AUTH_ENV.enable);
    return typeof v === 'string' && v.toLowerCase() === 'true';
  });
}

/**
 * From live workload objects: the Secret basic auth reads (BASIC_AUTH_PASSWORD's secretKeyRef), when
 * every container of the given workloads has ENABLE_BASIC_AUTH=true; `false` when none has it;
 * undefined when there are no containers to tell.
 */
export function readBasicAuthSecret(workloads: readonly { spec?: any }[]): string | false | undefined {
  const containers: any[] = workloads.flatMap((w) => (Array.isArray(w?.spec?.template?.spec?.containers) ? w.spec.template.spec.containers : []));
  if (containers.length === 0) return undefined;
  const envOf = (c: any, name: string): any => (Array.isArray(c?.env) ? [...c.env].reverse().find((e: any) => e?.name === name) : undefined);
  const on = containers.map((c) => String(envOf(c, BASIC_AUTH_ENV.enable)?.value ?? '').toLowerCase() === 'true');
  if (!on.some(Boolean)) return false;
  const secret = containers.map((c) => envOf(c, BASIC_AUTH_ENV.password)?.valueFrom?.secretKeyRef?.name).find((n) => typeof n === 'string');
  return typeof secret === 'string' ? secret : undefined;
}

