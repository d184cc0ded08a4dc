/**
 * Which tests `weavectl connectivity test` runs, between which nodes. Pure.
 *
 * Pairs: by default each node talks to itself and to two others, the next one in a ring and the one
 * half the ring away (so the cost grows linearly with the nodes, and every node is both a source and a
 * target of cross-node traffic); `--all-pairs` tests every ordered pair.
 *
 * Tests per ordered pair (from, to):
 *   pod-to-pod    a client pod on `from` fetches from the echo pod on `to` (HTTP)
 *   host-to-pod   a host-network pod on `from` fetches from the echo pod on `to`
 *   df-ping       (cross-node only) a don't-fragment ping from the client on `from` to the echo pod on
 *                 `to`, sized so the IP packet is exactly WEAVE_MTU: an MTU black hole drops it
 * Per node:
 *   pod-to-service  the client fetches from the echo Service's ClusterIP
 *   pod-to-dns      the client resolves the echo Service's name
 * With `--include policy`, once (on the first cross-node pair, else the single node):
 *   policy-deny   with a policy isolating the echo pods, the client's fetch must fail
 *   policy-allow  with a rule admitting the clients, it must pass again
 */

export type TestName = 'pod-to-pod' | 'host-to-pod' | 'df-ping' | 'pod-to-service' | 'pod-to-dns' | 'policy-deny' | 'policy-allow';

export const PAIR_TESTS: readonly TestName[] = ['pod-to-pod', 'host-to-pod', 'df-ping'];
export const NODE_TESTS: readonly TestName[] = ['pod-to-service', 'pod-to-dns'];
export const POLICY_TESTS: readonly TestName[] = ['policy-deny', 'policy-allow'];

export interface PlannedTest {
  name: TestName;
  from: string;
  /** A node, or the Service / DNS name for the per-node tests. */
  to: string;
}

/**
 * The ordered pairs to test, `from` in the order of `nodes`: each node with itself, the next node
 * and the node half-way round the ring (fewer when there are fewer than three nodes), or every pair.
 */
export function selectPairs(nodes: readonly string[], allPairs: boolean): [string, string][] {
  const n = nodes.length;
  const out: [string, string][] = [];
  for (let i = 0; i < n; i++) {
    const from = nodes[i]!;
    if (allPairs) {
      for (const to of nodes) out.push([from, to]);
      continue;
    }
    const targets = [i];
    if (n > 1) targets.push((i + 1) % n);
    if (n > 2) {
      let j = (i + Math.max(2, Math.floor(n / 2))) % n;
      while (targets.includes(j)) j = (j + 1) % n;
      targets.push(j);
    }
    for (const j of targets) out.push([from, nodes[j]!]);
  }
  return out;
}

export interface PlanOptions {
  nodes: readonly string[];
  allPairs: boolean;
  policy: boolean;
  /** What the per-node tests name as their target. */
  serviceName: string;
}

/** Every test to run, in the order they are listed. */
export function planTests(o: PlanOptions): PlannedTest[] {
  const tests: PlannedTest[] = [];
  const pairs = selectPairs(o.nodes, o.allPairs);
  for (const [from, to] of pairs) {
    for (const name of PAIR_TESTS) {
      if (name === 'df-ping' && from === to) continue;
      tests.push({ name, from, to });
    }
  }
  for (const from of o.nodes) for (const name of NODE_TESTS) tests.push({ name, from, to: o.serviceName });
  if (o.policy && o.nodes.length > 0) {
    const cross = pairs.find(([a, b]) => a !== b) ?? pairs[0]!;
    for (const name of POLICY_TESTS) tests.push({ name, from: cross[0], to: cross[1] });
  }
  return tests;
}

/** --include values. */
export const INCLUDES = ['policy'] as const;
export type Include = (typeof INCLUDES)[number];
