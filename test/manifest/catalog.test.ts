import { describe, expect, it } from 'vitest';
import { WeavectlError } from '../../src/errors.js';
import {
  NET_FLAVOURS,
  SCOPE_VERSION,
  allEmbeddedNetReleases,
  compareWeave,
  embeddedNetReleases,
  flavoursOfRelease,
  netAssetName,
  netFlavourFor,
  netReleaseAssetUrl,
  parseWeaveRepo,
  parseWeaveVersion,
  releasesWithFlavour,
  resolveNetRelease,
  scopeFlavourFor,
  scopeNamespace,
  weaveReleases,
  type NetFlavour,
} from '../../src/manifest/catalog.js';
import { parseK8sVersion } from '../../src/manifest/k8s-version.js';

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WeavectlError);
    expect((e as WeavectlError).exitCode).toBe(2);
    const msg = (e as Error).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error('expected a usage error');
}

describe('netFlavourFor and the default release (weaveworks)', () => {
  const table: [string, NetFlavour, string, boolean][] = [
    // k8s version, flavour, default Weave, embedded
    ['1.0', '1.5', '2.0.5', true],
    ['1.4.12', '1.5', '2.0.5', true],
    ['1.5.7', '1.5', '2.0.5', true],
    ['1.6.0', '1.6', '2.7.0', true],
    ['v1.6.13', '1.6', '2.7.0', true],
    ['1.7.5', '1.7', '2.7.0', true],
    ['v1.7.5-gke.1', '1.7', '2.7.0', true],
    ['1.8', '1.8', '2.8.1', true],
    ['1.9', '1.9', '2.8.1', true],
    ['1.9.11', '1.9', '2.8.1', true],
    ['1.10', '1.9', '2.8.1', true],
    ['v1.10.0-gke.1', '1.9', '2.8.1', true],
    ['1.11', '1.11', '2.8.1', true],
    ['1.16.15', '1.11', '2.8.1', true],
    ['1.29', '1.11', '2.8.1', true],
    ['v1.27.3+k3s1', '1.11', '2.8.1', true],
    ['1.34', '1.11', '2.8.1', true],
  ];
  it.each(table)('Kubernetes %s -> flavour %s, Weave %s', (k, flavour, version, embedded) => {
    const f = netFlavourFor(parseK8sVersion(k));
    expect(f).toBe(flavour);
    const r = resolveNetRelease({ flavour: f, repo: 'weaveworks' });
    expect(r).toEqual({ flavour, version, repo: 'weaveworks', embedded, assetName: netAssetName(flavour) });
  });

  it('names the release asset files as upstream did', () => {
    expect(netAssetName('1.5')).toBe('weave-daemonset.yaml');
    expect(netAssetName('1.6')).toBe('weave-daemonset-k8s-1.6.yaml');
    expect(netAssetName('1.11')).toBe('weave-daemonset-k8s-1.11.yaml');
    expect(netReleaseAssetUrl({ repo: 'weaveworks', version: '2.8.1', flavour: '1.11' })).toBe(
      'https://github.com/weaveworks/weave/releases/download/v2.8.1/weave-daemonset-k8s-1.11.yaml',
    );
    expect(netReleaseAssetUrl({ repo: 'reweave', version: '2.9.0', flavour: '1.9' })).toBe(
      'https://github.com/rajch/weave/releases/download/v2.9.0/weave-daemonset-k8s-1.9.yaml',
    );
  });
});

describe('the release table (SOURCES.md "Release assets per release line")', () => {
  it('lists weaveworks releases 1.9.4 ... 2.8.1 in order', () => {
    const all = weaveReleases('weaveworks');
    expect(all[0]).toBe('1.9.4');
    expect(all.at(-1)).toBe('2.8.1');
    expect([...all].sort(compareWeave)).toEqual(all);
    expect(new Set(all).size).toBe(all.length);
    for (const v of ['1.9.8', '2.0.5', '2.1.3', '2.4.1', '2.5.2', '2.6.0', '2.6.5', '2.7.0', '2.8.0']) expect(all).toContain(v);
  });

  it('gives each release line its flavour files', () => {
    expect(flavoursOfRelease('1.9.4')).toEqual(['1.5', '1.6']);
    expect(flavoursOfRelease('1.9.8')).toEqual(['1.5', '1.6']);
    expect(flavoursOfRelease('2.0.4')).toEqual(['1.5', '1.6']);
    expect(flavoursOfRelease('2.0.5')).toEqual(['1.5', '1.6', '1.7']);
    expect(flavoursOfRelease('2.3.0')).toEqual(['1.5', '1.6', '1.7']);
    expect(flavoursOfRelease('2.4.0')).toEqual(['1.5', '1.6', '1.7', '1.8']);
    expect(flavoursOfRelease('2.5.2')).toEqual(['1.5', '1.6', '1.7', '1.8']);
    expect(flavoursOfRelease('2.6.0')).toEqual(['1.6', '1.7', '1.8', '1.9', '1.11']);
    expect(flavoursOfRelease('2.7.0')).toEqual(['1.6', '1.7', '1.8', '1.9', '1.11']);
    expect(flavoursOfRelease('2.8.0')).toEqual(['1.8', '1.9', '1.11']);
    expect(flavoursOfRelease('2.8.1')).toEqual(['1.8', '1.9', '1.11']);
    expect(flavoursOfRelease('2.9.0', 'reweave')).toEqual(['1.8', '1.9', '1.11']);
    expect(flavoursOfRelease('3.0.0')).toEqual([]);
  });

  it('embeds only releases that shipped the flavour', () => {
    for (const r of allEmbeddedNetReleases()) {
      expect(releasesWithFlavour(r.flavour, r.repo)).toContain(r.version);
    }
    expect(embeddedNetReleases('1.7')).toEqual(['2.0.5', '2.1.3', '2.4.1', '2.7.0']);
    expect(embeddedNetReleases('1.11', 'reweave')).toEqual(['2.8.10', '2.9.0']);
    expect(embeddedNetReleases('1.9', 'reweave')).toEqual([]);
  });
});

