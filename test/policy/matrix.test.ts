import { describe, expect, it } from 'vitest';
import { createEvaluator } from '../../src/policy/evaluate.js';
import { matrix } from '../../src/policy/matrix.js';
import { renderMatrixGrid, truncateLabel } from '../../src/policy/matrix-grid.js';
import type { LabelSelector, Namespace, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, Pod, Protocol } from '../../src/policy/types.js';
import { P, defaultDeny, namespaces, np, rng, seedPolicy } from './fixtures.js';

/** A random but reproducible cluster exercising every feature the evaluator knows. */
export function randomCluster(seed: number, nPods = 48, nPolicies = 24): { pods: Pod[]; policies: NetworkPolicy[]; namespaces: Namespace[] } {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const nsNames = ['alpha', 'beta', 'gamma', 'delta'];
  const nss: Namespace[] = nsNames.map((name) => ({
    name,
    labels: { env: pick(['prod', 'dev', 'qa']), ...(r() < 0.5 ? { team: pick(['x', 'y']) } : {}) },
    // two namespaces carry the pre-1.7 isolation annotation (only legacy semantics read it)
    ...(name === 'alpha' || name === 'gamma' ? { annotations: { 'net.beta.kubernetes.io/network-policy': '{"ingress":{"isolation":"DefaultDeny"}}' } } : {}),
  }));
  const pods: Pod[] = [];
  for (let i = 0; i < nPods; i++) {
    const labels: Record<string, string> = { app: pick(['web', 'db', 'api', 'client']) };
    if (r() < 0.5) labels.tier = pick(['fe', 'be']);
    const pod: Pod = { namespace: pick(nsNames), name: `p${i}`, labels };
    if (r() < 0.92) pod.ip = `10.${pick([32, 33, 40])}.${Math.floor(r() * 4)}.${i + 1}`;
    if (r() < 0.05) pod.hostNetwork = true;
    const ports: Pod['ports'] = [];
    if (r() < 0.6) ports.push({ name: 'http', containerPort: pick([8080, 8081]), protocol: 'TCP' });
    if (r() < 0.3) ports.push({ name: 'dns', containerPort: 53, protocol: 'UDP' });
    if (ports.length) pod.ports = ports;
    pods.push(pod);
  }
  const sel = (): LabelSelector => {
    const k = r();
    if (k < 0.25) return {};
    if (k < 0.65) return { matchLabels: { app: pick(['web', 'db', 'api', 'client']) } };
    if (k < 0.8) return { matchExpressions: [{ key: 'tier', operator: pick(['Exists', 'DoesNotExist'] as const) }] };
    return { matchExpressions: [{ key: 'app', operator: pick(['In', 'NotIn'] as const), values: [pick(['web', 'db']), pick(['api', 'client'])] }] };
  };
  const nsSel = (): LabelSelector => {
    const k = r();
    if (k < 0.3) return {};
    if (k < 0.7) return { matchLabels: { env: pick(['prod', 'dev', 'qa']) } };
    return r() < 0.5 ? { matchExpressions: [{ key: 'team', operator: 'In', values: ['x'] }] } : { matchExpressions: [{ key: 'team', operator: 'Exists' }] };
  };
  const peer = (): NetworkPolicyPeer => {
    const k = r();
    if (k < 0.3) return { podSelector: sel() };
    if (k < 0.5) return { namespaceSelector: nsSel() };
    if (k < 0.7) return { podSelector: sel(), namespaceSelector: nsSel() };
    if (k < 0.85) return { ipBlock: { cidr: pick(['10.32.0.0/16', '10.0.0.0/8', '10.40.1.0/24']), ...(r() < 0.5 ? { except: ['10.32.1.0/24'] } : {}) } };
    if (k < 0.9) return {};
    return { ipBlock: { cidr: '10.33.0.0/16' } };
  };
  const port = (): NetworkPolicyPort => {
    const k = r();
    if (k < 0.3) return { port: pick([8080, 8081, 53]) };
    if (k < 0.45) return { protocol: 'UDP', port: 53 };
    if (k < 0.6) return { port: 8000, endPort: 8080 };
    if (k < 0.75) return { port: 'http' };
    if (k < 0.85) return { protocol: 'UDP', port: 'dns' };
    return { protocol: pick(['TCP', 'UDP'] as const) };
  };
  const rules = () => {
    const k = r();
    if (k < 0.15) return undefined;
    if (k < 0.25) return [];
    const n = 1 + Math.floor(r() * 2);
    return Array.from({ length: n }, () => {
      const peers = r() < 0.25 ? undefined : Array.from({ length: 1 + Math.floor(r() * 2) }, peer);
      const ports = r() < 0.45 ? undefined : Array.from({ length: 1 + Math.floor(r() * 2) }, port);
      return { peers, ports };
    });
  };
  const policies: NetworkPolicy[] = [];
  for (let i = 0; i < nPolicies; i++) {
    const ing = rules();
    const eg = rules();
    const types = pick([undefined, ['Ingress'], ['Egress'], ['Ingress', 'Egress']] as const);
    policies.push(
      np(pick(nsNames), `pol-${i}`, {
        podSelector: sel(),
        ...(types ? { policyTypes: [...types] } : {}),
        ...(ing ? { ingress: ing.map((x) => ({ ...(x.peers ? { from: x.peers } : {}), ...(x.ports ? { ports: x.ports } : {}) })) } : {}),
        ...(eg ? { egress: eg.map((x) => ({ ...(x.peers ? { to: x.peers } : {}), ...(x.ports ? { ports: x.ports } : {}) })) } : {}),
      }),
    );
  }
  return { pods, policies, namespaces: nss };
}

