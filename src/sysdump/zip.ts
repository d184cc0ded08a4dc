/**
 * A streaming ZIP writer: entries are deflated (node:zlib, raw deflate) straight into the output
 * stream, one after the other, so memory holds one chunk at a time, never the archive. Each entry's
 * CRC-32 and sizes follow its data in a data descriptor (general purpose flag bit 3), and the
 * central directory (names, offsets, CRCs: a few dozen bytes per entry) is written at the end.
 * Names are UTF-8 (flag bit 11). ZIP64 records are written when the archive outgrows the classic
 * format (more than 65,534 entries, or offsets past 4 GiB); a single entry must stay under 4 GiB.
 *
 * Format: PKWARE APPNOTE.TXT 6.3.x, sections 4.3.7 (local file header), 4.3.9 (data descriptor),
 * 4.3.12 (central directory header), 4.3.14-4.3.16 (ZIP64 end of central directory record and
 * locator, end of central directory record), 4.5.3 (ZIP64 extended information extra field).
 *
 * No library: the format needed here is small (store nothing, deflate everything, no encryption),
 * and node:zlib gives deflate and, from Node 20.15, crc32 (a table-driven CRC-32 stands in before).
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import * as zlib from 'node:zlib';

// ---------------------------------------------------------------------------------------------
// CRC-32 (IEEE 802.3, as ZIP uses it)

let table: Uint32Array | undefined;

function crc32Table(): Uint32Array {
  if (table) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** CRC-32 of `data` continuing from `crc` (0 to start), in JavaScript. */
export function crc32Js(data: Uint8Array, crc = 0): number {
  const t = crc32Table();
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const nativeCrc32 = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 of `data` continuing from `crc`: node:zlib's when this Node has it (20.15+), else crc32Js. */
export const crc32: (data: Uint8Array, crc?: number) => number = typeof nativeCrc32 === 'function' ? (d, c = 0) => nativeCrc32(d, c) >>> 0 : crc32Js;

// ---------------------------------------------------------------------------------------------

const LOCAL_HEADER = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
const ZIP64_END = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const FLAGS = 0x0008 | 0x0800; // sizes in a data descriptor; UTF-8 names
const DEFLATE = 8;
const VERSION_NEEDED = 20; // 2.0: deflate
const VERSION_NEEDED_ZIP64 = 45;
const MADE_BY_UNIX = (3 << 8) | 45;
const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
/** Sources in memory up to this size are deflated in one synchronous call. */
const SYNC_LIMIT = 4 << 20;

interface Entry {
  name: Buffer;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
  time: number;
  date: number;
}

/** MS-DOS date and time (local fields of the UTC time: an archive reads the same everywhere). */
function dosTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getUTCFullYear());
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

export type EntrySource = string | Uint8Array | AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

export interface ZipWriterOptions {
  /** The modification time of every entry (default: now). */
  mtime?: Date;
  /** zlib level (default 6). */
  level?: number;
}

/**
 * Writes a ZIP archive to `out`. Entries are written in the order add() is called; calls made
 * while one is being written wait their turn. finish() writes the central directory; it does not
 * end `out` (the caller owns it).
 */
export class ZipWriter {
  private offset = 0;
  private readonly entries: Entry[] = [];
  private queue: Promise<void> = Promise.resolve();
  private finished = false;
  private readonly stamp: { time: number; date: number };
  private readonly level: number;
  private failed: unknown;

  constructor(
    private readonly out: Writable,
    opts: ZipWriterOptions = {},
  ) {
    this.stamp = dosTime(opts.mtime ?? new Date());
    this.level = opts.level ?? 6;
  }

  /** Entries written so far. */
  get count(): number {
    return this.entries.length;
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.offset;
  }

