/**
 * `weavectl sysdump` end to end: the built CLI against the simulator; the archive is opened with
 * Info-ZIP's unzip or Python's zipfile (skipped, saying so, only when the machine has neither).
 * A NotReady node cannot be exec'd into: the dump completes and records it. A known password, set
 * as a literal WEAVE_PASSWORD and (another cluster) in a Secret, is nowhere in the unzipped files.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../cli/run-cli.js';
import { startSimulator, type Obj, type Simulator } from '../sim/index.js';
import { weaveNetDaemonSet } from '../fakes/builders.js';

const UNZIP = spawnSync('unzip', ['-v']).status === 0;
const PYTHON = spawnSync('python3', ['-c', 'import zipfile']).status === 0;

const dir = mkdtempSync(join(tmpdir(), 'weavectl-sysdump-e2e-'));
const sims: Simulator[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

function cli(sim: Simulator, args: string[], timeoutMs = 90_000): Promise<CliResult> {
  return runCli(['--kubeconfig', sim.kubeconfigPath, ...args], { timeoutMs, cwd: dir });
}

/** Unzips `file` into a fresh folder; returns it. */
function unzip(file: string): string {
  const out = mkdtempSync(join(dir, 'x-'));
  const r = UNZIP
    ? spawnSync('unzip', ['-q', file, '-d', out], { encoding: 'utf8' })
    : spawnSync('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; z.extractall(sys.argv[2])', file, out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot unzip ${file}: ${r.stderr}`);
  return out;
}

function filesUnder(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(root);
  return out.map((p) => relative(root, p)).sort();
}

const weavePods = (sim: Simulator) => sim.list('v1', 'Pod', 'kube-system').filter((p) => p['metadata']['labels']?.['name'] === 'weave-net');
const podOn = (sim: Simulator, node: string) => weavePods(sim).find((p) => p['spec']['nodeName'] === node)!;

async function settled(sim: Simulator, n: number): Promise<void> {
  await sim.waitFor(() => sim.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')?.['status']?.['numberAvailable'] === n, { timeoutMs: 30_000 });
}

/** A weave-net DaemonSet as written by hand with `kubectl apply` (its last-applied annotation holds the literal password). */
function handWrittenWeaveNet(password: string): Obj {
  const ds: Obj = weaveNetDaemonSet({ env: { IPALLOC_RANGE: '172.25.64.0/18', WEAVE_PASSWORD: password } });
  ds['metadata']['annotations'] = { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(ds) };
  return ds;
}

describe('weavectl sysdump without a cluster to read', () => {
  it('fails with one error line and writes nothing', async () => {
    const s = await startSimulator({ nodes: 1, stepDelayMs: 5 });
    const kc = s.kubeconfigPath;
    const copy = join(dir, 'kubeconfig-gone');
    writeFileSync(copy, readFileSync(kc, 'utf8'));
    await s.stop();
    const out = join(dir, 'none.zip');
    const r = await runCli(['--kubeconfig', copy, 'sysdump', '--output-file', out, '--request-timeout', '2s', '--timeout', '10s'], { cwd: dir, timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual([expect.stringMatching(/^error: cannot read the cluster: /)]);
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('none.zip'))).toEqual([]);
  });
});

describe.skipIf(!UNZIP && !PYTHON)('weavectl sysdump', () => {
  const LITERAL = 'Lit3ral-Passw0rd-4711';
  let sim: Simulator;
  let root: string;
  let result: CliResult;

  it('writes the archive of a cluster with one NotReady node, records that node, and goes on', async () => {
    sim = await startSimulator({ nodes: 3, stepDelayMs: 5 });
    sims.push(sim);
    sim.put(handWrittenWeaveNet(LITERAL));
    await settled(sim, 3);
    // weave's log: an old line, a line that (wrongly) shows the password, then a restart of weave-npc on k8s-vm1
    const vm1 = podOn(sim, 'k8s-vm1')['metadata']['name'];
    const hourAgo = Date.now() - 3_600_000;
    sim.podLogs.now = () => hourAgo;
    sim.podLogs.append('kube-system', vm1, 'weave', 'INFO: 2026/12/03 13:00:00.000000 an hour ago\n');
    sim.podLogs.now = () => Date.now();
    sim.podLogs.append('kube-system', vm1, 'weave', `INFO: 2026/12/03 14:00:00.000000 launching with password ${LITERAL} and --token=abc123def\n`);
    sim.nodes.setReady('k8s-vm3', false);

    const out = join(dir, 'one.zip');
    result = await cli(sim, ['sysdump', '--output-file', out, '--since', '10m', '--exec-timeout', '5s', '-o', 'json']);
    expect(result.stderr).not.toMatch(/^error:/m);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.file).toBe(out);
    expect(summary.nodes).toEqual({ total: 3, complete: 2, failed: ['k8s-vm3'] });
    expect(result.stderr).toMatch(/Warning: 1 of 3 nodes could not be read completely: k8s-vm3/);
    const unpacked = unzip(out);
    // one folder at the top, named as the default archive name: weavectl-sysdump-<UTC time>
    const top = readdirSync(unpacked);
    expect(top).toEqual([expect.stringMatching(/^weavectl-sysdump-\d{8}-\d{6}$/)]);
    root = join(unpacked, top[0]!);
  });

  it('holds the per-node views, the cluster objects and weavectl’s own reports', () => {
    const files = filesUnder(root);
    for (const f of [
      'nodes/k8s-vm1/weave-status.txt',
      'nodes/k8s-vm1/weave-status-ipam.txt',
      'nodes/k8s-vm1/weave-status-connections.txt',
      'nodes/k8s-vm1/weave-status-peers.txt',
      'nodes/k8s-vm1/weave-report.json',
      'nodes/k8s-vm1/weave-report-full.json',
      'nodes/k8s-vm1/ip-route.txt',
      'nodes/k8s-vm1/ip-4-addr.txt',
      'nodes/k8s-vm1/iptables-save.txt',
      'nodes/k8s-vm1/ipset-list.txt',
      'nodes/k8s-vm1/weave.log',
      'nodes/k8s-vm1/weave-npc.log',
      'nodes/k8s-vm2/weave-status.txt',
      'nodes/k8s-vm3/errors.txt',
      'cluster/daemonset.json',
      'cluster/weave-net-pods.json',
      'cluster/nodes.json',
      'cluster/events.json',
      'cluster/node-events.json',
      'cluster/networkpolicies.json',
      'cluster/namespaces.json',
      'weavectl/version.json',
      'weavectl/status.json',
      'weavectl/check.json',
      'sysdump.json',
    ]) {
      expect(files, f).toContain(f);
    }
    const read = (f: string) => readFileSync(join(root, f), 'utf8');
    expect(read('nodes/k8s-vm1/weave-status.txt')).toMatch(/Service: router[\s\S]*Status: ready/);
    expect(read('nodes/k8s-vm2/ip-route.txt')).toMatch(/^172\.25\.64\.0\/18 dev weave proto kernel scope link src 172\.25\.96\.0$/m);
    expect(read('nodes/k8s-vm1/iptables-save.txt')).toContain('*filter');
    const report = JSON.parse(read('nodes/k8s-vm1/weave-report.json'));
    expect(report.Router.NickName).toBe('k8s-vm1');
    expect(report.IPAM.Entries.map((e: Obj) => e['Nickname'])).toEqual(['k8s-vm1', 'k8s-vm2', 'k8s-vm3']);
    expect(JSON.parse(read('cluster/nodes.json')).items.map((n: Obj) => n['metadata']['name'])).toEqual(['k8s-vm1', 'k8s-vm2', 'k8s-vm3']);
    expect(JSON.parse(read('weavectl/status.json')).nodes.map((n: Obj) => n['node'])).toEqual(['k8s-vm1', 'k8s-vm2', 'k8s-vm3']);
    expect(JSON.parse(read('weavectl/version.json')).weaveNet.version).toBe('2.8.1');
    // --since 10m: the line of an hour ago is not there
    expect(read('nodes/k8s-vm1/weave.log')).not.toContain('an hour ago');
    expect(read('nodes/k8s-vm1/weave.log')).toContain('launching with password (password hidden) and --token=(password hidden)');
    // the NotReady node: every item says why
    const sum = JSON.parse(read('sysdump.json'));
    const vm3 = sum.errors.filter((e: Obj) => e['node'] === 'k8s-vm3');
    expect(vm3[0]).toEqual({ node: 'k8s-vm3', what: 'nodes/k8s-vm3/weave-status.txt', error: expect.stringMatching(/no route to host/) });
    expect(read('nodes/k8s-vm3/errors.txt')).toMatch(/^nodes\/k8s-vm3\/weave-status-ipam\.txt: skipped: /m);
  });

  it('contains the literal password nowhere (objects, annotation, logs)', () => {
    const leaks = filesUnder(root).filter((f) => readFileSync(join(root, f), 'utf8').includes(LITERAL));
    expect(leaks).toEqual([]);
    const ds = readFileSync(join(root, 'cluster/daemonset.json'), 'utf8');
    expect(ds).toContain('"value": "(password hidden)"');
  });

  it('hides a password that comes from a Secret (installed with --password-secret), and refuses to overwrite an archive', async () => {
    const SECRET = 'S3cret-From-A-Secret-0815';
    const s2 = await startSimulator({ nodes: 2, stepDelayMs: 5 });
    sims.push(s2);
    s2.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'weave-passwd', namespace: 'kube-system' }, data: { 'weave-passwd': Buffer.from(SECRET).toString('base64') } });
    const install = await cli(s2, ['install', '--password-secret', 'weave-passwd', '--timeout', '60s']);
    expect(install.code).toBe(0);
    const vm2 = podOn(s2, 'k8s-vm2')['metadata']['name'];
    s2.podLogs.append('kube-system', vm2, 'weave-npc', `debug: env WEAVE_PASSWORD=${SECRET}; once more: ${SECRET}\n`);
    // weave-npc on k8s-vm1 crash-loops: its previous run's log is collected too
    s2.faults.crashLoop({ node: 'k8s-vm1', container: 'weave-npc' }, { message: 'FATA: 2026/12/03 14:00:00.000000 npc: cannot list ipsets' });
    await s2.waitFor(() => podOn(s2, 'k8s-vm1')['status']['containerStatuses'].find((c: Obj) => c['name'] === 'weave-npc')?.['restartCount'] >= 1, { timeoutMs: 30_000 });
    const out = join(dir, 'two.zip');
    const r = await cli(s2, ['sysdump', '--output-file', out]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(out);
    const unpacked = unzip(out);
    const files = filesUnder(unpacked);
    expect(files.some((f) => f.endsWith('nodes/k8s-vm2/weave-npc.log'))).toBe(true);
    expect(files.filter((f) => readFileSync(join(unpacked, f), 'utf8').includes(SECRET))).toEqual([]);
    const npcLog = readFileSync(join(unpacked, files.find((f) => f.endsWith('nodes/k8s-vm2/weave-npc.log'))!), 'utf8');
    expect(npcLog).toContain('WEAVE_PASSWORD=(password hidden); once more: (password hidden)');

    const previous = files.find((f) => f.endsWith('nodes/k8s-vm1/weave-npc.previous.log'));
    expect(previous).toBeDefined();
    expect(readFileSync(join(unpacked, previous!), 'utf8')).toContain('npc: cannot list ipsets');

    // --node limits the nodes; a name that is no node is recorded, the others collected, and the exit code is 1
    const some = join(dir, 'some.zip');
    const limited = await cli(s2, ['sysdump', '--output-file', some, '--node', 'k8s-vm2', '--node', 'nope', '-o', 'json']);
    expect(limited.code).toBe(1);
    expect(limited.stderr).toMatch(/^error: no node named nope in the cluster \(--node\); some\.zip holds the other nodes$/m);
    expect(JSON.parse(limited.stdout).nodes).toEqual({ total: 2, complete: 1, failed: ['nope'] });
    const limitedFiles = filesUnder(unzip(some));
    expect(limitedFiles.filter((f) => f.includes('/nodes/')).every((f) => f.includes('/nodes/k8s-vm2/'))).toBe(true);
    expect(limitedFiles.some((f) => f.endsWith('nodes/k8s-vm2/weave-status.txt'))).toBe(true);

    const again = await cli(s2, ['sysdump', '--output-file', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists already: not overwriting it/);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });
});
