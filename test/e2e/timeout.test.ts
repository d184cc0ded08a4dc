/**
 * --timeout bounds the whole command, every request included, and any length works; kubectl's
 * --request-timeout bounds one request (issue 10, point 7).
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { rolloutLines, sim, weavectl } from './harness.js';

describe('--timeout', () => {
  it('600h (longer than one timer holds) installs and waits, no false "timed out"', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    const r = await weavectl(s, ['install', '--timeout', '600h']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/timed out/);
    expect(rolloutLines(r).at(-1)).toBe('daemon set "weave-net" successfully rolled out');
    const status = await weavectl(s, ['rollout-status', '--timeout', '600h']);
    expect(status.code, status.stderr).toBe(0);
  });
});

describe('an API server that accepts connections and never answers', () => {
  let server: net.Server;
  const sockets: net.Socket[] = [];
  let kubeconfig: string;

  beforeAll(async () => {
    server = net.createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    kubeconfig = join(mkdtempSync(join(tmpdir(), 'weavectl-hang-')), 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:${port}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user: {}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\n`,
    );
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it.concurrent.each([['install'], ['status'], ['check', '--pre'], ['rollout-status'], ['policy', 'list'], ['uninstall']].map((a) => [a.join(' '), a] as const))(
    '%s --timeout 2s ends in about 2 s: one error line whose hint names --timeout',
    async (_name, args) => {
      const t0 = Date.now();
      const r = await runCli(['--kubeconfig', kubeconfig, ...args, '--timeout', '2s'], { timeoutMs: 20_000 });
      const took = Date.now() - t0;
      expect(r.code).toBe(1);
      expect(took).toBeLessThan(2_000 + 3_000); // node start-up and the exit included
      expect(r.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual([expect.stringMatching(/before the --timeout of 2s ran out/)]);
      expect(r.stderr).toMatch(/^hint: .*raise --timeout$/m);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    },
  );

  it('--request-timeout 1 (seconds, as kubectl) ends the first request after 1 s; the hint names the flag', async () => {
    const t0 = Date.now();
    const r = await runCli(['--kubeconfig', kubeconfig, 'status', '--request-timeout', '1'], { timeoutMs: 20_000 });
    expect(r.code).toBe(1);
    expect(Date.now() - t0).toBeLessThan(1_000 + 3_000);
    expect(r.stderr).toMatch(/^error: .*no answer from the API server http:\/\/127\.0\.0\.1:\d+ within 1s$/m);
    expect(r.stderr).toMatch(/^hint: .*raise --request-timeout$/m);
  });

  it('a bad --request-timeout is a usage error (exit 2) before any request', async () => {
    const r = await runCli(['--kubeconfig', kubeconfig, 'status', '--request-timeout', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')[0]).toBe('error: invalid --request-timeout "soon": must be a whole number of seconds, or a number with a unit (e.g. 1s, 2m, 3h)');
  });
});

describe('an exec credential plugin that never answers', () => {
  it('--timeout 2s ends in about 2 s with one line naming the credentials', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 1 });
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'weavectl-exec-hang-')), 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${s.url}\nusers:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: ${JSON.stringify(process.execPath)}\n      args: ["-e", "setTimeout(() => {}, 60000)"]\n      interactiveMode: Never\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\n`,
    );
    const t0 = Date.now();
    const r = await runCli(['--kubeconfig', kubeconfig, 'policy', 'list', '--timeout', '2s'], { timeoutMs: 20_000 });
    expect(r.code).toBe(1);
    expect(Date.now() - t0).toBeLessThan(2_000 + 3_000);
    expect(r.stderr).toMatch(/^error: cannot get credentials for context "c": no answer before the --timeout of 2s ran out$/m);
    expect(r.stderr).toMatch(/^hint: the exec plugin/m);
  });
});
