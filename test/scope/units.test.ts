/** The pure parts of `scope open`, `scope status` and --generate (issue 15). */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.js';
import { toObjects } from '../../src/manifest/manifest.js';
import { applyScopeSettings } from '../../src/manifest/patch-scope.js';
import { loadScopeTemplate } from '../../src/manifest/templates.js';
import { authSecretProblem, generatedSecret } from '../../src/scope/auth-secret.js';
import { browserOpener } from '../../src/scope/browser.js';
import { credentialsNote, localUrl, parseLocalPort, parseOpenAddress } from '../../src/scope/open.js';
import { buildScopeStatus, renderScopeStatus } from '../../src/scope/status-model.js';
import { thrownError as error } from '../helpers/thrown.js';


describe('scope open: flags, URL, desktop', () => {
  it('--address and --port', () => {
    expect(parseOpenAddress('0.0.0.0')).toBe('0.0.0.0');
    expect(parseOpenAddress('::1')).toBe('::1');
    expect(parseOpenAddress('localhost')).toBe('localhost');
    expect(error(() => parseOpenAddress('my-host')).exitCode).toBe(2);
    expect(parseLocalPort('0')).toBe(0);
    expect(parseLocalPort('8080')).toBe(8080);
    for (const bad of ['65536', '-1', 'x', '']) expect(error(() => parseLocalPort(bad)).exitCode).toBe(2);
  });
  it('the URL', () => {
    expect(localUrl('127.0.0.1', 4040)).toBe('http://127.0.0.1:4040/');
    expect(localUrl('::1', 4040)).toBe('http://[::1]:4040/');
    expect(localUrl('0.0.0.0', 5000)).toBe('http://localhost:5000/');
  });
  it('a desktop: macOS, Windows, or DISPLAY / WAYLAND_DISPLAY elsewhere; none in a bare shell', () => {
    expect(browserOpener('http://x/', 'darwin', {})).toEqual({ command: 'open', args: ['http://x/'] });
    expect(browserOpener('http://x/', 'linux', { DISPLAY: ':0' })).toEqual({ command: 'xdg-open', args: ['http://x/'] });
    expect(browserOpener('http://x/', 'linux', { WAYLAND_DISPLAY: 'wayland-0' })?.command).toBe('xdg-open');
    expect(browserOpener('http://x/', 'linux', {})).toBeUndefined();
    expect(browserOpener('http://x/', 'linux', { DISPLAY: '' })).toBeUndefined();
    expect(browserOpener('http://x/', 'win32', {})?.command).toBe('cmd');
  });
  it('names where the credentials are, never them', () => {
    const note = credentialsNote('weave', 'scope-auth');
    expect(note).toContain('Secret weave/scope-auth');
    expect(note).toContain("kubectl -n weave get secret scope-auth -o jsonpath='{.data.password}' | base64 -d");
  });
});

describe('--generate', () => {
  it('a Secret with user admin and a 32-character random password', () => {
    const s = generatedSecret('weave', 'scope-auth', (n) => Buffer.alloc(n, 7)) as KubeObject & { data: Record<string, string> };
    expect(Buffer.from(s.data.username!, 'base64').toString()).toBe('admin');
    expect(Buffer.from(s.data.password!, 'base64').toString()).toBe(Buffer.alloc(24, 7).toString('base64url'));
    expect(Buffer.from(s.data.password!, 'base64').toString()).toHaveLength(32);
    const a = generatedSecret('weave', 'x') as KubeObject & { data: Record<string, string> };
    const b = generatedSecret('weave', 'x') as KubeObject & { data: Record<string, string> };
    expect(a.data.password).not.toBe(b.data.password);
    expect(authSecretProblem(s)).toBeUndefined();
  });
  it('a Secret without the keys does not serve', () => {
    expect(authSecretProblem({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { user: 'eA==' } } as KubeObject)).toBe('has no "username" or "password" key (or it is empty)');
    expect(authSecretProblem({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { username: 'eA==', password: '' } } as KubeObject)).toBe('has no "password" key (or it is empty)');
  });
});

