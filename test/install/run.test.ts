/**
 * The install flow (src/install/run.ts) on the in-memory cluster: what a fresh install writes, that a
 * re-run keeps the running settings, that the guard's refusal leaves the cluster as it was, and --diff.
 */
import { describe, expect, it } from 'vitest';
import { installOnCluster, type InstallContext } from '../../src/install/run.js';
import { netSettingsFromOptions, type InstallOptions } from '../../src/install/options.js';
import { WeavectlError } from '../../src/errors.js';
import { MemoryCluster } from '../fakes/memory-cluster.js';
import { memoryReporter } from '../fakes/reporter.js';

const ctx: InstallContext = { dryRun: 'none', output: 'text', namespace: 'kube-system', namespaceSet: false, timeoutMs: 0, deadline: Infinity };

function options(o: Partial<InstallOptions> = {}): InstallOptions {
  return { source: 'embedded', masqLocal: true, env: [], wait: false, skipChecks: true, yes: true, ...o };
}

async function install(cluster: MemoryCluster, o: Partial<InstallOptions> = {}, g: Partial<InstallContext> = {}) {
  const f = options(o);
  const { reporter, stdout, stderr } = memoryReporter();
  const code = await installOnCluster(cluster, f, netSettingsFromOptions(f).settings, { ...ctx, ...g }, reporter);
  return { code, stdout: stdout(), stderr: stderr() };
}

function weaveEnv(cluster: MemoryCluster): Record<string, string | undefined> {
  const ds = cluster.peek('apps/v1', 'DaemonSet', 'kube-system', 'weave-net');
  const weave = (ds?.spec.template.spec.containers as { name: string; env?: { name: string; value?: string }[] }[]).find((c) => c.name === 'weave');
  return Object.fromEntries((weave?.env ?? []).map((e) => [e.name, e.value]));
}

describe('install on the in-memory cluster (Kubernetes 1.29)', () => {
  it('a fresh install applies the Weave Net 2.8.1 objects with the settings and says so per object', async () => {
    const cluster = new MemoryCluster({ k8sVersion: '1.29.2' });
    const r = await install(cluster, { ipalloc: '10.40.0.0/16', mtu: '1376' });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      'serviceaccount/weave-net created',
      'clusterrole.rbac.authorization.k8s.io/weave-net created',
      'clusterrolebinding.rbac.authorization.k8s.io/weave-net created',
      'role.rbac.authorization.k8s.io/weave-net created',
      'rolebinding.rbac.authorization.k8s.io/weave-net created',
      'daemonset.apps/weave-net created',
    ]);
    expect(weaveEnv(cluster)).toMatchObject({ IPALLOC_RANGE: '10.40.0.0/16', WEAVE_MTU: '1376', CHECKPOINT_DISABLE: '1' });
    const ds = cluster.peek('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')!;
    expect(ds.spec.template.spec.containers.map((c: { image: string }) => c.image)).toEqual(['weaveworks/weave-kube:2.8.1', 'weaveworks/weave-npc:2.8.1']);
    expect(cluster.calls.filter((c) => c.startsWith('apply '))).toHaveLength(6);
  });

  it('a re-run without flags keeps the running settings, changes nothing and says "unchanged"', async () => {
    const cluster = new MemoryCluster();
    await install(cluster, { ipalloc: '10.40.0.0/16', mtu: '8916', connLimit: '50' });
    const before = cluster.snapshot();
    const r = await install(cluster);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Weave Net 2.8.1 is running: keeping its settings unless a flag changes them');
    expect(r.stderr).toMatch(/kept +IPALLOC_RANGE/);
    expect(r.stderr).toContain('No changes: the cluster already runs this manifest');
    expect(r.stdout).toContain('daemonset.apps/weave-net unchanged');
    expect(weaveEnv(cluster)).toMatchObject({ IPALLOC_RANGE: '10.40.0.0/16', WEAVE_MTU: '8916', CONN_LIMIT: '50' });
    expect(cluster.snapshot()).toEqual(before);
  });

  it('the guard refuses a range change on a running Weave Net and leaves the cluster unchanged', async () => {
    const cluster = new MemoryCluster();
    await install(cluster, { ipalloc: '10.40.0.0/16' });
    const before = cluster.snapshot();
    const calls = cluster.calls.length;
    const err = await install(cluster, { ipalloc: '10.50.0.0/16' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WeavectlError);
    expect((err as Error).message).toMatch(/^refusing to change the pod range of the running Weave Net from 10\.40\.0\.0\/16 to 10\.50\.0\.0\/16: .*; nothing was applied$/);
    expect(cluster.snapshot()).toEqual(before);
    expect(cluster.calls.slice(calls).filter((c) => /^(apply|patch|create|delete) /.test(c))).toEqual([]);
  });

  it('--allow-range-change lets the same change through', async () => {
    const cluster = new MemoryCluster();
    await install(cluster, { ipalloc: '10.40.0.0/16' });
    const r = await install(cluster, { ipalloc: '10.50.0.0/16', allowRangeChange: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('daemonset.apps/weave-net configured');
    expect(weaveEnv(cluster).IPALLOC_RANGE).toBe('10.50.0.0/16');
  });

  it('--diff returns 1 when something would change and 0 when nothing would, and writes nothing', async () => {
    const cluster = new MemoryCluster();
    const empty = cluster.snapshot();
    expect((await install(cluster, { diff: true })).code).toBe(1);
    expect(cluster.snapshot()).toEqual(empty);
    await install(cluster);
    const installed = cluster.snapshot();
    expect((await install(cluster, { diff: true })).code).toBe(0);
    expect((await install(cluster, { diff: true, mtu: '1400' })).code).toBe(1);
    expect(cluster.snapshot()).toEqual(installed);
  });

  it('-n naming a namespace Weave Net does not run in is refused before anything is written', async () => {
    const cluster = new MemoryCluster();
    await install(cluster);
    cluster.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
    const before = cluster.snapshot();
    const err = await install(cluster, {}, { namespace: 'other', namespaceSet: true }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toBe('Weave Net runs in namespace kube-system (DaemonSet kube-system/weave-net), not in other (-n other): weavectl will neither install a second one nor change it from there; nothing was applied');
    expect(cluster.snapshot()).toEqual(before);
  });

  it('the pre-flight checks run against the range about to be applied: a node address inside it fails the install before anything is written', async () => {
    const cluster = new MemoryCluster();
    cluster.put({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, status: { addresses: [{ type: 'InternalIP', address: '10.40.0.5' }], conditions: [{ type: 'Ready', status: 'True' }] } });
    const before = cluster.snapshot();
    const err = await install(cluster, { ipalloc: '10.40.0.0/16', skipChecks: false }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toBe('pre-flight check failed: the pod range holds no node address; nothing was applied');
    expect(cluster.snapshot()).toEqual(before);
    const ok = await install(cluster, { ipalloc: '10.41.0.0/16', skipChecks: false });
    expect(ok.code).toBe(0);
  });

  it('Kubernetes 1.7.5: the 1.6 flavour, DaemonSet in extensions/v1beta1, written without server-side apply', async () => {
    const cluster = new MemoryCluster({ k8sVersion: '1.7.5' });
    const r = await install(cluster);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('daemonset.extensions/weave-net created');
    expect(cluster.peek('extensions/v1beta1', 'DaemonSet', 'kube-system', 'weave-net')).toBeTruthy();
  });
});
