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
