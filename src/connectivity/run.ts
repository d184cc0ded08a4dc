/**
 * The flow of `weavectl connectivity test`: find the running Weave Net (its WEAVE_MTU and weave-npc
 * release), deploy the probes in their own namespace, wait for them, run the tests (a few at a time,
 * each outcome handed out as it finishes), the policy test last, and remove the probes again, also
 * when the run is interrupted (Ctrl-C) or --timeout runs out.
 *
 * The pure parts are plan.ts (pairs, tests), evaluate.ts (commands, what an answer means),
 * workloads.ts (the objects) and render.ts (lines, grid, JSON).
 */
import type { Cluster, KubeObject } from '../cluster/types.js';
import { errorText, failure } from '../errors.js';
import type { Reporter } from '../output/reporter.js';
import { nodeIsReady } from '../kube/nodes.js';
import { NET_DAEMONSET, WEAVE_CONTAINER, WEAVE_NAMESPACE } from '../weave/names.js';
import { sleep } from '../util/timers.js';
import {
  dfPingCommand,
  dnsCommand,
  evaluateDenied,
  evaluateDfPing,
  evaluateDns,
  evaluateFetch,
  fetchCommand,
  plainPingCommand,
  PROBE_TIMEOUT_S,
  ECHO_PORT,
  SERVICE_PORT,
  type ExecAnswer,
  type TestOutcome,
} from './evaluate.js';
import { planTests, type Include, type PlannedTest } from './plan.js';
import { allowObject, CLIENT, CLIENT_CONTAINER, daemonSetApi, ECHO, HOST, isolateObjects, namespaceObject, PART_OF, probeWorkloads } from './workloads.js';

/** WEAVE_MTU when unset: weaveworks/weave v2.8.1 net/bridge.go (`config.MTU = 1376` for a 1,460-byte underlay minus the overheads). */
export const WEAVE_DEFAULT_MTU = 1376;
/** How long to wait for the probe pods to become ready. */
export const PROBES_READY_TIMEOUT_MS = 120_000;
/** How long weave-npc may take to apply a policy change before the policy test gives up. */
export const POLICY_SETTLE_MS = 10_000;

export type ConnectivityCluster = Pick<Cluster, 'serves' | 'get' | 'list' | 'apply' | 'delete' | 'exec' | 'version'>;

export interface ConnectivityOptions {
  testNamespace: string;
  image: string;
  allPairs: boolean;
  include: ReadonlySet<Include>;
  concurrency: number;
  /** Stops the tests (not the clean-up): Ctrl-C, --timeout. */
  signal: AbortSignal;
  /** Called as each test finishes. */
  onOutcome: (o: TestOutcome) => void;
  /** Called once the test namespace is there and ours (from then on the caller cleans up). */
  onDeploy: () => void;
  /** Called while waiting and testing: a one-line status. */
  onProgress: (line: string) => void;
  /** How the policy test learns the release's semantics (src/commands/policy-session.ts readSemantics). */
  semantics: () => Promise<{ legacy: boolean; unenforceable?: string; npcDisabled: boolean; reason: string }>;
  /** Milliseconds between polls (tests use 10). */
  pollMs?: number;
}

export interface ConnectivityRun {
  nodes: string[];
  mtu: number;
  outcomes: TestOutcome[];
}

interface Probes {
  /** node -> pod name, for each kind of probe, ready pods only */
  echo: Map<string, { name: string; ip: string }>;
  client: Map<string, string>;
  host: Map<string, string>;
  /** every node a probe DaemonSet placed a pod on */
  nodes: string[];
  /** node -> why its probes are not ready */
  notReady: Map<string, string>;
}


