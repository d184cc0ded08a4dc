// The pod-by-pod allow matrix (src/policy/matrix.ts) for 5,000 pods and 2,000 NetworkPolicies (issue 14; was 1,000 x 500),
// generated deterministically. Target (issue): under 2 s. Loads the TypeScript source through tsx.
// Run alone: node bench/policy-matrix.mjs
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { median, report } from './lib.mjs';

const PODS = Number(process.env.BENCH_MATRIX_PODS ?? 5000);
const POLICIES = Number(process.env.BENCH_MATRIX_POLICIES ?? 2000);
const NAMESPACES = 20;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** mulberry32: the same cluster every run. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateCluster(seed = 7) {
  const r = rng(seed);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const apps = Array.from({ length: 25 }, (_, i) => `app-${i}`);
  const namespaces = Array.from({ length: NAMESPACES }, (_, i) => ({
    name: `ns-${i}`,
    labels: { 'kubernetes.io/metadata.name': `ns-${i}`, env: pick(['prod', 'staging', 'dev']), team: pick(['a', 'b', 'c', 'd']) },
  }));
  const pods = Array.from({ length: PODS }, (_, i) => {
    const labels = { app: pick(apps), tier: pick(['fe', 'be', 'db']) };
    if (r() < 0.3) labels.canary = 'true';
    return {
      namespace: `ns-${i % NAMESPACES}`,
      name: `pod-${i}`,
      labels,
      ip: `10.${32 + (i % 16)}.${(i >> 8) & 255}.${i & 255}`,
      ports: [
        { name: 'http', containerPort: pick([8080, 8081, 9000]), protocol: 'TCP' },
        { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
      ],
    };
  });
  const podSel = () => {
    const k = r();
    if (k < 0.1) return {};
    if (k < 0.7) return { matchLabels: { app: pick(apps) } };
    if (k < 0.85) return { matchLabels: { app: pick(apps), tier: pick(['fe', 'be', 'db']) } };
    return { matchExpressions: [{ key: 'tier', operator: 'In', values: [pick(['fe', 'be']), 'db'] }] };
  };
  const nsSel = () => (r() < 0.5 ? { matchLabels: { env: pick(['prod', 'staging', 'dev']) } } : { matchLabels: { team: pick(['a', 'b', 'c', 'd']) } });
  const peer = () => {
    const k = r();
    if (k < 0.4) return { podSelector: podSel() };
    if (k < 0.6) return { namespaceSelector: nsSel() };
    if (k < 0.85) return { podSelector: podSel(), namespaceSelector: nsSel() };
    return { ipBlock: { cidr: `10.${32 + Math.floor(r() * 16)}.0.0/16`, except: [`10.${32 + Math.floor(r() * 16)}.1.0/24`] } };
  };
  const ports = () => {
    const k = r();
    if (k < 0.4) return undefined;
    if (k < 0.6) return [{ protocol: 'TCP', port: pick([8080, 8081, 9000, 443]) }];
    if (k < 0.75) return [{ protocol: 'TCP', port: 'http' }];
    if (k < 0.9) return [{ protocol: 'TCP', port: 8000, endPort: 8100 }, { protocol: 'UDP', port: 53 }];
    return [{ protocol: 'TCP', port: 'metrics' }];
  };
  const policies = [];
  for (let i = 0; i < POLICIES; i++) {
    const namespace = `ns-${Math.floor(r() * NAMESPACES)}`;
    const spec = { podSelector: i % 50 === 0 ? {} : podSel() };
    const kind = r();
    if (kind < 0.65) {
      spec.ingress = Array.from({ length: 1 + Math.floor(r() * 3) }, () => {
        const rule = {};
        if (r() > 0.1) rule.from = Array.from({ length: 1 + Math.floor(r() * 3) }, peer);
        const p = ports();
        if (p) rule.ports = p;
        return rule;
      });
    } else if (kind < 0.9) {
      spec.policyTypes = ['Egress'];
      spec.egress = Array.from({ length: 1 + Math.floor(r() * 2) }, () => {
        const rule = { to: Array.from({ length: 1 + Math.floor(r() * 2) }, peer) };
        const p = ports();
        if (p) rule.ports = p;
        return rule;
      });
    } else {
      spec.policyTypes = ['Ingress', 'Egress'];
      spec.ingress = [{ from: [peer()] }];
      spec.egress = [{ to: [{ namespaceSelector: {} }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 'http' }] }];
    }
    policies.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `policy-${i}`, namespace }, spec });
  }
  return { pods, policies, namespaces };
}

export async function run() {
  const { matrix } = await tsImport('../src/policy/matrix.ts', import.meta.url);
  const c = generateCluster();
  const time = (opts) => {
    const ms = [];
    let m;
    for (let i = 0; i < RUNS; i++) {
      const t0 = process.hrtime.bigint();
      m = matrix(c.pods, c.policies, c.namespaces, opts);
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return { ms: median(ms), m };
  };
  time({}); // warm the JIT
  const any = time({});
  const port = time({ port: { port: 8080, protocol: 'TCP' } });
  const pairs = PODS * PODS;
  const share = (m) => `${((100 * m.allowedCount) / pairs).toFixed(1)}% allowed`;
  const meaningful = (m) => m.allowedCount > 0.01 * pairs && m.allowedCount < 0.99 * pairs;
  return report(`policy matrix: ${PODS} pods x ${POLICIES} NetworkPolicies (median of ${RUNS})`, [
    { name: `matrix, any traffic (${share(any.m)})`, value: `${any.ms.toFixed(0)} ms`, target: '< 2000 ms', ok: any.ms < 2000 },
    { name: `matrix, port 8080/TCP (${share(port.m)})`, value: `${port.ms.toFixed(0)} ms`, target: '< 2000 ms', ok: port.ms < 2000 },
    {
      name: 'the generated cluster mixes allowed and denied pairs',
      value: `${any.m.allowedCount}`,
      target: '1%-99% of pairs',
      ok: meaningful(any.m) && meaningful(port.m),
    },
  ]);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exit((await run()) ? 0 : 1);
}
