/**
 * `--diff` shows the fields the apply will remove, not only those the new manifest sets: server-side apply drops
 * what weavectl's field manager set before and the manifest no longer sets (as `kubectl diff`, from a server dry-run apply).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sim, snapshot, weavectl } from './harness.js';

describe('--diff shows the fields the apply removes', () => {
  it('scope --external-ip, then `scope --no-external-ip --diff` exits 1 and shows the externalIPs going away (and the apply removes them)', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    const first = await weavectl(s, ['scope', '--external-ip', '10.200.33.12', '--wait=false']);
    expect(first.code, first.stderr).toBe(0);
    const before = snapshot(s);

    const diff = await weavectl(s, ['scope', '--no-external-ip', '--diff']);
    expect(diff.code, diff.stderr).toBe(1);
    expect(diff.stdout).toMatch(/service\/weave-scope-app \(weave\): changed/);
    expect(diff.stdout).toMatch(/^ {2}- spec\.externalIPs: \["10\.200\.33\.12"\]$/m);
    expect(snapshot(s)).toBe(before);

    const json = await weavectl(s, ['scope', '--no-external-ip', '--diff', '-o', 'json']);
    expect(json.code, json.stderr).toBe(1);
    const doc = JSON.parse(json.stdout) as { changed: number; objects: { resource: string; changes: { path: string; kind: string; old?: unknown }[] }[] };
    const service = doc.objects.find((o) => o.resource === 'service/weave-scope-app')!;
    expect(service.changes).toContainEqual({ path: 'spec.externalIPs', kind: 'removed', old: ['10.200.33.12'] });

    // what --diff announced is what the apply does
    const applied = await weavectl(s, ['scope', '--no-external-ip', '--yes', '--wait=false']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(s.get('v1', 'Service', 'weave', 'weave-scope-app')!.spec.externalIPs).toBeUndefined();

    const again = await weavectl(s, ['scope', '--no-external-ip', '--diff']);
    expect(again.code, again.stdout).toBe(0);
  });

  const dir = mkdtempSync(join(tmpdir(), 'weavectl-diff-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('install --source with a nodeSelector, then --diff of the manifest without it shows the nodeSelector going away (and the apply removes it)', async () => {
    const upstream = readFileSync(new URL('../fixtures/upstream/net-2.8.1-k8s-1.11.yaml', import.meta.url), 'utf8');
    const withSelector = upstream.replace('          priorityClassName: system-node-critical\n', '          priorityClassName: system-node-critical\n          nodeSelector:\n            kubernetes.io/os: linux\n');
    expect(withSelector).not.toBe(upstream);
    writeFileSync(join(dir, 'with-selector.yaml'), withSelector);
    writeFileSync(join(dir, 'upstream.yaml'), upstream);
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    const first = await weavectl(s, ['install', '--source', join(dir, 'with-selector.yaml'), '--wait=false']);
    expect(first.code, first.stderr).toBe(0);
    const ds = () => s.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')!;
    expect(ds().spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    const before = snapshot(s);

    const diff = await weavectl(s, ['install', '--source', join(dir, 'upstream.yaml'), '--diff']);
    expect(diff.code, diff.stderr).toBe(1);
    expect(diff.stdout).toMatch(/daemonset\.apps\/weave-net \(kube-system\): changed/);
    expect(diff.stdout).toMatch(/^ {2}- spec\.template\.spec\.nodeSelector\["kubernetes\.io\/os"\]: linux$/m);
    expect(snapshot(s)).toBe(before);

    const applied = await weavectl(s, ['install', '--source', join(dir, 'upstream.yaml'), '--yes', '--wait=false']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(ds().spec.template.spec.nodeSelector).toBeUndefined();
    const again = await weavectl(s, ['install', '--source', join(dir, 'upstream.yaml'), '--diff']);
    expect(again.code, again.stdout).toBe(0);
  });

  it('a user who may not patch: --diff still shows what the manifest changes, and one warning says the removals are not shown', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    expect((await weavectl(s, ['scope', '--external-ip', '10.200.33.12', '--wait=false'])).code).toBe(0);
    s.faults.forbid({ verb: 'patch' });
    const diff = await weavectl(s, ['scope', '--read-only', '--diff']);
    expect(diff.code, diff.stderr).toBe(1);
    expect(diff.stdout).toMatch(/daemonset\.apps\/weave-scope-agent \(weave\): changed/);
    const warnings = diff.stderr.split('\n').filter((l) => l.includes('could not dry-run'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^Warning: could not dry-run the apply of \d+ objects, first \S+: .*forbidden.*; the fields the apply would remove from them are not shown$/);
  });
});
