import dc from 'node:diagnostics_channel';
import type http from 'node:http';
/**
 * The mission end to end: `weavectl install`, `scope` and `rollout-status` (the built CLI) against the
 * Kubernetes API simulator, and every failure the issue names with its message and exit code.
 */
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { rolloutLines, sim, snapshot, weavectl } from './harness.js';

type Obj = Record<string, any>;
const weaveEnv = (ds: Obj) => (ds.spec.template.spec.containers as Obj[]).find((c) => c.name === 'weave')!.env as Obj[];

describe('install', () => {
  it('Weave 1.9.8 on Kubernetes 1.6.13 (an extensions/v1beta1 DaemonSet: OnDelete by default) waits for the new pods and exits 0', async () => {
    const s = await sim({ k8sVersion: '1.6.13', nodes: 3, stepDelayMs: 5 });
    const r = await weavectl(s, ['install', '--weave-version', '1.9.8', '--yes', '--timeout', '60s'], { timeoutMs: 90_000 });
    expect(r.stderr).not.toMatch(/error:/);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toContain('all 3 pods run the current template and are available');
  });

  it("the seed's 4-node 1.7.5 cluster with 172.25.64.0/18: applies Weave 2.7.0 and watches the rollout to the end", async () => {
    const s = await sim({ k8sVersion: '1.7.5', nodes: 4 });
    const r = await weavectl(s, ['install', '--ipalloc', '172.25.64.0/18']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^daemonset\.extensions\/weave-net created$/m);
    expect(r.stdout).toMatch(/^clusterrole\.rbac\.authorization\.k8s\.io\/weave-net created$/m);
    const lines = rolloutLines(r);
    expect(lines.at(-1)).toBe('daemon set "weave-net" successfully rolled out');
    expect(lines).toContain('Waiting for daemon set "weave-net" rollout to finish: 0 out of 4 new pods have been updated...');

    const ds = s.get('extensions/v1beta1', 'DaemonSet', 'kube-system', 'weave-net')!;
    expect(weaveEnv(ds)).toContainEqual({ name: 'IPALLOC_RANGE', value: '172.25.64.0/18' });
    expect(ds.spec.template.spec.containers[0].image).toBe('weaveworks/weave-kube:2.7.0');
    const pods = s.list('v1', 'Pod', 'kube-system').filter((p) => p.metadata.name.startsWith('weave-net-'));
    expect(pods.map((p) => p.spec.nodeName).sort()).toEqual(['k8s-vm1', 'k8s-vm2', 'k8s-vm3', 'k8s-vm4']);
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 4, updatedNumberScheduled: 4, numberAvailable: 4 });

    // Again: nothing to change, and the rollout is done at once.
    const again = await weavectl(s, ['install', '--ipalloc', '172.25.64.0/18']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^daemonset\.extensions\/weave-net unchanged$/m);
  });

  it("the seed's 8-node update from Weave 2.0.5 prints 0..8 updated, then available, then success", async () => {
    const s = await sim({ k8sVersion: '1.7.5', nodes: 8 });
    const first = await weavectl(s, ['install', '--weave-version', '2.0.5', '--ipalloc', '172.25.64.0/18']);
    expect(first.code, first.stderr).toBe(0);
    // In the seed the cluster ran 2.0.5 for a while: let the pods be Ready longer than 2.7.0's minReadySeconds (5 steps).
    await new Promise((r) => setTimeout(r, 400));
    const r = await weavectl(s, ['install', '--ipalloc', '172.25.64.0/18']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^daemonset\.extensions\/weave-net configured$/m);
    const lines = rolloutLines(r);
    const updated = lines.flatMap((l) => {
      const m = /rollout to finish: (\d) out of 8 new pods have been updated\.\.\.$/.exec(l);
      return m ? [Number(m[1])] : [];
    });
    expect(updated.length).toBeGreaterThanOrEqual(4);
    expect(updated).toEqual([...updated].sort((a, b) => a - b)); // never goes back
    expect(updated[0]).toBeLessThanOrEqual(1);
    const firstAvailable = lines.findIndex((l) => / of 8 updated pods are available\.\.\.$/.test(l));
    expect(firstAvailable).toBeGreaterThan(lines.findIndex((l) => / out of 8 new pods/.test(l)));
    expect(lines.at(-1)).toBe('daemon set "weave-net" successfully rolled out');
    const ds = s.get('extensions/v1beta1', 'DaemonSet', 'kube-system', 'weave-net')!;
    expect(ds.spec.template.spec.containers[0].image).toBe('weaveworks/weave-kube:2.7.0');
  });

  it('a current cluster gets the apps/v1 flavour (Weave 2.8.1) with the name kubectl prints', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 3 });
    const r = await weavectl(s, ['install']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^daemonset\.apps\/weave-net created$/m);
    expect(s.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')!.spec.template.spec.containers[0].image).toBe('weaveworks/weave-kube:2.8.1');
  });

  it('--wait=false applies and returns; --dry-run=server changes nothing', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    const before = snapshot(s);
    const dry = await weavectl(s, ['install', '--dry-run=server']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/daemonset\.apps\/weave-net created \(server dry run\)/);
    expect(snapshot(s)).toBe(before);
    const r = await weavectl(s, ['install', '--wait=false']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/successfully rolled out/);
  });

  it('a caller who may not bind roles: the bindings refused before their roles existed are sent again, and reported once', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    s.faults.noBindPermission();
    // the roles' first writes meet a 503 (retried), so their bindings arrive first and are refused
    s.faults.failRequests({ status: 503, count: 2, method: 'PATCH', path: /\/(clusterroles|roles)\/weave-net$/ });
    const port = Number(new URL(s.url).port);
    const patches: string[] = [];
    const onStart = (msg: unknown) => {
      const req = (msg as { request: http.IncomingMessage }).request;
      if (req.socket?.localPort === port && req.method === 'PATCH') patches.push(new URL(req.url ?? '/', s.url).pathname.replace(/.*\//, `${req.url?.split('/').at(-2)}/`));
    };
    dc.subscribe('http.server.request.start', onStart);
    try {
      const r = await weavectl(s, ['install', '--wait=false']);
      expect(r.code, r.stderr).toBe(0);
      for (const kind of ['clusterrolebinding', 'rolebinding']) {
        expect(r.stdout.match(new RegExp(`^${kind}\\.rbac\\.authorization\\.k8s\\.io/weave-net created$`, 'gm')), kind).toHaveLength(1);
      }
    } finally {
      dc.unsubscribe('http.server.request.start', onStart);
    }
    // a binding sent with its role and refused (404: the role did not exist yet) was sent again, once
    expect(patches.filter((p) => p === 'clusterrolebindings/weave-net')).toHaveLength(2);
    expect(patches.filter((p) => p === 'rolebindings/weave-net')).toHaveLength(2);
    expect(patches.filter((p) => p === 'clusterroles/weave-net')).toHaveLength(2);
    expect(patches.filter((p) => p === 'daemonsets/weave-net')).toHaveLength(1);
    expect(s.store.get('clusterrolebindings', '', 'weave-net')).toMatchObject({ metadata: { name: 'weave-net' } });
  });

  it('-o json prints one document: the applied objects as a v1 List, without managedFields; progress and results on stderr', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    const r = await weavectl(s, ['install', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ apiVersion: 'v1', kind: 'List' });
    expect(doc.items.map((o: { kind: string }) => o.kind)).toContain('DaemonSet');
    for (const o of doc.items) expect(o.metadata.managedFields).toBeUndefined();
    expect(r.stderr).toMatch(/^daemonset\.apps\/weave-net created$/m);
    expect(r.stderr).toMatch(/daemon set "weave-net" successfully rolled out/);
  });

  it('-o yaml and -o name print the applied objects (yaml without managedFields, as kubectl)', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    const y = await weavectl(s, ['install', '--wait=false', '-o', 'yaml']);
    expect(y.code, y.stderr).toBe(0);
    const docs = parseAllDocuments(y.stdout).map((d) => d.toJS());
    expect(docs.find((d) => d.kind === 'DaemonSet')).toMatchObject({ metadata: { name: 'weave-net', namespace: 'kube-system' } });
    expect(y.stdout).not.toMatch(/managedFields/);
    const n = await weavectl(s, ['install', '--wait=false', '-o', 'name']);
    expect(n.code, n.stderr).toBe(0);
    expect(n.stdout.split('\n')).toContain('daemonset.apps/weave-net');
    expect(n.stdout.split('\n')).toContain('clusterrole.rbac.authorization.k8s.io/weave-net');
    expect(n.stdout).not.toMatch(/unchanged|configured|created/);
  });
});

