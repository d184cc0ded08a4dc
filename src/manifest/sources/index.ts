/**
 * Where a manifest comes from: the cloud URL API (cloud.weave.works or a look-alike such as reweave),
 * GitHub release assets, an https:// URL, a file, or standard input. ('embedded' is resolved by the caller.)
 * Every text is hashed and the hash logged, so a user can pin it with --sha256 next time; a pinned hash
 * that differs is a failure. The text is parsed, not validated: see ../validate.ts.
 */
import { fileURLToPath } from 'node:url';
import { failure, usageError, WeavectlError } from '../../errors.js';
import { parseManifest, type Manifest } from '../manifest.js';
import { cloudFailure, cloudManifestUrl, cloudRedirectNote, DEFAULT_CLOUD_URL, retiredHostContentHint } from './cloud.js';
import { githubAsset, githubFailure } from './github.js';
import { DEFAULT_MAX_BYTES, FetchError, fetchText, isLoopbackHost, type FetchOptions, type FetchResult } from './http.js';
import { readManifestFile, readManifestStdin } from './local.js';

export interface SourceSpec {
  product: 'net' | 'scope';
  /** 'cloud' | 'github' | '-' (stdin) | 'https://...' | a file path ('embedded' is handled by the caller). */
  source: string;
  /** Exactly what the user gave (or the server's gitVersion), passed to the cloud API as is. */
  k8sVersionRaw: string;
  /** '1.5'|'1.6'|'1.7'|'1.8'|'1.9'|'1.11', resolved by the caller (GitHub asset names). */
  flavour?: string;
  /** Resolved version, e.g. '2.8.1' (github) / explicit --weave-version (cloud `v=` param). */
  weaveVersion?: string;
  /** --cloud-url; else WEAVECTL_CLOUD_URL; else https://cloud.weave.works. */
  cloudUrl?: string;
  /** Base for release downloads; else WEAVECTL_GITHUB_URL; else https://github.com. */
  githubUrl?: string;
  /** --github-repo; default weaveworks/weave (net) / weaveworks/scope (scope). */
  githubRepo?: string;
  insecureHttp?: boolean;
  /** Expected sha256 of the exact bytes (64 hex digits, optionally prefixed "sha256:"). */
  sha256?: string;
  /** Standard input, for source '-'; default process.stdin. */
  stdin?: NodeJS.ReadableStream;
  /** Total deadline of a download, retries included. Default 30s. */
  timeoutMs?: number;
  /** Finer HTTP settings (connect/headers timeouts, attempts, size cap) and, for tests, the sleep/clock. */
  http?: Omit<FetchOptions, 'insecureHttp' | 'log'>;
}

/** A loaded manifest and where exactly it came from. */
export interface LoadedManifest {
  manifest: Manifest;
  /** The URL asked for, the path, or "standard input". */
  origin: string;
  kind: 'cloud' | 'github' | 'url' | 'file' | 'stdin';
  /** For downloads: the URL that finally answered (after redirects). */
  finalUrl?: string;
  sha256: string;
  bytes: number;
}

export type SourceKind =
  | { kind: 'cloud' }
  | { kind: 'github' }
  | { kind: 'stdin' }
  | { kind: 'url'; url: string }
  | { kind: 'file'; path: string };

/** What a --source value means. Pure. */
export function classifySource(source: string): SourceKind {
  const s = source.trim();
  if (s === '') throw usageError('--source is empty', 'use cloud, github, embedded, - (standard input), an https:// URL or a file path');
  if (s === 'cloud') return { kind: 'cloud' };
  if (s === 'github') return { kind: 'github' };
  if (s === '-') return { kind: 'stdin' };
  if (s === 'embedded') throw failure('the embedded manifests are not a download source (resolve --source embedded before loadManifest)');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') return { kind: 'url', url: s };
  if (scheme === 'file') {
    try {
      return { kind: 'file', path: fileURLToPath(s) };
    } catch {
      throw usageError(`invalid file URL ${s}`);
    }
  }
  if (scheme) throw usageError(`unsupported URL scheme ${scheme}:// in --source ${s}`, 'use an https:// URL or a file path');
  return { kind: 'file', path: source };
}

/** Lower-case hex of a --sha256 value; a usageError unless it is 64 hex digits (a "sha256:" prefix is accepted). */
export function normalizeSha256(value: string): string {
  const v = value.trim().replace(/^sha256:/i, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(v)) {
    throw usageError(`invalid --sha256 "${value}": expected 64 hexadecimal digits`, 'copy the sha256 weavectl printed when it fetched the manifest, or run `sha256sum FILE`');
  }
  return v;
}

/** A user-given base or manifest URL: parseable, http(s), and plain http only to loopback unless allowed. */
function checkUserUrl(url: string, what: string, insecureHttp: boolean): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw usageError(`invalid ${what} "${url}"`, 'give a full address such as https://example.com/weave.yaml');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw usageError(`invalid ${what} "${url}": only https:// (or http:// to a loopback address) is supported`);
  }
  if (u.protocol === 'http:' && !insecureHttp && !isLoopbackHost(u.hostname)) {
    throw usageError(`refusing plain http:// for ${what} ${url}: only loopback hosts may be fetched without TLS`, 'use https://, or allow plain HTTP explicitly (--insecure-http) if you trust the network');
  }
  return u;
}

