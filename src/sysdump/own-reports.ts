/**
 * weavectl's own view for the sysdump: what `weavectl version -o json`, `status -o json` and
 * `check -o json` print, computed in process with the same code (their progress lines discarded).
 */
import { Writable } from 'node:stream';
import type { KubeCluster } from '../cluster/kube-cluster.js';
import { Reporter } from '../output/reporter.js';
import type { OwnReports } from './collect.js';

function silentReporter(): Reporter {
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  return new Reporter({ stdout: sink, stderr: sink, color: false, env: {} });
}

export function ownReports(cluster: KubeCluster, opts: { namespace: string; nodes: string[]; concurrency: number; execTimeoutMs: number }): OwnReports {
  return {
    'version.json': async () => {
      const { clientVersion, clusterVersions } = await import('../commands/version.js');
      return `${JSON.stringify({ client: clientVersion(), ...(await clusterVersions(cluster, opts.namespace)) }, null, 2)}\n`;
    },
    'status.json': async () => {
      const { collectStatus } = await import('../status/collect.js');
      const report = await collectStatus(cluster, opts, silentReporter());
      return `${JSON.stringify(report, null, 2)}\n`;
    },
    'check.json': async () => {
      const [{ CheckContext, runChecks }, { renderCheckJson }, { healthChecks }] = await Promise.all([
        import('../check/framework.js'),
        import('../check/render.js'),
        import('../check/lists.js'),
      ]);
      const report = await runChecks(healthChecks(), new CheckContext({ cluster, namespace: opts.namespace, allowRangeChange: false }));
      return renderCheckJson(report);
    },
  };
}