describe('resolveNetRelease with --weave-version', () => {
  it('accepts a shipped pair, embedded or not', () => {
    expect(resolveNetRelease({ flavour: '1.7', weaveVersion: '2.4.1', repo: 'weaveworks' })).toMatchObject({ version: '2.4.1', embedded: true });
    expect(resolveNetRelease({ flavour: '1.7', weaveVersion: 'v2.5.2', repo: 'weaveworks' })).toMatchObject({ version: '2.5.2', embedded: false });
    expect(resolveNetRelease({ flavour: '1.5', weaveVersion: '2.5.2' })).toEqual({
      flavour: '1.5',
      version: '2.5.2',
      repo: 'weaveworks',
      embedded: false,
      assetName: 'weave-daemonset.yaml',
    });
    expect(resolveNetRelease({ flavour: '1.11', weaveVersion: '2.6.5', repo: 'weaveworks' })).toMatchObject({ version: '2.6.5', embedded: false });
  });

  it('refuses a pair upstream never shipped, naming the valid versions on one line', () => {
    expect(usageMessage(() => resolveNetRelease({ flavour: '1.7', weaveVersion: '2.8.1', repo: 'weaveworks' }))).toBe(
      'Weave 2.8.1 has no manifest for Kubernetes 1.7 (1.7 files exist for Weave 2.0.5-2.7.0); use --k8s-version or --weave-version',
    );
    expect(usageMessage(() => resolveNetRelease({ flavour: '1.6', weaveVersion: '2.8.0', repo: 'weaveworks' }))).toBe(
      'Weave 2.8.0 has no manifest for Kubernetes 1.6 (1.6 files exist for Weave 1.9.4-2.7.0); use --k8s-version or --weave-version',
    );
    expect(usageMessage(() => resolveNetRelease({ flavour: '1.5', weaveVersion: '2.6.0', repo: 'weaveworks' }))).toBe(
      'Weave 2.6.0 has no manifest for Kubernetes 1.5 and older (<=1.5 files exist for Weave 1.9.4-2.5.2); use --k8s-version or --weave-version',
    );
    expect(usageMessage(() => resolveNetRelease({ flavour: '1.11', weaveVersion: '2.5.2', repo: 'weaveworks' }))).toBe(
      'Weave 2.5.2 has no manifest for Kubernetes 1.11 and newer (1.11 files exist for Weave 2.6.0-2.8.1); use --k8s-version or --weave-version',
    );
    expect(usageMessage(() => resolveNetRelease({ flavour: '1.8', weaveVersion: '2.3.0', repo: 'weaveworks' }))).toBe(
      'Weave 2.3.0 has no manifest for Kubernetes 1.8 (1.8 files exist for Weave 2.4.0-2.8.1); use --k8s-version or --weave-version',
    );
    expect(usageMessage(() => resolveNetRelease({ flavour: '1.9', weaveVersion: '2.5.0', repo: 'weaveworks' }))).toBe(
      'Weave 2.5.0 has no manifest for Kubernetes 1.9-1.10 (1.9 files exist for Weave 2.6.0-2.8.1); use --k8s-version or --weave-version',
    );
  });

  it('refuses versions that are not releases, and bad syntax', () => {
    expect(usageMessage(() => resolveNetRelease({ flavour: '1.11', weaveVersion: '2.8.2' }))).toBe(
      'Weave 2.8.2 is not a weaveworks/weave release weavectl knows (1.9.4-2.8.1)',
    );
    try {
      resolveNetRelease({ flavour: '1.11', weaveVersion: '2.9.0', repo: 'weaveworks' });
      expect.unreachable();
    } catch (e) {
      expect((e as WeavectlError).hint).toBe('2.9.0 is a rajch/weave release: add --weave-repo reweave');
    }
    expect(usageMessage(() => resolveNetRelease({ flavour: '1.11', weaveVersion: 'latest' }))).toBe(
      'invalid Weave version "latest": expected a release such as 2.8.1',
    );
    expect(usageMessage(() => resolveNetRelease({ flavour: '1.11', weaveVersion: '2.8' }))).toMatch(/^invalid Weave version "2\.8"/);
    expect(usageMessage(() => resolveNetRelease({ flavour: '1.12' as NetFlavour }))).toMatch(/^unknown Weave Net manifest flavour "1\.12"/);
  });
});

