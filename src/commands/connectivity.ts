/**
 * `weavectl connectivity test`: the flags, and the wiring of the flow (src/connectivity/run.ts) to
 * the reporter, Ctrl-C, --timeout and the clean-up. Results on stdout (a line per test as it
 * finishes, the node × node grid, a summary), or with -o json|yaml one document at the end.
 * Exit code 1 when a test failed; 2 for a bad flag.
 */
import { Option, type Command } from 'commander';
import { EXIT_FAILURE, errorText, failure, usageError } from '../errors.js';
import { validateImageRegistry } from '../manifest/net-settings.js';
import { printResult } from '../output/print.js';
import { parseBool } from './bool-flag.js';
import { openCluster } from './cluster-session.js';
import { withExitCode } from './exit-code.js';
import { globalsOf, parseNamespace, reporterFor, type Globals } from './global.js';
import { optBool, optList, optString, type OptionValues } from './option-values.js';
import { DEFAULT_CONCURRENCY, parseConcurrency } from './status.js';

interface ConnectivityFlags {
  testNamespace: string;
  include: string[];
  allPairs: boolean;
  cleanup: boolean;
  imageRegistry?: string;
  concurrency: string;
}

/** The flags as typed values (checked by runConnectivityCommand before the cluster is asked anything). */
export function connectivityFlagsOf(o: OptionValues): ConnectivityFlags {
  const registry = optString(o, 'imageRegistry');
  return {
    testNamespace: optString(o, 'testNamespace') ?? 'weavectl-test',
    include: optList(o, 'include') ?? [],
    allPairs: optBool(o, 'allPairs') ?? false,
    cleanup: optBool(o, 'cleanup') ?? true,
    ...(registry !== undefined ? { imageRegistry: registry } : {}),
    concurrency: optString(o, 'concurrency') ?? String(DEFAULT_CONCURRENCY),
  };
}

/** Time kept after --timeout for removing the probes (run.ts's watchdog ends the command 5 s after it). */
const CLEANUP_GRACE_MS = 4_000;

export function registerConnectivity(program: Command): void {
  const connectivity = program
    .command('connectivity')
    .description('Prove the pod network works: pod to pod on and across nodes, Services, DNS, host to pod, the MTU, NetworkPolicy')
    .addHelpText(
      'after',
      `
Examples:
  # Deploy probes on every node, test, show the node × node grid, remove the probes
  weavectl connectivity test

  # ... every pair of nodes, NetworkPolicy included, as JSON
  weavectl connectivity test --all-pairs --include policy -o json`,
    );
  connectivity
    .command('test')
    .description('Deploy probe pods on every node, test the network between them, show a node × node grid, remove them')
    .option('--test-namespace <name>', 'the namespace the probes run in (created, and deleted at the end)', 'weavectl-test')
    .addOption(new Option('--include <tests>', 'extra tests: policy (an isolating policy denies, an allow rule admits, on the running release\'s semantics)').argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), ...v.split(',')]).default([]))
    .option('--all-pairs', 'test every pair of nodes (default: each node with itself and two others)')
    .addOption(new Option('--cleanup [bool]', 'remove the probes at the end (--cleanup=false keeps them to look at)').argParser(parseBool('--cleanup')).default(true))
    .option('--image-registry <registry>', 'pull the probe image (nicolaka/netshoot) from this registry mirror')
    .option('--concurrency <n>', 'how many tests to run at the same time', String(DEFAULT_CONCURRENCY))
    .addHelpText(
      'after',
      `
Tests: pod-to-pod (same node and across nodes), host-to-pod (a host-network pod), df-ping (a
don't-fragment ping sized to the running WEAVE_MTU: catches MTU black holes), pod-to-service (the
ClusterIP), pod-to-dns (the Service's name); with --include policy, policy-deny and policy-allow.

Examples:
  # Test the network; exit code 1 when a test fails
  weavectl connectivity test

  # Every pair of nodes, and NetworkPolicy enforcement
  weavectl connectivity test --all-pairs --include policy

  # For a script; keep the probes afterwards to look at them
  weavectl connectivity test -o json --cleanup=false

  # Air-gapped: the probe image from a mirror, in another namespace
  weavectl connectivity test --image-registry registry.corp:5000/mirror --test-namespace net-probe`,
    )
    .action(withExitCode(async (opts: OptionValues, command: Command) => runConnectivityCommand(connectivityFlagsOf(opts), globalsOf(command))));
}

