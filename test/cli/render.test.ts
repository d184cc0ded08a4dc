/**
 * The mission's render path through the built binary: YAML alone on stdout, messages on stderr,
 * and every rejected input a one-line error with the right exit code.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { repoRoot, runCli } from './run-cli.js';

const refDir = join(repoRoot, 'test', 'fixtures', 'upstream');

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: any };

function docs(text: string): Obj[] {
  return parseAllDocuments(text).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS() as Obj;
  });
}

function weaveContainer(objs: Obj[]) {
  const ds = objs.find((o) => o.kind === 'DaemonSet' && o.metadata.name === 'weave-net');
  expect(ds?.apiVersion).toMatch(/^(apps\/v1|extensions\/v1beta1)$/);
  return (ds!.spec.template.spec.containers as any[]).find((c) => c.name === 'weave');
}

describe('install --dry-run=client', () => {
  it('renders Weave Net 2.7.0 for Kubernetes 1.7.5 with IPALLOC_RANGE, YAML alone on stdout', async () => {
    const r = await runCli(['install', '--k8s-version', '1.7.5', '--ipalloc', '172.25.64.0/18', '--dry-run=client', '-o', 'yaml']);
    expect(r.code).toBe(0);
    const objs = docs(r.stdout);
    expect(objs.map((o) => o.kind)).toContain('DaemonSet');
    const weave = weaveContainer(objs);
    expect(weave.image).toBe('weaveworks/weave-kube:2.7.0');
    expect(weave.env).toContainEqual({ name: 'IPALLOC_RANGE', value: '172.25.64.0/18' });
    expect(objs.every((o) => o.apiVersion && o.kind && o.metadata.name)).toBe(true);
    expect(r.stderr).toMatch(/2\.7\.0/);
    expect(r.stdout).not.toMatch(/Using Weave Net/);
  });

  it('prints a v1 List with -o json', async () => {
    const r = await runCli(['install', '--k8s-version', 'v1.29.2', '--dry-run=client', '-o', 'json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout);
    expect(list.apiVersion).toBe('v1');
    expect(list.kind).toBe('List');
    const ds = list.items.find((o: Obj) => o.kind === 'DaemonSet');
    expect(ds.apiVersion).toBe('apps/v1');
    expect(ds.spec.template.spec.containers[0].image).toBe('weaveworks/weave-kube:2.8.1');
  });

  it('accepts the base64 of kubectl version output as the cloud API did', async () => {
    const text = 'Client Version: version.Info{Major:"1", Minor:"7", GitVersion:"v1.7.5"}\nServer Version: version.Info{Major:"1", Minor:"7", GitVersion:"v1.7.5"}\n';
    const r = await runCli(['install', '--k8s-version', Buffer.from(text).toString('base64'), '--dry-run=client', '-o', 'yaml']);
    expect(r.code).toBe(0);
    expect(weaveContainer(docs(r.stdout)).image).toBe('weaveworks/weave-kube:2.7.0');
  });

  it('without -o lists what would be created, like kubectl', async () => {
    const r = await runCli(['install', '--k8s-version', '1.8', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^daemonset\.extensions\/weave-net created \(dry run\)$/m);
  });

  it('applies every setting flag', async () => {
    const r = await runCli([
      'install', '--k8s-version', '1.11', '--dry-run=client', '-o', 'yaml', '--mtu', '1337', '--conn-limit', '50',
      '--no-masq-local', '--disable-npc', '--password-secret', 'weave-passwd', '--env', 'EXTRA_ARGS=--log-level=debug',
      '--image-registry', 'registry.corp:5000/mirror',
    ]);
    expect(r.code).toBe(0);
    const objs = docs(r.stdout);
    const ds = objs.find((o) => o.kind === 'DaemonSet')!;
    const containers = ds.spec.template.spec.containers as any[];
    expect(containers.map((c) => c.name)).toEqual(['weave']);
    const env = containers[0].env as any[];
    expect(env).toContainEqual({ name: 'WEAVE_MTU', value: '1337' });
    // upstream's own kube-addon.md example; fastdp.md says "should be divisible by four": a warning, not a refusal
    expect(r.stderr).toContain('Warning: WEAVE_MTU 1337 is not a multiple of 4');
    expect(env).toContainEqual({ name: 'CONN_LIMIT', value: '50' });
    expect(env).toContainEqual({ name: 'NO_MASQ_LOCAL', value: '1' });
    expect(env).toContainEqual({ name: 'EXPECT_NPC', value: '0' });
    expect(env).toContainEqual({ name: 'EXTRA_ARGS', value: '--log-level=debug' });
    expect(env).toContainEqual({ name: 'WEAVE_PASSWORD', valueFrom: { secretKeyRef: { name: 'weave-passwd', key: 'weave-passwd' } } });
    expect(containers[0].image).toBe('registry.corp:5000/mirror/weaveworks/weave-kube:2.8.1');
    expect(r.stdout).not.toMatch(/WEAVE_PASSWORD\s*\n\s*value:/);
    // The dead checkpoint endpoint is not called unless --checkpoint (go-checkpoint skips it for any non-empty value).
    expect(env).toContainEqual({ name: 'CHECKPOINT_DISABLE', value: '1' });
    const on = await runCli(['install', '--k8s-version', '1.11', '--dry-run=client', '-o', 'yaml', '--checkpoint']);
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).not.toContain('CHECKPOINT_DISABLE');
  });

  it('reads a manifest from a file and from stdin, printing its sha256', async () => {
    const file = join(refDir, 'net-2.8.1-k8s-1.11.yaml');
    const sha = createHash('sha256').update(readFileSync(file)).digest('hex');
    const fromFile = await runCli(['install', '--k8s-version', '1.29', '--source', file, '--sha256', sha, '--dry-run=client', '-o', 'yaml']);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stderr).toContain(sha);
    const fromStdin = await runCli(['install', '--k8s-version', '1.29', '--source', '-', '--dry-run=client', '-o', 'yaml', '--ipalloc', '10.40.0.0/16'], {
      stdin: readFileSync(file, 'utf8'),
    });
    expect(fromStdin.code).toBe(0);
    expect(weaveContainer(docs(fromStdin.stdout)).env).toContainEqual({ name: 'IPALLOC_RANGE', value: '10.40.0.0/16' });
  });
});

describe('scope --dry-run=client', () => {
  it('renders Scope for 1.7.5 in kube-system with the Service on 10.200.33.12:4040 and warns about exposure', async () => {
    const r = await runCli(['scope', '--k8s-version', '1.7.5', '--external-ip', '10.200.33.12', '--dry-run=client', '-o', 'yaml']);
    expect(r.code).toBe(0);
    const objs = docs(r.stdout);
    const svc = objs.find((o) => o.kind === 'Service' && o.metadata.name === 'weave-scope-app')!;
    expect(svc.metadata.namespace).toBe('kube-system');
    expect(svc.spec.externalIPs).toEqual(['10.200.33.12']);
    expect(svc.spec.ports).toEqual([expect.objectContaining({ name: 'app', port: 4040, targetPort: 4040 })]);
    expect(objs.find((o) => o.kind === 'Deployment')!.apiVersion).toBe('extensions/v1beta1');
    expect(r.stderr).toMatch(/Warning:.*(authentication|shell)/i);
  });

  it('renders Scope for current clusters in namespace weave, read-only without the warning', async () => {
    const r = await runCli(['scope', '--k8s-version', '1.29', '--external-ip', '10.200.33.12', '--read-only', '--dry-run=client', '-o', 'json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout);
    expect(list.items.some((o: Obj) => o.kind === 'PodSecurityPolicy')).toBe(false);
    const agent = list.items.find((o: Obj) => o.kind === 'DaemonSet' && o.metadata.name === 'weave-scope-agent');
    expect(agent.metadata.namespace).toBe('weave');
    expect(JSON.stringify(agent.spec.template.spec.containers[0].args)).toContain('--probe.no-controls=true');
    expect(r.stderr).not.toMatch(/Warning:.*shell/i);
  });

  it('issue 15 flags without a cluster: basic auth on the three workloads, containerd probes, the --allow-from policy (1.8: legacy template)', async () => {
    const r = await runCli(['scope', '--k8s-version', '1.8.4', '--basic-auth-secret', 'scope-auth', '--runtime', 'containerd', '--allow-from', '203.0.113.0/24', '--dry-run=client', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const items: Obj[] = JSON.parse(r.stdout).items;
    const workloads = items.filter((o) => o.kind === 'Deployment' || o.kind === 'DaemonSet');
    expect(workloads).toHaveLength(3);
    for (const w of workloads) {
      expect(w.spec.template.spec.containers[0].env, w.metadata.name).toContainEqual({ name: 'BASIC_AUTH_PASSWORD', valueFrom: { secretKeyRef: { name: 'scope-auth', key: 'password' } } });
    }
    const agent = workloads.find((o) => o.kind === 'DaemonSet')!;
    expect(agent.spec.template.spec.containers[0].args).toContain('--probe.cri.endpoint=unix:///run/containerd/containerd.sock');
    const policy = items.find((o) => o.kind === 'NetworkPolicy')!;
    expect(policy.metadata).toMatchObject({ name: 'weave-scope-app-allow-from', namespace: 'kube-system' });
    expect(r.stderr).toContain('--allow-from without a cluster (--dry-run=client): the probes\' Weave Net range is taken as 10.32.0.0/12');
    // the password is in the Secret, never in the manifest
    expect(r.stdout).not.toMatch(/BASIC_AUTH_PASSWORD"?,\s*"value"/);
  });
});

describe('bad input: one line, the right exit code, no stack trace', () => {
  // The table of bad inputs (these rows and 150 more, against a cluster) is test/cli/bad-inputs.ts.

  it('an unknown flag and a misspelt command get suggestions, exit 2', async () => {
    const flag = await runCli(['install', '--ipaloc', '10.32.0.0/12']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/unknown option '--ipaloc'[\s\S]*--ipalloc/);
    const cmd = await runCli(['instal']);
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toMatch(/install/);
  });

  it('--verbose shows the stack of an expected failure', async () => {
    const r = await runCli(['install', '--k8s-version', '1.x', '--dry-run=client', '--verbose']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

describe('the command line', () => {
  it('finds the command word past global options and their values', async () => {
    const { commandOf } = await import('../../src/cli.js');
    expect(commandOf(['install', '--dry-run'])).toBe('install');
    expect(commandOf(['-n', 'kube-system', '--kubeconfig', 'install', 'status'])).toBe('status');
    expect(commandOf(['--dry-run', 'client', '-o', 'yaml', 'scope'])).toBe('scope');
    expect(commandOf(['--dry-run=client', 'policy', 'allow'])).toBe('policy');
    expect(commandOf(['instal'])).toBeUndefined();
    expect(commandOf(['--help'])).toBeUndefined();
  });

  it('help lists every command', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['install', 'scope', 'rollout-status', 'check', 'status', 'uninstall', 'policy', 'npc']) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  });
});