function pairwise(c: ReturnType<typeof randomCluster>, opts: { legacy?: boolean; port?: { port: number | string; protocol?: Protocol } }): boolean[][] {
  const ev = createEvaluator({ policies: c.policies, namespaces: c.namespaces, legacy: opts.legacy });
  return c.pods.map((from) =>
    c.pods.map((to) => {
      try {
        return ev.evaluate(from, to, opts.port).allowed;
      } catch (e) {
        // a named tested port the destination does not have: the matrix says denied
        if (/has no container port named/.test((e as Error).message)) return false;
        throw e;
      }
    }),
  );
}

describe('matrix agrees with pairwise evaluate on random clusters', () => {
  const variants: [string, { legacy?: boolean; port?: { port: number | string; protocol?: Protocol } }][] = [
    ['any traffic', {}],
    ['port 8080/TCP', { port: { port: 8080 } }],
    ['port 53/UDP', { port: { port: 53, protocol: 'UDP' } }],
    ['named port http', { port: { port: 'http' } }],
    ['legacy semantics', { legacy: true }],
  ];
  for (const seed of [1, 2, 3, 42, 2024]) {
    for (const [label, opts] of variants) {
      it(`seed ${seed}, ${label}`, () => {
        const c = randomCluster(seed);
        const m = matrix(c.pods, c.policies, c.namespaces, opts);
        const want = pairwise(c, opts);
        const diffs: string[] = [];
        for (let i = 0; i < c.pods.length; i++) {
          for (let j = 0; j < c.pods.length; j++) {
            if (m.allowed[i]![j] !== want[i]![j]) diffs.push(`${m.pods[i]} -> ${m.pods[j]}: matrix ${m.allowed[i]![j]}, evaluate ${want[i]![j]}`);
          }
        }
        expect(diffs.slice(0, 10)).toEqual([]);
        const count = want.flat().filter(Boolean).length;
        expect(m.allowedCount).toBe(count);
        // the random cluster must exercise both outcomes, or the comparison proves little
        expect(count).toBeGreaterThan(0);
        expect(count).toBeLessThan(c.pods.length * c.pods.length);
      });
    }
  }

  it('reports isolation per pod like the evaluator', () => {
    const c = randomCluster(7);
    const m = matrix(c.pods, c.policies, c.namespaces);
    const ev = createEvaluator({ policies: c.policies, namespaces: c.namespaces });
    c.pods.forEach((p, i) => {
      const iso = ev.isolation(p);
      expect(m.ingressIsolated[i]).toBe(iso.ingress.length > 0);
      expect(m.egressIsolated[i]).toBe(iso.egress.length > 0);
    });
  });
});