/** Exit code 1 when a test failed (the results are printed either way). */
async function runConnectivityCommand(f: ConnectivityFlags, g: Globals): Promise<number> {
  const ns = parseNamespace(f.testNamespace);
  const include = new Set<'policy'>();
  for (const v of f.include.map((s) => s.trim()).filter(Boolean)) {
    if (v !== 'policy') throw usageError(`invalid --include "${v}": the extra tests are: policy`);
    include.add(v);
  }
  const concurrency = parseConcurrency(f.concurrency);
  const registry = f.imageRegistry === undefined ? undefined : validateImageRegistry(f.imageRegistry);
  if (g.dryRun !== 'none') throw usageError('connectivity test deploys probes to test with: it has no --dry-run');
  const reporter = reporterFor(g);
  const [{ runConnectivity, cleanUp }, { probeImage }, render, { readSemantics }] = await Promise.all([
    import('../connectivity/run.js'),
    import('../connectivity/workloads.js'),
    import('../connectivity/render.js'),
    import('../policy/cluster.js'),
  ]);
  const text = g.output === 'text';
  // The cluster may outlive --timeout by the clean-up's grace: the tests stop at the deadline itself.
  const cluster = await openCluster({ ...g, deadline: g.deadline === Infinity ? Infinity : g.deadline + CLEANUP_GRACE_MS }, reporter);
  const abort = new AbortController();
  let why: 'interrupted' | 'timed out' | undefined;
  const onSignal = () => {
    why ??= 'interrupted';
    abort.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const timer = g.deadline === Infinity ? undefined : setTimeout(() => {
    why ??= 'timed out';
    abort.abort();
  }, Math.max(0, g.deadline - Date.now()));
  let deployed = false;
  try {
    const run = await runConnectivity(
      cluster,
      {
        testNamespace: ns,
        image: probeImage(registry),
        allPairs: f.allPairs,
        include,
        concurrency,
        signal: abort.signal,
        onDeploy: () => {
          deployed = true;
        },
        onOutcome: (o) => {
          if (text) reporter.data(render.testLine(o, reporter.cData));
        },
        onProgress: (line) => {
          if (reporter.mode === 'tty') reporter.progress('connectivity', line);
        },
        semantics: async () => {
          const s = await readSemantics(cluster, reporter);
          return { legacy: s.legacy, npcDisabled: s.weave.npc === 'disabled', reason: s.reason, ...(s.unenforceable ? { unenforceable: s.unenforceable } : {}) };
        },
      },
      reporter,
    );
    reporter.endProgress();
    if (why) throw failure(`${why} before the tests finished (${run.outcomes.length} done)${f.cleanup ? '; the probes are being removed' : ''}`, why === 'timed out' ? 'raise --timeout' : undefined);
    const doc = render.connectivityJson(run.outcomes);
    const line = (t: string) => (t.endsWith('\n') ? t : `${t}\n`);
    await printResult(reporter, g.output, {
      json: () => doc,
      text: () =>
        line(`\nNode × node (pod-to-pod, host-to-pod, df-ping at ${run.mtu} bytes; ✓ passed, ✗ failed, · not tested):\n`) +
        line(render.renderGrid(run.nodes, run.outcomes, reporter.cData)) +
        render.summaryLine(run.outcomes),
    });
    if (!doc.success) {
      const pairs = render.failedPairs(run.outcomes);
      reporter.error(`connectivity test failed between ${pairs.join('; ')}`);
      return EXIT_FAILURE;
    }
    return 0;
  } finally {
    clearTimeout(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    reporter.endProgress();
    if (deployed && f.cleanup) {
      try {
        await cleanUp(cluster, ns, { wait: !why, ...(why ? {} : { timeoutMs: 60_000 }) });
        reporter.info(`Removed the probes (namespace ${ns})`);
      } catch (err) {
        reporter.warn(`could not remove namespace ${ns}: ${errorText(err)}; remove it with kubectl delete namespace ${ns}`);
      }
    } else if (deployed) {
      reporter.info(`The probes stay in namespace ${ns} (--cleanup=false); remove them with kubectl delete namespace ${ns}`);
    }
    cluster.close();
  }
}