describe('scope status model', () => {
  const objs = (settings: Parameters<typeof applyScopeSettings>[1]) => {
    const list = toObjects(applyScopeSettings(loadScopeTemplate('current'), settings, { k8sMinor: 29 }).manifest) as KubeObject[];
    const find = (kind: string, name: string) => list.find((o) => o.kind === kind && o.metadata.name === name)!;
    const withStatus = (o: KubeObject, status: Record<string, unknown>): KubeObject => ({ ...o, metadata: { ...o.metadata, generation: 1 }, status: { observedGeneration: 1, ...status } });
    return {
      namespace: 'weave',
      service: find('Service', 'weave-scope-app'),
      app: withStatus(find('Deployment', 'weave-scope-app'), { replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 }),
      agents: withStatus(find('DaemonSet', 'weave-scope-agent'), { desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberReady: 3, numberAvailable: 2 }),
      clusterAgent: withStatus(find('Deployment', 'weave-scope-cluster-agent'), { replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 }),
      policy: list.find((o) => o.kind === 'NetworkPolicy'),
    };
  };

  it('rollout, Service and how it is reached, auth, read-only, runtime, allow-from', () => {
    const o = objs({ externalIPs: ['192.0.2.10'], basicAuthSecret: 'scope-auth', readOnly: true, runtime: 'containerd', allowFrom: ['203.0.113.0/24'] });
    const r = buildScopeStatus({ ...o, secretPresent: true });
    expect(r.workloads.map((w) => [w.name, w.done])).toEqual([
      ['weave-scope-app', true],
      ['weave-scope-agent', false],
      ['weave-scope-cluster-agent', true],
    ]);
    expect(r.workloads[1]!.message).toBe('Waiting for daemon set "weave-scope-agent" rollout to finish: 2 of 3 updated pods are available...');
    expect(r.healthy).toBe(false);
    expect(r.service).toMatchObject({ type: 'ClusterIP', port: 4040, targetPort: 4040, externalIPs: ['192.0.2.10'], reachedBy: 'external IPs: http://192.0.2.10:4040/' });
    expect(r.basicAuth).toEqual({ on: true, secret: 'scope-auth', secretPresent: true });
    expect(r.readOnly).toBe(true);
    expect(r.runtime).toBe('containerd');
    expect(r.allowFrom).toEqual(['203.0.113.0/24']);
    const text = renderScopeStatus(r);
    expect(text).toContain('Basic auth   on (Secret weave/scope-auth)');
    expect(text).toContain('Allowed from 203.0.113.0/24');
  });

  it('ClusterIP without external IPs: reached with scope open; auth off; a missing Secret is a problem', () => {
    const o = objs({});
    const r = buildScopeStatus(o);
    expect(r.service.reachedBy).toBe('not exposed: weavectl scope open');
    expect(r.basicAuth).toEqual({ on: false });
    expect(r.readOnly).toBe(false);
    expect(r.runtime).toBe('docker');
    expect(r.allowFrom).toEqual([]);
    const missing = buildScopeStatus({ ...objs({ basicAuthSecret: 'gone' }), secretPresent: false });
    expect(missing.problems).toContain('basic auth reads Secret weave/gone, which is not there: the Scope pods cannot start');
  });

  it('NodePort and LoadBalancer', () => {
    const o = objs({ serviceType: 'LoadBalancer' });
    const svc = { ...o.service, spec: { ...o.service.spec, ports: [{ name: 'app', port: 4040, targetPort: 4040, nodePort: 31234 }] }, status: { loadBalancer: { ingress: [{ ip: '198.51.100.9' }] } } };
    expect(buildScopeStatus({ ...o, service: svc }).service.reachedBy).toBe("load balancer: http://198.51.100.9:4040/; every node's address, port 31234 (NodePort)");
    const local = { ...svc, spec: { ...svc.spec, externalTrafficPolicy: 'Local' } };
    expect(buildScopeStatus({ ...o, service: local }).service.reachedBy).toBe('load balancer: http://198.51.100.9:4040/; the address of the node the app runs on, port 31234 (NodePort, externalTrafficPolicy Local)');
  });
});
