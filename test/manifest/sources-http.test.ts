import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  checkFetchUrl,
  describeNetworkError,
  FetchError,
  fetchText,
  isLoopbackHost,
  type FetchOptions,
} from '../../src/manifest/sources/http.js';
import { referenceText, releaseAsset, startCloudEndpoint, type CloudEndpoint } from '../fixtures/cloud-endpoint.js';

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

/** Fetch options that never really sleep: the delays asked for are recorded instead. */
function fast(extra: FetchOptions = {}): FetchOptions & { slept: number[]; logs: string[] } {
  const slept: number[] = [];
  const logs: string[] = [];
  return {
    slept,
    logs,
    sleep: async (ms: number) => {
      slept.push(ms);
    },
    random: () => 1,
    log: (m: string) => logs.push(m),
    ...extra,
  };
}

async function failureOf(p: Promise<unknown>): Promise<FetchError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(FetchError);
    return err as FetchError;
  }
  throw new Error('expected the fetch to fail');
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('fetchText against the loopback endpoint', () => {
  it('downloads the exact bytes and their sha256', async () => {
    const res = await fetchText(`${ep.url}/k8s/v1.8/net.yaml`, fast());
    const expected = releaseAsset(referenceText('net-2.8.1-k8s-1.8.yaml'), '2.8.1').replace('#npc-args', '');
    expect(res.text).toContain("image: 'weaveworks/weave-kube:2.8.1'");
    expect(res.text).toContain('args: []');
    expect(res.text.length).toBeGreaterThan(expected.length - 100);
    expect(res.sha256).toBe(createHash('sha256').update(res.bytes).digest('hex'));
    expect(res.bytes.toString('utf8')).toBe(res.text);
    expect(res.finalUrl).toBe(`${ep.url}/k8s/v1.8/net.yaml`);
    expect(res.redirects).toEqual([]);
    expect(ep.requests[0]!.headers['user-agent']).toBe('weavectl');
  });

  it('follows the cloud 301 and records the hop', async () => {
    const res = await fetchText(`${ep.url}/k8s/net?k8s-version=1.12`, fast());
    expect(res.redirects).toEqual([{ status: 301, from: `${ep.url}/k8s/net?k8s-version=1.12`, to: `${ep.url}/k8s/v1.10/net.yaml?k8s-version=1.12` }]);
    expect(res.finalUrl).toBe(`${ep.url}/k8s/v1.10/net.yaml?k8s-version=1.12`);
    expect(res.text).toContain('kind: DaemonSet');
  });

  it('follows the GitHub 302 to the object store', async () => {
    const res = await fetchText(`${ep.url}/weaveworks/weave/releases/download/v2.8.1/weave-daemonset-k8s-1.11.yaml`, fast());
    expect(res.redirects).toHaveLength(1);
    expect(res.redirects[0]!.status).toBe(302);
    expect(res.finalUrl).toContain('/objects/weaveworks/weave/2.8.1/weave-daemonset-k8s-1.11.yaml?X-Amz-Signature=');
    expect(res.text).toBe(releaseAsset(referenceText('net-2.8.1-k8s-1.11.yaml'), '2.8.1'));
  });

  it('follows a chain of 5 redirects and refuses a 6th', async () => {
    const ok = await fetchText(`${ep.url}/hop/5?to=${encodeURIComponent('/k8s/v1.9/net.yaml')}`, fast());
    expect(ok.redirects.map((h) => h.status)).toEqual([307, 307, 307, 307, 307]);
    expect(ok.finalUrl).toBe(`${ep.url}/k8s/v1.9/net.yaml`);

    const err = await failureOf(fetchText(`${ep.url}/hop/6?to=/k8s/v1.9/net.yaml`, fast()));
    expect(err.reason).toBe('redirect');
    expect(err.message).toMatch(/^cannot fetch http:\/\/127\.0\.0\.1:\d+\/hop\/6\?to=\/k8s\/v1\.9\/net\.yaml: too many redirects \(more than 5\)/);
    expect(err.exitCode).toBe(1);
  });

  it('honours a lower redirect limit', async () => {
    const err = await failureOf(fetchText(`${ep.url}/hop/2?to=/k8s/v1.9/net.yaml`, fast({ maxRedirects: 1 })));
    expect(err.message).toContain('too many redirects (more than 1)');
  });

  it('refuses a redirect to plain http on a non-loopback host before connecting', async () => {
    ep.set({ faults: [{ match: '/start', redirect: 'http://192.0.2.10/net.yaml' }] });
    const err = await failureOf(fetchText(`${ep.url}/start`, fast()));
    expect(err.reason).toBe('insecure');
    expect(err.message).toContain('refusing plain http:// to 192.0.2.10');
    expect(err.message).toContain('(redirected to http://192.0.2.10/net.yaml)');
    expect(err.hint).toContain('https://');
    expect(ep.requests).toHaveLength(1);
  });

  it('refuses a redirect to another scheme', async () => {
    ep.set({ faults: [{ match: '/start', redirect: 'ftp://127.0.0.1/net.yaml' }] });
    const err = await failureOf(fetchText(`${ep.url}/start`, fast()));
    expect(err.reason).toBe('bad-url');
    expect(err.message).toContain('unsupported URL scheme ftp://');
  });

  it('refuses plain http to a non-loopback host without connecting', async () => {
    const started = Date.now();
    const err = await failureOf(fetchText('http://192.0.2.1/weave.yaml', fast()));
    expect(err.reason).toBe('insecure');
    expect(err.message).toBe('cannot fetch http://192.0.2.1/weave.yaml: refusing plain http:// to 192.0.2.1: only loopback hosts may be fetched without TLS');
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('reports a 404 with the status and without retrying', async () => {
    const f = fast();
    const err = await failureOf(fetchText(`${ep.url}/weaveworks/weave/releases/download/v9.9.9/weave-daemonset-k8s-1.11.yaml`, f));
    expect(err.reason).toBe('status');
    expect(err.status).toBe(404);
    expect(err.message).toBe(`cannot fetch ${ep.url}/weaveworks/weave/releases/download/v9.9.9/weave-daemonset-k8s-1.11.yaml: HTTP 404 Not Found`);
    expect(ep.requests).toHaveLength(1);
    expect(f.slept).toEqual([]);
  });

  it('names the hop that failed and quotes a short text error body', async () => {
    ep.set({ faults: [{ match: '/k8s/v1.16/', status: 403, body: 'rate limited for abuse\nmore text' }] });
    const err = await failureOf(fetchText(`${ep.url}/k8s/net?k8s-version=1.29`, fast()));
    expect(err.message).toBe(`cannot fetch ${ep.url}/k8s/net?k8s-version=1.29: HTTP 403 Forbidden (at ${ep.url}/k8s/v1.16/net.yaml?k8s-version=1.29): rate limited for abuse`);
  });

  it('reports the 400 the cloud service gave for an empty k8s-version', async () => {
    const err = await failureOf(fetchText(`${ep.url}/k8s/net?k8s-version=`, fast()));
    expect(err.status).toBe(400);
    expect(err.message).toContain('HTTP 400 Bad Request: k8s-version is required');
  });

  it('retries a 500 with backoff, then succeeds', async () => {
    ep.set({ faults: [{ status: 500, times: 1, body: 'oops' }] });
    const f = fast();
    const res = await fetchText(`${ep.url}/k8s/v1.11/net.yaml`, f);
    expect(res.text).toContain('weave-net');
    expect(ep.requests).toHaveLength(2);
    expect(f.slept).toEqual([500]);
    expect(f.logs).toEqual([`${ep.url}/k8s/v1.11/net.yaml: HTTP 500 Internal Server Error: oops; retrying in 500ms (attempt 2 of 4)`]);
  });

  it('backs off exponentially and gives up after maxAttempts', async () => {
    ep.set({ faults: [{ status: 503 }] });
    const f = fast();
    const err = await failureOf(fetchText(`${ep.url}/k8s/v1.11/net.yaml`, f));
    expect(ep.requests).toHaveLength(4);
    expect(f.slept).toEqual([500, 1000, 2000]);
    expect(err.message).toBe(`cannot fetch ${ep.url}/k8s/v1.11/net.yaml: HTTP 503 Service Unavailable (after 4 attempts)`);
    expect(err.exitCode).toBe(1);
  });

  it('honours Retry-After in seconds on a 429', async () => {
    ep.set({ faults: [{ status: 429, times: 1, headers: { 'retry-after': '3' } }] });
    const f = fast();
    await fetchText(`${ep.url}/k8s/v1.11/net.yaml`, f);
    expect(f.slept).toEqual([3000]);
    expect(ep.requests).toHaveLength(2);
  });

  it('honours Retry-After as an HTTP date, and caps it', async () => {
    const now = Date.parse('2024-05-01T10:00:00Z');
    ep.set({ faults: [{ status: 429, times: 1, headers: { 'retry-after': 'Wed, 01 May 2024 10:00:04 GMT' } }] });
    const f = fast({ now: () => now, timeoutMs: 60_000 });
    await fetchText(`${ep.url}/k8s/v1.11/net.yaml`, f);
    expect(f.slept).toEqual([4000]);

    ep.set({ faults: [{ status: 429, times: 1, headers: { 'retry-after': '3600' } }] });
    const g = fast({ timeoutMs: 60_000 });
    await fetchText(`${ep.url}/k8s/v1.11/net.yaml`, g);
    expect(g.slept).toEqual([10_000]);
  });

  it('gives up when the next retry would pass the deadline', async () => {
    ep.set({ faults: [{ status: 429, headers: { 'retry-after': '8' } }] });
    const f = fast({ timeoutMs: 5000 });
    const err = await failureOf(fetchText(`${ep.url}/k8s/v1.11/net.yaml`, f));
    expect(f.slept).toEqual([]);
    expect(err.message).toContain('HTTP 429 Too Many Requests (gave up after 1 attempt: the next retry in 8s would pass the 5s deadline)');
  });

  it('times out waiting for slow headers', async () => {
    ep.set({ faults: [{ delayMs: 3000 }] });
    const started = Date.now();
    const err = await failureOf(fetchText(`${ep.url}/k8s/v1.11/net.yaml`, fast({ headersTimeoutMs: 200 })));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err.reason).toBe('timeout');
    expect(err.message).toBe(`cannot fetch ${ep.url}/k8s/v1.11/net.yaml: no response from ${ep.url.replace('http://', '')} within 200ms`);
  });

  it('enforces the total deadline', async () => {
    ep.set({ faults: [{ delayMs: 3000 }] });
    const started = Date.now();
    const err = await failureOf(fetchText(`${ep.url}/k8s/v1.11/net.yaml`, fast({ timeoutMs: 300 })));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err.reason).toBe('timeout');
    expect(err.message).toBe(`cannot fetch ${ep.url}/k8s/v1.11/net.yaml: timed out after 300ms`);
  });

  it('succeeds when the slow answer comes within the limits', async () => {
    ep.set({ faults: [{ delayMs: 50 }] });
    const res = await fetchText(`${ep.url}/k8s/v1.11/net.yaml`, fast({ headersTimeoutMs: 2000 }));
    expect(res.text).toContain('weave-net');
  });

  it('never returns a truncated body', async () => {
    ep.set({ faults: [{ truncate: true }] });
    const f = fast();
    const err = await failureOf(fetchText(`${ep.url}/k8s/v1.11/net.yaml`, f));
    expect(err.reason).toBe('truncated');
    expect(err.message).toMatch(/: the connection closed after \d+ of \d+ bytes \(truncated download\) \(after 4 attempts\)$/);
    expect(ep.requests).toHaveLength(4);
  });

  it('retries a truncated body and then returns the whole one', async () => {
    ep.set({ faults: [{ truncate: true, times: 1 }] });
    const res = await fetchText(`${ep.url}/k8s/v1.11/net.yaml`, fast());
    expect(res.text.trimEnd().endsWith('type: RollingUpdate')).toBe(true);
    expect(ep.requests).toHaveLength(2);
  });

  it('refuses a body over the size cap (declared or streamed)', async () => {
    const err = await failureOf(fetchText(`${ep.url}/k8s/v1.11/net.yaml`, fast({ maxBytes: 1000 })));
    expect(err.reason).toBe('too-large');
    expect(err.message).toMatch(/the response is \d+ bytes, more than the 1000-byte limit for a manifest/);
  });

  it('refuses a streamed (chunked) body once it passes the size cap', async () => {
    ep.set({ faults: [{ chunked: true }] });
    const err = await failureOf(fetchText(`${ep.url}/k8s/v1.11/net.yaml`, fast({ maxBytes: 3000 })));
    expect(err.reason).toBe('too-large');
    expect(err.message).toContain('the response is larger than the 3000-byte limit for a manifest');
    const ok = await fetchText(`${ep.url}/k8s/v1.11/net.yaml`, fast());
    expect(ok.text.trimEnd().endsWith('type: RollingUpdate')).toBe(true);
  });

  it('reports a refused connection without retrying', async () => {
    const port = await closedPort();
    const f = fast();
    const err = await failureOf(fetchText(`http://127.0.0.1:${port}/k8s/net?k8s-version=1.29`, f));
    expect(err.reason).toBe('refused');
    expect(err.message).toBe(`cannot fetch http://127.0.0.1:${port}/k8s/net?k8s-version=1.29: connection refused by 127.0.0.1:${port}`);
    expect(f.slept).toEqual([]);
  });

  it('reports a TLS failure (https to a plain HTTP server)', async () => {
    const port = Number(new URL(ep.url).port);
    const err = await failureOf(fetchText(`https://127.0.0.1:${port}/k8s/v1.11/net.yaml`, fast()));
    expect(err.reason).toBe('tls');
    expect(err.message).toContain(`TLS error with 127.0.0.1:${port}`);
  });
});

