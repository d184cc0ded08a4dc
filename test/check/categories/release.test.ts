/** Checks on the running release (src/check/categories/release.ts), against the release table's upstream facts. */
import { describe, expect, it } from 'vitest';
import { CheckContext, type Check, type CheckResult } from '../../../src/check/framework.js';
import { mtuCheck, releaseFitsCheck, releaseMaintainedCheck } from '../../../src/check/categories/release.js';
import { healthChecks } from '../../../src/check/lists.js';
import type { KubeObject } from '../../../src/cluster/types.js';
import { CheckFakeCluster, weaveNet } from '../fake.js';

function cluster(gitVersion: string, ...objects: KubeObject[]): CheckFakeCluster {
  const c = new CheckFakeCluster().add(...objects);
  c.reportedVersion = gitVersion;
  return c;
}

const run = (check: Check, c: CheckFakeCluster): Promise<CheckResult> => check.run(new CheckContext({ cluster: c }));

function reweave(version: string): KubeObject {
  const ds = weaveNet({ version });
  for (const x of ds.spec.template.spec.containers) x.image = String(x.image).replace('weaveworks/', 'rajchaudhuri/');
  return ds;
}

describe('release checks', () => {
  it('are part of `weavectl check`', () => {
    const ids = healthChecks().map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['weave-net-release-maintained', 'weave-net-release-fits', 'weave-net-mtu']));
  });

  it('weaveworks 2.8.1 or older: warn (archived), naming reweave 2.8.10; reweave: ok', async () => {
    const r = await run(releaseMaintainedCheck, cluster('v1.29.2', weaveNet({ version: '2.8.1' })));
    expect(r.status).toBe('warn');
    expect(r.message).toBe('Weave Net 2.8.1 is a weaveworks/weave release: the repository is archived and its images get no fixes');
    expect(r.hint).toMatch(/^move to reweave, the maintained fork \(github\.com\/rajch\/weave\): weavectl install --weave-repo reweave --weave-version 2\.8\.10/);
    expect((await run(releaseMaintainedCheck, cluster('v1.7.5', weaveNet({ version: '2.0.5' })))).hint).toMatch(/reweave .* ships manifests for Kubernetes 1\.8 and newer only/);
    expect(await run(releaseMaintainedCheck, cluster('v1.29.2', reweave('2.8.10')))).toEqual({ status: 'ok', message: 'reweave 2.8.10' });
    expect((await run(releaseMaintainedCheck, cluster('v1.29.2'))).status).toBe('skip');
  });

  it('2.7.0 on 1.6 (v2.4.0+ prog/weave-npc/main.go watches networking.k8s.io/v1, served from 1.7): warn; 2.0.5 on 1.6: ok', async () => {
    const r = await run(releaseFitsCheck, cluster('v1.6.13', weaveNet({ version: '2.7.0' })));
    expect(r.status).toBe('warn');
    expect(r.message).toMatch(/^weave-npc 2\.7\.0 watches only networking\.k8s\.io\/v1 NetworkPolicies, which Kubernetes 1\.6 does not serve/);
    expect(r.hint).toBe('weavectl versions lists the releases that work on Kubernetes 1.6');
    expect((await run(releaseFitsCheck, cluster('v1.6.13', weaveNet({ version: '2.0.5' })))).status).toBe('ok');
  });

  it('2.8.1 with --use-legacy-netpol (gone in v2.4.0 main.go): warn that weave-npc exits on it', async () => {
    const ds = weaveNet({ version: '2.8.1' });
    ds.spec.template.spec.containers[1].args = ['--use-legacy-netpol'];
    const r = await run(releaseFitsCheck, cluster('v1.29.2', ds));
    expect(r).toMatchObject({ status: 'warn', message: 'weave-npc 2.8.1 has no --use-legacy-netpol (only 2.1.0-2.3.x have it) and exits on start with it' });
  });

  it('2.6.0 on 1.22+ (v2.6.0 weave-daemonset-k8s-1.11.yaml: rbac v1beta1): warn', async () => {
    expect((await run(releaseFitsCheck, cluster('v1.24.0', weaveNet({ version: '2.6.0' })))).message).toMatch(/rbac\.authorization\.k8s\.io\/v1beta1/);
  });

  it('WEAVE_MTU not a multiple of 4 (site/tasks/manage/fastdp.md "should be divisible by four"): warn, naming one that is', async () => {
    const r = await run(mtuCheck, cluster('v1.29.2', weaveNet({ env: [{ name: 'WEAVE_MTU', value: '1410' }] })));
    expect(r.status).toBe('warn');
    expect(r.hint).toBe('weavectl install --mtu 1408');
    expect(await run(mtuCheck, cluster('v1.29.2', weaveNet({ env: [{ name: 'WEAVE_MTU', value: '8916' }] })))).toEqual({ status: 'ok', message: 'WEAVE_MTU=8916' });
    expect(await run(mtuCheck, cluster('v1.29.2', weaveNet()))).toEqual({ status: 'ok', message: 'WEAVE_MTU not set (1376)' });
  });
});