const natural = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/** WEAVE_MTU of the weave container of a weave-net DaemonSet (the default when unset or not a literal). */
export function weaveMtuOf(ds: KubeObject | undefined): { mtu: number; note?: string } {
  const containers = (ds?.spec?.template?.spec?.containers ?? []) as { name?: string; env?: { name?: string; value?: string; valueFrom?: unknown }[] }[];
  const env = containers.find((c) => c.name === WEAVE_CONTAINER)?.env?.find((e) => e.name === 'WEAVE_MTU');
  if (!env) return { mtu: WEAVE_DEFAULT_MTU };
  const n = Number(env.value);
  if (env.value !== undefined && Number.isInteger(n) && n > 0) return { mtu: n };
  return { mtu: WEAVE_DEFAULT_MTU, note: `WEAVE_MTU of ${ds?.metadata.name} is not a number weavectl can read (${env.valueFrom ? 'valueFrom' : JSON.stringify(env.value)}): the don't-fragment test uses ${WEAVE_DEFAULT_MTU}` };
}

function podReady(p: KubeObject): boolean {
  return p.status?.phase === 'Running' && !p.metadata.deletionTimestamp && ((p.status?.conditions ?? []) as { type: string; status: string }[]).some((c) => c.type === 'Ready' && c.status === 'True');
}

function whyNotReady(p: KubeObject): string {
  const waiting = ((p.status?.containerStatuses ?? []) as { state?: { waiting?: { reason?: string; message?: string } } }[]).map((c) => c.state?.waiting).find(Boolean);
  if (waiting?.reason) return `${p.metadata.name}: ${waiting.reason}${waiting.message ? ` (${waiting.message})` : ''}`;
  return `${p.metadata.name}: ${p.status?.phase ?? 'Pending'}`;
}

async function readProbes(cluster: ConnectivityCluster, ns: string): Promise<Probes> {
  const pods = (await cluster.list({ apiVersion: 'v1', kind: 'Pod', namespace: ns }, { labelSelector: 'app.kubernetes.io/part-of=weavectl-connectivity-test' })).items;
  const probes: Probes = { echo: new Map(), client: new Map(), host: new Map(), nodes: [], notReady: new Map() };
  const nodes = new Set<string>();
  for (const p of pods) {
    const node = p.spec?.nodeName as string | undefined;
    const app = p.metadata.labels?.['app'];
    if (!node) continue;
    nodes.add(node);
    if (!podReady(p)) {
      if (!probes.notReady.has(node)) probes.notReady.set(node, whyNotReady(p));
      continue;
    }
    if (app === ECHO && p.status?.podIP) probes.echo.set(node, { name: p.metadata.name, ip: String(p.status.podIP) });
    else if (app === CLIENT) probes.client.set(node, p.metadata.name);
    else if (app === HOST) probes.host.set(node, p.metadata.name);
  }
  probes.nodes = [...nodes].sort(natural);
  return probes;
}

/** Every probe DaemonSet has created its pods (ready or not: readiness is judged per node). */
async function daemonSetsScheduled(cluster: ConnectivityCluster, ns: string, apiVersion: string): Promise<boolean> {
  const list = (await cluster.list({ apiVersion, kind: 'DaemonSet', namespace: ns })).items.filter((d) => [ECHO, CLIENT, HOST].includes(d.metadata.name));
  if (list.length < 3) return false;
  return list.every((d) => {
    const s = d.status ?? {};
    const desired = Number(s.desiredNumberScheduled ?? 0);
    return desired > 0 && Number(s.currentNumberScheduled ?? 0) === desired;
  });
}

/** The nodes that are NotReady (their probes are not waited for); none when the nodes may not be listed. */
async function notReadyNodes(cluster: ConnectivityCluster): Promise<Set<string>> {
  try {
    const nodes = (await cluster.list({ apiVersion: 'v1', kind: 'Node' })).items;
    return new Set(nodes.filter((n) => !nodeIsReady(n)).map((n) => n.metadata.name));
  } catch {
    return new Set();
  }
}

