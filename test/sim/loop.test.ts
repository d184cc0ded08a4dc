import { describe, expect, it } from 'vitest';
import { Loop } from './src/loop.js';

/** A loop on a clock the test moves; the tests are synchronous, so its timer never fires and only `tick()` runs steps. */
function manual(stepDelayMs = 10) {
  const clock = { t: 1000 };
  const loop = new Loop(stepDelayMs, () => clock.t);
  return { clock, loop };
}

describe('Loop (the controllers clock)', () => {
  it('counts steps with the wall clock while nothing is queued', () => {
    const { clock, loop } = manual(10);
    expect(loop.step).toBe(0);
    clock.t += 9;
    expect(loop.step).toBe(0);
    clock.t += 1;
    expect(loop.step).toBe(1);
    clock.t += 390;
    expect(loop.step).toBe(40);
    loop.stop();
  });

  it('counts one step per tick while work is queued, however late the ticks are', () => {
    const { clock, loop } = manual(10);
    clock.t += 50; // idle: 5 steps
    const ran: number[] = [];
    loop.enqueue('a', () => ran.push(loop.step), 3);
    expect(loop.pending).toBe(1);
    clock.t += 10_000; // a loaded machine: the timer is late, the queued work still sees one step per tick
    expect(loop.step).toBe(5);
    loop.tick();
    loop.tick();
    expect(ran).toEqual([]);
    loop.tick();
    expect(ran).toEqual([8]);
    // idle again from the last tick
    expect(loop.pending).toBe(0);
    expect(loop.step).toBe(8);
    clock.t += 25;
    expect(loop.step).toBe(10);
    // a hand tick while idle adds one step to the idle ones
    loop.tick();
    expect(loop.step).toBe(11);
    loop.stop();
  });

  it('runs work due in the same step in the order it was queued, after idle time too', () => {
    const { clock, loop } = manual(10);
    const order: string[] = [];
    clock.t += 1234;
    loop.enqueue('b', () => order.push('b'), 2);
    loop.enqueue('a', () => order.push('a'), 1);
    loop.enqueue('c', () => order.push('c'), 2);
    loop.enqueue('a', () => order.push('a2'), 5); // already due sooner: keeps its step, runs the new function
    loop.tick();
    expect(order).toEqual(['a2']);
    loop.tick();
    expect(order).toEqual(['a2', 'b', 'c']);
    expect(loop.step).toBe(125);
    loop.stop();
  });

  it('a step never goes backwards', () => {
    const { clock, loop } = manual(10);
    clock.t += 35;
    const before = loop.step;
    loop.enqueue('x', () => {}, 1);
    expect(loop.step).toBe(before);
    loop.tick();
    expect(loop.step).toBe(before + 1);
    loop.stop();
  });
});
