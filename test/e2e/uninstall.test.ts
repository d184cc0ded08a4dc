/**
 * `weavectl uninstall` end to end: the built CLI against the simulator. After an uninstall every
 * kind the simulator stores is listed: nothing of Weave may be left but the user's password
 * Secret. --dry-run changes nothing. Needs the bundle: `npm test` builds it first.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../cli/run-cli.js';
import { R } from '../sim/src/apis.js';
import { startSimulator, type Obj, type Simulator } from '../sim/index.js';

function cliFor(sim: Simulator) {
  return (args: string[], timeoutMs = 60_000): Promise<CliResult> => runCli(['--kubeconfig', sim.kubeconfigPath, ...args], { timeoutMs });
}

/** Every stored object of every kind (Events aside), as "store namespace/name@resourceVersion". */
function everything(sim: Simulator): string[] {
  const out: string[] = [];
  for (const def of Object.values(R)) {
    if (def.store === 'events') continue;
    for (const o of sim.store.list(def.store)) {
      const md = o['metadata'] as Obj;
      out.push(`${def.store} ${md['namespace'] ? `${md['namespace']}/` : ''}${md['name']}@${md['resourceVersion']}`);
    }
  }
  return out.sort();
}

/** What of Weave is stored: any object whose name or labels mention weave. */
function weaveObjects(sim: Simulator): string[] {
  const out: string[] = [];
  for (const def of Object.values(R)) {
    if (def.store === 'events') continue;
    for (const o of sim.store.list(def.store)) {
      const md = o['metadata'] as Obj;
      const text = `${md['name']} ${JSON.stringify(md['labels'] ?? {})}`;
      if (/weave/.test(text)) out.push(`${def.store} ${md['namespace'] ? `${md['namespace']}/` : ''}${md['name']}`);
    }
  }
  return out.sort();
}