describe('install refuses or fails, with the message and exit code', () => {
  it('a manifest whose kinds the cluster does not serve: exit 1 before anything is sent', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    const before = snapshot(s);
    const r = await weavectl(s, ['install', '--k8s-version', '1.7.5']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not serve .*DaemonSet extensions\/v1beta1/);
    expect(r.stderr).toMatch(/run without --k8s-version/);
    expect(snapshot(s)).toBe(before);
  });

  it('a bad flag value: exit 2 and the cluster untouched', async () => {
    const s = await sim({ k8sVersion: '1.7.5', nodes: 2 });
    const before = snapshot(s);
    const r = await weavectl(s, ['install', '--ipalloc', '172.25.64.1/18']);
    expect(r.code).toBe(2);
    expect(snapshot(s)).toBe(before);
  });

  it('a crash loop stops the wait early, naming pod, node, reason and the last log lines', async () => {
    const s = await sim({ k8sVersion: '1.7.5', nodes: 4 });
    s.faults.crashLoop({ daemonSet: 'weave-net', node: 'k8s-vm3', container: 'weave' }, { message: 'Network 10.32.0.0/12 overlaps with existing route 10.32.0.0/16 on host' });
    const r = await weavectl(s, ['install', '--timeout', '60s']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: .*CrashLoopBackOff/);
    expect(r.stderr).toMatch(/k8s-vm3/);
    expect(r.stderr).toMatch(/weave-net-\w+/);
    expect(r.stderr).toMatch(/overlaps with existing route/);
  });

  it('an image that cannot be pulled stops the wait early', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 3 });
    s.faults.imagePull({ image: /registry\.corp/ }, { reason: 'ImagePullBackOff' });
    const r = await weavectl(s, ['install', '--image-registry', 'registry.corp:5000/mirror', '--timeout', '60s']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ImagePullBackOff/);
    expect(r.stderr).toMatch(/registry\.corp:5000\/mirror\/weaveworks\/weave-kube:2\.8\.1/);
  });

  it('a timeout says what is still missing, exit 1', async () => {
    const s = await sim({ k8sVersion: '1.7.5', nodes: 4 });
    s.faults.neverReady({ daemonSet: 'weave-net', node: 'k8s-vm2' });
    const r = await weavectl(s, ['install', '--timeout', '3s']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: timed out waiting for the condition/);
    expect(r.stderr).toMatch(/k8s-vm2/);
  });

  it('survives a cut watch, expired resourceVersions and 500s', async () => {
    const s = await sim({ k8sVersion: '1.7.5', nodes: 4 });
    s.faults.cutWatches({ after: 1, count: 3 });
    s.faults.failRequests({ status: 500, count: 3, method: 'GET', path: /daemonsets/ });
    const r = await weavectl(s, ['install', '--timeout', '60s']);
    expect(r.code, r.stderr).toBe(0);
    expect(rolloutLines(r).at(-1)).toBe('daemon set "weave-net" successfully rolled out');

    s.faults.expireResourceVersions();
    const again = await weavectl(s, ['install', '--mtu', '1400', '--timeout', '60s']);
    expect(again.code, again.stderr).toBe(0);
    expect(rolloutLines(again).at(-1)).toBe('daemon set "weave-net" successfully rolled out');
  });

  it('403 says which verb on which resource is missing', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    s.faults.forbid({ resource: 'daemonsets' });
    const r = await weavectl(s, ['install']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/daemonsets/);
    expect(r.stderr).toMatch(/forbidden|cannot|permission/i);
    expect(s.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')).toBeUndefined();
  });

  it('a conflict with another field manager names it; --force-conflicts takes over', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    expect((await weavectl(s, ['install', '--mtu', '1376', '--wait=false'])).code).toBe(0);
    // Another manager (as kops' addon manager would) takes WEAVE_MTU with server-side apply.
    const res = await fetch(`${s.url}/apis/apps/v1/namespaces/kube-system/daemonsets/weave-net?fieldManager=kops&force=true`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/apply-patch+yaml' },
      body: JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'weave-net', namespace: 'kube-system' },
        spec: { template: { spec: { containers: [{ name: 'weave', env: [{ name: 'WEAVE_MTU', value: '1400' }] }] } } },
      }),
    });
    expect(res.status).toBe(200);
    const before = snapshot(s);
    const r = await weavectl(s, ['install', '--mtu', '1300', '--wait=false']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/conflict/i);
    expect(r.stderr).toMatch(/kops/);
    expect(r.stderr).toMatch(/--force-conflicts/);
    expect(snapshot(s)).toBe(before);
    const forced = await weavectl(s, ['install', '--mtu', '1300', '--force-conflicts', '--wait=false']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(weaveEnv(s.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')!)).toContainEqual({ name: 'WEAVE_MTU', value: '1300' });
  });
});

