/**
 * Reads a file the user named (a kubeconfig, a token or certificate file) with a cap: a device such
 * as /dev/zero or /dev/urandom never ends, and reading it whole aborts Node (out of memory, exit 134).
 * A FIFO or /dev/stdin (`--kubeconfig <(...)`) is read as kubectl reads it, up to the cap; a
 * directory is refused by name.
 */
import fs from 'node:fs';

export class FileTooLarge extends Error {
  readonly code = 'EFBIG';
  constructor(
    readonly path: string,
    readonly maxBytes: number,
  ) {
    super(`${path} is larger than ${formatBytes(maxBytes)}`);
  }
}

export function formatBytes(n: number): string {
  return n >= 1 << 20 ? `${n / (1 << 20)} MiB` : n >= 1024 ? `${n / 1024} KiB` : `${n} bytes`;
}

/** The bytes of `file`; throws FileTooLarge past maxBytes, and Node's errors (ENOENT, EISDIR, EACCES) otherwise. */
export function readFileBounded(file: string, maxBytes: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error(`${file} is a directory`), { code: 'EISDIR' });
    if (st.isFile() && st.size > maxBytes) throw new FileTooLarge(file, maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes + 1 - total));
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > maxBytes) throw new FileTooLarge(file, maxBytes);
    }
    return Buffer.concat(chunks, total);
  } finally {
    fs.closeSync(fd);
  }
}
