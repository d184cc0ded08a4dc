import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsFor } from '../../src/cluster/credentials.js';
import { loadKubeconfig, type LoadedKubeconfig } from '../../src/cluster/kubeconfig.js';
import { WeavectlError } from '../../src/errors.js';
import { thrownError as thrown } from '../helpers/thrown.js';

let dir: string;

function write(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
}

function config(o: {
  current?: string;
  clusters?: [string, string, Record<string, unknown>?][];
  users?: [string, Record<string, unknown>][];
  contexts?: [string, string, string?, string?][];
}): string {
  const lines = ['apiVersion: v1', 'kind: Config'];
  if (o.current !== undefined) lines.push(`current-context: ${o.current}`);
  lines.push('clusters:');
  for (const [name, server, extra] of o.clusters ?? []) {
    lines.push(`- name: ${name}`, '  cluster:', `    server: ${server}`);
    for (const [k, v] of Object.entries(extra ?? {})) lines.push(`    ${k}: ${JSON.stringify(v)}`);
  }
  lines.push('users:');
  for (const [name, fields] of o.users ?? []) {
    lines.push(`- name: ${name}`, '  user:');
    for (const [k, v] of Object.entries(fields)) lines.push(`    ${k}: ${JSON.stringify(v)}`);
  }
  lines.push('contexts:');
  for (const [name, cluster, user, ns] of o.contexts ?? []) {
    lines.push(`- name: ${name}`, '  context:', `    cluster: ${cluster}`);
    if (user) lines.push(`    user: ${user}`);
    if (ns) lines.push(`    namespace: ${ns}`);
  }
  return lines.join('\n') + '\n';
}


