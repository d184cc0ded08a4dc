/**
 * Upgrades through the CLI: `weavectl install` on a cluster that already runs Weave keeps its settings,
 * shows what will change, refuses a range change, and records the settings on the DaemonSet.
 */
import { describe, expect, it } from 'vitest';
import { sim, snapshot, weavectl } from './harness.js';

type Obj = Record<string, any>;
const weave = (ds: Obj) => (ds.spec.template.spec.containers as Obj[]).find((c) => c.name === 'weave')!;

describe('install on a running Weave Net (the seed: 2.0.5 -> 2.7.0 on 1.7.5, 172.25.64.0/18)', () => {
  it('keeps the settings, prints the changes, refuses a range change, and --diff changes nothing', async () => {
    const s = await sim({ k8sVersion: '1.7.5', nodes: 4 });
    const first = await weavectl(s, ['install', '--weave-version', '2.0.5', '--ipalloc', '172.25.64.0/18', '--mtu', '1410']);
    expect(first.code, first.stderr).toBe(0);
    await new Promise((r) => setTimeout(r, 300));

    // kubectl diff's convention: exit 1 when there are differences
    const diff = await weavectl(s, ['install', '--diff']);
    expect(diff.code, diff.stderr).toBe(1);
    expect(diff.stderr).not.toMatch(/error:/);
    expect(diff.stdout).toMatch(/daemonset\.extensions\/weave-net \(kube-system\): changed/);
    expect(diff.stdout).toMatch(/containers\[weave\]\.image: weaveworks\/weave-kube:2\.0\.5 -> weaveworks\/weave-kube:2\.7\.0/);
    expect(diff.stdout).not.toMatch(/IPALLOC_RANGE/);
    expect(weave(s.get('extensions/v1beta1', 'DaemonSet', 'kube-system', 'weave-net')!).image).toBe('weaveworks/weave-kube:2.0.5');
    const diffJson = await weavectl(s, ['install', '--diff', '-o', 'json']);
    expect(diffJson.code, diffJson.stderr).toBe(1);
    const d = JSON.parse(diffJson.stdout);
    expect(d.changed).toBeGreaterThan(0);
    expect(d.objects).toContainEqual(expect.objectContaining({ resource: 'daemonset.extensions/weave-net', status: 'changed' }));

    const before = snapshot(s);
    const refused = await weavectl(s, ['install', '--ipalloc', '10.32.0.0/12']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/error: .*172\.25\.64\.0\/18.*10\.32\.0\.0\/12.*weave#2874/);
    expect(refused.stderr).toMatch(/--allow-range-change/);
    expect(snapshot(s)).toBe(before);

    const up = await weavectl(s, ['install']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/kept\s+IPALLOC_RANGE=172\.25\.64\.0\/18/);
    expect(up.stderr).toMatch(/kept\s+WEAVE_MTU=1410/);
    expect(up.stdout).toMatch(/daemon set "weave-net" successfully rolled out/);
    const ds = s.get('extensions/v1beta1', 'DaemonSet', 'kube-system', 'weave-net')!;
    expect(weave(ds).image).toBe('weaveworks/weave-kube:2.7.0');
    expect(weave(ds).env).toContainEqual({ name: 'IPALLOC_RANGE', value: '172.25.64.0/18' });
    expect(weave(ds).env).toContainEqual({ name: 'WEAVE_MTU', value: '1410' });
    expect(JSON.parse(ds.metadata.annotations['weavectl.io/settings'])).toMatchObject({ v: 1, weave: '2.7.0', settings: { ipalloc: '172.25.64.0/18', mtu: 1410 } });

    const noop = await weavectl(s, ['install', '--diff']);
    expect(noop.code, noop.stderr).toBe(0);
    expect(noop.stderr).toMatch(/No changes/);

    const allowed = await weavectl(s, ['install', '--ipalloc', '10.40.0.0/16', '--allow-range-change', '--wait=false']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toMatch(/Warning: .*10\.40\.0\.0\/16/);
    expect(weave(s.get('extensions/v1beta1', 'DaemonSet', 'kube-system', 'weave-net')!).env).toContainEqual({ name: 'IPALLOC_RANGE', value: '10.40.0.0/16' });
  });

  it('keeps env from valueFrom; --disable-npc=false turns weave-npc back on, --no-password-secret turns encryption off (each allowed by its flag, with a warning)', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    s.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'weave-passwd', namespace: 'kube-system' }, data: { 'weave-passwd': Buffer.from('s3cret').toString('base64') } });
    const first = await weavectl(s, ['install', '--disable-npc', '--password-secret', 'weave-passwd', '--wait=false']);
    expect(first.code, first.stderr).toBe(0);
    const ds = () => s.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')!;
    expect((ds().spec.template.spec.containers as Obj[]).map((c) => c.name)).toEqual(['weave']);
    expect(weave(ds()).env.map((e: Obj) => e.name)).toContain('WEAVE_PASSWORD');

    // an env var someone added from a field of the pod
    const edited = structuredClone(ds());
    weave(edited).env.push({ name: 'WEAVE_EXPOSE_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.hostIP' } } });
    s.put(edited);

    // a plain upgrade keeps all three
    const kept = await weavectl(s, ['install', '--yes', '--wait=false']);
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stderr).toMatch(/kept\s+weave-npc off/);
    expect(kept.stderr).toMatch(/kept\s+WEAVE_PASSWORD from Secret weave-passwd/);
    expect(kept.stderr).toMatch(/kept\s+env WEAVE_EXPOSE_IP from fieldRef status\.hostIP/);
    expect(kept.stderr).not.toMatch(/not carried over/);
    expect(weave(ds()).env).toContainEqual({ name: 'WEAVE_EXPOSE_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.hostIP' } } });

    // both are changes the guard refuses unless allowed (test/e2e/safety-guard.test.ts)
    const refused = await weavectl(s, ['install', '--disable-npc=false', '--no-password-secret', '--yes', '--wait=false']);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(/error: refusing: .*WEAVE_PASSWORD.*\(also refused: --allow-npc-change\)/);
    const changed = await weavectl(s, ['install', '--disable-npc=false', '--no-password-secret', '--allow-npc-change', '--allow-password-change', '--yes', '--wait=false']);
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stderr).toMatch(/changed\s+WEAVE_PASSWORD: Secret weave-passwd -> unset \(no encryption\)/);
    expect(changed.stderr).toMatch(/changed\s+weave-npc: off -> on/);
    expect(changed.stderr).toMatch(/Warning: peers whose passwords differ cannot connect/);
    expect((ds().spec.template.spec.containers as Obj[]).map((c) => c.name)).toEqual(['weave', 'weave-npc']);
    expect(weave(ds()).env.map((e: Obj) => e.name)).not.toContain('WEAVE_PASSWORD');
    expect(weave(ds()).env.map((e: Obj) => e.name)).not.toContain('EXPECT_NPC');
    expect(JSON.parse(ds().metadata.annotations['weavectl.io/settings']).settings).toEqual({
      envFrom: { WEAVE_EXPOSE_IP: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.hostIP' } } },
    });

    const bad = await weavectl(s, ['install', '--disable-npc=maybe']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--disable-npc takes true or false, not "maybe"/);
  });

  it('the pre-flight checks stop an install next to another CNI; --skip-checks goes ahead', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    s.put({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'calico-node', namespace: 'kube-system', labels: { 'k8s-app': 'calico-node' } },
      spec: {
        selector: { matchLabels: { 'k8s-app': 'calico-node' } },
        template: { metadata: { labels: { 'k8s-app': 'calico-node' } }, spec: { containers: [{ name: 'calico-node', image: 'calico/node:v3.27.0' }] } },
      },
    });
    const before = snapshot(s);
    const r = await weavectl(s, ['install']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/calico/);
    expect(r.stderr).toMatch(/error: pre-flight check/);
    expect(snapshot(s)).toBe(before);
    const skipped = await weavectl(s, ['install', '--skip-checks', '--wait=false']);
    expect(skipped.code, skipped.stderr).toBe(0);
  });
});
