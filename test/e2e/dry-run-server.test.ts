/**
 * --dry-run=server before Kubernetes 1.13 (server-side dry-run beta and on by default from 1.13): an
 * older server would ignore dryRun=All and apply for real, so every writing command fails once, up
 * front, with the reason and nothing sent; on 1.13+ it is sent with dryRun and changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { sim, snapshot, weavectl } from './harness.js';

const WRITERS: string[][] = [
  ['install'],
  ['scope'],
  ['uninstall', '--scope'],
  ['policy', 'isolate', 'default'],
  ['policy', 'allow', '-n', 'default', '--to', 'app=web'],
];

describe('--dry-run=server', () => {
  it('on 1.12 every writing command fails up front with one error line, and nothing is written', async () => {
    const s = await sim({ k8sVersion: '1.12.10', nodes: 1 });
    let writes = 0;
    s.store.subscribe('*', () => writes++);
    const before = snapshot(s);
    for (const args of WRITERS) {
      const r = await weavectl(s, [...args, '--dry-run=server']);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr.match(/^error: /gm), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toContain('error: server-side dry-run needs Kubernetes 1.13 or newer; the cluster runs v1.12.10');
      expect(r.stderr).toContain('hint: use --dry-run=client');
      expect(r.stdout).toBe('');
    }
    expect(snapshot(s)).toBe(before);
    expect(writes).toBe(0);
  });

  it('on 1.13 it is sent with dryRun and changes nothing', async () => {
    const s = await sim({ k8sVersion: '1.13.12', nodes: 1 });
    const before = snapshot(s);
    const r = await weavectl(s, ['install', '--dry-run=server']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/created \(server dry run\)$/m);
    expect(snapshot(s)).toBe(before);
  });
});
