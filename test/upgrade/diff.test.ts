import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.js';
import { toObjects } from '../../src/manifest/manifest.js';
import { applyNetSettings } from '../../src/manifest/patch-net.js';
import { loadNetTemplate } from '../../src/manifest/templates.js';
import { diffObjects, formatChange, formatDiff, showValue } from '../../src/upgrade/diff.js';
import { readLiveSettings } from '../../src/upgrade/live-settings.js';
import { mergeSettings } from '../../src/upgrade/merge.js';

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** What a server does to an applied object: bookkeeping metadata, defaults, status. */
function asServerReturns(o: KubeObject, i: number): KubeObject {
  const out = clone(o);
  out.metadata = {
    ...out.metadata,
    uid: `uid-${i}`,
    resourceVersion: String(100 + i),
    creationTimestamp: '2017-10-05T10:00:00Z',
    generation: 1,
    managedFields: [{ manager: 'kubectl', operation: 'Update' }],
  };
  if (out.kind === 'DaemonSet') {
    const spec = out.spec.template.spec;
    spec.dnsPolicy ??= 'ClusterFirst';
    spec.schedulerName = 'default-scheduler';
    spec.terminationGracePeriodSeconds = 30;
    for (const c of spec.containers) {
      c.terminationMessagePath = '/dev/termination-log';
      c.imagePullPolicy = 'IfNotPresent';
    }
    out.spec.templateGeneration = 1;
    out.status = { desiredNumberScheduled: 3, numberReady: 3 };
  }
  return out;
}

const objectsOf = (version: string, flavour: '1.7' | '1.11', settings = {}) =>
  toObjects(applyNetSettings(loadNetTemplate({ repo: 'weaveworks', version, flavour }), settings)) as KubeObject[];

