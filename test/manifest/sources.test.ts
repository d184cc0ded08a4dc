import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WeavectlError } from '../../src/errors.js';
import { findDoc, refOf } from '../../src/manifest/manifest.js';
import { cloudFailure, cloudManifestUrl, cloudRedirectNote, isRetiredCloudHost, k8sVersionOf, retiredHostContentHint } from '../../src/manifest/sources/cloud.js';
import { githubAsset, netAssetName } from '../../src/manifest/sources/github.js';
import { FetchError } from '../../src/manifest/sources/http.js';
import { classifySource, loadManifest, loadManifestSource, normalizeSha256, type SourceSpec } from '../../src/manifest/sources/index.js';
import { validateNet, validateScope } from '../../src/manifest/validate.js';
import { REFERENCE_DIR, referenceText, releaseAsset, startCloudEndpoint, type CloudEndpoint } from '../fixtures/cloud-endpoint.js';

let ep: CloudEndpoint;
beforeAll(async () => {
  ep = await startCloudEndpoint();
});
afterAll(async () => {
  await ep.close();
});
afterEach(() => {
  ep.set({ mode: 'cloud', faults: [] });
  ep.requests.length = 0;
});

const sha = (text: string) => createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');
const noSleep = { sleep: async () => undefined, random: () => 1 };

function spec(over: Partial<SourceSpec>): SourceSpec {
  return { product: 'net', source: 'cloud', k8sVersionRaw: '1.29', cloudUrl: ep.url, githubUrl: ep.url, http: noSleep, ...over };
}

async function load(over: Partial<SourceSpec>) {
  const logs: string[] = [];
  const res = await loadManifestSource(spec(over), (m) => logs.push(m));
  return { ...res, logs };
}

async function errorOf(p: Promise<unknown>): Promise<WeavectlError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(WeavectlError);
    return err as WeavectlError;
  }
  throw new Error('expected a failure');
}

/** The base64 of `kubectl version` as the docs' one-liner sent it. */
function kubectlVersionB64(server: string, client = 'v1.26.0'): string {
  const text =
    `Client Version: version.Info{Major:"1", Minor:"26", GitVersion:"${client}", GitCommit:"abc", GitTreeState:"clean", GoVersion:"go1.19", Compiler:"gc", Platform:"linux/amd64"}\n` +
    `Server Version: version.Info{Major:"1", Minor:"x", GitVersion:"${server}", GitCommit:"def", GitTreeState:"clean", GoVersion:"go1.19", Compiler:"gc", Platform:"linux/amd64"}\n`;
  return Buffer.from(text).toString('base64');
}

