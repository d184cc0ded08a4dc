import { describe, expect, it } from 'vitest';
import { apiError, isPreconditionConflict, KubeApiError, networkError, NetworkError, parseApplyConflicts, retryClass } from '../../src/cluster/status-errors.js';
import { failure } from '../../src/errors.js';
import { EventSplitter } from '../../src/cluster/watch.js';
import { buildQuery, parseWarningHeader } from '../../src/cluster/transport.js';
import { exitCodeOf } from '../../src/cluster/exec.js';
import type { KubeStatus } from '../../src/cluster/types.js';

const id = { server: 'https://10.0.0.1:6443', contextName: 'prod', userName: 'bob' };
const dsPatch = { verb: 'patch', resource: 'daemonsets', group: 'apps', namespace: 'kube-system', name: 'weave-net' };

// The Status an API server (1.29) sends for an apply conflict with two managers.
const conflictStatus: KubeStatus & { apiVersion: string; metadata: object } = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message:
    'Apply failed with 3 conflicts: conflicts with "kubectl" using apps/v1:\n- .spec.template.spec.containers[name="weave"].image\n- .spec.minReadySeconds\nconflict with "helm": .metadata.labels.app',
  reason: 'Conflict',
  details: {
    causes: [
      { reason: 'FieldManagerConflict', message: 'conflict with "kubectl" using apps/v1', field: '.spec.template.spec.containers[name="weave"].image' },
      { reason: 'FieldManagerConflict', message: 'conflict with "kubectl" using apps/v1', field: '.spec.minReadySeconds' },
      { reason: 'FieldManagerConflict', message: 'conflict with "helm"', field: '.metadata.labels.app' },
    ],
  },
  code: 409,
};

describe('apiError', () => {
  it('409 apply conflict: one line naming managers and fields, hint --force-conflicts', () => {
    const e = apiError(409, JSON.stringify(conflictStatus), dsPatch, id);
    expect(e.code).toBe(409);
    expect(e.message).toBe(
      'apply conflict on daemonsets.apps "weave-net" in namespace "kube-system": .spec.template.spec.containers[name="weave"].image, .spec.minReadySeconds (managed by "kubectl"); .metadata.labels.app (managed by "helm")',
    );
    expect(e.message).not.toContain('\n');
    expect(e.hint).toContain('--force-conflicts');
  });

  it('parses conflicts from the message when the causes are missing', () => {
    const { details: _d, ...noCauses } = conflictStatus;
    expect(parseApplyConflicts(noCauses)).toEqual([
      { manager: 'kubectl', fields: ['.spec.template.spec.containers[name="weave"].image', '.spec.minReadySeconds'] },
      { manager: 'helm', fields: ['.metadata.labels.app'] },
    ]);
  });

  it('a 409 that is not an apply conflict keeps the server message', () => {
    const e = apiError(409, JSON.stringify({ kind: 'Status', message: 'Operation cannot be fulfilled: the object has been modified', reason: 'Conflict', code: 409 }), dsPatch, id);
    expect(e.message).toBe('Operation cannot be fulfilled: the object has been modified');
    expect(e.hint).toBeUndefined();
  });

  it('403 says which verb on which resource is missing, with the server message and a can-i hint', () => {
    const status = {
      kind: 'Status',
      message: 'daemonsets.apps "weave-net" is forbidden: User "bob" cannot patch resource "daemonsets" in API group "apps" in the namespace "kube-system"',
      reason: 'Forbidden',
      details: { name: 'weave-net', group: 'apps', kind: 'daemonsets' },
      code: 403,
    };
    const e = apiError(403, JSON.stringify(status), dsPatch, id);
    expect(e.message).toBe(`forbidden: cannot patch daemonsets.apps "weave-net" in namespace "kube-system": ${status.message}`);
    expect(e.hint).toContain('kubectl auth can-i patch daemonsets.apps -n kube-system');
    // No body (a proxy): still says what was needed.
    const bare = apiError(403, '', { verb: 'list', resource: 'nodes', group: '' }, id);
    expect(bare.message).toBe('forbidden: cannot list nodes (cluster-wide) (403)');
    const sub = apiError(403, '', { verb: 'create', resource: 'pods/exec', group: '', namespace: 'kube-system', name: 'weave-net-x' }, id);
    expect(sub.hint).toContain('kubectl auth can-i create pods --subresource=exec -n kube-system');
  });

  it('401 says the credentials were refused', () => {
    const e = apiError(401, '{"kind":"Status","message":"Unauthorized","code":401}', dsPatch, id);
    expect(e.message).toBe('the API server https://10.0.0.1:6443 refused the credentials of user "bob" (context "prod"): 401 Unauthorized');
    expect(e.hint).toContain('expired');
  });

  it('other errors: server message, or a short body, on one line', () => {
    expect(apiError(422, JSON.stringify({ kind: 'Status', message: 'DaemonSet.apps "weave-net" is invalid: spec.x: Required value', code: 422 }), dsPatch, id).message).toBe(
      'DaemonSet.apps "weave-net" is invalid: spec.x: Required value',
    );
    const e = apiError(502, '<html>\n<body>Bad gateway</body>\n</html>', { verb: 'get', label: 'GET /version' }, id);
    expect(e.message).toBe('get GET /version: 502 from the API server: <html> <body>Bad gateway</body> </html>');
    expect(e.hint).toContain('try again');
    expect(apiError(404, '', { verb: 'get', resource: 'pods', group: '', namespace: 'x', name: 'p' }, id).message).toBe('pods "p" in namespace "x" not found');
  });
});

