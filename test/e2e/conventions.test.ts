/**
 * kubectl's conventions, held by every command (README "Output and exit codes"), as a table run
 * against the simulator with Weave Net, Scope and two pods in prod:
 * - the exit code: 0 ok, 1 the operation failed, 2 the command line was wrong;
 * - `error:` on stderr when the exit code is not 0 (a report such as status says it in its × lines),
 *   never when it is 0, never a stack trace;
 * - results on stdout; with -o json stdout is exactly one JSON document and stderr holds no JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../cli/run-cli.js';
import { startSimulator, type Simulator } from '../sim/index.js';

let sim: Simulator;
const cli = (args: string[]) => runCli(['--kubeconfig', sim.kubeconfigPath, ...args], { timeoutMs: 60_000 });

beforeAll(async () => {
  sim = await startSimulator({ k8sVersion: '1.29.2', nodes: 2, stepDelayMs: 2 });
  const inst = await cli(['install', '--timeout', '60s']);
  expect(inst.code, inst.stderr).toBe(0);
  sim.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } });
  for (const [name, node] of [['web-1', 'k8s-vm1'], ['web-2', 'k8s-vm2']] as const) {
    sim.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'prod', labels: { app: 'web' } }, spec: { nodeName: node, containers: [{ name: 'web', image: 'nginx' }] } });
  }
  await sim.waitFor(() => sim.list('v1', 'Pod', 'prod').every((p) => p['status']?.['podIP']));
}, 120_000);

afterAll(async () => {
  await sim?.stop();
});

function holdsConventions(r: CliResult, code: number, label: string): void {
  expect(r.code, `${label}\n${r.stderr}`).toBe(code);
  expect(r.stderr, label).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
  if (code === 0) expect(r.stderr, label).not.toMatch(/^error:/m);
  // a failure is named: one `error:` line, or (status, check: a report, as linkerd check) its × lines on stdout
  else expect(`${r.stderr}\n${r.stdout}`, label).toMatch(code === 1 ? /^(error: |× )/m : /^error: /m);
}

function oneJsonDocument(r: CliResult, label: string): unknown {
  const text = r.stdout.trim();
  expect(text, `${label}: stdout is empty\n${r.stderr}`).not.toBe('');
  expect(/^[[{]/.test(text), label).toBe(true);
  const doc = JSON.parse(text) as unknown; // throws on two documents or JSON lines
  for (const line of r.stderr.split('\n')) expect(line.trimStart().startsWith('{'), `${label}: JSON on stderr: ${line}`).toBe(false);
  return doc;
}

/** [arguments, exit code, whether -o json applies]; run in this order (later rows see what earlier ones did). */
const TABLE: [string[], number, boolean][] = [
  [['version'], 0, true],
  [['status'], 0, true],
  [['check'], 0, true],
  [['rollout-status'], 0, true],
  [['rollout-status', '--watch=false'], 0, true],
  [['install', '--diff'], 0, true],
  [['install', '--wait=false'], 0, true],
  [['scope', '--wait=false'], 0, true],
  [['policy', 'isolate', 'prod'], 0, true],
  [['policy', 'allow', '-n', 'prod', '--to', 'app=web', '--from', 'app=web', '--name', 'web'], 0, true],
  [['policy', 'list', '-n', 'prod'], 0, true],
  [['policy', 'explain', '--from', 'prod/web-1', '--to', 'prod/web-2:80'], 0, true],
  [['npc', 'rules', '--node', 'k8s-vm1'], 0, true],
  [['install', '--k8s-version', '1.29', '--dry-run=client'], 0, true],
  [['scope', '--k8s-version', '1.29', '--dry-run=client'], 0, true],
  [['policy', 'allow', '-n', 'prod', '--to', 'app=web', '--dry-run=client'], 0, true],
  [['version', '--client'], 0, true],
  [['options'], 0, false],
  [['completion', 'bash'], 0, false],
  // the operation failed: 1
  [['rollout-status', 'ds/nope'], 1, true],
  [['status', '-n', 'default'], 1, true],
  [['check', '--pre', '--ipalloc', '10.96.0.0/12'], 1, true],
  // the command line was wrong: 2
  [['install', '--ipalloc', '10.32.0.1/12'], 2, true],
  [['status', '--concurrency', '0'], 2, true],
  [['rollout-status', 'pod/x'], 2, true],
  [['completion', 'tcsh'], 2, false],
  [['upgrade'], 2, false],
  [['instal'], 2, false],
  [['status', '-o', 'name'], 2, false],
  [['status', '-o', 'table'], 2, false],
];
/** Last: it deletes what the rows above (and the -o name rows) work on. */
const LAST: [string[], number, boolean][] = [[['uninstall', '--scope', '--wait=false'], 0, true]];