describe('cloud source', () => {
  it('asks /k8s/net with the raw version, follows the 301 and logs the fact and the hash', async () => {
    const r = await load({ k8sVersionRaw: 'v1.29.3' });
    expect(ep.requests.map((q) => q.url)).toEqual(['/k8s/net?k8s-version=v1.29.3', '/k8s/v1.16/net.yaml?k8s-version=v1.29.3']);
    const host = new URL(ep.url).host;
    expect(r.logs[0]).toBe(`${host}: returning config for Kubernetes version v1.16 and above (redirected to ${ep.url}/k8s/v1.16/net.yaml?k8s-version=v1.29.3)`);
    expect(r.logs[1]).toMatch(new RegExp(`^fetched ${ep.url.replace(/[.]/g, '\\.')}/k8s/net\\?k8s-version=v1\\.29\\.3 \\(\\d+ bytes, sha256 [0-9a-f]{64}\\)$`));
    expect(r.logs[1]).toContain(`(${r.bytes} bytes, sha256 ${r.sha256})`);
    expect(r.kind).toBe('cloud');
    expect(r.origin).toBe(`${ep.url}/k8s/net?k8s-version=v1.29.3`);
    expect(r.finalUrl).toBe(`${ep.url}/k8s/v1.16/net.yaml?k8s-version=v1.29.3`);
    expect(r.manifest.origin).toBe(r.origin);
    const ds = findDoc(r.manifest, 'DaemonSet', 'weave-net');
    expect(ds?.getIn(['spec', 'template', 'spec', 'priorityClassName'])).toBe('system-node-critical');
    expect(validateNet(r.manifest)).toEqual([]);
  });

  it('passes a base64 `kubectl version` through untouched (URL-encoded) and gets the matching flavour', async () => {
    const raw = kubectlVersionB64('v1.7.16');
    const r = await load({ k8sVersionRaw: raw });
    expect(ep.requests[0]!.url).toBe(`/k8s/net?k8s-version=${encodeURIComponent(raw)}`);
    expect(r.logs[0]).toContain('returning config for Kubernetes version v1.7 and above');
    const ds = findDoc(r.manifest, 'DaemonSet', 'weave-net')!;
    expect(refOf(ds).apiVersion).toBe('extensions/v1beta1');
  });

  it('sends the Weave version only when one was asked for', async () => {
    await load({ k8sVersionRaw: '1.8' });
    expect(ep.requests[0]!.url).toBe('/k8s/net?k8s-version=1.8');
    ep.requests.length = 0;
    const r = await load({ k8sVersionRaw: '1.8', weaveVersion: '2.6.0' });
    expect(ep.requests[0]!.url).toBe('/k8s/net?k8s-version=1.8&version=2.6.0');
    const ds = findDoc(r.manifest, 'DaemonSet', 'weave-net')!;
    expect(ds.toString()).toContain("image: 'weaveworks/weave-kube:2.6.0'");
  });

  it('fetches Scope from /k8s/scope.yaml', async () => {
    const r = await load({ product: 'scope', k8sVersionRaw: '1.25' });
    expect(ep.requests.map((q) => q.url)).toEqual(['/k8s/scope.yaml?k8s-version=1.25']);
    expect(r.sha256).toBe(sha(referenceText('scope-1.13.2-k8s-scope-release-asset.yaml')));
    expect(validateScope(r.manifest)).toEqual([]);
  });

  it('refuses an empty Kubernetes version before asking (exit 2)', async () => {
    const err = await errorOf(load({ k8sVersionRaw: '  ' }));
    expect(err.exitCode).toBe(2);
    expect(ep.requests).toHaveLength(0);
  });

  it('refuses a plain-http cloud URL that is not loopback (exit 2, no connection)', async () => {
    const err = await errorOf(load({ cloudUrl: 'http://192.0.2.7' }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe('refusing plain http:// for cloud URL http://192.0.2.7: only loopback hosts may be fetched without TLS');
  });

  it('reads WEAVECTL_CLOUD_URL when no cloud URL is given', async () => {
    const saved = process.env.WEAVECTL_CLOUD_URL;
    process.env.WEAVECTL_CLOUD_URL = ep.url;
    try {
      const r = await load({ cloudUrl: undefined });
      expect(r.origin).toBe(`${ep.url}/k8s/net?k8s-version=1.29`);
    } finally {
      if (saved === undefined) delete process.env.WEAVECTL_CLOUD_URL;
      else process.env.WEAVECTL_CLOUD_URL = saved;
    }
  });

  it('says which endpoint has no manifest for the version (404)', async () => {
    ep.set({ mode: 'reweave' });
    // reweave reads the first GitVersion of the text, the client's: both are 1.7 here.
    const err = await errorOf(load({ k8sVersionRaw: kubectlVersionB64('v1.7.2', 'v1.7.2') }));
    expect(err.exitCode).toBe(1);
    expect(err.message).toBe(`${ep.url} has no Weave Net manifest for Kubernetes v1.7.2 (HTTP 404 Not Found)`);
    expect(err.hint).toContain('--source github');
    expect(err.hint).toContain('omit --source');
  });

  it('works against a reweave-style endpoint (no redirect, base64 version)', async () => {
    ep.set({ mode: 'reweave' });
    const r = await load({ k8sVersionRaw: kubectlVersionB64('v1.29.1'), weaveVersion: '2.9.0' });
    expect(ep.requests.map((q) => q.url)).toEqual([`/k8s/net?k8s-version=${encodeURIComponent(kubectlVersionB64('v1.29.1'))}&version=2.9.0`]);
    expect(r.logs).toHaveLength(1);
    expect(r.logs[0]).toMatch(/^fetched /);
    expect(findDoc(r.manifest, 'DaemonSet', 'weave-net')!.toString()).toContain('rajchaudhuri/weave-kube:2.9.0');
    expect(validateNet(r.manifest)).toEqual([]);
  });

  it('reports a refused connection to a non-retired host plainly', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const err = await errorOf(load({ cloudUrl: `http://127.0.0.1:${port}` }));
    expect(err.message).toBe(`cannot fetch http://127.0.0.1:${port}/k8s/net?k8s-version=1.29: connection refused by 127.0.0.1:${port}`);
    expect(err.message).not.toContain('2022');
  });

  it('turns an HTML page into a one-line failure', async () => {
    ep.set({ faults: [{ html: true }] });
    const err = await errorOf(load({}));
    expect(err.exitCode).toBe(1);
    expect(err.message).toBe(`${ep.url}/k8s/net?k8s-version=1.29: got an HTML/XML page instead of a YAML manifest`);
  });

  it('retries a 500 and then loads', async () => {
    ep.set({ faults: [{ match: '/k8s/v1.16/', status: 500, times: 1 }] });
    const r = await load({});
    expect(ep.requests.map((q) => q.url)).toEqual([
      '/k8s/net?k8s-version=1.29',
      '/k8s/v1.16/net.yaml?k8s-version=1.29',
      '/k8s/net?k8s-version=1.29',
      '/k8s/v1.16/net.yaml?k8s-version=1.29',
    ]);
    expect(r.logs[0]).toContain('HTTP 500 Internal Server Error');
    expect(r.logs[0]).toContain('retrying in 500ms (attempt 2 of 4)');
  });

  it('loads a manifest with foreign images (validation is a separate step that refuses it)', async () => {
    ep.set({ faults: [{ foreignImage: 'docker.io/evil/miner:1.0' }] });
    const m = await loadManifest(spec({}), () => undefined);
    expect(() => validateNet(m)).toThrow(/image docker\.io\/evil\/miner:1\.0 .* pass --allow-any-image/);
  });

  it('passes the total deadline down', async () => {
    ep.set({ faults: [{ delayMs: 3000 }] });
    const started = Date.now();
    const err = await errorOf(load({ timeoutMs: 250 }));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err.message).toBe(`cannot fetch ${ep.url}/k8s/net?k8s-version=1.29: timed out after 250ms`);
  });
});

