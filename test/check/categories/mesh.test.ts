/** The checks of what weave says on every node (src/check/categories/mesh.ts), on reports built from the weave imitation's answers. */
import { describe, expect, it } from 'vitest';
import { connectionsCheck, datapathCheck, encryptionCheck, ipamConsensusCheck, ipamOwnersCheck, meshChecks } from '../../../src/check/categories/mesh.js';
import { CheckContext, type Check, type CheckResult } from '../../../src/check/framework.js';
import { healthChecks } from '../../../src/check/lists.js';
import type { KubeObject } from '../../../src/cluster/types.js';
import type { StatusReport } from '../../../src/status/model.js';
import { summarizeDaemonSet, summarizePod } from '../../../src/status/objects.js';
import { summarizeProbe, type CommandResult } from '../../../src/status/probe.js';
import { buildReport } from '../../../src/status/report.js';
import { ipAddrShowWeave, weaveStatus, weaveStatusConnections, weaveStatusIpam, type WeaveView } from '../../sim/src/weave-node.js';
import { CheckFakeCluster, weaveNet } from '../fake.js';

const NODES = ['node-1', 'node-2', 'node-3'];
const ip = (n: string) => `10.0.0.${n.split('-')[1]}`;
const ok = (stdout: string): CommandResult => ({ stdout, stderr: '', exitCode: 0 });

function view(extra: Partial<WeaveView> = {}): WeaveView {
  return { version: '2.8.1', ipallocRange: '172.25.64.0/18', nodes: NODES.map((n) => ({ name: n, internalIP: ip(n), ready: true })), now: new Date('2024-03-01T10:00:00Z'), ...extra };
}

function report(viewOf: (node: string) => WeaveView, env: { name: string; value: string }[] = []): StatusReport {
  const ds = weaveNet({ env });
  ds.metadata.uid = 'ds-uid';
  ds.status = { desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberReady: 3, numberAvailable: 3, currentNumberScheduled: 3, observedGeneration: 1 };
  ds.metadata.generation = 1;
  const pods: KubeObject[] = NODES.map((n) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `weave-net-${n}`, namespace: 'kube-system', labels: { name: 'weave-net' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'weave-net', uid: 'ds-uid', controller: true }] },
    spec: { nodeName: n, containers: [{ name: 'weave' }, { name: 'weave-npc' }] },
    status: {
      phase: 'Running',
      hostIP: ip(n),
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: ['weave', 'weave-npc'].map((name) => ({ name, ready: true, restartCount: 0, state: { running: {} } })),
    },
  }));
  const probes = new Map(
    NODES.map((n) => {
      const v = viewOf(n);
      return [`weave-net-${n}`, summarizeProbe({ status: ok(weaveStatus(v, n)), ipam: ok(weaveStatusIpam(v, n)), connections: ok(weaveStatusConnections(v, n)), bridge: ok(ipAddrShowWeave(v, n, { oneline: true, inet4Only: true })) })];
    }),
  );
  return buildReport({ namespace: 'kube-system', daemonSet: summarizeDaemonSet(ds), pods: pods.map(summarizePod), probes });
}

function run(check: Check, r: StatusReport | undefined, installed = true): Promise<CheckResult> {
  const cluster = new CheckFakeCluster();
  if (installed) cluster.add(weaveNet());
  return check.run(new CheckContext({ cluster, ...(r ? { weaveReport: async () => r } : {}) }));
}

describe('mesh checks', () => {
  it('are part of `weavectl check`, in their own categories', () => {
    const all = healthChecks();
    expect(all.filter((c) => meshChecks.includes(c)).map((c) => `${c.category}/${c.id}`)).toEqual([
      'ipam/ipam-consensus',
      'ipam/ipam-owners-reachable',
      'connections/connections-established',
      'encryption/encryption-consistent',
      'datapath/datapath-fastdp',
    ]);
  });

  it('pass on a healthy mesh, saying what they found', async () => {
    const r = report(() => view());
    expect(await run(ipamConsensusCheck, r)).toEqual({ status: 'ok', message: 'ready on 3 nodes, range 172.25.64.0/18' });
    expect(await run(ipamOwnersCheck, r)).toEqual({ status: 'ok' });
    expect(await run(connectionsCheck, r)).toEqual({ status: 'ok', message: '6 connections established on 3 nodes' });
    expect(await run(encryptionCheck, r)).toEqual({ status: 'ok', message: 'disabled on every node (3)' });
    expect(await run(datapathCheck, r)).toEqual({ status: 'ok', message: 'fastdp on 6 connections, MTU 1376' });
  });

  it('IPAM without consensus fails; connections short of expected fail naming the nodes', async () => {
    const r = report(() => view({ awaitingConsensus: true, unreachable: new Set(['node-3']) }));
    const ipam = await run(ipamConsensusCheck, r);
    expect(ipam.status).toBe('fail');
    expect(ipam.message).toContain('node-1 (awaiting-consensus)');
    const conns = await run(connectionsCheck, r);
    expect(conns).toMatchObject({ status: 'fail' });
    expect(conns.message).toMatch(/node-3 0\/\d/);
  });

  it('an unreachable owner whose node still exists is a warning', async () => {
    const r = report((n) => view({ unreachable: n === 'node-3' ? new Set() : new Set(['node-3']) }));
    expect(r.unreachablePeers.map((p) => p.nickname)).toEqual(['node-3']);
    const owners = await run(ipamOwnersCheck, r);
    expect(owners).toMatchObject({ status: 'warn', message: '1 unreachable peer owns 4096 addresses: node-3 (4096 IPs, node still exists)' });
  });

  it('nodes that disagree on encryption fail', async () => {
    const r = report((n) => view({ encryption: n !== 'node-3' }));
    expect(await run(encryptionCheck, r)).toMatchObject({ status: 'fail', message: 'enabled on node-1, node-2; disabled on node-3' });
  });

  it('a pair on sleeve warns naming it, with the --mtu hint; WEAVE_NO_FASTDP makes sleeve ok', async () => {
    const limited = (a: string, b: string) => ([a, b].sort().join() === 'node-1,node-3' ? 1300 : undefined);
    const r = report(() => view({ pathMtu: limited }));
    const dp = await run(datapathCheck, r);
    expect(dp.status).toBe('warn');
    expect(dp.message).toBe("sleeve between node-1 and node-3 (MTU 1238): a path MTU below WEAVE_MTU plus VXLAN's overhead, or UDP 6784 blocked");
    expect(dp.hint).toContain('weavectl install --mtu 1236');
    const off = report(() => view({ noFastdp: true }), [{ name: 'WEAVE_NO_FASTDP', value: '1' }]);
    expect(await run(datapathCheck, off)).toEqual({ status: 'ok', message: 'sleeve on 6 connections (WEAVE_NO_FASTDP), MTU 1376' });
  });

  it('are skipped without Weave Net, or without a report', async () => {
    expect(await run(datapathCheck, undefined, false)).toEqual({ status: 'skip', message: 'Weave Net is not installed' });
    expect(await run(ipamConsensusCheck, undefined, true)).toEqual({ status: 'skip', message: "weave's state was not read" });
  });
});
