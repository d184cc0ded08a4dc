// The cluster benchmarks: weavectl against the real kubectl (v1.35.2), side by side, on the Kubernetes API
// simulator (test/sim/) with 20 ms of latency on every request.
//
//   (a) install: `weavectl install --wait=false --skip-checks` of Weave Net on a 1.29 cluster against
//       `kubectl apply --server-side -f FILE` of the same rendered manifest, each on a fresh simulator.
//       Target: weavectl's median wall time at most half kubectl's. Without --skip-checks: information only.
//       Every request of every run is recorded; when the target is missed, the request timeline of each
//       tool is printed (round trips, where the time before the first request goes).
//   (b) rollout-status: from the simulator's final status write of the DaemonSet (the write that completes
//       the rollout) to the exit of `weavectl rollout-status` and of `kubectl rollout status ds/weave-net`,
//       each started while a rollout of a 6-node DaemonSet is in progress. Target: weavectl no slower.
//   (c) memory: `weavectl rollout-status --timeout 10m` watching a 5,000-node DaemonSet roll out to the end.
//       Target: peak RSS of the weavectl process under 100 MB.
//
// The simulator (TypeScript) is bundled with esbuild and runs in this process; the CLIs run as child
// processes (async spawn: the simulator must keep answering while they run). kubectl comes from
// scripts/fetch-kubectl.mjs (a verified copy in a cache outside the repository); without it (a) and (b)
// are skipped, saying why, and (c) still runs.
//
// Run alone: node bench/cluster.mjs   (BENCH_RUNS=n for the medians, default 5; BENCH_CLUSTER=install,rollout,rss
// picks parts; BENCH_CLUSTER_NODES=n for (c); BENCH_VERBOSE=1 prints the request timelines even when targets pass)
import { execFile, spawn } from 'node:child_process';
import dc from 'node:diagnostics_channel';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { importTs, median, report } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(root, 'bin', 'weavectl.js');
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));
const LATENCY_MS = 20;
const K8S = '1.29.2';
const ROLLOUT_NODES = 6;
const BIG_NODES = Number(process.env.BENCH_CLUSTER_NODES ?? 5000);
const RSS_TARGET_MB = 100;
const RELEASE_BATCHES = 10;
/** BENCH_CLUSTER=install,rollout,rss (default all three) */
const PARTS = new Set((process.env.BENCH_CLUSTER ?? 'install,rollout,rss').split(',').map((x) => x.trim()));
const TIME_BIN = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

// ------------------------------------------------------------------------------------------------ plumbing

/** test/sim bundled into one ES module (its dependencies stay external, resolved from node_modules). */
function loadSimulator() {
  return importTs(["export { startSimulator } from './test/sim/index.ts';"]);
}

/** The verified kubectl v1.35.2 ({path}) or why there is none ({reason}). Never blocks the event loop. */
function fetchKubectl() {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, 'scripts', 'fetch-kubectl.mjs'), '--json'], { timeout: 4 * 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      try {
        if (!err) return resolve({ path: JSON.parse(stdout).path });
      } catch {
        // fall through
      }
      const last = String(stderr).trim().split('\n').filter(Boolean).at(-1) ?? (err ? err.message : 'no output');
      resolve({ reason: last.replace(/^fetch-kubectl: /, '') });
    });
  });
}

const now = () => performance.now();

/**
 * Every HTTP request the simulators in this process receive, by server port: method, URL, arrival and
 * answer times (performance.now()). diagnostics_channel sees requests before the simulator's handler.
 */
class RequestLog {
  constructor() {
    this.byPort = new Map();
    this.open = new WeakMap();
    dc.subscribe('http.server.request.start', ({ request }) => {
      const list = this.byPort.get(request.socket?.localPort);
      if (!list) return;
      const e = { method: request.method, url: request.url, start: now(), end: NaN, written: request.socket?.bytesWritten ?? NaN };
      list.push(e);
      this.open.set(request, e);
    });
    dc.subscribe('http.server.response.finish', ({ request, response }) => {
      const e = this.open.get(request);
      if (!e) return;
      e.end = now();
      // keep-alive clients send one request at a time per connection: what the socket wrote since is this answer
      e.bytes = (response.socket ?? request.socket)?.bytesWritten - e.written;
    });
  }

