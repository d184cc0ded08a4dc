/**
 * Weave Scope settings applied to a Scope manifest: how the UI Service is exposed, read-only probes
 * and an image registry mirror. Pure: returns a patched copy and warnings, never prints.
 *
 * Scope's UI has no authentication and, unless the probes run with --probe.no-controls=true, lets
 * anyone who reaches it open a shell in any container (weave-facts §6).
 */
import { BlockList, isIP } from 'node:net';
import { isScalar, isSeq, type YAMLMap } from 'yaml';
import { failure, usageError } from '../errors.js';
import { containersOf, forEachImage, stringListNode, styledScalar, toNode } from './containers.js';
import { rewriteRegistry } from './images.js';
import { cloneManifest, findDoc, type Manifest } from './manifest.js';
import { validateImageRegistry } from './net-settings.js';
import { contains, isIPv4, parseIp } from '../net/cidr.js';

import { setBasicAuth } from './scope-auth.js';
import { withAllowFrom, type AllowFromContext } from './scope-allow-from.js';
import { setRuntime, type ScopeRuntime } from './scope-runtime.js';
import { SCOPE_AGENT_DAEMONSET, SCOPE_APP_PORT, SCOPE_CLUSTER_AGENT_DEPLOYMENT, SCOPE_SERVICE } from '../weave/names.js';

export const NO_CONTROLS_FLAG = '--probe.no-controls';

export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer'] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

export interface ScopeSettings {
  externalIPs?: string[];
  /** Service port; default 4040. */
  port?: number;
  serviceType?: ServiceType;
  /** Probes with --probe.no-controls=true: no shells, no container start/stop from the UI. */
  readOnly?: boolean;
  imageRegistry?: string;
  /** Basic auth from this Secret (keys username, password) on the app and the probes; false: off. */
  basicAuthSecret?: string | false;
  /** The container runtime the host probes talk to (`auto` is decided by the caller: scope-runtime.ts detectRuntime). */
  runtime?: ScopeRuntime;
  /** A NetworkPolicy admitting only these CIDRs (and the probes) to the app; [] = none. */
  allowFrom?: string[];
}

/** What the settings need to know of the cluster (--allow-from). */
export type ScopeRenderContext = AllowFromContext;

// ---------------------------------------------------------------------------------------------
// Validators and flag parsers (usageError, exit 2).

/** Validates --port (1..65535). */
export function parsePort(text: string | number, flag = '--port'): number {
  const str = typeof text === 'number' ? String(text) : text;
  if (!/^[0-9]+$/.test(str) || Number(str) < 1 || Number(str) > 65535) {
    throw usageError(`${flag} ${JSON.stringify(str)} is not a port: use a whole number from 1 to 65535`);
  }
  return Number(str);
}

/** Validates --service-type (ClusterIP, NodePort or LoadBalancer; any letter case). */
export function parseServiceType(text: string): ServiceType {
  const found = SERVICE_TYPES.find((t) => t.toLowerCase() === text.toLowerCase());
  if (!found) throw usageError(`--service-type ${JSON.stringify(text)} is not one of ${SERVICE_TYPES.join(', ')}`);
  return found;
}

/**
 * Addresses kube-apiserver refuses as externalIPs (ValidateNonSpecialIP), IPv4; and those no host
 * can answer on, which the API server lets through: the limited broadcast address and the
 * reserved 240.0.0.0/4 (RFC 1112, "class E"; RFC 919 for 255.255.255.255).
 */
const SPECIAL_V4: readonly [string, string][] = [
  ['0.0.0.0/8', 'unspecified'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved (240.0.0.0/4)'],
];

/** The same for IPv6. */
const SPECIAL_V6: readonly [string, number, string][] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['fe80::', 10, 'link-local'],
  ['ff00::', 8, 'multicast'],
];

