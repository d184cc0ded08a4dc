/**
 * `weavectl policy isolate|allow|list|explain` end to end: the built CLI against the Kubernetes API
 * simulator with Weave Net installed by `weavectl install`, namespace prod and three pods:
 * iperf-prod-1-7d9f and iperf-prod-1-x2kq (run=iperf-prod-1, two nodes) and iperf-prod-2-5bb8
 * (run=iperf-prod-2). The seed story on 1.7.5 and 1.29 (a default-deny policy) and on 1.6 (the
 * namespace annotation), weave-npc --use-legacy-netpol on 1.29 (the annotation written by
 * server-side apply), and refused inputs that exit 2 with one line and change nothing.
 * Needs the bundle: `npm test` builds it first (or `node scripts/build.mjs`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseEndpoint } from '../../src/commands/policy-explain.js';
import { hasLegacyNetpolFlag, weaveNpcInfoOf } from '../../src/policy/cluster.js';
import { annotationApplyBody, isDefaultDeny } from '../../src/policy/isolate.js';
import { WeavectlError } from '../../src/errors.js';
import { runCli, type CliResult } from '../cli/run-cli.js';
import { startSimulator, type Obj, type Simulator } from '../sim/index.js';
import { SEED_YAML } from '../policy/fixtures.js';

const ANNOTATION = 'net.beta.kubernetes.io/network-policy';
const DEFAULT_DENY = '{"ingress":{"isolation":"DefaultDeny"}}';


interface Cluster {
  sim: Simulator;
  cli(args: string[]): Promise<CliResult>;
  netpolApi: string;
  policy(name: string): Obj | undefined;
  /** NetworkPolicies and Namespaces with their resourceVersions: proves a refused command wrote nothing. */
  snapshot(): string;
}

async function cluster(k8sVersion: string, installArgs: string[] = []): Promise<Cluster> {
  const sim = await startSimulator({ k8sVersion, nodes: 2, stepDelayMs: 2 });
  const cli = (args: string[]) => runCli(['--kubeconfig', sim.kubeconfigPath, ...args], { timeoutMs: 60_000 });
  const inst = await cli(['install', '--timeout', '60s', ...installArgs]);
  expect(inst.code, inst.stderr).toBe(0);
  sim.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } });
  const pod = (name: string, run: string, node: string) =>
    sim.put({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'prod', labels: { run } },
      spec: { nodeName: node, containers: [{ name: 'iperf', image: 'networkstatic/iperf3', ports: [{ containerPort: 5201, protocol: 'TCP' }] }] },
    });
  pod('iperf-prod-1-7d9f', 'iperf-prod-1', 'k8s-vm1');
  pod('iperf-prod-1-x2kq', 'iperf-prod-1', 'k8s-vm2');
  pod('iperf-prod-2-5bb8', 'iperf-prod-2', 'k8s-vm2');
  // The simulated kubelet gives each pod an address from its node's share of the weave range when it starts it
  // (test/sim/src/dataplane.ts): 10.32.0.0/13 on k8s-vm1, 10.40.0.0/13 on k8s-vm2.
  await sim.waitFor(() => sim.list('v1', 'Pod', 'prod').every((p) => p['status']?.['podIP']));
  const netpolApi = sim.k8sVersion.minor >= 7 ? 'networking.k8s.io/v1' : 'extensions/v1beta1';
  return {
    sim,
    cli,
    netpolApi,
    policy: (name) => sim.get(netpolApi, 'NetworkPolicy', 'prod', name),
    snapshot: () =>
      [
        ...sim.list(netpolApi, 'NetworkPolicy').map((o) => `netpol ${o['metadata']['namespace']}/${o['metadata']['name']}@${o['metadata']['resourceVersion']}`),
        ...sim.list('v1', 'Namespace').map((o) => `ns ${o['metadata']['name']}@${o['metadata']['resourceVersion']}`),
      ]
        .sort()
        .join('\n'),
  };
}

/** stderr without the loopback simulator's plain-HTTP warning. */
function messages(r: CliResult): string[] {
  return r.stderr.split('\n').filter((l) => l !== '' && !/^Warning: the connection to cluster "sim" .* is plain HTTP/.test(l));
}

