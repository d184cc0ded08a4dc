/**
 * `npm run demo`: the mission on a simulated 4-node Kubernetes 1.7.5 cluster, with no real cluster.
 * Starts the simulator on loopback, runs the built weavectl against it as a user would, prints each
 * command and its output, then stops the simulator.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSimulator } from './index.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = `${root}/bin/weavectl.js`;

const nodes = Number(process.env.DEMO_NODES ?? 4);
const k8sVersion = process.env.DEMO_K8S_VERSION ?? '1.7.5';
const sim = await startSimulator({ k8sVersion, nodes, stepDelayMs: 60 });
process.stdout.write(`# A simulated Kubernetes ${k8sVersion} cluster with ${nodes} nodes (k8s-vm1..${nodes}) is listening on ${sim.url}\n`);
process.stdout.write(`# export KUBECONFIG=${sim.kubeconfigPath}\n\n`);

const steps: string[][] = [
  ['install', '--ipalloc', '172.25.64.0/18'],
  ['rollout-status', '--watch=false'],
  ['scope', '--external-ip', '10.200.33.12', '--read-only'],
  ['status'],
];

let failed = 0;
try {
  for (const args of steps) {
    process.stdout.write(`$ weavectl ${args.join(' ')}\n`);
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [bin, ...args], {
        stdio: 'inherit',
        env: { ...process.env, KUBECONFIG: sim.kubeconfigPath },
      });
      child.on('close', resolve);
    });
    process.stdout.write(`# exit ${code}\n\n`);
    if (code !== 0) failed++;
  }
} finally {
  await sim.stop();
}
process.exitCode = failed ? 1 : 0;
