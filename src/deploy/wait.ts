/**
 * Waiting for workloads to roll out, with one live progress line each (install, scope, rollout-status).
 */
import type { ClusterSession } from '../cluster/types.js';
import type { Reporter } from '../output/reporter.js';
import { liveLine } from '../output/rollout-progress.js';
import type { RolloutStatus } from '../rollout/status.js';
import type { WorkloadRef } from '../rollout/workload.js';
import { remainingMs, type Deadline } from '../util/deadline.js';

/**
 * Waits for every workload at once, showing one progress line each on stderr (TTY: live; plain:
 * kubectl's messages as they change); the final "successfully rolled out" of each is a result line.
 * Fails with the first failure; returns the final status of each.
 */
export async function waitForWorkloads(cluster: ClusterSession, refs: WorkloadRef[], g: Deadline, reporter: Reporter): Promise<RolloutStatus[]> {
  const { waitForWorkload } = await import('../rollout/workload.js');
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    return await Promise.all(
      refs.map(async (ref) => {
        const key = `${ref.kind.toLowerCase()}/${ref.name}`;
        const result = await waitForWorkload({
          cluster,
          ref,
          timeoutMs: g.timeoutMs > 0 ? remainingMs(g) : 0,
          signal: abort.signal,
          onProgress: (s) => {
            if (reporter.mode === 'tty') reporter.progress(key, liveLine(ref.name, s));
            else if (!s.done) reporter.progress(key, s.message || s.error || '');
          },
          onProblems: (problems) => {
            for (const p of problems) {
              if (p.severity === 'blocking') reporter.warn(p.message);
              else if (p.severity === 'info') reporter.debug(p.message);
            }
          },
          onRetry: (r) => reporter.debug(`${r.what} of ${key} failed (${(r.error as Error)?.message ?? r.error}); retrying in ${r.delayMs} ms`),
        }).catch((err) => {
          abort.abort();
          throw err;
        });
        if (reporter.mode === 'tty') reporter.endProgress();
        reporter.success(result.status.message);
        return result.status;
      }),
    );
  } finally {
    process.off('SIGINT', onSigint);
    reporter.endProgress();
  }
}