/** Validates one external IP: IPv4 (strict) or IPv6, not unspecified/loopback/link-local/multicast. */
export function validateExternalIP(text: string): string {
  if (text.includes('/')) {
    throw usageError(`--external-ip ${text}: give an address, not a CIDR`, `e.g. --external-ip ${text.slice(0, text.indexOf('/'))}`);
  }
  if (isIPv4(text)) {
    const ip = parseIp(text);
    for (const [cidr, what] of SPECIAL_V4) {
      if (contains(cidr, ip)) throw usageError(`--external-ip ${text} is a ${what} address: the Service would not be reachable there`);
    }
    return text;
  }
  if (isIP(text) === 6) {
    for (const [prefix, bits, what] of SPECIAL_V6) {
      const list = new BlockList();
      list.addSubnet(prefix, bits, 'ipv6');
      if (list.check(text, 'ipv6')) throw usageError(`--external-ip ${text} is a ${what} address: the Service would not be reachable there`);
    }
    return text;
  }
  // Looks like IPv4 but is not strict dotted-quad (leading zeros, 256, three parts): parseIp says why.
  if (/^[0-9.]+$/.test(text)) parseIp(text);
  throw usageError(`--external-ip ${JSON.stringify(text)} is not an IP address`);
}

/** Parses --external-ip values (each may be a comma list), validated and de-duplicated in order. */
export function parseExternalIPs(values: string | readonly string[]): string[] {
  const list = (typeof values === 'string' ? [values] : values).flatMap((v) => v.split(','));
  const out: string[] = [];
  for (const raw of list) {
    const ip = validateExternalIP(raw.trim());
    if (!out.includes(ip)) out.push(ip);
  }
  if (out.length === 0) throw usageError('--external-ip needs at least one address');
  return out;
}

// ---------------------------------------------------------------------------------------------

/**
 * Returns a copy of the manifest with the settings applied, and warnings for the caller to show.
 *
 * Service weave-scope-app gets one port `app` (port s.port or 4040 -> targetPort 4040, TCP); the
 * probes' app address (`weave-scope-app.<ns>.svc.cluster.local.:80`) follows the new port, or they
 * would report to a port the Service no longer has.
 */