describe('scope', () => {
  it.each([
    ['1.7.5', 'kube-system', 'extensions/v1beta1'],
    ['1.29.2', 'weave', 'apps/v1'],
  ])('on %s: applies Scope in %s with the Service on 10.200.33.12:4040 and waits', async (version, ns, workloads) => {
    const s = await sim({ k8sVersion: version, nodes: 3 });
    const r = await weavectl(s, ['scope', '--external-ip', '10.200.33.12', '--read-only']);
    expect(r.code, r.stderr).toBe(0);
    const svc = s.get('v1', 'Service', ns, 'weave-scope-app')!;
    expect(svc.spec.externalIPs).toEqual(['10.200.33.12']);
    expect(svc.spec.ports).toEqual([expect.objectContaining({ name: 'app', port: 4040, targetPort: 4040 })]);
    expect(s.get(workloads, 'Deployment', ns, 'weave-scope-app')).toMatchObject({ metadata: { name: 'weave-scope-app', namespace: ns } });
    expect(r.stdout).toMatch(/deployment "weave-scope-app" successfully rolled out/);
    expect(r.stdout).toMatch(/daemon set "weave-scope-agent" successfully rolled out/);
    expect(r.stdout).toMatch(/Weave Scope UI: http:\/\/10\.200\.33\.12:4040\//);
  });

  it('without an external IP says how to reach it: scope open (or kubectl port-forward)', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 1 });
    const r = await weavectl(s, ['scope']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Weave Scope UI: not exposed; reach it with: weavectl scope open (or kubectl port-forward -n weave svc/weave-scope-app 4040:4040)');
  });
});

