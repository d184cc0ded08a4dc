/**
 * `weavectl scope open` and `weavectl scope status`: subcommands of `scope`. The flows are
 * src/scope/open.ts and src/scope/status.ts.
 */
import { Option, type Command } from 'commander';
import { failure } from '../errors.js';
import { formatDuration } from '../util/duration.js';
import { printResult } from '../output/print.js';
import { interrupted, runsUntilInterrupted } from '../util/until-interrupted.js';
import { DEFAULT_OPEN_ADDRESS, DEFAULT_OPEN_PORT, parseLocalPort, parseOpenAddress, startScopeOpen } from '../scope/open.js';
import { parseBool } from './bool-flag.js';
import { refuseParentFlags } from './parent-flags.js';
import { openCluster } from './cluster-session.js';
import { withExitCode } from './exit-code.js';
import { globalsOf, reporterFor } from './global.js';

export function registerScopeOpen(scope: Command): void {
  const cmd = scope
    .command('open')
    .description('Forward a local port to the Scope UI through the API server (no Service exposed), print its URL, open the browser; until Ctrl-C')
    .option('--address <ip>', `local address to listen on (default ${DEFAULT_OPEN_ADDRESS}; 0.0.0.0 for every interface)`)
    .option('--port <port>', `local port (default ${DEFAULT_OPEN_PORT}; 0 picks a free one)`)
    .addOption(new Option('--browser [bool]', 'open the URL in the browser when there is a desktop (--browser=false to skip)').argParser(parseBool('--browser')).default(true))
    .addHelpText(
      'after',
      `
Examples:
  # The Scope UI on http://127.0.0.1:4040/, in the browser; Ctrl-C stops forwarding
  weavectl scope open

  # A free port, no browser (the URL is the one line on stdout)
  weavectl scope open --port 0 --browser=false

--timeout bounds finding the Scope app and listening, not the forwarding. With basic auth on, the
credentials are in the Secret weavectl names (never printed).`,
    );
  runsUntilInterrupted(cmd).action(async (opts: Record<string, unknown>, command: Command) => {
    refuseParentFlags(command, ['port']);
    const g = globalsOf(command);
    const reporter = reporterFor(g);
    // `scope` has a --port of its own: commander gives it the value when it follows `scope open` (it is meant for open)
    const parent = (command.parent?.opts() ?? {}) as Record<string, unknown>;
    const portText = (opts.port ?? parent.port) as string | undefined;
    const address = opts.address === undefined ? DEFAULT_OPEN_ADDRESS : parseOpenAddress(String(opts.address));
    const port = portText === undefined ? DEFAULT_OPEN_PORT : parseLocalPort(portText);
    // the session runs until Ctrl-C: its requests have no deadline; --timeout bounds the setup below
    const cluster = await openCluster({ ...g, deadline: Infinity, timeoutMs: 0 }, reporter);
    try {
      let timer: NodeJS.Timeout | undefined;
      const setup = startScopeOpen(cluster, { address, port, browser: opts.browser !== false }, reporter);
      const session = await (g.timeoutMs > 0
        ? Promise.race([
            setup,
            new Promise<never>((_r, reject) => {
              timer = setTimeout(() => reject(failure(`timed out: the Scope app was not reached within --timeout ${formatDuration(g.timeoutMs)}`, 'raise --timeout, or check: weavectl scope status')), g.timeoutMs);
            }),
          ]).finally(() => clearTimeout(timer))
        : setup);
      const sig = await interrupted();
      await session.close();
      reporter.info(`Stopped forwarding (${sig})`);
    } finally {
      cluster.close();
    }
  });
}

export function registerScopeStatus(scope: Command): void {
  scope
    .command('status')
    .description("Weave Scope's rollout, how its UI is reached, basic auth, read-only probes, container runtime and --allow-from")
    .addHelpText(
      'after',
      `
Examples:
  weavectl scope status
  weavectl scope status -o json     # one JSON document

Exit code 1 when Scope is not healthy (a workload not rolled out, the basic-auth Secret missing).`,
    )
    .action(
      withExitCode(async (_opts: unknown, command: Command) => {
        refuseParentFlags(command);
        const g = globalsOf(command);
        const reporter = reporterFor(g);
        const [{ collectScopeStatus }, { renderScopeStatus }] = await Promise.all([import('../scope/status.js'), import('../scope/status-model.js')]);
        const cluster = await openCluster(g, reporter);
        let report;
        try {
          report = await collectScopeStatus(cluster, reporter);
        } finally {
          cluster.close();
        }
        const done = report;
        await printResult(reporter, g.output, { json: () => done, text: () => renderScopeStatus(done) });
        if (!report.healthy) {
          if (g.output !== 'text') reporter.error(`Weave Scope is not healthy: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} (see "problems")`);
          return 1;
        }
        return 0;
      }),
    );
}
