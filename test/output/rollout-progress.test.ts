import { describe, expect, it } from 'vitest';
import { bar, liveLine } from '../../src/output/rollout-progress.js';
import { daemonSetStatus } from '../../src/rollout/status.js';
import { ds } from '../fakes/builders.js';

const status = (desired: number, updated: number, available: number, done = false, message = 'Waiting...') => ({
  done,
  message,
  counts: { desired, updated, available, ready: available },
});

describe('the live TTY line', () => {
  it('shows updated and available out of desired with a bar', () => {
    expect(liveLine('weave-net', status(8, 5, 4))).toBe('weave-net  5/8 updated  4/8 available  [###########---------]');
    expect(liveLine('weave-net', status(8, 8, 8, true, 'daemon set "weave-net" successfully rolled out'))).toBe('weave-net  8/8 available  [####################]  done');
  });

  it("uses kubectl's words while the controller has counted nothing yet", () => {
    expect(liveLine('weave-net', status(0, 0, 0, false, 'Waiting for daemon set spec update to be observed...'))).toBe('weave-net  Waiting for daemon set spec update to be observed...');
  });

  it('right after install --wait=false: no bar from the previous generation\'s counts before the controller observed the new one', () => {
    // generation 2 applied; status still counts generation 1's pods: 3/3 updated and available
    const stale = daemonSetStatus(ds({ generation: 2, observedGeneration: 1, desired: 3, updated: 3, available: 3 }));
    expect(liveLine('weave-net', stale)).toBe('weave-net  Waiting for daemon set spec update to be observed...');
    const observed = daemonSetStatus(ds({ generation: 2, observedGeneration: 2, desired: 3, updated: 0, available: 3 }));
    expect(liveLine('weave-net', observed)).toBe('weave-net  0/3 updated  3/3 available  [##########----------]');
  });

  it('clamps the bar', () => {
    expect(bar(2, 4)).toBe('[####]');
    expect(bar(-1, 4)).toBe('[----]');
    expect(bar(Number.NaN, 4)).toBe('[----]');
  });
});
