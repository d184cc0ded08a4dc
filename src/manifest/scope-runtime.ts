/**
 * The container runtime Scope's host probes (DaemonSet weave-scope-agent) talk to. Pure.
 *
 * docker: the Scope manifests as published (scope v1.13.2 examples/k8s/ds.yaml, the release asset):
 *   --probe.docker=true, --probe.docker.bridge=docker0 and /var/run/docker.sock mounted.
 * containerd, crio: as Scope's own CRI example (scope v1.13.2 examples/cri/ds.yaml): --probe.docker=false,
 *   --probe.cri=true, --probe.cri.endpoint=unix://<socket>, the socket mounted from the host at the same
 *   path (volume cri-socket) instead of docker.sock. The example's socket is CRI-O's,
 *   /var/run/crio/crio.sock; containerd's is its default address, /run/containerd/containerd.sock (what
 *   kubelets on containerd are pointed at). --probe.cri came in Scope 1.10.0 (scope v1.10.0 prog/main.go).
 *
 * `auto` is decided from the nodes' status.nodeInfo.containerRuntimeVersion ("containerd://1.7.2",
 * "cri-o://1.28.1", "docker://24.0.5"): one DaemonSet serves every node, so a mixed cluster gets the
 * runtime most nodes run, and a warning naming the nodes whose containers the probes will not see.
 */
import { isMap, isScalar, isSeq, type YAMLMap, type YAMLSeq } from 'yaml';
import { failure, usageError } from '../errors.js';
import { containersOf, podSpecOf, stringListNode, styledScalar, toNode } from './containers.js';
import { findDoc, type Manifest } from './manifest.js';
import { requireScopeFeature } from './scope-version.js';
import { SCOPE_AGENT_DAEMONSET } from '../weave/names.js';

export const SCOPE_RUNTIMES = ['docker', 'containerd', 'crio'] as const;
export type ScopeRuntime = (typeof SCOPE_RUNTIMES)[number];
export type RuntimeChoice = ScopeRuntime | 'auto';

/** CRI sockets: CRI-O's from scope v1.13.2 examples/cri/ds.yaml; containerd's default address. */
export const CRI_SOCKETS: Readonly<Record<Exclude<ScopeRuntime, 'docker'>, string>> = {
  containerd: '/run/containerd/containerd.sock',
  crio: '/var/run/crio/crio.sock',
};
export const DOCKER_SOCKET = '/var/run/docker.sock';
const DOCKER_VOLUME = 'docker-socket';
const CRI_VOLUME = 'cri-socket';

export function parseRuntime(text: string): RuntimeChoice {
  const t = text.trim().toLowerCase();
  if (t === 'auto' || (SCOPE_RUNTIMES as readonly string[]).includes(t)) return t as RuntimeChoice;
  if (t === 'cri-o') return 'crio';
  throw usageError(`--runtime ${JSON.stringify(text)}: expected auto, docker, containerd or crio`);
}

/** The runtime of a node's containerRuntimeVersion ("containerd://1.7.2"); undefined for one Scope has no probe for. */
export function runtimeOfVersion(v: string | undefined): ScopeRuntime | undefined {
  const scheme = /^([a-z0-9-]+):\/\//i.exec(v ?? '')?.[1]?.toLowerCase();
  if (scheme === 'docker') return 'docker';
  if (scheme === 'containerd') return 'containerd';
  if (scheme === 'cri-o' || scheme === 'crio') return 'crio';
  return undefined;
}

export interface NodeRuntime {
  name: string;
  /** status.nodeInfo.containerRuntimeVersion */
  containerRuntimeVersion?: string;
}

/** `auto`: the runtime most nodes run (ties: containerd, crio, docker), and warnings for the rest. */
export function detectRuntime(nodes: readonly NodeRuntime[]): { runtime: ScopeRuntime; warnings: string[]; byRuntime: Record<string, string[]> } {
  const byRuntime: Record<string, string[]> = {};
  for (const n of nodes) {
    const r = runtimeOfVersion(n.containerRuntimeVersion) ?? `unknown (${n.containerRuntimeVersion || 'not reported'})`;
    (byRuntime[r] ??= []).push(n.name);
  }
  const known = (['containerd', 'crio', 'docker'] as const).filter((r) => byRuntime[r]);
  const warnings: string[] = [];
  if (known.length === 0) {
    warnings.push(
      nodes.length === 0
        ? '--runtime auto: no nodes to read the container runtime from: rendering for docker'
        : `--runtime auto: no node reports a runtime Scope can probe (${Object.keys(byRuntime).join(', ')}): rendering for docker; give --runtime`,
    );
    return { runtime: 'docker', warnings, byRuntime };
  }
  const runtime = known.reduce((best, r) => (byRuntime[r]!.length > byRuntime[best]!.length ? r : best), known[0]!);
  const others = Object.entries(byRuntime).filter(([r]) => r !== runtime);
  if (others.length > 0) {
    const list = (names: string[]) => (names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', '));
    warnings.push(
      `the nodes run different container runtimes (${[[runtime, byRuntime[runtime]!] as const, ...others].map(([r, ns]) => `${r}: ${ns.length}`).join(', ')}): ` +
        `the Scope probes are set up for ${runtime}, and will show no containers on ${list(others.flatMap(([, ns]) => ns))}`,
    );
  }
  return { runtime, warnings, byRuntime };
}

function argValue(item: unknown): string {
  return isScalar(item) ? String(item.value) : '';
}

