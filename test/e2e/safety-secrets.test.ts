/**
 * Issue 10 point 5, through the built CLI against the simulator: the password Secret and its key
 * must exist before anything is applied (and `check` says so when they went missing); a literal
 * WEAVE_PASSWORD is replaced, never left beside the valueFrom; no output prints a password.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { referenceText } from '../fixtures/cloud-endpoint.js';
import type { Simulator } from '../sim/index.js';
import { sim, snapshot, weavectl } from './harness.js';

type Obj = Record<string, any>;
const PASSWORD = 's3cret-Zq9';
const weaveEnv = (s: Simulator) => (s.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')!.spec.template.spec.containers as Obj[]).find((c) => c.name === 'weave')!.env as Obj[];
const putSecret = (s: Simulator, name = 'weave-passwd', key = name) =>
  s.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'kube-system' }, data: { [key]: Buffer.from(PASSWORD).toString('base64') } });

/** A running Weave Net whose DaemonSet someone edited to hold the password literally. */
async function literalPassword(): Promise<Simulator> {
  const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
  putSecret(s);
  const r = await weavectl(s, ['install', '--wait=false']);
  expect(r.code, r.stderr).toBe(0);
  const ds = structuredClone(s.get('apps/v1', 'DaemonSet', 'kube-system', 'weave-net')!);
  (ds.spec.template.spec.containers as Obj[]).find((c) => c.name === 'weave')!.env.push({ name: 'WEAVE_PASSWORD', value: PASSWORD });
  s.put(ds);
  return s;
}

describe('the password Secret is checked before apply', () => {
  it('install --password-secret nosuch: refused before anything is written', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    const before = snapshot(s);
    const r = await weavectl(s, ['install', '--password-secret', 'nosuch']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error: '))).toEqual([
      'error: Secret kube-system/nosuch, which weave-net takes WEAVE_PASSWORD from, does not exist: the weave containers could not start (CreateContainerConfigError); nothing was applied',
    ]);
    expect(r.stderr).toMatch(/hint: create it first: kubectl create secret generic -n kube-system nosuch --from-file=nosuch=FILE/);
    expect(snapshot(s)).toBe(before);
  });

  it('a Secret without the key: refused, naming the keys it has', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    putSecret(s);
    const before = snapshot(s);
    const r = await weavectl(s, ['install', '--password-secret', 'weave-passwd:nokey']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/error: Secret kube-system\/weave-passwd has no key nokey \(it has weave-passwd\)/);
    expect(r.stderr).toMatch(/hint: name the key: --password-secret weave-passwd:weave-passwd/);
    expect(snapshot(s)).toBe(before);
    expect(r.stderr).not.toContain(PASSWORD);
  });

  it('check fails when the Secret a running weave-net takes its password from is gone', async () => {
    const s = await sim({ k8sVersion: '1.29.2', nodes: 2 });
    putSecret(s);
    const r = await weavectl(s, ['install', '--password-secret', 'weave-passwd']);
    expect(r.code, r.stderr).toBe(0);
    const good = await weavectl(s, ['check']);
    expect(good.stdout).toMatch(/√ the Secret weave-net takes WEAVE_PASSWORD from exists and holds its key\n\s+Secret kube-system\/weave-passwd holds the key weave-passwd/);
    s.store.remove('secrets', 'kube-system', 'weave-passwd');
    const bad = await weavectl(s, ['check']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/× the Secret weave-net takes WEAVE_PASSWORD from exists and holds its key\n\s+Secret kube-system\/weave-passwd, which weave-net takes WEAVE_PASSWORD from, does not exist/);
  });
});

describe('a literal WEAVE_PASSWORD', () => {
  it('moved to --password-secret is replaced, never left beside valueFrom; neither --diff nor -o yaml prints it', async () => {
    const s = await literalPassword();
    const diff = await weavectl(s, ['install', '--password-secret', 'weave-passwd', '--diff']);
    expect(diff.code, diff.stderr).toBe(1); // kubectl diff's convention: 1 when something would change
    expect(diff.stderr).not.toMatch(/^error:/m);
    expect(diff.stdout).toMatch(/env\[WEAVE_PASSWORD\]: \(password hidden\) -> from secretKeyRef weave-passwd\/weave-passwd/);
    expect(diff.stdout + diff.stderr).not.toContain(PASSWORD);

    const r = await weavectl(s, ['install', '--password-secret', 'weave-passwd', '--yes', '--wait=false', '-o', 'yaml']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/changed\s+WEAVE_PASSWORD: written into the DaemonSet -> Secret weave-passwd/);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    expect(weaveEnv(s).filter((e) => e.name === 'WEAVE_PASSWORD')).toEqual([{ name: 'WEAVE_PASSWORD', valueFrom: { secretKeyRef: { name: 'weave-passwd', key: 'weave-passwd' } } }]);
  });

  it('dropped with --no-password-secret --allow-password-change: gone, and never printed', async () => {
    const s = await literalPassword();
    const refused = await weavectl(s, ['install', '--no-password-secret', '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--allow-password-change/);
    const r = await weavectl(s, ['install', '--no-password-secret', '--allow-password-change', '--yes', '--wait=false', '-o', 'yaml']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    expect(weaveEnv(s).map((e) => e.name)).not.toContain('WEAVE_PASSWORD');
  });

  it('in a manifest from a source: refused, even with --dry-run=client, and not printed', async () => {
    const text = referenceText('net-2.8.1-k8s-1.11.yaml').replace(/(\n(\s+)- name: INIT_CONTAINER\n)/, `\n$2- name: WEAVE_PASSWORD\n$2  value: ${PASSWORD}$1`);
    expect(text).toContain(PASSWORD);
    const r = await runCli(['install', '--source', '-', '--dry-run=client', '-o', 'yaml'], { stdin: text });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/error: the weave-net DaemonSet about to be applied has WEAVE_PASSWORD written into it/);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });
});