/** Deploys the probes (refusing a namespace weavectl did not create) and waits for them. */
async function deploy(cluster: ConnectivityCluster, o: ConnectivityOptions, reporter: Reporter): Promise<{ probes: Probes; dsApi: string }> {
  const ns = o.testNamespace;
  const existing = await cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: ns });
  if (existing && existing.metadata.labels?.['app.kubernetes.io/part-of'] !== PART_OF['app.kubernetes.io/part-of']) {
    throw failure(`namespace ${ns} exists and was not made by weavectl connectivity test: nothing was changed`, 'name another with --test-namespace');
  }
  const poll = o.pollMs ?? 500;
  if (existing?.metadata.deletionTimestamp) {
    o.onProgress(`Waiting for namespace ${ns} (being deleted) to go`);
    while (!o.signal.aborted && (await cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: ns }))) await sleep(poll, o.signal);
  }
  const [appsV1, appsV1beta2] = await Promise.all([cluster.serves('apps/v1', 'DaemonSet'), cluster.serves('apps/v1beta2', 'DaemonSet')]);
  const dsApi = daemonSetApi({ appsV1, appsV1beta2 });
  const objects = [namespaceObject(ns), ...probeWorkloads({ namespace: ns, image: o.image, daemonSetApiVersion: dsApi })];
  // From the moment the namespace is ours (created now, or left by an earlier run) the caller cleans up.
  if (existing) o.onDeploy();
  for (const obj of objects) {
    if (o.signal.aborted) break;
    await cluster.apply(obj, { fieldManager: 'weavectl', force: true });
    if (obj.kind === 'Namespace' && !existing) o.onDeploy();
    reporter.debug(`applied ${obj.kind} ${obj.metadata.name}`);
  }
  const until = Date.now() + PROBES_READY_TIMEOUT_MS;
  const down = await notReadyNodes(cluster);
  let probes = await readProbes(cluster, ns);
  while (!o.signal.aborted && Date.now() < until) {
    // done when every probe pod on a Ready node is ready (a NotReady node's pods would never be)
    if ((await daemonSetsScheduled(cluster, ns, dsApi)) && probes.nodes.length > 0 && [...probes.notReady.keys()].every((n) => down.has(n))) break;
    o.onProgress(`Waiting for the probes: ${probes.echo.size + probes.client.size + probes.host.size} of ${probes.nodes.length * 3 || '?'} pods ready`);
    await sleep(poll, o.signal);
    probes = await readProbes(cluster, ns);
  }
  for (const n of down) if (probes.nodes.includes(n)) probes.notReady.set(n, `node ${n} is NotReady`);
  return { probes, dsApi };
}

async function exec(cluster: ConnectivityCluster, ns: string, pod: string, command: string[]): Promise<ExecAnswer> {
  try {
    return await cluster.exec({ namespace: ns, name: pod }, CLIENT_CONTAINER, command, { timeoutMs: (PROBE_TIMEOUT_S + 7) * 1000 });
  } catch (err) {
    return { error: errorText(err) };
  }
}

