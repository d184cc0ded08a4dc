/**
 * The guard over a change (src/upgrade/guard.ts), pure: rendered Weave Net objects against running
 * DaemonSets. It judges the objects, never the flags: a range written by --ipalloc, by
 * `--env IPALLOC_RANGE=` or by a fetched manifest is the same range to it.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.js';
import { toObjects } from '../../src/manifest/manifest.js';
import type { NetSettings } from '../../src/manifest/net-settings.js';
import { applyNetSettings } from '../../src/manifest/patch-net.js';
import { loadNetTemplate } from '../../src/manifest/templates.js';
import { compareReleases, guardChange, guardError, isWeaveNetDaemonSet, type GuardAllow } from '../../src/upgrade/guard.js';

function objects(settings: NetSettings, version = '2.8.1'): KubeObject[] {
  return toObjects(applyNetSettings(loadNetTemplate({ repo: 'weaveworks', version, flavour: '1.11' }), settings)) as KubeObject[];
}
const dsOf = (objs: KubeObject[]) => objs.find((o) => o.kind === 'DaemonSet')!;
/** A running DaemonSet as the server returns it: the rendered one, with server fields. */
function running(settings: NetSettings, version = '2.8.1', namespace = 'kube-system'): KubeObject {
  const ds = structuredClone(dsOf(objects(settings, version)));
  ds.metadata = { ...ds.metadata, namespace, resourceVersion: '4711', uid: 'u1', generation: 3 };
  ds.status = { numberReady: 3 };
  return ds;
}
const guard = (planned: NetSettings, live: KubeObject[], allow: GuardAllow = {}, version?: string, requestedNamespace?: string) =>
  guardChange({ planned: objects(planned, version), running: live, allow, ...(requestedNamespace ? { requestedNamespace } : {}) });
const rules = (v: ReturnType<typeof guardChange>) => v.refusals.map((r) => r.rule);

