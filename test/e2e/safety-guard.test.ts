/**
 * Issue 10, points 1-3, through the built CLI against the simulator: the guard looks at the objects
 * about to be applied and at every Weave Net in the cluster (any namespace), whatever flag or source
 * produced them; writes carry a resourceVersion precondition, so concurrent installs and upgrades never
 * overwrite each other silently. Every refusal leaves the cluster as it was.
 */
import dc from 'node:diagnostics_channel';
import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Simulator } from '../sim/index.js';
import { sim, snapshot, weavectl } from './harness.js';

type Obj = Record<string, any>;
const weave = (ds: Obj) => (ds.spec.template.spec.containers as Obj[]).find((c) => c.name === 'weave')!;
const env = (ds: Obj, name: string) => (weave(ds).env as Obj[] | undefined)?.find((e) => e.name === name);
const ds = (s: Simulator, apiVersion = 'apps/v1', ns = 'kube-system') => s.get(apiVersion, 'DaemonSet', ns, 'weave-net')!;
/** The DaemonSet's generation: what a write of its spec moves (its resourceVersion also moves with every status update of the controller). */
const gen = (s: Simulator, apiVersion = 'apps/v1', ns = 'kube-system') => ds(s, apiVersion, ns).metadata.generation as number;
const oneErrorLine = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error: '));

/** A namespace, once its controller has given it its default ServiceAccount (so that snapshots stay still). */
async function namespace(s: Simulator, name: string): Promise<void> {
  s.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  await s.waitFor(() => s.get('v1', 'ServiceAccount', name, 'default'), { timeoutMs: 5000, message: `no default ServiceAccount in ${name}` });
}

async function running(opts: { k8sVersion?: string; args?: string[] } = {}): Promise<Simulator> {
  const s = await sim({ k8sVersion: opts.k8sVersion ?? '1.29.2', nodes: 2 });
  const r = await weavectl(s, ['install', '--ipalloc', '172.25.64.0/18', '--wait=false', ...(opts.args ?? [])]);
  expect(r.code, r.stderr).toBe(0);
  return s;
}

