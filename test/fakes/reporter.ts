/** A Reporter whose stdout and stderr are kept in memory (plain mode, no colour), for flow tests. */
import { Writable } from 'node:stream';
import { Reporter } from '../../src/output/reporter.js';

function memoryStream() {
  const chunks: string[] = [];
  const s = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  }) as Writable & { isTTY?: boolean };
  s.isTTY = false;
  return { s, text: () => chunks.join('') };
}

export function memoryReporter(opts: { results?: 'stdout' | 'stderr'; verbose?: boolean } = {}): { reporter: Reporter; stdout: () => string; stderr: () => string } {
  const out = memoryStream();
  const err = memoryStream();
  const reporter = new Reporter({ stdout: out.s, stderr: err.s, env: {}, color: false, ...opts });
  return { reporter, stdout: out.text, stderr: err.text };
}
