/**
 * Static credentials are read by weavectl itself (credentials.ts), the rest by @kubernetes/client-node.
 * client-node is the oracle here: for every static kind, the TLS material and the headers weavectl
 * computes equal what client-node's KubeConfig computes from the same kubeconfig file. Where client-go
 * (kubectl) and client-node differ, weavectl follows client-go, and those cases are tested on their own.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsFor, needsClientLibrary, StaticCredentials, TOKEN_FILE_TTL_MS } from '../../src/cluster/credentials.js';
import { loadKubeconfig } from '../../src/cluster/kubeconfig.js';
import { bin, repoRoot } from '../cli/run-cli.js';

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weavectl-creds-'));
  fs.mkdirSync(path.join(dir, 'pki'));
  fs.writeFileSync(path.join(dir, 'pki', 'ca.pem'), 'CA FROM FILE');
  fs.writeFileSync(path.join(dir, 'pki', 'client.pem'), 'CERT FROM FILE');
  fs.writeFileSync(path.join(dir, 'pki', 'client.key'), 'KEY FROM FILE');
  fs.writeFileSync(path.join(dir, 'pki', 'token'), 'token-from-file');
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A one-context kubeconfig file with these cluster and user fields (JSON is YAML). */
function kubeconfig(name: string, cluster: Record<string, unknown>, user?: Record<string, unknown>): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'ctx',
      clusters: [{ name: 'c', cluster: { server: 'https://10.0.0.1:6443', ...cluster } }],
      users: user ? [{ name: 'u', user }] : [],
      contexts: [{ name: 'ctx', context: { cluster: 'c', ...(user ? { user: 'u' } : {}) } }],
    }),
  );
  return file;
}

/** What client-node puts on a request for that kubeconfig, in the shape weavectl's credentials use. */
async function oracle(file: string) {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  const o: https.RequestOptions & { servername?: string } = {};
  await kc.applyToHTTPSOptions(o);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.headers ?? {})) headers[k] = String(v);
  if (o.auth) headers['Authorization'] = `Basic ${Buffer.from(o.auth).toString('base64')}`;
  return {
    tls: {
      ...(o.ca ? { ca: Buffer.from(o.ca as Buffer) } : {}),
      ...(o.cert ? { cert: Buffer.from(o.cert as Buffer) } : {}),
      ...(o.key ? { key: Buffer.from(o.key as Buffer) } : {}),
      ...(o.rejectUnauthorized !== undefined ? { rejectUnauthorized: o.rejectUnauthorized } : {}),
      ...(o.servername ? { servername: o.servername } : {}),
    },
    headers,
  };
}

async function ours(file: string) {
  const loaded = loadKubeconfig({ kubeconfig: file, env: {} });
  expect(needsClientLibrary(loaded.cluster, loaded.user)).toBe(false);
  const creds = await credentialsFor(loaded);
  expect(creds).toBeInstanceOf(StaticCredentials);
  return { tls: await creds.tls(), headers: (await creds.authorize()).headers };
}

describe('static credentials equal client-node for every static kind', () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ['bearer token', {}, { token: 'abc.def' }],
    ['token file (absolute path)', {}, { 'token-file': '@dir/pki/token' }],
    ['user name and password', {}, { username: 'admin', password: 's3cret:with:colons' }],
    ['client certificate and key as data', { 'certificate-authority-data': b64('CA DATA') }, { 'client-certificate-data': b64('CERT DATA'), 'client-key-data': b64('KEY DATA') }],
    ['client certificate, key and CA as files relative to the kubeconfig', { 'certificate-authority': 'pki/ca.pem' }, { 'client-certificate': 'pki/client.pem', 'client-key': 'pki/client.key' }],
    ['absolute file paths', { 'certificate-authority': '@dir/pki/ca.pem' }, { 'client-certificate': '@dir/pki/client.pem', 'client-key': '@dir/pki/client.key' }],
    ['a file wins over data', { 'certificate-authority': 'pki/ca.pem', 'certificate-authority-data': b64('CA DATA') }, { token: 't' }],
    ['insecure-skip-tls-verify', { 'insecure-skip-tls-verify': true }, { token: 't' }],
    ['tls-server-name', { 'tls-server-name': 'kubernetes.default.svc', 'certificate-authority-data': b64('CA DATA') }, { token: 't' }],
    ['impersonation', {}, { token: 't', as: 'system:serviceaccount:kube-system:weave-net' }],
    ['an empty user', {}, {}],
  ];
  for (const [name, cluster, user] of cases) {
    it(name, async () => {
      const fix = (o: Record<string, unknown>) => JSON.parse(JSON.stringify(o).replaceAll('@dir', dir)) as Record<string, unknown>;
      const file = kubeconfig(name.replace(/\W+/g, '-'), fix(cluster), fix(user));
      const want = await oracle(file);
      const got = await ours(file);
      expect(got).toEqual(want);
      // not vacuous: every case carries something
      expect(Object.keys(got.tls).length + Object.keys(got.headers).length).toBeGreaterThan(name === 'an empty user' ? -1 : 0);
    });
  }
});

