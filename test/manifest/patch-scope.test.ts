import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseManifest, renderYaml, toObjects, type Manifest } from '../../src/manifest/manifest.js';
import {
  applyScopeSettings,
  moveScopeNamespace,
  parseExternalIPs,
  parsePort,
  parseServiceType,
  validateExternalIP,
} from '../../src/manifest/patch-scope.js';
import { thrownError as error } from '../helpers/thrown.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const refDir = resolve(repoRoot, 'test/fixtures/upstream');
const load = (file: string): Manifest => parseManifest(readFileSync(join(refDir, file), 'utf8'), file);

const ASSET = 'scope-1.13.2-k8s-scope-release-asset.yaml';
const EXAMPLES = 'scope-1.13.2-k8s-examples.yaml';
const OLD = 'scope-1.9.1-k8s-examples.yaml';

interface Obj {
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown> & { template?: { spec: { containers: { name: string; args?: string[]; image: string }[] } } };
}
const obj = (m: Manifest, kind: string, name: string): Obj => {
  const o = toObjects(m).find((x) => x.kind === kind && (x.metadata as { name: string }).name === name);
  if (!o) throw new Error(`no ${kind} ${name}`);
  return o as unknown as Obj;
};
const service = (m: Manifest) => obj(m, 'Service', 'weave-scope-app').spec;
const args = (m: Manifest, kind: string, name: string) => obj(m, kind, name).spec.template!.spec.containers[0]!.args ?? [];
const agentArgs = (m: Manifest) => args(m, 'DaemonSet', 'weave-scope-agent');
const clusterAgentArgs = (m: Manifest) => args(m, 'Deployment', 'weave-scope-cluster-agent');


