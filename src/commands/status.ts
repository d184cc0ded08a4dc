/**
 * `weavectl status`: the weave-net DaemonSet, then what weave itself says on every node (by exec
 * into the `weave` container: `weave --local status`, `status ipam`, `status connections` and the
 * bridge address), one row per node, problems with hints.
 *
 * Exit code: 0 when Weave Net is healthy (warnings, such as an unreachable peer that still owns
 * addresses, allowed); 1 when the DaemonSet is missing or not fully ready, or any node has an
 * error (no pod, pod not ready, weave could not be read or timed out, IPAM without consensus,
 * too few peer connections, weave-npc not running), or the nodes disagree on the IP range.
 */
import type { Command } from 'commander';
import { EXIT_FAILURE, usageError } from '../errors.js';
import { collectStatus } from '../status/collect.js';
import type { StatusReport } from '../status/model.js';
import { renderStatus } from '../status/render.js';
import { parseDuration } from '../util/duration.js';
import { openCluster } from './cluster-session.js';
import { globalsOf, reporterFor, type Globals } from './global.js';
import { optList, optString, type OptionValues } from './option-values.js';

interface StatusFlags {
  node?: string[];
  concurrency: string;
  execTimeout: string;
}

export const DEFAULT_CONCURRENCY = 10;
export const MAX_CONCURRENCY = 200;
export const DEFAULT_EXEC_TIMEOUT = '10s';


export function registerStatus(program: Command): void {
  program
    .command('status')
    .description("Show Weave Net's state on every node: pod, version, bridge address, share of the IP range, peer connections, weave-npc")
    .option('--node <name>', 'only this node (repeatable)', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--concurrency <n>', 'how many nodes to ask at the same time', String(DEFAULT_CONCURRENCY))
    .option('--exec-timeout <duration>', 'how long to wait for the answers of one node, e.g. 10s', DEFAULT_EXEC_TIMEOUT)
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

Exit codes: 0 healthy (warnings allowed), 1 the DaemonSet is missing or not ready, or a node has an error.`,
    )
    .action(async (opts: OptionValues, command: Command) => {
      await runStatus(statusOptionsOf(opts), globalsOf(command));
    });
}

/** The flags as typed options (their values are checked by runStatus, before the cluster is asked anything). */
export function statusOptionsOf(o: OptionValues): StatusFlags {
  const node = optList(o, 'node');
  return { ...(node !== undefined ? { node } : {}), concurrency: optString(o, 'concurrency') ?? String(DEFAULT_CONCURRENCY), execTimeout: optString(o, 'execTimeout') ?? DEFAULT_EXEC_TIMEOUT };
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


async function runStatus(f: StatusFlags, g: Globals): Promise<void> {
  const concurrency = parseConcurrency(f.concurrency);
  const execTimeoutMs = parseExecTimeout(f.execTimeout);
  const reporter = reporterFor(g);
  if (g.dryRun !== 'none') reporter.warn('status only reads the cluster: --dry-run has no effect');
  const cluster = await openCluster(g, reporter);
  let report: StatusReport;
  try {
    report = await collectStatus(cluster, { namespace: g.namespace, nodes: f.node ?? [], concurrency, execTimeoutMs }, reporter);
  } finally {
    cluster.close();
  }
  if (g.output === 'json') reporter.document(JSON.stringify(report, null, 2));
  else if (g.output === 'yaml') {
    const { stringify } = await import('yaml');
    reporter.document(stringify(report));
  } else {
    // On a terminal the table fits its width (columns give way before a line wraps); a pipe gets it whole.
    const width = process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : undefined;
    reporter.data(renderStatus(report, reporter.cData, width === undefined ? {} : { width }));
  }
  if (!report.healthy) {
    if (g.output !== 'text') {
      const errors = report.problems.filter((p) => p.severity === 'error').length;
      reporter.error(`Weave Net is not healthy: ${errors} error${errors === 1 ? '' : 's'} (see "problems")`);
    }
    process.exitCode = EXIT_FAILURE;
  }
}