describe('reweave', () => {
  it('parses the repository and its aliases', () => {
    expect(parseWeaveRepo('weaveworks')).toBe('weaveworks');
    expect(parseWeaveRepo('reweave')).toBe('reweave');
    expect(parseWeaveRepo('rajch')).toBe('reweave');
    expect(parseWeaveRepo('RajChaudhuri')).toBe('reweave');
    expect(usageMessage(() => parseWeaveRepo('calico'))).toBe(
      'unknown Weave repository "calico": expected weaveworks (github.com/weaveworks/weave) or reweave (github.com/rajch/weave)',
    );
    expect(usageMessage(() => parseWeaveRepo(''))).toMatch(/^unknown Weave repository ""/);
  });

  it('defaults to 2.9.0 for 1.8, 1.9 and 1.11; only the 1.11 file is embedded', () => {
    expect(resolveNetRelease({ flavour: netFlavourFor(parseK8sVersion('1.29')), repo: 'reweave' })).toEqual({
      flavour: '1.11',
      version: '2.9.0',
      repo: 'reweave',
      embedded: true,
      assetName: 'weave-daemonset-k8s-1.11.yaml',
    });
    expect(resolveNetRelease({ flavour: '1.9', repo: 'reweave' })).toMatchObject({ version: '2.9.0', embedded: false });
    expect(resolveNetRelease({ flavour: '1.8', repo: 'reweave' })).toMatchObject({ version: '2.9.0', embedded: false });
  });

  it('has nothing for clusters older than 1.8, and says where to look', () => {
    expect(usageMessage(() => resolveNetRelease({ flavour: '1.7', repo: 'reweave' }))).toBe(
      'reweave (rajch/weave) has no manifest for Kubernetes 1.7: its releases ship files for Kubernetes 1.8, 1.9, 1.11; use --weave-repo weaveworks',
    );
  });

  it('refuses a weaveworks version under reweave', () => {
    expect(usageMessage(() => resolveNetRelease({ flavour: '1.11', weaveVersion: '2.8.1', repo: 'reweave' }))).toBe(
      'reweave 2.8.1 is not a rajch/weave release weavectl knows (2.8.2-2.9.0)',
    );
  });
});

describe('Weave Scope', () => {
  it('picks legacy below 1.9, current from 1.9', () => {
    expect(SCOPE_VERSION).toBe('1.13.2');
    expect(scopeFlavourFor(parseK8sVersion('1.6.0'))).toBe('legacy');
    expect(scopeFlavourFor(parseK8sVersion('1.7.5'))).toBe('legacy');
    expect(scopeFlavourFor(parseK8sVersion('v1.8.15'))).toBe('legacy');
    expect(scopeFlavourFor(parseK8sVersion('1.9'))).toBe('current');
    expect(scopeFlavourFor(parseK8sVersion('1.29'))).toBe('current');
    expect(scopeNamespace('legacy')).toBe('kube-system');
    expect(scopeNamespace('current')).toBe('weave');
  });

  it('refuses Kubernetes 1.5 and older (no RBAC API)', () => {
    expect(usageMessage(() => scopeFlavourFor(parseK8sVersion('1.5.7')))).toBe(
      'Weave Scope 1.13.2 needs Kubernetes 1.6 or newer (its RBAC objects need rbac.authorization.k8s.io, which Kubernetes 1.5 does not serve)',
    );
  });
});

describe('helpers', () => {
  it('parses Weave versions with or without v', () => {
    expect(parseWeaveVersion('v2.8.1')).toBe('2.8.1');
    expect(parseWeaveVersion(' 2.6.0 ')).toBe('2.6.0');
  });

  it('compares Weave versions numerically', () => {
    expect(compareWeave('2.10.0', '2.9.0')).toBeGreaterThan(0);
    expect(compareWeave('1.9.8', '2.0.0')).toBeLessThan(0);
    expect(compareWeave('2.8.1', '2.8.1')).toBe(0);
  });

  it('knows all six flavours', () => {
    expect(NET_FLAVOURS).toEqual(['1.5', '1.6', '1.7', '1.8', '1.9', '1.11']);
  });
});
