// `weavectl sysdump` of a simulated 1,000-node cluster (issue 14). Targets: the whole command under
// 120 s; the CLI's peak RSS under 200 MB. The archive must hold every node's files and pass `unzip -t`
// (or Python's zipfile) when the machine has one of them.
//
// The simulator runs in this process, the CLI as a child (its time and memory are its own). The
// imitation of a Weave Net pod (test/sim/src/weave-node.ts, weave-ring.ts, weave-host.ts) rebuilds the
// cluster view on every exec (150-300 ms of CPU at 1,000 nodes, in this one process), which would
// measure the simulator; so the answers are computed once, before the run, by the same functions from
// one view of the cluster, and checked byte for byte (times aside) against the per-exec imitation on
// the first and the last node. The whole-mesh views (status peers, the full report) of the first
// --mesh-view-nodes nodes are part of it: in this simulator every peer connects to every other (no
// CONN_LIMIT), so at 1,000 nodes they are some 80 MB and 290 MB per node, streamed through the CLI.
//
// Run alone: node bench/sysdump.mjs (BENCH_SYSDUMP_NODES=n, BENCH_SYSDUMP_LATENCY_MS=ms, BENCH_SYSDUMP_ARGS="more
// flags for sysdump", CHILD_FLAGS="node flags for the CLI process", e.g. --import of a memory sampler).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { importTs, report, runCliPeakRss } from './lib.mjs';
import { weaveNet } from './status.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const NODES = Number(process.env.BENCH_SYSDUMP_NODES ?? 1000);
const LATENCY_MS = Number(process.env.BENCH_SYSDUMP_LATENCY_MS ?? 20);
const TARGET_MS = 120_000;
const TARGET_RSS_MB = 200;
const MESH_VIEW_NODES = 3; // weavectl sysdump's default

function load() {
  return importTs([
    "export { startSimulator } from './test/sim/index.ts';",
    "export { weaveViewFor, runInContainer } from './test/sim/src/exec.ts';",
    "export { weaveExec } from './test/sim/src/weave-node.ts';",
    "export { ringExec, ringState } from './test/sim/src/weave-ring.ts';",
    "export { hostExec } from './test/sim/src/weave-host.ts';",
    "export { NODE_ITEMS } from './src/sysdump/collect.ts';",
    "export { PROBE_COMMANDS } from './src/status/probe.ts';",
  ]);
}

/** Times and dates the imitation prints, which differ between two calls. */
const normal = (s) =>
  s
    .replace(/next check at [\d/: ]+\)/g, 'next check at X)')
    .replace(/retry: [\d-]+ [\d:.]+ \+0000 UTC/g, 'retry: X')
    .replace(/"NextCheckAt": ?"[^"]*"/g, '"NextCheckAt":"X"')
    .replace(/(iptables-save v[\d.]+ on|Completed on) .*/g, '$1 X');

/**
 * Every answer the sysdump (and the status and check it runs) asks of a weave-net pod, from one
 * view of the cluster: a map "node\0container\0command" -> reply; anything else falls back to
 * the imitation with that view.
 */
function prepareAnswers(sim, m) {
  const pods = sim.list('v1', 'Pod', 'kube-system').filter((p) => p.metadata.labels?.name === 'weave-net');
  pods.sort((a, b) => a.spec.nodeName.localeCompare(b.spec.nodeName, 'en', { numeric: true }));
  const view = m.weaveViewFor(sim, pods[0]);
  const state = m.ringState(sim);
  const imitate = (node, container, cmd) => m.ringExec(state, view, node, container, cmd) ?? m.weaveExec(view, node, container, cmd) ?? m.hostExec(view, node, container, cmd);
  const key = (node, container, cmd) => `${node}\0${container}\0${cmd.join('\0')}`;
  const answers = new Map();
  // what weavectl status (in the sysdump's own reports) asks of every node: the report digest and the bridge
  const statusCommands = Object.values(m.PROBE_COMMANDS).map((c) => [...c]);
  let bytes = 0;
  pods.forEach((pod, i) => {
    const node = pod.spec.nodeName;
    for (const item of m.NODE_ITEMS) {
      if (item.mesh && i >= MESH_VIEW_NODES) continue;
      const container = item.container === 'npc' ? 'weave-npc' : 'weave';
      const r = imitate(node, container, item.command);
      answers.set(key(node, container, item.command), r);
      bytes += r.stdout.length;
    }
    for (const cmd of statusCommands) answers.set(key(node, 'weave', cmd), imitate(node, 'weave', cmd));
  });
  // The same answers as the imitation that rebuilds the view per exec: first and last node, every item.
  for (const pod of [pods[0], pods.at(-1)]) {
    const own = m.weaveViewFor(sim, pod);
    const node = pod.spec.nodeName;
    for (const item of m.NODE_ITEMS) {
      const container = item.container === 'npc' ? 'weave-npc' : 'weave';
      const got = answers.get(key(node, container, item.command));
      if (!got) continue;
      // in the order runInContainer asks them (test/sim/src/exec.ts)
      const want = m.ringExec(state, own, node, container, item.command) ?? m.weaveExec(own, node, container, item.command) ?? m.hostExec(own, node, container, item.command);
      if (!want || normal(want.stdout) !== normal(got.stdout) || want.exitCode !== got.exitCode) {
        throw new Error(`prepared answer for "${item.command.join(' ').slice(0, 60)}" on ${pod.spec.nodeName} differs from the simulator's imitation`);
      }
    }
  }
  const handler = (pod, container, cmd) => {
    const node = pod.spec?.nodeName;
    if (pod.metadata?.labels?.name !== 'weave-net' || !node) return undefined;
    const k = key(node, container, cmd);
    let r = answers.get(k);
    if (!r) {
      r = imitate(node, container, cmd);
      if (r) answers.set(k, r);
    }
    return r;
  };
  return { handler, bytes };
}


