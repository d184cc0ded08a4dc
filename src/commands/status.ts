/**
 * `weavectl status`: the weave-net DaemonSet, then what weave itself says on every node (by exec
 * into the `weave` container: `weave --local status`, a report digest of its connections and IPAM
 * ring (src/status/digest.ts) and the bridge address), one row per node, problems with hints.
 *
 * Exit code: 0 when Weave Net is healthy (warnings, such as an unreachable peer that still owns
 * addresses, allowed); 1 when the DaemonSet is missing or not fully ready, or any node has an
 * error (no pod, pod not ready, weave could not be read or timed out, IPAM without consensus,
 * too few peer connections, weave-npc not running), or the nodes disagree on the IP range (or on
 * encryption). A node pair whose connection fell back to sleeve is a warning (src/status/datapath.ts).
 *
 * --wait: read again every few seconds until healthy, bounded by --timeout (src/status/wait.ts).
 */
import { Option, type Command } from 'commander';
import { EXIT_FAILURE, failure, usageError } from '../errors.js';
import { collectStatus } from '../status/collect.js';
import type { StatusReport } from '../status/model.js';
import { renderStatus } from '../status/render.js';
import { formatDuration, parseDuration } from '../util/duration.js';
import { unhealthyLine, waitUntilHealthy } from '../status/wait.js';
import { parseBool } from './bool-flag.js';
import { openCluster } from './cluster-session.js';
import { withExitCode } from './exit-code.js';
import { printResult } from '../output/print.js';
import { globalsOf, reporterFor, type Globals } from './global.js';
import { optBool, optList, optString, type OptionValues } from './option-values.js';

interface StatusFlags {
  node?: string[];
  /** Undefined: autoConcurrency (src/status/collect.ts). */
  concurrency?: string;
  execTimeout: string;
  wait: boolean;
}

/** status --wait: between two reads. */
export const WAIT_INTERVAL_MS = 2_000;

/** --concurrency of the commands that ask every node (peers, connectivity test); status adapts its own (autoConcurrency). */
export const DEFAULT_CONCURRENCY = 10;
export const MAX_CONCURRENCY = 200;
export const DEFAULT_EXEC_TIMEOUT = '10s';


export function registerStatus(program: Command): void {
  program
    .command('status')
    .description("Show Weave Net's state on every node: pod, version, bridge address, share of the IP range, peer connections, weave-npc")
    .option('--node <name>', 'only this node (repeatable)', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--concurrency <n>', 'how many nodes to ask at the same time (default: 10, and one more per 100 nodes beyond 1,000, at most 40)')
    .option('--exec-timeout <duration>', 'how long to wait for the answers of one node, e.g. 10s', DEFAULT_EXEC_TIMEOUT)
    .addOption(new Option('--wait [bool]', 'read again every 2s until Weave Net is healthy, at most --timeout (default 5m)').argParser(parseBool('--wait')).default(false))
    .addHelpText(
      'after',
      `
Examples:
  # Every node, as a table; exit code 1 when something is wrong
  weavectl status

  # Two nodes only, for a script
  weavectl status --node node-1 --node node-2 -o json

  # A big cluster: ask 50 nodes at a time, give each 30s
  weavectl status --concurrency 50 --exec-timeout 30s

  # After an install or a change: wait until healthy, at most 10 minutes
  weavectl status --wait --timeout 10m

Exit codes: 0 healthy (warnings allowed), 1 the DaemonSet is missing or not ready, or a node has an error.`,
    )
    .action(withExitCode(async (opts: OptionValues, command: Command) => runStatus(statusOptionsOf(opts), globalsOf(command))));
}

/** The flags as typed options (their values are checked by runStatus, before the cluster is asked anything). */
export function statusOptionsOf(o: OptionValues): StatusFlags {
  const node = optList(o, 'node');
  const concurrency = optString(o, 'concurrency');
  return {
    ...(node !== undefined ? { node } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    execTimeout: optString(o, 'execTimeout') ?? DEFAULT_EXEC_TIMEOUT,
    wait: optBool(o, 'wait') ?? false,
  };
}

export function parseConcurrency(text: string): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) {
    throw usageError(`invalid --concurrency "${text}": must be a whole number from 1 to ${MAX_CONCURRENCY}`);
  }
  return n;
}

export function parseExecTimeout(text: string): number {
  const ms = parseDuration(text, '--exec-timeout');
  if (ms <= 0) throw usageError(`invalid --exec-timeout "${text}": must be more than 0`, 'e.g. --exec-timeout 10s');
  return ms;
}


/** Exit code 1 when Weave Net is not healthy (the report is printed either way). */
async function runStatus(f: StatusFlags, g: Globals): Promise<number> {
  const concurrency = f.concurrency === undefined ? undefined : parseConcurrency(f.concurrency);
  const execTimeoutMs = parseExecTimeout(f.execTimeout);
  const reporter = reporterFor(g);
  if (g.dryRun !== 'none') reporter.warn('status only reads the cluster: --dry-run has no effect');
  const cluster = await openCluster(g, reporter);
  const collect = () => collectStatus(cluster, { namespace: g.namespace, nodes: f.node ?? [], ...(concurrency !== undefined ? { concurrency } : {}), execTimeoutMs, deadline: g.deadline }, reporter);
  let report: StatusReport;
  let gaveUp: string | undefined;
  try {
    if (!f.wait) report = await collect();
    else {
      const abort = new AbortController();
      const onSigint = () => abort.abort();
      process.once('SIGINT', onSigint);
      try {
        const r = await waitUntilHealthy(collect, {
          deadline: g.deadline,
          intervalMs: WAIT_INTERVAL_MS,
          signal: abort.signal,
          onAttempt: (a) => {
            if (a.report?.healthy) return;
            reporter.progress('status-wait', `Waiting for Weave Net to be healthy: ${a.report ? unhealthyLine(a.report) : `cannot read it (${a.error instanceof Error ? a.error.message : String(a.error)})`}`);
          },
        });
        reporter.endProgress();
        if (!r.report) throw r.error;
        report = r.report;
        if (!r.healthy) gaveUp = `Weave Net was not healthy ${abort.signal.aborted ? 'when interrupted' : `within --timeout ${formatDuration(g.timeoutMs)}`}: ${unhealthyLine(report)}`;
      } finally {
        process.off('SIGINT', onSigint);
      }
    }
  } finally {
    cluster.close();
  }
  await printResult(reporter, g.output, {
    json: () => report,
    text: () => {
      // On a terminal the table fits its width (columns give way before a line wraps); a pipe gets it whole.
      const width = process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : undefined;
      return renderStatus(report, reporter.cData, width === undefined ? {} : { width });
    },
  });
  if (gaveUp) throw failure(gaveUp, 'weavectl status shows every problem with its hint');
  if (!report.healthy) {
    if (g.output !== 'text') {
      const errors = report.problems.filter((p) => p.severity === 'error').length;
      reporter.error(`Weave Net is not healthy: ${errors} error${errors === 1 ? '' : 's'} (see "problems")`);
    }
    return EXIT_FAILURE;
  }
  return 0;
}
