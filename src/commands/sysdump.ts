/**
 * `weavectl sysdump`: the flags, the archive file and the printing; what goes in is src/sysdump/collect.ts.
 */
import { createWriteStream, existsSync, renameSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { errorText, failure, usageError } from '../errors.js';
import { writeSysdump, type SysdumpSummary } from '../sysdump/collect.js';
import { ownReports } from '../sysdump/own-reports.js';
import { SpoolDir } from '../sysdump/spool.js';
import { ZipWriter } from '../sysdump/zip.js';
import { parseDuration } from '../util/duration.js';
import { openCluster } from './cluster-session.js';
import { globalsOf, reporterFor, type Globals } from './global.js';
import { optList, optString, type OptionValues } from './option-values.js';
import { parseConcurrency, parseExecTimeout } from './status.js';

interface SysdumpFlags {
  outputFile?: string;
  node?: string[];
  since?: string;
  concurrency: string;
  execTimeout: string;
  logsLimitBytes: string;
  meshViewNodes: string;
}

export const DEFAULT_SYSDUMP_CONCURRENCY = 5;
export const DEFAULT_LOGS_LIMIT_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MESH_VIEW_NODES = 3;

export function registerSysdump(program: Command): void {
  program
    .command('sysdump')
    .description("Collect what a Weave Net bug report needs into a ZIP archive: weave's status, report, logs, iptables and routes of every node, the cluster's objects, weavectl's check and status")
    .option('--output-file <path>', 'the archive to write (default: weavectl-sysdump-<UTC time>.zip in the current folder)')
    .option('--node <name>', 'only this node (repeatable)', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--since <duration>', 'only log lines of the last DURATION, e.g. 1h (default: the whole log, up to --logs-limit-bytes)')
    .option('--concurrency <n>', 'how many nodes to read at the same time', String(DEFAULT_SYSDUMP_CONCURRENCY))
    .option('--exec-timeout <duration>', 'how long a command in a pod may go without sending anything, e.g. 30s', '30s')
    .option('--logs-limit-bytes <n>', 'the most of each container log to keep (bytes)', String(DEFAULT_LOGS_LIMIT_BYTES))
    .option('--mesh-view-nodes <n>', "how many nodes give the whole-mesh views ('weave status peers', the full report), which grow with the square of the nodes", String(DEFAULT_MESH_VIEW_NODES))
    .addHelpText(
      'after',
      `
Examples:
  # Everything, into weavectl-sysdump-<UTC time>.zip here
  weavectl sysdump

  # Two nodes, the last hour of logs, to a file of your choice
  weavectl sysdump --node k8s-vm1 --node k8s-vm2 --since 1h --output-file /tmp/weave-bug.zip

A node that cannot be read is recorded in the archive (sysdump.json, nodes/NODE/errors.txt) and the
others are collected. Passwords (WEAVE_PASSWORD, literal or from its Secret) and tokens are replaced
by "(password hidden)" in every file. Exit 0 once the archive is written; -o json prints its summary.`,
    )
    .action(async (opts: OptionValues, command: Command) => {
      await runSysdump(sysdumpOptionsOf(opts), globalsOf(command));
    });
}

/** The flags as typed options (their values are checked by runSysdump before anything is read or written). */
export function sysdumpOptionsOf(o: OptionValues): SysdumpFlags {
  const outputFile = optString(o, 'outputFile');
  const node = optList(o, 'node');
  const since = optString(o, 'since');
  return {
    ...(outputFile !== undefined ? { outputFile } : {}),
    ...(node !== undefined ? { node } : {}),
    ...(since !== undefined ? { since } : {}),
    concurrency: optString(o, 'concurrency') ?? String(DEFAULT_SYSDUMP_CONCURRENCY),
    execTimeout: optString(o, 'execTimeout') ?? '30s',
    logsLimitBytes: optString(o, 'logsLimitBytes') ?? String(DEFAULT_LOGS_LIMIT_BYTES),
    meshViewNodes: optString(o, 'meshViewNodes') ?? String(DEFAULT_MESH_VIEW_NODES),
  };
}

/** "weavectl-sysdump-20261203-142700" for a time (UTC). */
export function sysdumpName(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `weavectl-sysdump-${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
}

function positiveInt(flag: string, text: string, min: number): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw usageError(`invalid ${flag} "${text}": must be a whole number of at least ${min}`);
  return n;
}

async function runSysdump(f: SysdumpFlags, g: Globals): Promise<void> {
  const concurrency = parseConcurrency(f.concurrency);
  const execTimeoutMs = parseExecTimeout(f.execTimeout);
  const logsLimitBytes = positiveInt('--logs-limit-bytes', f.logsLimitBytes, 1);
  const meshViewNodes = positiveInt('--mesh-view-nodes', f.meshViewNodes, 0);
  let sinceSeconds: number | undefined;
  if (f.since !== undefined) {
    const ms = parseDuration(f.since, '--since');
    if (ms < 1000) throw usageError(`invalid --since "${f.since}": must be at least 1s`, 'e.g. --since 1h');
    sinceSeconds = Math.ceil(ms / 1000);
  }
  if (g.output === 'yaml' || g.output === 'name') throw usageError('sysdump prints the archive name, or its summary with -o json');
  if (g.dryRun !== 'none') throw usageError('sysdump has no dry run: it only reads the cluster and writes a local file');
  const now = new Date();
  const root = sysdumpName(now);
  const file = resolve(f.outputFile ?? `${root}.zip`);
  if (f.outputFile !== undefined && (f.outputFile === '' || f.outputFile.endsWith('/'))) throw usageError(`invalid --output-file "${f.outputFile}": name a file`);
  if (existsSync(file)) throw usageError(`${file} exists already: not overwriting it`, 'name another --output-file, or remove that file');

  const reporter = reporterFor(g);
  const cluster = await openCluster(g, reporter);
  const partial = `${file}.partial`;
  let spools: SpoolDir | undefined;
  let summary: SysdumpSummary;
  try {
    // Fail before writing anything when the cluster cannot be read at all.
    try {
      await cluster.version();
    } catch (err) {
      throw failure(`cannot read the cluster: ${errorText(err)}`, 'weavectl check shows whether the API server can be reached');
    }
    let out;
    try {
      spools = new SpoolDir(file);
      out = createWriteStream(partial, { flags: 'wx' });
      await once(out, 'open');
    } catch (err) {
      throw failure(`cannot write ${file}: ${errorText(err)}`);
    }
    reporter.info(`Writing ${basename(file)}`);
    const zip = new ZipWriter(out, { mtime: now });
    const opts = { namespace: g.namespace, nodes: f.node ?? [], concurrency, execTimeoutMs, ...(sinceSeconds !== undefined ? { sinceSeconds } : {}), logsLimitBytes, meshViewNodes, root };
    try {
      summary = await writeSysdump(cluster, zip, spools, opts, reporter, ownReports(cluster, opts));
      await zip.finish();
      out.end();
      await once(out, 'close');
      renameSync(partial, file);
    } catch (err) {
      out.destroy();
      rmSync(partial, { force: true });
      throw failure(`writing ${file} failed: ${errorText(err)}`);
    }
  } finally {
    spools?.dispose();
    cluster.close();
  }
  if (summary.nodes.failed.length > 0) {
    reporter.warn(`${summary.nodes.failed.length} of ${summary.nodes.total} nodes could not be read completely: ${summary.nodes.failed.slice(0, 5).join(', ')}${summary.nodes.failed.length > 5 ? ', ...' : ''} (the errors are in sysdump.json)`);
  } else if (summary.errors.length > 0) {
    reporter.warn(`${summary.errors.length} item${summary.errors.length === 1 ? '' : 's'} could not be collected (see sysdump.json)`);
  }
  if (g.output === 'json') reporter.document(JSON.stringify({ file, ...summary }, null, 2));
  else reporter.success(file);
  // A --node that names no node of the cluster (a typo): the archive has the rest, and the exit code says so.
  const unknown = (f.node ?? []).filter((n) => summary.errors.some((e) => e.node === n && e.what === 'node' && e.error.startsWith('no node ')));
  if (unknown.length > 0) {
    throw failure(`no node named ${unknown.join(', ')} in the cluster (--node); ${basename(file)} holds the other nodes`, 'kubectl get nodes lists the names');
  }
}
