import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { releaseLine } from '../../src/weave/releases.js';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.js';
import { WeavectlError } from '../../src/errors.js';
import { allEmbeddedNetReleases } from '../../src/manifest/catalog.js';
import { parseManifest, toObjects, type Manifest } from '../../src/manifest/manifest.js';
import { type NetSettings } from '../../src/manifest/net-settings.js';
import { applyNetSettings } from '../../src/manifest/patch-net.js';
import { loadNetTemplate } from '../../src/manifest/templates.js';
import { SETTINGS_ANNOTATION, settingsAnnotation } from '../../src/upgrade/annotation.js';
import { readLiveSettings, weaveImageOrigin } from '../../src/upgrade/live-settings.js';
import { mergeSettings } from '../../src/upgrade/merge.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const refDir = resolve(repoRoot, 'test/fixtures/upstream');
const REF_FILES = readdirSync(refDir).filter((f) => f.startsWith('net-') && f.endsWith('.yaml')).sort();
const loadRef = (file: string): Manifest => parseManifest(readFileSync(join(refDir, file), 'utf8'), file);

export function daemonSetOf(m: Manifest): KubeObject {
  const ds = (toObjects(m) as KubeObject[]).find((o) => o.kind === 'DaemonSet' && o.metadata.name === 'weave-net');
  if (!ds) throw new Error(`${m.origin}: no weave-net DaemonSet`);
  return ds;
}

function weaveContainer(ds: KubeObject): { env?: { name: string; value?: string; valueFrom?: unknown }[]; image: string } {
  return ds.spec.template.spec.containers.find((c: { name: string }) => c.name === 'weave');
}

const SETTING_SETS: { name: string; settings: NetSettings }[] = [
  { name: 'nothing', settings: {} },
  { name: 'range only', settings: { ipalloc: '172.25.64.0/18' } },
  {
    name: 'everything',
    settings: {
      ipalloc: '10.200.0.0/16',
      mtu: 8916,
      connLimit: 64,
      noMasqLocal: true,
      disableNpc: true,
      passwordSecret: 'weave-passwd',
      env: { EXTRA_ARGS: '--log-level=debug', WEAVE_METRICS_ADDR: '0.0.0.0:6782' },
      imageRegistry: 'registry.corp:5000/mirror',
    },
  },
  { name: 'masq explicitly on, secret with key', settings: { noMasqLocal: false, passwordSecret: 'secrets:weave-key', imageRegistry: 'quay.io' } },
];

describe('readLiveSettings: every embedded manifest, patched, reads back the same settings', () => {
  const releases = allEmbeddedNetReleases();
  it('covers the embedded releases', () => expect(releases.length).toBeGreaterThan(10));
  for (const r of releases) {
    let template: Manifest | undefined;
    for (const set of SETTING_SETS) {
      it(`${r.repo} ${r.version} (k8s ${r.flavour}): ${set.name}`, () => {
        template ??= loadNetTemplate(r);
        // NO_MASQ_LOCAL as the release reads it (src/weave/releases.ts): before 2.4.0 there is none (on is
        // refused), in 2.4-2.6 "off" is the variable left out, so it reads back as not set.
        const reading = releaseLine(r.version, r.repo)!.noMasqLocal;
        if (reading === 'not-read' && set.settings.noMasqLocal === true) {
          expect(() => applyNetSettings(template!, set.settings)).toThrow(/has no NO_MASQ_LOCAL setting \(it came in 2\.4\.0/);
          return;
        }
        const { noMasqLocal, ...rest } = set.settings;
        const expected = noMasqLocal === undefined || (noMasqLocal === false && reading !== 'on-unless-0') ? rest : set.settings;
        const ds = daemonSetOf(applyNetSettings(template, set.settings));
        const live = readLiveSettings(ds);
        expect(live.problems).toEqual([]);
        expect(live.notCarried).toEqual([]);
        expect(live.settings).toEqual(expected);
        expect(live.weaveVersion).toBe(r.version);
        expect(live.repo).toBe(r.repo);
        // Merging with no flags gives the settings back unchanged, and applying them again is a no-op.
        const merged = mergeSettings(live, {});
        expect(merged.changed).toEqual([]);
        expect(merged.settings).toEqual(expected);
      });
    }
  }
});

describe('readLiveSettings on the upstream reference manifests (source form, :latest images)', () => {
  for (const file of REF_FILES) {
    it(file, () => {
      const settings: NetSettings = { ipalloc: '172.25.64.0/18', mtu: 1410, passwordSecret: 'weave-passwd', env: { IPTABLES_BACKEND: 'nft' } };
      const live = readLiveSettings(daemonSetOf(applyNetSettings(loadRef(file), settings)));
      expect(live.settings).toEqual(settings);
      expect(live.weaveVersion).toBeUndefined(); // :latest is not a version
      expect(live.repo).toBe(file.includes('reweave') ? 'reweave' : 'weaveworks');
      expect(live.problems).toEqual([]);
    });
  }
  it('the plain reference manifests carry no settings at all (HOSTNAME, INIT_CONTAINER, reweave CHECKPOINT_DISABLE are the manifest own)', () => {
    for (const file of REF_FILES) expect(readLiveSettings(daemonSetOf(loadRef(file))).settings, file).toEqual({});
  });
});

function liveDs(env: unknown[], opts: { image?: string; npc?: boolean; npcArgs?: string[]; annotations?: Record<string, string> } = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'weave-net', namespace: 'kube-system', ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: {
      template: {
        spec: {
          containers: [
            { name: 'weave', image: opts.image ?? 'weaveworks/weave-kube:2.0.5', env },
            ...(opts.npc === false ? [] : [{ name: 'weave-npc', image: 'weaveworks/weave-npc:2.0.5', ...(opts.npcArgs ? { args: opts.npcArgs } : {}) }]),
          ],
        },
      },
    },
  };
}

