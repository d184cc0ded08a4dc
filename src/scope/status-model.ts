/**
 * `weavectl scope status`: what runs of Weave Scope and how it is reached, from its live objects. Pure.
 *
 * - the rollout of the app (Deployment weave-scope-app), the agents (DaemonSet weave-scope-agent) and
 *   the cluster agent (Deployment weave-scope-cluster-agent), as `kubectl rollout status` judges them
 *   (src/rollout: deploymentStatus, evaluateDaemonSet);
 * - the Service weave-scope-app and how it is reached: external IPs and port, a NodePort, a
 *   LoadBalancer's address, or (ClusterIP) `weavectl scope open`;
 * - basic auth on/off and its Secret (scope-auth.ts), read-only probes (--probe.no-controls), the agents'
 *   container runtime (scope-runtime.ts), and the --allow-from policy (scope-allow-from.ts).
 */
import type { KubeObject } from '../cluster/types.js';
import { readAllowFrom } from '../manifest/scope-allow-from.js';
import { readBasicAuthSecret } from '../manifest/scope-auth.js';
import { readRuntime } from '../manifest/scope-runtime.js';
import { deploymentStatus } from '../rollout/status.js';
import { evaluateDaemonSet } from '../rollout/workload.js';
import { readScopeSettings } from '../upgrade/scope-settings.js';
import { programName } from '../util/program-name.js';
import { SCOPE_AGENT_DAEMONSET, SCOPE_APP, SCOPE_CLUSTER_AGENT_DEPLOYMENT, SCOPE_SERVICE } from '../weave/names.js';

export interface WorkloadState {
  kind: 'Deployment' | 'DaemonSet';
  name: string;
  present: boolean;
  done: boolean;
  /** kubectl rollout status's message, or why it cannot finish */
  message: string;
  desired: number;
  ready: number;
  available: number;
  updated: number;
}

export interface ScopeStatusReport {
  namespace: string;
  healthy: boolean;
  workloads: WorkloadState[];
  service: {
    name: string;
    type: string;
    port?: number;
    targetPort?: number | string;
    externalIPs: string[];
    nodePort?: number;
    loadBalancer?: string[];
    /** One line: where the UI is. */
    reachedBy: string;
  };
  basicAuth: { on: boolean; secret?: string; secretPresent?: boolean };
  /** undefined: no probes to tell */
  readOnly?: boolean;
  runtime?: string;
  /** The --allow-from CIDRs (NetworkPolicy weave-scope-app-allow-from); [] when there is none. */
  allowFrom: string[];
  problems: string[];
}

export interface ScopeObjects {
  namespace: string;
  service: KubeObject;
  app?: KubeObject;
  agents?: KubeObject;
  clusterAgent?: KubeObject;
  /** The basic-auth Secret when it was read (undefined: absent or not readable). */
  secretPresent?: boolean;
  policy?: KubeObject;
}

function workload(kind: 'Deployment' | 'DaemonSet', name: string, o: KubeObject | undefined): WorkloadState {
  if (!o) return { kind, name, present: false, done: false, message: 'not found', desired: 0, ready: 0, available: 0, updated: 0 };
  const st = kind === 'DaemonSet' ? evaluateDaemonSet(o) : deploymentStatus(o);
  return { kind, name, present: true, done: st.done, message: st.error ?? st.message, ...st.counts };
}

function hostPort(ip: string, port: number): string {
  return `http://${ip.includes(':') ? `[${ip}]` : ip}:${port}/`;
}