describe('the guard over the change (issue 10 points 1 and 2)', () => {
  it('install -n foo while Weave Net runs in kube-system refuses and names kube-system; the range stays', async () => {
    const s = await running();
    await namespace(s, 'foo');
    const before = snapshot(s);
    const dsGen = gen(s);
    const r = await weavectl(s, ['install', '-n', 'foo', '--yes']);
    expect(r.code, r.stderr).toBe(1);
    expect(oneErrorLine(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/error: Weave Net runs in namespace kube-system .*not in foo/);
    expect(r.stderr).toMatch(/hint: run the command without -n/);
    expect(r.stdout + r.stderr).not.toMatch(/configured|created/);
    expect(snapshot(s)).toBe(before);
    expect(gen(s)).toBe(dsGen);
    expect(env(ds(s), 'IPALLOC_RANGE')).toEqual({ name: 'IPALLOC_RANGE', value: '172.25.64.0/18' });

    // check and check --pre with -n foo say where it runs, instead of "not installed"
    const check = await weavectl(s, ['check', '-n', 'foo']);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/no DaemonSet foo\/weave-net; Weave Net runs as DaemonSet kube-system\/weave-net/);
    expect(check.stdout).toMatch(/hint: run the check with -n kube-system/);
    const pre = await weavectl(s, ['check', '--pre', '-n', 'foo']);
    expect(pre.code).toBe(1);
    expect(pre.stdout).toMatch(/Weave Net is not installed in foo but runs as DaemonSet kube-system\/weave-net: install would refuse to add a second one/);
  });

  it('a second Weave Net in another namespace is found and refused (no override)', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    await namespace(s, 'net');
    s.put({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'weave-net', namespace: 'net', labels: { name: 'weave-net' } },
      spec: {
        selector: { matchLabels: { name: 'weave-net' } },
        template: { metadata: { labels: { name: 'weave-net' } }, spec: { containers: [{ name: 'weave', image: 'weaveworks/weave-kube:2.8.1', env: [{ name: 'IPALLOC_RANGE', value: '10.40.0.0/16' }] }] } },
      },
    });
    const before = snapshot(s);
    const r = await weavectl(s, ['install', '--yes']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/error: Weave Net already runs as DaemonSet net\/weave-net; these objects would add a second one as kube-system\/weave-net/);
    expect(snapshot(s)).toBe(before);
    expect(s.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')).toBeUndefined();
  });

  it('--env IPALLOC_RANGE= on a running Weave Net is a range change: refused without --allow-range-change', async () => {
    const s = await running();
    const before = snapshot(s);
    const r = await weavectl(s, ['install', '--env', 'IPALLOC_RANGE=10.40.0.0/16', '--yes']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/error: refusing to change the pod range of the running Weave Net from 172\.25\.64\.0\/18 to 10\.40\.0\.0\/16/);
    expect(r.stderr).toMatch(/--allow-range-change/);
    expect(snapshot(s)).toBe(before);
    // --diff shows the change, then says it would be refused
    const diff = await weavectl(s, ['install', '--env', 'IPALLOC_RANGE=10.40.0.0/16', '--diff']);
    expect(diff.code, diff.stderr).toBe(1);
    expect(diff.stdout).toMatch(/env\[IPALLOC_RANGE\]: "172\.25\.64\.0\/18" -> "10\.40\.0\.0\/16"/);
    expect(diff.stderr).toMatch(/error: refusing to change the pod range/);
    expect(snapshot(s)).toBe(before);
  });

  it('--env IPALLOC_RANGE=10.0.0.0/8 (holding the nodes) gets the pre-flight overlap checks, on a running and on a fresh cluster', async () => {
    const s = await running();
    const before = snapshot(s);
    const r = await weavectl(s, ['install', '--env', 'IPALLOC_RANGE=10.0.0.0/8', '--allow-range-change', '--yes']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/pod range 10\.0\.0\.0\/8 .*holds|node/);
    expect(r.stderr).toMatch(/error: pre-flight check/);
    expect(snapshot(s)).toBe(before);

    const fresh = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    const empty = snapshot(fresh);
    const f = await weavectl(fresh, ['install', '--env', 'IPALLOC_RANGE=10.0.0.0/8']);
    expect(f.code, f.stderr).toBe(1);
    expect(f.stderr).toMatch(/error: pre-flight check/);
    expect(snapshot(fresh)).toBe(empty);
  });

  it('a password dropped or switched needs --allow-password-change', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    for (const name of ['weave-passwd', 'other-passwd']) {
      s.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'kube-system' }, data: { [name]: Buffer.from('s3cret').toString('base64') } });
    }
    const first = await weavectl(s, ['install', '--password-secret', 'weave-passwd', '--wait=false']);
    expect(first.code, first.stderr).toBe(0);
    const before = snapshot(s);
    for (const args of [['--no-password-secret'], ['--password-secret', 'other-passwd']]) {
      const r = await weavectl(s, ['install', ...args, '--yes']);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(/error: refusing: these objects change WEAVE_PASSWORD of the running Weave Net from Secret weave-passwd/);
      expect(r.stderr).toMatch(/--allow-password-change/);
      expect(snapshot(s)).toBe(before);
    }
    const allowed = await weavectl(s, ['install', '--no-password-secret', '--allow-password-change', '--yes', '--wait=false']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toMatch(/Warning: these objects change WEAVE_PASSWORD/);
    expect(env(ds(s), 'WEAVE_PASSWORD')).toBeUndefined();
  });

  it('weave-npc turned off or on needs --allow-npc-change', async () => {
    const s = await running();
    const before = snapshot(s);
    const r = await weavectl(s, ['install', '--disable-npc', '--yes']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/error: refusing: these objects turn weave-npc off/);
    expect(r.stderr).toMatch(/--allow-npc-change/);
    expect(snapshot(s)).toBe(before);
    const off = await weavectl(s, ['install', '--disable-npc', '--allow-npc-change', '--yes', '--wait=false']);
    expect(off.code, off.stderr).toBe(0);
    expect((ds(s).spec.template.spec.containers as Obj[]).map((c) => c.name)).toEqual(['weave']);
    const on = await weavectl(s, ['install', '--disable-npc=false', '--yes']);
    expect(on.code, on.stderr).toBe(1);
    expect(on.stderr).toMatch(/error: refusing: these objects turn weave-npc on/);
  });

  it('a release downgrade needs --allow-downgrade', async () => {
    const s = await sim({ k8sVersion: '1.7.5', nodes: 2 });
    const first = await weavectl(s, ['install', '--wait=false']);
    expect(first.code, first.stderr).toBe(0);
    const before = snapshot(s);
    const r = await weavectl(s, ['install', '--weave-version', '2.0.5', '--yes']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/error: refusing: these objects downgrade Weave Net from 2\.7\.0 to 2\.0\.5/);
    expect(r.stderr).toMatch(/--allow-downgrade/);
    expect(snapshot(s)).toBe(before);
    const allowed = await weavectl(s, ['install', '--weave-version', '2.0.5', '--allow-downgrade', '--yes', '--wait=false']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(weave(ds(s, 'extensions/v1beta1')).image).toBe('weaveworks/weave-kube:2.0.5');
  });
});

