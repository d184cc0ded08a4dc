import { describe, expect, it } from 'vitest';
import { firstServed, groupOf, groupsOf, kindInfo, kindResource, KINDS, splitApiVersion, versionsOf, type KindInfo } from '../../src/kube/kinds.js';
import { ApiSurface, parseK8sVersion as parseSimVersion } from '../sim/src/apis.js';

describe('kube/kinds: group of an apiVersion', () => {
  it('splits a grouped apiVersion into group and version', () => {
    expect(splitApiVersion('apps/v1')).toEqual({ group: 'apps', version: 'v1' });
    expect(splitApiVersion('networking.k8s.io/v1')).toEqual({ group: 'networking.k8s.io', version: 'v1' });
    expect(groupOf('extensions/v1beta1')).toBe('extensions');
  });
  it('gives the core group as the empty string', () => {
    expect(splitApiVersion('v1')).toEqual({ group: '', version: 'v1' });
    expect(groupOf('v1')).toBe('');
  });
});

describe('kube/kinds: the table of the kinds weavectl touches, held to the simulator\'s discovery', () => {
  const versions = ['1.6.13', '1.7.5', '1.8.15', '1.10.13', '1.16.15', '1.22.17', '1.29.2', '1.35.0'];

  for (const v of versions) {
    const surface = new ApiSurface(parseSimVersion(v));
    /** What the simulator serves of a kind, in the groups the table knows for it. */
    const served = (info: KindInfo) =>
      surface.versions
        .filter((gv) => groupsOf(info.kind).includes(gv.group))
        .flatMap((gv) => gv.resources.filter((r) => r.kind === info.kind && !r.name.includes('/')).map((r) => ({ apiVersion: gv.groupVersion, plural: r.name, namespaced: r.namespaced })));

    it(`Kubernetes ${v}: every version it serves of each kind is in the table, with the same plural and scope`, () => {
      for (const info of KINDS) {
        for (const s of served(info)) {
          expect(info.versions, `${info.kind} ${s.apiVersion}`).toContain(s.apiVersion);
          expect(kindResource(s.apiVersion, info.kind), `${info.kind} ${s.apiVersion}`).toMatchObject({ plural: s.plural, namespaced: s.namespaced });
        }
      }
    });

    it(`Kubernetes ${v}: within a group the table lists versions in discovery's order (preferred first)`, () => {
      for (const info of KINDS) {
        const byGroup = new Map<string, string[]>();
        for (const s of served(info)) byGroup.set(groupOf(s.apiVersion), [...(byGroup.get(groupOf(s.apiVersion)) ?? []), s.apiVersion]);
        for (const [group, inDiscovery] of byGroup) {
          expect(info.versions.filter((x) => groupOf(x) === group && inDiscovery.includes(x)), `${info.kind} in ${group || 'core'}`).toEqual(inDiscovery);
        }
      }
    });
  }

  it('serves the kinds weavectl needs at each of 1.6, 1.7.5, 1.16 and 1.29 (the first served version, asked newest first)', async () => {
    const at = async (v: string, kind: string) => firstServed({ serves: async (apiVersion, k) => new ApiSurface(parseSimVersion(v)).resourceForKind(apiVersion, k) !== undefined }, kind);
    expect(await at('1.6.13', 'DaemonSet')).toBe('extensions/v1beta1');
    expect(await at('1.6.13', 'NetworkPolicy')).toBe('extensions/v1beta1');
    expect(await at('1.6.13', 'ClusterRole')).toBe('rbac.authorization.k8s.io/v1beta1');
    expect(await at('1.7.5', 'DaemonSet')).toBe('extensions/v1beta1');
    expect(await at('1.7.5', 'NetworkPolicy')).toBe('networking.k8s.io/v1');
    expect(await at('1.7.5', 'Deployment')).toBe('apps/v1beta1');
    expect(await at('1.16.15', 'DaemonSet')).toBe('apps/v1');
    expect(await at('1.16.15', 'PodSecurityPolicy')).toBe('policy/v1beta1');
    expect(await at('1.29.2', 'PodSecurityPolicy')).toBeUndefined();
    expect(await at('1.29.2', 'SelfSubjectAccessReview')).toBe('authorization.k8s.io/v1');
  });

  it('looks kinds up', () => {
    expect(versionsOf('DaemonSet')).toEqual(['apps/v1', 'apps/v1beta2', 'extensions/v1beta1']);
    expect(versionsOf('Widget')).toEqual([]);
    expect(groupsOf('Deployment')).toEqual(['apps', 'extensions']);
    expect(kindResource('apps/v1', 'DaemonSet')).toEqual({ apiVersion: 'apps/v1', group: 'apps', version: 'v1', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true });
    expect(kindResource('rbac.authorization.k8s.io/v1beta1', 'ClusterRole')).toMatchObject({ plural: 'clusterroles', namespaced: false });
    expect(kindResource('example.com/v1', 'DaemonSet')).toBeUndefined();
    expect(kindResource('apps/v1', 'Widget')).toBeUndefined();
    expect(kindInfo('Namespace')).toMatchObject({ namespaced: false, plural: 'namespaces' });
  });
});
