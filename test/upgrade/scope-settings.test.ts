import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.js';
import { mergeScopeSettings, readScopeSettings } from '../../src/upgrade/scope-settings.js';

const svc = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'weave-scope-app', namespace: 'weave' }, spec });
const agent = (args: string[]): KubeObject => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'weave-scope-agent', namespace: 'weave' }, spec: { template: { spec: { containers: [{ name: 'scope-agent', args }] } } } });
const cluster = (args: string[]): KubeObject => ({ ...agent(args), kind: 'Deployment', metadata: { name: 'weave-scope-cluster-agent', namespace: 'weave' } });

describe('readScopeSettings', () => {
  it('reads external IPs, the app port, the type and read-only probes (every probe must have it)', () => {
    const live = readScopeSettings(svc({ externalIPs: ['10.200.33.12'], ports: [{ name: 'app', port: 8080, targetPort: 4040 }], type: 'NodePort' }), [
      agent(['--mode=probe', '--probe.no-controls=true', 'weave-scope-app.weave.svc.cluster.local.:8080']),
      cluster(['--mode=probe', '--probe.no-controls', 'weave-scope-app.weave.svc.cluster.local.:8080']),
    ]);
    expect(live).toEqual({ namespace: 'weave', settings: { externalIPs: ['10.200.33.12'], port: 8080, serviceType: 'NodePort', readOnly: true } });
    // one probe with controls on: not read-only; a flag after the first positional argument is not parsed (Go's flag package)
    expect(readScopeSettings(svc({}), [agent(['--probe.no-controls=true']), cluster([])]).settings.readOnly).toBe(false);
    expect(readScopeSettings(svc({}), [agent(['weave-scope-app:80', '--probe.no-controls=true'])]).settings.readOnly).toBe(false);
    expect(readScopeSettings(svc({}), [agent(['--probe.no-controls=false'])]).settings.readOnly).toBe(false);
  });
});

describe('mergeScopeSettings', () => {
  const live = { namespace: 'weave', settings: { externalIPs: ['10.200.33.12'], port: 4040, readOnly: true } };
  it('no flags: everything kept', () => {
    expect(mergeScopeSettings(live, {})).toEqual({
      settings: live.settings,
      kept: ['external IPs 10.200.33.12', 'port 4040', 'probes read-only (--probe.no-controls=true)'],
      changed: [],
    });
  });
  it('a flag replaces its setting only; none running: only the flags', () => {
    const m = mergeScopeSettings(live, { readOnly: false, externalIPs: [] });
    expect(m.settings).toEqual({ externalIPs: [], port: 4040, readOnly: false });
    expect(m.changed).toEqual(['external IPs: 10.200.33.12 -> none', 'probes: read-only (--probe.no-controls=true) -> controls on']);
    expect(mergeScopeSettings(undefined, { port: 8080 })).toEqual({ settings: { port: 8080 }, kept: [], changed: [] });
  });
});

describe('issue 15 settings survive a re-run: basic auth, container runtime, --allow-from', () => {
  const withEnv = (o: KubeObject, env: unknown[]): KubeObject => ({ ...o, spec: { template: { spec: { containers: [{ ...o.spec.template.spec.containers[0], env }] } } } });
  const authEnv = [
    { name: 'ENABLE_BASIC_AUTH', value: 'true' },
    { name: 'BASIC_AUTH_USERNAME', valueFrom: { secretKeyRef: { name: 'scope-auth', key: 'username' } } },
    { name: 'BASIC_AUTH_PASSWORD', valueFrom: { secretKeyRef: { name: 'scope-auth', key: 'password' } } },
  ];
  const app: KubeObject = withEnv({ ...agent(['--no-probe']), kind: 'Deployment', metadata: { name: 'weave-scope-app', namespace: 'weave' } }, authEnv);
  const criAgent = withEnv(agent(['--mode=probe', '--probe.docker=false', '--probe.cri=true', '--probe.cri.endpoint=unix:///run/containerd/containerd.sock', 'weave-scope-app.weave.svc.cluster.local.:4040']), authEnv);
  const policy: KubeObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'weave-scope-app-allow-from', namespace: 'weave', annotations: { 'weavectl.io/allow-from': '203.0.113.0/24,198.51.100.7/32' } },
    spec: {},
  };

  it('reads them from the live objects', () => {
    const live = readScopeSettings(svc({}), [criAgent], { app, policy });
    expect(live.settings).toEqual({ readOnly: false, basicAuthSecret: 'scope-auth', runtime: 'containerd', allowFrom: ['203.0.113.0/24', '198.51.100.7/32'] });
    // no policy: no setting to keep
    expect(readScopeSettings(svc({}), [criAgent], { policy: null }).settings.allowFrom).toBeUndefined();
    expect(readScopeSettings(svc({}), [criAgent]).settings.allowFrom).toBeUndefined();
    // basic auth off is not a setting to keep
    expect(readScopeSettings(svc({}), [agent(['--probe.docker=true', 'x:80'])]).settings).toEqual({ readOnly: false, runtime: 'docker' });
  });

  it('a re-run without flags keeps them; flags change them, each on one line', () => {
    const live = readScopeSettings(svc({}), [criAgent], { app, policy });
    const kept = mergeScopeSettings(live, {});
    expect(kept.settings).toEqual(live.settings);
    expect(kept.kept).toEqual(['probes controls on', 'basic auth on (Secret scope-auth)', 'container runtime containerd', 'UI reachable from 203.0.113.0/24,198.51.100.7/32']);
    const changed = mergeScopeSettings(live, { basicAuthSecret: false, runtime: 'crio', allowFrom: [] });
    expect(changed.changed).toEqual(['basic auth: on (Secret scope-auth) -> off', 'container runtime: containerd -> crio', 'UI reachable from: 203.0.113.0/24,198.51.100.7/32 -> anyone']);
    expect(changed.settings).toEqual({ readOnly: false, basicAuthSecret: false, runtime: 'crio', allowFrom: [] });
  });
});
