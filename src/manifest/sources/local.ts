/**
 * Manifests from the local machine: a file path (or file:// URL) and standard input.
 * A path that cannot be read is a command-line mistake (usageError, exit 2).
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { failure, usageError, WeavectlError } from '../../errors.js';

export interface LocalText {
  text: string;
  bytes: Buffer;
  sha256: string;
}

const SOURCE_HINT = '--source takes cloud, github, embedded, - (standard input), an https:// URL or a file path';

function done(bytes: Buffer): LocalText {
  const text = bytes.toString('utf8');
  return {
    bytes,
    text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

export async function readManifestFile(path: string, maxBytes: number): Promise<LocalText> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw fileError(path, err);
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw usageError(`${path} is a directory, not a manifest file`, SOURCE_HINT);
    if (st.isFile() && st.size > maxBytes) {
      throw failure(`${path} is ${st.size} bytes, more than the ${maxBytes}-byte limit for a manifest`);
    }
    // Read with a cap rather than trusting stat (a FIFO or /dev/stdin has no size).
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.alloc(64 * 1024);
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw failure(`${path} is larger than the ${maxBytes}-byte limit for a manifest`);
      chunks.push(buf.subarray(0, bytesRead));
    }
    return done(Buffer.concat(chunks));
  } catch (err) {
    if (err instanceof WeavectlError) throw err;
    throw fileError(path, err);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function fileError(path: string, err: unknown) {
  const code = (err as { code?: string } | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return usageError(`manifest file not found: ${path}`, SOURCE_HINT);
    case 'EACCES':
    case 'EPERM':
      return usageError(`cannot read manifest file ${path}: permission denied`);
    case 'EISDIR':
      return usageError(`${path} is a directory, not a manifest file`, SOURCE_HINT);
    case 'ENOTDIR':
      return usageError(`manifest file not found: ${path} (a parent is not a directory)`);
    default:
      return usageError(`cannot read manifest file ${path}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
}

/** Reads all of standard input (or the given stream). A terminal is refused: nobody types a manifest. */
export async function readManifestStdin(stream: NodeJS.ReadableStream, maxBytes: number): Promise<LocalText> {
  if ((stream as { isTTY?: boolean }).isTTY) {
    throw usageError('--source - reads the manifest from standard input, but standard input is a terminal', 'pipe a manifest in, e.g. `curl -sL URL | weavectl install --source - ...`');
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
      total += buf.length;
      if (total > maxBytes) {
        (stream as { destroy?: () => void }).destroy?.();
        throw failure(`standard input is larger than the ${maxBytes}-byte limit for a manifest`);
      }
      chunks.push(buf);
    }
  } catch (err) {
    if (err instanceof WeavectlError) throw err;
    throw failure(`cannot read standard input: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, undefined, err);
  }
  return done(Buffer.concat(chunks));
}