describe('Kubernetes 1.7: Weave Net with a password, legacy objects, and Scope in kube-system', () => {
  let sim: Simulator;
  let cli: ReturnType<typeof cliFor>;

  beforeAll(async () => {
    sim = await startSimulator({ k8sVersion: '1.7.5', nodes: 4, stepDelayMs: 5 });
    cli = cliFor(sim);
    sim.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'weave-passwd', namespace: 'kube-system' }, data: { 'weave-passwd': Buffer.from('s3cret-passw0rd').toString('base64') } });
    const net = await cli(['install', '--ipalloc', '172.25.64.0/18', '--password-secret', 'weave-passwd', '--timeout', '60s']);
    expect(net.code, net.stderr).toBe(0);
    const scope = await cli(['scope', '--wait=false']);
    expect(scope.code, scope.stderr).toBe(0);
    // What weave-kube creates at run time, and what Weave 2.1-2.7 for Kubernetes 1.6 installed.
    sim.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'weave-net', namespace: 'kube-system', annotations: { 'kube-peers.weave.works/peers': '{"Peers":[]}' } } });
    const rbac = 'rbac.authorization.k8s.io/v1beta1';
    sim.put({ apiVersion: rbac, kind: 'Role', metadata: { name: 'weave-net-kube-peer', namespace: 'kube-system' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] });
    sim.put({
      apiVersion: rbac,
      kind: 'RoleBinding',
      metadata: { name: 'weave-net-kube-peer', namespace: 'kube-system' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'weave-net-kube-peer' },
      subjects: [{ kind: 'ServiceAccount', name: 'weave-net', namespace: 'kube-system' }],
    });
    // Settled: every Scope workload available (so only uninstall could change anything now).
    await sim.waitFor(
      () => {
        const deps = sim.list('apps/v1beta1', 'Deployment', 'kube-system');
        const agent = sim.get('extensions/v1beta1', 'DaemonSet', 'kube-system', 'weave-scope-agent');
        return deps.length === 2 && deps.every((d) => d['status']?.['availableReplicas'] === 1 && d['status']?.['observedGeneration'] === d['metadata']['generation']) && agent?.['status']?.['numberAvailable'] === 4;
      },
      { timeoutMs: 30_000 },
    );
  });

  afterAll(async () => {
    await sim?.stop();
  });

  it('--dry-run=client lists what would go and changes nothing', async () => {
    const before = everything(sim);
    const r = await cli(['uninstall', '--scope', '--dry-run=client']);
    expect(r.code, r.stderr).toBe(0);
    for (const line of [
      'daemonset.extensions "weave-net" deleted (dry run)',
      'role.rbac.authorization.k8s.io "weave-net-kube-peer" deleted (dry run)',
      'configmap "weave-net" deleted (dry run)',
      'deployment.apps "weave-scope-app" deleted (dry run)',
      'daemonset.extensions "weave-scope-agent" deleted (dry run)',
      'clusterrole.rbac.authorization.k8s.io "weave-scope" deleted (dry run)',
      'namespace "weave" not found (already gone)',
      'Nothing was deleted (dry run).',
    ]) {
      expect(line.endsWith(' deleted (dry run)') ? r.stdout : r.stderr).toContain(line);
    }
    expect(everything(sim)).toEqual(before);
  });

  it('--dry-run=server is refused before 1.13 and changes nothing', async () => {
    const before = everything(sim);
    const r = await cli(['uninstall', '--dry-run=server']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: server-side dry-run needs Kubernetes 1\.13 or newer; the cluster runs v1\.7\.5$/m);
    expect(everything(sim)).toEqual(before);
  });

  it('deletes everything, waits for the pods, keeps the password Secret, and says what stays on the nodes', async () => {
    const r = await cli(['uninstall', '--scope', '--timeout', '60s']);
    expect(r.code, r.stderr).toBe(0);
    for (const line of [
      'daemonset.extensions "weave-net" deleted',
      'rolebinding.rbac.authorization.k8s.io "weave-net-kube-peer" deleted',
      'clusterrolebinding.rbac.authorization.k8s.io "weave-net" deleted',
      'serviceaccount "weave-net" deleted',
      'configmap "weave-net" deleted',
      'deployment.apps "weave-scope-cluster-agent" deleted',
      'service "weave-scope-app" deleted',
      'Every Weave pod is gone',
      'Kept: Secret kube-system/weave-passwd holds WEAVE_PASSWORD and is yours; delete it with: kubectl delete secret -n kube-system weave-passwd',
      'rm -f /etc/cni/net.d/10-weave.conflist',
      'ip link delete weave',
      'rm -rf /var/lib/weave',
      'iptables-save | grep -v WEAVE | iptables-restore',
    ]) {
      // results on stdout (as kubectl delete prints them), the advice on stderr
      expect(/ deleted$|^Every Weave pod/.test(line) ? r.stdout : r.stderr).toContain(line);
    }
    // Nothing of Weave is left in any kind the cluster stores, but the user's Secret.
    expect(weaveObjects(sim)).toEqual(['secrets kube-system/weave-passwd']);
  });

  it('a second run finds everything gone and exits 0; -o json is one document', async () => {
    const r = await cli(['uninstall', '--scope', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Obj;
    expect(doc).toMatchObject({ namespace: 'kube-system', dryRun: 'none' });
    expect(doc['objects'].filter((e: Obj) => e['result'] === 'not-found').map((e: Obj) => e['object'])).toContain('kube-system/daemonset.extensions/weave-net');
    expect(doc['objects'].some((e: Obj) => e['result'] === 'deleted')).toBe(false);
    expect(doc['leftovers'].map((l: Obj) => l['id'])).toContain('cni-config');
  });
});

