/**
 * The streaming ZIP writer (src/sysdump/zip.ts), checked by tools that did not write it: `unzip -t`
 * (Info-ZIP) and Python's zipfile, whichever the machine has (skipped, saying so, only with neither).
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32, crc32Js, ZipWriter } from '../../src/sysdump/zip.js';

const dir = mkdtempSync(join(tmpdir(), 'weavectl-zip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const has = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).status === 0;
const UNZIP = has('unzip', ['-v']);
const PYTHON = has('python3', ['-c', 'import zipfile']);

/** Python's view of an archive: [name, size, sha256] per entry, after testzip() found no bad CRC. */
function pythonRead(file: string): [string, number, string][] {
  const script = `
import hashlib, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
if bad is not None: sys.exit("bad CRC in " + bad)
print(json.dumps([[i.filename, i.file_size, hashlib.sha256(z.read(i)).hexdigest()] for i in z.infolist()]))`;
  const r = spawnSync('python3', ['-c', script, file], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`python zipfile: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function archive(name: string, fill: (z: ZipWriter) => Promise<void>): Promise<string> {
  const file = join(dir, name);
  const out = createWriteStream(file);
  const z = new ZipWriter(out, { mtime: new Date('2026-12-03T14:30:08Z') });
  await fill(z);
  await z.finish();
  out.end();
  await once(out, 'close');
  return file;
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('crc32', () => {
  it('matches the CRC-32 check value and zlib', () => {
    expect(crc32Js(Buffer.from('123456789'))).toBe(0xcbf43926);
    const data = randomBytes(100_000);
    expect(crc32Js(data)).toBe(crc32(data));
    expect(crc32Js(data.subarray(50_000), crc32Js(data.subarray(0, 50_000)))).toBe(crc32(data));
  });
});

describe.skipIf(!UNZIP && !PYTHON)(`ZipWriter (checked with ${[UNZIP && 'unzip -t', PYTHON && 'python3 zipfile'].filter(Boolean).join(' and ') || 'nothing: neither unzip nor python3 is here'})`, () => {
  it('writes entries that unzip and zipfile read back byte for byte: text, empty, binary streamed in chunks, UTF-8 names', async () => {
    const big = randomBytes(3 * 1024 * 1024 + 17);
    const text = 'Service: router\n'.repeat(10_000);
    const file = await archive('a.zip', async (z) => {
      await z.add('dump/nodes/k8s-vm1/weave-status.txt', text);
      await z.add('dump/empty.txt', '');
      await z.add(
        'dump/big.bin',
        (async function* () {
          for (let i = 0; i < big.length; i += 100_000) yield big.subarray(i, i + 100_000);
        })(),
      );
      await z.add('dump/nœud-ü.txt', 'ü');
    });
    if (UNZIP) {
      const r = spawnSync('unzip', ['-t', file], { encoding: 'utf8' });
      expect(r.stdout + r.stderr).toMatch(/No errors detected in compressed data/);
      expect(r.status).toBe(0);
    }
    if (PYTHON) {
      expect(pythonRead(file)).toEqual([
        ['dump/nodes/k8s-vm1/weave-status.txt', text.length, sha(text)],
        ['dump/empty.txt', 0, sha('')],
        ['dump/big.bin', big.length, sha(big)],
        ['dump/nœud-ü.txt', 2, sha('ü')],
      ]);
    }
    // Deflated: the repetitive text takes a small part of the archive.
    expect(readFileSync(file).length).toBeLessThan(big.length + text.length / 20);
  });

  it('keeps the order of concurrent add() calls and refuses names that escape the archive', async () => {
    const file = await archive('b.zip', async (z) => {
      await Promise.all(['1', '2', '3'].map((n) => z.add(`d/${n}.txt`, n.repeat(100_000))));
      await expect(z.add('../evil', 'x')).rejects.toThrow(/bad entry name/);
      await expect(z.add('/abs', 'x')).rejects.toThrow(/bad entry name/);
    });
    if (PYTHON) expect(pythonRead(file).map((e) => e[0])).toEqual(['d/1.txt', 'd/2.txt', 'd/3.txt']);
    else expect(spawnSync('unzip', ['-t', file]).status).toBe(0);
  });

  it('a source that fails fails the archive: later entries are refused', async () => {
    const out = createWriteStream(join(dir, 'c.zip'));
    const z = new ZipWriter(out);
    await expect(
      z.add(
        'x',
        (async function* () {
          yield 'a';
          throw new Error('the stream broke');
        })(),
      ),
    ).rejects.toThrow('the stream broke');
    await expect(z.add('y', 'b')).rejects.toThrow('the stream broke');
    await expect(z.finish()).rejects.toThrow('the stream broke');
    out.end();
    await once(out, 'close');
  });
});
