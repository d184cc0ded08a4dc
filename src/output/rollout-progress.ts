/**
 * How a rollout in progress is shown (pure string building):
 * - TTY:   one live line per workload, e.g. `weave-net  5/8 updated  4/8 available  [#########-------]`
 * - plain: kubectl's own messages, one line per change
 */
import type { RolloutStatus } from '../rollout/status.js';

export function bar(fraction: number, width = 20): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}]`;
}

/** The live TTY line for one workload. */
export function liveLine(name: string, s: RolloutStatus): string {
  const { desired, updated, available } = s.counts;
  if (s.done) return `${name}  ${available}/${desired} available  ${bar(1)}  done`;
  if (!s.message && s.error) return `${name}  ${s.error}`;
  // Before the controller has counted the nodes, kubectl's words say more than "0/0"; before it has
  // observed the new spec the counts are the previous generation's (a full bar right after an apply).
  if (desired === 0 || s.observed === false) return `${name}  ${s.message}`;
  // Halfway credit for updated, full for available: the bar only fills when pods serve.
  const progress = desired > 0 ? (updated + available) / (2 * desired) : 0;
  return `${name}  ${updated}/${desired} updated  ${available}/${desired} available  ${bar(progress)}`;
}
