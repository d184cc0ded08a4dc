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
    expect(again.stderr).toMatch(/Weave Scope UI: http:\/\/10\.200\.33\.12:8080\//);
  });

  it('a flag changes one setting and keeps the rest; --diff shows it and changes nothing; --read-only=false turns controls back on', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    expect((await weavectl(s, ['scope', '--external-ip', '10.200.33.12', '--read-only', '--wait=false'])).code).toBe(0);
    const before = snapshot(s);
    const diff = await weavectl(s, ['scope', '--read-only=false', '--diff']);
    expect(diff.code, diff.stderr).toBe(0);
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

  it('a Scope in another namespace than the manifest installs into is refused, nothing changed', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    s.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'weave-scope-app', namespace: 'kube-system' }, spec: { ports: [{ name: 'app', port: 80, targetPort: 4040 }], selector: { app: 'weave-scope' } } });
    const before = snapshot(s);
    const r = await weavectl(s, ['scope', '--wait=false']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/error: Weave Scope runs in namespace kube-system; this manifest installs it into weave/);
    expect(snapshot(s)).toBe(before);
  });
});
