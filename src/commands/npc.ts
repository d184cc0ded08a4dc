/**
 * `weavectl npc rules [--node NODE]`: weave-npc's iptables chains on one node, each rule followed by
 * what it means and what its ipsets hold. Finds the weave-net pod on the node (default: the first
 * Ready one), runs `iptables-save -t filter` (falling back to `iptables-save`) and `ipset list` in
 * its weave-npc container, reads pods, namespaces and policies for names, and decodes with the
 * policy core. Both comment formats of weave-npc (2.4+ "(ingress)" and the older plain one) are read.
 */
import type { Command } from 'commander';
import type { KubeCluster } from '../cluster/kube-cluster.js';
import type { ExecResult, KubeObject } from '../cluster/types.js';
import { errorText, failure } from '../errors.js';
import { podIsReadyAndNotTerminating } from '../kube/pods.js';
import type { Reporter } from '../output/reporter.js';
import type { Namespace, NetworkPolicy, NpcRulesReport, Pod } from '../policy/index.js';
import { openCluster } from './cluster-session.js';
import { printResult } from '../output/print.js';
import { globalsOf, reporterFor, type Globals } from './global.js';
import { NPC_CONTAINER } from '../weave/names.js';

interface RulesFlags {
  node?: string;
}

/** The -o json shape of `npc rules`: the decoded report, and where it was read. */
export interface NpcRulesResult extends NpcRulesReport {
  node: string;
  pod: string;
  /** The command whose output was decoded. */
  iptablesCommand: string;
  /** False when `ipset list` could not be read (set members and names are then unknown). */
  ipsets: boolean;
  /** The release of the pod's weave-npc image ("weaveworks 2.0.5"), which decides what its rules mean; null when its tag does not say. */
  release: string | null;
  semantics: 'standard' | 'legacy';
  semanticsReason: string;
}

export function registerNpc(program: Command): void {
  const npc = program
    .command('npc')
    .description("Look at what weave-npc (Weave Net's NetworkPolicy controller) enforces on the nodes")
    .addHelpText(
      'after',
      `
Examples:
  # weave-npc's chains on the first Ready node, every rule and ipset explained
  weavectl npc rules`,
    );
  npc
    .command('rules')
    .description("weave-npc's iptables chains on a node, every rule and ipset explained with the namespaces, selectors and pods behind them")
    .option('--node <name>', 'the node to read (default: the first node with a Ready weave-net pod)')
    .addHelpText(
      'after',
      `
Examples:
  # The chains on the first Ready node: WEAVE-NPC-DEFAULT's "DefaultAllow ... namespace: prod" rules,
  # WEAVE-NPC-INGRESS's one rule per policy rule, with the pods each set holds
  weavectl npc rules

  # One node, for a script
  weavectl npc rules --node k8s-vm2 -o json

Weave Net's namespace is kube-system unless -n says otherwise. weave-npc names its ipsets by a hash
(weave-z~y01unAQHA]WxHG!ALB)5]}s); the rule comments and the cluster's objects say what each holds.`,
    )
    .action(async (opts: RulesFlags, command: Command) => {
      await runRules(opts, globalsOf(command));
    });
  for (const cmd of npc.commands) cmd.exitOverride().showSuggestionAfterError(true);
}

function firstLine(r: ExecResult): string {
  const text = (r.stderr || r.stdout).trim().split('\n')[0]?.trim() ?? '';
  return text === '' ? `exit code ${r.exitCode}` : text;
}


async function choosePod(cluster: KubeCluster, namespace: string, node: string | undefined): Promise<KubeObject> {
  const { listWeavePods } = await import('../policy/cluster.js');
  const pods = await listWeavePods(cluster, namespace);
  if (pods.length === 0) {
    throw failure(`no weave-net pods in namespace ${namespace}`, 'is Weave Net installed there? weavectl status shows it; -n names another namespace');
  }
  const nodes = () => [...new Set(pods.map((p) => String(p.spec?.nodeName ?? '')).filter(Boolean))].join(', ');
  if (node !== undefined) {
    const pod = pods.find((p) => p.spec?.nodeName === node);
    if (!pod) throw failure(`no weave-net pod on node "${node}"`, `weave-net runs on: ${nodes()}`);
    if (pod.status?.phase !== 'Running') {
      throw failure(`weave-net pod ${namespace}/${pod.metadata.name} on node ${node} is not running (${String(pod.status?.phase ?? 'no phase')})`, 'weavectl status says why');
    }
    return pod;
  }
  const ready = pods.find(podIsReadyAndNotTerminating);
  if (!ready) throw failure(`no weave-net pod in ${namespace} is Ready`, 'weavectl status says why; --node reads a node anyway');
  return ready;
}

