/**
 * Where one file of the sysdump waits while it is collected: in memory up to `memoryLimit`, then in
 * a file of the spool folder (next to the archive). So many nodes can be read at once while the
 * archive takes one file at a time, and a 100 MB answer never sits in memory whole.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { basename, dirname, join } from 'node:path';

export const DEFAULT_MEMORY_LIMIT = 1 << 20;

export class SpoolDir {
  readonly path: string;
  private n = 0;

  /** A fresh folder beside `archive` (".<name>.parts-XXXXXX"), removed by dispose(). */
  constructor(archive: string) {
    this.path = mkdtempSync(join(dirname(archive), `.${basename(archive)}.parts-`));
  }

  spool(memoryLimit = DEFAULT_MEMORY_LIMIT): Spool {
    return new Spool(join(this.path, String(++this.n)), memoryLimit);
  }

  dispose(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

export class Spool {
  private chunks: Buffer[] = [];
  private held = 0;
  private file: WriteStream | undefined;
  private written = 0;

  constructor(
    private readonly filePath: string,
    private readonly memoryLimit: number,
  ) {}

  /** Bytes taken so far. */
  get size(): number {
    return this.held + this.written;
  }

  /** Takes a chunk; resolves when it may take the next (the file has room). */
  async write(chunk: string | Buffer): Promise<void> {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (buf.length === 0) return;
    if (!this.file && this.held + buf.length <= this.memoryLimit) {
      this.chunks.push(buf);
      this.held += buf.length;
      return;
    }
    if (!this.file) {
      this.file = createWriteStream(this.filePath);
      const first = Buffer.concat(this.chunks);
      this.chunks = [];
      this.held = 0;
      this.written += first.length;
      if (first.length > 0 && !this.file.write(first)) await once(this.file, 'drain');
    }
    this.written += buf.length;
    if (!this.file.write(buf)) await once(this.file, 'drain');
  }

  /** Everything written, when it is all still in memory (undefined once it went to the file). */
  inMemory(): Buffer | undefined {
    return this.file ? undefined : this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
  }

  /** What was written, from memory or from the file; call once, after the last write. */
  async *read(): AsyncGenerator<Buffer> {
    if (!this.file) {
      yield* this.chunks;
      return;
    }
    this.file.end();
    await once(this.file, 'close');
    for await (const chunk of createReadStream(this.filePath, { highWaterMark: 1 << 16 })) yield chunk as Buffer;
  }

  /** Forgets what was written (and removes its file). */
  async dispose(): Promise<void> {
    this.chunks = [];
    if (this.file) {
      if (!this.file.closed) {
        this.file.destroy();
        await once(this.file, 'close').catch(() => undefined);
      }
      rmSync(this.filePath, { force: true });
    }
  }
}