/** Sets `--name=value` among the flags (before the first positional argument), replacing `--name` / `--name=...`. */
function setFlag(args: YAMLSeq, name: string, value: string): void {
  const re = new RegExp(`^--?${name.replace(/[.]/g, '\\.')}(?:=|$)`);
  let firstPositional = args.items.length;
  for (let i = 0; i < args.items.length; i++) {
    const v = argValue(args.items[i]);
    if (!v.startsWith('-')) {
      firstPositional = i;
      break;
    }
    if (re.test(v)) {
      const item = args.items[i];
      if (isScalar(item)) item.value = `--${name}=${value}`;
      return;
    }
  }
  args.items.splice(firstPositional, 0, styledScalar(args, `--${name}=${value}`));
}

function removeFlag(args: YAMLSeq, name: string): void {
  const re = new RegExp(`^--?${name.replace(/[.]/g, '\\.')}(?:=|$)`);
  args.items = args.items.filter((i) => !re.test(argValue(i)));
}

function namedList(map: YAMLMap, key: string): YAMLSeq {
  const seq = map.get(key, true);
  if (isSeq(seq)) {
    if (seq.flow && seq.items.length === 0) seq.flow = false;
    return seq as YAMLSeq;
  }
  const fresh = toNode([]) as YAMLSeq;
  map.set(key, fresh);
  return fresh;
}

function dropByName(seq: YAMLSeq, name: string): void {
  seq.items = seq.items.filter((i) => !(isMap(i) && i.get('name') === name));
}

/** The agent container: the DaemonSet's container running `--mode=probe` / `--probe-only`, else its first. */
function agentContainer(m: Manifest): { pod: YAMLMap; container: YAMLMap } | undefined {
  const doc = findDoc(m, 'DaemonSet', SCOPE_AGENT_DAEMONSET);
  const pod = doc ? podSpecOf(doc) : undefined;
  if (!doc || !pod) return undefined;
  const cs = containersOf(doc).filter((c) => !c.init);
  const c = cs.find((x) => {
    const args = x.node.get('args', true);
    return isSeq(args) && args.items.some((i) => ['--mode=probe', '--probe-only', '--no-app'].includes(argValue(i)));
  }) ?? cs[0];
  return c ? { pod, container: c.node } : undefined;
}

/** Sets the agents up for `runtime` (in place). */
export function setRuntime(m: Manifest, runtime: ScopeRuntime): void {
  const agent = agentContainer(m);
  if (!agent) throw failure(`${m.origin}: no DaemonSet ${SCOPE_AGENT_DAEMONSET} in the manifest: cannot set the probes' container runtime`);
  const { pod, container } = agent;
  const args = stringListNode(container, 'args');
  const mounts = namedList(container, 'volumeMounts');
  const volumes = namedList(pod, 'volumes');
  dropByName(mounts, CRI_VOLUME);
  dropByName(volumes, CRI_VOLUME);
  if (runtime === 'docker') {
    removeFlag(args, 'probe.cri');
    removeFlag(args, 'probe.cri.endpoint');
    setFlag(args, 'probe.docker', 'true');
    if (!mounts.items.some((i) => isMap(i) && i.get('name') === DOCKER_VOLUME)) mounts.items.unshift(toNode({ name: DOCKER_VOLUME, mountPath: DOCKER_SOCKET }));
    if (!volumes.items.some((i) => isMap(i) && i.get('name') === DOCKER_VOLUME)) volumes.items.unshift(toNode({ name: DOCKER_VOLUME, hostPath: { path: DOCKER_SOCKET } }));
    return;
  }
  requireScopeFeature(m, 'cri', `--runtime ${runtime}`);
  const socket = CRI_SOCKETS[runtime];
  removeFlag(args, 'probe.docker.bridge');
  setFlag(args, 'probe.docker', 'false');
  setFlag(args, 'probe.cri', 'true');
  setFlag(args, 'probe.cri.endpoint', `unix://${socket}`);
  dropByName(mounts, DOCKER_VOLUME);
  dropByName(volumes, DOCKER_VOLUME);
  mounts.items.unshift(toNode({ name: CRI_VOLUME, mountPath: socket }));
  volumes.items.unshift(toNode({ name: CRI_VOLUME, hostPath: { path: socket } }));
}

/** The runtime live agents are set up for (from the DaemonSet's first probe container's args). */
export function readRuntime(ds: { spec?: any } | undefined): ScopeRuntime | undefined {
  const containers: any[] = ds?.spec?.template?.spec?.containers ?? [];
  for (const c of containers) {
    const args: string[] = Array.isArray(c?.args) ? c.args.map(String) : [];
    const flag = (name: string) => {
      const a = args.find((x) => x === `--${name}` || x.startsWith(`--${name}=`));
      return a === undefined ? undefined : a.includes('=') ? a.slice(a.indexOf('=') + 1) : 'true';
    };
    const cri = flag('probe.cri');
    if (cri !== undefined && ['1', 't', 'true'].includes(cri.toLowerCase())) {
      const ep = flag('probe.cri.endpoint') ?? '';
      if (ep.includes('containerd')) return 'containerd';
      if (ep.includes('crio')) return 'crio';
      return undefined;
    }
    const docker = flag('probe.docker');
    if (docker !== undefined) return ['1', 't', 'true'].includes(docker.toLowerCase()) ? 'docker' : undefined;
  }
  return undefined;
}
