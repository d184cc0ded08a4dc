/**
 * What a running Weave Scope was configured with, read back from its live objects, and merged under
 * the flags of a re-run of `weavectl scope`, so that running it again keeps the exposure of the UI and
 * read-only probes (issue 10 point 4: a re-run without flags used to drop the external IPs and
 * --probe.no-controls, bringing shell access from the UI back). Pure.
 *
 * Read: from Service weave-scope-app its external IPs, port and type; from the probes (DaemonSet
 * weave-scope-agent, Deployment weave-scope-cluster-agent) whether they run with
 * --probe.no-controls=true (weave-facts §6; scope v1.13.2 prog/main.go defines the flag); the
 * namespace is where the Service runs. Issue 15's settings: basic auth (the Secret the containers'
 * BASIC_AUTH_PASSWORD reads, scope-auth.ts), the agents' container runtime (scope-runtime.ts) and the
 * --allow-from CIDRs (NetworkPolicy weave-scope-app-allow-from, scope-allow-from.ts).
 */
import type { KubeObject } from '../cluster/types.js';
import { SERVICE_TYPES, type ScopeSettings, type ServiceType } from '../manifest/patch-scope.js';
import { readAllowFrom } from '../manifest/scope-allow-from.js';
import { readBasicAuthSecret } from '../manifest/scope-auth.js';
import { readRuntime, type ScopeRuntime } from '../manifest/scope-runtime.js';
import { SCOPE_AGENT_DAEMONSET, SCOPE_CLUSTER_AGENT_DEPLOYMENT, SCOPE_NAMESPACE } from '../weave/names.js';

export interface LiveScope {
  namespace: string;
  settings: ScopeSettings;
}

/** True when a probe argument turns --probe.no-controls on (Go bool flag syntax). */
function noControlsOn(args: unknown): boolean {
  if (!Array.isArray(args)) return false;
  for (const a of args) {
    const v = String(a);
    if (!v.startsWith('-')) return false; // Go's flag package stops at the first positional argument
    const m = /^--?probe\.no-controls(?:=(.*))?$/.exec(v);
    if (m) return m[1] === undefined || ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(m[1]);
  }
  return false;
}

function probeArgs(o: KubeObject | undefined): unknown[] {
  const containers: unknown = o?.spec?.template?.spec?.containers;
  return Array.isArray(containers) ? containers.map((c) => c?.args) : [];
}

/**
 * The settings of a running Scope: its Service, and the probes it has (either may be missing).
 * `more.app`: the app Deployment (basic auth); `more.policy`: the allow-from NetworkPolicy (null or
 * undefined: none).
 */
export function readScopeSettings(svc: KubeObject, probes: readonly KubeObject[], more: { app?: KubeObject; policy?: KubeObject | null } = {}): LiveScope {
  const settings: ScopeSettings = {};
  const ips: unknown = svc.spec?.externalIPs;
  if (Array.isArray(ips) && ips.length > 0) settings.externalIPs = ips.map(String);
  const ports: unknown = svc.spec?.ports;
  const port = Array.isArray(ports) ? (ports.find((p) => p?.name === 'app') ?? ports[0])?.port : undefined;
  if (typeof port === 'number') settings.port = port;
  const type = svc.spec?.type;
  if (typeof type === 'string' && (SERVICE_TYPES as readonly string[]).includes(type)) settings.serviceType = type as ServiceType;
  const agents = probes.filter((o) => (o.kind === 'DaemonSet' && o.metadata.name === SCOPE_AGENT_DAEMONSET) || (o.kind === 'Deployment' && o.metadata.name === SCOPE_CLUSTER_AGENT_DEPLOYMENT));
  const args = agents.flatMap(probeArgs).filter((a) => a !== undefined);
  if (args.length > 0) settings.readOnly = args.every(noControlsOn);
  const auth = readBasicAuthSecret([...(more.app ? [more.app] : []), ...agents]);
  if (typeof auth === 'string') settings.basicAuthSecret = auth; // off is the default: not a setting to keep
  const runtime = readRuntime(agents.find((o) => o.kind === 'DaemonSet'));
  if (runtime) settings.runtime = runtime;
  // no policy: nothing to keep (and no "kept UI reachable from anyone" line on every re-run)
  const allowFrom = more.policy ? readAllowFrom(more.policy) : undefined;
  if (allowFrom && allowFrom.length > 0) settings.allowFrom = allowFrom;
  return { namespace: svc.metadata.namespace ?? SCOPE_NAMESPACE, settings };
}

/** The flags a re-run was given: undefined = not given (keep what runs). */
export interface ScopeFlagSettings {
  externalIPs?: string[];
  port?: number;
  serviceType?: ServiceType;
  readOnly?: boolean;
  imageRegistry?: string;
  basicAuthSecret?: string | false;
  runtime?: ScopeRuntime;
  allowFrom?: string[];
}

function show(key: keyof ScopeSettings, v: unknown): string {
  if (key === 'externalIPs') return Array.isArray(v) && v.length > 0 ? v.join(',') : 'none';
  if (key === 'readOnly') return v ? 'read-only (--probe.no-controls=true)' : 'controls on';
  if (key === 'basicAuthSecret') return typeof v === 'string' ? `on (Secret ${v})` : 'off';
  if (key === 'allowFrom') return Array.isArray(v) && v.length > 0 ? v.join(',') : 'anyone';
  return String(v);
}

const LABELS: Record<string, string> = {
  externalIPs: 'external IPs',
  port: 'port',
  serviceType: 'Service type',
  readOnly: 'probes',
  basicAuthSecret: 'basic auth',
  runtime: 'container runtime',
  allowFrom: 'UI reachable from',
};

/** What a setting is when it is not set: for "changed: X -> Y" lines. */
const UNSET: Record<string, unknown> = { externalIPs: [], readOnly: false, basicAuthSecret: false, allowFrom: [] };

/** Flags over what runs; `kept` and `changed` are one line each, as install prints them. */
export function mergeScopeSettings(live: LiveScope | undefined, flags: ScopeFlagSettings): { settings: ScopeSettings; kept: string[]; changed: string[] } {
  const settings: ScopeSettings = {};
  const kept: string[] = [];
  const changed: string[] = [];
  for (const key of ['externalIPs', 'port', 'serviceType', 'readOnly', 'basicAuthSecret', 'runtime', 'allowFrom'] as const) {
    const was = live?.settings[key];
    const flag = flags[key];
    if (flag !== undefined) {
      (settings as Record<string, unknown>)[key] = flag;
      if (live && JSON.stringify(was ?? UNSET[key]) !== JSON.stringify(flag)) {
        changed.push(`${LABELS[key]}: ${was === undefined ? (key in UNSET ? show(key, UNSET[key]) : 'unset') : show(key, was)} -> ${show(key, flag)}`);
      } else if (live) kept.push(`${LABELS[key]} ${show(key, flag)}`);
      continue;
    }
    if (was !== undefined) {
      (settings as Record<string, unknown>)[key] = was;
      kept.push(`${LABELS[key]} ${show(key, was)}`);
    }
  }
  if (flags.imageRegistry !== undefined) settings.imageRegistry = flags.imageRegistry;
  return { settings, kept, changed };
}

