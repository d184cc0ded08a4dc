/**
 * Process entry (bundled to dist/weavectl.js). `--version` is answered here, before the commands
 * and the libraries they use are loaded; everything else goes through run.ts.
 */
import pkg from '../package.json' with { type: 'json' };

const argv = process.argv;
if (argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V')) {
  process.stdout.write(`${pkg.version}\n`);
} else {
  // A closed stdout (`weavectl ... | head`) is not an error worth a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  const { run } = await import('./run.js');
  exitWhenWritten(await run(argv));
}

/**
 * Ends the process once everything written to stdout and stderr is out. The command is done: a
 * keep-alive connection being closed or a timer must not keep it waiting (a watch's last answer
 * is followed by the exit at once, as with kubectl).
 */
function exitWhenWritten(code: number): void {
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