/** What a request to the chosen cluster carries: the TLS material and the headers. */
async function requestOptions(kc: LoadedKubeconfig) {
  const creds = await credentialsFor(kc);
  return { ...(await creds.tls()), headers: (await creds.authorize()).headers };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weavectl-kc-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const noEnv = (extra: Record<string, string> = {}) => ({ HOME: path.join(dir, 'nohome'), ...extra });

describe('loadKubeconfig', () => {
  it('reads --kubeconfig and picks current-context, its namespace and its user token', async () => {
    const p = write(
      'a.yaml',
      config({
        current: 'prod',
        clusters: [['c1', 'https://10.0.0.1:6443/']],
        users: [['u1', { token: 'secret-token' }]],
        contexts: [['prod', 'c1', 'u1', 'weave']],
      }),
    );
    const kc = loadKubeconfig({ kubeconfig: p, env: noEnv() });
    expect(kc.contextName).toBe('prod');
    expect(kc.server).toBe('https://10.0.0.1:6443');
    expect(kc.namespace).toBe('weave');
    expect(kc.userName).toBe('u1');
    expect(kc.warnings).toEqual([]);
    const opts = await requestOptions(kc);
    expect(opts.headers.Authorization).toBe('Bearer secret-token');
  });

  it('--namespace wins over the context namespace; default is "default"', () => {
    const p = write('ns.yaml', config({ current: 'x', clusters: [['c', 'https://h']], contexts: [['x', 'c'], ['y', 'c', undefined, 'other']] }));
    expect(loadKubeconfig({ kubeconfig: p, env: noEnv() }).namespace).toBe('default');
    expect(loadKubeconfig({ kubeconfig: p, context: 'y', env: noEnv() }).namespace).toBe('other');
    expect(loadKubeconfig({ kubeconfig: p, context: 'y', namespace: 'kube-system', env: noEnv() }).namespace).toBe('kube-system');
  });

  it('merges KUBECONFIG files with first-wins rules', () => {
    const first = write(
      'k1.yaml',
      config({
        current: 'one',
        clusters: [['shared', 'https://first.example:6443']],
        users: [['shared-user', { token: 'first' }]],
        contexts: [['one', 'shared', 'shared-user']],
      }),
    );
    const second = write(
      'k2.yaml',
      config({
        current: 'two',
        clusters: [
          ['shared', 'https://second.example:6443'],
          ['only2', 'https://only2.example:6443'],
        ],
        users: [['shared-user', { token: 'second' }]],
        contexts: [
          ['one', 'only2', 'shared-user'],
          ['two', 'only2', 'shared-user', 'ns2'],
        ],
      }),
    );
    const missing = path.join(dir, 'missing.yaml');
    const env = noEnv({ KUBECONFIG: [first, missing, second].join(path.delimiter) });
    const kc = loadKubeconfig({ env });
    // current-context from the first file that sets it; context "one" from the first file.
    expect(kc.contextName).toBe('one');
    expect(kc.server).toBe('https://first.example:6443');
    // A context only the second file defines, pointing at a cluster only the second defines.
    const two = loadKubeconfig({ env, context: 'two' });
    expect(two.server).toBe('https://only2.example:6443');
    expect(two.namespace).toBe('ns2');
    expect(two.source).toBe([first, second].join(path.delimiter));
  });

  it('the first file wins for users too', async () => {
    const a = write('u1.yaml', config({ clusters: [['c', 'https://h']], users: [['u', { token: 'from-a' }]], contexts: [] }));
    const b = write('u2.yaml', config({ current: 'x', users: [['u', { token: 'from-b' }]], contexts: [['x', 'c', 'u']] }));
    const kc = loadKubeconfig({ env: noEnv({ KUBECONFIG: `${a}${path.delimiter}${b}` }) });
    const opts = await requestOptions(kc);
    expect(opts.headers.Authorization).toBe('Bearer from-a');
  });

  it('an unknown --context is a usage error naming the available contexts', () => {
    const p = write('ctx.yaml', config({ current: 'a', clusters: [['c', 'https://h']], contexts: [['a', 'c'], ['b', 'c']] }));
    const e = thrown(() => loadKubeconfig({ kubeconfig: p, context: 'nope', env: noEnv() }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe('context "nope" does not exist in the kubeconfig (available: a, b)');
  });

  it('a current-context that does not exist is a failure with a hint', () => {
    const p = write('cur.yaml', config({ current: 'gone', clusters: [['c', 'https://h']], contexts: [['a', 'c']] }));
    const e = thrown(() => loadKubeconfig({ kubeconfig: p, env: noEnv() }));
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain('"gone"');
    expect(e.hint).toContain('available: a');
  });

  it('no current-context and no --context', () => {
    const p = write('nocur.yaml', config({ clusters: [['c', 'https://h']], contexts: [['a', 'c']] }));
    const e = thrown(() => loadKubeconfig({ kubeconfig: p, env: noEnv() }));
    expect(e.message).toContain('no current-context');
    expect(e.hint).toContain('--context');
  });

  it('a context pointing at a missing cluster or user fails', () => {
    const p = write('dangling.yaml', config({ current: 'a', clusters: [['c', 'https://h']], contexts: [['a', 'nope'], ['b', 'c', 'ghost']] }));
    expect(thrown(() => loadKubeconfig({ kubeconfig: p, env: noEnv() })).message).toContain('cluster "nope"');
    expect(thrown(() => loadKubeconfig({ kubeconfig: p, context: 'b', env: noEnv() })).message).toContain('user "ghost"');
  });

  it('an invalid entry that the chosen context does not use is ignored, like kubectl', () => {
    const p = write(
      'broken-entry.yaml',
      `${config({ current: 'a', clusters: [['c', 'https://h']], contexts: [['a', 'c']] })}`.replace('clusters:\n', 'clusters:\n- name: noserver\n  cluster: {}\n'),
    );
    expect(loadKubeconfig({ kubeconfig: p, env: noEnv() }).server).toBe('https://h');
  });

  it('insecure-skip-tls-verify is honoured with a warning; plain http is accepted with a warning, as kubectl accepts it (kubectl proxy)', async () => {
    const p = write(
      'insecure.yaml',
      config({
        current: 'a',
        clusters: [
          ['c', 'https://h:6443', { 'insecure-skip-tls-verify': true }],
          ['plain', 'http://127.0.0.1:8080', { 'insecure-skip-tls-verify': true }],
          ['plainbad', 'http://127.0.0.1:8080'],
        ],
        contexts: [
          ['a', 'c'],
          ['p', 'plain'],
          ['bad', 'plainbad'],
        ],
      }),
    );
    const a = loadKubeconfig({ kubeconfig: p, env: noEnv() });
    expect(a.warnings).toHaveLength(1);
    expect(a.warnings[0]).toContain('TLS certificate verification is disabled');
    const opts = await requestOptions(a);
    expect(opts.rejectUnauthorized).toBe(false);
    expect(loadKubeconfig({ kubeconfig: p, context: 'p', env: noEnv() }).warnings[0]).toContain('plain HTTP');
    const plain = loadKubeconfig({ kubeconfig: p, context: 'bad', env: noEnv() });
    expect(plain.server).toBe('http://127.0.0.1:8080');
    expect(plain.warnings).toEqual(['the connection to cluster "plainbad" (http://127.0.0.1:8080) is plain HTTP: not encrypted, server not authenticated']);
  });

  it('TLS is verified by default, with the CA from the kubeconfig (paths relative to the file)', async () => {
    write('sub/ca.pem', 'not-a-real-ca');
    const p = write('sub/tls.yaml', config({ current: 'a', clusters: [['c', 'https://h', { 'certificate-authority': 'ca.pem' }]], contexts: [['a', 'c']] }));
    const kc = loadKubeconfig({ kubeconfig: p, env: noEnv() });
    const opts = await requestOptions(kc);
    expect(opts.rejectUnauthorized).not.toBe(false);
    expect(opts.ca?.toString()).toBe('not-a-real-ca');
  });

  it('falls back to ~/.kube/config', () => {
    const home = path.join(dir, 'home1');
    write('home1/.kube/config', config({ current: 'h', clusters: [['c', 'https://home.example']], contexts: [['h', 'c']] }));
    const kc = loadKubeconfig({ env: { HOME: home } });
    expect(kc.server).toBe('https://home.example');
    expect(kc.source).toBe(path.join(home, '.kube', 'config'));
  });

  it('uses the in-cluster service account when there is no kubeconfig', async () => {
    const root = path.join(dir, 'pod');
    write('pod/var/run/secrets/kubernetes.io/serviceaccount/token', 'sa-token');
    write('pod/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', 'ca');
    write('pod/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'kube-system');
    const env = noEnv({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' });
    const kc = loadKubeconfig({ env, inClusterRoot: root });
    expect(kc.contextName).toBe('in-cluster');
    expect(kc.server).toBe('https://10.96.0.1:443');
    expect(kc.namespace).toBe('kube-system');
    const opts = await requestOptions(kc);
    expect(opts.headers.Authorization).toBe('Bearer sa-token');
    expect(opts.ca?.toString()).toBe('ca');
    // IPv6 service host
    const v6 = loadKubeconfig({ env: { ...env, KUBERNETES_SERVICE_HOST: 'fd00::1' }, inClusterRoot: root });
    expect(v6.server).toBe('https://[fd00::1]:443');
    // --context cannot select anything in-cluster
    expect(thrown(() => loadKubeconfig({ env, context: 'x', inClusterRoot: root })).exitCode).toBe(2);
    // kubectl's override flags apply in a pod too
    const as = loadKubeconfig({ env, inClusterRoot: root, overrides: { as: 'jane', token: 'flag-token' } });
    expect((await requestOptions(as)).headers).toEqual({ Authorization: 'Bearer flag-token', 'Impersonate-User': 'jane' });
  });

  it('no configuration at all fails with a hint (exit 1)', () => {
    const e = thrown(() => loadKubeconfig({ env: noEnv(), inClusterRoot: path.join(dir, 'nothing') }));
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain('no Kubernetes configuration found');
    expect(e.hint).toContain('--kubeconfig');
  });

  it('KUBECONFIG naming only missing files fails naming them', () => {
    const e = thrown(() => loadKubeconfig({ env: noEnv({ KUBECONFIG: path.join(dir, 'x.yaml') }), inClusterRoot: path.join(dir, 'nothing') }));
    expect(e.message).toContain('x.yaml');
  });

  it('a missing --kubeconfig file and broken YAML are one-line failures', () => {
    expect(thrown(() => loadKubeconfig({ kubeconfig: path.join(dir, 'nope.yaml'), env: noEnv() })).message).toContain('does not exist');
    const bad = write('bad.yaml', 'clusters: [\n  - {name: x\n');
    const e = thrown(() => loadKubeconfig({ kubeconfig: bad, env: noEnv() }));
    expect(e.message).toContain('is not valid YAML');
    expect(e.message).not.toContain('\n');
  });

  it('resolves a relative exec plugin command against the kubeconfig folder', () => {
    const p = write(
      'execdir/config',
      [
        'apiVersion: v1',
        'current-context: a',
        'clusters: [{name: c, cluster: {server: "https://h"}}]',
        'contexts: [{name: a, context: {cluster: c, user: e}}]',
        'users: [{name: e, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: ./bin/get-token}}}]',
      ].join('\n'),
    );
    const kc = loadKubeconfig({ kubeconfig: p, env: noEnv() });
    expect((kc.user?.exec as { command: string }).command).toBe(path.join(dir, 'execdir', 'bin', 'get-token'));
  });
});

describe('kubeconfig files that are not files, and tokenFile (issue 10, point 8)', () => {
  it('/dev/zero: a one-line failure after at most 16 MiB, not an out-of-memory abort', () => {
    const e = thrown(() => loadKubeconfig({ kubeconfig: '/dev/zero', env: noEnv() }));
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe('kubeconfig /dev/zero is larger than 16 MiB: not a kubeconfig');
  });

  it('a directory is named as one', () => {
    const e = thrown(() => loadKubeconfig({ kubeconfig: dir, env: noEnv() }));
    expect(e.message).toBe(`cannot read kubeconfig ${dir}: it is a directory`);
  });

  const withTokenFile = (key: string, file: string) =>
    write(
      `tf-${key}/config`,
      [
        'apiVersion: v1',
        'current-context: a',
        'clusters: [{name: c, cluster: {server: "https://h"}}]',
        'contexts: [{name: a, context: {cluster: c, user: u}}]',
        `users: [{name: u, user: {${key}: ${JSON.stringify(file)}}}]`,
      ].join('\n'),
    );

  it("reads kubectl's tokenFile key (client-go AuthInfo json:\"tokenFile\"), relative to the kubeconfig", async () => {
    write('tf-tokenFile/token', 'tok-from-tokenFile\n');
    const kc = loadKubeconfig({ kubeconfig: withTokenFile('tokenFile', 'token'), env: noEnv() });
    expect(kc.user?.tokenFile).toBe(path.join(dir, 'tf-tokenFile', 'token'));
    const creds = await credentialsFor(kc);
    expect((await creds.authorize()).headers).toEqual({ Authorization: 'Bearer tok-from-tokenFile' });
  });

  it.each(['tokenFile', 'token-file'])('a missing %s is an error, as kubectl refuses it, not an unauthenticated request', async (key) => {
    const kc = loadKubeconfig({ kubeconfig: withTokenFile(key, '/nonexistent/token'), env: noEnv() });
    const creds = await credentialsFor(kc);
    const e = await creds.authorize().then(
      () => undefined,
      (err: unknown) => err as WeavectlError,
    );
    expect(e).toBeInstanceOf(WeavectlError);
    expect(e!.message).toBe('cannot read the token file /nonexistent/token: ENOENT');
    expect(e!.hint).toMatch(/kubeconfig/);
  });
});

describe("kubectl's global flags override the kubeconfig (issue 12 §3)", () => {
  const two = () =>
    write(
      'overrides/config',
      config({
        current: 'a',
        clusters: [
          ['c1', 'https://one:6443', { 'certificate-authority-data': Buffer.from('CA1').toString('base64') }],
          ['c2', 'https://two:6443'],
        ],
        users: [
          ['u1', { token: 'tok1' }],
          ['u2', { username: 'admin', password: 'pw' }],
          ['ex', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'get-token' } }],
        ],
        contexts: [['a', 'c1', 'u1', 'prod'], ['x', 'c1', 'ex']],
      }),
    );

  it('--server replaces the address, keeping the rest of the cluster entry', () => {
    const kc = loadKubeconfig({ kubeconfig: two(), env: noEnv(), overrides: { server: 'https://10.0.0.9:6443' } });
    expect(kc.server).toBe('https://10.0.0.9:6443');
    expect(kc.cluster.caData).toBe(Buffer.from('CA1').toString('base64'));
    expect(kc.user?.token).toBe('tok1');
    expect(kc.namespace).toBe('prod');
  });

  it('--server alone works without any kubeconfig, anonymous unless --token', async () => {
    const kc = loadKubeconfig({ env: { KUBECONFIG: '/nonexistent/kc' }, overrides: { server: 'http://127.0.0.1:8001' } });
    expect(kc.server).toBe('http://127.0.0.1:8001');
    expect(kc.user).toBeUndefined();
    expect(kc.warnings[0]).toContain('plain HTTP');
    const withToken = loadKubeconfig({ env: { KUBECONFIG: '/nonexistent/kc' }, overrides: { server: 'https://h:6443', token: 'abc' } });
    expect((await requestOptions(withToken)).headers).toEqual({ Authorization: 'Bearer abc' });
  });

  it('--cluster and --user pick other entries; unknown names are usage errors listing the names', async () => {
    const kc = loadKubeconfig({ kubeconfig: two(), env: noEnv(), overrides: { cluster: 'c2', user: 'u2' } });
    expect(kc.server).toBe('https://two:6443');
    expect((await requestOptions(kc)).headers).toEqual({ Authorization: `Basic ${Buffer.from('admin:pw').toString('base64')}` });
    const c = thrown(() => loadKubeconfig({ kubeconfig: two(), env: noEnv(), overrides: { cluster: 'nope' } }));
    expect([c.exitCode, c.message]).toEqual([2, 'cluster "nope" (--cluster) does not exist in the kubeconfig (available: c1, c2)']);
    const u = thrown(() => loadKubeconfig({ kubeconfig: two(), env: noEnv(), overrides: { user: 'nope' } }));
    expect([u.exitCode, u.message]).toEqual([2, 'user "nope" (--user) does not exist in the kubeconfig (available: u1, u2, ex)']);
  });

  it('--token replaces the user\'s credentials (an exec plugin is not run); --as impersonates', async () => {
    const kc = loadKubeconfig({ kubeconfig: two(), context: 'x', env: noEnv(), overrides: { token: 'flag-token', as: 'jane' } });
    expect(kc.user?.exec).toBeUndefined();
    expect((await requestOptions(kc)).headers).toEqual({ Authorization: 'Bearer flag-token', 'Impersonate-User': 'jane' });
  });

  it('--as-group (repeatable) and --as-uid impersonate with --as: one Impersonate-Group header a group; the kubeconfig user\'s as-groups and as-uid too; never without a user', async () => {
    const kc = loadKubeconfig({ kubeconfig: two(), context: 'x', env: noEnv(), overrides: { token: 't', as: 'jane', asGroups: ['dev', 'ops'], asUid: '42' } });
    expect((await requestOptions(kc)).headers).toEqual({ Authorization: 'Bearer t', 'Impersonate-User': 'jane', 'Impersonate-Group': ['dev', 'ops'], 'Impersonate-Uid': '42' });
    const noUser = thrown(() => loadKubeconfig({ kubeconfig: two(), context: 'x', env: noEnv(), overrides: { token: 't', asGroups: ['dev'] } }));
    expect([noUser.exitCode, noUser.message]).toEqual([2, '--as-group and --as-uid need --as: groups or a UID to impersonate without a user to impersonate']);
    const file = write(
      'impersonating.yaml',
      config({ clusters: [['c', 'https://imp:6443']], users: [['u', { token: 'ut', as: 'bob', 'as-groups': ['a', 'b'], 'as-uid': '7' }]], contexts: [['x', 'c', 'u']], current: 'x' }),
    );
    expect((await requestOptions(loadKubeconfig({ kubeconfig: file, env: noEnv() }))).headers).toEqual({ 'Impersonate-User': 'bob', 'Impersonate-Group': ['a', 'b'], 'Impersonate-Uid': '7', Authorization: 'Bearer ut' });
    const bad = write('groups-only.yaml', config({ clusters: [['c', 'https://imp:6443']], users: [['u', { token: 'ut', 'as-groups': ['a'] }]], contexts: [['x', 'c', 'u']], current: 'x' }));
    const e = thrown(() => loadKubeconfig({ kubeconfig: bad, env: noEnv() }));
    expect([e.exitCode, e.message]).toEqual([1, 'user "u" of the kubeconfig has groups or a UID to impersonate without a user to impersonate (as-groups or as-uid without as)']);
  });

  it('--insecure-skip-tls-verify drops the CA and warns; --certificate-authority replaces it; both together are refused', async () => {
    const insecure = loadKubeconfig({ kubeconfig: two(), env: noEnv(), overrides: { insecureSkipTlsVerify: true } });
    expect(insecure.cluster.caData).toBeUndefined();
    expect((await requestOptions(insecure)).rejectUnauthorized).toBe(false);
    expect(insecure.warnings[0]).toContain('TLS certificate verification is disabled');
    const caFile = write('overrides/ca.pem', 'CA FROM FLAG');
    const ca = loadKubeconfig({ kubeconfig: two(), env: noEnv(), overrides: { certificateAuthority: caFile } });
    expect((await requestOptions(ca)).ca?.toString()).toBe('CA FROM FLAG');
    const both = thrown(() => loadKubeconfig({ kubeconfig: two(), env: noEnv(), overrides: { certificateAuthority: caFile, insecureSkipTlsVerify: true } }));
    expect(both.exitCode).toBe(2);
  });
});