describe('diffObjects', () => {
  it('the same manifest read back from a server is unchanged (defaults, status and bookkeeping ignored)', () => {
    const desired = objectsOf('2.8.1', '1.11', { ipalloc: '172.25.64.0/18' });
    const live = desired.map(asServerReturns);
    const diffs = diffObjects(live, desired);
    expect(diffs.map((d) => [d.resource, d.status])).toEqual(desired.map((o) => [expect.stringContaining(`/${o.metadata.name}`), 'unchanged']));
    expect(diffs.flatMap((d) => d.changes)).toEqual([]);
  });

  it('the seed upgrade: Weave 2.0.5 -> 2.7.0 on Kubernetes 1.7 keeping 172.25.64.0/18', () => {
    const live = objectsOf('2.0.5', '1.7', { ipalloc: '172.25.64.0/18', env: { EXTRA_ARGS: '--log-level=debug' } }).map(asServerReturns);
    const liveDs = live.find((o) => o.kind === 'DaemonSet')!;
    const merged = mergeSettings(readLiveSettings(liveDs), { noMasqLocal: true, env: { EXTRA_ARGS: '--log-level=info' } });
    const desired = objectsOf('2.7.0', '1.7', merged.settings);
    const diffs = diffObjects(live, desired);
    const byRes = new Map(diffs.map((d) => [d.resource, d]));

    expect(byRes.get('serviceaccount/weave-net')!.status).toBe('unchanged');
    expect(byRes.get('role.rbac.authorization.k8s.io/weave-net')!.status).toBe('new');
    expect(byRes.get('rolebinding.rbac.authorization.k8s.io/weave-net')!.status).toBe('new');
    expect(byRes.get('clusterrole.rbac.authorization.k8s.io/weave-net')!.status).toBe('changed');

    const ds = byRes.get('daemonset.extensions/weave-net')!;
    expect(ds.namespace).toBe('kube-system');
    const lines = ds.changes.map(formatChange);
    const c = 'spec.template.spec.containers';
    expect(lines).toContain(`~ ${c}[weave].image: weaveworks/weave-kube:2.0.5 -> weaveworks/weave-kube:2.7.0`);
    expect(lines).toContain(`~ ${c}[weave-npc].image: weaveworks/weave-npc:2.0.5 -> weaveworks/weave-npc:2.7.0`);
    expect(lines).toContain(`+ ${c}[weave].env[NO_MASQ_LOCAL]: "1"`);
    expect(lines).toContain(`~ ${c}[weave].env[EXTRA_ARGS]: "--log-level=debug" -> "--log-level=info"`);
    expect(lines).toContain(`~ ${c}[weave].resources.requests.cpu: 10m -> 50m`);
    expect(lines).toContain('+ spec.minReadySeconds: 5');
    expect(lines.some((l) => l.startsWith(`+ ${c}[weave].readinessProbe: `))).toBe(true);
    // The range is kept: no line about IPALLOC_RANGE.
    expect(lines.filter((l) => l.includes('IPALLOC_RANGE'))).toEqual([]);
    // Nothing about server defaults or bookkeeping.
    expect(lines.filter((l) => /dnsPolicy|schedulerName|terminationMessagePath|imagePullPolicy|resourceVersion|managedFields|uid|templateGeneration|^. status/.test(l))).toEqual([]);

    const text = formatDiff(diffs);
    expect(text).toContain('daemonset.extensions/weave-net (kube-system): changed\n  ');
    expect(text).toContain('role.rbac.authorization.k8s.io/weave-net (kube-system): new');
    expect(formatDiff(diffs, { unchanged: false })).not.toContain('serviceaccount/weave-net');
  });

  it('env removed, container removed (--disable-npc), value changed, secret password shown by reference', () => {
    const live = objectsOf('2.8.1', '1.11', { env: { FOO: 'bar' } }).map(asServerReturns);
    const desired = objectsOf('2.8.1', '1.11', { disableNpc: true, passwordSecret: 'weave-passwd' });
    const ds = diffObjects(live, desired).find((d) => d.kind === 'DaemonSet')!;
    const lines = ds.changes.map(formatChange);
    const c = 'spec.template.spec.containers';
    expect(lines).toEqual(
      expect.arrayContaining([
        `- ${c}[weave].env[FOO]: "bar"`,
        `+ ${c}[weave].env[EXPECT_NPC]: "0"`,
        `+ ${c}[weave].env[WEAVE_PASSWORD]: from secretKeyRef weave-passwd/weave-passwd`,
        `- ${c}[weave-npc]`,
      ]),
    );
    expect(lines).toHaveLength(4);
  });

  it('objects only in the cluster are listed as left in place; apiVersion moves are shown', () => {
    const live: KubeObject[] = [
      { apiVersion: 'extensions/v1beta1', kind: 'DaemonSet', metadata: { name: 'weave-net', namespace: 'kube-system' }, spec: { minReadySeconds: 5 } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'weave-net', namespace: 'kube-system' } },
    ];
    const desired: KubeObject[] = [{ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'weave-net', namespace: 'kube-system' }, spec: { minReadySeconds: 5 } }];
    const diffs = diffObjects(live, desired);
    expect(diffs).toEqual([
      expect.objectContaining({ resource: 'daemonset.apps/weave-net', status: 'changed', changes: [{ path: 'apiVersion', kind: 'changed', old: 'extensions/v1beta1', new: 'apps/v1' }] }),
      expect.objectContaining({ resource: 'configmap/weave-net', status: 'not-in-manifest' }),
    ]);
    expect(formatDiff(diffs)).toBe(
      'daemonset.apps/weave-net (kube-system): changed\n  ~ apiVersion: extensions/v1beta1 -> apps/v1\nconfigmap/weave-net (kube-system): not in the new manifest (left in place)',
    );
  });

  it('equal-meaning values are equal: numbers vs strings, null / {} vs absent; [] empties a list', () => {
    const base = { apiVersion: 'v1', kind: 'X', metadata: { name: 'a' } };
    const live = [{ ...base, spec: { port: '6784', list: ['a'], keep: 1 } }] as KubeObject[];
    const same = [{ ...base, spec: { port: 6784, env: null, opts: {} } }] as KubeObject[];
    expect(diffObjects(live, same)[0]!.status).toBe('unchanged');
    const emptied = [{ ...base, spec: { list: [] } }] as KubeObject[];
    expect(diffObjects(live, emptied)[0]!.changes).toEqual([{ path: 'spec.list', kind: 'changed', old: ['a'], new: [] }]);
  });

  it('a new annotations map is shown key by key; keys that are not plain names are quoted', () => {
    const live = [{ apiVersion: 'v1', kind: 'X', metadata: { name: 'a' } }] as KubeObject[];
    const desired = [{ apiVersion: 'v1', kind: 'X', metadata: { name: 'a', annotations: { 'weavectl.io/settings': '{}', plain: 'x' } } }] as KubeObject[];
    expect(diffObjects(live, desired)[0]!.changes.map(formatChange)).toEqual(['+ metadata.annotations["weavectl.io/settings"]: {}', '+ metadata.annotations.plain: x']);
  });

  it('labels and annotations: only the desired keys are compared', () => {
    const live = [{ apiVersion: 'v1', kind: 'X', metadata: { name: 'a', labels: { name: 'weave-net', extra: 'x' }, annotations: { a: '1' } } }] as KubeObject[];
    const desired = [{ apiVersion: 'v1', kind: 'X', metadata: { name: 'a', labels: { name: 'weave-net' }, annotations: { a: '2' } } }] as KubeObject[];
    expect(diffObjects(live, desired)[0]!.changes.map(formatChange)).toEqual(['~ metadata.annotations.a: "1" -> "2"']);
  });
});