describe('where weavectl follows client-go (kubectl) rather than client-node', () => {
  it('a relative token-file is read from the kubeconfig folder and trimmed', async () => {
    fs.mkdirSync(path.join(dir, 'tok'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'tok', 'token'), '  tok-123\n');
    const file = path.join(dir, 'tok', 'config');
    fs.copyFileSync(kubeconfig('tok-src', {}, { 'token-file': 'token' }), file);
    const creds = await credentialsFor(loadKubeconfig({ kubeconfig: file, env: {} }));
    expect((await creds.authorize()).headers).toEqual({ Authorization: 'Bearer tok-123' });
  });

  it('a token file is read again once it is a minute old (projected tokens rotate)', async () => {
    const tokenFile = path.join(dir, 'rotating-token');
    fs.writeFileSync(tokenFile, 'first');
    let now = 1_000_000;
    const creds = new StaticCredentials({ name: 'c', server: 'https://h', skipTLSVerify: false }, { name: 'u', tokenFile }, () => now);
    expect((await creds.authorize()).headers['Authorization']).toBe('Bearer first');
    fs.writeFileSync(tokenFile, 'second');
    now += TOKEN_FILE_TTL_MS - 1;
    expect((await creds.authorize()).headers['Authorization']).toBe('Bearer first');
    now += 2;
    expect((await creds.authorize()).headers['Authorization']).toBe('Bearer second');
  });

  it('a context without a user still gets the cluster CA and its insecure setting (client-node would apply neither)', async () => {
    const file = kubeconfig('anonymous', { 'certificate-authority-data': b64('CA DATA'), 'tls-server-name': 'api' });
    const creds = await credentialsFor(loadKubeconfig({ kubeconfig: file, env: {} }));
    expect(await creds.tls()).toEqual({ ca: Buffer.from('CA DATA'), servername: 'api' });
    expect((await creds.authorize()).headers).toEqual({});
  });

  it('a token and a password on one user is refused, as kubectl refuses it', async () => {
    const file = kubeconfig('both', {}, { token: 't', username: 'a', password: 'b' });
    await expect(credentialsFor(loadKubeconfig({ kubeconfig: file, env: {} }))).rejects.toThrow(
      'user "u" of the kubeconfig has both a bearer token and a user name/password: only one authentication method is allowed',
    );
  });

  it('a missing certificate file is a one-line failure naming it', async () => {
    const file = kubeconfig('missing-ca', { 'certificate-authority': 'nope/ca.pem' }, { token: 't' });
    const creds = await credentialsFor(loadKubeconfig({ kubeconfig: file, env: {} }));
    await expect(creds.tls()).rejects.toThrow(`cannot read the certificate authority ${path.join(dir, 'nope', 'ca.pem')}: ENOENT`);
  });
});

describe('credentials that need code go to client-node', () => {
  it('exec plugins, auth providers and proxies need the client library; nothing else does', () => {
    const cluster = { name: 'c', server: 'https://h', skipTLSVerify: false };
    expect(needsClientLibrary(cluster, { name: 'u', exec: { command: 'aws' } })).toBe(true);
    expect(needsClientLibrary(cluster, { name: 'u', authProvider: { name: 'oidc', config: {} } })).toBe(true);
    expect(needsClientLibrary({ ...cluster, proxyUrl: 'socks5://127.0.0.1:1080' }, { name: 'u', token: 't' })).toBe(true);
    expect(needsClientLibrary(cluster, { name: 'u', token: 't', certData: 'x', keyData: 'y', username: undefined })).toBe(false);
    expect(needsClientLibrary(cluster, undefined)).toBe(false);
  });

  it('an auth provider with a token file (client-node FileAuth) authorizes through client-node', async () => {
    const file = kubeconfig('authprovider', {}, { 'auth-provider': { name: 'tokenfile', config: { tokenFile: path.join(dir, 'pki', 'token') } } });
    const creds = await credentialsFor(loadKubeconfig({ kubeconfig: file, env: {} }));
    expect(creds).not.toBeInstanceOf(StaticCredentials);
    expect((await creds.authorize()).headers['Authorization']).toBe('Bearer token-from-file');
    expect((await creds.authorize()).headers['Authorization']).toBe('Bearer token-from-file');
  });
});

describe('the built CLI', () => {
  /** The files of dist/ that a command loads (an ESM resolve hook records them). */
  async function loadedChunks(kubeconfigFile: string): Promise<string[]> {
    const log = path.join(dir, `loaded-${Math.random().toString(36).slice(2)}.txt`);
    const hooks = path.join(dir, 'hooks.mjs');
    fs.writeFileSync(
      hooks,
      `import fs from 'node:fs';
export async function resolve(spec, ctx, next) { const r = await next(spec, ctx); if (r.url.startsWith('file:')) fs.appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }`,
    );
    const register = path.join(dir, 'register.mjs');
    fs.writeFileSync(register, `import { register } from 'node:module'; register(${JSON.stringify(`file://${hooks}`)});`);
    await new Promise<void>((resolve) => {
      // a server nobody listens on: the command fails fast after loading what it needs
      const c = spawn(process.execPath, ['--import', register, bin, 'rollout-status', '--kubeconfig', kubeconfigFile, '--timeout', '2s'], {
        cwd: repoRoot,
        stdio: 'ignore',
      });
      c.on('close', () => resolve());
    });
    return fs.readFileSync(log, 'utf8').split('\n').filter((u) => u.includes('/dist/'));
  }

  // client-node's KubeConfig method, as the bundle spells its definition
  const hasClientNode = (url: string) => /^\s*async applyToHTTPSOptions\(opts\) \{/m.test(fs.readFileSync(new URL(url), 'utf8'));

  it('a token kubeconfig never loads @kubernetes/client-node; an exec plugin does', async () => {
    const unused = 'https://127.0.0.1:1';
    const tokenFile = kubeconfig('cli-token', { server: unused, 'insecure-skip-tls-verify': true }, { token: 't' });
    const chunks = await loadedChunks(tokenFile);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.filter(hasClientNode)).toEqual([]);
    const execFile = kubeconfig('cli-exec', { server: unused, 'insecure-skip-tls-verify': true }, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'true' } });
    expect((await loadedChunks(execFile)).some(hasClientNode)).toBe(true);
  });
});