export async function loadManifest(spec: SourceSpec, log: (msg: string) => void): Promise<Manifest> {
  return (await loadManifestSource(spec, log)).manifest;
}

/** Like loadManifest, with the provenance (URL, sha256, size) for callers that record or print it. */
export async function loadManifestSource(spec: SourceSpec, log: (msg: string) => void): Promise<LoadedManifest> {
  const expected = spec.sha256 === undefined || spec.sha256 === '' ? undefined : normalizeSha256(spec.sha256);
  const source = classifySource(spec.source);
  const insecureHttp = spec.insecureHttp === true;
  const maxBytes = spec.http?.maxBytes ?? DEFAULT_MAX_BYTES;
  const fetchOpts: FetchOptions = {
    ...spec.http,
    insecureHttp,
    log,
    ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}),
  };

  let origin: string;
  let text: string;
  let sha256: string;
  let bytes: number;
  let finalUrl: string | undefined;
  let contentHint: string | undefined;

  switch (source.kind) {
    case 'cloud': {
      const base = spec.cloudUrl ?? envValue('WEAVECTL_CLOUD_URL') ?? DEFAULT_CLOUD_URL;
      checkUserUrl(base, 'cloud URL', insecureHttp);
      if (spec.k8sVersionRaw.trim() === '') {
        throw usageError('the cloud endpoint needs a Kubernetes version (k8s-version), and none is known', 'give the Kubernetes version, or connect to the cluster so weavectl can ask it');
      }
      origin = cloudManifestUrl(base, spec.product, spec.k8sVersionRaw, spec.weaveVersion);
      const res = await download(origin, fetchOpts, (err) => cloudFailure(err, { base, product: spec.product, k8sVersionRaw: spec.k8sVersionRaw }));
      const note = cloudRedirectNote(res.redirects);
      if (note) log(note);
      ({ text, sha256, finalUrl } = res);
      bytes = res.bytes.length;
      contentHint = retiredHostContentHint(origin);
      log(fetchedLine(origin, res));
      break;
    }
    case 'github': {
      const asset = githubAsset({
        product: spec.product,
        githubUrl: spec.githubUrl ?? envValue('WEAVECTL_GITHUB_URL'),
        githubRepo: spec.githubRepo,
        weaveVersion: spec.weaveVersion,
        flavour: spec.flavour,
      });
      checkUserUrl(asset.url, 'GitHub URL', insecureHttp);
      origin = asset.url;
      const res = await download(origin, fetchOpts, (err) => githubFailure(err, asset));
      ({ text, sha256, finalUrl } = res);
      bytes = res.bytes.length;
      log(fetchedLine(origin, res));
      break;
    }
    case 'url': {
      checkUserUrl(source.url, 'manifest URL', insecureHttp);
      origin = source.url;
      const res = await download(origin, fetchOpts, (err) => err);
      ({ text, sha256, finalUrl } = res);
      bytes = res.bytes.length;
      contentHint = retiredHostContentHint(origin) ?? rawFileHint(origin);
      log(fetchedLine(origin, res));
      break;
    }
    case 'file': {
      origin = source.path;
      const res = await readManifestFile(source.path, maxBytes);
      ({ text, sha256 } = res);
      bytes = res.bytes.length;
      log(`read ${origin} (${bytes} bytes, sha256 ${sha256})`);
      break;
    }
    case 'stdin': {
      origin = 'standard input';
      const res = await readManifestStdin(spec.stdin ?? process.stdin, maxBytes);
      ({ text, sha256 } = res);
      bytes = res.bytes.length;
      log(`read standard input (${bytes} bytes, sha256 ${sha256})`);
      break;
    }
  }

  if (expected !== undefined && expected !== sha256) {
    throw failure(`sha256 mismatch for ${origin}: expected ${expected}, got ${sha256}`, 'the content changed since the hash was taken: check where it comes from before trusting it, then pin the new hash');
  }

  let manifest: Manifest;
  try {
    manifest = parseManifest(text, origin);
  } catch (err) {
    if (err instanceof WeavectlError && contentHint) throw failure(err.message, contentHint, err);
    throw err;
  }
  if (manifest.docs.length === 0) {
    throw failure(`${origin}: no Kubernetes objects in the manifest (${bytes === 0 ? 'it is empty' : 'only comments or empty documents'})`, contentHint);
  }
  return { manifest, origin, kind: source.kind, sha256, bytes, ...(finalUrl !== undefined && finalUrl !== origin ? { finalUrl } : {}) };
}

function envValue(name: string): string | undefined {
  const v = process.env[name]?.trim();
  return v ? v : undefined;
}

async function download(url: string, opts: FetchOptions, explain: (err: FetchError) => WeavectlError): Promise<FetchResult> {
  try {
    return await fetchText(url, opts);
  } catch (err) {
    if (err instanceof FetchError) throw explain(err);
    throw err;
  }
}

function fetchedLine(url: string, res: FetchResult): string {
  return `fetched ${url} (${res.bytes.length} bytes, sha256 ${res.sha256})`;
}

/** A github.com/.../blob/... address serves the HTML page around the file, not the file. */
function rawFileHint(url: string): string | undefined {
  return /^https?:\/\/github\.com\/[^/]+\/[^/]+\/blob\//i.test(url)
    ? 'that is the GitHub page around the file: use its raw address (replace /blob/ with /raw/)'
    : undefined;
}
