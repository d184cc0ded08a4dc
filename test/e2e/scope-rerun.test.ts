/**
 * Issue 10 point 4, through the built CLI against the simulator: running `weavectl scope` again keeps
 * the running Scope's external IPs, port, Service type and read-only probes unless a flag changes
 * them, prints what it keeps and changes, shows --diff without applying, and refuses a second Scope.
 */
import { describe, expect, it } from 'vitest';
import type { Simulator } from '../sim/index.js';
import { sim, snapshot, weavectl } from './harness.js';

type Obj = Record<string, any>;
const svc = (s: Simulator, ns = 'weave') => s.get('v1', 'Service', ns, 'weave-scope-app')!;
const agentArgs = (s: Simulator, ns = 'weave', apiVersion = 'apps/v1') => (s.get(apiVersion, 'DaemonSet', ns, 'weave-scope-agent')!.spec.template.spec.containers as Obj[])[0]!.args as string[];

describe('scope run again keeps its settings', () => {
  it.each([
    ['1.29.2', 'weave', 'apps/v1'],
    ['1.7.5', 'kube-system', 'extensions/v1beta1'],
  ])('on %s: `scope --external-ip 10.200.33.12 --read-only --port 8080` then `scope` keeps all three', async (version, ns, workloads) => {
    const s = await sim({ k8sVersion: version, nodes: 2 });
    const first = await weavectl(s, ['scope', '--external-ip', '10.200.33.12', '--read-only', '--port', '8080', '--wait=false']);
    expect(first.code, first.stderr).toBe(0);

    const again = await weavectl(s, ['scope', '--wait=false']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`Weave Scope is running in ${ns}: keeping its settings`));
    expect(again.stderr).toMatch(/kept\s+external IPs 10\.200\.33\.12/);
    expect(again.stderr).toMatch(/kept\s+port 8080/);
    expect(again.stderr).toMatch(/kept\s+probes read-only \(--probe\.no-controls=true\)/);
    expect(again.stderr + again.stdout).toMatch(/No changes: the cluster already runs this manifest/);
    expect(svc(s, ns).spec.externalIPs).toEqual(['10.200.33.12']);
    expect(svc(s, ns).spec.ports).toEqual([expect.objectContaining({ port: 8080, targetPort: 4040 })]);
    expect(agentArgs(s, ns, workloads)).toContain('--probe.no-controls=true');
    expect(again.stdout).toMatch(/Weave Scope UI: http:\/\/10\.200\.33\.12:8080\//);
  });

  it('a flag changes one setting and keeps the rest; --diff shows it and changes nothing; --read-only=false turns controls back on', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    expect((await weavectl(s, ['scope', '--external-ip', '10.200.33.12', '--read-only', '--wait=false'])).code).toBe(0);
    const before = snapshot(s);
    const diff = await weavectl(s, ['scope', '--read-only=false', '--diff']);
    expect(diff.code, diff.stderr).toBe(1); // --diff: 1 when something would change (kubectl diff)
    expect(diff.stderr).toMatch(/changed\s+probes: read-only \(--probe\.no-controls=true\) -> controls on/);
    expect(diff.stdout).toMatch(/daemonset\.apps\/weave-scope-agent \(weave\): changed/);
    expect(diff.stdout).not.toMatch(/externalIPs/);
    expect(snapshot(s)).toBe(before);

    const r = await weavectl(s, ['scope', '--read-only=false', '--yes', '--wait=false']);
    expect(r.code, r.stderr).toBe(0);
    expect(agentArgs(s)).not.toContain('--probe.no-controls=true');
    expect(svc(s).spec.externalIPs).toEqual(['10.200.33.12']);
    // the UI is exposed with controls on again: said loudly
    expect(r.stderr).toMatch(/Warning: the Scope UI is exposed \(external IPs\) with controls on/);

    const dropped = await weavectl(s, ['scope', '--no-external-ip', '--yes', '--wait=false']);
    expect(dropped.code, dropped.stderr).toBe(0);
    expect(dropped.stderr).toMatch(/changed\s+external IPs: 10\.200\.33\.12 -> none/);
    expect(svc(s).spec.externalIPs ?? []).toEqual([]);
  });

  it('a Scope running in another namespace than the manifest names (a legacy install in kube-system) stays there: its namespace is kept too', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    // what the cloud service's manifest for Kubernetes 1.6-1.8 left in kube-system, on a cluster since upgraded
    s.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'weave-scope-app', namespace: 'kube-system', labels: { app: 'weave-scope' } }, spec: { externalIPs: ['10.200.33.12'], ports: [{ name: 'app', port: 80, targetPort: 4040 }], selector: { app: 'weave-scope', name: 'weave-scope-app' } } });
    const labels = { app: 'weave-scope', name: 'weave-scope-agent' };
    s.put({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'weave-scope-agent', namespace: 'kube-system', labels },
      spec: {
        selector: { matchLabels: { app: 'weave-scope' } },
        template: { metadata: { labels }, spec: { containers: [{ name: 'scope-agent', image: 'weaveworks/scope:1.13.2', args: ['--mode=probe', '--probe-only', '--probe.no-controls=true', 'weave-scope-app.kube-system.svc.cluster.local.:80'] }] } },
      },
    });
    // installed by another tool: taking its fields over is what --force-conflicts says
    const r = await weavectl(s, ['scope', '--wait=false', '--force-conflicts']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/kept\s+namespace kube-system \(the manifest's is weave\)/);
    expect(r.stderr).toMatch(/kept\s+external IPs 10\.200\.33\.12/);
    expect(s.get('v1', 'Namespace', undefined, 'weave')).toBeUndefined();
    expect(s.get('v1', 'Service', 'weave', 'weave-scope-app')).toBeUndefined();
    expect(r.stderr).toMatch(/kept\s+port 80\b/);
    expect(agentArgs(s, 'kube-system')).toEqual(expect.arrayContaining(['--probe.no-controls=true', 'weave-scope-app.kube-system.svc.cluster.local.:80']));
    const crb = s.get('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', undefined, 'weave-scope')!;
    expect(crb.subjects).toEqual([expect.objectContaining({ kind: 'ServiceAccount', name: 'weave-scope', namespace: 'kube-system' })]);
  });

  it('Scope running twice is refused, nothing changed', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    expect((await weavectl(s, ['scope'])).code).toBe(0); // rolled out: the controllers are still
    s.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'weave-scope-app', namespace: 'kube-system' }, spec: { ports: [{ name: 'app', port: 80, targetPort: 4040 }], selector: { app: 'weave-scope' } } });
    const before = snapshot(s);
    const r = await weavectl(s, ['scope', '--wait=false']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/error: Weave Scope runs more than once \(Service weave-scope-app in (kube-system, weave|weave, kube-system)\)/);
    expect(snapshot(s)).toBe(before);
  });
});