/** Runs `fn` on the first request matching method and path, before the server handles it. */
function onFirstRequest(s: Simulator, method: string, path: RegExp, fn: () => void): () => void {
  const port = Number(new URL(s.url).port);
  let done = false;
  const listener = (msg: unknown) => {
    const req = (msg as { request: http.IncomingMessage }).request;
    if (done || req.socket?.localPort !== port || req.method !== method || !path.test(new URL(req.url ?? '/', s.url).pathname)) return;
    done = true;
    fn();
  };
  dc.subscribe('http.server.request.start', listener);
  return () => dc.unsubscribe('http.server.request.start', listener);
}

describe('optimistic concurrency (issue 10 point 3)', () => {
  it.each([
    ['1.29.2', 'apps/v1', 'server-side apply'],
    ['1.7.5', 'extensions/v1beta1', 'create, else merge patch: no server-side apply before 1.16'],
  ])('on %s: two fresh installs at once with different ranges: exactly one succeeds; the other exits 1 with one line (%s, %s)', async (version, apiVersion) => {
    const s = await sim({ k8sVersion: version, nodes: 2 });
    const [a, b] = await Promise.all([
      weavectl(s, ['install', '--ipalloc', '172.25.64.0/18', '--wait=false']),
      weavectl(s, ['install', '--ipalloc', '10.40.0.0/16', '--wait=false']),
    ]);
    expect([a.code, b.code].sort(), `${a.stderr}\n---\n${b.stderr}`).toEqual([0, 1]);
    const [won, lost] = a.code === 0 ? [a, b] : [b, a];
    expect(oneErrorLine(lost.stderr)).toHaveLength(1);
    const range = env(ds(s, apiVersion), 'IPALLOC_RANGE')!.value;
    // result lines are on stdout (README "Output")
    expect(won.stdout).toMatch(/daemonset\.(apps|extensions)\/weave-net created/);
    expect(lost.stdout + lost.stderr).not.toMatch(/daemonset\.(apps|extensions)\/weave-net (created|configured)/);
    expect(range).toBe(won === a ? '172.25.64.0/18' : '10.40.0.0/16');
  });

  it.each([
    ['1.29.2', 'apps/v1', 'PATCH', /\/daemonsets\/weave-net$/],
    ['1.7.5', 'extensions/v1beta1', 'POST', /\/namespaces\/kube-system\/daemonsets$/],
  ])('on %s: a fresh install whose DaemonSet another install creates between its read and its write fails cleanly', async (version, apiVersion, method, path) => {
    const s = await sim({ k8sVersion: version, nodes: 2 });
    let otherGen = 0;
    const off = onFirstRequest(s, method, path, () => {
      // another installer, faster: its DaemonSet lands just before ours
      s.put({
        apiVersion,
        kind: 'DaemonSet',
        metadata: { name: 'weave-net', namespace: 'kube-system', labels: { name: 'weave-net' } },
        spec: {
          selector: { matchLabels: { name: 'weave-net' } },
          template: { metadata: { labels: { name: 'weave-net' } }, spec: { containers: [{ name: 'weave', image: 'weaveworks/weave-kube:2.8.1', env: [{ name: 'IPALLOC_RANGE', value: '10.40.0.0/16' }] }] } },
        },
      });
      otherGen = gen(s, apiVersion);
    });
    try {
      const r = await weavectl(s, ['install', '--ipalloc', '172.25.64.0/18', '--wait=false']);
      expect(r.code, r.stderr).toBe(1);
      expect(oneErrorLine(r.stderr)).toEqual([expect.stringMatching(/^error: .*(changed by someone else|another install created)/)]);
      expect(r.stderr).toMatch(/hint: run the command again/);
    } finally {
      off();
    }
    expect(gen(s, apiVersion)).toBe(otherGen);
    expect(env(ds(s, apiVersion), 'IPALLOC_RANGE')!.value).toBe('10.40.0.0/16');
  });

  it.each([
    ['1.29.2', 'apps/v1'],
    ['1.7.5', 'extensions/v1beta1'],
  ])('on %s: an upgrade refuses when the DaemonSet changed between its read and its write (--mtu 1400 vs 1500): nothing lost', async (version, apiVersion) => {
    const s = await running({ k8sVersion: version });
    let otherGen = 0;
    const off = onFirstRequest(s, 'PATCH', /\/daemonsets\/weave-net$/, () => {
      const edited = structuredClone(ds(s, apiVersion));
      weave(edited).env = [...(weave(edited).env as Obj[]).filter((e) => e.name !== 'WEAVE_MTU'), { name: 'WEAVE_MTU', value: '1500' }];
      s.put(edited);
      otherGen = gen(s, apiVersion);
    });
    try {
      const r = await weavectl(s, ['install', '--mtu', '1400', '--yes', '--wait=false']);
      expect(r.code, r.stderr).toBe(1);
      expect(oneErrorLine(r.stderr)).toEqual([expect.stringMatching(/^error: DaemonSet kube-system\/weave-net was changed by someone else after weavectl read it/)]);
    } finally {
      off();
    }
    expect(gen(s, apiVersion)).toBe(otherGen);
    expect(env(ds(s, apiVersion), 'WEAVE_MTU')).toEqual({ name: 'WEAVE_MTU', value: '1500' });
  });

  it('two upgrades at once (--mtu 1400 / --mtu 1500): each that succeeds saw the other, none is lost silently', async () => {
    const s = await running();
    const [a, b] = await Promise.all([weavectl(s, ['install', '--mtu', '1400', '--yes', '--wait=false']), weavectl(s, ['install', '--mtu', '1500', '--yes', '--wait=false'])]);
    expect([a.code, b.code]).not.toContain(null);
    const final = env(ds(s), 'WEAVE_MTU')!.value as string;
    const runs = [
      { r: a, mtu: '1400' },
      { r: b, mtu: '1500' },
    ];
    const ok = runs.filter((x) => x.r.code === 0);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(ok.map((x) => x.mtu)).toContain(final);
    for (const x of runs.filter((y) => y.r.code !== 0)) {
      expect(x.r.code).toBe(1);
      expect(oneErrorLine(x.r.stderr)).toHaveLength(1);
      expect(x.r.stderr).toMatch(/changed by someone else|another install/);
    }
    if (ok.length === 2) {
      // serialised: the later one read the earlier one's MTU and said it changes it
      const later = ok.find((x) => x.mtu === final)!;
      const earlier = ok.find((x) => x.mtu !== final)!;
      expect(later.r.stderr).toMatch(new RegExp(`changed\\s+WEAVE_MTU: ${earlier.mtu} -> ${later.mtu}`));
    }
  });
});

describe('finding Weave Net with fewer permissions', () => {
  it('a user who may not list DaemonSets or Services in every namespace: install and scope look where they can, say so, and still guard', async () => {
    const s = await running();
    s.faults.forbid({ verb: 'list', group: 'apps', resource: 'daemonsets' });
    s.faults.forbid({ verb: 'list', resource: 'services' });
    const before = snapshot(s);
    const r = await weavectl(s, ['install', '--ipalloc', '10.40.0.0/16', '--yes', '--skip-checks']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/Warning: may not list DaemonSets in every namespace: looked for a running Weave Net in kube-system only/);
    expect(r.stderr).toMatch(/error: refusing to change the pod range of the running Weave Net from 172\.25\.64\.0\/18 to 10\.40\.0\.0\/16/);
    expect(snapshot(s)).toBe(before);
    const scope = await weavectl(s, ['scope', '--wait=false', '--diff']);
    expect(scope.code, scope.stderr).toBe(1); // --diff: 1 when something would change (kubectl diff)
    expect(scope.stderr).toMatch(/Warning: may not list Services in every namespace: looked for a running Weave Scope in weave and kube-system only/);
  });
});
