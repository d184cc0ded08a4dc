/**
 * The scope flow (src/scope/run.ts) on the in-memory cluster: a fresh install, a re-run that keeps the
 * running settings, a change by flag, --diff, and the refusal of a second Scope (nothing written).
 */
import { describe, expect, it } from 'vitest';
import { scopeFlagSettings, type ScopeOptions } from '../../src/scope/options.js';
import { scopeOnCluster, type ScopeContext } from '../../src/scope/run.js';
import type { KubeObject } from '../../src/cluster/types.js';
import { MemoryCluster } from '../fakes/memory-cluster.js';
import { memoryReporter } from '../fakes/reporter.js';

const ctx: ScopeContext = { dryRun: 'none', output: 'text', timeoutMs: 0, deadline: Infinity };

async function scope(cluster: MemoryCluster, o: Partial<ScopeOptions> = {}) {
  const f: ScopeOptions = { source: 'embedded', wait: false, yes: true, ...o };
  const { reporter, stdout, stderr } = memoryReporter();
  const code = await scopeOnCluster(cluster, f, scopeFlagSettings(f), ctx, reporter);
  return { code, stdout: stdout(), stderr: stderr() };
}

const service = (c: MemoryCluster, ns = 'weave'): KubeObject | undefined => c.peek('v1', 'Service', ns, 'weave-scope-app');

describe('scope on the in-memory cluster', () => {
  it('Kubernetes 1.29: a fresh install in namespace weave, the UI on the external IP and port given', async () => {
    const cluster = new MemoryCluster({ k8sVersion: '1.29.2' });
    const r = await scope(cluster, { externalIp: ['10.200.33.12'], port: '8080', readOnly: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('namespace/weave created');
    expect(r.stdout).toContain('daemonset.apps/weave-scope-agent created');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('Weave Scope UI: http://10.200.33.12:8080/');
    const svc = service(cluster)!;
    expect(svc.spec.externalIPs).toEqual(['10.200.33.12']);
    expect(svc.spec.ports[0]).toMatchObject({ port: 8080, targetPort: 4040 });
    const agent = cluster.peek('apps/v1', 'DaemonSet', 'weave', 'weave-scope-agent')!;
    expect(JSON.stringify(agent.spec.template.spec.containers[0].args)).toContain('--probe.no-controls=true');
  });

  it('a re-run without flags keeps the external IPs, port and read-only probes, and writes nothing', async () => {
    const cluster = new MemoryCluster();
    await scope(cluster, { externalIp: ['10.200.33.12'], port: '8080', readOnly: true });
    const before = cluster.snapshot();
    const r = await scope(cluster);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Weave Scope is running in weave: keeping its settings unless a flag changes them');
    expect(r.stderr).toContain('No changes: the cluster already runs this manifest');
    expect(cluster.snapshot()).toEqual(before);
  });

  it('--diff of a port change says 1 and writes nothing; the change itself is applied, the other settings kept', async () => {
    const cluster = new MemoryCluster();
    await scope(cluster, { externalIp: ['10.200.33.12'] });
    const before = cluster.snapshot();
    expect((await scope(cluster, { port: '8080', diff: true })).code).toBe(1);
    expect(cluster.snapshot()).toEqual(before);
    expect((await scope(cluster, { port: '8080' })).code).toBe(0);
    expect(service(cluster)!.spec.ports[0].port).toBe(8080);
    expect(service(cluster)!.spec.externalIPs).toEqual(['10.200.33.12']);
  });

  it('--no-external-ip drops the running ones (weavectl owns the field, so server-side apply removes it)', async () => {
    const cluster = new MemoryCluster();
    await scope(cluster, { externalIp: ['10.200.33.12'] });
    expect((await scope(cluster, { externalIp: false })).code).toBe(0);
    expect(service(cluster)!.spec.externalIPs).toBeUndefined();
  });

  it('Scope running twice is refused, nothing written', async () => {
    const cluster = new MemoryCluster();
    await scope(cluster);
    cluster.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'weave-scope-app', namespace: 'kube-system' }, spec: { ports: [{ port: 80 }] } });
    const before = cluster.snapshot();
    const err = await scope(cluster).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toBe('Weave Scope runs more than once (Service weave-scope-app in kube-system, weave): weavectl will not change either');
    expect(cluster.snapshot()).toEqual(before);
  });

  it('Kubernetes 1.7.5: the legacy manifest, in kube-system', async () => {
    const cluster = new MemoryCluster({ k8sVersion: '1.7.5' });
    const r = await scope(cluster);
    expect(r.code).toBe(0);
    expect(service(cluster, 'kube-system')).toBeTruthy();
    expect(service(cluster, 'weave')).toBeUndefined();
    expect(r.stdout).toContain('Weave Scope UI: not exposed; reach it with: weavectl scope open (or kubectl port-forward -n kube-system svc/weave-scope-app 4040:4040)');
  });
});