async function runRules(f: RulesFlags, g: Globals): Promise<void> {
  const reporter = reporterFor(g);
  const [{ decodeNpcRules, renderNpcRules }, session] = await Promise.all([import('../policy/index.js'), import('../policy/cluster.js')]);
  const cluster = await openCluster(g, reporter);
  try {
    const pod = await choosePod(cluster, g.namespace, f.node);
    const ref = { namespace: g.namespace, name: pod.metadata.name };
    const node = String(pod.spec?.nodeName ?? '');
    const containers = ((pod.spec?.containers ?? []) as { name?: string }[]).map((c) => c?.name);
    if (!containers.includes(NPC_CONTAINER)) {
      throw failure(`pod ${ref.namespace}/${ref.name} has no ${NPC_CONTAINER} container: Weave Net runs without NetworkPolicy enforcement (disable-npc)`);
    }
    const exec = async (argv: string[]): Promise<ExecResult | { error: string }> => {
      try {
        return await cluster.exec(ref, NPC_CONTAINER, argv);
      } catch (err) {
        return { error: errorText(err) };
      }
    };
    // iptables-save of old images may not take -t: fall back to the whole output (the decoder keeps the filter table).
    let iptablesCommand = 'iptables-save -t filter';
    let saved = await exec(['iptables-save', '-t', 'filter']);
    if ('error' in saved || saved.exitCode !== 0) {
      reporter.debug(`iptables-save -t filter: ${'error' in saved ? saved.error : firstLine(saved)}; trying iptables-save`);
      iptablesCommand = 'iptables-save';
      saved = await exec(['iptables-save']);
    }
    if ('error' in saved || saved.exitCode !== 0) {
      throw failure(`cannot read iptables in ${ref.namespace}/${ref.name} (${NPC_CONTAINER}) on node ${node}: ${'error' in saved ? saved.error : firstLine(saved)}`);
    }
    const sets = await exec(['ipset', 'list']);
    let ipsetList: string | undefined;
    if ('error' in sets || sets.exitCode !== 0) {
      reporter.warn(`cannot read ipsets on node ${node} (${'error' in sets ? sets.error : firstLine(sets)}): set members are not shown`);
    } else {
      ipsetList = sets.stdout;
    }

    // Names for the hashes: what the cluster holds. Not fatal when RBAC forbids a list.
    const [objects, k8s, served] = await Promise.all([readObjects(cluster, reporter, session), session.serverVersion(cluster), session.servedNetpolApis(cluster)]);
    const report = decodeNpcRules({ iptablesSave: saved.stdout, ...(ipsetList !== undefined ? { ipsetList } : {}), ...objects });
    // The pod's own weave-npc image decides what its rules mean (during a rollout it may differ from the DaemonSet's).
    const info = session.weaveNpcInfoOf({ ...pod, spec: { template: { spec: pod.spec } } } as KubeObject, `${ref.namespace}/${ref.name}`);
    const sem = session.semanticsOf(k8s, info, served);
    reporter.info(`weave-npc on node ${node} (pod ${ref.namespace}/${ref.name}): ${sem.legacy ? 'legacy' : 'standard'} semantics, ${session.decidedByLine(sem)}`);
    if (sem.unenforceable) reporter.warn(sem.unenforceable);
    const out = (): NpcRulesResult => ({
      node,
      pod: `${ref.namespace}/${ref.name}`,
      iptablesCommand,
      ipsets: ipsetList !== undefined,
      release: sem.release ?? null,
      semantics: sem.legacy ? 'legacy' : 'standard',
      semanticsReason: sem.reason,
      ...report,
    });
    await printResult(reporter, g.output, { json: out, text: () => renderNpcRules(report) });
  } finally {
    cluster.close();
  }
}

async function readObjects(
  cluster: KubeCluster,
  reporter: Reporter,
  session: typeof import('../policy/cluster.js'),
): Promise<{ pods?: Pod[]; namespaces?: Namespace[]; policies?: NetworkPolicy[] }> {
  const out: Awaited<ReturnType<typeof readObjects>> = {};
  const attempt = async <T>(what: string, f: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await f();
    } catch (err) {
      reporter.warn(`cannot list ${what} (${errorText(err)}): sets are named from the rule comments only`);
      return undefined;
    }
  };
  const [pods, namespaces, policies] = await Promise.all([
    attempt('pods', () => session.listLivePods(cluster)),
    attempt('namespaces', () => session.listNamespaces(cluster)),
    attempt('NetworkPolicies', async () => session.listPolicies(cluster, await session.netpolApiVersion(cluster, await session.serverVersion(cluster)))),
  ]);
  if (pods) out.pods = pods;
  if (namespaces) out.namespaces = namespaces;
  if (policies) out.policies = policies;
  return out;
}