describe('networkError', () => {
  it('maps connection and TLS errors to one line', () => {
    const d = { verb: 'get', label: 'GET /version' };
    expect(networkError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), d, id).message).toBe(
      'cannot reach the API server https://10.0.0.1:6443: connection refused',
    );
    const tls = networkError(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), d, id);
    expect(tls.message).toContain('is not trusted');
    expect(tls.hint).toContain('certificate-authority');
  });
});

describe('retryClass: the one classification of the cluster layer\'s errors', () => {
  const api = (code: number) => apiError(code, '', { verb: 'list', resource: 'daemonsets', group: 'apps' }, { server: 'https://k' });
  const net = (code: string) => networkError(Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(`read ${code}`), { code }) }), { verb: 'watch' }, { server: 'https://k' });

  it('5xx and 429 are transient, 410 expired, other answers fatal', () => {
    expect(retryClass(api(500))).toBe('transient');
    expect(retryClass(api(503))).toBe('transient');
    expect(retryClass(api(429))).toBe('transient');
    expect(retryClass(api(410))).toBe('expired');
    expect(retryClass(api(404))).toBe('fatal');
    expect(retryClass(api(403))).toBe('fatal');
    expect(api(500)).toBeInstanceOf(KubeApiError);
  });

  it('a dropped or refused connection is transient, a name that does not resolve fatal; the code is found under undici\'s wrapper', () => {
    expect(net('ECONNREFUSED')).toBeInstanceOf(NetworkError);
    expect(net('ECONNRESET').code).toBe('ECONNRESET');
    expect(retryClass(net('ECONNRESET'))).toBe('transient');
    expect(retryClass(net('UND_ERR_SOCKET'))).toBe('transient');
    expect(retryClass(net('ENOTFOUND'))).toBe('fatal');
  });

  it('a failure that wraps one is classified by it; errors of no known kind (shapes included) are fatal', () => {
    expect(retryClass(failure('list of pods: the continue token expired', 'try again', api(410)))).toBe('expired');
    expect(retryClass(new Error('weird'))).toBe('fatal');
    expect(retryClass(Object.assign(new Error('shaped'), { statusCode: 503, code: 'ECONNRESET' }))).toBe('fatal');
  });
});

