import { describe, expect, it } from 'vitest';
import { dfPingCommand, evaluateDenied, evaluateDfPing, evaluateDns, evaluateFetch, fetchCommand, type TestOutcome } from '../../src/connectivity/evaluate.js';
import { planTests, selectPairs } from '../../src/connectivity/plan.js';
import { connectivityJson, failedPairs, pairCell, renderGrid, summaryLine, testLine } from '../../src/connectivity/render.js';
import { allowObject, daemonSetApi, isolateObjects, probeImage, probeWorkloads } from '../../src/connectivity/workloads.js';
import { weaveMtuOf } from '../../src/connectivity/run.js';

const nodes = (n: number) => Array.from({ length: n }, (_, i) => `n${i + 1}`);

describe('selectPairs', () => {
  it('gives each node itself and two others (ring + half-way), so pairs grow linearly', () => {
    expect(selectPairs(nodes(1), false)).toEqual([['n1', 'n1']]);
    expect(selectPairs(nodes(2), false)).toEqual([['n1', 'n1'], ['n1', 'n2'], ['n2', 'n2'], ['n2', 'n1']]);
    expect(selectPairs(nodes(4), false)).toEqual([
      ['n1', 'n1'], ['n1', 'n2'], ['n1', 'n3'],
      ['n2', 'n2'], ['n2', 'n3'], ['n2', 'n4'],
      ['n3', 'n3'], ['n3', 'n4'], ['n3', 'n1'],
      ['n4', 'n4'], ['n4', 'n1'], ['n4', 'n2'],
    ]);
    for (const n of [3, 5, 10, 200]) {
      const pairs = selectPairs(nodes(n), false);
      expect(pairs).toHaveLength(3 * n);
      // every node is a source and a target of two cross-node pairs, no pair twice
      expect(new Set(pairs.map((p) => p.join('>'))).size).toBe(3 * n);
      for (const x of nodes(n)) {
        expect(pairs.filter(([a, b]) => a === x && b !== x)).toHaveLength(2);
        expect(pairs.filter(([a, b]) => b === x && a !== x)).toHaveLength(2);
      }
    }
  });

  it('--all-pairs: every ordered pair', () => {
    expect(selectPairs(nodes(3), true)).toHaveLength(9);
  });
});

describe('planTests', () => {
  it('pair tests, df-ping only across nodes, per-node Service and DNS, the policy test on the first cross pair', () => {
    const t = planTests({ nodes: nodes(3), allPairs: false, policy: true, serviceName: 'svc' });
    expect(t.filter((x) => x.name === 'pod-to-pod')).toHaveLength(9);
    expect(t.filter((x) => x.name === 'df-ping').every((x) => x.from !== x.to)).toBe(true);
    expect(t.filter((x) => x.name === 'df-ping')).toHaveLength(6);
    expect(t.filter((x) => x.name === 'pod-to-dns')).toEqual(nodes(3).map((n) => ({ name: 'pod-to-dns', from: n, to: 'svc' })));
    expect(t.filter((x) => x.name.startsWith('policy'))).toEqual([
      { name: 'policy-deny', from: 'n1', to: 'n2' },
      { name: 'policy-allow', from: 'n1', to: 'n2' },
    ]);
    expect(planTests({ nodes: nodes(1), allPairs: false, policy: true, serviceName: 's' }).filter((x) => x.name.startsWith('policy')).map((x) => `${x.from}>${x.to}`)).toEqual(['n1>n1', 'n1>n1']);
    expect(planTests({ nodes: nodes(3), allPairs: false, policy: false, serviceName: 's' }).some((x) => x.name.startsWith('policy'))).toBe(false);
  });
});