  /** Adds one file; resolves once it is written (and `out` has taken it, backpressure included). */
  add(name: string, source: EntrySource): Promise<void> {
    if (this.finished) return Promise.reject(new Error('zip: add() after finish()'));
    if (name === '' || name.startsWith('/') || name.split('/').includes('..')) return Promise.reject(new Error(`zip: bad entry name ${JSON.stringify(name)}`));
    const run = this.queue.then(() => {
      if (this.failed) throw this.failed;
      return this.writeEntry(name, source);
    });
    // A failed entry fails the archive: a half-written entry cannot be taken back.
    this.queue = run.catch((err) => {
      this.failed ??= err;
    });
    return run;
  }

  /** Writes the central directory and the end records. */
  async finish(): Promise<void> {
    if (this.finished) throw new Error('zip: finish() twice');
    this.finished = true;
    await this.queue;
    if (this.failed) throw this.failed;
    const cdStart = this.offset;
    for (const e of this.entries) await this.write(this.centralHeader(e));
    const cdSize = this.offset - cdStart;
    const count = this.entries.length;
    const zip64 = count >= MAX16 || cdStart >= MAX32 || cdSize >= MAX32;
    if (zip64) {
      const z64Offset = this.offset;
      const rec = Buffer.alloc(56);
      rec.writeUInt32LE(ZIP64_END, 0);
      rec.writeBigUInt64LE(44n, 4); // size of the rest of the record
      rec.writeUInt16LE(MADE_BY_UNIX, 12);
      rec.writeUInt16LE(VERSION_NEEDED_ZIP64, 14);
      rec.writeUInt32LE(0, 16); // this disk
      rec.writeUInt32LE(0, 20); // disk with the central directory
      rec.writeBigUInt64LE(BigInt(count), 24);
      rec.writeBigUInt64LE(BigInt(count), 32);
      rec.writeBigUInt64LE(BigInt(cdSize), 40);
      rec.writeBigUInt64LE(BigInt(cdStart), 48);
      const loc = Buffer.alloc(20);
      loc.writeUInt32LE(ZIP64_LOCATOR, 0);
      loc.writeUInt32LE(0, 4);
      loc.writeBigUInt64LE(BigInt(z64Offset), 8);
      loc.writeUInt32LE(1, 16); // total disks
      await this.write(Buffer.concat([rec, loc]));
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(END_OF_CENTRAL, 0);
    end.writeUInt16LE(0, 4);
    end.writeUInt16LE(0, 6);
    end.writeUInt16LE(Math.min(count, MAX16), 8);
    end.writeUInt16LE(Math.min(count, MAX16), 10);
    end.writeUInt32LE(Math.min(cdSize, MAX32), 12);
    end.writeUInt32LE(Math.min(cdStart, MAX32), 16);
    end.writeUInt16LE(0, 20);
    await this.write(end);
  }

  private async write(buf: Uint8Array): Promise<void> {
    this.offset += buf.length;
    // once() rejects when the stream emits 'error' meanwhile, and leaves no listener behind.
    if (!this.out.write(buf)) await once(this.out, 'drain');
  }

  private async writeEntry(nameText: string, source: EntrySource): Promise<void> {
    const name = Buffer.from(nameText, 'utf8');
    const offset = this.offset;
    const head = Buffer.alloc(30);
    head.writeUInt32LE(LOCAL_HEADER, 0);
    head.writeUInt16LE(VERSION_NEEDED, 4);
    head.writeUInt16LE(FLAGS, 6);
    head.writeUInt16LE(DEFLATE, 8);
    head.writeUInt16LE(this.stamp.time, 10);
    head.writeUInt16LE(this.stamp.date, 12);
    // CRC and sizes (14..25) are zero: they follow the data in the descriptor.
    head.writeUInt16LE(name.length, 26);
    head.writeUInt16LE(0, 28);
    await this.write(Buffer.concat([head, name]));

    let crc = 0;
    let size = 0;
    let compressed = 0;
    if ((typeof source === 'string' && source.length <= SYNC_LIMIT) || (source instanceof Uint8Array && source.length <= SYNC_LIMIT)) {
      // Small and already in memory: deflated at once on this thread. (A zlib stream per entry works
      // on the thread pool, whose allocations the C library keeps in per-thread arenas: with thousands
      // of entries the process grows by tens of MB for nothing.)
      const buf = typeof source === 'string' ? Buffer.from(source, 'utf8') : source;
      const out = zlib.deflateRawSync(buf, { level: this.level });
      crc = crc32(buf);
      size = buf.length;
      compressed = out.length;
      await this.write(out);
    } else {
      await this.deflateStream(source, (c) => (crc = crc32(c, crc)), (n) => (size += n), (n) => (compressed += n));
    }
    if (size >= MAX32 || compressed >= MAX32) throw new Error(`zip: entry ${nameText} is 4 GiB or more`);
    const desc = Buffer.alloc(16);
    desc.writeUInt32LE(DATA_DESCRIPTOR, 0);
    desc.writeUInt32LE(crc, 4);
    desc.writeUInt32LE(compressed, 8);
    desc.writeUInt32LE(size, 12);
    await this.write(desc);
    this.entries.push({ name, crc, compressed, size, offset, time: this.stamp.time, date: this.stamp.date });
  }

  /** A source of any size through a zlib stream, written as it comes out. */
  private async deflateStream(source: EntrySource, onData: (c: Uint8Array) => void, addSize: (n: number) => void, addCompressed: (n: number) => void): Promise<void> {
    const deflate = zlib.createDeflateRaw({ level: this.level });
    const pumped = (async () => {
      for await (const chunk of deflate as AsyncIterable<Buffer>) {
        addCompressed(chunk.length);
        await this.write(chunk);
      }
    })();
    const feed = async (chunk: string | Uint8Array) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      if (buf.length === 0) return;
      onData(buf);
      addSize(buf.length);
      if (!deflate.write(buf)) await once(deflate, 'drain');
    };
    try {
      if (typeof source === 'string' || source instanceof Uint8Array) {
        // Big strings go in slices, so the deflate stream's buffer stays small.
        const buf = typeof source === 'string' ? Buffer.from(source, 'utf8') : source;
        for (let i = 0; i < buf.length; i += 1 << 16) await feed(buf.subarray(i, i + (1 << 16)));
      } else {
        for await (const chunk of source as AsyncIterable<string | Uint8Array>) await feed(chunk);
      }
      deflate.end();
      await pumped;
    } catch (err) {
      deflate.destroy();
      await pumped.catch(() => undefined);
      throw err;
    }
  }

