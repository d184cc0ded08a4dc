// `weavectl connectivity test` (default pairs) on a simulated 200-node cluster with 20 ms of latency on
// every request, exec included (issue 14). Target: the whole command under 60 s, every test passed.
//
// The simulator runs in this process, the CLI as a child (async spawn: the simulator keeps answering);
// the probes' wget, ping and nslookup are answered by the simulator's data plane (test/sim/src/dataplane.ts).
// Run alone: node bench/connectivity.mjs (BENCH_CONNECTIVITY_NODES=n, BENCH_CONNECTIVITY_LATENCY_MS=ms)
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { importTs, report } from './lib.mjs';
import { weaveNet } from './status.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const NODES = Number(process.env.BENCH_CONNECTIVITY_NODES ?? 200);
const LATENCY_MS = Number(process.env.BENCH_CONNECTIVITY_LATENCY_MS ?? 20);
const TARGET_MS = 60_000;

function run1(args) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [`${root}/bin/weavectl.js`, ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1', CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, code, stdout, stderr }));
  });
}

export async function run() {
  const { startSimulator } = await importTs(["export { startSimulator } from './test/sim/index.ts';"]);
  const t0 = Date.now();
  const sim = await startSimulator({ k8sVersion: '1.29.2', nodes: NODES, stepDelayMs: 2, events: false });
  try {
    sim.put(weaveNet());
    await sim.waitFor(() => sim.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')?.status?.numberAvailable === NODES, {
      timeoutMs: 300_000,
      message: `the simulated weave-net DaemonSet did not become available on ${NODES} nodes`,
    });
    const setupMs = Date.now() - t0;
    sim.faults.latencyMs = LATENCY_MS;
    const r = await run1(['--kubeconfig', sim.kubeconfigPath, 'connectivity', 'test', '-o', 'json', '--timeout', '5m']);
    let doc;
    try {
      doc = JSON.parse(r.stdout);
    } catch {
      throw new Error(`weavectl connectivity test did not print JSON (exit ${r.code}): ${r.stderr.slice(-2000)}`);
    }
    const ok = doc.tests.filter((t) => t.result === 'ok').length;
    return report(`weavectl connectivity test, ${NODES} nodes, default pairs, ${LATENCY_MS} ms per request (cluster set up in ${(setupMs / 1000).toFixed(1)} s)`, [
      { name: `every test passed (exit ${r.code})`, value: `${ok}/${doc.tests.length}`, target: 'all, exit 0', ok: r.code === 0 && doc.success === true && ok === doc.tests.length && ok > 0 },
      { name: 'wall time of the command', value: `${(r.ms / 1000).toFixed(1)} s`, target: `< ${TARGET_MS / 1000} s`, ok: r.ms < TARGET_MS },
    ]);
  } finally {
    await sim.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exit((await run()) ? 0 : 1);
}