describe('showValue', () => {
  it.each([
    ['plain', 'plain'],
    ['', '""'],
    ['1', '"1"'],
    ['true', '"true"'],
    [5, '5'],
    [undefined, 'unset'],
    [{ a: 1 }, '{"a":1}'],
  ])('%j', (v, want) => expect(showValue(v)).toBe(want));

  it('shows a long value whole: a 300-character string, and JSON that parses back (no cut mid-JSON)', () => {
    expect(showValue('x'.repeat(300))).toBe('x'.repeat(300));
    const settings = { v: 1, weave: '2.8.1', settings: { ipalloc: '172.25.64.0/18', env: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`VAR_${i}`, 'value-'.repeat(5)])) } };
    expect(JSON.parse(showValue(settings))).toEqual(settings);
  });
});

describe('diffObjects with the server dry-run apply result: the fields the apply removes', () => {
  const svc = (spec: Record<string, unknown>, labels: Record<string, string> = { app: 'weave-scope' }) =>
    ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'weave-scope-app', namespace: 'weave', labels, resourceVersion: '7', managedFields: [] }, spec }) as KubeObject;

  it('a list, a string-map key and a keyed-list item the dry-run result no longer has are removed; status and server metadata are not compared', () => {
    const live = { ...svc({ externalIPs: ['10.200.33.12'], ports: [{ port: 80, targetPort: 4040, protocol: 'TCP' }, { port: 81, targetPort: 4041 }] }, { app: 'weave-scope', tier: 'ui' }), status: { loadBalancer: {} } } as KubeObject;
    const desired = svc({ ports: [{ port: 80, targetPort: 4040 }] });
    const after = { ...svc({ ports: [{ port: 80, targetPort: 4040, protocol: 'TCP' }] }), metadata: { name: 'weave-scope-app', namespace: 'weave', labels: { app: 'weave-scope' }, resourceVersion: '8' } } as KubeObject;
    const [d] = diffObjects([live], [desired], [after]);
    expect(d!.status).toBe('changed');
    expect(d!.changes).toEqual([
      { path: 'metadata.labels.tier', kind: 'removed', old: 'ui' },
      { path: 'spec.externalIPs', kind: 'removed', old: ['10.200.33.12'] },
    ]);
  });

  it('without the dry-run result only the manifest paths are compared (the removals are not seen)', () => {
    const live = svc({ externalIPs: ['10.200.33.12'] });
    expect(diffObjects([live], [svc({})])[0]!.status).toBe('unchanged');
  });

  it('a removal the manifest comparison shows already (an env var dropped) is shown once', () => {
    const ds = (env: { name: string; value: string }[]) =>
      ({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'weave-net', namespace: 'kube-system' }, spec: { template: { spec: { containers: [{ name: 'weave', env }] } } } }) as KubeObject;
    const live = ds([{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
    const desired = ds([{ name: 'A', value: '1' }]);
    const [d] = diffObjects([live], [desired], [desired]);
    expect(d!.changes).toEqual([{ path: 'spec.template.spec.containers[weave].env[B]', kind: 'removed', old: { name: 'B', value: '2' } }]);
  });

  it('the text shows a removal as "- path: old"', () => {
    const live = svc({ externalIPs: ['10.200.33.12'] });
    expect(formatDiff(diffObjects([live], [svc({})], [svc({})]))).toBe('service/weave-scope-app (weave): changed\n  - spec.externalIPs: ["10.200.33.12"]');
  });
});
