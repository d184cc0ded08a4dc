// Cold start of the CLI against bare `node -e ""`, interleaved in one run, median of RUNS.
// Targets (issue #2): `weavectl --version` <= node + 40 ms; the dry-run render <= node + 120 ms.
// The single executable (npm run binary: dist/bin/weavectl) is reported beside them when it has been
// built, and so are dist/bin/weavectl-no-code-cache (node scripts/build-binary.mjs --no-code-cache
// --out dist/bin/weavectl-no-code-cache) and dist/bin/weavectl-snapshot (--snapshot --out ...) to
// show what the code cache and the startup snapshot do.
import { existsSync } from 'node:fs';
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
  const commands = Object.fromEntries(Object.entries(cases).map(([name, args]) => [name, [process.execPath, args]]));
  const binaries = {
    'dist/bin/weavectl': `${root}/dist/bin/weavectl`,
    'dist/bin/weavectl-no-code-cache': `${root}/dist/bin/weavectl-no-code-cache`,
    'dist/bin/weavectl-snapshot': `${root}/dist/bin/weavectl-snapshot`,
  };
  for (const [label, file] of Object.entries(binaries)) {
    if (!existsSync(file)) continue;
    commands[`${label} --version`] = [file, ['--version']];
    commands[`${label} install ... -o yaml`] = [file, cases.render.slice(1)];
  }
  const times = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (const [cmd, args] of Object.values(commands)) timeRun(cmd, args, { cwd: root }); // warm the file cache
  for (let i = 0; i < RUNS; i++) {
    for (const [name, [cmd, args]] of Object.entries(commands)) times[name].push(timeRun(cmd, args, { cwd: root }));
  }
  const node = median(times.node);
  const v = median(times.version) - node;
  const r = median(times.render) - node;
  const rows = [
    { name: 'weavectl --version, over node', value: `+${v.toFixed(1)} ms`, target: '<= +40 ms', ok: v <= 40 },
    { name: 'install --k8s-version 1.7.5 --dry-run=client -o yaml, over node', value: `+${r.toFixed(1)} ms`, target: '<= +120 ms', ok: r <= 120 },
    { name: 'node bin/weavectl.js --version', value: `${median(times.version).toFixed(1)} ms`, target: 'reported', ok: true },
    { name: 'node bin/weavectl.js install ... -o yaml', value: `${median(times.render).toFixed(1)} ms`, target: 'reported', ok: true },
  ];
  for (const name of Object.keys(commands).filter((n) => n.startsWith('dist/bin/'))) {
    rows.push({ name, value: `${median(times[name]).toFixed(1)} ms`, target: 'reported', ok: true });
  }
  if (!existsSync(binaries['dist/bin/weavectl'])) console.log('(no dist/bin/weavectl: `npm run binary` builds the single executable, then it is reported here)');
  return report(`cold start (median of ${RUNS}; node -e "" = ${node.toFixed(1)} ms)`, rows);
}
