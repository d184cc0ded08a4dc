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
  process.exitCode = await run(argv);
}
