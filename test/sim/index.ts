/**
 * The simulator's public entry: `startSimulator` and its types. The simulator itself lives in test/sim/src/
 * (see test/sim/README.md); its own tests are test/sim/*.test.ts.
 */
export * from './src/index.js';