/** Runs `fn` over `items`, at most `limit` at once, starting no new one once `signal` aborted. */
async function eachLimited<T>(items: readonly T[], limit: number, signal: AbortSignal, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal.aborted) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** One planned test, run. */
async function runOne(cluster: ConnectivityCluster, ns: string, t: PlannedTest, probes: Probes, ctx: { mtu: number; clusterIP: string; serviceName: string }): Promise<TestOutcome> {
  const base = { name: t.name, from: t.from, to: t.to };
  const missing = [t.from, ...(t.name === 'pod-to-service' || t.name === 'pod-to-dns' ? [] : [t.to])].find((n) => probes.notReady.has(n));
  if (missing) return { ...base, result: 'error', message: `the probes on ${missing} are not ready (${probes.notReady.get(missing)})` };
  const client = probes.client.get(t.from);
  const echo = probes.echo.get(t.to);
  switch (t.name) {
    case 'pod-to-pod':
    case 'host-to-pod': {
      const from = t.name === 'pod-to-pod' ? client : probes.host.get(t.from);
      if (!from || !echo) return { ...base, result: 'error', message: `no ready probe pod on ${!from ? t.from : t.to}` };
      const what = t.from === t.to ? `${t.name === 'pod-to-pod' ? 'pod' : 'host'} → echo pod ${echo.ip} on the same node` : `${t.name === 'pod-to-pod' ? 'pod' : 'host'} on ${t.from} → echo pod ${echo.ip} on ${t.to}`;
      return { ...base, ...evaluateFetch(await exec(cluster, ns, from, fetchCommand(echo.ip, ECHO_PORT)), what) };
    }
    case 'df-ping': {
      if (!client || !echo) return { ...base, result: 'error', message: `no ready probe pod on ${!client ? t.from : t.to}` };
      const df = await exec(cluster, ns, client, dfPingCommand(echo.ip, ctx.mtu));
      const lost = !('error' in df) && df.exitCode !== 0 && !/message too long/.test(df.stderr);
      const plain = lost ? await exec(cluster, ns, client, plainPingCommand(echo.ip)) : undefined;
      return { ...base, ...evaluateDfPing(df, ctx.mtu, t.from, t.to, plain) };
    }
    case 'pod-to-service': {
      if (!client) return { ...base, result: 'error', message: `no ready client pod on ${t.from}` };
      return { ...base, ...evaluateFetch(await exec(cluster, ns, client, fetchCommand(ctx.clusterIP, SERVICE_PORT)), `pod on ${t.from} → Service ${ctx.serviceName} (${ctx.clusterIP}:${SERVICE_PORT})`) };
    }
    case 'pod-to-dns': {
      if (!client) return { ...base, result: 'error', message: `no ready client pod on ${t.from}` };
      return { ...base, ...evaluateDns(await exec(cluster, ns, client, dnsCommand(ctx.serviceName)), ctx.serviceName, ctx.clusterIP) };
    }
    default:
      return { ...base, result: 'skipped', message: 'run separately' };
  }
}

/** The policy test: isolate the echo pods (the fetch must fail), then admit the clients (it must pass). */
async function policyTest(cluster: ConnectivityCluster, o: ConnectivityOptions, probes: Probes, pair: { from: string; to: string }): Promise<TestOutcome[]> {
  const ns = o.testNamespace;
  const deny = { name: 'policy-deny' as const, ...pair };
  const allow = { name: 'policy-allow' as const, ...pair };
  const sem = await o.semantics();
  if (sem.npcDisabled || sem.unenforceable) {
    const message = sem.npcDisabled ? 'Weave Net runs without weave-npc: NetworkPolicies are not enforced' : sem.unenforceable!;
    return [
      { ...deny, result: 'warning', message },
      { ...allow, result: 'skipped', message: 'nothing enforces policies' },
    ];
  }
  const client = probes.client.get(pair.from);
  const echo = probes.echo.get(pair.to);
  if (!client || !echo) {
    const message = `no ready probe pods on ${!client ? pair.from : pair.to}`;
    return [
      { ...deny, result: 'error', message },
      { ...allow, result: 'error', message },
    ];
  }
  const fetch = () => exec(cluster, ns, client, fetchCommand(echo.ip, ECHO_PORT));
  const settle = async (good: (a: ExecAnswer) => boolean): Promise<ExecAnswer> => {
    const until = Date.now() + POLICY_SETTLE_MS;
    let a = await fetch();
    while (!good(a) && Date.now() < until && !o.signal.aborted) {
      await sleep(o.pollMs ?? 1000, o.signal);
      a = await fetch();
    }
    return a;
  };
  const semantics = sem.legacy ? ' (legacy semantics: the namespace\'s DefaultDeny annotation)' : '';
  for (const obj of isolateObjects(ns, sem.legacy)) await cluster.apply(obj, { fieldManager: 'weavectl', force: true });
  const denied = evaluateDenied(await settle((a) => !('error' in a) && a.exitCode !== 0));
  const out: TestOutcome[] = [{ ...deny, ...denied, ...(denied.message ? { message: denied.message + semantics } : {}) }];
  o.onOutcome(out[0]!);
  await cluster.apply(allowObject(ns, sem.legacy), { fieldManager: 'weavectl', force: true });
  const admitted = evaluateFetch(await settle((a) => !('error' in a) && a.exitCode === 0), `with a rule admitting the client pods, client on ${pair.from} → echo pod on ${pair.to}`);
  out.push({ ...allow, ...admitted });
  o.onOutcome(out[1]!);
  return out;
}