describe.each([ASSET, EXAMPLES])('applyScopeSettings on %s', (file) => {
  const original = load(file);
  const before = renderYaml(original);

  it('by default: one port `app` 4040 -> 4040/TCP, type untouched, probes follow the port, no warnings', () => {
    expect(service(original).ports).toEqual([{ name: 'app', port: 80, protocol: 'TCP', targetPort: 4040 }]);
    const { manifest, warnings } = applyScopeSettings(original, {});
    expect(warnings).toEqual([]);
    const svc = service(manifest);
    expect(svc.ports).toEqual([{ name: 'app', port: 4040, protocol: 'TCP', targetPort: 4040 }]);
    expect(svc.type).toBeUndefined();
    expect(svc.externalIPs).toBeUndefined();
    expect(svc.selector).toEqual(service(original).selector);
    expect(agentArgs(manifest).at(-1)).toBe('weave-scope-app.weave.svc.cluster.local.:4040');
    expect(clusterAgentArgs(manifest).at(-1)).toBe('weave-scope-app.weave.svc.cluster.local.:4040');
    expect(agentArgs(manifest)).not.toContain('--probe.no-controls=true');
  });

  it('port, externalIPs and type', () => {
    const { manifest } = applyScopeSettings(original, { port: 8080, externalIPs: ['192.0.2.10', '2001:db8::1'], serviceType: 'LoadBalancer', readOnly: true });
    const svc = service(manifest);
    expect(svc.ports).toEqual([{ name: 'app', port: 8080, protocol: 'TCP', targetPort: 4040 }]);
    expect(svc.externalIPs).toEqual(['192.0.2.10', '2001:db8::1']);
    expect(svc.type).toBe('LoadBalancer');
    expect(agentArgs(manifest).at(-1)).toBe('weave-scope-app.weave.svc.cluster.local.:8080');
  });

  it('port 80 keeps the upstream probe address', () => {
    const { manifest } = applyScopeSettings(original, { port: 80 });
    expect(agentArgs(manifest)).toEqual(agentArgs(original));
    expect(clusterAgentArgs(manifest)).toEqual(clusterAgentArgs(original));
  });

  it('readOnly puts --probe.no-controls=true before the app address, on both probes, idempotently', () => {
    const { manifest } = applyScopeSettings(original, { readOnly: true });
    expect(agentArgs(manifest)).toEqual([
      '--mode=probe',
      '--probe-only',
      '--probe.kubernetes.role=host',
      '--probe.docker.bridge=docker0',
      '--probe.docker=true',
      '--probe.no-controls=true',
      'weave-scope-app.weave.svc.cluster.local.:4040',
    ]);
    expect(clusterAgentArgs(manifest)).toEqual([
      '--mode=probe',
      '--probe-only',
      '--probe.kubernetes.role=cluster',
      '--probe.no-controls=true',
      'weave-scope-app.weave.svc.cluster.local.:4040',
    ]);
    // The app itself is not a probe.
    expect(args(manifest, 'Deployment', 'weave-scope-app')).toEqual(['--no-probe']);
    const again = applyScopeSettings(manifest, { readOnly: true }).manifest;
    expect(renderYaml(again)).toBe(renderYaml(manifest));
    // Quoted like its neighbours.
    expect(renderYaml(manifest)).toContain("- '--probe.no-controls=true'");
  });

  it('warns when the UI is exposed without readOnly, and says why', () => {
    for (const s of [{ externalIPs: ['192.0.2.10'] }, { serviceType: 'NodePort' as const }, { serviceType: 'LoadBalancer' as const }]) {
      const { warnings } = applyScopeSettings(original, s);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('no authentication');
      expect(warnings[0]).toContain('open a shell in any container');
      expect(warnings[0]).toContain('--read-only');
      expect(warnings[0]).not.toContain('\n');
      expect(applyScopeSettings(original, { ...s, readOnly: true }).warnings).toEqual([]);
    }
    expect(applyScopeSettings(original, { serviceType: 'ClusterIP' }).warnings).toEqual([]);
  });

  it('never mutates its input; keeps comments', () => {
    const { manifest } = applyScopeSettings(original, {
      port: 8080,
      externalIPs: ['192.0.2.10'],
      serviceType: 'NodePort',
      readOnly: true,
      imageRegistry: 'registry.example.com/mirror',
    });
    expect(renderYaml(original)).toBe(before);
    const out = renderYaml(manifest);
    for (const line of before.split('\n').filter((l) => l.trimStart().startsWith('#'))) expect(out).toContain(line);
  });

  it('imageRegistry rewrites every image (docker.io/ prefix folded)', () => {
    const { manifest } = applyScopeSettings(original, { imageRegistry: 'registry.example.com:5000/mirror' });
    const images = toObjects(manifest).flatMap(
      (o) => ((o as unknown as Obj).spec?.template?.spec.containers ?? []).map((c) => c.image),
    );
    expect(images).toHaveLength(3);
    for (const image of images) expect(image).toBe('registry.example.com:5000/mirror/weaveworks/scope:1.13.2');
  });
});