  /** Starts recording the requests to `url`'s port; returns the (live) list. */
  track(url) {
    const list = [];
    this.byPort.set(Number(new URL(url).port), list);
    return list;
  }

  untrack(url) {
    this.byPort.delete(Number(new URL(url).port));
  }
}

/**
 * Runs a command (async). Resolves with its exit code, output, wall time (spawn to exit), exit time, peak
 * RSS when run under /usr/bin/time, and the time each line of output arrived (for "was it watching yet").
 */
function runChild(cmd, args, { env, rss = false, timeoutMs = 120_000, onLine } = {}) {
  const [file, argv] = rss && TIME_BIN ? [TIME_BIN, ['-f', 'bench-maxrss %M', cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const t0 = now();
    const child = spawn(file, argv, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const lines = [];
    // whole lines only: a chunk may end in the middle of one
    const splitter = () => {
      let rest = '';
      return (chunk, flush = false) => {
        const t = now();
        const parts = (rest + chunk).split('\n');
        rest = flush ? '' : parts.pop();
        for (const text of parts) {
          if (!text.trim() || text.startsWith('bench-maxrss ')) continue;
          lines.push({ t, text });
          onLine?.({ t, text });
        }
      };
    };
    const outLines = splitter();
    const errLines = splitter();
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
      outLines(d);
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
      errLines(d);
    });
    child.stdout.on('end', () => outLines('', true));
    child.stderr.on('end', () => errLines('', true));
    let exitAt = NaN;
    child.on('exit', () => (exitAt = now()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const m = /bench-maxrss (\d+)\s*$/.exec(stderr);
      if (m) stderr = stderr.slice(0, m.index);
      resolve({ code: signal ? signal : code, stdout, stderr, lines, t0, exitAt, ms: exitAt - t0, rssKb: m ? Number(m[1]) : NaN });
    });
  });
}

/** `node <launcher> bin/weavectl.js ...`: reports process.resourceUsage().maxRSS at exit when /usr/bin/time is missing. */
function weavectlArgs(args, rss) {
  if (!rss || TIME_BIN) return [BIN, ...args];
  // with -e, process.argv is [node, BIN, ...args]: exactly what `node BIN ...args` gives the CLI
  const launcher = `process.on('exit', () => process.stderr.write('\\nbench-maxrss ' + process.resourceUsage().maxRSS + '\\n')); await import(${JSON.stringify(pathToFileURL(BIN).href)});`;
  return ['--input-type=module', '-e', launcher, BIN, ...args];
}

function weavectl(sim, args, opts = {}) {
  const env = { ...process.env, NO_COLOR: '1', CI: 'true' };
  const kc = sim ? ['--kubeconfig', sim.kubeconfigPath] : [];
  return runChild(process.execPath, weavectlArgs([...kc, ...args], opts.rss), { ...opts, env });
}

