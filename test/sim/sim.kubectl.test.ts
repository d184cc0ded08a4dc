/**
 * Proof with the real kubectl (v1.35.2): what kubectl does against the simulator must work the way
 * it works against a real API server. Where kubectl and the simulator disagree, the simulator is
 * wrong.
 *
 * kubectl is fetched once into a cache outside the repository (scripts/fetch-kubectl.mjs). Without
 * it these tests skip, except under CI=true, where they fail.
 */
import dc from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { afterEach, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { UPSTREAM_DIR } from '../fixtures/upstream.js';
import { startSimulator, type Simulator } from './index.js';
import { ensureKubectl, kubectlSession, kubectlUnavailableReason, type KubectlSession } from './kubectl.js';
import { peerName, weaveState } from './src/weave-node.js';

const REFERENCE = UPSTREAM_DIR;
const NET_270_K17 = `${REFERENCE}net-2.7.0-k8s-1.7.yaml`;
const NET_281_K111 = `${REFERENCE}net-2.8.1-k8s-1.11.yaml`;

let kubectl: string | undefined;
beforeAll(async () => {
  kubectl = await ensureKubectl();
}, 600_000);

const open: { sim: Simulator; k: KubectlSession }[] = [];
afterEach(async () => {
  for (const { sim, k } of open.splice(0)) {
    k.close();
    await sim.stop();
  }
});

async function cluster(ctx: TestContext, k8sVersion: string, nodes: number): Promise<{ sim: Simulator; k: KubectlSession }> {
  if (!kubectl) ctx.skip(kubectlUnavailableReason);
  const sim = await startSimulator({ k8sVersion, nodes, nodeNames: Array.from({ length: nodes }, (_, i) => `node-${i + 1}`) });
  const k = kubectlSession(kubectl!, sim.kubeconfigPath);
  open.push({ sim, k });
  return { sim, k };
}

const T = ['--request-timeout=10s'];

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

describe('kubectl 1.35 against the simulator', () => {
  it('applies Weave Net 2.7.0 (k8s 1.7 flavour) to a 1.7.5 cluster: server-side refused (415) as 1.7 does, client-side works', async (ctx) => {
    const { sim, k } = await cluster(ctx, '1.7.5', 2);
    const objects = ['serviceaccount/weave-net', 'clusterrole.rbac.authorization.k8s.io/weave-net', 'clusterrolebinding.rbac.authorization.k8s.io/weave-net', 'role.rbac.authorization.k8s.io/weave-net', 'rolebinding.rbac.authorization.k8s.io/weave-net', 'daemonset.extensions/weave-net'];
    // Server-side apply came with Kubernetes 1.14 (alpha) / 1.16: a 1.7 server answers 415 to application/apply-patch+yaml.
    const ssa = await k.run(['apply', '--server-side', '-f', NET_270_K17, ...T]);
    expect(ssa.code).toBe(1);
    expect(ssa.stdout).toBe('');
    const why =
      'Server-side apply not available on the server: (the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json)';
    expect(lines(ssa.stderr)).toEqual(objects.map(() => why));
    expect(sim.get('extensions/v1beta1', 'DaemonSet', 'kube-system', 'weave-net')).toBeUndefined();

    const r = await k.run(['apply', '-f', NET_270_K17, ...T]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual(objects.map((o) => `${o} created`));
    const again = await k.run(['apply', '-f', NET_270_K17, ...T]);
    expect(lines(again.stdout)).toEqual(objects.map((o) => `${o} unchanged`));
    const ds = await k.run(['get', 'ds', 'weave-net', '-n', 'kube-system', '-o', 'json', ...T]);
    expect(ds.code).toBe(0);
    const obj = JSON.parse(ds.stdout);
    expect(obj).toMatchObject({ apiVersion: 'extensions/v1beta1', kind: 'DaemonSet', metadata: { name: 'weave-net', namespace: 'kube-system' } });
    // the upstream repo file uses :latest images
    expect(obj.spec.template.spec.containers.map((c: { image: string }) => c.image)).toEqual(['weaveworks/weave-kube:latest', 'weaveworks/weave-npc:latest']);
    expect(sim.get('extensions/v1beta1', 'DaemonSet', 'kube-system', 'weave-net')).toMatchObject({ metadata: { name: 'weave-net', namespace: 'kube-system' } });
  });

  it('applies Weave Net 2.8.1 (1.11 flavour) to 1.29, reads it back, annotates, and waits for the rollout', async (ctx) => {
    const { sim, k } = await cluster(ctx, '1.29.2', 4);
    const apply = await k.run(['apply', '--server-side', '-f', NET_281_K111, ...T]);
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect(lines(apply.stdout).at(-1)).toBe('daemonset.apps/weave-net serverside-applied');

    const rollout = await k.run(['rollout', 'status', 'ds/weave-net', '-n', 'kube-system', '--timeout=60s'], { timeoutMs: 70_000 });
    expect(rollout.code).toBe(0);
    const out = lines(rollout.stdout);
    expect(out.at(-1)).toBe('daemon set "weave-net" successfully rolled out');
    for (const l of out.slice(0, -1)) {
      expect(l).toMatch(/^Waiting for daemon set "weave-net" rollout to finish: (\d+ out of 4 new pods have been updated|\d+ of 4 updated pods are available)\.\.\.$/);
    }

    const ds = JSON.parse((await k.run(['get', 'ds', 'weave-net', '-n', 'kube-system', '-o', 'json', '--show-managed-fields', ...T])).stdout);
    expect(ds.apiVersion).toBe('apps/v1');
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 4, updatedNumberScheduled: 4, numberAvailable: 4, numberReady: 4 });
    expect(ds.metadata.managedFields.map((m: { manager: string; operation: string }) => `${m.manager}/${m.operation}`)).toContain('kubectl/Apply');

    const ann = await k.run(['annotate', 'ns', 'default', 'x=y', ...T]);
    expect(ann).toMatchObject({ code: 0, stdout: 'namespace/default annotated\n' });
    expect(sim.get('v1', 'Namespace', undefined, 'default')!['metadata']['annotations']).toMatchObject({ x: 'y' });

    // An update: the RollingUpdate replaces the pods one node at a time, and kubectl reports each step.
    const set = await k.run(['-n', 'kube-system', 'set', 'image', 'ds/weave-net', 'weave=weaveworks/weave-kube:2.8.2', 'weave-npc=weaveworks/weave-npc:2.8.2', ...T]);
    expect(set).toMatchObject({ code: 0, stdout: 'daemonset.apps/weave-net image updated\n' });
    const update = await k.run(['rollout', 'status', 'ds/weave-net', '-n', 'kube-system', '--timeout=60s'], { timeoutMs: 70_000 });
    expect(update.code).toBe(0);
    const steps = lines(update.stdout);
    expect(steps.at(-1)).toBe('daemon set "weave-net" successfully rolled out');
    const updated = steps.map((l) => /(\d+) out of 4 new pods have been updated/.exec(l)?.[1]).filter((n): n is string => n !== undefined).map(Number);
    expect(updated.length).toBeGreaterThan(0);
    expect(updated).toEqual([...updated].sort((a, b) => a - b));
    expect(Math.max(...updated)).toBeLessThan(4);
    for (const l of steps.slice(0, -1)) {
      expect(l).toMatch(/^Waiting for daemon set "weave-net" rollout to finish: (\d out of 4 new pods have been updated|\d of 4 updated pods are available)\.\.\.$/);
    }
  }, 90_000);

  it('times out a rollout that never becomes ready', async (ctx) => {
    const { sim, k } = await cluster(ctx, '1.29.2', 2);
    sim.faults.neverReady({ daemonSet: 'weave-net' });
    expect((await k.run(['apply', '--server-side', '-f', NET_281_K111, ...T])).code).toBe(0);
    const r = await k.run(['rollout', 'status', 'ds/weave-net', '-n', 'kube-system', '--timeout=2s'], { timeoutMs: 20_000 });
    expect(r.code).toBe(1);
    expect(lines(r.stdout).every((l) => /^Waiting for daemon set "weave-net" rollout to finish: /.test(l))).toBe(true);
    // kubectl 1.35's exact words
    expect(r.stderr).toBe('error: timed out waiting for the condition\n');
  });

  it('execs into the weave container over WebSocket and reads the IPAM split', async (ctx) => {
    const { sim, k } = await cluster(ctx, '1.29.2', 4);
    // 4 nodes on 172.25.64.0/18, as in the seed: hosts show 172.25.96.0/18 and 172.25.120.0/18
    const manifest = readFileSync(NET_281_K111, 'utf8').replace(
      '                - name: INIT_CONTAINER\n',
      "                - name: IPALLOC_RANGE\n                  value: '172.25.64.0/18'\n                - name: INIT_CONTAINER\n",
    );
    expect(manifest).toContain('172.25.64.0/18');
    expect((await k.run(['apply', '--server-side', '-f', '-', ...T], { stdin: manifest })).code).toBe(0);
    expect((await k.run(['rollout', 'status', 'ds/weave-net', '-n', 'kube-system', '--timeout=60s'], { timeoutMs: 70_000 })).code).toBe(0);

    const pods = JSON.parse((await k.run(['get', 'pods', '-n', 'kube-system', '-l', 'name=weave-net', '-o', 'json', ...T])).stdout).items as {
      metadata: { name: string };
      spec: { nodeName: string };
    }[];
    expect(pods).toHaveLength(4);
    const podOn = (node: string) => pods.find((p) => p.spec.nodeName === node)!.metadata.name;

    const ipam = await k.run(['exec', ...T, '-n', 'kube-system', podOn('node-2'), '-c', 'weave', '--', '/home/weave/weave', '--local', 'status', 'ipam']);
    expect(ipam.stderr).toBe('');
    expect(ipam.code).toBe(0);
    const p = (n: string) => `${peerName(n)}(${n})`.padEnd(37);
    expect(ipam.stdout).toBe(
      `${p('node-2')}     4096 IPs (25.0% of total) (1 active)\n` +
        `${p('node-1')}     8192 IPs (50.0% of total) \n` +
        `${p('node-3')}     2048 IPs (12.5% of total) \n` +
        `${p('node-4')}     2048 IPs (12.5% of total) \n`,
    );
    for (const [node, addr] of [['node-2', '172.25.96.0/18'], ['node-4', '172.25.120.0/18']] as const) {
      const ip = await k.run(['exec', ...T, '-n', 'kube-system', podOn(node), '-c', 'weave', '--', 'ip', '-4', '-o', 'addr', 'show', 'dev', 'weave']);
      expect(ip.stdout).toBe(`5: weave    inet ${addr} brd 172.25.127.255 scope global weave\\       valid_lft forever preferred_lft forever\n`);
    }

    // kubectl speaks v5 over WebSocket with the simulator and never falls back to SPDY
    const v4 = await k.run(['exec', ...T, '-v=4', '-n', 'kube-system', podOn('node-1'), '-c', 'weave', '--', '/home/weave/weave', '--local', 'status', 'targets']);
    expect(v4.code).toBe(0);
    expect(v4.stdout).toBe('10.200.33.11\n10.200.33.12\n10.200.33.13\n10.200.33.14\n');
    expect(v4.stderr).toContain('The subprotocol is v5.channel.k8s.io');
    expect(v4.stderr).not.toMatch(/fallback|SPDY/i);

    // a peer goes away: the others mark its range unreachable
    weaveState(sim).unreachable.add('node-4');
    const after = await k.run(['exec', ...T, '-n', 'kube-system', podOn('node-1'), '-c', 'weave', '--', '/home/weave/weave', '--local', 'status']);
    expect(after.stdout).toContain('    Connections: 4 (2 established, 1 retrying, 1 failed)\n');
    expect(after.stdout).toContain('          Peers: 3 (with 6 established connections)\n');

    // without -c kubectl picks the default container and says so
    const dflt = await k.run(['exec', ...T, '-n', 'kube-system', podOn('node-1'), '--', '/home/weave/weave', '--local', 'status', 'ipam']);
    expect(dflt.code).toBe(0);
    expect(dflt.stderr).toBe('Defaulted container "weave" out of: weave, weave-npc, weave-init (init)\n');
    expect(dflt.stdout).toMatch(/ - unreachable!\n$/);

    // weave-npc's view of the policies
    const save = await k.run(['exec', ...T, '-n', 'kube-system', podOn('node-1'), '-c', 'weave-npc', '--', 'iptables-save']);
    expect(save.stdout).toContain('-A WEAVE-NPC-DEFAULT -m set --match-set weave-;rGqyMIl1HN^cfDki~Z$3]6!N dst -m comment --comment "DefaultAllow ingress isolation for namespace: default" -j ACCEPT\n');

    // a command the image does not have: containerd's words and exit code 126
    const missing = await k.run(['exec', ...T, '-n', 'kube-system', podOn('node-1'), '-c', 'weave', '--', 'nosuch']);
    expect(missing.code).toBe(126);
    expect(missing.stderr).toBe(
      'OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuch": executable file not found in $PATH: unknown\r\ncommand terminated with exit code 126\n',
    );

    // programmed answers win over the imitation, exit codes come through
    sim.execHandlers.add((_pod, container, command) => (command[0] === 'false' ? { stdout: '', stderr: `no (${container})\n`, exitCode: 3 } : undefined));
    const prog = await k.run(['exec', ...T, '-n', 'kube-system', podOn('node-3'), '-c', 'weave-npc', '--', 'false']);
    expect(prog).toEqual({ stdout: '', stderr: 'no (weave-npc)\ncommand terminated with exit code 3\n', code: 3 });

    // errors the API server gives before the stream
    const badC = await k.run(['exec', ...T, '-n', 'kube-system', podOn('node-1'), '-c', 'weavex', '--', 'ls']);
    expect(badC.code).toBe(1);
    expect(badC.stderr).toBe(`Error from server (BadRequest): container weavex is not valid for pod ${podOn('node-1')}\n`);
  }, 120_000);

  it('discovers through aggregated discovery on 1.29: api-resources as on 1.26, no per-group-version request', async (ctx) => {
    // The simulator keeps no request log: its requests are read with node:diagnostics_channel
    // (kubectl is a child process, the simulator's HTTP server runs in this one).
    const requests = (sim: Simulator) => {
      const port = Number(new URL(sim.url).port);
      const seen: { path: string; accept: string }[] = [];
      const on = (msg: unknown) => {
        const req = (msg as { request: IncomingMessage }).request;
        if (req.socket?.localPort === port) seen.push({ path: new URL(req.url ?? '/', sim.url).pathname, accept: String(req.headers['accept'] ?? '') });
      };
      dc.subscribe('http.server.request.start', on);
      return { seen, stop: () => dc.unsubscribe('http.server.request.start', on) };
    };
    const perGroupVersion = (path: string) => /^\/api\/[^/]+\/?$|^\/apis\/[^/]+\/[^/]+\/?$/.test(path);

    const { sim, k } = await cluster(ctx, '1.29.2', 1);
    const rec = requests(sim);
    let wide: Awaited<ReturnType<KubectlSession['run']>>;
    let ds: Awaited<ReturnType<KubectlSession['run']>>;
    try {
      wide = await k.run(['api-resources', '-o', 'wide', ...T]);
      ds = await k.run(['get', 'ds', '-A', ...T]);
    } finally {
      rec.stop();
    }
    expect(wide.stderr).toBe('');
    expect(wide.code).toBe(0);
    expect(wide.stdout).toMatch(/^daemonsets +ds +apps\/v1 +true +DaemonSet +create,delete,deletecollection,get,list,patch,update,watch +all$/m);
    expect(wide.stdout).toMatch(/^clusterroles +rbac\.authorization\.k8s\.io\/v1 +false +ClusterRole /m);
    expect(ds).toEqual({ code: 0, stdout: '', stderr: 'No resources found\n' });
    const paths = rec.seen.map((r) => r.path);
    expect(paths).toContain('/api');
    expect(paths).toContain('/apis');
    expect(rec.seen.find((r) => r.path === '/apis')!.accept).toContain('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList');
    expect(paths.filter(perGroupVersion)).toEqual([]);

    // the same question to a 1.26 server (legacy discovery: one request per group version) gets the same answer
    const old = await cluster(ctx, '1.26.3', 1);
    const oldRec = requests(old.sim);
    let legacy: Awaited<ReturnType<KubectlSession['run']>>;
    try {
      legacy = await old.k.run(['api-resources', '-o', 'wide', ...T]);
    } finally {
      oldRec.stop();
    }
    expect(legacy.code).toBe(0);
    expect(legacy.stdout).toBe(wide.stdout);
    expect(oldRec.seen.map((r) => r.path).filter(perGroupVersion)).toEqual(expect.arrayContaining(['/api/v1', '/apis/apps/v1', '/apis/rbac.authorization.k8s.io/v1']));
  });

  it('reads container logs: all, the last lines, and --previous', async (ctx) => {
    const { sim, k } = await cluster(ctx, '1.29.2', 1);
    expect((await k.run(['apply', '--server-side', '-f', NET_281_K111, ...T])).code).toBe(0);
    // the weave container running, not only the pod created: logs of a container still initializing are a 400
    const pod = await sim.waitFor(
      () =>
        sim
          .list('v1', 'Pod', 'kube-system')
          .find((p) => p['metadata']['labels']?.['name'] === 'weave-net' && (p['status']?.['containerStatuses'] ?? []).some((c: any) => c['name'] === 'weave' && c['state']?.['running'])),
      { timeoutMs: 10_000 },
    );
    const name = pod['metadata']['name'] as string;
    sim.podLogs.set('kube-system', name, 'weave', 'INFO: 2024/05/01 10:00:00.000001 Command line options: map[...]\nINFO: 2024/05/01 10:00:01.000000 weave  2.8.1\nINFO: 2024/05/01 10:00:02.000000 Listening for metrics requests on 0.0.0.0:6782\n');

    const all = await k.run(['logs', '-n', 'kube-system', name, '-c', 'weave', ...T]);
    expect(all.code).toBe(0);
    expect(lines(all.stdout)).toHaveLength(3);
    const tail = await k.run(['logs', '-n', 'kube-system', name, '-c', 'weave', '--tail=1', ...T]);
    expect(tail.stdout).toBe('INFO: 2024/05/01 10:00:02.000000 Listening for metrics requests on 0.0.0.0:6782\n');

    const prev = await k.run(['logs', '-n', 'kube-system', name, '-c', 'weave', '--previous', ...T]);
    expect(prev.code).toBe(1);
    expect(prev.stderr).toBe(`Error from server (BadRequest): previous terminated container "weave" in pod "${name}" not found\n`);

    const unknown = await k.run(['logs', '-n', 'kube-system', name, '-c', 'nope', ...T]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(`error: container nope is not valid for pod ${name}\n`);

    // a crash loop: the terminated instance's words are in --previous
    const overlap = 'Network 10.32.0.0/12 overlaps with existing route 10.32.0.0/16 on host';
    sim.faults.crashLoop({ daemonSet: 'weave-net', container: 'weave' }, { message: overlap, exitCode: 1 });
    await sim.waitFor(
      () => {
        const p = sim.get('v1', 'Pod', 'kube-system', name);
        const cs = (p?.['status']?.['containerStatuses'] ?? []).find((c: { name: string }) => c.name === 'weave');
        // The run that was up when the fault came still printed the INFO lines; from the second
        // restart on, the previous run is one that died with the overlap message.
        return (cs?.restartCount ?? 0) >= 2 && sim.podLogs.hasPrevious('kube-system', name, 'weave');
      },
      { timeoutMs: 10_000 },
    );
    const crashed = await k.run(['logs', '-n', 'kube-system', name, '-c', 'weave', '--previous', ...T]);
    expect(crashed.code).toBe(0);
    expect(crashed.stdout).toContain(overlap);
  }, 60_000);
});