describe('Kubernetes 1.29: Scope in namespace weave next to a pod of the user', () => {
  let sim: Simulator;
  let cli: ReturnType<typeof cliFor>;

  beforeAll(async () => {
    sim = await startSimulator({ k8sVersion: '1.29.2', nodes: 2, stepDelayMs: 5 });
    cli = cliFor(sim);
    expect((await cli(['install', '--wait=false'])).code).toBe(0);
    expect((await cli(['scope', '--wait=false'])).code).toBe(0);
    sim.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'my-app', namespace: 'weave' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } });
  });

  afterAll(async () => {
    await sim?.stop();
  });

  it('--dry-run=server sends the deletes with dryRun and changes nothing', async () => {
    const before = everything(sim).filter((x) => !x.startsWith('pods ') && !x.startsWith('daemonsets ') && !x.startsWith('deployments ') && !x.startsWith('replicasets '));
    const r = await cli(['uninstall', '--scope', '--dry-run=server']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('daemonset.apps "weave-net" deleted (server dry run)');
    expect(r.stdout).toContain('deployment.apps "weave-scope-app" in namespace weave deleted (server dry run)');
    expect(sim.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')).toMatchObject({ metadata: { name: 'weave-net' } });
    expect(sim.get('v1', 'Namespace', undefined, 'weave')).toMatchObject({ metadata: { name: 'weave' } });
    const after = everything(sim).filter((x) => !x.startsWith('pods ') && !x.startsWith('daemonsets ') && !x.startsWith('deployments ') && !x.startsWith('replicasets '));
    expect(after.filter((x) => /weave/.test(x)).map((x) => x.replace(/@\d+$/, ''))).toEqual(before.filter((x) => /weave/.test(x)).map((x) => x.replace(/@\d+$/, '')));
  });

  it('a delete the cluster refuses: the others still go, the refused one is named, exit 1', async () => {
    const unforbid = sim.faults.forbid({ verb: 'delete', resource: 'clusterroles', name: 'weave-net' });
    try {
      const r = await cli(['uninstall', '--wait=false']);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('daemonset.apps "weave-net" deleted');
      expect(r.stderr).toMatch(/^clusterrole\.rbac\.authorization\.k8s\.io "weave-net" not deleted: .*forbidden/m);
      expect(r.stderr.split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1); // one error line ends the command
      expect(r.stdout).toContain('serviceaccount "weave-net" deleted');
      expect(r.stderr).toMatch(/^error: 1 object could not be deleted: clusterrole\.rbac\.authorization\.k8s\.io\/weave-net$/m);
      expect(sim.get('rbac.authorization.k8s.io/v1', 'ClusterRole', undefined, 'weave-net')).toMatchObject({ metadata: { name: 'weave-net' } });
    } finally {
      unforbid();
    }
  });

  it('deletes Scope but keeps the namespace that holds the user pod', async () => {
    const r = await cli(['uninstall', '--scope', '--timeout', '60s']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('deployment.apps "weave-scope-app" in namespace weave deleted');
    expect(r.stderr).toMatch(/Warning: namespace "weave" kept: other pods run in it \(my-app\); delete it yourself with: kubectl delete namespace weave/);
    expect(weaveObjects(sim)).toEqual(['namespaces weave']);
    expect(sim.get('v1', 'Pod', 'weave', 'my-app')).toMatchObject({ metadata: { name: 'my-app', namespace: 'weave' } });
  });

  it('deletes the namespace once only Scope was in it', async () => {
    sim.delete('v1', 'Pod', 'weave', 'my-app');
    await sim.waitFor(() => !sim.get('v1', 'Pod', 'weave', 'my-app'));
    const r = await cli(['uninstall', '--scope', '--timeout', '60s']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('namespace "weave" deleted');
    expect(r.stderr).toContain('daemonset.apps "weave-net" not found (already gone)');
    expect(weaveObjects(sim)).toEqual([]);
  });

  it('gives up after --timeout, naming the pods that did not go', async () => {
    sim.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'weave-net', namespace: 'kube-system' } });
    sim.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'weave-net-stray', namespace: 'kube-system', labels: { name: 'weave-net' } }, spec: { nodeName: 'k8s-vm1', containers: [{ name: 'weave', image: 'weaveworks/weave-kube:2.8.1' }] } });
    const r = await cli(['uninstall', '--timeout', '2s']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('configmap "weave-net" deleted');
    expect(r.stderr).toMatch(/^error: timed out after 2s waiting for 1 pod to terminate \(weave-net-stray \(k8s-vm1\)\)$/m);
  });

  it('the timeout names the --timeout given, not what was left of it when the wait began (a slow start: 1.5s of --timeout 3s gone)', async () => {
    sim.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'weave-net', namespace: 'kube-system' } });
    sim.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'weave-net-stray', namespace: 'kube-system', labels: { name: 'weave-net' } }, spec: { nodeName: 'k8s-vm1', containers: [{ name: 'weave', image: 'weaveworks/weave-kube:2.8.1' }] } });
    // a loaded machine, made certain: the process spends 1.5 s before weavectl's code runs (--timeout counts from the process start)
    const dir = mkdtempSync(join(tmpdir(), 'weavectl-slow-start-'));
    const slow = join(dir, 'slow-start.cjs');
    writeFileSync(slow, 'const end = Date.now() + 1500; while (Date.now() < end) {}\n');
    try {
      const r = await runCli(['--kubeconfig', sim.kubeconfigPath, 'uninstall', '--timeout', '3s'], { env: { NODE_OPTIONS: `--require ${slow}` } });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^error: timed out after 3s waiting for 1 pod to terminate \(weave-net-stray \(k8s-vm1\)\)$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
