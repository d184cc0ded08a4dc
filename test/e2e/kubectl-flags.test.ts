/**
 * kubectl's global flags that users pass out of habit, with kubectl's meaning (issue 12 §3), through
 * the built CLI against the simulator (which requires a bearer token here).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { sim, snapshot } from './harness.js';

describe("kubectl's global flags", () => {
  it('-s URL --token T works with no kubeconfig at all; a wrong token is the 401 line', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 1, token: 'sekret' });
    const ok = await runCli(['-s', s.url, '--token', 'sekret', 'policy', 'list', '-n', 'kube-system']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('namespace kube-system: not isolated');
    expect(ok.stderr).toMatch(/^Warning: .*is plain HTTP/m);
    const before = snapshot(s);
    const bad = await runCli(['--server', s.url, '--token', 'wrong', 'install']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: the API server http:\/\/127\.0\.0\.1:\d+ refused the credentials .*401 Unauthorized$/m);
    expect(snapshot(s)).toBe(before);
  });

  it('--token overrides the kubeconfig user; --insecure-skip-tls-verify=true is taken as kubectl writes it', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 1, token: 'sekret' });
    // the simulator's kubeconfig holds the right token: --token wrong must win
    const r = await runCli(['--kubeconfig', s.kubeconfigPath, '--token', 'wrong', 'policy', 'list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/401 Unauthorized/);
    const ok = await runCli(['--kubeconfig', s.kubeconfigPath, '--insecure-skip-tls-verify=true', 'policy', 'list']);
    expect(ok.code, ok.stderr).toBe(0);
  });

  it.each([
    [['--user', 'nobody', 'policy', 'list'], /^error: user "nobody" \(--user\) does not exist in the kubeconfig \(available: sim\)$/m],
    [['--cluster', 'nope', 'policy', 'list'], /^error: cluster "nope" \(--cluster\) does not exist in the kubeconfig \(available: sim\)$/m],
    [['-s', 'ftp://h', 'policy', 'list'], /^error: invalid --server "ftp:\/\/h": expected an address like https:\/\/10\.200\.33\.10:6443$/m],
    [['--insecure-skip-tls-verify=maybe', 'policy', 'list'], /^error: --insecure-skip-tls-verify takes true or false, not "maybe"$/m],
    [['--request-timeout', '1.5', 'status'], /^error: invalid --request-timeout "1\.5"/m],
  ])('%j is a usage error, exit 2, nothing sent', async (args, re) => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 1 });
    const r = await runCli(['--kubeconfig', s.kubeconfigPath, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(re);
  });

  it('--as, --as-group (one header line a group) and --as-uid reach the API server as its impersonation headers', async () => {
    const seen: Record<string, string[] | undefined>[] = [];
    const server = http.createServer((req, res) => {
      seen.push({ user: req.headersDistinct['impersonate-user'], group: req.headersDistinct['impersonate-group'], uid: req.headersDistinct['impersonate-uid'] });
      res.writeHead(403, { 'Content-Type': 'application/json' }).end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403, message: 'forbidden' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const r = await runCli(['-s', url, '--token', 't', '--as', 'jane', '--as-group', 'dev', '--as-group', 'ops', '--as-uid', '42', 'policy', 'list']);
      expect(r.code).toBe(1);
      expect(seen[0]).toEqual({ user: ['jane'], group: ['dev', 'ops'], uid: ['42'] });
      const sent = seen.length;
      const bad = await runCli(['-s', url, '--token', 't', '--as-group', 'dev', 'policy', 'list']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^error: --as-group and --as-uid need --as: /m);
      expect(seen).toHaveLength(sent); // nothing sent
    } finally {
      server.close();
    }
  });

  it('every one is in --help', async () => {
    const r = await runCli(['--help']);
    for (const f of ['-s, --server', '--cluster', '--user', '--token', '--as <user>', '--as-group', '--as-uid', '--certificate-authority', '--insecure-skip-tls-verify', '--request-timeout']) {
      expect(r.stdout).toContain(f);
    }
  });
});