describe('the retired cloud.weave.works host', () => {
  const url = 'https://cloud.weave.works/k8s/net?k8s-version=1.29';
  const ctx = { base: 'https://cloud.weave.works', product: 'net' as const, k8sVersionRaw: '1.29' };

  it('is recognised by host name only', () => {
    expect(isRetiredCloudHost('https://cloud.weave.works')).toBe(true);
    expect(isRetiredCloudHost('https://CLOUD.weave.works./k8s/net')).toBe(true);
    expect(isRetiredCloudHost('http://cloud.weave.works:8080/')).toBe(true);
    expect(isRetiredCloudHost('https://reweave.azurewebsites.net')).toBe(false);
    expect(isRetiredCloudHost('https://cloud.weave.works.example.com')).toBe(false);
    expect(isRetiredCloudHost('not a url')).toBe(false);
  });

  it.each([
    ['dns', 'DNS lookup of cloud.weave.works failed (ENOTFOUND)'],
    ['refused', 'connection refused by cloud.weave.works:443'],
    ['connect-timeout', 'connect to cloud.weave.works:443 timed out after 10s'],
    ['timeout', 'timed out after 30s'],
    ['tls', 'TLS error with cloud.weave.works:443: certificate has expired (CERT_HAS_EXPIRED)'],
  ] as const)('explains that it has been down since 2022 when it does not answer (%s)', (reason, detail) => {
    const e = cloudFailure(new FetchError(url, reason, detail), ctx);
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe(`cloud.weave.works did not answer (${detail}): it has been down since 2022 (weaveworks/weave#3960)`);
    expect(e.hint).toBe('use --source github to download the release files from GitHub, or omit --source to use the manifests embedded in weavectl');
    expect(e.message).not.toContain('\n');
  });

  it('keeps other failures but points at the alternatives', () => {
    const e = cloudFailure(new FetchError(url, 'status', 'HTTP 502 Bad Gateway (after 4 attempts)', { status: 502 }), ctx);
    expect(e.message).toBe(`cannot fetch ${url}: HTTP 502 Bad Gateway (after 4 attempts)`);
    expect(e.hint).toContain('down since 2022 (weaveworks/weave#3960)');
    expect(e.hint).toContain('--source github');
  });

  it('has a hint for content errors (a parked page) from the dead domain', () => {
    // loadManifestSource attaches it by host name; a loopback server cannot be that host, so the helper is checked.
    expect(retiredHostContentHint(url)).toContain('omit --source');
    expect(retiredHostContentHint('https://example.com/x.yaml')).toBeUndefined();
  });

  it('explains reweave 404s', () => {
    const base = 'https://reweave.azurewebsites.net';
    const mk = (raw: string) =>
      cloudFailure(new FetchError(`${base}/k8s/net?k8s-version=x`, 'status', 'HTTP 404 Not Found', { status: 404 }), { base, product: 'net', k8sVersionRaw: raw });
    expect(mk(kubectlVersionB64('v1.7.3')).message).toBe(
      'reweave.azurewebsites.net has no Weave Net manifest for Kubernetes v1.7.3 (HTTP 404): reweave serves Kubernetes 1.8 and later only',
    );
    expect(mk('1.29').message).toBe(
      'reweave.azurewebsites.net has no Weave Net manifest for Kubernetes 1.29 (HTTP 404): reweave reads k8s-version only as the base64 of `kubectl version` output',
    );
    expect(mk('1.6').message).toContain('reweave serves Kubernetes 1.8 and later only');
    expect(mk('1.6').hint).toContain('--source github');
  });

  it('builds cloud URLs: v= for cloud.weave.works, version= elsewhere', () => {
    expect(cloudManifestUrl('https://cloud.weave.works/', 'net', 'v1.29.3')).toBe('https://cloud.weave.works/k8s/net?k8s-version=v1.29.3');
    expect(cloudManifestUrl('https://cloud.weave.works', 'net', '1.16', 'v2.8.1')).toBe('https://cloud.weave.works/k8s/net?k8s-version=1.16&v=2.8.1');
    expect(cloudManifestUrl('https://cloud.weave.works', 'scope', 'a+b/c=')).toBe('https://cloud.weave.works/k8s/scope.yaml?k8s-version=a%2Bb%2Fc%3D');
    expect(cloudManifestUrl('https://reweave.azurewebsites.net', 'net', 'x', '2.9.0')).toBe('https://reweave.azurewebsites.net/k8s/net?k8s-version=x&version=2.9.0');
  });

  it('reads the redirect fact', () => {
    expect(cloudRedirectNote([{ status: 301, from: 'https://cloud.weave.works/k8s/net?k8s-version=1.9', to: 'https://cloud.weave.works/k8s/v1.8/net.yaml?k8s-version=1.9' }])).toBe(
      'cloud.weave.works: returning config for Kubernetes version v1.8 and above (redirected to https://cloud.weave.works/k8s/v1.8/net.yaml?k8s-version=1.9)',
    );
    expect(cloudRedirectNote([{ status: 302, from: 'https://github.com/a', to: 'https://objects.githubusercontent.com/x' }])).toBeUndefined();
    expect(cloudRedirectNote([])).toBeUndefined();
  });

  it('reads the Kubernetes version out of k8s-version values', () => {
    expect(k8sVersionOf('1.14')).toEqual({ major: 1, minor: 14, text: '1.14' });
    expect(k8sVersionOf('v1.10.0')).toEqual({ major: 1, minor: 10, text: 'v1.10.0' });
    expect(k8sVersionOf('v1.29.3+k3s1')).toMatchObject({ minor: 29 });
    expect(k8sVersionOf(kubectlVersionB64('v1.9.11', 'v1.26.0'))).toEqual({ major: 1, minor: 9, text: 'v1.9.11' });
    const short = Buffer.from('Client Version: v1.28.2\nKustomize Version: v5.0.4\nServer Version: v1.27.4\n').toString('base64');
    expect(k8sVersionOf(short)).toEqual({ major: 1, minor: 27, text: 'v1.27.4' });
    const json = Buffer.from(JSON.stringify({ clientVersion: { gitVersion: 'v1.30.0' }, serverVersion: { gitVersion: 'v1.25.16' } })).toString('base64');
    expect(k8sVersionOf(json)).toMatchObject({ minor: 25 });
    expect(k8sVersionOf('garbage!')).toBeUndefined();
  });
});