/** kubectl with its own (cold) discovery and HTTP cache, never ~/.kube. */
async function kubectl(bin, sim, args, opts = {}) {
  const cache = mkdtempSync(join(tmpdir(), 'weavectl-bench-kubectl-'));
  try {
    const env = { PATH: process.env.PATH, HOME: cache, KUBECONFIG: sim.kubeconfigPath, KUBECACHEDIR: cache, NO_PROXY: '127.0.0.1,localhost' };
    return await runChild(bin, args, { ...opts, env });
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

function must(r, what) {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join(' | ')}`);
  return r;
}

const ms = (x) => `${x.toFixed(0)} ms`;
const sleep = (t) => new Promise((r) => setTimeout(r, t));

/** Groups requests into round trips: a request opens a new one when it starts after an answer of the current one. */
function roundTrips(requests) {
  const rounds = [];
  for (const r of [...requests].sort((a, b) => a.start - b.start)) {
    const cur = rounds.at(-1);
    if (cur && r.start < Math.min(...cur.map((x) => x.end))) cur.push(r);
    else rounds.push([r]);
  }
  return rounds;
}

function pathOf(url) {
  const u = new URL(url, 'http://x');
  const q = [...u.searchParams.keys()].filter((k) => k !== 'timeout' && k !== 'hash');
  return `${u.pathname}${q.length ? `?${q.map((k) => `${k}=${u.searchParams.get(k)}`).join('&')}` : ''}`;
}

/** One line per round trip: "+426 ms  GET /version". */
function timeline(requests, t0) {
  return roundTrips(requests).map((round) => {
    const methods = [...new Set(round.map((r) => r.method))];
    const paths = round.map((r) => (methods.length > 1 ? `${r.method} ` : '') + pathOf(r.url));
    const text = paths.length > 4 ? `${paths.slice(0, 3).join(', ')}, ... (${paths.length} requests)` : paths.join(', ');
    return `+${(round[0].start - t0).toFixed(0).padStart(4)} ms  ${methods.length === 1 ? `${methods[0]} ` : ''}${text}`;
  });
}

function summarize(run) {
  const rounds = roundTrips(run.requests);
  const first = run.requests.length ? Math.min(...run.requests.map((r) => r.start)) : NaN;
  const last = run.requests.length ? Math.max(...run.requests.map((r) => r.end)) : NaN;
  return { requests: run.requests.length, rounds: rounds.length, firstMs: first - run.t0, netMs: last - first, tailMs: run.exitAt - last };
}

// ------------------------------------------------------------------------------------------------ the manifest

async function renderedManifest() {
  const r = must(await weavectl(undefined, ['install', '--k8s-version', '1.29', '--dry-run=client', '-o', 'yaml']), 'weavectl install --dry-run=client');
  const { parseAllDocuments } = await import('yaml');
  const objects = parseAllDocuments(r.stdout)
    .map((d) => d.toJS())
    .filter((o) => o && typeof o === 'object');
  return { yaml: r.stdout, objects };
}

const dsOf = (sim) => sim.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net');

/** kubectl's DaemonSetStatusViewer "done" on a stored DaemonSet. */
function rolledOut(ds) {
  const s = ds?.status ?? {};
  const desired = s.desiredNumberScheduled ?? 0;
  return (ds?.metadata?.generation ?? 0) <= (s.observedGeneration ?? 0) && (s.updatedNumberScheduled ?? 0) >= desired && (s.numberAvailable ?? 0) >= desired;
}

// ------------------------------------------------------------------------------------------------ (a) install

async function benchInstall({ startSimulator }, log, kubectlBin, manifest) {
  const file = join(mkdtempSync(join(tmpdir(), 'weavectl-bench-')), 'weave-net.yaml');
  writeFileSync(file, manifest.yaml);
  const tools = {
    weavectl: (sim) => weavectl(sim, ['install', '--wait=false', '--skip-checks']),
    kubectl: (sim) => kubectl(kubectlBin, sim, ['apply', '--server-side', '-f', file]),
    'weavectl+checks': (sim) => weavectl(sim, ['install', '--wait=false']),
  };
  const runs = { weavectl: [], kubectl: [], 'weavectl+checks': [] };
  const once = async (name) => {
    const sim = await startSimulator({ k8sVersion: K8S, nodes: 3, latencyMs: LATENCY_MS });
    try {
      const requests = log.track(sim.url);
      const r = must(await tools[name](sim), name);
      log.untrack(sim.url);
      // each tool must really have applied the manifest
      for (const o of manifest.objects) {
        if (!sim.get(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name)) throw new Error(`${name} did not create ${o.kind} ${o.metadata.name}`);
      }
      return { ...r, requests };
    } finally {
      await sim.stop();
    }
  };
  try {
    for (const name of Object.keys(tools)) await once(name); // warm the file cache (the kubectl binary is 37 MB)
    const order = Object.keys(tools);
    for (let i = 0; i < RUNS; i++) {
      for (let j = 0; j < order.length; j++) {
        const name = order[(i + j) % order.length];
        runs[name].push(await once(name));
      }
    }
  } finally {
    rmSync(join(file, '..'), { recursive: true, force: true });
  }
  const med = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v.map((r) => r.ms))]));
  const typical = (name) => [...runs[name]].sort((a, b) => Math.abs(a.ms - med[name]) - Math.abs(b.ms - med[name]))[0];
  const sum = Object.fromEntries(Object.keys(runs).map((k) => [k, summarize(typical(k))]));
  const desc = (k) => `${sum[k].requests} requests in ${sum[k].rounds} round trips, first after ${ms(sum[k].firstMs)}`;
  const ratio = med.weavectl / med.kubectl;
  const ok = report(`install of Weave Net on a 3-node ${K8S} cluster, ${LATENCY_MS} ms per request (median of ${RUNS}, fresh simulator each)`, [
    { name: 'kubectl apply --server-side -f FILE (cold discovery cache)', value: ms(med.kubectl), target: 'the baseline', ok: true },
    { name: 'weavectl install --wait=false --skip-checks', value: ms(med.weavectl), target: `<= ${ms(med.kubectl / 2)} (half)`, ok: ratio <= 0.5 },
  ]);
  console.log(`info  weavectl install --wait=false (with the pre-flight checks)        ${ms(med['weavectl+checks']).padStart(12)}   ${desc('weavectl+checks')}`);
  console.log(`info  weavectl / kubectl = ${ratio.toFixed(2)}; kubectl: ${desc('kubectl')}; weavectl: ${desc('weavectl')}`);
  if (!ok || process.env.BENCH_VERBOSE) {
    // what starting the process costs before any cluster code runs
    const start = { node: [], version: [] };
    for (let i = 0; i < 5; i++) {
      start.node.push(must(await runChild(process.execPath, ['-e', '']), 'node -e ""').ms);
      start.version.push(must(await weavectl(undefined, ['--version']), 'weavectl --version').ms);
    }
    console.log(`info  for reference: node -e "" ${ms(median(start.node))}, weavectl --version ${ms(median(start.version))} (spawn to exit, median of 5)`);
    // The least any Node CLI can take: start Node, then the 3 round trips an install needs (read what is there
    // with the version and discovery; ServiceAccount and RBAC; the DaemonSet), with no JavaScript at all.
    const floor = median(start.node) + 3 * LATENCY_MS;
    console.log(`info  floor for a Node CLI: node -e "" + 3 round trips of ${LATENCY_MS} ms = ${ms(floor)} (the target is ${ms(med.kubectl / 2)})`);
    for (const name of ['weavectl', 'kubectl']) {
      const r = typical(name);
      const s = sum[name];
      console.log(
        `\n  ${name} (run of ${ms(r.ms)}): ${ms(s.firstMs)} from spawn to the first request, ${s.rounds} round trips over ${ms(s.netMs)}, exit ${ms(s.tailMs)} after the last answer`,
      );
      for (const l of timeline(r.requests, r.t0)) console.log(`    ${l}`);
    }
  }
  return { ok, med, sum };
}

// ------------------------------------------------------------------------------------------------ (b) rollout-status

async function benchRolloutStatus({ startSimulator }, log, kubectlBin, manifest) {
  const sim = await startSimulator({ k8sVersion: K8S, nodes: ROLLOUT_NODES, latencyMs: LATENCY_MS });
  try {
    for (const o of manifest.objects) sim.put(o);
    await sim.waitFor(() => rolledOut(dsOf(sim)) && dsOf(sim).status.numberAvailable === ROLLOUT_NODES, {
      timeoutMs: 60_000,
      message: 'the first weave-net rollout did not finish',
    });
    const tools = {
      weavectl: () => weavectl(sim, ['rollout-status', '--timeout', '2m']),
      kubectl: () => kubectl(kubectlBin, sim, ['rollout', 'status', 'ds/weave-net', '-n', 'kube-system', '--timeout', '2m']),
    };
    const results = { weavectl: [], kubectl: [] };
    let rev = 0;
    const once = async (name) => {
      // a new template: a rolling update of every node, maxUnavailable 1, minReadySeconds 5
      const ds = dsOf(sim);
      ds.spec.template.metadata.annotations = { ...ds.spec.template.metadata.annotations, 'bench/revision': String(++rev) };
      let finalAt = NaN;
      const unsub = sim.store.subscribe('daemonsets', (ev) => {
        if (ev.namespace !== 'kube-system' || ev.name !== 'weave-net' || ev.type !== 'MODIFIED') return;
        const done = rolledOut(ev.object);
        if (done && !rolledOut(ev.prev)) finalAt = now();
      });
      const requests = log.track(sim.url);
      try {
        sim.put(ds);
        const r = must(await tools[name](), `${name} rollout status`);
        const last = r.lines.at(-1)?.text ?? '';
        if (!/daemon set "weave-net" successfully rolled out/.test(last)) throw new Error(`${name} ended with "${last}"`);
        const firstWait = r.lines.find((l) => /Waiting for daemon set/.test(l.text));
        if (!Number.isFinite(finalAt)) throw new Error(`${name} exited before the rollout finished`);
        return { ...r, finalAt, afterMs: r.exitAt - finalAt, watching: firstWait !== undefined && firstWait.t < finalAt, after: requests.filter((q) => q.start >= finalAt) };
      } finally {
        unsub();
        log.untrack(sim.url);
        await sim.waitFor(() => rolledOut(dsOf(sim)), { timeoutMs: 60_000 });
      }
    };
    await once('kubectl'); // warm-up
    await once('weavectl');
    const t0 = now();
    for (let i = 0; i < RUNS; i++) for (const name of i % 2 ? ['kubectl', 'weavectl'] : ['weavectl', 'kubectl']) results[name].push(await once(name));
    const rolloutMs = (now() - t0) / (2 * RUNS);
    const late = Object.values(results).flat().filter((r) => !r.watching).length;
    const med = { weavectl: median(results.weavectl.map((r) => r.afterMs)), kubectl: median(results.kubectl.map((r) => r.afterMs)) };
    const ok = report(`rollout-status: final DaemonSet status write -> exit, ${ROLLOUT_NODES} nodes, ${LATENCY_MS} ms per request (median of ${RUNS})`, [
      { name: 'kubectl rollout status ds/weave-net -n kube-system', value: ms(med.kubectl), target: 'the baseline', ok: true },
      { name: 'weavectl rollout-status', value: ms(med.weavectl), target: `<= ${ms(med.kubectl)}`, ok: med.weavectl <= med.kubectl },
      { name: 'every run was watching before the rollout finished', value: `${2 * RUNS - late}/${2 * RUNS}`, target: 'all', ok: late === 0 },
    ]);
    const after = (name) => {
      const reqs = results[name].map((r) => r.after.length);
      return `${median(reqs)} requests after the final write (${[...new Set(results[name].flatMap((r) => r.after.map((q) => `${q.method} ${pathOf(q.url)}`)))].join(', ') || 'none'})`;
    };
    console.log(`info  each rollout took ${ms(rolloutMs)} on average; weavectl: ${after('weavectl')}; kubectl: ${after('kubectl')}`);
    console.log(`info  all runs (ms): weavectl ${results.weavectl.map((r) => r.afterMs.toFixed(0)).join(' ')}; kubectl ${results.kubectl.map((r) => r.afterMs.toFixed(0)).join(' ')}`);
    // where the time goes: final write -> the success line arrives on the pipe -> the process is gone
    const split = (name) => {
      const lineMs = median(results[name].map((r) => (r.lines.at(-1)?.t ?? NaN) - r.finalAt));
      const exitMs = median(results[name].map((r) => r.exitAt - (r.lines.at(-1)?.t ?? NaN)));
      return `${name}: success line ${ms(lineMs)} after the write, exit ${ms(exitMs)} after the line`;
    };
    console.log(`info  medians: ${split('weavectl')}; ${split('kubectl')}`);
    if (!ok || process.env.BENCH_VERBOSE) {
      const r = [...results.weavectl].sort((a, b) => Math.abs(a.afterMs - med.weavectl) - Math.abs(b.afterMs - med.weavectl))[0];
      console.log(`\n  weavectl after the final write (run of ${ms(r.afterMs)}):`);
      for (const l of timeline(r.after, r.finalAt)) console.log(`    ${l}`);
      console.log(`    +${(r.exitAt - r.finalAt).toFixed(0).padStart(4)} ms  exit`);
    }
    return { ok, med };
  } finally {
    await sim.stop();
  }
}

// ------------------------------------------------------------------------------------------------ (c) 5,000 nodes

async function benchRss({ startSimulator }, log, manifest) {
  const t0 = now();
  // 1 ms per controller step (one simulated second) keeps the rollout of 5,000 pods within a minute or two
  const sim = await startSimulator({ k8sVersion: K8S, nodes: BIG_NODES, latencyMs: LATENCY_MS, stepDelayMs: 1 });
  try {
    const setupMs = now() - t0;
    const requests = log.track(sim.url);
    // The pods are created but held unready until weavectl watches (the in-process controllers share this event
    // loop with the API: they could otherwise finish before weavectl's first request is answered), then released
    // in RELEASE_BATCHES batches of nodes, each when the one before is available, so the rollout progresses.
    const nodeIndex = (pod) => Number(/(\d+)$/.exec(pod.spec?.nodeName ?? '')?.[1] ?? 0);
    let held = sim.faults.neverReady({ daemonSet: 'weave-net' });
    for (const o of manifest.objects) sim.put(o);
    const started = now();
    let releasedAt = NaN;
    let printed = false;
    const child = weavectl(sim, ['rollout-status', '--timeout', '10m'], {
      rss: true,
      timeoutMs: 11 * 60_000,
      onLine: (l) => (printed ||= /Waiting for daemon set/.test(l.text)),
    });
    let exited = false;
    child.then(() => (exited = true), () => (exited = true));
    const until = async (pred) => {
      while (!exited && !pred()) await sleep(20);
      return !exited;
    };
    try {
      // watching: it printed the rollout's progress and its watch request is in
      if (await until(() => printed && requests.some((q) => /[?&]watch=(true|1)/.test(q.url)))) {
        releasedAt = now();
        for (let b = 1; b <= RELEASE_BATCHES; b++) {
          const upTo = Math.round((BIG_NODES * b) / RELEASE_BATCHES);
          const next = b < RELEASE_BATCHES ? sim.faults.neverReady({ daemonSet: 'weave-net', predicate: (pod) => nodeIndex(pod) > upTo }) : () => {};
          held();
          held = next;
          if (!(await until(() => (dsOf(sim)?.status?.numberAvailable ?? 0) >= upTo))) break;
        }
      }
    } finally {
      held();
    }
    const r = await child;
    const available = dsOf(sim)?.status?.numberAvailable ?? 0;
    const rssMb = r.rssKb / 1024;
    const last = r.lines.at(-1)?.text ?? '';
    const progress = r.lines.filter((l) => /Waiting for daemon set/.test(l.text)).length;
    // it must have seen the rollout in progress, not only its end
    const finished = r.code === 0 && Number.isFinite(releasedAt) && /successfully rolled out/.test(last) && available === BIG_NODES;
    const byKind = {};
    for (const q of requests) {
      const k = `${q.method} ${new URL(q.url, 'http://x').pathname.replace(/\/[^/]*weave-net[^/]*$/, '/NAME')}${/[?&]watch=(true|1)/.test(q.url) ? ' (watch)' : ''}`;
      const e = (byKind[k] ??= { n: 0, bytes: 0 });
      e.n++;
      if (Number.isFinite(q.bytes)) e.bytes = Math.max(e.bytes, q.bytes);
    }
    const size = (b) => (b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(1)} MB` : `${(b / 1024).toFixed(0)} kB`);
    // the same command once the rollout is done, without the watch and the diagnosis: what the pod and node lists cost
    const once = await weavectl(sim, ['rollout-status', '--watch=false'], { rss: true });
    const ok = report(`rollout-status watching a ${BIG_NODES}-node DaemonSet roll out (simulator up in ${(setupMs / 1000).toFixed(1)} s, ${LATENCY_MS} ms per request)`, [
      { name: `watched to the end (exit ${r.code}, ${progress} progress lines)`, value: `${available}/${BIG_NODES}`, target: `${BIG_NODES}/${BIG_NODES}, exit 0`, ok: finished },
      { name: `peak RSS of the weavectl process (${TIME_BIN ? '/usr/bin/time %M' : 'resourceUsage().maxRSS'})`, value: `${rssMb.toFixed(0)} MB`, target: `< ${RSS_TARGET_MB} MB`, ok: rssMb < RSS_TARGET_MB },
    ]);
    const sec = (x) => `${(x / 1000).toFixed(1)} s`;
    console.log(
      Number.isFinite(releasedAt)
        ? `info  weavectl ran ${sec(r.ms)}: ${sec(releasedAt - r.t0)} until it watched (pods held unready meanwhile), then the rollout (released in ${RELEASE_BATCHES} batches of nodes) took ${sec(r.exitAt - releasedAt)} to its exit (${sec(now() - started)} since the DaemonSet was created)`
        : `info  weavectl exited after ${sec(r.ms)} without ever watching the rollout`,
    );
    console.log(`info  its requests (count, largest answer): ${Object.entries(byKind).map(([k, e]) => `${e.n}x ${k}${e.bytes ? ` ${size(e.bytes)}` : ''}`).join(', ')}`);
    console.log(`info  for comparison, weavectl rollout-status --watch=false (no watch, no pod or node lists): peak RSS ${(once.rssKb / 1024).toFixed(0)} MB (exit ${once.code})`);
    if (!finished) console.log(`      last output: ${r.lines.slice(-3).map((l) => l.text).join(' | ')}`);
    return { ok };
  } finally {
    log.untrack(sim.url);
    await sim.stop();
  }
}

// ------------------------------------------------------------------------------------------------

export async function run() {
  const started = now();
  const [sim, kc] = await Promise.all([loadSimulator(), fetchKubectl()]);
  const log = new RequestLog();
  const manifest = await renderedManifest();
  let ok = true;
  if (kc.path) {
    if (PARTS.has('install')) ok = (await benchInstall(sim, log, kc.path, manifest)).ok && ok;
    if (PARTS.has('rollout')) ok = (await benchRolloutStatus(sim, log, kc.path, manifest)).ok && ok;
  } else if (PARTS.has('install') || PARTS.has('rollout')) {
    console.log(`\n## install and rollout-status against kubectl\nSKIP  kubectl v1.35.2 is not available (${kc.reason}): no comparison was made`);
  }
  if (PARTS.has('rss')) ok = (await benchRss(sim, log, manifest)).ok && ok;
  console.log(`\n(cluster benchmarks took ${((now() - started) / 1000).toFixed(0)} s)`);
  return ok;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exit((await run()) ? 0 : 1);
}
