import { describe, expect, it } from 'vitest';
import { WeavectlError } from '../../src/errors.js';
import { parseManifest, toObjects } from '../../src/manifest/manifest.js';
import { applyNetSettings } from '../../src/manifest/patch-net.js';
import { loadNetTemplate } from '../../src/manifest/templates.js';
import { annotateManifest, parseSettingsAnnotation, SETTINGS_ANNOTATION, settingsAnnotation } from '../../src/upgrade/annotation.js';
import type { LiveSettings } from '../../src/upgrade/live-settings.js';
import { mergeSettings } from '../../src/upgrade/merge.js';
import { liveRange, rangeChange, refuseRangeChange } from '../../src/upgrade/range-change.js';

function live(settings: LiveSettings['settings'], extra: Partial<LiveSettings> = {}): LiveSettings {
  return { settings, problems: [], notCarried: [], ...(settings.ipalloc ? { ipallocRaw: settings.ipalloc } : {}), ...extra };
}

describe('mergeSettings', () => {
  it('keeps every live setting when no flag is given', () => {
    const l = live({
      ipalloc: '172.25.64.0/18',
      mtu: 8916,
      connLimit: 30,
      noMasqLocal: true,
      disableNpc: true,
      passwordSecret: 'weave-passwd',
      imageRegistry: 'registry.corp:5000/mirror',
      env: { EXTRA_ARGS: '--log-level=debug' },
    });
    const m = mergeSettings(l, {});
    expect(m.settings).toEqual(l.settings);
    expect(m.changed).toEqual([]);
    expect(m.kept).toEqual([
      'IPALLOC_RANGE=172.25.64.0/18',
      'WEAVE_MTU=8916',
      'CONN_LIMIT=30',
      'NO_MASQ_LOCAL on',
      'WEAVE_PASSWORD from Secret weave-passwd',
      'images from registry.corp:5000/mirror',
      'weave-npc off (EXPECT_NPC=0)',
      'env EXTRA_ARGS=--log-level=debug',
    ]);
  });

  it('flags win, and say what they change', () => {
    const l = live({ ipalloc: '172.25.64.0/18', mtu: 1376, passwordSecret: 'old', env: { EXTRA_ARGS: '--log-level=debug', KEEP: 'x' } });
    const m = mergeSettings(l, { mtu: 8916, connLimit: 100, passwordSecret: 'new:key', env: { EXTRA_ARGS: '--log-level=info' } });
    expect(m.settings).toEqual({ ipalloc: '172.25.64.0/18', mtu: 8916, connLimit: 100, passwordSecret: 'new:key', env: { KEEP: 'x', EXTRA_ARGS: '--log-level=info' } });
    expect(m.changed).toEqual([
      'WEAVE_MTU: 1376 -> 8916',
      'CONN_LIMIT: unset -> 100',
      'WEAVE_PASSWORD: Secret old -> Secret new (key key)',
      'env EXTRA_ARGS: --log-level=debug -> --log-level=info',
    ]);
    expect(m.kept).toEqual(['IPALLOC_RANGE=172.25.64.0/18', 'env KEEP=x']);
  });

  it('a flag equal to the live value counts as kept', () => {
    const m = mergeSettings(live({ ipalloc: '172.25.64.0/18' }), { ipalloc: '172.25.64.0/18' });
    expect(m.kept).toEqual(['IPALLOC_RANGE=172.25.64.0/18']);
    expect(m.changed).toEqual([]);
  });

  it('--env naming a dedicated setting replaces the live value instead of clashing with it in applyNetSettings', () => {
    const template = loadNetTemplate({ repo: 'weaveworks', version: '2.8.1', flavour: '1.11' });
    const m = mergeSettings(live({ mtu: 1376 }), { env: { WEAVE_MTU: '8916' } });
    expect(m.settings).toEqual({ env: { WEAVE_MTU: '8916' } });
    expect(m.changed).toEqual(['WEAVE_MTU: 1376 -> 8916']);
    expect(() => applyNetSettings(template, m.settings)).not.toThrow();
  });

  it('an odd live NO_MASQ_LOCAL carried as env gives way to --no-masq-local', () => {
    const m = mergeSettings(live({ env: { NO_MASQ_LOCAL: 'yes' } }), { noMasqLocal: true });
    expect(m.settings).toEqual({ noMasqLocal: true });
    expect(m.changed).toEqual(['NO_MASQ_LOCAL: yes -> on']);
  });

  it('weave-npc: kept off, turned off, turned back on with disableNpc=false', () => {
    expect(mergeSettings(live({ disableNpc: true }), {}).settings).toEqual({ disableNpc: true });
    expect(mergeSettings(live({}), { disableNpc: true })).toEqual({ settings: { disableNpc: true }, kept: [], changed: ['weave-npc: on -> off (EXPECT_NPC=0)'] });
    expect(mergeSettings(live({ disableNpc: true }), { disableNpc: false })).toEqual({ settings: {}, kept: [], changed: ['weave-npc: off -> on'] });
  });

  it('--no-password-secret drops the running password, whatever it came from, and says so', () => {
    const fromSecret = mergeSettings(live({ ipalloc: '172.25.64.0/18', passwordSecret: 'weave-passwd' }), { noPassword: true });
    expect(fromSecret.settings).toEqual({ ipalloc: '172.25.64.0/18', noPassword: true });
    expect(fromSecret.changed).toEqual(['WEAVE_PASSWORD: Secret weave-passwd -> unset (no encryption)']);
    // a literal password stops an upgrade, unless --no-password-secret says to drop it
    const literal = live({}, { problems: [{ name: 'WEAVE_PASSWORD', flag: '--password-secret', message: 'literal', hint: 'h' }] });
    expect(() => mergeSettings(literal, {})).toThrow(WeavectlError);
    expect(mergeSettings(literal, { noPassword: true })).toEqual({ settings: { noPassword: true }, kept: [], changed: ['WEAVE_PASSWORD: set -> unset (no encryption)'] });
    // nothing to drop: nothing changes
    expect(mergeSettings(live({ mtu: 1376 }), { noPassword: true })).toEqual({ settings: { mtu: 1376, noPassword: true }, kept: ['WEAVE_MTU=1376'], changed: [] });
  });

  it('--no-password-secret removes WEAVE_PASSWORD from a manifest that has it; with --password-secret it is a contradiction', () => {
    const withPassword = applyNetSettings(loadNetTemplate({ repo: 'weaveworks', version: '2.8.1', flavour: '1.11' }), { passwordSecret: 'weave-passwd' });
    const envOf = (m: typeof withPassword) => {
      const ds = toObjects(m).find((o) => o.kind === 'DaemonSet') as { spec: { template: { spec: { containers: { name: string; env: { name: string }[] }[] } } } };
      return ds.spec.template.spec.containers.find((c) => c.name === 'weave')!.env.map((e) => e.name);
    };
    expect(envOf(withPassword)).toContain('WEAVE_PASSWORD');
    expect(envOf(applyNetSettings(withPassword, { noPassword: true }))).not.toContain('WEAVE_PASSWORD');
    expect(() => applyNetSettings(withPassword, { noPassword: true, passwordSecret: 'x' })).toThrow('--password-secret and --no-password-secret contradict each other');
  });

  it('env from valueFrom is kept as it is, --env NAME=VALUE replaces it, and it applies to a newer manifest', () => {
    const l = live({ envFrom: { WEAVE_EXPOSE_IP: { fieldRef: { fieldPath: 'status.hostIP' } }, TOKEN: { secretKeyRef: { name: 's', key: 'k' } } } });
    const m = mergeSettings(l, { env: { TOKEN: 'literal' } });
    expect(m.settings).toEqual({ env: { TOKEN: 'literal' }, envFrom: { WEAVE_EXPOSE_IP: { fieldRef: { fieldPath: 'status.hostIP' } } } });
    expect(m.kept).toEqual(['env WEAVE_EXPOSE_IP from fieldRef status.hostIP']);
    expect(m.changed).toEqual(['env TOKEN: from secretKeyRef s/k -> literal']);
    const out = toObjects(applyNetSettings(loadNetTemplate({ repo: 'weaveworks', version: '2.8.1', flavour: '1.11' }), m.settings));
    const ds = out.find((o) => o.kind === 'DaemonSet') as { spec: { template: { spec: { containers: { name: string; env: Record<string, unknown>[] }[] } } } };
    const env = ds.spec.template.spec.containers.find((c) => c.name === 'weave')!.env;
    expect(env).toContainEqual({ name: 'WEAVE_EXPOSE_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } });
    expect(env).toContainEqual({ name: 'TOKEN', value: 'literal' });
    // and the annotation records it
    expect(parseSettingsAnnotation(settingsAnnotation(m.settings, '2.8.1'))?.settings.envFrom).toEqual(m.settings.envFrom);
    expect(() => parseSettingsAnnotation(JSON.stringify({ v: 1, weave: '2.8.1', settings: { envFrom: { X: 'str' } } }))).toThrow(/envFrom/);
  });

  it('the merged settings apply cleanly to a newer manifest', () => {
    const l = live({ ipalloc: '172.25.64.0/18', disableNpc: true, env: { EXTRA_ARGS: '--log-level=debug' } });
    const m = mergeSettings(l, { mtu: 1410 });
    const out = toObjects(applyNetSettings(loadNetTemplate({ repo: 'weaveworks', version: '2.7.0', flavour: '1.7' }), m.settings));
    const ds = out.find((o) => o.kind === 'DaemonSet') as { spec: { template: { spec: { containers: { name: string; env: { name: string; value?: string }[] }[] } } } };
    const weave = ds.spec.template.spec.containers.find((c) => c.name === 'weave')!;
    expect(Object.fromEntries(weave.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]))).toEqual({
      IPALLOC_RANGE: '172.25.64.0/18',
      WEAVE_MTU: '1410',
      EXPECT_NPC: '0',
      EXTRA_ARGS: '--log-level=debug',
      CHECKPOINT_DISABLE: '1',
    });
    expect(ds.spec.template.spec.containers.map((c) => c.name)).toEqual(['weave']);
  });
});