/** A refused command: exit code, exactly one `error:` line (plus an optional hint), no stack trace. */
function expectRefused(r: CliResult, code: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  const errors = messages(r).filter((l) => !l.startsWith('hint: ') && !l.startsWith('Warning: '));
  expect(errors, r.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(/^error: /);
  expect(errors[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

const x2kq = 'prod/iperf-prod-1-x2kq';
const d9f = 'prod/iperf-prod-1-7d9f';
const prod2 = 'prod/iperf-prod-2-5bb8';

/** The seed story on a cluster whose namespaces are isolated by a default-deny policy. */
async function seedStory(c: Cluster, denySpec: Obj, extras: boolean): Promise<void> {
  // Before: nothing isolates prod.
  let r = await c.cli(['policy', 'explain', '--from', x2kq, '--to', `${d9f}:5201`]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout.split('\n')[0]).toBe(`allowed: pod ${x2kq} -> pod ${d9f} on 5201/TCP`);
  expect(r.stdout).toContain(`ingress to ${d9f}: not isolated`);

  // Isolate: a default-deny policy, said so; again: nothing changes.
  r = await c.cli(['policy', 'isolate', 'prod']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain('networkpolicy.networking.k8s.io/default-deny-ingress created: namespace prod is isolated for ingress');
  const deny = c.policy('default-deny-ingress')!;
  expect(deny['spec']).toEqual(denySpec);
  const rv = deny['metadata']['resourceVersion'];
  r = await c.cli(['policy', 'isolate', 'prod']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toContain('namespace prod is already isolated for ingress by prod/default-deny-ingress: nothing changed');
  expect(c.policy('default-deny-ingress')!['metadata']['resourceVersion']).toBe(rv);

  // Denied, naming the policy that isolates the receiver.
  r = await c.cli(['policy', 'explain', '--from', x2kq, '--to', `${d9f}:5201`]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout.split('\n')[0]).toBe(`denied: pod ${x2kq} -> pod ${d9f} on 5201/TCP`);
  expect(r.stdout).toContain(`ingress to ${d9f}: isolated by prod/default-deny-ingress; no ingress rule admits pod ${x2kq} on 5201/TCP`);

  // weave-npc's chains: prod's DefaultAllow set is now empty, said in words next to the hashed name.
  r = await c.cli(['npc', 'rules']);
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.split('\n');
  const i = lines.findIndex((l) => l.includes('/* DefaultAllow ingress isolation for namespace: prod */'));
  expect(i).toBeGreaterThan(0);
  expect(lines[i + 1]).toBe('           # accept new traffic to the pods in prod that no Ingress policy selects');
  expect(lines[i + 2]).toMatch(/^ {11}# weave-\S+ \(dst\): pods in prod that no Ingress policy selects = \(empty\)$/);
  expect(r.stdout).toContain(`prod: ingress: ${d9f}, ${x2kq}, ${prod2}; egress: none`);

  // Allow: the seed policy, server-side applied in the served API version.
  r = await c.cli(['policy', 'allow', '-n', 'prod', '--to', 'run=iperf-prod-1', '--from', 'run=iperf-prod-1', '--name', 'iperf-prod-1-internal-access', ...(extras ? ['-o', 'yaml'] : [])]);
  expect(r.code, r.stderr).toBe(0);
  // the result line: stdout as kubectl prints it, or stderr when stdout holds the -o yaml document
  expect(extras ? messages(r) : r.stdout.split('\n')).toContain('networkpolicy.networking.k8s.io/iperf-prod-1-internal-access created');
  if (extras) {
    // -o yaml: the object as the server stored it, as kubectl prints it (no managedFields).
    const printed = parse(r.stdout);
    expect(printed).toMatchObject({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'iperf-prod-1-internal-access', namespace: 'prod' } });
    expect(printed.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(printed.metadata.managedFields).toBeUndefined();
  }
  expect(messages(r)).toContain('  allows ingress from pods run=iperf-prod-1 in prod on any port');
  const seed = c.policy('iperf-prod-1-internal-access')!;
  expect(seed['spec']['podSelector']).toEqual({ matchLabels: { run: 'iperf-prod-1' } });
  expect(seed['spec']['ingress']).toEqual([{ from: [{ podSelector: { matchLabels: { run: 'iperf-prod-1' } } }] }]);

  // Allowed now, naming the rule; iperf-prod-2 still denied.
  r = await c.cli(['policy', 'explain', '--from', x2kq, '--to', `${d9f}:5201`]);
  expect(r.stdout.split('\n')[0]).toBe(`allowed: pod ${x2kq} -> pod ${d9f} on 5201/TCP`);
  expect(r.stdout).toContain(
    `ingress to ${d9f}: isolated by prod/default-deny-ingress, prod/iperf-prod-1-internal-access; allowed by prod/iperf-prod-1-internal-access ingress rule 1 (from pods run=iperf-prod-1 in prod, any port)`,
  );
  if (extras) {
    r = await c.cli(['policy', 'explain', '--from', prod2, '--to', d9f, '--port', '5201', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ from: prod2, to: d9f, allowed: false, port: '5201/TCP', semantics: 'standard' });
    expect(j.ingress.isolatedBy.map((x: Obj) => x['name'])).toEqual(['default-deny-ingress', 'iperf-prod-1-internal-access']);
    expect(j.reasons[0]).toBe(`denied: pod ${prod2} -> pod ${d9f} on 5201/TCP`);
  }

  // The policy's rule in WEAVE-NPC-INGRESS, with the pods its set holds.
  r = await c.cli(['npc', 'rules', '--node', 'k8s-vm2']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toMatch(/weave-npc on node k8s-vm2 \(pod kube-system\/weave-net-\w+\)/);
  expect(r.stdout).toContain('/* pods: namespace: prod, selector: run=iperf-prod-1 -> pods: namespace: prod, selector: run=iperf-prod-1 (ingress) */');
  expect(r.stdout).toContain('           # allow ingress from pods run=iperf-prod-1 in prod to pods run=iperf-prod-1 in prod on any port');
  expect(r.stdout).toMatch(/# weave-\S+ \(src, dst\): pods run=iperf-prod-1 in prod = prod\/iperf-prod-1-7d9f \(10\.32\.0\.\d+\), prod\/iperf-prod-1-x2kq \(10\.40\.0\.\d+\)/);

  // Undo: only default-deny-ingress goes; iperf-prod-2 accepts everything again.
  r = await c.cli(['policy', 'isolate', 'prod', '--undo']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain('networkpolicy.networking.k8s.io/default-deny-ingress deleted: namespace prod is no longer isolated for ingress');
  expect(c.policy('default-deny-ingress')).toBeUndefined();
  expect(c.policy('iperf-prod-1-internal-access')).toMatchObject({ metadata: { name: 'iperf-prod-1-internal-access', namespace: 'prod' } });
  r = await c.cli(['policy', 'explain', '--from', x2kq, '--to', prod2]);
  expect(r.stdout.split('\n')[0]).toBe(`allowed: pod ${x2kq} -> pod ${prod2}`);
  if (extras) {
    r = await c.cli(['policy', 'isolate', 'prod', '--undo']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('no networkpolicy default-deny-ingress in namespace prod: nothing to undo for ingress');
  }
}

// The three clusters run side by side; the steps on each one run in order.
describe.concurrent('policy commands', () => {
  describe('on Kubernetes 1.7.5 (the seed cluster)', () => {
    let c: Cluster;
    beforeAll(async () => {
      c = await cluster('1.7.5');
    });
    afterAll(async () => {
      await c?.sim.stop();
    });

    it.sequential('the seed story: allowed, isolate, denied, allow, allowed, the npc chains, undo', async () => {
      // 1.7 has no policyTypes: the default deny is written without them.
      await seedStory(c, { podSelector: {} }, false);
    });

    it.sequential('refuses what Kubernetes 1.7 cannot hold, before writing anything (exit 2, one line)', async () => {
      const before = c.snapshot();
      expectRefused(await c.cli(['policy', 'isolate', 'prod', '--egress']), 2, /egress policies need Kubernetes 1\.8 or later/);
      expectRefused(await c.cli(['policy', 'allow', '-n', 'prod', '--to', 'run=iperf-prod-1', '--from-cidr', '10.200.0.0/16']), 2, /--from-cidr \(ipBlock\) needs Kubernetes 1\.8 or later/);
      expectRefused(await c.cli(['policy', 'allow', '-n', 'prod', '--to', 'run=web', '--port', '5000-5010/TCP']), 2, /port range 5000-5010\/TCP needs Kubernetes 1\.22/);
      expect(c.snapshot()).toBe(before);
    });

    it.sequential('--dry-run=client prints the seed policy exactly, with no cluster at all', async () => {
      const r = await runCli(
        ['policy', 'allow', '-n', 'prod', '--to', 'run=iperf-prod-1', '--from', 'run=iperf-prod-1', '--name', 'iperf-prod-1-internal-access', '--dry-run=client', '-o', 'yaml'],
        { timeoutMs: 20_000 },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(SEED_YAML);
      const old = await runCli(['policy', 'allow', '-n', 'prod', '--to', 'run=iperf-prod-1', '--from', 'run=iperf-prod-1', '--k8s-version', '1.6', '--dry-run=client', '-o', 'json']);
      expect(JSON.parse(old.stdout)).toMatchObject({ apiVersion: 'extensions/v1beta1', metadata: { name: 'iperf-prod-1-internal-access' } });
      const iso = await runCli(['policy', 'isolate', 'prod', '--k8s-version', '1.6.13', '--dry-run=client', '-o', 'yaml']);
      expect(iso.code, iso.stderr).toBe(0);
      expect(iso.stdout).toBe(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n  annotations:\n    ${ANNOTATION}: '${DEFAULT_DENY}'\n`);
      const text = await runCli(['policy', 'isolate', 'prod', '--egress', '--dry-run=client']);
      expect(text.stdout).toBe('networkpolicy.networking.k8s.io/default-deny-ingress created (dry run)\nnetworkpolicy.networking.k8s.io/default-deny-egress created (dry run)\n');
    });
  });

  describe('on Kubernetes 1.29', () => {
    let c: Cluster;
    beforeAll(async () => {
      c = await cluster('1.29.2');
    });
    afterAll(async () => {
      await c?.sim.stop();
    });

    it.sequential('the seed story, with policyTypes on the default deny and server-side apply by weavectl', async () => {
      await seedStory(c, { podSelector: {}, policyTypes: ['Ingress'] }, true);
      const r = await c.cli(['policy', 'isolate', 'prod', '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({
        namespace: 'prod',
        method: 'policy',
        semantics: 'standard',
        decidedBy: 'weaveworks 2.8.1',
        semanticsReason:
          'weave-npc 2.8.1 watches only networking.k8s.io/v1 NetworkPolicies with their v1 semantics (the legacy mode is gone from 2.4.0: v2.4.0 prog/weave-npc/main.go)',
        undo: false,
        dryRun: 'none',
        changes: [{ direction: 'ingress', object: 'networkpolicy.networking.k8s.io/default-deny-ingress', action: 'created' }],
        unchanged: [],
        notes: [],
      });
      const deny = c.policy('default-deny-ingress')!;
      expect((deny['metadata']['managedFields'] as Obj[]).map((m) => [m['manager'], m['operation']])).toContainEqual(['weavectl', 'Apply']);
    });

    it.sequential('policy list: each policy in words and how prod is isolated; -o json', async () => {
      let r = await c.cli(['policy', 'list', '-n', 'prod']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(
        [
          'prod/default-deny-ingress',
          '  selects all pods in prod',
          '  denies all ingress',
          'prod/iperf-prod-1-internal-access',
          '  selects pods run=iperf-prod-1 in prod',
          '  allows ingress from pods run=iperf-prod-1 in prod on any port',
          '',
          'namespace prod: isolated for ingress by prod/default-deny-ingress',
          '',
        ].join('\n'),
      );
      r = await c.cli(['policy', 'list', '-A', '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.semantics).toBe('standard');
      expect(j.namespace).toBeNull();
      expect(j.policies.map((p: Obj) => `${p['namespace']}/${p['name']} ${p['podSelector']} ${p['policyTypes'].join(',')}`)).toEqual([
        'prod/default-deny-ingress  Ingress',
        'prod/iperf-prod-1-internal-access run=iperf-prod-1 Ingress',
      ]);
      expect(j.namespaces).toEqual([{ namespace: 'prod', ingress: ['prod/default-deny-ingress'], egress: [], legacyAnnotation: false, policies: 2 }]);
      // A namespace without policies, by the context's default when -n is left out.
      r = await c.cli(['policy', 'list']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('No NetworkPolicies in namespace default.');
      expect(r.stdout).toBe('namespace default: not isolated: its pods accept all traffic\n');
    });

    it.sequential('explain --matrix: the pod-by-pod grid of prod, and on one port as JSON', async () => {
      let r = await c.cli(['policy', 'explain', '--matrix', '-n', 'prod', '--ascii']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split('\n').slice(0, 4)).toEqual([
        'from \\ to                     1 2 3',
        '1 prod/iperf-prod-1-7d9f [i]  . . X',
        '2 prod/iperf-prod-1-x2kq [i]  . . X',
        '3 prod/iperf-prod-2-5bb8 [i]  X X .',
      ]);
      expect(r.stdout).toContain('5 of 9 pairs allowed');
      r = await c.cli(['policy', 'explain', '--matrix', '-n', 'prod', '--port', '5201/TCP', '-o', 'json']);
      const m = JSON.parse(r.stdout);
      expect(m).toMatchObject({ namespace: 'prod', semantics: 'standard', port: '5201/TCP', allowedCount: 5 });
      expect(m.pods).toEqual([d9f, x2kq, prod2]);
      expect(m.allowed).toEqual([
        [true, true, false],
        [true, true, false],
        [false, false, true],
      ]);
    });

    it.sequential('isolate --egress adds default-deny-egress; --undo --egress removes both; a policy of that name that is not a default deny is refused', async () => {
      let r = await c.cli(['policy', 'isolate', 'prod', '--egress']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('namespace prod is already isolated for ingress by prod/default-deny-ingress: nothing changed');
      expect(r.stdout).toContain('networkpolicy.networking.k8s.io/default-deny-egress created: namespace prod is isolated for egress');
      expect(c.policy('default-deny-egress')!['spec']).toEqual({ podSelector: {}, policyTypes: ['Egress'] });
      r = await c.cli(['policy', 'explain', '--from', x2kq, '--to', d9f]);
      expect(r.stdout).toContain(`egress from ${x2kq}: isolated by prod/default-deny-egress; no egress rule admits pod ${d9f}`);

      r = await c.cli(['policy', 'isolate', 'prod', '--undo']);
      expect(r.stderr).toContain('namespace prod stays isolated for egress by prod/default-deny-egress: add --egress to remove it too');
      r = await c.cli(['policy', 'isolate', 'prod', '--undo', '--egress']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('networkpolicy.networking.k8s.io/default-deny-egress deleted: namespace prod is no longer isolated for egress');
      expect(c.policy('default-deny-egress')).toBeUndefined();

      // Someone else's policy that happens to carry the name: neither replaced nor deleted.
      c.sim.put({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'default-deny-ingress', namespace: 'prod' },
        spec: { podSelector: { matchLabels: { run: 'iperf-prod-2' } }, ingress: [{}] },
      });
      const before = c.snapshot();
      expectRefused(await c.cli(['policy', 'isolate', 'prod']), 1, /networkpolicy prod\/default-deny-ingress exists and is not a default deny for ingress: nothing was changed/);
      expectRefused(await c.cli(['policy', 'isolate', 'prod', '--undo']), 1, /is not a default deny for ingress, so weavectl policy isolate did not write it: nothing was deleted/);
      expect(c.snapshot()).toBe(before);
      c.sim.delete('networking.k8s.io/v1', 'NetworkPolicy', 'prod', 'default-deny-ingress');
    });


    it.sequential('weave-npc 2.8.1 with --use-legacy-netpol (v2.4.0 prog/weave-npc/main.go has no such flag): isolate refuses, explain says nothing is enforced', async () => {
      const ds = c.sim.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')!;
      const saved = structuredClone(ds);
      const npc = (ds['spec']['template']['spec']['containers'] as Obj[]).find((x) => x['name'] === 'weave-npc')!;
      npc['args'] = ['--use-legacy-netpol'];
      c.sim.put(ds);
      const before = c.snapshot();
      let r = await c.cli(['policy', 'isolate', 'prod']);
      expectRefused(r, 1, /isolating namespace prod would not be enforced: weave-npc 2\.8\.1 has no --use-legacy-netpol flag \(only 2\.1\.0-2\.3\.x have it\), so it exits on start/);
      expect(c.snapshot()).toBe(before);
      r = await c.cli(['policy', 'explain', '--from', prod2, '--to', `${d9f}:5201`, '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ allowed: true, enforced: false, decidedBy: 'weaveworks 2.8.1' });
      const back = c.sim.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')!;
      back['spec'] = saved['spec'];
      c.sim.put(back);
    });

    it.sequential('a weave-npc of unknown release (no version tag) with --use-legacy-netpol: legacy semantics by the flag; isolate writes the annotation by server-side apply and --undo removes it', async () => {
      const ds = c.sim.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')!;
      for (const x of ds['spec']['template']['spec']['containers'] as Obj[]) x['image'] = `registry.corp/${x['name']}:custom-build`;
      const npc = (ds['spec']['template']['spec']['containers'] as Obj[]).find((x) => x['name'] === 'weave-npc')!;
      npc['args'] = ['--use-legacy-netpol'];
      c.sim.put(ds);

      let r = await c.cli(['policy', 'isolate', 'prod']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`namespace/prod annotated ${ANNOTATION}=${DEFAULT_DENY}: namespace prod is isolated for ingress`);
      const ns = c.sim.get('v1', 'Namespace', undefined, 'prod')!;
      expect(ns['metadata']['annotations']).toEqual({ [ANNOTATION]: DEFAULT_DENY });
      // weavectl owns that one annotation and nothing else of the Namespace.
      const mine = (ns['metadata']['managedFields'] as Obj[]).find((m) => m['manager'] === 'weavectl')!;
      expect(mine['operation']).toBe('Apply');
      expect(mine['fieldsV1']).toEqual({ 'f:metadata': { 'f:annotations': { [`f:${ANNOTATION}`]: {} } } });
      expect(c.policy('default-deny-ingress')).toBeUndefined();

      r = await c.cli(['policy', 'explain', '--from', prod2, '--to', `${d9f}:5201`]);
      expect(r.stdout.split('\n')[0]).toBe(`denied: pod ${prod2} -> pod ${d9f} on 5201/TCP`);
      expect(r.stdout).toContain(`ingress to ${d9f}: isolated by namespace prod (DefaultDeny annotation)`);
      expect(r.stdout).toContain('legacy semantics, decided by the Kubernetes version: weave-npc runs with --use-legacy-netpol');
      r = await c.cli(['policy', 'explain', '--from', x2kq, '--to', `${d9f}:5201`]);
      expect(r.stdout.split('\n')[0]).toBe(`allowed: pod ${x2kq} -> pod ${d9f} on 5201/TCP`);
      r = await c.cli(['policy', 'isolate', 'prod', '--egress']);
      expectRefused(r, 2, /--egress: weave-npc runs with --use-legacy-netpol, and legacy semantics have no egress isolation/);

      r = await c.cli(['policy', 'isolate', 'prod', '--undo']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`namespace/prod annotation ${ANNOTATION} removed: namespace prod is no longer isolated for ingress`);
      expect(c.sim.get('v1', 'Namespace', undefined, 'prod')!['metadata']['annotations'] ?? {}).toEqual({});

      // An annotation someone else wrote: server-side apply cannot take it away; said, with the kubectl line that can.
      const other = c.sim.get('v1', 'Namespace', undefined, 'prod')!;
      other['metadata']['annotations'] = { [ANNOTATION]: DEFAULT_DENY, team: 'iperf' };
      c.sim.put(other);
      r = await c.cli(['policy', 'isolate', 'prod', '--undo']);
      expectRefused(r, 1, new RegExp(`the annotation ${ANNOTATION.replace(/\./g, '\\.')} on namespace prod is still set \\(owned by sim, not by weavectl\\)`));
      expect(r.stderr).toContain(`hint: remove it with: kubectl annotate namespace prod ${ANNOTATION}-`);
      expect(c.sim.get('v1', 'Namespace', undefined, 'prod')!['metadata']['annotations']).toEqual({ [ANNOTATION]: DEFAULT_DENY, team: 'iperf' });
    });
  });

  describe('on Kubernetes 1.6 (beta NetworkPolicy) with Weave Net 2.0.5', () => {
    let c: Cluster;
    beforeAll(async () => {
      c = await cluster('1.6.13', ['--weave-version', '2.0.5']);
    });
    afterAll(async () => {
      await c?.sim.stop();
    });

    it.sequential('isolation is the namespace annotation, written and removed with a merge patch of that key only', async () => {
      c.sim.put({ ...c.sim.get('v1', 'Namespace', undefined, 'prod')!, metadata: { ...c.sim.get('v1', 'Namespace', undefined, 'prod')!['metadata'], annotations: { team: 'iperf' } } });
      let r = await c.cli(['policy', 'isolate', 'prod']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`namespace/prod annotated ${ANNOTATION}=${DEFAULT_DENY}: namespace prod is isolated for ingress`);
      expect(c.sim.get('v1', 'Namespace', undefined, 'prod')!['metadata']['annotations']).toEqual({ team: 'iperf', [ANNOTATION]: DEFAULT_DENY });
      r = await c.cli(['policy', 'isolate', 'prod']);
      expect(r.stderr).toContain('namespace prod is already isolated for ingress by the DefaultDeny annotation: nothing changed');

      r = await c.cli(['policy', 'explain', '--from', x2kq, '--to', `${d9f}:5201`]);
      expect(r.stdout.split('\n')).toEqual([
        `denied: pod ${x2kq} -> pod ${d9f} on 5201/TCP`,
        `ingress to ${d9f}: isolated by namespace prod (DefaultDeny annotation); no ingress rule admits pod ${x2kq} on 5201/TCP`,
        `egress from ${x2kq}: not controlled under legacy semantics (no egress policies before Kubernetes 1.7)`,
        'legacy semantics, decided by the running release, weaveworks 2.0.5: weave-npc 2.0.5 watches only extensions/v1beta1 NetworkPolicies with pre-1.7 semantics: a namespace is isolated only by its DefaultDeny annotation (v2.0.5 prog/weave-npc/main.go)',
        '',
      ]);

      r = await c.cli(['policy', 'allow', '-n', 'prod', '--to', 'run=iperf-prod-1', '--from', 'run=iperf-prod-1', '--name', 'iperf-prod-1-internal-access']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split('\n')).toContain('networkpolicy.extensions/iperf-prod-1-internal-access created');
      expect(c.policy('iperf-prod-1-internal-access')!['apiVersion']).toBe('extensions/v1beta1');
      r = await c.cli(['policy', 'explain', '--from', x2kq, '--to', `${d9f}:5201`]);
      expect(r.stdout).toContain(`ingress to ${d9f}: isolated by namespace prod (DefaultDeny annotation); allowed by prod/iperf-prod-1-internal-access ingress rule 1`);

      r = await c.cli(['policy', 'list', '-n', 'prod']);
      expect(r.stdout).toContain(`namespace prod: isolated for ingress by the DefaultDeny annotation (${ANNOTATION})`);
      expect(r.stderr).toContain('Legacy semantics, decided by the running release, weaveworks 2.0.5');
      expectRefused(await c.cli(['policy', 'isolate', 'prod', '--egress']), 2, /legacy semantics have no egress isolation/);

      r = await c.cli(['policy', 'isolate', 'prod', '--undo']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`namespace/prod annotation ${ANNOTATION} removed: namespace prod is no longer isolated for ingress`);
      expect(c.sim.get('v1', 'Namespace', undefined, 'prod')!['metadata']['annotations']).toEqual({ team: 'iperf' });
      r = await c.cli(['policy', 'explain', '--from', x2kq, '--to', prod2]);
      expect(r.stdout.split('\n')[0]).toBe(`allowed: pod ${x2kq} -> pod ${prod2}`);
    });

    it.sequential('refused inputs: exit 2, one line, nothing changed; missing namespaces and pods: exit 1 naming them', async () => {
      const before = c.snapshot();
      const allow = (...extra: string[]) => c.cli(['policy', 'allow', '-n', 'prod', '--to', 'run=iperf-prod-1', ...extra]);
      expectRefused(await c.cli(['policy', 'allow', '-n', 'prod', '--to', 'run=iperf prod']), 2, /invalid --to selector "run=iperf prod": expected/);
      expectRefused(await allow('--port', '99999'), 2, /--port "99999": port 99999 is out of range \(1-65535\)/);
      expectRefused(await allow('--from-cidr', '10.0.0.0/33'), 2, /--from-cidr: "10\.0\.0\.0\/33" is not a CIDR/);
      expectRefused(await allow('--from-cidr', '10.0.0.0/8', '--except', '192.168.0.0/24'), 2, /--except 192\.168\.0\.0\/24 must be a smaller block inside 10\.0\.0\.0\/8/);
      expectRefused(await allow('--name', 'Not_A_Name'), 2, /invalid policy name "Not_A_Name"/);
      expectRefused(await c.cli(['policy', 'allow', '--to', 'run=iperf-prod-1']), 2, /policy allow needs -n NAMESPACE/);
      expectRefused(await c.cli(['policy', 'allow', '-n', 'prod']), 2, /required option '--to <selector>' not specified/);
      expectRefused(await c.cli(['policy', 'allow', '-n', 'Prod', '--to', 'run=x']), 2, /invalid namespace "Prod"/);
      expectRefused(await c.cli(['policy', 'isolate', 'prod_1']), 2, /invalid namespace "prod_1"/);
      expectRefused(await c.cli(['policy', 'explain', '--from', 'prod/', '--to', d9f]), 2, /--from "prod\/": "" is not a pod name/);
      expectRefused(await c.cli(['policy', 'explain', '--from', x2kq, '--to', `${d9f}:70000/TCP`]), 2, /port 70000 is out of range/);
      expectRefused(await c.cli(['policy', 'explain', '--from', '10.0.0.1', '--to', '10.0.0.2']), 2, /at least one end must be a pod/);
      expectRefused(await c.cli(['policy', 'list', '-A', '-n', 'prod']), 2, /give -n NAMESPACE or -A, not both/);

      expectRefused(await c.cli(['policy', 'isolate', 'staging']), 1, /namespace "staging" not found/);
      expectRefused(await c.cli(['policy', 'allow', '-n', 'staging', '--to', 'run=x']), 1, /namespace "staging" not found/);
      expectRefused(await c.cli(['policy', 'explain', '--from', 'prod/nope', '--to', d9f]), 1, /pod "nope" not found in namespace "prod"/);
      expect(c.snapshot()).toBe(before);
    });
    it.sequential('Weave 2.7.0 on 1.6 (v2.7.0 shipped weave-daemonset-k8s-1.6.yaml, but v2.4.0+ prog/weave-npc/main.go watches only networking.k8s.io/v1): isolate and allow refuse, explain says nothing is enforced', async () => {
      const ds = c.sim.get('extensions/v1beta1', 'DaemonSet', 'kube-system', 'weave-net')!;
      const saved = structuredClone(ds['spec']);
      for (const x of ds['spec']['template']['spec']['containers'] as Obj[]) x['image'] = String(x['image']).replace(':2.0.5', ':2.7.0');
      c.sim.put(ds);
      const before = c.snapshot();
      expectRefused(await c.cli(['policy', 'isolate', 'prod']), 1, /isolating namespace prod would not be enforced: weave-npc 2\.7\.0 watches only networking\.k8s\.io\/v1 NetworkPolicies, which Kubernetes v1\.6\.13 does not serve/);
      expectRefused(await c.cli(['policy', 'allow', '-n', 'prod', '--to', 'run=iperf-prod-1', '--from', 'run=iperf-prod-1']), 1, /would not be enforced: weave-npc 2\.7\.0 watches only networking\.k8s\.io\/v1/);
      expect(c.snapshot()).toBe(before);
      const r = await c.cli(['policy', 'explain', '--from', x2kq, '--to', `${d9f}:5201`]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split('\n')[0]).toMatch(/^allowed: nothing is enforced: weave-npc 2\.7\.0 watches only networking\.k8s\.io\/v1 NetworkPolicies/);
      const back = c.sim.get('extensions/v1beta1', 'DaemonSet', 'kube-system', 'weave-net')!;
      back['spec'] = saved;
      c.sim.put(back);
    });
  });

  describe('on Kubernetes 1.7.5 with Weave Net 2.0.5, then 2.1.3 (the release decides, not the Kubernetes version)', () => {
    let c: Cluster;
    beforeAll(async () => {
      c = await cluster('1.7.5', ['--weave-version', '2.0.5']);
    });
    afterAll(async () => {
      await c?.sim.stop();
    });
    const setNpc = (version: string, args?: string[]) => {
      const ds = c.sim.get('extensions/v1beta1', 'DaemonSet', 'kube-system', 'weave-net')!;
      for (const x of ds['spec']['template']['spec']['containers'] as Obj[]) {
        x['image'] = String(x['image']).replace(/:[^:]+$/, `:${version}`);
        if (x['name'] === 'weave-npc') {
          if (args) x['args'] = args;
          else delete x['args'];
        }
      }
      c.sim.put(ds);
    };

    it.sequential('2.0.5 (v2.0.5 prog/weave-npc/main.go: extensions/v1beta1, legacy only): isolate writes the DefaultDeny annotation, explain agrees', async () => {
      let r = await c.cli(['policy', 'isolate', 'prod', '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ method: 'annotation', semantics: 'legacy', decidedBy: 'weaveworks 2.0.5' });
      expect(c.sim.get('v1', 'Namespace', undefined, 'prod')!['metadata']['annotations']).toEqual({ [ANNOTATION]: DEFAULT_DENY });
      expect(c.policy('default-deny-ingress')).toBeUndefined();
      r = await c.cli(['policy', 'explain', '--from', x2kq, '--to', `${d9f}:5201`]);
      expect(r.stdout.split('\n')[0]).toBe(`denied: pod ${x2kq} -> pod ${d9f} on 5201/TCP`);
      expect(r.stdout).toContain(`ingress to ${d9f}: isolated by namespace prod (DefaultDeny annotation)`);
      expect(r.stdout).toContain('legacy semantics, decided by the running release, weaveworks 2.0.5');
      // On the node (the simulator's weave-npc 2.0.5, from v2.0.5 npc/namespace.go): no DefaultAllow rule for the annotated prod.
      const npc = await c.cli(['npc', 'rules', '-o', 'json']);
      expect(npc.code, npc.stderr).toBe(0);
      const j = JSON.parse(npc.stdout);
      expect(j).toMatchObject({ release: 'weaveworks 2.0.5', semantics: 'legacy', commentFormat: 'plain' });
      const defaults = (j.chains.find((x: Obj) => x['name'] === 'WEAVE-NPC-DEFAULT').rules as Obj[]).map((x) => String(x['raw']));
      expect(defaults.some((x) => x.includes('namespace: default'))).toBe(true);
      expect(defaults.some((x) => x.includes('namespace: prod'))).toBe(false);
      // A default-deny NetworkPolicy (as written for v1 semantics) isolates nothing under 2.0.5: it only allows.
      r = await c.cli(['policy', 'isolate', 'prod', '--undo']);
      expect(r.code, r.stderr).toBe(0);
      c.sim.put({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny-ingress', namespace: 'prod' }, spec: { podSelector: {} } });
      r = await c.cli(['policy', 'explain', '--from', x2kq, '--to', `${d9f}:5201`]);
      expect(r.stdout.split('\n')[0]).toBe(`allowed: pod ${x2kq} -> pod ${d9f} on 5201/TCP`);
      c.sim.delete('networking.k8s.io/v1', 'NetworkPolicy', 'prod', 'default-deny-ingress');
    });

    it.sequential('2.1.3 without --use-legacy-netpol (v2.1.3 prog/weave-npc/main.go: networking.k8s.io/v1): a default-deny NetworkPolicy', async () => {
      setNpc('2.1.3');
      const r = await c.cli(['policy', 'isolate', 'prod', '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ method: 'policy', semantics: 'standard', decidedBy: 'weaveworks 2.1.3' });
      expect(c.policy('default-deny-ingress')!['spec']).toEqual({ podSelector: {} });
      const u = await c.cli(['policy', 'isolate', 'prod', '--undo']);
      expect(u.code, u.stderr).toBe(0);
      expect(c.policy('default-deny-ingress')).toBeUndefined();
    });

    it.sequential('2.1.3 with --use-legacy-netpol (v2.1.3 prog/weave-npc/main.go: extensions/v1beta1, legacy): the annotation', async () => {
      setNpc('2.1.3', ['--use-legacy-netpol']);
      let r = await c.cli(['policy', 'isolate', 'prod', '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ method: 'annotation', semantics: 'legacy', decidedBy: 'weaveworks 2.1.3' });
      expect(JSON.parse(r.stdout).semanticsReason).toMatch(/^weave-npc 2\.1\.3 runs with --use-legacy-netpol/);
      expect(c.sim.get('v1', 'Namespace', undefined, 'prod')!['metadata']['annotations']).toEqual({ [ANNOTATION]: DEFAULT_DENY });
      r = await c.cli(['policy', 'explain', '--from', x2kq, '--to', `${d9f}:5201`, '-o', 'json']);
      expect(JSON.parse(r.stdout)).toMatchObject({ allowed: false, enforced: true, semantics: 'legacy', decidedBy: 'weaveworks 2.1.3' });
    });

    it.sequential('--weave-version with --dry-run=client decides without a cluster; without --dry-run=client it is refused', async () => {
      let r = await runCli(['policy', 'isolate', 'prod', '--k8s-version', '1.7.5', '--weave-version', '2.0.5', '--dry-run=client', '-o', 'yaml']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n  annotations:\n    ${ANNOTATION}: '${DEFAULT_DENY}'\n`);
      r = await runCli(['policy', 'isolate', 'prod', '--k8s-version', '1.7.5', '--weave-version', '2.7.0', '--dry-run=client']);
      expect(r.stdout).toBe('networkpolicy.networking.k8s.io/default-deny-ingress created (dry run)\n');
      expectRefused(await runCli(['policy', 'isolate', 'prod', '--k8s-version', '1.6', '--weave-version', '2.7.0', '--dry-run=client']), 1, /weave-npc 2\.7\.0 watches only networking\.k8s\.io\/v1/);
      expectRefused(await c.cli(['policy', 'isolate', 'prod', '--weave-version', '2.0.5']), 2, /--weave-version goes with --dry-run=client/);
      expectRefused(await runCli(['policy', 'isolate', 'prod', '--weave-version', '3.1.0', '--dry-run=client']), 2, /reweave 3\.1\.0 is not a rajch\/weave release weavectl knows \(2\.8\.2-2\.9\.0\)/);
    });
  });
});

describe('the pure parts the commands add', () => {
  const usage = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(WeavectlError);
      expect((e as WeavectlError).exitCode).toBe(2);
      return (e as Error).message;
    }
    throw new Error('expected a usage error');
  };

  it('parseEndpoint reads NS/POD, POD, addresses and ports', () => {
    expect(parseEndpoint('prod/iperf-prod-1', '--from', false)).toEqual({ endpoint: { kind: 'pod', namespace: 'prod', name: 'iperf-prod-1' } });
    expect(parseEndpoint('iperf-prod-1:5201', '--to', true)).toEqual({ endpoint: { kind: 'pod', name: 'iperf-prod-1' }, port: { port: 5201, protocol: 'TCP' } });
    expect(parseEndpoint('prod/web:http/TCP', '--to', true)).toEqual({ endpoint: { kind: 'pod', namespace: 'prod', name: 'web' }, port: { port: 'http', protocol: 'TCP' } });
    expect(parseEndpoint('10.32.0.5:53/udp', '--to', true)).toEqual({ endpoint: { kind: 'ip', ip: '10.32.0.5' }, port: { port: 53, protocol: 'UDP' } });
    expect(parseEndpoint('fd00::5', '--from', false)).toEqual({ endpoint: { kind: 'ip', ip: 'fd00::5' } });
    expect(parseEndpoint('[fd00::5]:443', '--to', true)).toEqual({ endpoint: { kind: 'ip', ip: 'fd00::5' }, port: { port: 443, protocol: 'TCP' } });
    expect(usage(() => parseEndpoint('10.0.0.300', '--from', false))).toBe('--from "10.0.0.300": "10.0.0.300" is not an IP address');
    expect(usage(() => parseEndpoint('prod/a/b', '--from', false))).toMatch(/expected NAMESPACE\/POD/);
    expect(usage(() => parseEndpoint('prod/web:80', '--from', false))).toMatch(/a port goes on --to/);
    expect(usage(() => parseEndpoint('Prod/web', '--from', false))).toMatch(/invalid namespace "Prod"/);
  });

  it('reads --use-legacy-netpol from the DaemonSet, and tells a default deny from other policies', () => {
    expect(hasLegacyNetpolFlag({ args: ['--use-legacy-netpol'] })).toBe(true);
    expect(hasLegacyNetpolFlag({ args: ['--use-legacy-netpol=false'] })).toBe(false);
    expect(hasLegacyNetpolFlag({ command: ['/usr/bin/weave-npc', '--use-legacy-netpol=true'] })).toBe(true);
    expect(hasLegacyNetpolFlag({ args: ['--log-level=info'] })).toBe(false);
    const ds = { metadata: { name: 'weave-net' }, spec: { template: { spec: { containers: [{ name: 'weave', image: 'weaveworks/weave-kube:2.6.0' }] } } } };
    expect(weaveNpcInfoOf(ds)).toEqual({ daemonSet: 'kube-system/weave-net', npc: 'disabled', legacyFlag: false, weaveVersion: '2.6.0', repo: 'weaveworks' });
    const np = (spec: Obj) => ({ metadata: { name: 'x', namespace: 'prod' }, spec }) as never;
    expect(isDefaultDeny(np({ podSelector: {} }), 'ingress')).toBe(true);
    expect(isDefaultDeny(np({ podSelector: {} }), 'egress')).toBe(false);
    expect(isDefaultDeny(np({ podSelector: {}, policyTypes: ['Egress'] }), 'egress')).toBe(true);
    expect(isDefaultDeny(np({ podSelector: {}, ingress: [{}] }), 'ingress')).toBe(false);
    expect(isDefaultDeny(np({ podSelector: { matchLabels: { a: 'b' } } }), 'ingress')).toBe(false);
    expect(annotationApplyBody('prod', false, true)).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod', annotations: { [ANNOTATION]: null } } });
    expect(annotationApplyBody('prod', false, false)).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } });
  });
});

describe('the policy commands follow Weave Net wherever it runs (the guard\'s finder, not a fixed kube-system)', () => {
  it('Weave Net 2.0.5 installed with -n weave on 1.7.5: isolate takes 2.0.5\'s legacy semantics from that DaemonSet', async () => {
    const sim = await startSimulator({ k8sVersion: '1.7.5', nodes: 2, stepDelayMs: 2 });
    try {
      const cli = (args: string[]) => runCli(['--kubeconfig', sim.kubeconfigPath, ...args], { timeoutMs: 60_000 });
      sim.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'weave' } });
      sim.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } });
      const inst = await cli(['install', '--weave-version', '2.0.5', '--wait=false', '--skip-checks']);
      expect(inst.code, inst.stderr).toBe(0);
      // Weave Net's manifests name kube-system: move the DaemonSet to another namespace, as a hand-edited install would have it.
      const ds = sim.get('extensions/v1beta1', 'DaemonSet', 'kube-system', 'weave-net')!;
      sim.delete('extensions/v1beta1', 'DaemonSet', 'kube-system', 'weave-net');
      const { name, labels, annotations } = ds['metadata'];
      sim.put({ apiVersion: 'extensions/v1beta1', kind: 'DaemonSet', metadata: { name, namespace: 'weave', labels, annotations }, spec: ds['spec'] });
      await sim.waitFor(() => !sim.get('extensions/v1beta1', 'DaemonSet', 'kube-system', 'weave-net'));
      const r = await cli(['policy', 'isolate', 'prod', '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      // Read from kube-system alone, no Weave Net would be found and Kubernetes 1.7 would decide: a v1 NetworkPolicy that weave-npc 2.0.5 ignores.
      expect(JSON.parse(r.stdout)).toMatchObject({ method: 'annotation', semantics: 'legacy', decidedBy: 'weaveworks 2.0.5' });
      expect(sim.get('v1', 'Namespace', undefined, 'prod')!['metadata']['annotations']).toEqual({ [ANNOTATION]: DEFAULT_DENY });
    } finally {
      await sim.stop();
    }
  });
});
