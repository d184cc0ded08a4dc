/**
 * `weavectl policy explain --from NS/POD|IP --to NS/POD[:PORT[/PROTO]]`: allowed or denied, naming
 * every policy that isolates the receiver (ingress) and the sender (egress) and every rule that
 * admits the traffic; and `--matrix`, the pod-by-pod grid of a namespace (or the cluster).
 * Reads pods, namespaces and policies; the semantics (legacy before Kubernetes 1.7 or with
 * weave-npc --use-legacy-netpol) come from the cluster. Exit 0 whatever the answer.
 */
import type { KubeCluster } from '../cluster/kube-cluster.js';
import { failure, usageError } from '../errors.js';
import type { Reporter } from '../output/reporter.js';
import {
  evaluate,
  isLivePod,
  matrix,
  parsePortQuery,
  peerName,
  podFromObject,
  renderMatrixGrid,
  weaveNpcCaveats,
  type EvaluateResult,
  type NetworkPolicy,
  type Peer,
  type Pod,
  type PolicyMatrix,
  type PortQuery,
} from '../policy/index.js';
import { parseAddr } from '../policy/ip.js';
import { openCluster } from './cluster-session.js';
import { printResult } from '../output/print.js';
import { parseNamespace, reporterFor, type Globals } from './global.js';
import { decidedByLine, enforcementWarning, listLivePods, listNamespaces, listPolicies, netpolApiVersion, readSemantics, requireNamespace, type Semantics } from '../policy/cluster.js';

/**
 * Why nothing the policies say is enforced on this cluster: weave-npc is not running, or its release
 * cannot enforce here (semantics.unenforceable); undefined when weave-npc enforces.
 */
export function notEnforced(sem: Semantics): string | undefined {
  if (sem.weave.npc === 'disabled') return `weave-npc is not running (DaemonSet ${sem.weave.daemonSet} has no weave-npc container)`;
  return sem.unenforceable;
}

/**
 * The verdict as the nodes apply it: with nothing enforced, all traffic flows whatever the policies say;
 * `policyAllowed` keeps what the policies alone would decide.
 */
export function enforcedVerdict<T extends EvaluateResult>(res: T, sem: Semantics): T & { enforced: boolean; policyAllowed: boolean } {
  const why = notEnforced(sem);
  if (!why) return { ...res, reasons: res.reasons, enforced: true, policyAllowed: res.allowed };
  return {
    ...res,
    allowed: true,
    enforced: false,
    policyAllowed: res.allowed,
    reasons: [`allowed: nothing is enforced: ${why}; the policies alone would ${res.allowed ? 'allow' : 'deny'} it`, ...res.reasons.map((r) => `(if enforced) ${r}`)],
  };
}

export interface ExplainFlags {
  from?: string;
  to?: string;
  port?: string;
  matrix?: boolean;
  allNamespaces?: boolean;
  ascii?: boolean;
}

/** One end of the traffic as written on the command line. */
export type Endpoint = { kind: 'pod'; namespace?: string; name: string } | { kind: 'ip'; ip: string };

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Parses `NS/POD`, `POD`, an IPv4/IPv6 address, `[IPv6]`, each optionally followed by `:PORT[/PROTO]`
 * when `withPort` (IPv6 with a port must be bracketed). Throws a one-line usageError.
 */
export function parseEndpoint(text: string, flag: string, withPort: boolean): { endpoint: Endpoint; port?: PortQuery } {
  const raw = text.trim();
  const expected = withPort ? 'NAMESPACE/POD[:PORT[/PROTOCOL]], POD or an IP address' : 'NAMESPACE/POD, POD or an IP address';
  if (raw === '') throw usageError(`${flag}: empty (expected ${expected})`);
  let host = raw;
  let portText: string | undefined;
  if (raw.startsWith('[')) {
    const close = raw.indexOf(']');
    if (close < 0) throw usageError(`${flag} ${JSON.stringify(text)}: no ']' after the IPv6 address`);
    host = raw.slice(1, close);
    const rest = raw.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) throw usageError(`${flag} ${JSON.stringify(text)}: expected ':PORT' after ']'`);
      portText = rest.slice(1);
    }
    if (!parseAddr(host) || !host.includes(':')) throw usageError(`${flag} ${JSON.stringify(text)}: ${JSON.stringify(host)} is not an IPv6 address`);
  } else if (!parseAddr(raw)) {
    const colon = raw.indexOf(':');
    if (colon >= 0) {
      host = raw.slice(0, colon);
      portText = raw.slice(colon + 1);
    }
  }
  if (portText !== undefined && !withPort) throw usageError(`${flag} ${JSON.stringify(text)}: a port goes on --to (or --port), not on ${flag}`);
  const port = portText !== undefined ? parsePortQuery(portText, flag) : undefined;
  const withPortOf = (endpoint: Endpoint) => ({ endpoint, ...(port ? { port } : {}) });
  if (parseAddr(host)) return withPortOf({ kind: 'ip', ip: host });
  if (/^[0-9.]+$/.test(host)) throw usageError(`${flag} ${JSON.stringify(text)}: ${JSON.stringify(host)} is not an IP address`);
  const parts = host.split('/');
  if (parts.length > 2) throw usageError(`${flag} ${JSON.stringify(text)}: expected ${expected}`);
  const [nsPart, namePart] = parts.length === 2 ? [parts[0]!, parts[1]!] : [undefined, parts[0]!];
  if (nsPart !== undefined) {
    if (nsPart === '') throw usageError(`${flag} ${JSON.stringify(text)}: the namespace before '/' is empty`);
    parseNamespace(nsPart);
  }
  if (namePart === '' || namePart.length > 253 || !DNS1123_SUBDOMAIN.test(namePart)) {
    throw usageError(`${flag} ${JSON.stringify(text)}: ${JSON.stringify(namePart)} is not a pod name (expected ${expected})`);
  }
  return withPortOf({ kind: 'pod', ...(nsPart !== undefined ? { namespace: nsPart } : {}), name: namePart });
}