describe('matrix on the seed story', () => {
  const pods = [P.iperf1, P.iperf1b, P.iperf2, P.devClient];
  it('isolated prod, then the seed policy lets iperf-prod-1 pods talk to each other only', () => {
    const before = matrix(pods, [defaultDeny('prod')], namespaces);
    // the diagonal: a pod always reaches itself (loopback)
    expect(before.allowed).toEqual([
      [true, false, false, true],
      [false, true, false, true],
      [false, false, true, true],
      [false, false, false, true],
    ]);
    const after = matrix(pods, [defaultDeny('prod'), seedPolicy], namespaces);
    expect(after.allowed).toEqual([
      [true, true, false, true],
      [true, true, false, true],
      [false, false, true, true],
      [false, false, false, true],
    ]);
    expect(after.ingressIsolated).toEqual([true, true, true, false]);
    expect(after.allowedCount).toBe(9);
  });

  it('renders as a grid with numbered columns, isolation marks and a legend', () => {
    const m = matrix(pods, [defaultDeny('prod'), seedPolicy], namespaces);
    expect(renderMatrixGrid(m)).toBe(
      [
        'from \\ to                     1 2 3 4',
        '1 prod/iperf-prod-1-7d9f [i]  ✓ ✓ ✗ ✓',
        '2 prod/iperf-prod-1-x2kq [i]  ✓ ✓ ✗ ✓',
        '3 prod/iperf-prod-2-5bb8 [i]  ✗ ✗ ✓ ✓',
        '4 dev/client                  ✗ ✗ ✗ ✓',
        '',
        '✓ allowed  ✗ denied; columns are destinations, numbered as the rows',
        '[i] isolated for ingress, [e] isolated for egress',
        '9 of 16 pairs allowed',
        '',
      ].join('\n'),
    );
  });

  it('renders ASCII marks, shortens long labels and names the tested port', () => {
    const m = matrix(pods, [defaultDeny('prod'), seedPolicy], namespaces, { port: { port: 5201 } });
    const text = renderMatrixGrid(m, { ascii: true, maxLabel: 12, legend: true });
    const lines = text.split('\n');
    expect(lines[1]).toBe('1 prod/i~-7d9f [i]  . . X .');
    expect(lines[4]).toBe('4 dev/client        X X X .');
    expect(text).toContain('. allowed  X denied (on 5201/TCP)');
    expect(renderMatrixGrid(matrix([], [], []))).toBe('no pods\n');
  });

  it('truncateLabel keeps both ends', () => {
    expect(truncateLabel('prod/iperf-prod-1-7d9f', 10)).toBe('prod/…7d9f');
    expect(truncateLabel('short', 10)).toBe('short');
    expect(truncateLabel('abcdefghij', 5, true)).toBe('ab~ij');
  });
});

describe('transposeBits (32 x 32 blocks)', () => {
  it('is the transpose of a bit matrix whose size is not a multiple of 32', async () => {
    const { transposeBits } = await import('../../src/policy/matrix.js');
    for (const n of [1, 31, 33, 70]) {
      const W = (n + 31) >>> 5;
      const rows = new Uint32Array(n * W);
      let seed = n;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 1;
      for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (rnd()) rows[r * W + (c >>> 5)]! |= 1 << (c & 31);
      const t = transposeBits(rows, n, W);
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < n; c++) {
          const a = (rows[r * W + (c >>> 5)]! >>> (c & 31)) & 1;
          const b = (t[c * W + (r >>> 5)]! >>> (r & 31)) & 1;
          expect(b, `n=${n} r=${r} c=${c}`).toBe(a);
        }
      }
    }
  });
});