export function buildScopeStatus(o: ScopeObjects): ScopeStatusReport {
  const problems: string[] = [];
  const workloads = [workload('Deployment', SCOPE_APP, o.app), workload('DaemonSet', SCOPE_AGENT_DAEMONSET, o.agents), workload('Deployment', SCOPE_CLUSTER_AGENT_DEPLOYMENT, o.clusterAgent)];
  for (const w of workloads) {
    if (!w.present) {
      // the cluster agent came with Scope 1.11 (weave-facts §6); an older Scope has none
      if (w.name !== SCOPE_CLUSTER_AGENT_DEPLOYMENT) problems.push(`${w.kind} ${o.namespace}/${w.name} is missing`);
    } else if (!w.done) problems.push(`${w.kind} ${o.namespace}/${w.name}: ${w.message}`);
  }

  const spec = o.service.spec ?? {};
  const ports: any[] = Array.isArray(spec.ports) ? spec.ports : [];
  const p = ports.find((x) => x?.name === 'app') ?? ports[0];
  const type = String(spec.type ?? 'ClusterIP');
  const externalIPs: string[] = Array.isArray(spec.externalIPs) ? spec.externalIPs.map(String) : [];
  const port = typeof p?.port === 'number' ? p.port : undefined;
  const nodePort = typeof p?.nodePort === 'number' ? p.nodePort : undefined;
  const ingress: any[] = o.service.status?.loadBalancer?.ingress ?? [];
  const loadBalancer = ingress.map((i) => String(i?.ip ?? i?.hostname ?? '')).filter(Boolean);
  const ways: string[] = [];
  if (externalIPs.length > 0 && port !== undefined) ways.push(`external IPs: ${externalIPs.map((ip) => hostPort(ip, port)).join(' ')}`);
  if (type === 'LoadBalancer') ways.push(loadBalancer.length > 0 && port !== undefined ? `load balancer: ${loadBalancer.map((a) => hostPort(a, port)).join(' ')}` : 'load balancer: no address yet');
  if ((type === 'NodePort' || type === 'LoadBalancer') && nodePort !== undefined) {
    ways.push(spec.externalTrafficPolicy === 'Local' ? `the address of the node the app runs on, port ${nodePort} (NodePort, externalTrafficPolicy Local)` : `every node's address, port ${nodePort} (NodePort)`);
  }
  if (ways.length === 0) ways.push(`not exposed: ${programName()} scope open`);

  const authSecret = readBasicAuthSecret([o.app, o.agents, o.clusterAgent].filter((x): x is KubeObject => x !== undefined));
  const basicAuth: ScopeStatusReport['basicAuth'] = typeof authSecret === 'string' ? { on: true, secret: authSecret, ...(o.secretPresent !== undefined ? { secretPresent: o.secretPresent } : {}) } : { on: false };
  if (basicAuth.on && o.secretPresent === false) problems.push(`basic auth reads Secret ${o.namespace}/${basicAuth.secret}, which is not there: the Scope pods cannot start`);

  const live = readScopeSettings(o.service, [o.agents, o.clusterAgent].filter((x): x is KubeObject => x !== undefined));
  const runtime = readRuntime(o.agents);
  const allowFrom = readAllowFrom(o.policy) ?? [];

  return {
    namespace: o.namespace,
    healthy: problems.length === 0,
    workloads,
    service: {
      name: SCOPE_SERVICE,
      type,
      ...(port !== undefined ? { port } : {}),
      ...(p?.targetPort !== undefined ? { targetPort: p.targetPort } : {}),
      externalIPs,
      ...(nodePort !== undefined ? { nodePort } : {}),
      ...(type === 'LoadBalancer' ? { loadBalancer } : {}),
      reachedBy: ways.join('; '),
    },
    basicAuth,
    ...(live.settings.readOnly !== undefined ? { readOnly: live.settings.readOnly } : {}),
    ...(runtime ? { runtime } : {}),
    allowFrom,
    problems,
  };
}

/** The report as text (stdout). */
export function renderScopeStatus(r: ScopeStatusReport): string {
  const lines: string[] = [`Weave Scope in namespace ${r.namespace}: ${r.healthy ? 'healthy' : 'NOT healthy'}`, ''];
  const w1 = Math.max(...r.workloads.map((w) => `${w.kind.toLowerCase()}/${w.name}`.length));
  for (const w of r.workloads) {
    const name = `${w.kind.toLowerCase()}/${w.name}`.padEnd(w1);
    lines.push(w.present ? `  ${name}  ${w.ready}/${w.desired} ready, ${w.available} available  ${w.done ? 'rolled out' : w.message}` : `  ${name}  not found`);
  }
  lines.push('');
  const s = r.service;
  lines.push(`  Service      ${s.name} (${s.type}${s.port !== undefined ? `, port ${s.port}` : ''}${s.targetPort !== undefined ? ` -> ${s.targetPort}` : ''})`);
  lines.push(`  Reached by   ${s.reachedBy}`);
  lines.push(`  Basic auth   ${r.basicAuth.on ? `on (Secret ${r.namespace}/${r.basicAuth.secret}${r.basicAuth.secretPresent === false ? ', MISSING' : ''})` : 'off: no authentication'}`);
  lines.push(`  Read-only    ${r.readOnly === undefined ? 'unknown (no probes)' : r.readOnly ? 'on (--probe.no-controls=true)' : 'off: the UI can open shells in containers'}`);
  lines.push(`  Runtime      ${r.runtime ?? 'unknown'}`);
  lines.push(`  Allowed from ${r.allowFrom.length > 0 ? r.allowFrom.join(', ') : 'anyone who reaches the Service (no --allow-from policy)'}`);
  if (r.problems.length > 0) {
    lines.push('', 'Problems:');
    for (const p of r.problems) lines.push(`  - ${p}`);
  }
  return lines.join('\n') + '\n';
}
