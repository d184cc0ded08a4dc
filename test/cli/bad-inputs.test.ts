/**
 * Every bad input of the table (bad-inputs.ts) through the built CLI against the simulator: one
 * `error:` line (an info line such as "read FILE (N bytes, sha256 ...)" may come before it, a `hint:`
 * after it), the exit code, nothing on stdout, no stack trace, and the cluster unchanged.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshot } from '../e2e/snapshot.js';
import { startSimulator, type Simulator } from '../sim/index.js';
import { BAD_INPUTS, FILES, KUBECONFIGS } from './bad-inputs.js';
import { runCli, type CliResult } from './run-cli.js';

let sim: Simulator;
let before: string;
const dir = mkdtempSync(join(tmpdir(), 'weavectl-bad-'));
const kubeconfigs = new Map<string, string>();

/** At most this many CLI processes at once (2 cores, shared). */
const CONCURRENCY = 6;
let active = 0;
const waiting: (() => void)[] = [];
async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (active >= CONCURRENCY) await new Promise<void>((r) => waiting.push(r));
  active++;
  try {
    return await fn();
  } finally {
    active--;
    waiting.shift()?.();
  }
}

beforeAll(async () => {
  // a token is required: a kubeconfig with another one gets 401
  sim = await startSimulator({ k8sVersion: '1.29.2', nodes: 2, token: 'the-token' });
  for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
  for (const [name, text] of Object.entries(KUBECONFIGS)) {
    const p = join(dir, `kubeconfig-${name}`);
    writeFileSync(p, text.replaceAll('__SERVER__', sim.url));
    kubeconfigs.set(name, p);
  }
  before = snapshot(sim);
});

afterAll(async () => {
  await sim?.stop();
});

function argsOf(args: string[]): string[] {
  return args.map((a) => (a.startsWith('@') ? join(dir, a.slice(1)) : a));
}

describe('bad inputs: one line, the right exit code, no stack trace, the cluster untouched', () => {
  it('the table holds at least 150 inputs, each once', () => {
    expect(BAD_INPUTS.length).toBeGreaterThanOrEqual(150);
    expect(new Set(BAD_INPUTS.map((b) => b.name)).size).toBe(BAD_INPUTS.length);
  });

  it.concurrent.each(BAD_INPUTS.map((b) => [b.name, b] as const))('%s', async (_name, b) => {
    const kc = b.kc === null ? [] : ['--kubeconfig', b.kc === undefined ? sim.kubeconfigPath : kubeconfigs.get(b.kc)!];
    const r: CliResult = await limited(() => runCli([...kc, '--timeout', '10s', ...argsOf(b.args)], { stdin: b.stdin, timeoutMs: 30_000 }));
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    const errors = lines.filter((l) => l.startsWith('error:'));
    expect({ code: r.code, errors: errors.length, stdout: r.stdout }, r.stderr).toEqual({ code: b.code, errors: 1, stdout: '' });
    expect(errors[0], r.stderr).toMatch(b.error);
    // after the error line: at most its hint
    const after = lines.slice(lines.indexOf(errors[0]!) + 1);
    expect(after.filter((l) => !l.startsWith('hint: ')), r.stderr).toEqual([]);
    expect(r.stderr).not.toMatch(/\n\s+at |file:\/\/|node:internal/);
    expect(snapshot(sim)).toBe(before);
  });
});

describe("commander's errors are weavectl's: one error line, the suggestion as its hint", () => {
  it.each([
    [['--kubeconfg', 'x', 'status'], "error: unknown option '--kubeconfg'", 'hint: did you mean --kubeconfig?'],
    [['statsu'], "error: unknown command 'statsu'", 'hint: did you mean status?'],
    [['policy', 'isolat', 'default'], "error: unknown command 'isolat'", 'hint: did you mean isolate?'],
  ])('%j', async (args, error, hint) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${error}\n${hint}\n`);
  });
});