/** The -o json shape of `policy explain --from --to`. */
export interface ExplainResult extends EvaluateResult {
  from: string;
  to: string;
  semantics: 'standard' | 'legacy';
  semanticsReason: string;
  /** What decided the semantics: "weaveworks 2.0.5" (the running weave-npc release) or "Kubernetes 1.6.13". */
  decidedBy: string;
  /** False when weave-npc is not running or its release cannot enforce policy on this cluster: then `allowed` is true. */
  enforced: boolean;
  /** What the policies alone decide (the same as `allowed` when enforced). */
  policyAllowed: boolean;
  /** Where weave-npc enforces the policies involved differently from Kubernetes. */
  caveats: string[];
}

/** The -o json shape of `policy explain --matrix`. */
export interface MatrixResult extends PolicyMatrix {
  namespace: string | null;
  semantics: 'standard' | 'legacy';
  semanticsReason: string;
  decidedBy: string;
  /** False when nothing is enforced (weave-npc off, or its release cannot enforce here): every pair then flows. */
  enforced: boolean;
}

export async function runExplain(f: ExplainFlags, g: Globals): Promise<void> {
  const reporter = reporterFor(g);
  if (f.matrix) {
    if (f.from !== undefined || f.to !== undefined) throw usageError('--matrix shows every pair: leave out --from and --to');
    if (f.allNamespaces && g.namespaceSet) throw usageError('give -n NAMESPACE or -A, not both');
    const port = f.port !== undefined ? parsePortQuery(f.port, '--port') : undefined;
    return runMatrix(f, port, g, reporter);
  }
  if (f.allNamespaces) throw usageError('-A goes with --matrix');
  if (f.ascii) throw usageError('--ascii goes with --matrix');
  if (f.from === undefined || f.to === undefined) {
    throw usageError('policy explain needs --from and --to (or --matrix)', 'e.g. weavectl policy explain --from prod/iperf-prod-2 --to prod/iperf-prod-1:5201');
  }
  const from = parseEndpoint(f.from, '--from', false);
  const to = parseEndpoint(f.to, '--to', true);
  if (to.port && f.port !== undefined) throw usageError('give the port on --to or with --port, not both');
  const port = to.port ?? (f.port !== undefined ? parsePortQuery(f.port, '--port') : undefined);
  if (from.endpoint.kind === 'ip' && to.endpoint.kind === 'ip') throw usageError('--from and --to are both addresses: at least one end must be a pod');

  const cluster = await openCluster(g, reporter);
  try {
    const sem = await readSemantics(cluster, reporter);
    const apiVersion = await netpolApiVersion(cluster, sem.k8s);
    const defaultNs = g.namespaceSet ? g.namespace : cluster.defaultNamespace;
    const needIps = from.endpoint.kind === 'ip' || to.endpoint.kind === 'ip';
    const [allPods, namespaces] = await Promise.all([needIps ? listLivePods(cluster) : Promise.resolve([] as Pod[]), listNamespaces(cluster)]);
    const fromPeer = await resolve(cluster, from.endpoint, defaultNs, allPods, reporter);
    const toPeer = await resolve(cluster, to.endpoint, defaultNs, allPods, reporter);
    const policyNs = [...new Set([fromPeer, toPeer].flatMap((p) => ('namespace' in p ? [p.namespace] : [])))];
    const policies = (await Promise.all(policyNs.map((ns) => listPolicies(cluster, apiVersion, ns)))).flat();
    const res = enforcedVerdict(evaluate({ policies, namespaces, legacy: sem.legacy, from: fromPeer, to: toPeer, ...(port ? { port } : {}) }), sem);
    const involved = new Set<string>();
    for (const d of [res.ingress, res.egress]) {
      for (const r of d.isolatedBy) if (r.kind === 'policy') involved.add(`${r.namespace}/${r.name}`);
      for (const r of d.admittedBy) if (r.policy.kind === 'policy') involved.add(`${r.policy.namespace}/${r.policy.name}`);
    }
    const caveats = policies
      .filter((p) => involved.has(`${p.metadata.namespace ?? 'default'}/${p.metadata.name}`))
      .flatMap((p: NetworkPolicy) => weaveNpcCaveats(p, sem.weave.weaveVersion ? { weaveVersion: sem.weave.weaveVersion } : {}));
    const enforcement = enforcementWarning(sem.weave, sem);
    if (enforcement) reporter.warn(enforcement);
    const out = (): ExplainResult => ({
      from: peerName(fromPeer),
      to: peerName(toPeer),
      semantics: sem.legacy ? 'legacy' : 'standard',
      semanticsReason: sem.reason,
      decidedBy: sem.decidedBy === 'release' ? sem.release! : `Kubernetes ${sem.k8s.text}`,
      ...res,
      reasons: res.reasons,
      caveats,
    });
    const text = () => [...res.reasons, `${sem.legacy ? 'legacy' : 'standard'} semantics, ${decidedByLine(sem)}`, ...caveats.map((c) => `‼ ${c}`)].join('\n');
    await printResult(reporter, g.output, { json: out, text });
  } finally {
    cluster.close();
  }
}

