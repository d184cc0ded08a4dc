/**
 * The simulator CLI's `--fault NAME[=ARGS]` (repeatable): every fault the simulator has, by name, so
 * the failure paths can be shown by hand (`npm run sim -- --fault partition=k8s-vm1,k8s-vm2`).
 *
 * parseFault turns the text into a FaultSpec (throws FaultSpecError with one clear line); applyFault
 * injects it into a running simulator, after checking the nodes it names exist.
 */
import type { PodMatch } from './faults.js';
import type { Simulator } from './index.js';
import { weaveState } from './weave-node.js';

export class FaultSpecError extends Error {
  override readonly name = 'FaultSpecError';
}

type PodFaultName = 'crash-loop' | 'image-pull' | 'config-error' | 'never-ready';

export type FaultSpec =
  | { kind: PodFaultName; match: PodMatch }
  | { kind: 'not-ready'; nodes: string[] }
  | { kind: 'unreachable'; nodes: string[] }
  | { kind: 'awaiting-consensus' }
  | { kind: 'partition'; nodes: [string, string] }
  | { kind: 'mtu'; mtu: number; nodes?: [string, string] }
  | { kind: 'latency'; ms: number }
  | { kind: 'api-error'; status: number; path?: string; method?: string; count?: number };

/** name, argument syntax, what it does: the help text and the error for an unknown name. */
export const FAULTS: readonly [string, string, string][] = [
  ['crash-loop', 'crash-loop=MATCH', 'matching containers crash repeatedly (CrashLoopBackOff)'],
  ['image-pull', 'image-pull=MATCH', 'image pulls fail (ImagePullBackOff)'],
  ['config-error', 'config-error=MATCH', 'containers wait in CreateContainerConfigError'],
  ['never-ready', 'never-ready=MATCH', 'containers run but never become ready'],
  ['not-ready', 'not-ready=NODE[,NODE...]', 'the nodes go NotReady'],
  ['unreachable', 'unreachable=NODE[,NODE...]', "the nodes' weave peers cannot be reached by the others"],
  ['awaiting-consensus', 'awaiting-consensus', 'weave IPAM never reaches consensus'],
  ['partition', 'partition=NODE_A,NODE_B', "the two nodes cannot reach each other: their weave connection fails; their pods' traffic goes through a third peer connected to both, if any (weave relays)"],
  ['mtu', 'mtu=BYTES[:NODE_A,NODE_B]', 'the path between nodes (or that pair) carries BYTES at most: below WEAVE_MTU + 50 weave falls back to sleeve, whose MTU is BYTES - 62 (86 with a password), and larger DF packets vanish'],
  ['latency', 'latency=MS', 'every API request takes MS longer'],
  ['api-error', 'api-error=STATUS[,path:P][,method:M][,count:N]', 'API requests fail with STATUS (500, 503, 429, ...)'],
];

export const FAULT_HELP = FAULTS.map(([, syntax, what]) => `  --fault ${syntax.padEnd(48)} ${what}`).join('\n') +
  '\n  MATCH: comma-separated namespace:NS, daemonset:NAME, deployment:NAME, node:NAME, pod:NAME, container:NAME, image:TEXT (a bare word is an image substring)';

function nodeList(name: string, arg: string | undefined, count?: number): string[] {
  const nodes = (arg ?? '').split(',').map((s) => s.trim());
  if (nodes.length === 0 || nodes.some((n) => n === '')) throw new FaultSpecError(`--fault ${name} needs node names: ${name}=NODE${count === 2 ? ',NODE' : '[,NODE...]'}`);
  if (count !== undefined && nodes.length !== count) throw new FaultSpecError(`--fault ${name} takes exactly ${count} nodes, got ${nodes.length}: "${arg}"`);
  return nodes;
}

function podMatch(name: string, arg: string | undefined): PodMatch {
  if (!arg) throw new FaultSpecError(`--fault ${name} needs a MATCH, e.g. ${name}=image:weave-kube or ${name}=daemonset:weave-net,node:k8s-vm2`);
  const m: PodMatch = {};
  for (const part of arg.split(',')) {
    const colon = part.indexOf(':');
    if (colon < 0) {
      m.image = part;
      continue;
    }
    const key = part.slice(0, colon);
    const value = part.slice(colon + 1);
    if (value === '') throw new FaultSpecError(`--fault ${name}: ${key}: needs a value`);
    switch (key) {
      case 'namespace':
        m.namespace = value;
        break;
      case 'daemonset':
        m.daemonSet = value;
        break;
      case 'deployment':
        m.deployment = value;
        break;
      case 'node':
        m.node = value;
        break;
      case 'pod':
        m.pod = value;
        break;
      case 'container':
        m.container = value;
        break;
      case 'image':
        m.image = value;
        break;
      default:
        throw new FaultSpecError(`--fault ${name}: unknown match key "${key}" (namespace, daemonset, deployment, node, pod, container, image)`);
    }
  }
  return m;
}

