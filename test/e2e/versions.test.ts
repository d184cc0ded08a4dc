/**
 * `weavectl versions` and the reweave 2.8.x releases (rajch/weave tags v2.8.2 … v2.8.10): listed per
 * Kubernetes version, embedded where a manifest from the fork's tag is in templates/net/ (2.8.10), fetched
 * from the fork's release assets otherwise, served here by the cloud-endpoint simulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCloudEndpoint, type CloudEndpoint } from '../fixtures/cloud-endpoint.js';
import type { Obj } from '../sim/index.js';
import { runCli } from '../cli/run-cli.js';
import { sim, weavectl } from './harness.js';

describe('weavectl versions', () => {
  it('--k8s-version 1.29: embedded, from GitHub, cannot run (with the reason); -o json is one document', async () => {
    const r = await runCli(['versions', '--k8s-version', '1.29']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('  Weave 2.8.1  (2.8.1 is the default)');
    expect(r.stdout).toContain('  reweave 2.8.10-2.9.0  (2.9.0 is the default with --weave-repo reweave)');
    expect(r.stdout).toContain('  reweave 2.8.2-2.8.9');
    expect(r.stdout).toContain('  Weave 2.6.0 has RBAC objects of rbac.authorization.k8s.io/v1beta1 in its 1.11 manifest, which Kubernetes 1.22 and newer no longer serve');
    const j = JSON.parse((await runCli(['versions', '--k8s-version', '1.6', '-o', 'json'])).stdout);
    expect(j.flavour).toBe('1.6');
    expect(j.releases.find((e: Obj) => e['version'] === '2.7.0')).toMatchObject({ status: 'embedded', npcEnforces: false });
    expect(j.releases.find((e: Obj) => e['version'] === '2.0.5')).toMatchObject({ status: 'embedded', npcEnforces: true });
    expect(j.releases.find((e: Obj) => e['version'] === '2.8.10' && e['repo'] === 'reweave')).toMatchObject({ status: 'unavailable' });
  });

  it("without --k8s-version: the cluster's version", async () => {
    const s = await sim({ k8sVersion: '1.7.5', nodes: 1 });
    const r = await weavectl(s, ['versions']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('The cluster runs Kubernetes v1.7.5');
    expect(r.stdout.split('\n')[0]).toBe('Kubernetes 1.7: Weave Net manifest for Kubernetes 1.7 (flavour 1.7)');
  });

  it('an unknown release names the alternatives (exit 2)', async () => {
    const r = await runCli(['install', '--k8s-version', '1.29', '--weave-version', '2.8.11', '--weave-repo', 'reweave', '--dry-run=client']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: reweave 2.8.11 is not a rajch/weave release weavectl knows (2.8.2-2.9.0)');
    expect(r.stderr).toContain('hint: weavectl versions lists the releases for a Kubernetes version');
    const w = await runCli(['install', '--k8s-version', '1.29', '--weave-version', '2.8.10', '--dry-run=client']);
    expect(w.code).toBe(2);
    expect(w.stderr).toContain('hint: 2.8.10 is a rajch/weave release: add --weave-repo reweave');
  });
});

describe('reweave 2.8.x', () => {
  let ep: CloudEndpoint;
  beforeAll(async () => {
    ep = await startCloudEndpoint();
  });
  afterAll(async () => {
    await ep?.close();
  });

  it('2.8.10 is embedded for 1.11+ (rajch v2.8.10 prog/weave-kube/weave-daemonset-k8s-1.11.yaml)', async () => {
    const r = await runCli(['install', '--k8s-version', '1.29', '--weave-repo', 'reweave', '--weave-version', '2.8.10', '--dry-run=client', '-o', 'yaml']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('image: rajchaudhuri/weave-kube:2.8.10');
    expect(r.stdout).toContain('image: rajchaudhuri/weave-npc:2.8.10');
  });

  it('--source github --weave-repo reweave --weave-version 2.8.10 downloads the fork release asset and installs it', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    const r = await weavectl(s, ['install', '--source', 'github', '--weave-repo', 'reweave', '--weave-version', '2.8.10'], { env: { WEAVECTL_GITHUB_URL: ep.url } });
    expect(r.code, r.stderr).toBe(0);
    expect(ep.requests.map((q) => q.url)).toContain('/rajch/weave/releases/download/v2.8.10/weave-daemonset-k8s-1.11.yaml');
    const ds = s.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')!;
    expect((ds['spec']['template']['spec']['containers'] as Obj[]).map((c) => c['image'])).toEqual(['rajchaudhuri/weave-kube:2.8.10', 'rajchaudhuri/weave-npc:2.8.10']);
    // An older fork release: --diff names the downgrade, and the install guard refuses it (exit 1) without --allow-downgrade.
    const g = await weavectl(s, ['install', '--source', 'github', '--weave-repo', 'reweave', '--weave-version', '2.8.4', '--diff'], { env: { WEAVECTL_GITHUB_URL: ep.url } });
    expect(g.code, g.stderr).toBe(1);
    expect(g.stdout.split('\n')[0]).toBe('# Weave Net release: reweave 2.8.10 -> reweave 2.8.4 (downgrade)');
    expect(g.stderr).toContain('error: refusing: these objects downgrade Weave Net from 2.8.10 to 2.8.4');
  });
});
