import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.js';
import { passwordSecretProblem, passwordSecretRef } from '../../src/check/password-secret.js';
import { redactPasswords, REDACTED_VALUE } from '../../src/manifest/redact.js';
import { formatChange } from '../../src/upgrade/diff.js';

const ds = (env: unknown[]): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'weave-net', namespace: 'kube-system' },
  spec: { template: { spec: { containers: [{ name: 'weave', image: 'weaveworks/weave-kube:2.8.1', env }, { name: 'weave-npc', image: 'weaveworks/weave-npc:2.8.1' }] } } },
});
const secret = (data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'weave-passwd', namespace: 'kube-system' }, data });

describe('the password Secret', () => {
  it('is read from the weave container (a literal or an optional ref is no Secret to require)', () => {
    expect(passwordSecretRef(ds([{ name: 'WEAVE_PASSWORD', valueFrom: { secretKeyRef: { name: 'weave-passwd', key: 'pw' } } }]))).toEqual({ namespace: 'kube-system', name: 'weave-passwd', key: 'pw' });
    expect(passwordSecretRef(ds([{ name: 'WEAVE_PASSWORD', value: 'x' }]))).toBeUndefined();
    expect(passwordSecretRef(ds([{ name: 'WEAVE_PASSWORD', valueFrom: { secretKeyRef: { name: 'a', key: 'b', optional: true } } }]))).toBeUndefined();
    expect(passwordSecretRef(ds([]))).toBeUndefined();
  });

  it('missing, or without the key: a problem that never holds the password; stringData counts', () => {
    const ref = { namespace: 'kube-system', name: 'weave-passwd', key: 'weave-passwd' };
    expect(passwordSecretProblem(ref, undefined)!.message).toMatch(/does not exist/);
    const noKey = passwordSecretProblem(ref, secret({ other: Buffer.from('hunter2').toString('base64') }))!;
    expect(noKey.message).toMatch(/has no key weave-passwd \(it has other\)/);
    expect(JSON.stringify(noKey)).not.toMatch(/hunter2|aHVudGVyMg/);
    expect(passwordSecretProblem(ref, secret({ 'weave-passwd': 'eA==' }))).toBeUndefined();
    expect(passwordSecretProblem(ref, { ...secret({}), stringData: { 'weave-passwd': 'x' } })).toBeUndefined();
  });
});

describe('no output prints a password', () => {
  it('redactPasswords hides a literal WEAVE_PASSWORD in a copy, keeps a valueFrom and the original', () => {
    const o = ds([{ name: 'WEAVE_PASSWORD', value: 'hunter2' }, { name: 'WEAVE_MTU', value: '1376' }]);
    const r = redactPasswords(o);
    expect(r.spec.template.spec.containers[0].env).toEqual([{ name: 'WEAVE_PASSWORD', value: REDACTED_VALUE }, { name: 'WEAVE_MTU', value: '1376' }]);
    expect(o.spec.template.spec.containers[0].env[0].value).toBe('hunter2');
    const ref = ds([{ name: 'WEAVE_PASSWORD', valueFrom: { secretKeyRef: { name: 'a', key: 'b' } } }]);
    expect(redactPasswords(ref)).toEqual(ref);
  });

  it('the diff shows where a password comes from, never its value', () => {
    const path = 'spec.template.spec.containers[weave].env[WEAVE_PASSWORD]';
    expect(formatChange({ kind: 'changed', path, old: { name: 'WEAVE_PASSWORD', value: 'hunter2' }, new: { name: 'WEAVE_PASSWORD', valueFrom: { secretKeyRef: { name: 'p', key: 'p' } } } })).toBe(
      `~ ${path}: (password hidden) -> from secretKeyRef p/p`,
    );
    expect(formatChange({ kind: 'removed', path, old: { name: 'WEAVE_PASSWORD', value: 'hunter2' } })).toBe(`- ${path}: (password hidden)`);
    expect(formatChange({ kind: 'changed', path: `${path}.value`, old: 'hunter2', new: 'hunter3' })).toBe(`~ ${path}.value: (password hidden) -> (password hidden)`);
  });
});