describe('applyScopeSettings details', () => {
  it('Scope 1.9.1 (no cluster agent, address without the trailing dot)', () => {
    const { manifest, warnings } = applyScopeSettings(load(OLD), { readOnly: true, serviceType: 'NodePort', port: 4041 });
    expect(warnings).toEqual([]);
    expect(agentArgs(manifest)).toEqual([
      '--no-app',
      '--probe.docker.bridge=docker0',
      '--probe.docker=true',
      '--probe.kubernetes=true',
      '--probe.no-controls=true',
      'weave-scope-app.weave.svc.cluster.local:4041',
    ]);
  });

  const custom = (args: string, svcSpec = '') =>
    parseManifest(
      `apiVersion: v1
kind: Service
metadata: {name: weave-scope-app, namespace: monitoring}
spec:
  ports: [{name: http, port: 80, targetPort: 4040, nodePort: 30080}]
  ${svcSpec}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: weave-scope-agent, namespace: monitoring}
spec:
  template:
    spec:
      containers:
        - name: scope-agent
          image: weaveworks/scope:1.13.2
          args: ${args}
`,
      'custom.yaml',
    );

  it('fixes --probe.no-controls=false in place and drops one placed after the address (never parsed there)', () => {
    const a = applyScopeSettings(custom('[--probe.no-controls=false, --mode=probe, "weave-scope-app.monitoring.svc:80"]'), { readOnly: true });
    expect(agentArgs(a.manifest)).toEqual(['--probe.no-controls=true', '--mode=probe', 'weave-scope-app.monitoring.svc:4040']);
    const b = applyScopeSettings(custom('[--mode=probe, "weave-scope-app.monitoring.svc:80", --probe.no-controls=true]'), { readOnly: true });
    expect(agentArgs(b.manifest)).toEqual(['--mode=probe', '--probe.no-controls=true', 'weave-scope-app.monitoring.svc:4040']);
  });

  it('adds args to a probe container without any', () => {
    const m = parseManifest(
      `apiVersion: v1
kind: Service
metadata: {name: weave-scope-app}
spec: {ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: weave-scope-agent}
spec: {template: {spec: {containers: [{name: scope-agent, image: weaveworks/scope:1.13.2}]}}}
`,
      'bare.yaml',
    );
    expect(agentArgs(applyScopeSettings(m, { readOnly: true }).manifest)).toEqual(['--probe.no-controls=true']);
  });

  it('counts a read-only probe already in the manifest, and an exposure already in the manifest', () => {
    const exposedRo = custom('[--mode=probe, --probe.no-controls, "weave-scope-app.monitoring.svc:80"]', 'type: NodePort');
    expect(applyScopeSettings(exposedRo, {}).warnings).toEqual([]);
    const exposed = custom('[--mode=probe, "weave-scope-app.monitoring.svc:80"]', 'externalIPs: [192.0.2.1]');
    const w = applyScopeSettings(exposed, {}).warnings;
    expect(w).toHaveLength(1);
    expect(w[0]).toContain('external IPs');
  });

  it('rebuilds the ports (a stale nodePort and name go away)', () => {
    const { manifest } = applyScopeSettings(custom('[]', 'type: NodePort'), { serviceType: 'ClusterIP' });
    expect(service(manifest).ports).toEqual([{ name: 'app', port: 4040, protocol: 'TCP', targetPort: 4040 }]);
    expect(service(manifest).type).toBe('ClusterIP');
  });

  it('only rewrites the weave-scope-app address, not other positional args', () => {
    const { manifest } = applyScopeSettings(custom('["other-app.monitoring.svc:80", "weave-scope-app:80", "weave-scope-app.other.svc:80"]'), {});
    expect(agentArgs(manifest)).toEqual(['other-app.monitoring.svc:80', 'weave-scope-app:4040', 'weave-scope-app.other.svc:80']);
  });

  it('fails, naming what is missing', () => {
    const net = parseManifest(readFileSync(join(refDir, 'net-2.8.1-k8s-1.11.yaml'), 'utf8'), 'net.yaml');
    const e1 = error(() => applyScopeSettings(net, {}));
    expect(e1.exitCode).toBe(1);
    expect(e1.message).toBe('net.yaml: no Service weave-scope-app in the manifest');
    const svcOnly = parseManifest('apiVersion: v1\nkind: Service\nmetadata: {name: weave-scope-app}\nspec: {ports: [{port: 80}]}\n', 'svc.yaml');
    expect(applyScopeSettings(svcOnly, {}).warnings).toEqual([]);
    const e2 = error(() => applyScopeSettings(svcOnly, { readOnly: true }));
    expect(e2.exitCode).toBe(1);
    expect(e2.message).toContain('no DaemonSet weave-scope-agent');
  });

  it('validates the settings (exit 2)', () => {
    const m = load(ASSET);
    expect(error(() => applyScopeSettings(m, { port: 0 })).exitCode).toBe(2);
    expect(error(() => applyScopeSettings(m, { externalIPs: ['127.0.0.1'] })).exitCode).toBe(2);
    expect(error(() => applyScopeSettings(m, { serviceType: 'ExternalName' as never })).exitCode).toBe(2);
    expect(error(() => applyScopeSettings(m, { imageRegistry: 'http://r.example.com' })).exitCode).toBe(2);
  });
});

