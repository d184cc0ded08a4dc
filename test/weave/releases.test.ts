/**
 * The release table against Weave's own sources. Each test names the tag and file the fact was read
 * from (weaveworks/weave tags v1.9.8 … v2.8.1; rajch/weave "reweave" tags v2.8.2 … v2.9.0).
 */
import { describe, expect, it } from 'vitest';
import {
  REWEAVE_RELEASES,
  WEAVEWORKS_RELEASES,
  compareWeave,
  flavoursOf,
  k8sFit,
  noMasqLocalOn,
  noMasqLocalEnv,
  npcBehaviour,
  releaseLine,
  repoOfVersion,
  requireRelease,
  servesNetpolApi,
} from '../../src/weave/releases.js';
import { WeavectlError } from '../../src/errors.js';

const line = (v: string, repo?: 'weaveworks' | 'reweave') => {
  const l = releaseLine(v, repo);
  if (!l) throw new Error(`no line for ${v}`);
  return l;
};

describe('release lists', () => {
  it('weaveworks 1.9.4 … 2.8.1, with 2.0.3 and 2.1.0 (v2.8.1 CHANGELOG.md "## Release" headings)', () => {
    expect(WEAVEWORKS_RELEASES[0]).toBe('1.9.4');
    expect(WEAVEWORKS_RELEASES.at(-1)).toBe('2.8.1');
    expect(WEAVEWORKS_RELEASES).toContain('2.0.3');
    expect(WEAVEWORKS_RELEASES).toContain('2.1.0');
    expect([...WEAVEWORKS_RELEASES].sort(compareWeave)).toEqual([...WEAVEWORKS_RELEASES]);
  });
  it('reweave 2.8.2 … 2.8.10 and 2.9.0 (rajch/weave tags; v2.9.0 CHANGELOG.md)', () => {
    expect(REWEAVE_RELEASES).toEqual(['2.8.2', '2.8.3', '2.8.4', '2.8.5', '2.8.6', '2.8.7', '2.8.8', '2.8.9', '2.8.10', '2.9.0']);
    expect(repoOfVersion('2.8.10')).toBe('reweave');
    expect(repoOfVersion('2.8.1')).toBe('weaveworks');
  });
  it('reweave ships the 1.8, 1.9 and 1.11 files at every tag (rajch v2.8.2 … v2.9.0 prog/weave-kube/)', () => {
    for (const v of REWEAVE_RELEASES) expect(flavoursOf(v, 'reweave')).toEqual(['1.8', '1.9', '1.11']);
  });
  it('an unknown version names the releases and the other repository', () => {
    try {
      requireRelease('2.8.10', 'weaveworks');
      expect.unreachable();
    } catch (e) {
      expect((e as WeavectlError).exitCode).toBe(2);
      expect((e as Error).message).toBe('Weave 2.8.10 is not a weaveworks/weave release weavectl knows (1.9.4-2.8.1)');
      expect((e as WeavectlError).hint).toBe('2.8.10 is a rajch/weave release: add --weave-repo reweave');
    }
  });
});

describe('weave-npc semantics and the API it watches', () => {
  it('v2.0.5 prog/weave-npc/main.go: only extensions/v1beta1, legacy (annotation) semantics, no --use-legacy-netpol', () => {
    expect(npcBehaviour('2.0.5', false)).toMatchObject({ legacy: true, watches: 'extensions/v1beta1' });
    expect(npcBehaviour('1.9.8', false)).toMatchObject({ legacy: true, watches: 'extensions/v1beta1' });
    expect(npcBehaviour('2.0.5', true)).toMatchObject({ legacy: true, flagUnknown: true });
  });
  it('v2.1.3 / v2.3.0 prog/weave-npc/main.go: networking.k8s.io/v1, or extensions/v1beta1 legacy with --use-legacy-netpol', () => {
    for (const v of ['2.1.0', '2.1.3', '2.2.1', '2.3.0']) {
      expect(npcBehaviour(v, false)).toMatchObject({ legacy: false, watches: 'networking.k8s.io/v1' });
      expect(npcBehaviour(v, true)).toMatchObject({ legacy: true, watches: 'extensions/v1beta1' });
      expect(npcBehaviour(v, true)!.flagUnknown).toBeUndefined();
    }
  });
  it('v2.4.0 prog/weave-npc/main.go (commit 07d31a85): networking.k8s.io/v1 only; the flag is gone', () => {
    for (const v of ['2.4.0', '2.7.0', '2.8.1']) {
      expect(npcBehaviour(v, false)).toMatchObject({ legacy: false, watches: 'networking.k8s.io/v1' });
      expect(npcBehaviour(v, true)).toMatchObject({ legacy: false, flagUnknown: true });
    }
    expect(npcBehaviour('2.9.0', false, 'reweave')).toMatchObject({ legacy: false, watches: 'networking.k8s.io/v1' });
  });
  it('Kubernetes serves networking.k8s.io/v1 from 1.7 and extensions/v1beta1 NetworkPolicy up to 1.15', () => {
    expect(servesNetpolApi('networking.k8s.io/v1', 6)).toBe(false);
    expect(servesNetpolApi('networking.k8s.io/v1', 7)).toBe(true);
    expect(servesNetpolApi('extensions/v1beta1', 7)).toBe(true);
    expect(servesNetpolApi('extensions/v1beta1', 16)).toBe(false);
  });
});

