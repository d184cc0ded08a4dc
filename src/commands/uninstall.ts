/**
 * `weavectl uninstall [--scope]` (the flags, their options and the call; the flow is
 * src/uninstall/run.ts): deletes what `weavectl install` (and `weavectl scope`, and the
 * upstream manifests of every release) created, one kubectl-style line per object, waits for the
 * pods to go, then says what stays on the nodes and how to remove it (src/uninstall/plan.ts).
 *
 * On a terminal it asks before deleting a running pod network (--yes skips; a pipe or CI never
 * asks, as kubectl delete); "no" changes nothing and exits 0. Objects that are not there are "not
 * found (already gone)", not errors; kinds the cluster does not serve are skipped. -o json prints
 * one document at the end (objects, what is kept, what stays on the nodes); -o name the deleted objects. --dry-run=client lists what
 * would be deleted (it reads the cluster, deletes nothing); --dry-run=server sends the deletes
 * with dryRun=All. Exit code 1 when a delete failed or the pods did not go within --timeout.
 */
import { Option, type Command } from 'commander';
import { askOnTerminal } from '../output/ask.js';
import { uninstall } from '../uninstall/run.js';
import { parseBool } from './bool-flag.js';
import { openCluster } from './cluster-session.js';
import { globalsOf, reporterFor, type Globals } from './global.js';
import { optBool, type OptionValues } from './option-values.js';

interface UninstallFlags {
  scope?: boolean;
  wait: boolean;
  yes?: boolean;
}

/** The flags as typed options. */
function uninstallOptionsOf(o: OptionValues): UninstallFlags {
  const scope = optBool(o, 'scope');
  const yes = optBool(o, 'yes');
  return { ...(scope !== undefined ? { scope } : {}), wait: optBool(o, 'wait') ?? true, ...(yes !== undefined ? { yes } : {}) };
}

export function registerUninstall(program: Command): void {
  program
    .command('uninstall')
    .description('Delete Weave Net (and with --scope, Weave Scope) from the cluster, then say what stays on the nodes')
    .option('--scope', 'uninstall Weave Scope too (namespace weave, or its objects in the Weave Net namespace)')
    .addOption(new Option('--wait [bool]', 'wait for the pods to be gone (--wait=false to skip)').argParser(parseBool('--wait')).default(true))
    .option('-y, --yes', 'delete without asking (a pipe or CI never asks)')
    .addHelpText(
      'after',
      `
Examples:
  # See what would be deleted, delete nothing
  weavectl uninstall --dry-run=client

  # Weave Net and Weave Scope, waiting up to 2 minutes for the pods to go
  weavectl uninstall --scope --timeout 2m

  # From a script on a terminal, without the question
  weavectl uninstall --yes

The Secret holding WEAVE_PASSWORD (install --password-secret) is yours and is kept.
Files, interfaces and iptables rules on the nodes stay: the command prints how to remove them.`,
    )
    .action(async (_opts: unknown, command: Command) => {
      await runUninstall(uninstallOptionsOf(command.opts()), globalsOf(command));
    });
}


async function runUninstall(f: UninstallFlags, g: Globals): Promise<void> {
  const reporter = reporterFor(g);
  const cluster = await openCluster(g, reporter);
  try {
    await uninstall(
      cluster,
      {
        namespace: g.namespace,
        scope: Boolean(f.scope),
        dryRun: g.dryRun,
        wait: f.wait,
        timeoutMs: g.timeoutMs,
        deadline: g.deadline,
        output: g.output,
        confirm: (what) => askOnTerminal(`Delete ${what}? The pods of this cluster lose their network until another network plugin runs. [y/N] `, f, g, reporter),
      },
      reporter,
    );
  } finally {
    cluster.close();
  }
}