describe('scope flag parsers', () => {
  it('parsePort', () => {
    expect(parsePort('1')).toBe(1);
    expect(parsePort('4040')).toBe(4040);
    expect(parsePort(65535)).toBe(65535);
    for (const bad of ['0', '65536', '-1', '80.5', 'http', '', ' 80', '1e3']) {
      const e = error(() => parsePort(bad));
      expect(e.exitCode).toBe(2);
      expect(e.message).toContain('1 to 65535');
    }
  });

  it('parseServiceType', () => {
    expect(parseServiceType('NodePort')).toBe('NodePort');
    expect(parseServiceType('loadbalancer')).toBe('LoadBalancer');
    expect(parseServiceType('clusterip')).toBe('ClusterIP');
    expect(error(() => parseServiceType('ExternalName')).message).toContain('ClusterIP, NodePort, LoadBalancer');
  });

  it.each(['192.0.2.10', '10.0.0.1', '203.0.113.255', '2001:db8::1', 'fd00::10'])('validateExternalIP accepts %s', (ip) => {
    expect(validateExternalIP(ip)).toBe(ip);
  });

  it.each([
    ['0.0.0.0', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['224.0.0.1', 'multicast'],
    // issue 10, point 8: no host answers on these
    ['255.255.255.255', '--external-ip 255.255.255.255 is a broadcast address: the Service would not be reachable there'],
    ['240.0.0.1', 'reserved (240.0.0.0/4)'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['10.0.0.0/8', 'not a CIDR'],
    ['010.0.0.1', 'leading zeros'],
    ['1.2.3', 'four dot-separated numbers'],
    ['300.1.1.1', '0-255'],
    ['scope.example.com', 'is not an IP address'],
    ['', 'is not an IP address'],
  ])('validateExternalIP refuses %j (%s)', (ip, part) => {
    const e = error(() => validateExternalIP(ip));
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(part);
  });

  it('parseExternalIPs takes comma lists and repeated flags, de-duplicated in order', () => {
    expect(parseExternalIPs('192.0.2.1,192.0.2.2')).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(parseExternalIPs(['192.0.2.1', '192.0.2.2, 192.0.2.1', '2001:db8::1'])).toEqual(['192.0.2.1', '192.0.2.2', '2001:db8::1']);
    expect(error(() => parseExternalIPs([])).exitCode).toBe(2);
    expect(error(() => parseExternalIPs('192.0.2.1,,192.0.2.2')).exitCode).toBe(2);
  });
});

describe('moveScopeNamespace', () => {
  it('moves every namespaced object, binding subject and probe address into the running namespace, and drops the old Namespace', () => {
    const src = applyScopeSettings(load(ASSET), { port: 8080 }).manifest;
    const moved = toObjects(moveScopeNamespace(src, 'kube-system')) as unknown as Record<string, any>[];
    expect(moved.find((o) => o.kind === 'Namespace')).toBeUndefined();
    expect(moved.length).toBe(toObjects(src).length - 1);
    for (const o of moved) if (o.metadata.namespace !== undefined) expect(`${o.kind} ${o.metadata.namespace}`).toBe(`${o.kind} kube-system`);
    for (const b of moved.filter((o) => o.kind === 'ClusterRoleBinding')) for (const sub of b.subjects) expect(sub.namespace).toBe('kube-system');
    const args = moved.filter((o) => o.kind === 'DaemonSet' || o.kind === 'Deployment').flatMap((o) => o.spec.template.spec.containers.flatMap((c: { args?: string[] }) => c.args ?? []));
    expect(args.filter((a: string) => a.startsWith('weave-scope-app'))).toEqual(['weave-scope-app.kube-system.svc.cluster.local.:8080', 'weave-scope-app.kube-system.svc.cluster.local.:8080']);
    expect(JSON.stringify(moved)).not.toMatch(/"weave"|\.weave\./);
    // the source is untouched; moving to where it already is changes nothing
    expect(renderYaml(moveScopeNamespace(src, 'weave'))).toBe(renderYaml(src));
  });
});
