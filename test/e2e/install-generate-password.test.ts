/**
 * `weavectl install --password-secret NAME --generate-password` end to end: the Secret is created
 * with a random password when it does not exist, never printed, never overwritten; refused without
 * --password-secret (exit 2, nothing changed), and not created when the install is refused.
 */
import { describe, expect, it } from 'vitest';
import { sim, snapshot, weavectl } from './harness.js';
import type { Obj, Simulator } from '../sim/index.js';

const secret = (s: Simulator, name = 'weave-passwd') => s.get('v1', 'Secret', 'kube-system', name);
const password = (o: Obj | undefined, key = 'weave-passwd') => Buffer.from(String(o?.['data']?.[key] ?? ''), 'base64').toString('utf8');

describe('install --generate-password', () => {
  it('creates the missing Secret with a random password, which it never prints; the pods take WEAVE_PASSWORD from it', async () => {
    const s = await sim({ nodes: 2, stepDelayMs: 5 });
    const r = await weavectl(s, ['install', '--password-secret', 'weave-passwd', '--generate-password', '--timeout', '60s']);
    expect(r.code).toBe(0);
    const pw = password(secret(s));
    expect(pw).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(`${r.stdout}${r.stderr}`).not.toContain(pw);
    expect(r.stdout).toMatch(/^secret\/weave-passwd created with a random password under the key weave-passwd \(not shown\)$/m);
    expect(secret(s)?.['metadata']?.['labels']).toEqual({ 'app.kubernetes.io/managed-by': 'weavectl' });
    const ds = s.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')!;
    const env = ds['spec']['template']['spec']['containers'].find((c: Obj) => c['name'] === 'weave')['env'];
    expect(env).toContainEqual({ name: 'WEAVE_PASSWORD', valueFrom: { secretKeyRef: { name: 'weave-passwd', key: 'weave-passwd' } } });

    // Again: the Secret exists, it is kept as it is.
    const before = secret(s)!['metadata']['resourceVersion'];
    const again = await weavectl(s, ['install', '--password-secret', 'weave-passwd', '--generate-password', '--yes', '--timeout', '60s']);
    expect(again.code).toBe(0);
    expect(secret(s)!['metadata']['resourceVersion']).toBe(before);
    expect(password(secret(s))).toBe(pw);
    expect(`${again.stdout}${again.stderr}`).not.toContain(pw);
  });

  it('keeps an existing Secret; a second random password differs from the first', async () => {
    const s = await sim({ nodes: 1, stepDelayMs: 5 });
    s.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'mine', namespace: 'kube-system' }, data: { pw: Buffer.from('chosen-by-me').toString('base64') } });
    const r = await weavectl(s, ['install', '--password-secret', 'mine:pw', '--generate-password', '--wait=false']);
    expect(r.code).toBe(0);
    expect(password(secret(s, 'mine'), 'pw')).toBe('chosen-by-me');
    expect(r.stdout).not.toMatch(/secret\/mine created/);

    const other = await sim({ nodes: 1, stepDelayMs: 5 });
    expect((await weavectl(other, ['install', '--password-secret', 'weave-passwd', '--generate-password', '--wait=false'])).code).toBe(0);
    const s3 = await sim({ nodes: 1, stepDelayMs: 5 });
    expect((await weavectl(s3, ['install', '--password-secret', 'weave-passwd', '--generate-password', '--wait=false'])).code).toBe(0);
    expect(password(secret(other))).not.toBe(password(secret(s3)));
  });

  it('is refused without --password-secret, and with --no-password-secret: exit 2, nothing changed', async () => {
    const s = await sim({ nodes: 1, stepDelayMs: 5 });
    const before = snapshot(s);
    const bare = await weavectl(s, ['install', '--generate-password']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^error: --generate-password needs --password-secret NAME: the Secret to create$/m);
    const contra = await weavectl(s, ['install', '--no-password-secret', '--generate-password']);
    expect(contra.code).toBe(2);
    expect(contra.stderr).toMatch(/^error: --generate-password and --no-password-secret contradict each other$/m);
    expect((await weavectl(s, ['install', '--generate-password', '--dry-run=client', '-o', 'yaml'])).code).toBe(2);
    expect(snapshot(s)).toBe(before);
  });

  it('creates nothing when the install is refused (adding a password to a running Weave Net needs --allow-password-change), or on a server dry run', async () => {
    const s = await sim({ nodes: 1, stepDelayMs: 5 });
    expect((await weavectl(s, ['install', '--wait=false'])).code).toBe(0);
    const before = snapshot(s);
    const refused = await weavectl(s, ['install', '--password-secret', 'weave-passwd', '--generate-password', '--yes', '--wait=false']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/allow-password-change/);
    expect(secret(s)).toBeUndefined();
    expect(snapshot(s)).toBe(before);

    const dry = await weavectl(s, ['install', '--password-secret', 'weave-passwd', '--generate-password', '--allow-password-change', '--yes', '--dry-run=server']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/secret\/weave-passwd created \(server dry run\)/);
    expect(secret(s)).toBeUndefined();
    expect(snapshot(s)).toBe(before);
  });
});