  private centralHeader(e: Entry): Buffer {
    const zip64 = e.offset >= MAX32;
    const extra = zip64 ? Buffer.alloc(12) : Buffer.alloc(0);
    if (zip64) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(8, 2);
      extra.writeBigUInt64LE(BigInt(e.offset), 4);
    }
    const h = Buffer.alloc(46);
    h.writeUInt32LE(CENTRAL_HEADER, 0);
    h.writeUInt16LE(MADE_BY_UNIX, 4);
    h.writeUInt16LE(zip64 ? VERSION_NEEDED_ZIP64 : VERSION_NEEDED, 6);
    h.writeUInt16LE(FLAGS, 8);
    h.writeUInt16LE(DEFLATE, 10);
    h.writeUInt16LE(e.time, 12);
    h.writeUInt16LE(e.date, 14);
    h.writeUInt32LE(e.crc, 16);
    h.writeUInt32LE(e.compressed, 20);
    h.writeUInt32LE(e.size, 24);
    h.writeUInt16LE(e.name.length, 28);
    h.writeUInt16LE(extra.length, 30);
    h.writeUInt16LE(0, 32); // comment
    h.writeUInt16LE(0, 34); // disk
    h.writeUInt16LE(0, 36); // internal attributes
    h.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a regular file, rw-r--r--
    h.writeUInt32LE(zip64 ? MAX32 : e.offset, 42);
    return Buffer.concat([h, e.name, extra]);
  }
}