/** Deploys, tests, and returns the outcomes (the caller cleans up: see cleanUp). */
export async function runConnectivity(cluster: ConnectivityCluster, o: ConnectivityOptions, reporter: Reporter): Promise<ConnectivityRun> {
  const { findRunningWeave } = await import('../weave/running.js');
  const found = await findRunningWeave(cluster, WEAVE_NAMESPACE, reporter);
  const weave = found.running.find((d) => d.metadata.name === NET_DAEMONSET) ?? found.running[0];
  if (!weave) throw failure('Weave Net is not installed: there is nothing to test', 'weavectl install');
  const { mtu, note } = weaveMtuOf(weave);
  if (note) reporter.warn(note);

  const { probes } = await deploy(cluster, o, reporter);
  if (o.signal.aborted) return { nodes: probes.nodes, mtu, outcomes: [] };
  if (probes.nodes.length === 0) throw failure(`no probe pod was scheduled in namespace ${o.testNamespace}`, `kubectl -n ${o.testNamespace} describe daemonset ${ECHO}`);
  const svc = await cluster.get({ apiVersion: 'v1', kind: 'Service', namespace: o.testNamespace, name: ECHO });
  const clusterIP = String(svc?.spec?.clusterIP ?? '');
  const serviceName = `${ECHO}.${o.testNamespace}.svc.cluster.local`;
  const tests = planTests({ nodes: probes.nodes, allPairs: o.allPairs, policy: o.include.has('policy'), serviceName });
  const plain = tests.filter((t) => t.name !== 'policy-deny' && t.name !== 'policy-allow');
  const outcomes: TestOutcome[] = [];
  const show = () => {
    const failed = outcomes.filter((x) => x.result === 'error').length;
    o.onProgress(`Testing ${probes.nodes.length} node${probes.nodes.length === 1 ? '' : 's'}: ${outcomes.length} of ${tests.length} tests done${failed ? `, ${failed} failed` : ''}`);
  };
  show();
  await eachLimited(plain, o.concurrency, o.signal, async (t) => {
    const r = await runOne(cluster, o.testNamespace, t, probes, { mtu, clusterIP, serviceName });
    outcomes.push(r);
    o.onOutcome(r);
    show();
  });
  const policy = tests.find((t) => t.name === 'policy-deny');
  if (policy && !o.signal.aborted) outcomes.push(...(await policyTest(cluster, o, probes, { from: policy.from, to: policy.to })));
  // the order of the plan, not of finishing
  const order = new Map(tests.map((t, i) => [`${t.name}\u0000${t.from}\u0000${t.to}`, i]));
  outcomes.sort((a, b) => (order.get(`${a.name}\u0000${a.from}\u0000${a.to}`) ?? 0) - (order.get(`${b.name}\u0000${b.from}\u0000${b.to}`) ?? 0));
  return { nodes: probes.nodes, mtu, outcomes };
}

/** Deletes the test namespace (and with it every probe); waits for it to go unless `wait` is false. */
export async function cleanUp(cluster: Pick<Cluster, 'delete' | 'get'>, ns: string, opts: { wait: boolean; pollMs?: number; timeoutMs?: number }): Promise<void> {
  await cluster.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
  if (!opts.wait) return;
  const until = Date.now() + (opts.timeoutMs ?? 60_000);
  while (Date.now() < until && (await cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: ns }))) await sleep(opts.pollMs ?? 500);
}
