/**
 * An upgrade across release lines keeps behaviour, not strings: Weave Net 2.6.0 installed with
 * NO_MASQ_LOCAL="0" (v2.6.0 prog/weave-kube/launch.sh tests `-n`, so "0" turns no-masq-local ON) is
 * upgraded to 2.7.0 (v2.7.0 launch.sh: `${NO_MASQ_LOCAL:-1}`, "0" turns it OFF): the new DaemonSet gets
 * "1", and the summary and --diff say the release changes and why the value does.
 */
import { describe, expect, it } from 'vitest';
import type { Obj } from '../sim/index.js';
import { sim, weavectl } from './harness.js';

function weaveEnv(ds: Obj): Record<string, string> {
  const c = (ds['spec']['template']['spec']['containers'] as Obj[]).find((x) => x['name'] === 'weave')!;
  return Object.fromEntries(((c['env'] ?? []) as Obj[]).filter((e) => typeof e['value'] === 'string').map((e) => [e['name'], e['value']]));
}

describe('upgrade 2.6.0 -> 2.7.0 on Kubernetes 1.16 with NO_MASQ_LOCAL="0"', () => {
  it('keeps no-masq-local on: "0" (2.6.0) becomes "1" (2.7.0); the release change is in the summary and in --diff', async () => {
    const s = await sim({ k8sVersion: '1.16.15', nodes: 2 });
    const install = await weavectl(s, ['install', '--weave-version', '2.6.0', '--env', 'NO_MASQ_LOCAL=0']);
    expect(install.code, install.stderr).toBe(0);
    expect(weaveEnv(s.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')!).NO_MASQ_LOCAL).toBe('0');

    const diff = await weavectl(s, ['install', '--weave-version', '2.7.0', '--diff']);
    expect(diff.code, diff.stderr).toBe(1); // --diff: 1 when something would change (kubectl diff)
    const out = diff.stdout.split('\n');
    expect(out[0]).toBe('# Weave Net release: weaveworks 2.6.0 -> weaveworks 2.7.0 (upgrade)');
    expect(out[1]).toMatch(/^# {3}behaviour change: NO_MASQ_LOCAL is carried by meaning: "0" means on for 2\.6\.0 \(off unless set; any value, "0" included, turns it on\), so 2\.7\.0 gets "1" \(on unless "0"\)$/);
    expect(diff.stdout).toMatch(/~ spec\.template\.spec\.containers\[weave\]\.env\[NO_MASQ_LOCAL\]: "0" -> "1"/);
    expect(diff.stderr).toMatch(/kept {5}NO_MASQ_LOCAL on/);
    expect(weaveEnv(s.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')!).NO_MASQ_LOCAL).toBe('0'); // --diff wrote nothing

    const up = await weavectl(s, ['install', '--weave-version', '2.7.0', '--yes']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toContain('Weave Net release: weaveworks 2.6.0 -> weaveworks 2.7.0 (upgrade)');
    expect(up.stderr).toMatch(/behaviour change: NO_MASQ_LOCAL is carried by meaning: "0" means on for 2\.6\.0/);
    const ds = s.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')!;
    expect(weaveEnv(ds).NO_MASQ_LOCAL).toBe('1');
    expect((ds['spec']['template']['spec']['containers'] as Obj[]).find((x) => x['name'] === 'weave')!['image']).toBe('weaveworks/weave-kube:2.7.0');

    // And off: --no-masq-local=false is "0" on 2.7.0.
    const off = await weavectl(s, ['install', '--weave-version', '2.7.0', '--no-masq-local=false', '--yes']);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stderr).toMatch(/changed {2}NO_MASQ_LOCAL: on -> off/);
    expect(weaveEnv(s.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')!).NO_MASQ_LOCAL).toBe('0');
  });
});
