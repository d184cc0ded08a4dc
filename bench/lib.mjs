// Small helpers shared by the benchmarks: timing child processes, medians, and a result table.
import { spawnSync } from 'node:child_process';

export function timeRun(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** rows: {name, value, target, ok} -> prints a table; returns true when every target is met. */
export function report(title, rows) {
  console.log(`\n## ${title}`);
  for (const r of rows) {
    console.log(`${r.ok ? 'PASS' : 'FAIL'}  ${r.name.padEnd(58)} ${r.value.padStart(12)}   target: ${r.target}`);
  }
  return rows.every((r) => r.ok);
}
