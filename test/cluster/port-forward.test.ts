/**
 * KubeCluster.portForward (src/cluster/port-forward.ts) against the simulator's pods/portforward
 * (v4.channel.k8s.io, as the kubelet's WebSocket port-forward) with a bearer token.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type KubeCluster } from '../../src/cluster/kube-cluster.js';
import { WeavectlError } from '../../src/errors.js';
import { startSimulator, type Simulator } from '../sim/index.js';

let sim: Simulator | undefined;
let c: KubeCluster | undefined;
let http: Server | undefined;
afterEach(async () => {
  c?.close();
  c = undefined;
  await sim?.stop();
  sim = undefined;
  http?.close();
  http = undefined;
});

function readAll(s: Duplex): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    s.on('data', (d: Buffer) => (text += d.toString('utf8')));
    s.on('end', () => resolve(text));
    s.on('error', reject);
  });
}

async function setup(): Promise<void> {
  sim = await startSimulator({ k8sVersion: '1.29.2', nodes: 1, token: 'sekret', stepDelayMs: 5 });
  c = await connect({ kubeconfig: sim.kubeconfigPath, env: {}, onWarning: () => undefined });
  sim.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
  await sim.waitFor(() => sim!.get('v1', 'Pod', 'default', 'web')?.['status']?.['phase'] === 'Running');
}

describe('KubeCluster.portForward', () => {
  it('one connection: bytes written reach the pod port, its answer comes back, the stream ends when the pod closes', async () => {
    await setup();
    http = createServer((req, res) => res.end(`hello from ${req.url}`));
    await new Promise<void>((r) => http!.listen(0, '127.0.0.1', () => r()));
    const port = (http.address() as AddressInfo).port;
    sim!.portForwards.addTarget((pod, p) => (pod['metadata']['name'] === 'web' && p === 8080 ? port : undefined));
    const s = await c!.portForward({ namespace: 'default', name: 'web' }, 8080);
    const all = readAll(s);
    s.write('GET /x HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n');
    const text = await all;
    expect(text).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(text.endsWith('hello from /x')).toBe(true);
  });

  it('nothing listens on the port: the stream fails with the error channel\'s text on one line', async () => {
    await setup();
    const s = await c!.portForward({ namespace: 'default', name: 'web' }, 9999);
    const err = await readAll(s).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WeavectlError);
    expect((err as Error).message).toMatch(/^port-forward to port 9999 of pod default\/web failed: error forwarding port 9999 to pod web.*connection refused$/);
  });

  it('refused before the upgrade: the API server\'s Status (pod not found), exit 1', async () => {
    await setup();
    const err = await c!.portForward({ namespace: 'default', name: 'nope' }, 80).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WeavectlError);
    expect((err as WeavectlError).message).toContain('pods "nope" not found');
    expect((err as WeavectlError).exitCode).toBe(1);
  });
});