describe('github source', () => {
  it('downloads the Net release asset through the 302', async () => {
    const r = await load({ source: 'github', flavour: '1.11', weaveVersion: '2.8.1' });
    expect(ep.requests.map((q) => q.url.replace(/\?.*/, ''))).toEqual([
      '/weaveworks/weave/releases/download/v2.8.1/weave-daemonset-k8s-1.11.yaml',
      '/objects/weaveworks/weave/2.8.1/weave-daemonset-k8s-1.11.yaml',
    ]);
    expect(r.origin).toBe(`${ep.url}/weaveworks/weave/releases/download/v2.8.1/weave-daemonset-k8s-1.11.yaml`);
    expect(r.sha256).toBe(sha(releaseAsset(referenceText('net-2.8.1-k8s-1.11.yaml'), '2.8.1')));
    expect(r.logs).toEqual([`fetched ${r.origin} (${r.bytes} bytes, sha256 ${r.sha256})`]);
    expect(validateNet(r.manifest)).toEqual([]);
  });

  it('names the 1.5 flavour weave-daemonset.yaml', async () => {
    const r = await load({ source: 'github', flavour: '1.5', weaveVersion: 'v2.0.5' });
    expect(ep.requests[0]!.url).toBe('/weaveworks/weave/releases/download/v2.0.5/weave-daemonset.yaml');
    expect(validateNet(r.manifest)).toEqual([]);
  });

  it('honours --github-repo (reweave releases)', async () => {
    const r = await load({ source: 'github', flavour: '1.11', weaveVersion: '2.9.0', githubRepo: 'rajch/weave' });
    expect(ep.requests[0]!.url).toBe('/rajch/weave/releases/download/v2.9.0/weave-daemonset-k8s-1.11.yaml');
    expect(validateNet(r.manifest)).toEqual([]);
  });

  it('downloads Scope v1.13.2 k8s-scope.yaml by default', async () => {
    const r = await load({ product: 'scope', source: 'github' });
    expect(ep.requests[0]!.url).toBe('/weaveworks/scope/releases/download/v1.13.2/k8s-scope.yaml');
    expect(findDoc(r.manifest, 'Service', 'weave-scope-app')?.toJSON()).toMatchObject({ kind: 'Service', metadata: { name: 'weave-scope-app' } });
    expect(validateScope(r.manifest)).toEqual([]);
  });

  it('says which file the release lacks (404)', async () => {
    const err = await errorOf(load({ source: 'github', flavour: '1.6', weaveVersion: '2.8.1' }));
    expect(err.exitCode).toBe(1);
    expect(err.message).toBe(
      `weaveworks/weave release v2.8.1 has no file weave-daemonset-k8s-1.6.yaml (HTTP 404 for ${ep.url}/weaveworks/weave/releases/download/v2.8.1/weave-daemonset-k8s-1.6.yaml)`,
    );
    expect(err.hint).toBe(`check the version and the files the release offers at ${ep.url}/weaveworks/weave/releases/tag/v2.8.1`);
  });

  it('refuses bad inputs before connecting', async () => {
    expect((await errorOf(load({ source: 'github', flavour: '1.11' }))).message).toBe('--source github needs a Weave Net version to download');
    expect((await errorOf(load({ source: 'github', flavour: '1.12', weaveVersion: '2.8.1' }))).message).toBe('unknown Weave Net manifest flavour "1.12"');
    expect((await errorOf(load({ source: 'github', flavour: '1.11', weaveVersion: 'latest' }))).exitCode).toBe(2);
    expect((await errorOf(load({ source: 'github', flavour: '1.11', weaveVersion: '2.8.1', githubRepo: 'weaveworks' }))).message).toBe('invalid GitHub repository "weaveworks"');
    expect(ep.requests).toHaveLength(0);
  });

  it('builds the documented asset URLs', () => {
    expect(githubAsset({ product: 'net', weaveVersion: '2.8.1', flavour: '1.11' }).url).toBe(
      'https://github.com/weaveworks/weave/releases/download/v2.8.1/weave-daemonset-k8s-1.11.yaml',
    );
    expect(githubAsset({ product: 'scope' }).url).toBe('https://github.com/weaveworks/scope/releases/download/v1.13.2/k8s-scope.yaml');
    expect(githubAsset({ product: 'scope', weaveVersion: '1.12.0', githubUrl: 'https://mirror.corp/gh/' }).url).toBe(
      'https://mirror.corp/gh/weaveworks/scope/releases/download/v1.12.0/k8s-scope.yaml',
    );
    expect(['1.5', '1.6', '1.7', '1.8', '1.9', '1.11'].map(netAssetName)).toEqual([
      'weave-daemonset.yaml',
      'weave-daemonset-k8s-1.6.yaml',
      'weave-daemonset-k8s-1.7.yaml',
      'weave-daemonset-k8s-1.8.yaml',
      'weave-daemonset-k8s-1.9.yaml',
      'weave-daemonset-k8s-1.11.yaml',
    ]);
  });
});

