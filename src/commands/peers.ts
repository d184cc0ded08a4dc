/**
 * `weavectl peers` and `weavectl peers rmpeer NAME... | --gone`: the flags and the printing; the
 * flows are in src/peers/.
 */
import type { Command } from 'commander';
import { usageError } from '../errors.js';
import { listPeers, rmpeer } from '../peers/flow.js';
import { renderPeers, renderRmpeer } from '../peers/render.js';
import { openCluster } from './cluster-session.js';
import { globalsOf, reporterFor, type Globals } from './global.js';
import { optBool, optString, type OptionValues } from './option-values.js';
import { DEFAULT_CONCURRENCY, DEFAULT_EXEC_TIMEOUT, parseConcurrency, parseExecTimeout } from './status.js';

interface PeersFlags {
  concurrency: string;
  execTimeout: string;
}

interface RmpeerFlags extends PeersFlags {
  gone?: boolean;
}

function commonOptions(cmd: Command): Command {
  return cmd
    .option('--concurrency <n>', 'how many nodes to ask at the same time', String(DEFAULT_CONCURRENCY))
    .option('--exec-timeout <duration>', 'how long to wait for the answer of one node, e.g. 10s', DEFAULT_EXEC_TIMEOUT);
}

export function registerPeers(program: Command): void {
  const peers = commonOptions(
    program
      .command('peers')
      .description("List the peers of Weave Net's IPAM ring: node, whether the node still exists, which nodes reach it, the addresses it owns"),
  )
    .addHelpText(
      'after',
      `
Examples:
  # Every peer that owns addresses; a deleted node's peer shows as "no (gone)"
  weavectl peers

  # For a script
  weavectl peers -o json

  # Give the addresses of peers whose nodes are gone back to the ring (preview first)
  weavectl peers rmpeer --gone --dry-run
  weavectl peers rmpeer --gone`,
    )
    .action(async (opts: OptionValues, command: Command) => {
      await runPeers(peersOptionsOf(opts), globalsOf(command));
    });
  peers
    .command('rmpeer')
    .description("Reclaim the addresses of peers whose node is gone: runs 'weave --local rmpeer' once, in one healthy weave-net pod")
    .argument('[names...]', 'peer names (MAC addresses) or nicknames (node names)')
    .option('--gone', 'every peer whose node is gone from the API and that no node reaches')
    .addHelpText(
      'after',
      `
Examples:
  # What would be reclaimed, changing nothing
  weavectl peers rmpeer --gone --dry-run

  # One peer, by node name or peer name
  weavectl peers rmpeer k8s-vm7
  weavectl peers rmpeer 02:6a:1f:8e:0c:3d

A peer is removed only when its node is absent from the API, no node reaches it, and every
weave-net pod answered; otherwise nothing is changed and the exit code is 1. Removing a live peer
would make two peers hand out the same addresses. --concurrency and --exec-timeout are the ones of
"peers" (see weavectl peers --help).`,
    )
    .action(async (names: string[], opts: OptionValues, command: Command) => {
      // --concurrency and --exec-timeout are declared once, on "peers", and parsed wherever they stand.
      const gone = optBool(opts, 'gone');
      await runRmpeer(names, { ...peersOptionsOf(command.parent!.opts()), ...(gone !== undefined ? { gone } : {}) }, globalsOf(command));
    });
}

/** The flags as typed options (their values are checked before the cluster is asked anything). */
export function peersOptionsOf(o: OptionValues): PeersFlags {
  return { concurrency: optString(o, 'concurrency') ?? String(DEFAULT_CONCURRENCY), execTimeout: optString(o, 'execTimeout') ?? DEFAULT_EXEC_TIMEOUT };
}

function options(f: PeersFlags, g: Globals) {
  return { namespace: g.namespace, concurrency: parseConcurrency(f.concurrency), execTimeoutMs: parseExecTimeout(f.execTimeout) };
}

async function runPeers(f: PeersFlags, g: Globals): Promise<void> {
  const opts = options(f, g);
  if (g.output === 'yaml') throw usageError('peers prints text or -o json');
  const reporter = reporterFor(g);
  if (g.dryRun !== 'none') reporter.warn('peers only reads the cluster: --dry-run has no effect');
  const cluster = await openCluster(g, reporter);
  try {
    const report = await listPeers(cluster, opts, reporter);
    if (g.output === 'json') reporter.document(JSON.stringify(report, null, 2));
    else reporter.data(renderPeers(report, reporter.cData));
  } finally {
    cluster.close();
  }
}

async function runRmpeer(names: string[], f: RmpeerFlags, g: Globals): Promise<void> {
  if (names.length === 0 && !f.gone) throw usageError('peers rmpeer needs peer names or --gone', 'e.g. weavectl peers rmpeer --gone --dry-run');
  if (names.length > 0 && f.gone) throw usageError('peers rmpeer takes peer names or --gone, not both');
  if (g.dryRun === 'server') throw usageError('peers rmpeer --dry-run=server is not possible: weave has no dry run; use --dry-run (client)');
  if (g.output === 'yaml') throw usageError('peers rmpeer prints text or -o json');
  const opts = options(f, g);
  const reporter = reporterFor(g);
  const cluster = await openCluster(g, reporter);
  try {
    const outcome = await rmpeer(cluster, f.gone ? { gone: true } : { names }, { ...opts, dryRun: g.dryRun === 'client' }, reporter);
    if (g.output === 'json') reporter.document(JSON.stringify(outcome, null, 2));
    else {
      if (outcome.reclaimed.length === 0) reporter.info("No peer to reclaim: every peer that owns addresses runs, or its node still exists, or some node reaches it");
      reporter.data(renderRmpeer(outcome, reporter.cData));
    }
  } finally {
    cluster.close();
  }
}