describe('readLiveSettings: edge cases', () => {
  it('a literal WEAVE_PASSWORD is a problem, and the merge refuses to drop it unless --password-secret replaces it', () => {
    const live = readLiveSettings(liveDs([{ name: 'WEAVE_PASSWORD', value: 's3cret' }]));
    expect(live.problems).toHaveLength(1);
    expect(live.problems[0]!.flag).toBe('--password-secret');
    expect(live.problems[0]!.message).not.toContain('s3cret');
    let err: unknown;
    try {
      mergeSettings(live, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WeavectlError);
    expect((err as WeavectlError).exitCode).toBe(1);
    expect((err as WeavectlError).message).toMatch(/^cannot keep the running Weave Net's settings: .*WEAVE_PASSWORD written into the manifest/);
    expect((err as WeavectlError).message).not.toContain('\n');
    expect((err as WeavectlError).hint).toContain('--password-secret');
    expect(mergeSettings(live, { passwordSecret: 'weave-passwd' }).settings).toEqual({ passwordSecret: 'weave-passwd' });
  });

  it('an IPALLOC_RANGE weavectl refuses is a problem that --ipalloc resolves', () => {
    const live = readLiveSettings(liveDs([{ name: 'IPALLOC_RANGE', value: '10.32.0.1/12' }]));
    expect(live.ipallocRaw).toBe('10.32.0.1/12');
    expect(live.settings.ipalloc).toBeUndefined();
    expect(live.problems.map((p) => p.name)).toEqual(['IPALLOC_RANGE']);
    expect(() => mergeSettings(live, {})).toThrow(/IPALLOC_RANGE="10.32.0.1\/12"/);
    expect(mergeSettings(live, { ipalloc: '10.32.0.0/12' }).settings.ipalloc).toBe('10.32.0.0/12');
    expect(mergeSettings(live, { env: { IPALLOC_RANGE: '10.32.0.0/12' } }).settings.env).toEqual({ IPALLOC_RANGE: '10.32.0.0/12' });
  });

  it('bad WEAVE_MTU and CONN_LIMIT are problems too', () => {
    const live = readLiveSettings(liveDs([{ name: 'WEAVE_MTU', value: '100' }, { name: 'CONN_LIMIT', value: 'lots' }]));
    expect(live.problems.map((p) => [p.name, p.flag])).toEqual([
      ['WEAVE_MTU', '--mtu'],
      ['CONN_LIMIT', '--conn-limit'],
    ]);
    expect(() => mergeSettings(live, { mtu: 1376 })).toThrow(/and|CONN_LIMIT/);
    expect(mergeSettings(live, { mtu: 1376, connLimit: 30 }).settings).toEqual({ mtu: 1376, connLimit: 30 });
  });

  it('env from a fieldRef or a Secret key is carried as it is; weave-npc args and a dedicated variable from valueFrom are reported as not carried', () => {
    const live = readLiveSettings(
      liveDs(
        [
          { name: 'WEAVE_EXPOSE_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
          { name: 'EXTRA_ARGS', value: '--log-level=debug' },
          { name: 'WEAVE_STATUS_TOKEN', valueFrom: { secretKeyRef: { name: 'weave-tokens', key: 'status' } } },
          { name: 'WEAVE_MTU', valueFrom: { configMapKeyRef: { name: 'net', key: 'mtu' } } },
        ],
        { npcArgs: ['--use-legacy-netpol'] },
      ),
    );
    expect(live.settings).toEqual({
      env: { EXTRA_ARGS: '--log-level=debug' },
      envFrom: {
        WEAVE_EXPOSE_IP: { fieldRef: { fieldPath: 'status.hostIP' } },
        WEAVE_STATUS_TOKEN: { secretKeyRef: { name: 'weave-tokens', key: 'status' } },
      },
    });
    expect(live.notCarried).toHaveLength(2);
    expect(live.notCarried.join('\n')).toMatch(/env WEAVE_MTU from configMapKeyRef net\/mtu: weavectl sets WEAVE_MTU itself/);
    expect(live.notCarried.join('\n')).toMatch(/--use-legacy-netpol/);
  });

  it('no weave-npc container means NPC off; EXPECT_NPC=0 alone too', () => {
    expect(readLiveSettings(liveDs([], { npc: false })).settings).toEqual({ disableNpc: true });
    expect(readLiveSettings(liveDs([{ name: 'EXPECT_NPC', value: '0' }])).settings).toEqual({ disableNpc: true });
    expect(readLiveSettings(liveDs([{ name: 'EXPECT_NPC', value: '1' }])).settings).toEqual({});
  });

  it('NO_MASQ_LOCAL is read by meaning: "0" is on for 2.6 (v2.6.0 launch.sh `-n`), off for 2.7 (v2.7.0 `${NO_MASQ_LOCAL:-1}`); not read before 2.4; verbatim when the release is unknown', () => {
    const at = (image: string, value: string) => readLiveSettings(liveDs([{ name: 'NO_MASQ_LOCAL', value }], { image }));
    expect(at('weaveworks/weave-kube:2.6.0', '0').settings).toEqual({ noMasqLocal: true });
    expect(at('weaveworks/weave-kube:2.6.0', 'yes').settings).toEqual({ noMasqLocal: true });
    expect(at('weaveworks/weave-kube:2.7.0', '0').settings).toEqual({ noMasqLocal: false });
    expect(at('weaveworks/weave-kube:2.7.0', '1').settings).toEqual({ noMasqLocal: true });
    const old = at('weaveworks/weave-kube:2.0.5', '1');
    expect(old.settings).toEqual({});
    expect(old.notCarried).toEqual([expect.stringMatching(/^env NO_MASQ_LOCAL=1: Weave Net 2\.0\.5 does not read it/)]);
    expect(at('weaveworks/weave-kube:latest', 'yes').settings).toEqual({ env: { NO_MASQ_LOCAL: 'yes' } });
  });

  it('INIT_CONTAINER with another value than the manifest sets is the user own; the template option excludes what the manifest sets', () => {
    expect(readLiveSettings(liveDs([{ name: 'INIT_CONTAINER', value: 'false' }])).settings).toEqual({ env: { INIT_CONTAINER: 'false' } });
    const template = liveDs([{ name: 'FOO', value: 'manifest' }]);
    expect(readLiveSettings(liveDs([{ name: 'FOO', value: 'manifest' }]), { template }).settings).toEqual({});
    expect(readLiveSettings(liveDs([{ name: 'FOO', value: 'mine' }]), { template }).settings).toEqual({ env: { FOO: 'mine' } });
    // CHECKPOINT_DISABLE=1 is reweave's own and weavectl's default on every manifest; another value is the user's.
    expect(readLiveSettings(liveDs([{ name: 'CHECKPOINT_DISABLE', value: '1' }])).settings).toEqual({});
    expect(readLiveSettings(liveDs([{ name: 'CHECKPOINT_DISABLE', value: '1' }], { image: 'rajchaudhuri/weave-kube:2.9.0' })).settings).toEqual({});
    expect(readLiveSettings(liveDs([{ name: 'CHECKPOINT_DISABLE', value: 'true' }])).settings).toEqual({ env: { CHECKPOINT_DISABLE: 'true' } });
  });

  it('duplicate env names: the last wins, as in Kubernetes', () => {
    const live = readLiveSettings(liveDs([{ name: 'WEAVE_MTU', value: '1376' }, { name: 'WEAVE_MTU', value: '8916' }]));
    expect(live.settings.mtu).toBe(8916);
  });

  it('a DaemonSet without a weave container is a problem no flag fixes', () => {
    const ds = liveDs([]);
    ds.spec.template.spec.containers = [{ name: 'something', image: 'busybox' }];
    const live = readLiveSettings(ds);
    expect(live.problems).toHaveLength(1);
    expect(live.problems[0]!.flag).toBeUndefined();
    expect(() => mergeSettings(live, { ipalloc: '10.32.0.0/12' })).toThrow(/has no container "weave"/);
  });

  it('reads the recorded settings annotation, and reports a broken one', () => {
    const ann = settingsAnnotation({ ipalloc: '172.25.64.0/18' }, '2.0.5');
    expect(readLiveSettings(liveDs([], { annotations: { [SETTINGS_ANNOTATION]: ann } })).recorded).toEqual({ weaveVersion: '2.0.5', settings: { ipalloc: '172.25.64.0/18' } });
    const broken = readLiveSettings(liveDs([], { annotations: { [SETTINGS_ANNOTATION]: '{nope' } }));
    expect(broken.recorded).toBeUndefined();
    expect(broken.notCarried.join()).toMatch(/not JSON/);
  });

  it('an image of an unknown path is reported (its registry cannot be carried)', () => {
    const live = readLiveSettings(liveDs([], { image: 'corp/weave:2.0.5' }));
    expect(live.repo).toBeUndefined();
    expect(live.settings.imageRegistry).toBeUndefined();
    expect(live.notCarried.join()).toMatch(/--image-registry/);
  });

  it('weave container as in a manifest that weaveContainer() finds', () => {
    const ds = daemonSetOf(applyNetSettings(loadNetTemplate({ repo: 'weaveworks', version: '2.8.1', flavour: '1.11' }), { ipalloc: '172.25.64.0/18' }));
    expect(weaveContainer(ds).env?.find((e) => e.name === 'IPALLOC_RANGE')?.value).toBe('172.25.64.0/18');
  });
});

describe('weaveImageOrigin', () => {
  it.each([
    ['weaveworks/weave-kube:2.8.1', { repo: 'weaveworks', version: '2.8.1', known: true }],
    ['docker.io/weaveworks/weave-kube:v2.8.1', { repo: 'weaveworks', version: '2.8.1', known: true }],
    ['rajchaudhuri/weave-kube:2.9.0', { repo: 'reweave', version: '2.9.0', known: true }],
    ['registry.corp:5000/mirror/weaveworks/weave-kube:2.0.5', { repo: 'weaveworks', mirror: 'registry.corp:5000/mirror', version: '2.0.5', known: true }],
    ['myuser/weaveworks/weave-kube:2.0.5', { repo: 'weaveworks', mirror: 'myuser', version: '2.0.5', known: true }],
    ['ghcr.io/weaveworks/launcher/weave-kube:2.8.1', { repo: 'weaveworks', version: '2.8.1', known: true }],
    ['weaveworks/weave-kube:latest', { repo: 'weaveworks', known: true }],
    ['weaveworks/weave-kube@sha256:' + 'a'.repeat(64), { repo: 'weaveworks', known: true }],
    ['corp/weave:2.0.5', { version: '2.0.5', known: false }],
  ])('%s', (image, want) => expect(weaveImageOrigin(image)).toEqual(want));
});
