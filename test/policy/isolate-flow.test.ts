/**
 * The isolate algorithm (src/policy/isolate.ts) on the in-memory cluster: the policies it writes, what
 * a re-run and --undo do, the legacy annotation where the running weave-npc release decides so, and
 * the refusals (nothing written).
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.js';
import { isolateOnCluster, type IsolateOptions } from '../../src/policy/isolate.js';
import { weaveNetDaemonSet } from '../fakes/builders.js';
import { MemoryCluster } from '../fakes/memory-cluster.js';
import { memoryReporter } from '../fakes/reporter.js';

function cluster(k8sVersion: string, weave: KubeObject | undefined): MemoryCluster {
  const c = new MemoryCluster({ k8sVersion });
  c.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } });
  if (weave) c.put(weave);
  return c;
}

async function isolate(c: MemoryCluster, f: IsolateOptions = {}, namespace = 'prod') {
  const { reporter, stdout, stderr } = memoryReporter();
  const outcome = await isolateOnCluster(c, namespace, f, undefined, { dryRun: 'none' }, reporter);
  return { ...outcome, stdout: stdout(), stderr: stderr() };
}

async function refusal(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e as Error,
  );
}

const policies = (c: MemoryCluster) => c.all('networking.k8s.io/v1', 'NetworkPolicy').map((p) => `${p.metadata.namespace}/${p.metadata.name}`);

describe('policy isolate on Kubernetes 1.29 with Weave Net 2.8.1', () => {
  it('writes default-deny-ingress (every pod, no rule), and a re-run changes nothing', async () => {
    const c = cluster('1.29.2', weaveNetDaemonSet({ version: '2.8.1' }));
    const r = await isolate(c);
    expect(r.result).toMatchObject({ namespace: 'prod', method: 'policy', semantics: 'standard', decidedBy: 'weaveworks 2.8.1', changes: [{ direction: 'ingress', object: 'networkpolicy.networking.k8s.io/default-deny-ingress', action: 'created' }] });
    const p = c.peek('networking.k8s.io/v1', 'NetworkPolicy', 'prod', 'default-deny-ingress')!;
    expect(p.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    expect(r.stdout).toContain('networkpolicy.networking.k8s.io/default-deny-ingress created: namespace prod is isolated for ingress');
    const before = c.snapshot();
    const again = await isolate(c);
    expect(again.result.changes).toEqual([]);
    expect(again.result.unchanged).toEqual([{ direction: 'ingress', reason: 'already isolated for ingress by prod/default-deny-ingress' }]);
    expect(c.snapshot()).toEqual(before);
  });

  it('--egress adds default-deny-egress; --undo --egress removes both and only those', async () => {
    const c = cluster('1.29.2', weaveNetDaemonSet({ version: '2.8.1' }));
    c.put({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-web', namespace: 'prod' }, spec: { podSelector: { matchLabels: { app: 'web' } }, ingress: [{}] } });
    await isolate(c, { egress: true });
    expect(policies(c)).toEqual(['prod/allow-web', 'prod/default-deny-egress', 'prod/default-deny-ingress']);
    expect(c.peek('networking.k8s.io/v1', 'NetworkPolicy', 'prod', 'default-deny-egress')!.spec).toEqual({ podSelector: {}, policyTypes: ['Egress'] });
    const undo = await isolate(c, { undo: true, egress: true });
    expect(undo.result.changes.map((x) => `${x.direction} ${x.action}`)).toEqual(['ingress deleted', 'egress deleted']);
    expect(policies(c)).toEqual(['prod/allow-web']);
  });

  it('refuses to replace or delete a policy of its name that is not a default deny, writing nothing', async () => {
    const c = cluster('1.29.2', weaveNetDaemonSet({ version: '2.8.1' }));
    c.put({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny-ingress', namespace: 'prod' }, spec: { podSelector: {}, ingress: [{}] } });
    const before = c.snapshot();
    expect((await refusal(isolate(c))).message).toBe('networkpolicy prod/default-deny-ingress exists and is not a default deny for ingress: nothing was changed');
    expect((await refusal(isolate(c, { undo: true }))).message).toMatch(/^networkpolicy prod\/default-deny-ingress is not a default deny for ingress, so weavectl policy isolate did not write it: nothing was deleted$/);
    expect(c.snapshot()).toEqual(before);
  });

  it('a namespace that does not exist fails before anything is written', async () => {
    const c = cluster('1.29.2', weaveNetDaemonSet({ version: '2.8.1' }));
    const before = c.snapshot();
    expect((await refusal(isolate(c, {}, 'nowhere'))).message).toBe('namespace "nowhere" not found');
    expect(c.snapshot()).toEqual(before);
  });
});

describe('policy isolate where weave-npc enforces the pre-1.7 semantics', () => {
  it('Weave Net 2.0.5 on Kubernetes 1.7.5: the DefaultDeny annotation, and only it; --undo removes it', async () => {
    const c = cluster('1.7.5', weaveNetDaemonSet({ version: '2.0.5', apiVersion: 'extensions/v1beta1' }));
    c.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod', labels: { team: 'a' }, annotations: { owner: 'ops' } } });
    const r = await isolate(c);
    expect(r.result).toMatchObject({ method: 'annotation', semantics: 'legacy', decidedBy: 'weaveworks 2.0.5' });
    const ns = c.peek('v1', 'Namespace', undefined, 'prod')!;
    expect(ns.metadata.annotations).toEqual({ owner: 'ops', 'net.beta.kubernetes.io/network-policy': '{"ingress":{"isolation":"DefaultDeny"}}' });
    expect(ns.metadata.labels).toEqual({ team: 'a' });
    expect(policies(c)).toEqual([]);
    await isolate(c, { undo: true });
    expect(c.peek('v1', 'Namespace', undefined, 'prod')!.metadata.annotations).toEqual({ owner: 'ops' });
  });

  it('--egress under legacy semantics is a usage error, nothing written', async () => {
    const c = cluster('1.7.5', weaveNetDaemonSet({ version: '2.0.5', apiVersion: 'extensions/v1beta1' }));
    const before = c.snapshot();
    expect((await refusal(isolate(c, { egress: true }))).message).toMatch(/legacy semantics have no egress isolation$/);
    expect(c.snapshot()).toEqual(before);
  });

  it('Weave Net 2.8.1 on Kubernetes 1.6 (no networking.k8s.io/v1 to watch) is refused: nothing would be enforced', async () => {
    const c = cluster('1.6.13', weaveNetDaemonSet({ version: '2.8.1', apiVersion: 'extensions/v1beta1' }));
    const before = c.snapshot();
    expect((await refusal(isolate(c))).message).toMatch(/^isolating namespace prod would not be enforced: weave-npc 2\.8\.1 watches only networking\.k8s\.io\/v1 NetworkPolicies/);
    expect(c.snapshot()).toEqual(before);
  });
});
