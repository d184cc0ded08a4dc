/**
 * `weavectl check [--pre] [--ipalloc CIDR] [--allow-range-change]`: pre-flight checks before an
 * install (--pre) or health checks of an installed Weave Net, shown like `linkerd check`.
 *
 * Output: text on stdout as the checks run (a live "checking ..." line on a TTY's stderr), or with
 * -o json / -o yaml one document at the end (shape: src/check/render.ts).
 * Exit code: 1 when a check failed, 0 when they passed, warnings or not; 2 for a bad flag.
 */
import type { Command } from 'commander';
import type { CheckReport } from '../check/framework.js';
import { EXIT_FAILURE, failure } from '../errors.js';
import { validateIpalloc } from '../net/cidr.js';
import type { Reporter } from '../output/reporter.js';
import { openCluster } from './cluster-session.js';
import { withExitCode } from './exit-code.js';
import { printResult } from '../output/print.js';
import { DEFAULT_EXEC_TIMEOUT, parseExecTimeout } from './status.js';
import { globalsOf, reporterFor, type Globals } from './global.js';
import { optBool, optString, type OptionValues } from './option-values.js';

interface CheckFlags {
  pre?: boolean;
  ipalloc?: string;
  allowRangeChange?: boolean;
}

/** The flags as typed options. */
function checkOptionsOf(o: OptionValues): CheckFlags {
  const pre = optBool(o, 'pre');
  const ipalloc = optString(o, 'ipalloc');
  const allowRangeChange = optBool(o, 'allowRangeChange');
  return { ...(pre !== undefined ? { pre } : {}), ...(ipalloc !== undefined ? { ipalloc } : {}), ...(allowRangeChange !== undefined ? { allowRangeChange } : {}) };
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('Check the cluster before installing Weave Net (--pre), or check the installed Weave Net')
    .option('--pre', 'pre-flight checks: version, permissions, other CNI plugins, address range overlaps, an existing Weave Net')
    .option('--ipalloc <cidr>', 'the pod range to check (default: the running Weave Net\'s, else 10.32.0.0/12)')
    .option('--allow-range-change', 'accept an --ipalloc that differs from the running Weave Net\'s range (a warning instead of a failure)')
    .addHelpText(
      'after',
      `
Exit code 1 when a check fails; warnings alone exit 0.

Examples:
  # Before installing: can weavectl install here, and would Weave Net work?
  weavectl check --pre

  # ... with the pod range you mean to use
  weavectl check --pre --ipalloc 172.25.64.0/18

  # Is the installed Weave Net healthy? As JSON for scripts
  weavectl check -o json`,
    )
    .action(
      withExitCode(async (_opts: unknown, command: Command) => {
        const report = await runCheckCommand(checkOptionsOf(command.opts()), globalsOf(command));
        return report.success ? 0 : EXIT_FAILURE;
      }),
    );
}

/** Runs the checks and prints them; the report says whether any failed (the caller sets the exit code). */
export async function runCheckCommand(f: CheckFlags, g: Globals, reporter: Reporter = reporterFor(g)): Promise<CheckReport> {
  let ipalloc: string | undefined;
  if (f.ipalloc !== undefined) {
    const r = validateIpalloc(f.ipalloc);
    ipalloc = r.cidr;
    for (const w of r.warnings) reporter.warn(w);
  }
  // Loaded on demand, like the cluster layer: other commands do not pay for the checks.
  const [{ CheckContext, runChecks }, { checkJson, TextCheckPrinter }, { healthChecks, preInstallChecks }] = await Promise.all([
    import('../check/framework.js'),
    import('../check/render.js'),
    import('../check/lists.js'),
  ]);
  const cluster = await openCluster(g, reporter);
  try {
    const ctx = new CheckContext({
      cluster,
      namespace: g.namespace,
      ...(ipalloc !== undefined ? { ipalloc } : {}),
      allowRangeChange: Boolean(f.allowRangeChange),
      // the mesh checks (ipam, connections, encryption, datapath) read what status reads, once
      weaveReport: async () => {
        const { collectStatus } = await import('../status/collect.js');
        return collectStatus(cluster, { namespace: g.namespace, nodes: [], execTimeoutMs: parseExecTimeout(DEFAULT_EXEC_TIMEOUT), deadline: g.deadline }, reporter);
      },
    });
    const checks = f.pre ? preInstallChecks() : healthChecks();
    const text = g.output === 'text';
    const printer = new TextCheckPrinter((t) => reporter.data(t === '' ? '\n' : t), reporter.cData);
    const report = await runChecks(
      checks,
      ctx,
      (o) => {
        if (text) printer.result(o);
      },
      (c) => {
        if (reporter.mode === 'tty') reporter.progress('check', `… ${c.description}`);
      },
    );
    reporter.endProgress();
    await printResult(reporter, g.output, {
      json: () => checkJson(report),
      text: () => {
        printer.summary(report); // the results were printed as they came; the summary line ends them
        return '';
      },
    });
    // A fatal check that failed (the API cannot be reached, the credentials are refused) means the
    // checks could not run: besides the report, the command fails as every command does, with one
    // `error:` line and its hint on stderr.
    const fatal = report.outcomes.find((o) => o.result.status === 'fail' && checks.some((c) => c.id === o.id && c.fatal));
    if (fatal) throw failure(`${fatal.result.message}; the checks could not run`, fatal.result.hint);
    if (!report.success && g.output !== 'text') {
      // As status: the document says it on stdout, stderr says it to the person running the script.
      const failed = report.outcomes.filter((o) => o.result.status === 'fail').length;
      reporter.error(`${failed} check${failed === 1 ? '' : 's'} failed (see "success" and each check's "result")`);
    }
    return report;
  } finally {
    cluster.close();
  }
}
