/** End-to-end tests: the built CLI against the Kubernetes API simulator on loopback. */
import { afterEach } from 'vitest';
import { startSimulator, type SimOptions, type Simulator } from '../sim/index.js';
import { runCli, type CliResult } from '../cli/run-cli.js';

export { snapshot } from './snapshot.js';

const running: Simulator[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

/** A simulator stopped after the test. */
export async function sim(opts: SimOptions): Promise<Simulator> {
  const s = await startSimulator(opts);
  running.push(s);
  return s;
}

/** Runs weavectl against the simulator (plain output, as in CI). */
export function weavectl(s: Simulator, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return runCli(['--kubeconfig', s.kubeconfigPath, ...args], { env: opts.env, timeoutMs: opts.timeoutMs ?? 60_000 });
}

/**
 * The lines of kubectl's DaemonSet rollout messages in the order they were printed: the progress
 * on stderr, then the result ("successfully rolled out") on stdout.
 */
export function rolloutLines(r: Pick<CliResult, 'stdout' | 'stderr'>, name = 'weave-net'): string[] {
  return `${r.stderr}\n${r.stdout}`.split('\n').filter((l) => l.includes(`daemon set "${name}"`) || l.startsWith('Waiting for daemon set spec'));
}
