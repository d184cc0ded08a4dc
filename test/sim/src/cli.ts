/**
 * Runs the simulator by hand: `npm run sim -- --nodes 4 --k8s-version 1.7.5`.
 * Prints the kubeconfig path (use it with KUBECONFIG=... kubectl ...) and runs until Ctrl-C or stdin closes.
 */

import { parseArgs } from 'node:util';
import { applyFault, FAULT_HELP, FaultSpecError, parseFault, type FaultSpec } from './fault-spec.js';
import { startSimulator, type SimOptions } from './index.js';

const USAGE = `usage: npm run sim -- [--nodes N] [--k8s-version 1.29.2] [--token T] [--step-delay-ms 20] [--latency-ms 0] [--seed 1] [--fault NAME[=ARGS] ...]
faults (repeatable):
${FAULT_HELP}`;

function fail(msg: string): never {
  process.stderr.write(`sim: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

function int(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer >= ${min}, got "${v}"`);
  return n;
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        nodes: { type: 'string' },
        'k8s-version': { type: 'string' },
        token: { type: 'string' },
        'step-delay-ms': { type: 'string' },
        'latency-ms': { type: 'string' },
        seed: { type: 'string' },
        fault: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  if (values['help']) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const opts: SimOptions = {};
  const nodes = int('nodes', values['nodes'] as string | undefined, 0);
  if (nodes !== undefined) opts.nodes = nodes;
  if (values['k8s-version'] !== undefined) opts.k8sVersion = String(values['k8s-version']);
  if (values['token'] !== undefined) opts.token = String(values['token']);
  const step = int('step-delay-ms', values['step-delay-ms'] as string | undefined, 1);
  if (step !== undefined) opts.stepDelayMs = step;
  const lat = int('latency-ms', values['latency-ms'] as string | undefined, 0);
  if (lat !== undefined) opts.latencyMs = lat;
  const seed = int('seed', values['seed'] as string | undefined, 0);
  if (seed !== undefined) opts.seed = seed;
  const faults: FaultSpec[] = [];
  for (const f of (values['fault'] as string[] | undefined) ?? []) {
    try {
      faults.push(parseFault(f));
    } catch (e) {
      fail((e as Error).message);
    }
  }
  let sim;
  try {
    sim = await startSimulator(opts);
  } catch (e) {
    fail((e as Error).message);
  }
  for (const f of faults) {
    try {
      applyFault(sim, f);
    } catch (e) {
      await sim.stop();
      fail(e instanceof FaultSpecError ? e.message : String(e));
    }
    process.stderr.write(`fault: ${f.kind}\n`);
  }
  process.stderr.write(`Kubernetes ${sim.k8sVersion.gitVersion} simulator at ${sim.url} with ${sim.nodes.names().length} node(s)\n`);
  process.stderr.write(`  export KUBECONFIG=${sim.kubeconfigPath}\n`);
  process.stderr.write(`Ctrl-C or end of input stops it.\n`);
  process.stdout.write(`${sim.kubeconfigPath}\n`);
  // the server does not hold the event loop (see server.ts): this does, until we stop
  const keepAlive = setInterval(() => {}, 1 << 30);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(keepAlive);
    await sim.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.stdin.on('end', () => void stop());
  process.stdin.on('error', () => void stop());
  process.stdin.resume();
}

void main();
