/**
 * startScopeOpen (src/scope/open.ts) in process against the simulator: the browser is opened only when
 * there is a desktop, and an opener that cannot start is a line on stderr, never an error.
 */
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type KubeCluster } from '../../src/cluster/kube-cluster.js';
import { toObjects } from '../../src/manifest/manifest.js';
import { applyScopeSettings } from '../../src/manifest/patch-scope.js';
import { loadScopeTemplate } from '../../src/manifest/templates.js';
import { Reporter } from '../../src/output/reporter.js';
import { openBrowser, type Opener } from '../../src/scope/browser.js';
import { startScopeOpen } from '../../src/scope/open.js';
import { startSimulator, type Simulator } from '../sim/index.js';

let sim: Simulator | undefined;
let c: KubeCluster | undefined;
afterEach(async () => {
  c?.close();
  await sim?.stop();
  sim = undefined;
  c = undefined;
});

function capture(): { reporter: Reporter; out: () => string; err: () => string } {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d) => (o += d));
  err.on('data', (d) => (e += d));
  return { reporter: new Reporter({ stdout: out, stderr: err, env: { NO_COLOR: '1' } }), out: () => o, err: () => e };
}

async function withScope(): Promise<void> {
  sim = await startSimulator({ k8sVersion: '1.29.2', nodes: 1, stepDelayMs: 5 });
  for (const o of toObjects(applyScopeSettings(loadScopeTemplate('current'), {}).manifest)) sim.put(o as never);
  await sim.waitFor(() => sim!.list('v1', 'Pod', 'weave').find((p) => p['metadata']?.['labels']?.['weave-scope-component'] === 'app' && p['status']?.['phase'] === 'Running'));
  c = await connect({ kubeconfig: sim.kubeconfigPath, env: {}, onWarning: () => undefined });
}

describe('scope open and the browser', () => {
  it('an opener that does not exist: a line saying so, the forwarding goes on', async () => {
    expect(await openBrowser({ command: 'weavectl-test-no-such-opener', args: ['http://x/'] })).toMatch(/^weavectl-test-no-such-opener: spawn weavectl-test-no-such-opener ENOENT$/);
    await withScope();
    const io = capture();
    const session = await startScopeOpen(c!, { address: '127.0.0.1', port: 0, browser: true }, io.reporter, { opener: (url) => ({ command: 'weavectl-test-no-such-opener', args: [url] }) });
    expect(io.out().trim()).toBe(session.url);
    expect(io.err()).toContain(`Could not open a browser (weavectl-test-no-such-opener: spawn weavectl-test-no-such-opener ENOENT): open ${session.url} yourself`);
    expect((await fetch(`${session.url}api`)).status).toBe(200);
    await session.close();
  });

  it('a desktop: the opener gets the URL; no desktop or --browser=false: nothing is started', async () => {
    await withScope();
    const opened: Opener[] = [];
    const open = async (o: Opener) => {
      opened.push(o);
      return undefined;
    };
    let io = capture();
    let s = await startScopeOpen(c!, { address: '127.0.0.1', port: 0, browser: true }, io.reporter, { opener: (url) => ({ command: 'xdg-open', args: [url] }), open });
    expect(opened).toEqual([{ command: 'xdg-open', args: [s.url] }]);
    await s.close();
    io = capture();
    s = await startScopeOpen(c!, { address: '127.0.0.1', port: 0, browser: true }, io.reporter, { opener: () => undefined, open });
    await s.close();
    s = await startScopeOpen(c!, { address: '127.0.0.1', port: 0, browser: false }, io.reporter, { opener: (url) => ({ command: 'xdg-open', args: [url] }), open });
    await s.close();
    expect(opened).toHaveLength(1);
  });
});