export function applyScopeSettings(m: Manifest, s: ScopeSettings, ctx: ScopeRenderContext = {}): { manifest: Manifest; warnings: string[] } {
  const port = s.port === undefined ? SCOPE_APP_PORT : parsePort(s.port);
  // [] is "none" (--no-external-ip): the manifest's own external IPs go too.
  const externalIPs = s.externalIPs === undefined ? undefined : s.externalIPs.length === 0 ? [] : parseExternalIPs(s.externalIPs);
  const serviceType = s.serviceType === undefined ? undefined : parseServiceType(s.serviceType);
  const registry = s.imageRegistry === undefined ? undefined : validateImageRegistry(s.imageRegistry);

  let out = cloneManifest(m);
  const svc = findDoc(out, 'Service', SCOPE_SERVICE);
  if (!svc) throw failure(`${m.origin}: no Service ${SCOPE_SERVICE} in the manifest`, 'Scope settings apply to a Weave Scope manifest');
  const namespace = svc.getIn(['metadata', 'namespace']);

  svc.setIn(['spec', 'ports'], toNode([{ name: 'app', port, protocol: 'TCP', targetPort: SCOPE_APP_PORT }]));
  if (externalIPs && externalIPs.length > 0) svc.setIn(['spec', 'externalIPs'], toNode(externalIPs));
  else if (externalIPs) svc.deleteIn(['spec', 'externalIPs']);
  if (serviceType) svc.setIn(['spec', 'type'], serviceType);

  const probes = probeContainers(out);
  if (s.readOnly && probes.length === 0) {
    throw failure(`${m.origin}: no DaemonSet ${SCOPE_AGENT_DAEMONSET} in the manifest: cannot make the probes read-only`);
  }
  for (const c of probes) {
    retargetProbe(c, typeof namespace === 'string' ? namespace : undefined, port);
    if (s.readOnly) setNoControls(c);
  }
  if (registry) {
    for (const doc of out.docs) forEachImage(doc, (image) => rewriteRegistry(image, registry));
  }
  if (s.basicAuthSecret !== undefined) setBasicAuth(out, s.basicAuthSecret);
  if (s.runtime !== undefined) setRuntime(out, s.runtime);
  if (s.allowFrom && s.allowFrom.length > 0) out = withAllowFrom(out, s.allowFrom, ctx);

  const warnings: string[] = [];
  const effectiveType = svc.getIn(['spec', 'type']);
  const exposedBy: string[] = [];
  const ips = svc.getIn(['spec', 'externalIPs']);
  if (isSeq(ips) && ips.items.length > 0) exposedBy.push('external IPs');
  if (effectiveType === 'NodePort' || effectiveType === 'LoadBalancer') exposedBy.push(`a ${effectiveType} Service`);
  if (s.allowFrom && s.allowFrom.length > 0) {
    // kube-proxy masquerades external traffic unless externalTrafficPolicy is Local: the policy would then see a
    // node's address (from the Weave Net range it admits for the probes) instead of the client's.
    if (effectiveType === 'NodePort' || effectiveType === 'LoadBalancer') {
      svc.setIn(['spec', 'externalTrafficPolicy'], 'Local');
      warnings.push(
        `--allow-from: Service ${SCOPE_SERVICE} gets externalTrafficPolicy: Local, so that clients keep their address up to the policy (with Cluster, kube-proxy replaces it with a node's); the ${effectiveType === 'NodePort' ? 'node port answers only on the node' : 'load balancer sends only to the node'} the app runs on`,
      );
    } else if (isSeq(ips) && ips.items.length > 0) {
      warnings.push(
        `--allow-from with external IPs: kube-proxy masquerades traffic to an external IP, so the policy sees the client's address only where the traffic enters on the node the app runs on; entering on another node it comes from that node's Weave Net address, which the policy admits for the probes: route the external IPs to the app's node, or use --service-type LoadBalancer (externalTrafficPolicy: Local)`,
      );
    }
  }
  const readOnly = probes.length > 0 && probes.every((c) => hasNoControls(c));
  const auth = typeof s.basicAuthSecret === 'string' ? s.basicAuthSecret : undefined;
  if (exposedBy.length > 0 && !readOnly && !auth) {
    warnings.push(
      `the Scope UI is exposed (${exposedBy.join(' and ')}) with controls on: it has no authentication, and anyone who reaches it can open a shell in any container of the cluster; add --read-only (probes with --probe.no-controls=true) and --basic-auth-secret, or keep it on ClusterIP and use weavectl scope open`,
    );
  } else if (exposedBy.length > 0 && !readOnly && auth) {
    warnings.push(
      `the Scope UI is exposed (${exposedBy.join(' and ')}) with basic auth (Secret ${auth}) and controls on: whoever has the credentials can open a shell in any container of the cluster, and plain HTTP carries them readable on the way; add --read-only, or keep it on ClusterIP and use weavectl scope open`,
    );
  }
  return { manifest: out, warnings };
}

/** Containers of the probe workloads (DaemonSet weave-scope-agent, Deployment weave-scope-cluster-agent). */
function probeContainers(m: Manifest): YAMLMap[] {
  const out: YAMLMap[] = [];
  for (const [kind, name] of [
    ['DaemonSet', SCOPE_AGENT_DAEMONSET],
    ['Deployment', SCOPE_CLUSTER_AGENT_DEPLOYMENT],
  ] as const) {
    const doc = findDoc(m, kind, name);
    if (doc) out.push(...containersOf(doc).filter((c) => !c.init).map((c) => c.node));
  }
  return out;
}

/** True when a value turns a Go bool flag on ("--probe.no-controls", "=true", "=1", "=t", ...). */
function isNoControlsOn(arg: string): boolean {
  const m = /^--?probe\.no-controls(?:=(.*))?$/.exec(arg);
  if (!m) return false;
  return m[1] === undefined || ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(m[1]);
}

function hasNoControls(container: YAMLMap): boolean {
  const seq = container.get('args', true);
  if (!isSeq(seq)) return false;
  for (const item of seq.items) {
    const v = isScalar(item) ? String(item.value) : '';
    if (!v.startsWith('-')) return false; // Go's flag package stops at the first positional argument
    if (isNoControlsOn(v)) return true;
  }
  return false;
}