describe('evaluate', () => {
  const ans = (exitCode: number, stderr = '', stdout = '') => ({ exitCode, stderr, stdout });

  it('commands: wget with a timeout, a DF ping whose IP packet is exactly the MTU', () => {
    expect(fetchCommand('10.32.0.2', 8080)).toEqual(['wget', '-q', '-T', '3', '-O', '/dev/null', 'http://10.32.0.2:8080/']);
    expect(dfPingCommand('10.32.0.2', 1376)).toEqual(['ping', '-c', '1', '-W', '3', '-M', 'do', '-s', '1348', '10.32.0.2']);
  });

  it('fetch: ok, timed out (dropped), refused, exec failure', () => {
    expect(evaluateFetch(ans(0), 'x')).toEqual({ result: 'ok' });
    expect(evaluateFetch(ans(1, 'wget: download timed out\n'), 'x')).toEqual({ result: 'error', message: 'x: no answer within 3s (packets dropped: a network partition, a firewall, or a NetworkPolicy)' });
    expect(evaluateFetch(ans(1, "wget: can't connect to remote host (10.0.0.1): Connection refused\n"), 'x').message).toBe("x: connection refused (wget: can't connect to remote host (10.0.0.1): Connection refused)");
    expect(evaluateFetch({ error: 'container not found ("client")' }, 'x')).toEqual({ result: 'error', message: 'could not run the probe: container not found ("client")' });
  });

  it('df-ping: too big for the interface, vanished on the path, or no answer at all', () => {
    expect(evaluateDfPing(ans(0), 1376, 'a', 'b')).toEqual({ result: 'ok' });
    expect(evaluateDfPing(ans(1, 'ping: local error: message too long, mtu=1300\n'), 1376, 'a', 'b').message).toContain('does not fit the pod\'s interface (mtu 1300)');
    const lost = ans(1, '', '1 packets transmitted, 0 received, 100% packet loss, time 0ms\n');
    expect(evaluateDfPing(lost, 1376, 'a', 'b', ans(0)).message).toMatch(/^a 1376-byte don't-fragment packet from a to b vanished: .*MTU black hole.*weavectl install --mtu/);
    expect(evaluateDfPing(lost, 1376, 'a', 'b', ans(1)).message).toBe('no answer to a 1376-byte ping, nor to a small one: a does not reach b at all (not an MTU problem)');
  });

  it('dns: must resolve to the ClusterIP', () => {
    const out = 'Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\nName:\ts.ns.svc.cluster.local\nAddress: 10.96.0.12\n\n';
    expect(evaluateDns(ans(0, '', out), 's', '10.96.0.12')).toEqual({ result: 'ok' });
    expect(evaluateDns(ans(0, '', out), 's', '10.96.0.99').message).toBe("s resolved to 10.96.0.12, not the Service's 10.96.0.99");
    expect(evaluateDns(ans(1, "** server can't find s: NXDOMAIN\n"), 's', '1.2.3.4').message).toBe("cannot resolve s: ** server can't find s: NXDOMAIN");
  });

  it('denied: passes only when the fetch is dropped', () => {
    expect(evaluateDenied(ans(1, 'wget: download timed out\n'))).toEqual({ result: 'ok' });
    expect(evaluateDenied(ans(0)).result).toBe('error');
    expect(evaluateDenied(ans(1, 'Connection refused')).result).toBe('error');
  });
});

describe('render', () => {
  const o = (name: TestOutcome['name'], from: string, to: string, result: TestOutcome['result'], message?: string): TestOutcome => ({ name, from, to, result, ...(message ? { message } : {}) });
  const outcomes: TestOutcome[] = [
    o('pod-to-pod', 'n1', 'n1', 'ok'),
    o('pod-to-pod', 'n1', 'n2', 'ok'),
    o('df-ping', 'n1', 'n2', 'error', 'vanished'),
    o('pod-to-pod', 'n2', 'n1', 'ok'),
    o('pod-to-dns', 'n1', 'svc', 'error', 'nx'),
  ];

  it('lines, cells, grid, summary, failed pairs', () => {
    expect(testLine(outcomes[0]!)).toBe('✓ pod-to-pod     n1 (same node)');
    expect(testLine(outcomes[2]!)).toBe('✗ df-ping        n1 → n2: vanished');
    expect(pairCell(outcomes, 'n1', 'n2')).toBe('✗');
    expect(pairCell(outcomes, 'n2', 'n1')).toBe('✓');
    expect(pairCell(outcomes, 'n2', 'n2')).toBe('·');
    expect(renderGrid(['n1', 'n2'], outcomes)).toBe('from \\ to      1 2\n 1  n1         ✓ ✗\n 2  n2         ✓ ·\n');
    expect(summaryLine(outcomes)).toBe('5 tests: 3 passed, 2 failed');
    expect(failedPairs(outcomes)).toEqual(['n1 → n2 (df-ping)', 'n1 → svc (pod-to-dns)']);
  });

  it('the JSON document', () => {
    expect(connectivityJson(outcomes.slice(0, 3))).toEqual({
      success: false,
      tests: [
        { name: 'pod-to-pod', from: 'n1', to: 'n1', result: 'ok' },
        { name: 'pod-to-pod', from: 'n1', to: 'n2', result: 'ok' },
        { name: 'df-ping', from: 'n1', to: 'n2', result: 'error', message: 'vanished' },
      ],
    });
    expect(connectivityJson([]).success).toBe(true);
  });
});

describe('workloads', () => {
  it('the DaemonSet API by what is served, the image from the mirror, every taint tolerated', () => {
    expect(daemonSetApi({ appsV1: true, appsV1beta2: true })).toBe('apps/v1');
    expect(daemonSetApi({ appsV1: false, appsV1beta2: true })).toBe('apps/v1beta2');
    expect(daemonSetApi({ appsV1: false, appsV1beta2: false })).toBe('extensions/v1beta1');
    expect(probeImage(undefined)).toBe('nicolaka/netshoot:v0.13');
    expect(probeImage('registry.corp:5000/mirror')).toBe('registry.corp:5000/mirror/nicolaka/netshoot:v0.13');
    const objs = probeWorkloads({ namespace: 't', image: 'img', daemonSetApiVersion: 'extensions/v1beta1' });
    expect(objs.map((x) => `${x.apiVersion} ${x.kind} ${x.metadata.name}`)).toEqual([
      'extensions/v1beta1 DaemonSet weavectl-echo',
      'extensions/v1beta1 DaemonSet weavectl-client',
      'extensions/v1beta1 DaemonSet weavectl-host',
      'v1 Service weavectl-echo',
    ]);
    for (const ds of objs.slice(0, 3)) {
      expect(ds.spec.template.spec.tolerations).toEqual([{ operator: 'Exists' }]);
      expect(ds.spec.template.spec.containers[0].image).toBe('img');
    }
    expect(objs[2]!.spec.template.spec.hostNetwork).toBe(true);
  });

  it('policy objects by semantics: a v1 isolating policy, or the legacy DefaultDeny annotation and an extensions/v1beta1 allow', () => {
    expect(isolateObjects('t', false).map((x) => `${x.apiVersion} ${x.kind}`)).toEqual(['networking.k8s.io/v1 NetworkPolicy']);
    const legacy = isolateObjects('t', true);
    expect(legacy[0]!.kind).toBe('Namespace');
    expect(JSON.parse(legacy[0]!.metadata.annotations!['net.beta.kubernetes.io/network-policy']!)).toEqual({ ingress: { isolation: 'DefaultDeny' } });
    expect(allowObject('t', true).apiVersion).toBe('extensions/v1beta1');
    expect(allowObject('t', false).spec.ingress[0].from).toEqual([{ podSelector: { matchLabels: { app: 'weavectl-client' } } }]);
  });

  it('WEAVE_MTU of the running DaemonSet, 1376 when unset (v2.8.1 net/bridge.go)', () => {
    const ds = (env: unknown[]) => ({ metadata: { name: 'weave-net' }, spec: { template: { spec: { containers: [{ name: 'weave', env }] } } } });
    expect(weaveMtuOf(ds([]))).toEqual({ mtu: 1376 });
    expect(weaveMtuOf(ds([{ name: 'WEAVE_MTU', value: '8916' }]))).toEqual({ mtu: 8916 });
    expect(weaveMtuOf(ds([{ name: 'WEAVE_MTU', valueFrom: { configMapKeyRef: {} } }])).note).toContain('valueFrom');
  });
});
