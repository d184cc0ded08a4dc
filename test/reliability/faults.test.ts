/**
 * Reliability (issue 10, "Proof"): every command of the built CLI against the simulator behind a fault:
 *
 *   refused, 401, 403, 500 storm, 429 with Retry-After, every connection reset, hang, failing exec
 *   credential plugin
 *       nothing can succeed: each run must end with exactly one `error:` line, a `hint:`, exit 1 and no
 *       stack trace, and the cluster (one shared simulator, Weave Net installed) must hold exactly what
 *       it held before: same objects, same resourceVersions (workloads: same generation).
 *   connection resets (every connection, in the group above; and every third request), watch cut
 *   (every watch closed at once), 410 Gone (the simulator expires every resourceVersion older than 100 ms)
 *       weavectl gets past these: each command ends as it does without the fault (exit 0; the one that
 *       fails by design, cleanly), and a command that failed, or only reads, leaves the cluster as it was.
 *
 * Runs are spawned in parallel (bounded), with a tight --timeout/--request-timeout. Needs the bundle
 * (`npm test` builds it first, or `node scripts/build.mjs`).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../cli/run-cli.js';
import { startSimulator, type Simulator } from '../sim/index.js';
import { startFaultProxy, type FaultProxy, type ProxyFault } from './fault-server.js';

interface Cmd {
  name: string;
  args: string[];
  /** may write to the cluster when it succeeds */
  writes: boolean;
  /** start from an empty cluster (else: Weave Net installed) */
  empty?: boolean;
  /** the exit code without faults (and past the faults weavectl must get past): 0 unless given */
  code?: number;
}

const COMMANDS: Cmd[] = [
  { name: 'install', args: ['install'], writes: true, empty: true },
  { name: 'install --diff', args: ['install', '--diff'], writes: false },
  { name: 'scope', args: ['scope', '--external-ip', '10.200.33.12'], writes: true, empty: true },
  { name: 'rollout-status', args: ['rollout-status'], writes: false },
  { name: 'status', args: ['status', '--exec-timeout', '2s'], writes: false },
  { name: 'check', args: ['check'], writes: false },
  { name: 'check --pre', args: ['check', '--pre'], writes: false },
  { name: 'policy list', args: ['policy', 'list', '-n', 'kube-system'], writes: false },
  { name: 'policy isolate', args: ['policy', 'isolate', 'default'], writes: true },
  { name: 'policy allow', args: ['policy', 'allow', '-n', 'default', '--to', 'app=web', '--from', 'app=client'], writes: true },
  // pods that do not exist: a clean failure (exit 1) even without faults
  { name: 'policy explain', args: ['policy', 'explain', '--from', 'kube-system/no-such-pod', '--to', 'kube-system/other'], writes: false, code: 1 },
  { name: 'npc rules', args: ['npc', 'rules'], writes: false },
  // deploys probes in weavectl-test and removes them again
  { name: 'connectivity test', args: ['connectivity', 'test'], writes: true },
  { name: 'peers', args: ['peers', '--exec-timeout', '2s'], writes: false },
  // nothing is gone on a healthy cluster: exits 0 having changed nothing
  { name: 'peers rmpeer --gone', args: ['peers', 'rmpeer', '--gone', '--exec-timeout', '2s'], writes: true },
  { name: 'uninstall', args: ['uninstall', '--wait=false'], writes: true },
];

const FAILING: ProxyFault[] = ['refused', '401', '403', '500', '429', 'reset', 'hang'];
const TIGHT = ['--timeout', '3s', '--request-timeout', '2s'];
const LOOSE = ['--timeout', '15s'];
const CONCURRENCY = 6;