describe('env defaults and meanings (prog/weave-kube/launch.sh)', () => {
  it('CONN_LIMIT default: 30 at v1.9.8-v2.2.1, 100 at v2.3.0-v2.5.2, 200 from v2.6.0 (line 32), reweave v2.9.0 200', () => {
    expect(['1.9.8', '2.0.5', '2.1.3', '2.2.1'].map((v) => line(v).connLimitDefault)).toEqual([30, 30, 30, 30]);
    expect(['2.3.0', '2.4.1', '2.5.2'].map((v) => line(v).connLimitDefault)).toEqual([100, 100, 100]);
    expect(['2.6.0', '2.7.0', '2.8.1'].map((v) => line(v).connLimitDefault)).toEqual([200, 200, 200]);
    expect(line('2.9.0', 'reweave').connLimitDefault).toBe(200);
  });
  it('NO_MASQ_LOCAL: not read before v2.4.0; `-n` test at v2.4.0-v2.6.5 ("0" means on); ${NO_MASQ_LOCAL:-1} at v2.7.0 ("0" means off)', () => {
    expect(noMasqLocalOn(line('2.3.0'), '1')).toBe(false);
    expect(noMasqLocalOn(line('2.6.0'), '0')).toBe(true);
    expect(noMasqLocalOn(line('2.6.0'), undefined)).toBe(false);
    expect(noMasqLocalOn(line('2.7.0'), undefined)).toBe(true);
    expect(noMasqLocalOn(line('2.7.0'), '0')).toBe(false);
    expect(noMasqLocalOn(line('2.8.1'), '1')).toBe(true);
    expect(noMasqLocalOn(line('2.9.0', 'reweave'), '0')).toBe(false);
    // 2.6's "0" (= on) is written "1" for 2.7; off is "0" on 2.7 and no variable at all on 2.6.
    expect(noMasqLocalEnv(line('2.7.0'), noMasqLocalOn(line('2.6.0'), '0'))).toBe('1');
    expect(noMasqLocalEnv(line('2.7.0'), false)).toBe('0');
    expect(noMasqLocalEnv(line('2.6.0'), false)).toBeUndefined();
    expect(noMasqLocalEnv(line('2.6.0'), true)).toBe('1');
  });
  it('IPTABLES_BACKEND: not read at v2.6.0, detected from v2.6.1, reweave v2.9.0 images default to nft (CHANGELOG.md, prog/weave-npc/launch.sh)', () => {
    expect(line('2.6.0').iptablesBackend).toBe('legacy');
    expect(line('2.6.1').iptablesBackend).toBe('detect');
    expect(line('2.8.1').iptablesBackend).toBe('detect');
    expect(line('2.8.10', 'reweave').iptablesBackend).toBe('detect');
    expect(line('2.9.0', 'reweave').iptablesBackend).toBe('nft-default');
  });
  it('CHECKPOINT_DISABLE="1" is in reweave manifests (rajch v2.8.2 … v2.9.0 weave-daemonset-k8s-1.11.yaml), never in weaveworks ones', () => {
    expect(line('2.8.1').manifestDisablesCheckpoint).toBe(false);
    expect(line('2.8.2', 'reweave').manifestDisablesCheckpoint).toBe(true);
    expect(line('2.9.0', 'reweave').manifestDisablesCheckpoint).toBe(true);
  });
  it('weaveworks lines are archived, reweave lines are not', () => {
    expect(line('2.8.1').archived).toBe(true);
    expect(line('2.8.10', 'reweave').archived).toBe(false);
  });
});

describe('Kubernetes fit', () => {
  it('2.7.0 installs on 1.6 (it shipped weave-daemonset-k8s-1.6.yaml) but its npc watches networking.k8s.io/v1, which 1.6 does not serve', () => {
    const f = k8sFit('2.7.0', 'weaveworks', 6);
    expect(f).toMatchObject({ installs: true, npcEnforces: false });
    expect(f.reasons[0]).toMatch(/networking\.k8s\.io\/v1.*1\.6/);
  });
  it('2.0.5 on 1.7.5: installs, npc enforces (legacy, extensions/v1beta1)', () => {
    expect(k8sFit('2.0.5', 'weaveworks', 7)).toEqual({ installs: true, npcEnforces: true, reasons: [] });
  });
  it('2.8.1 has no 1.7 file (v2.8.1 prog/weave-kube/ holds only -1.8, -1.9, -1.11)', () => {
    expect(k8sFit('2.8.1', 'weaveworks', 7).installs).toBe(false);
  });
  it('2.6.0 on 1.22+: its 1.11 file uses rbac v1beta1 (v2.6.0 weave-daemonset-k8s-1.11.yaml; v1 from v2.6.1)', () => {
    expect(k8sFit('2.6.0', 'weaveworks', 22).installs).toBe(false);
    expect(k8sFit('2.6.1', 'weaveworks', 22).installs).toBe(true);
    expect(k8sFit('2.9.0', 'reweave', 30).installs).toBe(true);
  });
});