describe('rangeChange', () => {
  it('no --ipalloc keeps the live range: no change', () => {
    expect(rangeChange(live({ ipalloc: '172.25.64.0/18' }), undefined)).toBeUndefined();
  });

  it('the same range, written differently, is no change; the default equals an absent IPALLOC_RANGE', () => {
    expect(rangeChange(live({ ipalloc: '172.25.64.0/18' }), '172.25.64.0/18')).toBeUndefined();
    expect(rangeChange(live({}), '10.32.0.0/12')).toBeUndefined();
    expect(rangeChange(live({}, { ipallocRaw: '10.32.0.1/12' }), '10.32.0.0/12')).toBeUndefined();
    expect(liveRange(live({}))).toEqual({ cidr: '10.32.0.0/12', isDefault: true });
  });

  it('a different range is refused with weave#2874, exit 1, one line and a hint naming --allow-range-change', () => {
    const rc = rangeChange(live({ ipalloc: '172.25.64.0/18' }), '10.32.0.0/12')!;
    expect(rc).toMatchObject({ from: '172.25.64.0/18', to: '10.32.0.0/12', fromDefault: false });
    expect(rc.message).toMatch(/^refusing to change the pod range of the running Weave Net from 172.25.64.0\/18 to 10.32.0.0\/12: a new range makes a new network \(weave#2874\)/);
    expect(rc.message).toMatch(/quorum/);
    expect(rc.message).toMatch(/\/var\/lib\/weave\/weave-netdata.db/);
    expect(rc.message).not.toContain('\n');
    expect(rc.hint).toContain('--allow-range-change');
    expect(rc.hint).toContain('--ipalloc 172.25.64.0/18');
    expect(rc.warning).toContain('172.25.64.0/18 to 10.32.0.0/12');
    const err = refuseRangeChange(rc);
    expect(err).toBeInstanceOf(WeavectlError);
    expect(err.exitCode).toBe(1);
    expect(err.hint).toBe(rc.hint);
  });

  it('from the default: says so', () => {
    const rc = rangeChange(live({}), '172.25.64.0/18')!;
    expect(rc.fromDefault).toBe(true);
    expect(rc.message).toContain("10.32.0.0/12 (Weave's default: it sets no IPALLOC_RANGE)");
  });
});

describe('settings annotation', () => {
  it('round trips, with sorted keys (stable text: re-applying changes nothing)', () => {
    const settings = { mtu: 8916, ipalloc: '172.25.64.0/18', env: { B: '2', A: '1' }, passwordSecret: 'weave-passwd', disableNpc: true };
    const text = settingsAnnotation(settings, '2.7.0');
    expect(text).toBe('{"settings":{"disableNpc":true,"env":{"A":"1","B":"2"},"ipalloc":"172.25.64.0/18","mtu":8916,"passwordSecret":"weave-passwd"},"v":1,"weave":"2.7.0"}');
    expect(parseSettingsAnnotation(text)).toEqual({ weaveVersion: '2.7.0', settings });
    expect(settingsAnnotation({ ipalloc: '172.25.64.0/18', mtu: 8916 }, '2.7.0')).toBe(settingsAnnotation({ mtu: 8916, ipalloc: '172.25.64.0/18' }, '2.7.0'));
  });

  it('does not record --no-password-secret: the state it leaves is no passwordSecret', () => {
    expect(parseSettingsAnnotation(settingsAnnotation({ noPassword: true, mtu: 1376 }, '2.8.1'))?.settings).toEqual({ mtu: 1376 });
  });

  it('drops empty env and disableNpc=false', () => {
    expect(settingsAnnotation({ env: {}, disableNpc: false }, '2.8.1')).toBe('{"settings":{},"v":1,"weave":"2.8.1"}');
  });

  it.each([
    ['not json', /not JSON/],
    ['[1]', /not a JSON object/],
    ['{"v":2,"weave":"2.7.0","settings":{}}', /format 2 is not 1/],
    ['{"v":1,"settings":{}}', /"weave"/],
    ['{"v":1,"weave":"2.7.0","settings":{"mtu":"8916"}}', /settings.mtu" is not a number/],
    ['{"v":1,"weave":"2.7.0","settings":{"env":{"A":1}}}', /settings.env/],
  ])('refuses %s', (text, re) => {
    expect(() => parseSettingsAnnotation(text)).toThrow(re);
    try {
      parseSettingsAnnotation(text);
    } catch (e) {
      expect((e as WeavectlError).exitCode).toBe(1);
      expect((e as WeavectlError).hint).toContain(`${SETTINGS_ANNOTATION}-`);
    }
  });

  it('ignores unknown fields of a newer weavectl, and an empty value', () => {
    expect(parseSettingsAnnotation('{"v":1,"weave":"2.7.0","settings":{"ipalloc":"10.32.0.0/12","future":1}}')).toEqual({ weaveVersion: '2.7.0', settings: { ipalloc: '10.32.0.0/12' } });
    expect(parseSettingsAnnotation('')).toBeUndefined();
    expect(parseSettingsAnnotation(undefined)).toBeUndefined();
  });

  it('annotateManifest puts it on the DaemonSet, not on its pod template (no restart), and leaves the input alone', () => {
    const m = parseManifest(
      'apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: weave-net\n  namespace: kube-system\nspec:\n  template:\n    metadata:\n      labels: {name: weave-net}\n',
      'test',
    );
    const out = annotateManifest(m, { ipalloc: '172.25.64.0/18' }, '2.7.0');
    const ds = toObjects(out)[0] as { metadata: { annotations: Record<string, string> }; spec: { template: { metadata: Record<string, unknown> } } };
    expect(parseSettingsAnnotation(ds.metadata.annotations[SETTINGS_ANNOTATION])).toEqual({ weaveVersion: '2.7.0', settings: { ipalloc: '172.25.64.0/18' } });
    expect(ds.spec.template.metadata.annotations).toBeUndefined();
    expect((toObjects(m)[0] as { metadata: Record<string, unknown> }).metadata.annotations).toBeUndefined();
  });
});