const dir = mkdtempSync(join(tmpdir(), 'weavectl-reliability-'));
let n = 0;
function kubeconfig(server: string, user = ' {}'): string {
  const p = join(dir, `kubeconfig-${++n}`);
  writeFileSync(
    p,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${server}\nusers:\n- name: u\n  user:${user}\ncontexts:\n- name: c\n  context: {cluster: c, user: u, namespace: default}\ncurrent-context: c\n`,
  );
  return p;
}

const FAILING_PLUGIN = `
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: ${JSON.stringify(process.execPath)}
      args: ["-e", "process.stderr.write('the token cache is corrupt'); process.exit(1)"]
      interactiveMode: Never`;

/** A bounded pool: at most CONCURRENCY CLI processes at once (2 cores, shared). */
let active = 0;
const queue: (() => void)[] = [];
async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (active >= CONCURRENCY) await new Promise<void>((r) => queue.push(r));
  active++;
  try {
    return await fn();
  } finally {
    active--;
    queue.shift()?.();
  }
}

function cli(kc: string, args: string[], extra: string[]): Promise<CliResult> {
  return limited(() => runCli(['--kubeconfig', kc, ...extra, ...args], { timeoutMs: 40_000 }));
}

/** What weavectl can write, by resourceVersion (workloads by generation: controllers keep writing their status). */
function state(s: Simulator): string {
  const out: string[] = [];
  for (const [apiVersion, kind] of [
    ['v1', 'Namespace'],
    ['v1', 'ServiceAccount'],
    ['v1', 'ConfigMap'],
    ['v1', 'Secret'],
    ['v1', 'Service'],
    ['rbac.authorization.k8s.io/v1', 'ClusterRole'],
    ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
    ['rbac.authorization.k8s.io/v1', 'Role'],
    ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
    ['networking.k8s.io/v1', 'NetworkPolicy'],
    ['apps/v1', 'DaemonSet'],
    ['apps/v1', 'Deployment'],
  ] as const) {
    for (const o of s.list(apiVersion, kind) as { metadata: { namespace?: string; name: string; resourceVersion?: string; generation?: number } }[]) {
      const v = kind === 'DaemonSet' || kind === 'Deployment' ? `generation ${o.metadata.generation}` : `rv ${o.metadata.resourceVersion}`;
      out.push(`${kind} ${o.metadata.namespace ?? ''}/${o.metadata.name} ${v}`);
    }
  }
  return out.sort().join('\n');
}

/** A clean failure: exit 1, exactly one `error:` line followed by a `hint:`, no stack trace, no Node crash report. */
function expectCleanFailure(r: CliResult, what: string): void {
  const lines = r.stderr.split('\n');
  const errors = lines.filter((l) => l.startsWith('error:'));
  expect({ what, code: r.code, errors: errors.length }, r.stderr).toEqual({ what, code: 1, errors: 1 });
  expect(lines[lines.indexOf(errors[0]!) + 1], `${what}: the hint after the error\n${r.stderr}`).toMatch(/^hint: \S/);
  expect(r.stderr, what).not.toMatch(/\n\s+at |file:\/\/|node:internal|Node\.js v\d|triggerUncaughtException/);
}

async function installedSim(): Promise<Simulator> {
  const s = await startSimulator({ k8sVersion: '1.29.2', nodes: 2 });
  const r = await runCli(['--kubeconfig', s.kubeconfigPath, 'install', '--timeout', '60s'], { timeoutMs: 60_000 });
  expect(r.code, r.stderr).toBe(0);
  return s;
}

const sims: Simulator[] = [];
const proxies: FaultProxy[] = [];

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await Promise.all(sims.map((s) => s.stop()));
});

describe('faults that no command can get past: one error line, a hint, exit 1, the cluster untouched', () => {
  let base: Simulator;
  let before: string;
  const kubeconfigs = new Map<string, string>();

  beforeAll(async () => {
    base = await installedSim();
    sims.push(base);
    for (const f of FAILING) {
      const p = await startFaultProxy(base.url, f);
      proxies.push(p);
      kubeconfigs.set(f, kubeconfig(p.url));
    }
    kubeconfigs.set('exec plugin fails', kubeconfig(base.url, FAILING_PLUGIN));
    before = state(base);
  });

  for (const fault of [...FAILING, 'exec plugin fails']) {
    it.concurrent(`${fault}: every command`, async () => {
      const results = await Promise.all(COMMANDS.map(async (c) => [c, await cli(kubeconfigs.get(fault)!, c.args, TIGHT)] as const));
      for (const [c, r] of results) expectCleanFailure(r, `${fault} / ${c.name}`);
      expect(state(base)).toBe(before);
    });
  }
});

type PassFault = 'connection resets' | 'watch cut' | '410 Gone';

/** A simulator (Weave Net installed unless the command starts from an empty cluster) with the fault on, and a kubeconfig to reach it. */
async function faulted(fault: PassFault, empty: boolean): Promise<{ s: Simulator; kc: string; stop: () => void }> {
  const s = empty ? await startSimulator({ k8sVersion: '1.29.2', nodes: 2 }) : await installedSim();
  sims.push(s);
  let stop = () => undefined as void;
  let server = s.url;
  if (fault === 'connection resets') {
    const p = await startFaultProxy(s.url, 'reset-some');
    proxies.push(p);
    server = p.url;
  } else if (fault === 'watch cut') {
    stop = s.faults.cutWatches({ after: 0 });
  } else {
    // every resourceVersion older than 100 ms is gone: watches from a list get 410 Expired and must list again
    const iv = setInterval(() => s.faults.expireResourceVersions(), 100);
    stop = () => clearInterval(iv);
  }
  return { s, kc: kubeconfig(server), stop };
}

describe('faults weavectl gets past (retries, relists, resumed watches): the same outcome as without them; a failure changes nothing', () => {
  for (const fault of ['connection resets', 'watch cut', '410 Gone'] as PassFault[]) {
    it.concurrent(`${fault}: every command`, async () => {
      // the commands that only read share one cluster; each command that writes gets its own
      const shared = await faulted(fault, false);
      const sharedBefore = state(shared.s);
      const outcomes = await Promise.all(
        COMMANDS.map(async (c) => {
          const env = c.writes ? await faulted(fault, Boolean(c.empty)) : shared;
          const before = state(env.s);
          const r = await cli(env.kc, c.args, LOOSE);
          if (c.writes) env.stop();
          return { c, r, changed: state(env.s) !== before };
        }),
      );
      shared.stop();
      for (const { c, r, changed } of outcomes) {
        const what = `${fault} / ${c.name}`;
        // retries, relists and resumed watches get every command past these faults
        expect({ what, code: r.code }, r.stderr).toEqual({ what, code: c.code ?? 0 });
        if (r.code === 0) {
          expect(r.stderr, what).not.toMatch(/^error:|\n\s+at /m);
        } else {
          expectCleanFailure(r, what);
          expect({ what, changed }).toEqual({ what, changed: false });
        }
      }
      expect(state(shared.s)).toBe(sharedBefore);
    });
  }
});