describe('guardChange', () => {
  it('a fresh cluster: nothing refused; the planned range is read from the objects, default or not', () => {
    expect(guard({}, [])).toMatchObject({ refusals: [], plannedRange: { cidr: '10.32.0.0/12', isDefault: true } });
    expect(guard({ env: { IPALLOC_RANGE: '10.40.0.0/16' } }, []).plannedRange).toEqual({ cidr: '10.40.0.0/16', isDefault: false });
  });

  it('the same settings again: nothing refused, the running DaemonSet is the current one', () => {
    const live = running({ ipalloc: '172.25.64.0/18', passwordSecret: 'weave-passwd' });
    const v = guard({ ipalloc: '172.25.64.0/18', passwordSecret: 'weave-passwd' }, [live]);
    expect(v.refusals).toEqual([]);
    expect(v.warnings).toEqual([]);
    expect(v.current).toBe(live);
  });

  it('a different range is refused whatever wrote it (--ipalloc, --env, the manifest default), naming --allow-range-change', () => {
    const live = [running({ ipalloc: '172.25.64.0/18' })];
    for (const planned of [{ ipalloc: '10.40.0.0/16' }, { env: { IPALLOC_RANGE: '10.40.0.0/16' } }, {}] as NetSettings[]) {
      const v = guard(planned, live);
      expect(rules(v), JSON.stringify(planned)).toEqual(['range']);
      expect(v.refusals[0]).toMatchObject({ flag: '--allow-range-change', message: expect.stringMatching(/from 172\.25\.64\.0\/18 to 10\.(40\.0\.0\/16|32\.0\.0\/12)/) });
    }
    const allowed = guard({ ipalloc: '10.40.0.0/16' }, live, { rangeChange: true });
    expect(allowed.refusals).toEqual([]);
    expect(allowed.warnings.map((w) => w.rule)).toEqual(['range']);
  });

  it('an IPALLOC_RANGE in the objects (a fetched manifest) that is not a range is refused (no override)', () => {
    const planned = objects({});
    dsOf(planned).spec.template.spec.containers[0].env.push({ name: 'IPALLOC_RANGE', value: '10.40.0.1/16' });
    const v = guardChange({ planned, running: [], allow: {} });
    expect(v.refusals).toEqual([expect.objectContaining({ rule: 'manifest', message: expect.stringContaining('"10.40.0.1/16"') })]);
    expect(v.refusals[0]!.flag).toBeUndefined();
  });

  it('WEAVE_PASSWORD dropped, added or switched needs --allow-password-change; the same Secret passes', () => {
    const withPw = [running({ passwordSecret: 'weave-passwd' })];
    expect(rules(guard({}, withPw))).toEqual(['password']);
    expect(guard({}, withPw).refusals[0]!.message).toMatch(/from Secret weave-passwd to no password \(unencrypted\) \(it drops the password/);
    expect(rules(guard({ passwordSecret: 'other' }, withPw))).toEqual(['password']);
    expect(rules(guard({ passwordSecret: 'weave-passwd:other-key' }, withPw))).toEqual(['password']);
    expect(rules(guard({ passwordSecret: 'weave-passwd' }, [running({})]))).toEqual(['password']);
    expect(guard({ passwordSecret: 'weave-passwd' }, withPw).refusals).toEqual([]);
    expect(guard({}, withPw, { passwordChange: true })).toMatchObject({ refusals: [], warnings: [expect.objectContaining({ rule: 'password' })] });
  });

  it('a literal WEAVE_PASSWORD running, moved into a Secret: a warning; a literal one about to be applied: refused', () => {
    const live = running({});
    live.spec.template.spec.containers[0].env.push({ name: 'WEAVE_PASSWORD', value: 's3cret' });
    const v = guard({ passwordSecret: 'weave-passwd' }, [live]);
    expect(v.refusals).toEqual([]);
    expect(v.warnings[0]!.message).toMatch(/the Secret must hold the same password/);
    const planned = objects({});
    dsOf(planned).spec.template.spec.containers[0].env.push({ name: 'WEAVE_PASSWORD', value: 's3cret' });
    const bad = guardChange({ planned, running: [], allow: {} });
    expect(rules(bad)).toEqual(['manifest']);
    expect(JSON.stringify(bad)).not.toContain('s3cret');
  });

  it('weave-npc on -> off and off -> on need --allow-npc-change', () => {
    expect(rules(guard({ disableNpc: true }, [running({})]))).toEqual(['npc']);
    expect(rules(guard({}, [running({ disableNpc: true })]))).toEqual(['npc']);
    expect(guard({ disableNpc: true }, [running({ disableNpc: true })]).refusals).toEqual([]);
    expect(guard({ disableNpc: true }, [running({})], { npcChange: true }).refusals).toEqual([]);
  });

  it('an older release needs --allow-downgrade; the same or a newer one passes', () => {
    expect(rules(guard({}, [running({}, '2.8.1')], {}, '2.6.0'))).toEqual(['downgrade']);
    expect(guard({}, [running({}, '2.6.0')], {}, '2.8.1').refusals).toEqual([]);
    expect(guard({}, [running({}, '2.8.1')], { downgrade: true }, '2.6.0').refusals).toEqual([]);
  });

  it('a Weave Net in another namespace, or two, is refused with no override; -n naming the wrong namespace too', () => {
    const elsewhere = guard({}, [running({}, '2.8.1', 'net')]);
    expect(elsewhere.refusals).toEqual([expect.objectContaining({ rule: 'second-weave', message: expect.stringMatching(/runs as DaemonSet net\/weave-net/) })]);
    expect(elsewhere.refusals[0]!.flag).toBeUndefined();
    expect(rules(guard({}, [running({}), running({}, '2.8.1', 'net')]))).toEqual(['second-weave']);
    const wrongNs = guard({}, [running({ ipalloc: '172.25.64.0/18' })], {}, undefined, 'foo');
    expect(wrongNs.refusals).toEqual([expect.objectContaining({ rule: 'namespace', hint: expect.stringMatching(/without -n/) })]);
    // it does not go on to compare with "nothing running" (which would read as defaults)
    expect(rules(wrongNs)).toEqual(['namespace']);
  });

  it('every refusal at once: one error, the first message, the others named, the hint lists every flag', () => {
    const v = guard({ ipalloc: '10.40.0.0/16', disableNpc: true }, [running({ ipalloc: '172.25.64.0/18', passwordSecret: 'weave-passwd' }, '2.8.1')], {}, '2.6.0');
    expect(rules(v)).toEqual(['range', 'password', 'npc', 'downgrade']);
    const e = guardError(v)!;
    expect(e.exitCode).toBe(1);
    expect(e.message).toMatch(/\(also refused: --allow-password-change, --allow-npc-change, --allow-downgrade\); nothing was applied$/);
    expect(e.hint).toMatch(/--allow-range-change --allow-password-change --allow-npc-change --allow-downgrade$/);
    expect(guardError({ refusals: [], warnings: [] })).toBeUndefined();
  });
});

describe('isWeaveNetDaemonSet and compareReleases', () => {
  it('finds Weave Net by name, by label, or by its weave-kube image', () => {
    const base = running({});
    expect(isWeaveNetDaemonSet(base)).toBe(true);
    expect(isWeaveNetDaemonSet({ ...base, metadata: { name: 'renamed', labels: { name: 'weave-net' } } })).toBe(true);
    expect(isWeaveNetDaemonSet({ ...base, metadata: { name: 'renamed' } })).toBe(true); // the weave-kube image
    expect(isWeaveNetDaemonSet({ kind: 'DaemonSet', metadata: { name: 'calico-node' }, spec: { template: { spec: { containers: [{ name: 'calico-node', image: 'calico/node:v3' }] } } } })).toBe(false);
  });

  it('orders release numbers numerically (2.8.10 after 2.8.9), undefined for what is not one', () => {
    expect(compareReleases('2.8.10', '2.8.9')).toBeGreaterThan(0);
    expect(compareReleases('2.0.5', '2.6.0')).toBeLessThan(0);
    expect(compareReleases('v2.8.1', '2.8.1')).toBe(0);
    expect(compareReleases('latest', '2.8.1')).toBeUndefined();
  });
});