/** `unzip -t` or Python's zipfile on the archive: [ok, entries, how]; [true, NaN, 'not checked'] without either. */
function checkArchive(file) {
  if (spawnSync('unzip', ['-v']).status === 0) {
    const r = spawnSync('unzip', ['-t', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const entries = (r.stdout.match(/^\s+testing: /gm) ?? []).length;
    return [r.status === 0 && /No errors detected/.test(r.stdout), entries, 'unzip -t'];
  }
  if (spawnSync('python3', ['-c', 'import zipfile']).status === 0) {
    const r = spawnSync('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(len(z.infolist()))', file], { encoding: 'utf8' });
    return [r.status === 0, Number(r.stdout.trim()), 'python3 zipfile'];
  }
  return [true, NaN, 'not checked: neither unzip nor python3'];
}

export async function run() {
  const m = await load();
  const t0 = Date.now();
  const sim = await m.startSimulator({ k8sVersion: '1.29.2', nodes: NODES, stepDelayMs: 2, events: false });
  const dir = mkdtempSync(join(tmpdir(), 'weavectl-bench-sysdump-'));
  try {
    sim.put(weaveNet());
    await sim.waitFor(() => sim.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')?.status?.numberAvailable === NODES, {
      timeoutMs: 300_000,
      message: `the simulated weave-net DaemonSet did not become available on ${NODES} nodes`,
    });
    const { handler, bytes } = prepareAnswers(sim, m);
    sim.execHandlers.add(handler);
    const setupMs = Date.now() - t0;
    sim.faults.latencyMs = LATENCY_MS;
    const file = join(dir, 'dump.zip');
    const extra = (process.env.BENCH_SYSDUMP_ARGS ?? '').split(' ').filter(Boolean);
    const r = await runCliPeakRss(['--kubeconfig', sim.kubeconfigPath, 'sysdump', '--output-file', file, '-o', 'json', ...extra], { cwd: dir, childFlags: (process.env.CHILD_FLAGS ?? '').split(' ').filter(Boolean) });
    let summary;
    try {
      summary = JSON.parse(r.stdout);
    } catch {
      throw new Error(`weavectl sysdump did not print JSON (exit ${r.code}): ${r.stderr.slice(-2000)}`);
    }
    for (const e of summary.errors.slice(0, 5)) console.log(`  error: ${e.node ?? ''} ${e.what}: ${e.error}`);
    const [zipOk, entries, how] = existsSync(file) ? checkArchive(file) : [false, 0, 'no archive'];
    const size = existsSync(file) ? statSync(file).size : 0;
    const rssMb = r.rssKb / 1024;
    const expectedFiles = NODES * 10 + MESH_VIEW_NODES * 2; // per node: 8 exec files + 2 logs (+2 mesh views on the first nodes)
    return report(
      `weavectl sysdump, ${NODES} nodes, ${LATENCY_MS} ms per request (set up in ${(setupMs / 1000).toFixed(1)} s; ${(bytes / 1e6).toFixed(0)} MB of weave answers; archive ${(size / 1e6).toFixed(1)} MB)`,
      [
        { name: `every node collected (exit ${r.code})`, value: `${summary.nodes.complete}/${summary.nodes.total}`, target: `${NODES}/${NODES}, exit 0`, ok: r.code === 0 && summary.nodes.complete === NODES && summary.errors.length === 0 },
        { name: `archive entries, checked with ${how}`, value: `${Number.isNaN(entries) ? summary.files : entries}`, target: `>= ${expectedFiles}, valid`, ok: zipOk && (Number.isNaN(entries) || entries >= expectedFiles) },
        { name: 'wall time of the command', value: `${(r.ms / 1000).toFixed(1)} s`, target: `< ${TARGET_MS / 1000} s`, ok: r.ms < TARGET_MS },
        { name: 'peak RSS of the CLI process', value: `${rssMb.toFixed(0)} MB`, target: `< ${TARGET_RSS_MB} MB`, ok: rssMb < TARGET_RSS_MB },
      ],
    );
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exit((await run()) ? 0 : 1);
}