describe('URL source', () => {
  it('downloads an http URL on loopback', async () => {
    const r = await load({ source: `${ep.url}/k8s/v1.9/net.yaml` });
    expect(r.kind).toBe('url');
    expect(validateNet(r.manifest)).toEqual([]);
  });

  it('refuses plain http to a non-loopback host with exit 2 and never connects', async () => {
    const started = Date.now();
    const err = await errorOf(load({ source: 'http://192.0.2.1/weave.yaml' }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe('refusing plain http:// for manifest URL http://192.0.2.1/weave.yaml: only loopback hosts may be fetched without TLS');
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('reports a 404 naming the URL', async () => {
    const err = await errorOf(load({ source: `${ep.url}/nothing/here.yaml` }));
    expect(err.exitCode).toBe(1);
    expect(err.message).toBe(`cannot fetch ${ep.url}/nothing/here.yaml: HTTP 404 Not Found`);
  });

  it('refuses a truncated download', async () => {
    ep.set({ faults: [{ truncate: true }] });
    const err = await errorOf(load({ source: `${ep.url}/k8s/v1.9/net.yaml` }));
    expect(err.message).toContain('(truncated download) (after 4 attempts)');
  });

  it('reports the YAML syntax error with its line', async () => {
    ep.set({ faults: [{ body: 'apiVersion: v1\nkind: List\nitems:\n  - a: [1, 2\n' }] });
    const err = await errorOf(load({ source: `${ep.url}/bad.yaml` }));
    expect(err.message).toMatch(new RegExp(`^${ep.url.replace(/[.]/g, '\\.')}/bad\\.yaml: YAML syntax error at line \\d+`));
  });

  it('refuses an empty download', async () => {
    ep.set({ faults: [{ body: '# nothing here\n' }] });
    const err = await errorOf(load({ source: `${ep.url}/empty.yaml` }));
    expect(err.message).toBe(`${ep.url}/empty.yaml: no Kubernetes objects in the manifest (only comments or empty documents)`);
  });
});

describe('sha256', () => {
  const expected = sha(releaseAsset(referenceText('net-2.8.1-k8s-1.11.yaml'), '2.8.1'));
  const gh = { source: 'github', flavour: '1.11', weaveVersion: '2.8.1' } as const;

  it('accepts the matching hash (any case, optional sha256: prefix)', async () => {
    await load({ ...gh, sha256: expected });
    await load({ ...gh, sha256: `sha256:${expected.toUpperCase()}` });
  });

  it('fails on a different hash, naming both', async () => {
    const wrong = 'a'.repeat(64);
    const err = await errorOf(load({ ...gh, sha256: wrong }));
    expect(err.exitCode).toBe(1);
    expect(err.message).toBe(`sha256 mismatch for ${ep.url}/weaveworks/weave/releases/download/v2.8.1/weave-daemonset-k8s-1.11.yaml: expected ${wrong}, got ${expected}`);
  });

  it('refuses a malformed --sha256 before fetching (exit 2)', async () => {
    for (const bad of ['abc', 'g'.repeat(64), `${expected}0`]) {
      const err = await errorOf(load({ ...gh, sha256: bad }));
      expect(err.exitCode).toBe(2);
      expect(err.message).toBe(`invalid --sha256 "${bad}": expected 64 hexadecimal digits`);
    }
    expect(ep.requests).toHaveLength(0);
    expect(normalizeSha256(` SHA256:${expected.toUpperCase()} `)).toBe(expected);
  });

  it('pins files and stdin too', async () => {
    const file = join(REFERENCE_DIR, 'net-2.8.1-k8s-1.9.yaml');
    const good = sha(referenceText('net-2.8.1-k8s-1.9.yaml'));
    await load({ source: file, sha256: good });
    expect((await errorOf(load({ source: file, sha256: 'b'.repeat(64) }))).message).toBe(`sha256 mismatch for ${file}: expected ${'b'.repeat(64)}, got ${good}`);
    const err = await errorOf(load({ source: '-', stdin: Readable.from([Buffer.from('apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: x}\n')]), sha256: 'c'.repeat(64) }));
    expect(err.message).toMatch(/^sha256 mismatch for standard input: expected c{64}, got [0-9a-f]{64}$/);
  });
});

describe('file and stdin sources', () => {
  it('reads a file path and logs its hash', async () => {
    const file = join(REFERENCE_DIR, 'net-2.8.1-k8s-1.11.yaml');
    const r = await load({ source: file });
    expect(r.kind).toBe('file');
    expect(r.sha256).toBe(sha(referenceText('net-2.8.1-k8s-1.11.yaml')));
    expect(r.logs).toEqual([`read ${file} (${r.bytes} bytes, sha256 ${r.sha256})`]);
    expect(r.manifest.origin).toBe(file);
    expect(validateNet(r.manifest).length).toBeGreaterThan(0); // the tagged source file says :latest
  });

  it('accepts a file:// URL', async () => {
    const file = join(REFERENCE_DIR, 'scope-1.13.2-k8s-examples.yaml');
    const r = await load({ product: 'scope', source: pathToFileURL(file).href });
    expect(r.origin).toBe(file);
    expect(validateScope(r.manifest)).toEqual([]);
  });

  it('a missing file is a usage error naming the path (exit 2)', async () => {
    const err = await errorOf(load({ source: './no/such/weave.yaml' }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe('manifest file not found: ./no/such/weave.yaml');
    expect(err.hint).toContain('--source takes cloud, github, embedded');
  });

  it('a directory is a usage error', async () => {
    const err = await errorOf(load({ source: REFERENCE_DIR }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe(`${REFERENCE_DIR} is a directory, not a manifest file`);
  });

  it('refuses a file over the size cap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weavectl-src-'));
    const file = join(dir, 'big.yaml');
    writeFileSync(file, `# ${'x'.repeat(5000)}\n`);
    const err = await errorOf(load({ source: file, http: { maxBytes: 1000 } }));
    expect(err.exitCode).toBe(1);
    expect(err.message).toBe(`${file} is 5003 bytes, more than the 1000-byte limit for a manifest`);
  });

  it('reads standard input', async () => {
    const text = referenceText('net-2.6.0-k8s-1.9.yaml');
    const stdin = new PassThrough();
    const p = load({ source: '-', stdin });
    stdin.write(text.slice(0, 100));
    stdin.end(text.slice(100));
    const r = await p;
    expect(r.kind).toBe('stdin');
    expect(r.origin).toBe('standard input');
    expect(r.sha256).toBe(sha(text));
    expect(r.logs).toEqual([`read standard input (${Buffer.byteLength(text)} bytes, sha256 ${sha(text)})`]);
    expect(findDoc(r.manifest, 'DaemonSet', 'weave-net')?.toJSON()).toMatchObject({ kind: 'DaemonSet', metadata: { name: 'weave-net' } });
  });

  it('refuses a terminal as standard input, and an empty one', async () => {
    const tty = Object.assign(Readable.from([]), { isTTY: true });
    const err = await errorOf(load({ source: '-', stdin: tty }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe('--source - reads the manifest from standard input, but standard input is a terminal');
    const empty = await errorOf(load({ source: '-', stdin: Readable.from([]) }));
    expect(empty.exitCode).toBe(1);
    expect(empty.message).toBe('standard input: no Kubernetes objects in the manifest (it is empty)');
  });
});

describe('classifySource', () => {
  it('tells the kinds apart', () => {
    expect(classifySource('cloud')).toEqual({ kind: 'cloud' });
    expect(classifySource('github')).toEqual({ kind: 'github' });
    expect(classifySource('-')).toEqual({ kind: 'stdin' });
    expect(classifySource('https://example.com/w.yaml')).toEqual({ kind: 'url', url: 'https://example.com/w.yaml' });
    expect(classifySource('HTTP://127.0.0.1/w.yaml')).toEqual({ kind: 'url', url: 'HTTP://127.0.0.1/w.yaml' });
    expect(classifySource('./weave.yaml')).toEqual({ kind: 'file', path: './weave.yaml' });
    expect(classifySource('C:weave.yaml')).toEqual({ kind: 'file', path: 'C:weave.yaml' });
    expect(classifySource('file:///tmp/w.yaml')).toEqual({ kind: 'file', path: '/tmp/w.yaml' });
  });

  it('refuses what it cannot fetch', () => {
    expect(() => classifySource('ftp://example.com/w.yaml')).toThrow('unsupported URL scheme ftp:// in --source ftp://example.com/w.yaml');
    expect(() => classifySource('')).toThrow('--source is empty');
    expect(() => classifySource('embedded')).toThrow(/not a download source/);
  });
});

describe('the reweave endpoint gets kubectl version text', () => {
  it('wraps a plain version as base64 of `kubectl version` output for reweave only', async () => {
    const { cloudManifestUrl, asKubectlVersionBase64 } = await import('../../src/manifest/sources/cloud.js');
    const reweave = new URL(cloudManifestUrl('https://reweave.azurewebsites.net', 'net', '1.29'));
    const text = Buffer.from(reweave.searchParams.get('k8s-version')!, 'base64').toString();
    expect(text).toContain('GitVersion:"v1.29.0"');
    expect(text.startsWith('Client Version: version.Info{Major:"1", Minor:"29"')).toBe(true);
    expect(new URL(cloudManifestUrl('https://cloud.weave.works', 'net', '1.29')).searchParams.get('k8s-version')).toBe('1.29');
    const already = Buffer.from('Client Version: v1.29.0\n').toString('base64');
    expect(asKubectlVersionBase64(already)).toBe(already);
  });
});