/**
 * Adds --probe.no-controls=true (or fixes an existing --probe.no-controls=false). Scope parses its
 * flags with Go's flag package, which stops at the first positional argument (the app address), so
 * the flag goes before it.
 */
function setNoControls(container: YAMLMap): void {
  const seq = stringListNode(container, 'args');
  const flag = `${NO_CONTROLS_FLAG}=true`;
  let firstPositional = seq.items.length;
  for (let i = 0; i < seq.items.length; i++) {
    const item = seq.items[i];
    const v = isScalar(item) ? String(item.value) : '';
    if (!v.startsWith('-')) {
      firstPositional = i;
      break;
    }
    if (/^--?probe\.no-controls(?:=|$)/.test(v)) {
      if (isScalar(item)) item.value = flag;
      return;
    }
  }
  // Anything after the first positional is not parsed as a flag: drop a stray no-controls there.
  seq.items = seq.items.filter((item, i) => i < firstPositional || !(isScalar(item) && /^--?probe\.no-controls(?:=|$)/.test(String(item.value))));
  seq.items.splice(firstPositional, 0, styledScalar(seq, flag));
}

/** Points the probe's app address at the Service's new port. */
function retargetProbe(container: YAMLMap, namespace: string | undefined, port: number): void {
  const seq = container.get('args', true);
  if (!isSeq(seq)) return;
  // weave-scope-app, weave-scope-app.NS, weave-scope-app.NS.svc, weave-scope-app.NS.svc.cluster.local[.]
  const ns = namespace ? namespace.replace(/[.-]/g, (c) => `\\${c}`) : '[a-z0-9-]+';
  const hostRe = new RegExp(`^(weave-scope-app(?:\\.${ns}(?:\\.svc(?:\\.cluster\\.local\\.?)?)?)?):[0-9]+$`);
  for (const item of seq.items) {
    if (!isScalar(item)) continue;
    const v = String(item.value);
    const m = hostRe.exec(v);
    if (m) item.value = `${m[1]}:${port}`;
  }
}

/**
 * A copy of a Scope manifest moved into namespace `to` (where a running Scope is): every object's
 * metadata.namespace, the namespace of every binding subject, and the probes' app address
 * (weave-scope-app.NS[.svc[.cluster.local.]]:PORT). A Namespace object for the old namespace is
 * dropped: `to` exists already, since Scope runs there. Scope's manifests name their namespace in
 * exactly these places (scope v1.13.2 examples/k8s, test/fixtures/upstream/scope-1.13.2-k8s-*.yaml).
 */
export function moveScopeNamespace(m: Manifest, to: string): Manifest {
  const out = cloneManifest(m);
  const svc = findDoc(out, 'Service', SCOPE_SERVICE);
  const from = svc?.getIn(['metadata', 'namespace']);
  if (typeof from !== 'string' || from === to) return out;
  const docs = out.docs.filter((d) => !(d.get('kind') === 'Namespace' && d.getIn(['metadata', 'name']) === from));
  const escaped = from.replace(/[.-]/g, (c) => `\\${c}`);
  const hostRe = new RegExp(`^weave-scope-app\\.${escaped}((?:\\.svc(?:\\.cluster\\.local\\.?)?)?:[0-9]+)$`);
  for (const d of docs) {
    if (d.getIn(['metadata', 'namespace']) === from) d.setIn(['metadata', 'namespace'], to);
    const subjects = d.getIn(['subjects'], true);
    if (isSeq(subjects)) {
      subjects.items.forEach((_s, i) => {
        if (d.getIn(['subjects', i, 'namespace']) === from) d.setIn(['subjects', i, 'namespace'], to);
      });
    }
  }
  const moved: Manifest = { origin: out.origin, docs };
  for (const c of probeContainers(moved)) {
    const seq = c.get('args', true);
    if (!isSeq(seq)) continue;
    for (const item of seq.items) {
      if (!isScalar(item)) continue;
      const mm = hostRe.exec(String(item.value));
      if (mm) item.value = `weave-scope-app.${to}${mm[1]}`;
    }
  }
  return moved;
}