describe('every command keeps the conventions (exit code, error line, stdout/stderr split, -o json one document)', () => {
  const row = async (args: string[], code: number, json: boolean) => {
    const label = `weavectl ${args.join(' ')}`;
    const text = await cli(args);
    holdsConventions(text, code, label);
    if (code === 0 && !args.includes('--diff')) expect(text.stdout.trim(), `${label}: a result on stdout\n${text.stderr}`).not.toBe('');
    if (!json) return;
    const j = await cli([...args, '-o', 'json']);
    holdsConventions(j, code, `${label} -o json`);
    if (code === 0) oneJsonDocument(j, `${label} -o json`);
    else if (j.stdout.trim() !== '') oneJsonDocument(j, `${label} -o json`);
  };
  it.each(TABLE.map(([args, code, json]) => [args.join(' '), args, code, json] as const))('weavectl %s', async (_label, args, code, json) => row(args, code, json));

  // -o name where objects are printed: kind.group/name lines and nothing else on stdout
  const NAME_ROWS: string[][] = [
    ['install', '--wait=false'],
    ['scope', '--wait=false'],
    ['policy', 'allow', '-n', 'prod', '--to', 'app=web', '--name', 'web-any'],
    ['policy', 'isolate', 'prod', '--egress'],
    ['install', '--k8s-version', '1.29', '--dry-run=client'],
    ['uninstall', '--scope', '--wait=false', '--dry-run=client'],
  ];
  it.each(NAME_ROWS.map((args) => [args.join(' '), args] as const))('-o name: weavectl %s', async (_label, args) => {
    const r = await cli([...args, '-o', 'name']);
    holdsConventions(r, 0, `${args.join(' ')} -o name`);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length, r.stderr).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(/^[a-z]+(\.[a-z0-9.]+)?\/[a-z0-9.-]+$/);
  });

  it.each(LAST.map(([args, code, json]) => [args.join(' '), args, code, json] as const))('weavectl %s', async (_label, args, code, json) => row(args, code, json));
});

describe('help, bare weavectl, options, upgrade', () => {
  it('bare weavectl prints the help to stdout and exits 0; so does help', async () => {
    for (const args of [[], ['help'], ['--context', 'x']]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/^Usage: weavectl \[options\] \[command\]/);
      expect(r.stderr).toBe('');
    }
  });

  it("help policy allow shows allow's help; every subcommand's help names `weavectl options`, which lists the global flags", async () => {
    const allow = await runCli(['help', 'policy', 'allow']);
    expect(allow.code).toBe(0);
    expect(allow.stdout).toMatch(/^Usage: weavectl policy allow \[options\]/);
    expect(allow.stdout).toContain('--from-namespace <selector>');
    const cmds = ['install', 'scope', 'rollout-status', 'check', 'status', 'uninstall', 'policy', 'policy isolate', 'policy allow', 'policy list', 'policy explain', 'npc', 'npc rules', 'version', 'completion'];
    for (const c of cmds) {
      const r = await runCli([...c.split(' '), '--help']);
      expect(r.code, c).toBe(0);
      expect(r.stdout, c).toContain('Use "weavectl options" for a list of global command-line options (applies to all commands).');
      expect(r.stdout, c).toMatch(/Examples?:/);
    }
    const o = await runCli(['options']);
    for (const flag of ['--kubeconfig <path>', '--context <name>', '-n, --namespace <namespace>', '-o, --output <format>', '--dry-run [mode]', '--timeout <duration>', '-v, --verbose']) {
      expect(o.stdout).toContain(flag);
    }
  });

  it('upgrade points at install (exit 2, one line and a hint)', async () => {
    const r = await runCli(['upgrade', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: unknown command "upgrade" for "weavectl": install upgrades a running Weave Net, keeping its settings\nhint: see what would change with `weavectl install --diff`, then run `weavectl install`\n');
  });
});
