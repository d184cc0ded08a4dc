/** What an upgrade changes with the release, from the release table (facts cited per test). */
import { describe, expect, it } from 'vitest';
import { releaseChange } from '../../src/upgrade/release-change.js';

const ww = (version: string) => ({ repo: 'weaveworks' as const, version });
const rw = (version: string) => ({ repo: 'reweave' as const, version });

describe('releaseChange', () => {
  it('names the change: upgrade, downgrade, unchanged, another repository', () => {
    expect(releaseChange(ww('2.6.0'), ww('2.7.0'), {}).summary).toBe('Weave Net release: weaveworks 2.6.0 -> weaveworks 2.7.0 (upgrade)');
    expect(releaseChange(ww('2.8.1'), ww('2.7.0'), {}).kind).toBe('downgrade');
    expect(releaseChange(ww('2.8.1'), ww('2.8.1'), {})).toMatchObject({ kind: 'same', behaviour: [] });
    expect(releaseChange(ww('2.8.1'), rw('2.8.10'), {}).summary).toBe('Weave Net release: weaveworks 2.8.1 -> reweave 2.8.10 (upgrade, from weaveworks/weave to rajch/weave)');
    expect(releaseChange(undefined, ww('2.8.1'), {}).kind).toBe('unknown');
  });

  it('CONN_LIMIT default 30 -> 100 (v2.2.1 -> v2.3.0 launch.sh) and 100 -> 200 (v2.5.2 -> v2.6.0), with the flag that keeps it', () => {
    expect(releaseChange(ww('2.2.1'), ww('2.3.0'), {}).behaviour).toEqual([
      "CONN_LIMIT is not set: its default goes from 30 (2.2.1) to 100 (2.3.0); --conn-limit 30 keeps today's",
    ]);
    expect(releaseChange(ww('2.5.2'), ww('2.6.0'), {}).behaviour[0]).toBe("CONN_LIMIT is not set: its default goes from 100 (2.5.2) to 200 (2.6.0); --conn-limit 100 keeps today's");
    expect(releaseChange(ww('2.5.2'), ww('2.6.0'), { connLimit: 50 }).behaviour.filter((b) => b.startsWith('CONN_LIMIT'))).toEqual([]);
  });

  it('NO_MASQ_LOCAL unset: off on 2.6 (v2.6.0 `-n`), on from 2.7 (v2.7.0 `${NO_MASQ_LOCAL:-1}`): --no-masq-local=false keeps it off', () => {
    expect(releaseChange(ww('2.6.0'), ww('2.7.0'), {}).behaviour).toContainEqual(expect.stringMatching(/^NO_MASQ_LOCAL is not set: no-masq-local goes from off \(2\.6\.0: .*\) to on \(2\.7\.0: on unless "0"\); --no-masq-local=false keeps it off$/));
  });

  it('NO_MASQ_LOCAL="0" on 2.6 means on and is carried as "1" to 2.7', () => {
    const b = releaseChange(ww('2.6.0'), ww('2.7.0'), { noMasqLocal: true }, { noMasqLocalRaw: '0' }).behaviour;
    expect(b).toContainEqual(expect.stringMatching(/^NO_MASQ_LOCAL is carried by meaning: "0" means on for 2\.6\.0 .*, so 2\.7\.0 gets "1"/));
    expect(b.some((l) => l.startsWith('NO_MASQ_LOCAL is not set'))).toBe(false);
  });

  it('reweave 2.8.10 -> 2.9.0: the iptables-nft default (rajch v2.9.0 CHANGELOG.md, prog/weave-npc/launch.sh)', () => {
    const b = releaseChange(rw('2.8.10'), rw('2.9.0'), {}).behaviour;
    expect(b).toHaveLength(1);
    expect(b[0]).toMatch(/^iptables backend: 2\.9\.0 images default to iptables-nft .* stay on reweave 2\.8\.10/);
    expect(releaseChange(rw('2.8.10'), rw('2.9.0'), { env: { IPTABLES_BACKEND: 'legacy' } }).behaviour).toEqual([]);
  });

  it('weave-npc 2.0.5 (legacy annotation, v2.0.5 main.go) -> 2.7.0 (networking.k8s.io/v1 only): annotated namespaces open up', () => {
    expect(releaseChange(ww('2.0.5'), ww('2.7.0'), {}).behaviour).toContainEqual(expect.stringMatching(/^weave-npc semantics: 2\.0\.5 isolates namespaces only by the DefaultDeny annotation/));
  });
});