describe('rollout-status', () => {
  it('defaults to ds/weave-net in kube-system; --watch=false prints once; -l and deploy/NAME work', async () => {
    const s = await sim({ k8sVersion: '1.7.5', nodes: 3 });
    expect((await weavectl(s, ['install', '--wait=false'])).code).toBe(0);
    const r = await weavectl(s, ['rollout-status', '--timeout', '60s']);
    expect(r.code, r.stderr).toBe(0);
    expect(rolloutLines(r).at(-1)).toBe('daemon set "weave-net" successfully rolled out');

    const once = await weavectl(s, ['rollout-status', '--watch=false']);
    expect(once.code).toBe(0);
    expect(once.stdout.trim()).toBe('daemon set "weave-net" successfully rolled out');

    expect((await weavectl(s, ['scope', '--wait=false'])).code).toBe(0);
    const sel = await weavectl(s, ['rollout-status', '-n', 'kube-system', '-l', 'app=weave-scope', '--timeout', '60s']);
    expect(sel.code, sel.stderr).toBe(0);
    expect(sel.stdout).toMatch(/deployment "weave-scope-app" successfully rolled out/);
    const dep = await weavectl(s, ['rollout-status', 'deploy/weave-scope-app', '-n', 'kube-system', '--watch=false', '-o', 'json']);
    expect(dep.code).toBe(0);
    expect(JSON.parse(dep.stdout)).toMatchObject({ object: 'deployment/weave-scope-app', namespace: 'kube-system', done: true });
    const all = await weavectl(s, ['rollout-status', '-n', 'kube-system', '-l', 'app=weave-scope', '-o', 'json']);
    expect(all.code, all.stderr).toBe(0);
    expect(JSON.parse(all.stdout).items.map((i: { object: string }) => i.object).sort()).toEqual(['daemonset/weave-scope-agent', 'deployment/weave-scope-app', 'deployment/weave-scope-cluster-agent']);
  });

  it('a missing object exits 1 naming it; a bad TYPE/NAME exits 2', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 1 });
    const missing = await weavectl(s, ['rollout-status', 'ds/nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/daemonsets\.apps "nope" not found/);
    const bad = await weavectl(s, ['rollout-status', 'pod/x']);
    expect(bad.code).toBe(2);
  });

  it('an unreachable cluster is a one-line failure', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 1 });
    await s.stop();
    const r = await weavectl(s, ['rollout-status', '--timeout', '5s']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: /m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