describe('isPreconditionConflict', () => {
  const desc = { verb: 'patch', resource: 'daemonsets', group: 'apps', namespace: 'kube-system', name: 'weave-net' };
  const answer = (status: object) => apiError(409, JSON.stringify({ kind: 'Status', status: 'Failure', code: 409, ...status }), desc, { server: 'https://k' });

  it('a moved resourceVersion (Conflict) or an object created meanwhile (AlreadyExists) is one, also wrapped', () => {
    expect(isPreconditionConflict(answer({ reason: 'Conflict', message: 'the object has been modified' }))).toBe(true);
    expect(isPreconditionConflict(answer({ reason: 'AlreadyExists', message: 'daemonsets.apps "weave-net" already exists' }))).toBe(true);
    expect(isPreconditionConflict(failure('writing weave-net', undefined, answer({ reason: 'Conflict', message: 'modified' })))).toBe(true);
  });

  it('a field-manager conflict of server-side apply is not; nor any other error', () => {
    const ssa = answer({ reason: 'Conflict', message: 'Apply failed with 1 conflict: conflict with "kubectl": .spec.x', details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.spec.x' }] } });
    expect(ssa.message).toMatch(/^apply conflict/);
    expect(isPreconditionConflict(ssa)).toBe(false);
    expect(isPreconditionConflict(apiError(404, '', desc, { server: 'https://k' }))).toBe(false);
    expect(isPreconditionConflict(Object.assign(new Error('shaped'), { code: 409, reason: 'Conflict' }))).toBe(false);
  });
});

describe('EventSplitter', () => {
  it('splits chunks on newlines, across chunk borders', () => {
    const s = new EventSplitter();
    const a = JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } });
    const b = JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410 } });
    expect(s.push(a.slice(0, 10))).toEqual([]);
    const first = s.push(`${a.slice(10)}\n${b.slice(0, 5)}`);
    expect(first.map((e) => e.type)).toEqual(['ADDED']);
    expect(s.push(`${b.slice(5)}\n\n`).map((e) => e.type)).toEqual(['ERROR']);
    expect(s.push(JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '9' } } }))).toEqual([]);
    expect(s.flush().map((e) => e.type)).toEqual(['BOOKMARK']);
  });

  it('skips unknown event types and rejects garbage', () => {
    const s = new EventSplitter();
    expect(s.push('{"type":"FUTURE","object":{}}\n')).toEqual([]);
    expect(() => s.push('<html>\n')).toThrow();
  });
});

describe('transport helpers', () => {
  it('Warning headers', () => {
    expect(parseWarningHeader('299 - "extensions/v1beta1 DaemonSet is deprecated", 299 - "say \\"hi\\""')).toEqual([
      'extensions/v1beta1 DaemonSet is deprecated',
      'say "hi"',
    ]);
  });
  it('query strings skip empty values and encode the rest', () => {
    expect(buildQuery({ a: 'x y', b: undefined, c: '', d: 5, e: true })).toBe('?a=x%20y&d=5&e=true');
    expect(buildQuery({})).toBe('');
  });
});

describe('exitCodeOf', () => {
  it('reads the exit code from the status channel', () => {
    expect(exitCodeOf({ status: 'Success' }, 'x')).toBe(0);
    expect(
      exitCodeOf(
        { status: 'Failure', reason: 'NonZeroExitCode', message: 'command terminated with non-zero exit code', details: { causes: [{ reason: 'ExitCode', message: '3' }] } },
        'x',
      ),
    ).toBe(3);
    expect(() => exitCodeOf({ status: 'Failure', reason: 'InternalError', message: 'executable file not found in $PATH' }, 'exec of "nope"')).toThrow(
      'exec of "nope" failed: executable file not found in $PATH',
    );
  });
});

describe('classifyError: every error the user sees, from one place', () => {
  it('keeps a WeavectlError as it is', async () => {
    const { classifyError } = await import('../../src/cluster/status-errors.js');
    const { failure } = await import('../../src/errors.js');
    const e = failure('boom', 'do this');
    expect(classifyError(e)).toBe(e);
  });

  it('a network error that escaped the transport is the one-line network message, exit 1', async () => {
    const { classifyError } = await import('../../src/cluster/status-errors.js');
    const raw = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const e = classifyError(raw);
    expect(e.exitCode).toBe(1);
    expect(e.message).toMatch(/^cannot reach the API server: the connection was reset/);
    expect(e.message).not.toMatch(/\n/);
    const refused = classifyError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }));
    expect(refused.message).toBe('cannot reach the API server: connection refused');
    expect(refused.hint).toMatch(/cluster running/);
  });

  it('anything else is "unexpected", one line, with the --verbose hint; a non-Error too', async () => {
    const { classifyError } = await import('../../src/cluster/status-errors.js');
    const e = classifyError(new TypeError('x is not a function\n    at foo (bar.js:1:1)'));
    expect(e.message).toBe('unexpected: x is not a function at foo (bar.js:1:1)');
    expect(e.hint).toMatch(/--verbose/);
    expect(classifyError('just a string').message).toBe('unexpected: just a string');
  });
});
