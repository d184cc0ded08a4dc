/**
 * writeSysdump (src/sysdump/collect.ts) over a real cluster connection to the simulator: on a terminal
 * the progress is one bar redrawn in place on stderr; nodes are read at most `concurrency` at a time.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/cluster/kube-cluster.js';
import { Reporter } from '../../src/output/reporter.js';
import { writeSysdump } from '../../src/sysdump/collect.js';
import { SpoolDir } from '../../src/sysdump/spool.js';
import { ZipWriter } from '../../src/sysdump/zip.js';
import { startSimulator } from '../sim/index.js';
import { daemonSet, DS_PATH, post } from '../sim/testkit.js';

const dir = mkdtempSync(join(tmpdir(), 'weavectl-sysdump-collect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeSysdump', () => {
  it('draws one progress bar on a terminal and asks at most `concurrency` nodes at once', async () => {
    const sim = await startSimulator({ nodes: 6, stepDelayMs: 5 });
    try {
      const ds = daemonSet('weave-net');
      ds['spec']['template']['spec']['hostNetwork'] = true;
      await post(sim, DS_PATH, ds);
      await sim.waitFor(() => sim.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')?.['status']?.['numberAvailable'] === 6, { timeoutMs: 10_000 });
      let running = 0;
      let most = 0;
      sim.execHandlers.add(async (pod, _c, cmd) => {
        if (cmd.join(' ') !== '/home/weave/weave --local status') return undefined;
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 30));
        running--;
        return { stdout: `        Version: 2.8.1\n           Name: x(${pod['spec']['nodeName']})\n`, stderr: '', exitCode: 0 };
      });
      const err = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
      let text = '';
      err.on('data', (d) => (text += d));
      const reporter = new Reporter({ stderr: err, stdout: new PassThrough(), env: { TERM: 'xterm' }, color: false });
      const cluster = await connect({ kubeconfig: sim.kubeconfigPath, env: {}, onWarning: () => undefined });
      const file = join(dir, 'a.zip');
      const out = createWriteStream(file);
      const spools = new SpoolDir(file);
      const zip = new ZipWriter(out);
      const summary = await writeSysdump(cluster, zip, spools, { namespace: 'kube-system', nodes: [], concurrency: 2, execTimeoutMs: 5000, logsLimitBytes: 1 << 20, meshViewNodes: 1, root: 'dump' }, reporter);
      await zip.finish();
      out.end();
      await once(out, 'close');
      spools.dispose();
      cluster.close();
      expect(summary.nodes.total).toBe(6);
      expect(most).toBe(2);
      expect(text).toContain('\r\x1b[2KCollecting [░░░░░░░░░░░░░░░░░░░░░░░░] 0/6 nodes');
      expect(text).toMatch(/\r\x1b\[2KCollecting \[█{24}\] 6\/6 nodes/);
      expect(text.split('\n').filter((l) => l.includes('Collecting'))).toHaveLength(1); // redrawn in place, one line
    } finally {
      await sim.stop();
    }
  });
});
