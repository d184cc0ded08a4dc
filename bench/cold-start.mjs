// Cold start of the CLI against bare `node -e ""`, interleaved in one run, median of RUNS.
// Targets (issue #2): `weavectl --version` <= node + 40 ms; the dry-run render <= node + 120 ms.
import { fileURLToPath } from 'node:url';
import { median, report, timeRun } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = `${root}/bin/weavectl.js`;
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

export async function run() {
  const cases = {
    node: ['-e', ''],
    version: [bin, '--version'],
    render: [bin, 'install', '--k8s-version', '1.7.5', '--ipalloc', '172.25.64.0/18', '--dry-run=client', '-o', 'yaml'],
  };
  const times = { node: [], version: [], render: [] };
  for (const args of Object.values(cases)) timeRun(process.execPath, args, { cwd: root }); // warm the file cache
  for (let i = 0; i < RUNS; i++) {
    for (const [name, args] of Object.entries(cases)) times[name].push(timeRun(process.execPath, args, { cwd: root }));
  }
  const node = median(times.node);
  const v = median(times.version) - node;
  const r = median(times.render) - node;
  return report(`cold start (median of ${RUNS}; node -e "" = ${node.toFixed(1)} ms)`, [
    { name: 'weavectl --version, over node', value: `+${v.toFixed(1)} ms`, target: '<= +40 ms', ok: v <= 40 },
    { name: 'install --k8s-version 1.7.5 --dry-run=client -o yaml, over node', value: `+${r.toFixed(1)} ms`, target: '<= +120 ms', ok: r <= 120 },
  ]);
}
