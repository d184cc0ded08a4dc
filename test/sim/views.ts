/** A WeaveView of `n` healthy nodes (node-1 … on 10.200.33.10 …), for the simulator's own tests of its weave imitation. */
import type { WeaveView } from './src/weave-node.js';

export const NOW = new Date('2024-05-01T10:00:00Z');

export function clusterView(n: number, overrides: Partial<WeaveView> = {}): WeaveView {
  return {
    version: '2.8.1',
    ipallocRange: '172.25.64.0/18',
    nodes: Array.from({ length: n }, (_, i) => ({ name: `node-${i + 1}`, internalIP: `10.200.33.${10 + i}`, ready: true })),
    now: NOW,
    pods: [],
    ...overrides,
  };
}