describe('proxies', () => {
  let proxy: Server;
  let proxyUrl: string;
  const connects: string[] = [];
  const saved = { ...process.env };

  beforeAll(async () => {
    proxy = createServer((req, res) => {
      connects.push(`${req.method} ${req.url}`);
      res.writeHead(502).end();
    });
    proxy.on('connect', (req, socket) => {
      connects.push(`CONNECT ${req.url}`);
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    proxy.closeAllConnections();
    await new Promise<void>((r) => proxy.close(() => r()));
  });
  afterEach(() => {
    for (const k of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    connects.length = 0;
  });

  it('sends https downloads through HTTPS_PROXY', async () => {
    process.env.HTTPS_PROXY = proxyUrl;
    process.env.https_proxy = proxyUrl;
    delete process.env.NO_PROXY;
    delete process.env.no_proxy;
    const err = await failureOf(fetchText('https://weave.example.test/weave-daemonset-k8s.yaml', fast({ maxAttempts: 1 })));
    expect(connects).toEqual(['CONNECT weave.example.test:443']);
    expect(err.message).toBe(
      'cannot fetch https://weave.example.test/weave-daemonset-k8s.yaml: the proxy (HTTPS_PROXY/HTTP_PROXY) refused to connect to weave.example.test (HTTP 403)',
    );
  });

  it('never sends loopback downloads through the proxy', async () => {
    process.env.HTTP_PROXY = proxyUrl;
    process.env.http_proxy = proxyUrl;
    const res = await fetchText(`${ep.url}/k8s/v1.11/net.yaml`, fast());
    expect(res.text).toContain('weave-net');
    expect(connects).toEqual([]);
  });
});

describe('pure helpers', () => {
  it('isLoopbackHost', () => {
    for (const h of ['localhost', 'LOCALHOST', 'foo.localhost', '127.0.0.1', '127.1.2.3', '[::1]', '::1', '[::ffff:7f00:1]', 'localhost.']) {
      expect(isLoopbackHost(h), h).toBe(true);
    }
    for (const h of ['cloud.weave.works', '10.0.0.1', '128.0.0.1', '[::2]', '[::ffff:a00:1]', 'localhost.example.com', '0.0.0.0']) {
      expect(isLoopbackHost(h), h).toBe(false);
    }
  });

  it('checkFetchUrl', () => {
    expect(() => checkFetchUrl(new URL('https://github.com/x'), false)).not.toThrow();
    expect(() => checkFetchUrl(new URL('http://localhost:8080/x'), false)).not.toThrow();
    expect(() => checkFetchUrl(new URL('http://mirror.corp/x'), true)).not.toThrow();
    expect(() => checkFetchUrl(new URL('http://mirror.corp/x'), false)).toThrow(/refusing plain http:\/\/ to mirror\.corp/);
    expect(() => checkFetchUrl(new URL('file:///etc/passwd'), true)).toThrow(/unsupported URL scheme file/);
  });


  const t = { connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000 };
  const coded = (code: string, message = code, extra: object = {}) => Object.assign(new Error(message), { code, ...extra });

  it('describeNetworkError names what happened', () => {
    expect(describeNetworkError(coded('ENOTFOUND', 'getaddrinfo ENOTFOUND cloud.weave.works'), 'cloud.weave.works', t)).toEqual({
      reason: 'dns',
      detail: 'DNS lookup of cloud.weave.works failed (ENOTFOUND)',
      retryable: false,
    });
    expect(describeNetworkError(coded('UND_ERR_CONNECT_TIMEOUT', 'Connect Timeout Error'), 'cloud.weave.works:443', t)).toMatchObject({
      reason: 'connect-timeout',
      detail: 'connect to cloud.weave.works:443 timed out after 10s',
    });
    expect(describeNetworkError(coded('UND_ERR_BODY_TIMEOUT'), 'h:443', t).detail).toBe('the download stalled for 30s');
    expect(describeNetworkError(coded('CERT_HAS_EXPIRED', 'certificate has expired'), 'cloud.weave.works:443', t)).toMatchObject({
      reason: 'tls',
      detail: 'TLS error with cloud.weave.works:443: certificate has expired (CERT_HAS_EXPIRED)',
    });
    expect(describeNetworkError(coded('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"), 'h:443', t).reason).toBe('tls');
    expect(describeNetworkError(coded('ECONNRESET', 'read ECONNRESET'), 'h:443', t)).toMatchObject({ reason: 'reset', retryable: true });
    expect(describeNetworkError(coded('EHOSTUNREACH'), 'h:443', t).reason).toBe('unreachable');
  });

  it('a limit that is not whole seconds is named as given (1500ms printed as 2s)', () => {
    const given = { connectMs: 1_500, headersMs: 90_500, bodyMs: 250 };
    expect(describeNetworkError(coded('UND_ERR_CONNECT_TIMEOUT'), 'h:443', given).detail).toBe('connect to h:443 timed out after 1.5s');
    expect(describeNetworkError(coded('UND_ERR_HEADERS_TIMEOUT'), 'h:443', given).detail).toBe('no response from h:443 within 1m30.5s');
    expect(describeNetworkError(coded('UND_ERR_BODY_TIMEOUT'), 'h:443', given).detail).toBe('the download stalled for 250ms');
  });

  it('describeNetworkError looks through causes and AggregateError', () => {
    const agg = new AggregateError([coded('ECONNREFUSED', 'connect ECONNREFUSED ::1:443'), coded('ECONNREFUSED')], '');
    expect(describeNetworkError(agg, 'localhost:443', t)).toMatchObject({ reason: 'refused', detail: 'connection refused by localhost:443' });
    const wrapped = new TypeError('fetch failed', { cause: coded('EAI_AGAIN', 'getaddrinfo EAI_AGAIN github.com') });
    expect(describeNetworkError(wrapped, 'github.com:443', t).reason).toBe('dns');
    expect(describeNetworkError(new Error('something odd'), 'h:1', t)).toEqual({ reason: 'network', detail: 'something odd', retryable: false });
  });
});