function positive(name: string, text: string | undefined, what: string): number {
  const n = /^\d+$/.test(text ?? '') ? Number(text) : NaN;
  if (!Number.isInteger(n) || n <= 0) throw new FaultSpecError(`--fault ${name} needs ${what}, got "${text ?? ''}"`);
  return n;
}

/** Parses one `--fault` value. */
export function parseFault(text: string): FaultSpec {
  const eq = text.indexOf('=');
  const name = eq < 0 ? text : text.slice(0, eq);
  const arg = eq < 0 ? undefined : text.slice(eq + 1);
  switch (name) {
    case 'crash-loop':
    case 'image-pull':
    case 'config-error':
    case 'never-ready':
      return { kind: name, match: podMatch(name, arg) };
    case 'not-ready':
    case 'unreachable':
      return { kind: name, nodes: nodeList(name, arg) };
    case 'awaiting-consensus':
      if (arg !== undefined) throw new FaultSpecError('--fault awaiting-consensus takes no value');
      return { kind: 'awaiting-consensus' };
    case 'partition': {
      const [a, b] = nodeList(name, arg, 2) as [string, string];
      if (a === b) throw new FaultSpecError(`--fault partition needs two different nodes, got "${arg}"`);
      return { kind: 'partition', nodes: [a, b] };
    }
    case 'mtu': {
      const [size, pair] = (arg ?? '').split(':', 2) as [string, string | undefined];
      const mtu = positive(name, size, 'a size in bytes (mtu=1300)');
      if (mtu < 68 || mtu > 65535) throw new FaultSpecError(`--fault mtu=${size}: an IPv4 MTU is 68 to 65535`);
      if (pair === undefined) return { kind: 'mtu', mtu };
      return { kind: 'mtu', mtu, nodes: nodeList(name, pair, 2) as [string, string] };
    }
    case 'latency':
      return { kind: 'latency', ms: positive(name, arg, 'milliseconds (latency=200)') };
    case 'api-error': {
      const [status, ...rest] = (arg ?? '').split(',');
      const code = positive(name, status, 'an HTTP status (api-error=503)');
      if (code < 400 || code > 599) throw new FaultSpecError(`--fault api-error=${status}: the status must be 400 to 599`);
      const spec: FaultSpec = { kind: 'api-error', status: code };
      for (const part of rest) {
        const [k, v] = part.split(':', 2);
        if (k === 'path' && v) spec.path = v;
        else if (k === 'method' && v) spec.method = v.toUpperCase();
        else if (k === 'count' && v) spec.count = positive(name, v, 'a count');
        else throw new FaultSpecError(`--fault api-error: unknown option "${part}" (path:P, method:M, count:N)`);
      }
      return spec;
    }
    default:
      throw new FaultSpecError(`unknown --fault "${name}": the simulator has ${FAULTS.map(([n]) => n).join(', ')}`);
  }
}

/** Injects a parsed fault; throws FaultSpecError when it names a node the simulator does not have. */
export function applyFault(sim: Simulator, f: FaultSpec): void {
  const known = new Set(sim.nodes.names());
  const check = (nodes: readonly string[]) => {
    for (const n of nodes) if (!known.has(n)) throw new FaultSpecError(`--fault ${f.kind}: no node "${n}" (the nodes are ${[...known].join(', ')})`);
  };
  switch (f.kind) {
    case 'crash-loop':
      sim.faults.crashLoop(f.match);
      return;
    case 'image-pull':
      sim.faults.imagePull(f.match);
      return;
    case 'config-error':
      sim.faults.createContainerConfigError(f.match);
      return;
    case 'never-ready':
      sim.faults.neverReady(f.match);
      return;
    case 'not-ready':
      check(f.nodes);
      for (const n of f.nodes) sim.nodes.setReady(n, false);
      return;
    case 'unreachable':
      check(f.nodes);
      for (const n of f.nodes) weaveState(sim).unreachable.add(n);
      return;
    case 'awaiting-consensus':
      weaveState(sim).awaitingConsensus = true;
      return;
    case 'partition':
      check(f.nodes);
      sim.faults.partition(f.nodes[0], f.nodes[1]);
      return;
    case 'mtu':
      if (f.nodes) check(f.nodes);
      sim.faults.pathMtu(f.mtu, f.nodes);
      return;
    case 'latency':
      sim.faults.latency(f.ms);
      return;
    case 'api-error':
      sim.faults.failRequests({ status: f.status, ...(f.path ? { path: f.path } : {}), ...(f.method ? { method: f.method } : {}), ...(f.count ? { count: f.count } : {}) });
      return;
  }
}
