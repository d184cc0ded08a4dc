/**
 * Upgrades keep settings, against the simulator: the seed's cluster (Kubernetes 1.7.5) runs Weave 2.0.5
 * installed by weavectl with 172.25.64.0/18, an MTU, a password Secret and an extra env var; reading
 * the live DaemonSet back (with the server's defaults on it), merging, diffing and applying Weave 2.7.0
 * keeps every one of them, and a range change is refused.
 *
 * The apply step puts the objects the way `weavectl install` will once it calls these functions
 * (readLiveSettings -> mergeSettings -> applyNetSettings -> annotateManifest); the lead wires install.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.js';
import { toObjects } from '../../src/manifest/manifest.js';
import { applyNetSettings } from '../../src/manifest/patch-net.js';
import { loadNetTemplate } from '../../src/manifest/templates.js';
import { annotateManifest, parseSettingsAnnotation, SETTINGS_ANNOTATION } from '../../src/upgrade/annotation.js';
import { diffObjects, formatChange, formatDiff } from '../../src/upgrade/diff.js';
import { readLiveSettings } from '../../src/upgrade/live-settings.js';
import { mergeSettings } from '../../src/upgrade/merge.js';
import { rangeChange } from '../../src/upgrade/range-change.js';
import { sim, weavectl } from './harness.js';

const SETTINGS = {
  ipalloc: '172.25.64.0/18',
  mtu: 1410,
  passwordSecret: 'weave-passwd',
  env: { EXTRA_ARGS: '--log-level=debug' },
};

describe('upgrade from Weave 2.0.5 to 2.7.0 on Kubernetes 1.7.5', () => {
  it('keeps 172.25.64.0/18, the MTU, the password and the extra env; refuses a range change', async () => {
    const s = await sim({ k8sVersion: '1.7.5', nodes: 4 });
    s.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'weave-passwd', namespace: 'kube-system' }, data: { 'weave-passwd': Buffer.from('s3cret').toString('base64') } });
    const install = await weavectl(s, [
      'install',
      '--weave-version',
      '2.0.5',
      '--ipalloc',
      SETTINGS.ipalloc,
      '--mtu',
      String(SETTINGS.mtu),
      '--password-secret',
      SETTINGS.passwordSecret,
      '--env',
      'EXTRA_ARGS=--log-level=debug',
    ]);
    expect(install.code, install.stderr).toBe(0);

    // 1. Read the running Weave Net back, as the server returns it (defaults, status, managedFields).
    const liveDs = s.get('extensions/v1beta1', 'DaemonSet', 'kube-system', 'weave-net') as KubeObject;
    expect(liveDs.metadata.resourceVersion).toMatch(/^\d+$/);
    const live = readLiveSettings(liveDs);
    expect(live).toMatchObject({ weaveVersion: '2.0.5', repo: 'weaveworks', problems: [], notCarried: [] });
    expect(live.settings).toEqual(SETTINGS);

    // 2. Merge with no flags: everything kept, nothing changed.
    const merged = mergeSettings(live, {});
    expect(merged.changed).toEqual([]);
    expect(merged.kept).toEqual(['IPALLOC_RANGE=172.25.64.0/18', 'WEAVE_MTU=1410', 'WEAVE_PASSWORD from Secret weave-passwd', 'env EXTRA_ARGS=--log-level=debug']);
    expect(rangeChange(live, undefined)).toBeUndefined();
    expect(rangeChange(live, '172.25.64.0/18')).toBeUndefined();
    const refused = rangeChange(live, '10.32.0.0/12')!;
    expect(refused.message).toMatch(/from 172.25.64.0\/18 to 10.32.0.0\/12: a new range makes a new network \(weave#2874\)/);

    // 3. Render 2.7.0 with them and diff against what runs.
    const desired = toObjects(annotateManifest(applyNetSettings(loadNetTemplate({ repo: 'weaveworks', version: '2.7.0', flavour: '1.7' }), merged.settings), merged.settings, '2.7.0')) as KubeObject[];
    const current = desired.flatMap((o) => {
      const got = s.get(String(o.apiVersion), String(o.kind), o.metadata.namespace, o.metadata.name);
      return got ? [got as KubeObject] : [];
    });
    const diffs = diffObjects(current, desired);
    const ds = diffs.find((d) => d.kind === 'DaemonSet')!;
    const lines = ds.changes.map(formatChange);
    expect(lines).toContain('~ spec.template.spec.containers[weave].image: weaveworks/weave-kube:2.0.5 -> weaveworks/weave-kube:2.7.0');
    // weavectl recorded the settings when it installed 2.0.5; only the Weave version in the record changes.
    expect(lines).toContainEqual(expect.stringMatching(/^~ metadata\.annotations\["weavectl\.io\/settings"\]: .*"weave":"2\.0\.5".* -> .*"weave":"2\.7\.0"/));
    expect(lines).toContain('~ spec.template.spec.containers[weave-npc].image: weaveworks/weave-npc:2.0.5 -> weaveworks/weave-npc:2.7.0');
    expect(lines.filter((l) => /containers.*(IPALLOC_RANGE|WEAVE_MTU|WEAVE_PASSWORD|EXTRA_ARGS)/.test(l))).toEqual([]);
    expect(lines.filter((l) => /terminationMessagePath|schedulerName|dnsPolicy|imagePullPolicy|managedFields|resourceVersion/.test(l))).toEqual([]);
    expect(diffs.filter((d) => d.status === 'new').map((d) => d.resource)).toEqual(['role.rbac.authorization.k8s.io/weave-net', 'rolebinding.rbac.authorization.k8s.io/weave-net']);
    expect(formatDiff(diffs)).toMatch(/^serviceaccount\/weave-net \(kube-system\): unchanged$/m);

    // 4. Apply it, wait for the rollout, and read the settings back again.
    for (const o of desired) s.put(o);
    const rolled = await s.waitFor(
      () => {
        const d = s.get('extensions/v1beta1', 'DaemonSet', 'kube-system', 'weave-net');
        const st = d?.status ?? {};
        return d && st.observedGeneration >= d.metadata.generation && st.updatedNumberScheduled === 4 && st.numberAvailable === 4 ? d : undefined;
      },
      { timeoutMs: 20_000, message: 'the upgraded weave-net did not roll out' },
    );
    const after = readLiveSettings(rolled as KubeObject);
    expect(after.weaveVersion).toBe('2.7.0');
    expect(after.settings).toEqual(SETTINGS);
    expect(after.recorded).toEqual({ weaveVersion: '2.7.0', settings: SETTINGS });
    expect(parseSettingsAnnotation(rolled.metadata.annotations[SETTINGS_ANNOTATION])).toEqual({ weaveVersion: '2.7.0', settings: SETTINGS });
    const pods = s.list('v1', 'Pod', 'kube-system').filter((p) => p.metadata.name.startsWith('weave-net-') && !p.metadata.deletionTimestamp);
    expect(pods).toHaveLength(4);
    for (const p of pods) {
      const weave = p.spec.containers.find((c: { name: string }) => c.name === 'weave');
      expect(weave.image).toBe('weaveworks/weave-kube:2.7.0');
      expect(weave.env).toContainEqual({ name: 'IPALLOC_RANGE', value: '172.25.64.0/18' });
    }

    // 5. After the upgrade: nothing left to change, and check agrees.
    const again = diffObjects(
      desired.map((o) => s.get(String(o.apiVersion), String(o.kind), o.metadata.namespace, o.metadata.name) as KubeObject),
      desired,
    );
    expect(again.filter((d) => d.status !== 'unchanged').map((d) => `${d.resource}: ${d.changes.map(formatChange).join('; ')}`)).toEqual([]);
    const check = await weavectl(s, ['check']);
    expect(check.code, check.stdout).toBe(0);
    expect(check.stdout).toContain('√ Weave Net is installed\n    Weave Net 2.7.0');
    expect(check.stdout).toContain("pod range 172.25.64.0/18 (the running weave-net's IPALLOC_RANGE)");
  });
});
