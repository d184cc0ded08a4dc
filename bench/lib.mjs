// Small helpers shared by the benchmarks: timing child processes, medians, a result table, and loading
// the project's TypeScript (the simulator) into the benchmark process.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * The given `export ... from './test/...ts'` lines bundled with esbuild into one ES module and imported
 * (dependencies stay external, resolved from node_modules). The bundle is removed once imported.
 */
export async function importTs(exportLines) {
  const { build } = await import('esbuild');
  const dir = join(root, 'node_modules', '.cache', 'weavectl-bench');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `bundle-${process.pid}-${Math.random().toString(36).slice(2)}.mjs`);
  await build({
    absWorkingDir: root,
    stdin: { contents: exportLines.join('\n'), resolveDir: root, loader: 'ts' },
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  try {
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(outfile, { force: true });
  }
}

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

/**
 * Runs weavectl (bin/weavectl.js) as a child with these arguments; resolves with wall time, exit code,
 * stdout, stderr and the child's peak RSS in KiB: from `/usr/bin/time -f %M` when present (node flags in
 * `childFlags` go to that node), else from a wrapper that reads process.resourceUsage().maxRSS at exit.
 */
export function runCliPeakRss(args, { cwd = root, childFlags = [] } = {}) {
  const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  const cliArgs = [`${root}/bin/weavectl.js`, ...args];
  const wrapper = `process.on('exit', () => process.stderr.write('\\nmaxrss ' + process.resourceUsage().maxRSS + '\\n')); await import(${JSON.stringify(pathToFileURL(`${root}/bin/weavectl.js`).href)});`;
  const [cmd, cmdArgs] = timeBin
    ? [timeBin, ['-f', 'maxrss %M', process.execPath, ...childFlags, ...cliArgs]]
    : [process.execPath, ['--input-type=module', '-e', wrapper, ...cliArgs]];
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, cmdArgs, { cwd, env: { ...process.env, NO_COLOR: '1', CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const m = /maxrss (\d+)\s*$/.exec(stderr);
      resolve({ ms, code, stdout, stderr, rssKb: m ? Number(m[1]) : NaN });
    });
  });
}