/** A pod by name (failure when it does not exist), or an address, resolved to the pod that has it. */
async function resolve(cluster: KubeCluster, e: Endpoint, defaultNs: string, allPods: Pod[], reporter: Reporter): Promise<Peer> {
  if (e.kind === 'ip') {
    const owner = allPods.find((p) => p.ip === e.ip && !p.hostNetwork);
    if (owner) {
      reporter.info(`${e.ip} is pod ${owner.namespace}/${owner.name}`);
      return owner;
    }
    return { ip: e.ip };
  }
  const namespace = e.namespace ?? defaultNs;
  const obj = await cluster.get({ apiVersion: 'v1', kind: 'Pod', namespace, name: e.name });
  if (!obj) throw failure(`pod "${e.name}" not found in namespace "${namespace}"`, `kubectl get pods -n ${namespace} lists its pods`);
  if (!isLivePod(obj)) reporter.warn(`pod ${namespace}/${e.name} has ended (${String(obj.status?.phase)}): it sends and receives nothing`);
  const pod = podFromObject(obj);
  if (!pod.ip && !pod.hostNetwork) reporter.info(`pod ${namespace}/${e.name} has no IP address yet: the answer holds for its labels`);
  return pod;
}

async function runMatrix(f: ExplainFlags, port: PortQuery | undefined, g: Globals, reporter: Reporter): Promise<void> {
  const cluster = await openCluster(g, reporter);
  try {
    const scope = f.allNamespaces ? null : g.namespaceSet ? g.namespace : cluster.defaultNamespace;
    const sem = await readSemantics(cluster, reporter);
    const apiVersion = await netpolApiVersion(cluster, sem.k8s);
    if (scope !== null) await requireNamespace(cluster, scope);
    const [pods, policies, namespaces] = await Promise.all([
      listLivePods(cluster, scope ?? undefined),
      listPolicies(cluster, apiVersion, scope ?? undefined),
      listNamespaces(cluster),
    ]);
    const m = matrix(pods, policies, namespaces, { legacy: sem.legacy, ...(port ? { port } : {}) });
    const enforcement = enforcementWarning(sem.weave, sem);
    if (enforcement) reporter.warn(enforcement);
    const enforced = notEnforced(sem) === undefined;
    const out = (): MatrixResult => ({
      namespace: scope,
      semantics: sem.legacy ? 'legacy' : 'standard',
      semanticsReason: sem.reason,
      decidedBy: sem.decidedBy === 'release' ? sem.release! : `Kubernetes ${sem.k8s.text}`,
      enforced,
      ...m,
    });
    const text = () => {
      if (pods.length === 0) {
        reporter.info(scope === null ? 'No pods in the cluster.' : `No pods in namespace ${scope}.`);
        return '';
      }
      reporter.info(`${sem.legacy ? 'Legacy' : 'Standard'} semantics, ${decidedByLine(sem)}`);
      if (!enforced) reporter.info(`Nothing is enforced (${notEnforced(sem)}): every pair below flows; the grid is what the policies would do`);
      return renderMatrixGrid(m, { ascii: Boolean(f.ascii) });
    };
    await printResult(reporter, g.output, { json: out, text });
  } finally {
    cluster.close();
  }
}
