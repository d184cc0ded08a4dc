/**
 * Process entry (bundled to dist/weavectl.js via src/entry.ts, and into the single executable by
 * scripts/build-binary.mjs). `--version` is answered here, before the commands and the libraries
 * they use are loaded; everything else goes through run.ts. No top-level await: the single
 * executable is a CommonJS bundle of this same file.
 */
import { setFlagsFromString } from 'node:v8';
import pkg from '../package.json' with { type: 'json' };

/** Set once the process is on its way out (see exitWhenWritten). */
let ending = false;

export function main(argv: string[] = process.argv): void {
  if (argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V')) {
    process.stdout.write(`${pkg.version}\n`);
    return;
  }
  // A closed stdout (`weavectl ... | head`) is not an error worth a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  void start(argv);
}

async function start(argv: string[]): Promise<void> {
  // V8 doubles its young generation (up to 2 x 16 MB) whenever objects survive its scavenges, as the
  // answers of a few dozen execs in flight do; for a short-lived command that reads thousands of
  // small answers (status, check, sysdump on a big cluster) that growth, and the pages it leaves
  // behind, were a third of the peak memory. Kept at its first size the young generation costs a few
  // more, cheap scavenges: `weavectl status` on 5,000 nodes went from 185-210 MB to 140-145 MB in the
  // same time (bench/status.mjs). The flag is read each time V8 would grow that space. Set only on
  // the Node lines it was measured on (20) and whose V8 has it (to 24): an unknown flag would print
  // an error line on every command.
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  if (nodeMajor >= 20 && nodeMajor <= 24) setFlagsFromString('--semi-space-growth-factor=1');
  const [{ run, report, reportFlags }, { isKubectlCompletion, nameFromPath, setProgramName }] = await Promise.all([import('./run.js'), import('./util/program-name.js')]);
  // As a kubectl plugin (kubectl-weave on PATH) the program is `kubectl weave`: the script's name, or
  // the single binary's own name (argv0, as kubectl executed it).
  const invoked = [argv[1], process.argv0].map(nameFromPath).find((n) => n !== 'weavectl');
  if (invoked) setProgramName(invoked);
  // As kubectl_complete-weave, kubectl asks for the completions of `kubectl weave ARGS` in cobra's format.
  if ([argv[1], process.argv0].some(isKubectlCompletion)) {
    setProgramName('kubectl weave');
    argv = [argv[0]!, argv[1]!, '__complete', '--cobra', ...argv.slice(2)];
  }
  // The guard of last resort: a promise nobody awaited that failed, or an exception thrown from a
  // callback, still ends in one `error:` line and exit 1 (a stack only with --verbose), never in
  // Node's own crash report. The first error wins; whatever comes after it is not printed.
  const { verbose, color } = reportFlags(argv);
  const fatal = (err: unknown) => {
    if (ending) return;
    exitWhenWritten(report(err, verbose, color) || 1);
  };
  process.on('unhandledRejection', fatal);
  process.on('uncaughtException', fatal);
  const code = await run(argv);
  if (!ending) exitWhenWritten(code);
}

/**
 * Ends the process once everything written to stdout and stderr is out. The command is done: a
 * keep-alive connection being closed or a timer must not keep it waiting (a watch's last answer
 * is followed by the exit at once, as with kubectl).
 */
function exitWhenWritten(code: number): void {
  ending = true;
  process.exitCode = code;
  const pending = [process.stdout, process.stderr].filter((s) => s.writableLength > 0);
  let left = pending.length;
  if (left === 0) process.exit(code);
  for (const s of pending) {
    // an empty write's callback runs once everything written before it is out
    s.write('', () => {
      if (--left === 0) process.exit(code);
    });
  }
}
