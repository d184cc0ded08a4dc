/**
 * Scope's basic auth, container runtime and --allow-from rendered on both embedded Scope templates
 * (legacy: Kubernetes 1.6-1.8, namespace kube-system; current: 1.9+, namespace weave), every combination.
 * Facts: scope v1.13.2 prog/main.go (ENABLE_BASIC_AUTH, BASIC_AUTH_USERNAME, BASIC_AUTH_PASSWORD on app and
 * probe), scope v1.13.2 examples/cri/ds.yaml (the CRI flags and socket mount), absent at v1.9.1.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseManifest, renderYaml, toObjects, type Manifest } from '../../src/manifest/manifest.js';
import { applyScopeSettings, type ScopeSettings } from '../../src/manifest/patch-scope.js';
import { loadScopeTemplate } from '../../src/manifest/templates.js';
import { ALLOW_FROM_POLICY, allowFromNotes, parseAllowFromList, readAllowFrom } from '../../src/manifest/scope-allow-from.js';
import { basicAuthOn, readBasicAuthSecret } from '../../src/manifest/scope-auth.js';
import { detectRuntime, parseRuntime, readRuntime, runtimeOfVersion, type ScopeRuntime } from '../../src/manifest/scope-runtime.js';
import { scopeImageVersion, scopeVersionsOf } from '../../src/manifest/scope-version.js';
import { thrownError as error } from '../helpers/thrown.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OLD = parseManifest(readFileSync(join(repoRoot, 'test/fixtures/upstream/scope-1.9.1-k8s-examples.yaml'), 'utf8'), 'scope-1.9.1-k8s-examples.yaml');

type Obj = { kind: string; metadata: { name: string; namespace?: string }; spec: any };
const objects = (m: Manifest) => toObjects(m) as unknown as Obj[];
const find = (m: Manifest, kind: string, name: string) => objects(m).find((o) => o.kind === kind && o.metadata.name === name);
const containers = (m: Manifest) =>
  (
    [
      ['Deployment', 'weave-scope-app'],
      ['DaemonSet', 'weave-scope-agent'],
      ['Deployment', 'weave-scope-cluster-agent'],
    ] as const
  ).map(([k, n]) => ({ workload: n, c: find(m, k, n)!.spec.template.spec.containers[0] }));
const agent = (m: Manifest) => find(m, 'DaemonSet', 'weave-scope-agent')!.spec.template.spec;


const AUTH = [undefined, 'scope-auth'] as const;
const RUNTIMES: (ScopeRuntime | undefined)[] = [undefined, 'docker', 'containerd', 'crio'];
const ALLOW = [undefined, ['203.0.113.0/24', '198.51.100.7/32']] as const;
const READ_ONLY = [undefined, true] as const;
const combos = AUTH.flatMap((basicAuthSecret) =>
  RUNTIMES.flatMap((runtime) => ALLOW.flatMap((allowFrom) => READ_ONLY.map((readOnly) => ({ basicAuthSecret, runtime, allowFrom, readOnly })))),
);

describe.each(['legacy', 'current'] as const)('Scope 1.13.2 %s template', (flavour) => {
  const template = loadScopeTemplate(flavour);
  const namespace = flavour === 'legacy' ? 'kube-system' : 'weave';
  const before = renderYaml(template);

  it.each(combos.map((c) => [JSON.stringify(c), c] as const))('settings %s', (_name, c) => {
    const s: ScopeSettings = {
      ...(c.basicAuthSecret ? { basicAuthSecret: c.basicAuthSecret } : {}),
      ...(c.runtime ? { runtime: c.runtime } : {}),
      ...(c.allowFrom ? { allowFrom: [...c.allowFrom] } : {}),
      ...(c.readOnly ? { readOnly: true } : {}),
    };
    const { manifest } = applyScopeSettings(template, s, { k8sMinor: flavour === 'legacy' ? 8 : 29, podRange: '10.32.0.0/12' });
    expect(renderYaml(template)).toBe(before); // the template is not touched

    // basic auth: the three variables from the Secret on the app, the agents and the cluster agent (scope v1.13.2 prog/main.go)
    for (const { workload, c: ctr } of containers(manifest)) {
      const env: any[] = ctr.env ?? [];
      const byName = (n: string) => env.filter((e) => e.name === n);
      if (c.basicAuthSecret) {
        expect(byName('ENABLE_BASIC_AUTH'), workload).toEqual([{ name: 'ENABLE_BASIC_AUTH', value: 'true' }]);
        expect(byName('BASIC_AUTH_USERNAME'), workload).toEqual([{ name: 'BASIC_AUTH_USERNAME', valueFrom: { secretKeyRef: { name: 'scope-auth', key: 'username' } } }]);
        expect(byName('BASIC_AUTH_PASSWORD'), workload).toEqual([{ name: 'BASIC_AUTH_PASSWORD', valueFrom: { secretKeyRef: { name: 'scope-auth', key: 'password' } } }]);
      } else {
        expect(env.filter((e) => /BASIC_AUTH/.test(e.name)), workload).toEqual([]);
      }
    }
    expect(basicAuthOn(manifest)).toBe(Boolean(c.basicAuthSecret));

    // runtime: the agent's flags come before its positional app address (Go's flag package stops there)
    const spec = agent(manifest);
    const args: string[] = spec.containers[0].args;
    const positional = args.findIndex((a) => !a.startsWith('-'));
    expect(args[positional]).toBe(`weave-scope-app.${namespace}.svc.cluster.local.:4040`);
    expect(positional).toBe(args.length - 1);
    const mounts = spec.containers[0].volumeMounts.map((v: any) => `${v.name}:${v.mountPath}`);
    const volumes = spec.volumes.map((v: any) => `${v.name}:${v.hostPath?.path}`);
    if (c.runtime === 'containerd' || c.runtime === 'crio') {
      const sock = c.runtime === 'containerd' ? '/run/containerd/containerd.sock' : '/var/run/crio/crio.sock';
      expect(args).toEqual(expect.arrayContaining(['--probe.docker=false', '--probe.cri=true', `--probe.cri.endpoint=unix://${sock}`]));
      expect(args.some((a) => a.startsWith('--probe.docker.bridge'))).toBe(false);
      expect(mounts).toContain(`cri-socket:${sock}`);
      expect(volumes).toContain(`cri-socket:${sock}`);
      expect(mounts.some((m: string) => m.startsWith('docker-socket'))).toBe(false);
      expect(volumes.some((m: string) => m.startsWith('docker-socket'))).toBe(false);
      expect(readRuntime(find(manifest, 'DaemonSet', 'weave-scope-agent'))).toBe(c.runtime);
    } else {
      expect(args).toContain('--probe.docker=true');
      expect(args.some((a) => a.startsWith('--probe.cri'))).toBe(false);
      expect(mounts).toContain('docker-socket:/var/run/docker.sock');
      expect(volumes).toContain('docker-socket:/var/run/docker.sock');
      expect(readRuntime(find(manifest, 'DaemonSet', 'weave-scope-agent'))).toBe('docker');
    }
    expect(args.includes('--probe.no-controls=true')).toBe(Boolean(c.readOnly));

    // --allow-from: the policy in Scope's namespace, selecting the app pods as the Service does
    const policy = find(manifest, 'NetworkPolicy', ALLOW_FROM_POLICY);
    if (c.allowFrom) {
      const svc = find(manifest, 'Service', 'weave-scope-app')!;
      expect(policy!.metadata.namespace).toBe(namespace);
      expect(policy!.spec.podSelector).toEqual({ matchLabels: svc.spec.selector });
      expect(policy!.spec.ingress[0]).toEqual({ from: [{ ipBlock: { cidr: '203.0.113.0/24' } }, { ipBlock: { cidr: '198.51.100.7/32' } }], ports: [{ protocol: 'TCP', port: 4040 }] });
      const clusterAgent = find(manifest, 'Deployment', 'weave-scope-cluster-agent')!;
      expect(policy!.spec.ingress[1].from).toEqual([{ podSelector: { matchLabels: clusterAgent.spec.selector.matchLabels } }, { ipBlock: { cidr: '10.32.0.0/12' } }]);
      expect(readAllowFrom(policy)).toEqual([...c.allowFrom]);
    } else {
      expect(policy).toBeUndefined();
    }
  });

  it('applying the settings twice gives the same manifest (a re-run does not stack flags, mounts or env)', () => {
    const s: ScopeSettings = { basicAuthSecret: 'a', runtime: 'containerd', allowFrom: ['10.0.0.0/8'], readOnly: true };
    const once = applyScopeSettings(template, s, { k8sMinor: 29 }).manifest;
    expect(renderYaml(applyScopeSettings(once, s, { k8sMinor: 29 }).manifest)).toBe(renderYaml(once));
    // and back: docker again, basic auth off
    const back = applyScopeSettings(once, { basicAuthSecret: false, runtime: 'docker' }).manifest;
    expect(containers(back).flatMap(({ c }) => (c.env ?? []).filter((e: any) => /BASIC_AUTH/.test(e.name)))).toEqual([]);
    expect(agent(back).containers[0].args).toContain('--probe.docker=true');
    expect(agent(back).containers[0].args.some((a: string) => a.startsWith('--probe.cri'))).toBe(false);
  });

  it('--allow-from keeps the clients\' addresses: externalTrafficPolicy Local on a NodePort/LoadBalancer Service; external IPs get a warning', () => {
    for (const serviceType of ['NodePort', 'LoadBalancer'] as const) {
      const r = applyScopeSettings(template, { serviceType, allowFrom: ['203.0.113.0/24'], readOnly: true }, { k8sMinor: 29 });
      expect(find(r.manifest, 'Service', 'weave-scope-app')!.spec.externalTrafficPolicy).toBe('Local');
      expect(r.warnings).toEqual([expect.stringMatching(/^--allow-from: Service weave-scope-app gets externalTrafficPolicy: Local/)]);
      // without --allow-from: the Service as it was
      expect(find(applyScopeSettings(template, { serviceType, readOnly: true }).manifest, 'Service', 'weave-scope-app')!.spec.externalTrafficPolicy).toBeUndefined();
    }
    const ext = applyScopeSettings(template, { externalIPs: ['192.0.2.10'], allowFrom: ['203.0.113.0/24'], readOnly: true }, { k8sMinor: 29 });
    expect(find(ext.manifest, 'Service', 'weave-scope-app')!.spec.externalTrafficPolicy).toBeUndefined();
    expect(ext.warnings).toEqual([expect.stringMatching(/^--allow-from with external IPs: kube-proxy masquerades traffic to an external IP/)]);
    expect(applyScopeSettings(template, { allowFrom: ['203.0.113.0/24'] }, { k8sMinor: 29 }).warnings).toEqual([]);
  });

  it('the exposure warning says whether basic auth is on', () => {
    const open = applyScopeSettings(template, { externalIPs: ['192.0.2.10'] }).warnings;
    expect(open).toEqual([expect.stringContaining('it has no authentication')]);
    const auth = applyScopeSettings(template, { externalIPs: ['192.0.2.10'], basicAuthSecret: 'scope-auth' }).warnings;
    expect(auth).toEqual([expect.stringContaining('with basic auth (Secret scope-auth) and controls on')]);
    expect(applyScopeSettings(template, { externalIPs: ['192.0.2.10'], basicAuthSecret: 'scope-auth', readOnly: true }).warnings).toEqual([]);
  });
});

describe('Scope older than 1.10.0 (scope v1.9.1 examples/k8s, image 1.9.0)', () => {
  it('reads the release from the images', () => {
    expect(scopeVersionsOf(OLD)).toEqual(['1.9.0']);
    expect(scopeVersionsOf(loadScopeTemplate('current'))).toEqual(['1.13.2']);
    expect(scopeImageVersion('docker.io/weaveworks/scope:v1.13.2@sha256:ab')).toBe('1.13.2');
    expect(scopeImageVersion('weaveworks/scope:latest')).toBeUndefined();
    expect(scopeImageVersion('weaveworks/weave-kube:2.8.1')).toBeUndefined();
  });
  it('refuses basic auth: ENABLE_BASIC_AUTH came in 1.10.0 (absent in scope v1.9.1 prog/main.go)', () => {
    const e = error(() => applyScopeSettings(OLD, { basicAuthSecret: 'scope-auth' }));
    expect(e.exitCode).toBe(1);
    expect(e.message).toMatch(/--basic-auth-secret: this manifest runs Weave Scope 1\.9\.0, which has no basic auth .* came in Scope 1\.10\.0/);
  });
  it('refuses the CRI probe (--probe.cri came in 1.10.0), accepts docker', () => {
    expect(error(() => applyScopeSettings(OLD, { runtime: 'containerd' })).message).toMatch(/--runtime containerd: .*Scope 1\.9\.0.*1\.10\.0/);
    expect(() => applyScopeSettings(OLD, { runtime: 'docker' })).not.toThrow();
  });
});

describe('runtime detection (status.nodeInfo.containerRuntimeVersion)', () => {
  it('parses the runtime names', () => {
    expect(runtimeOfVersion('containerd://1.7.2')).toBe('containerd');
    expect(runtimeOfVersion('cri-o://1.28.1')).toBe('crio');
    expect(runtimeOfVersion('docker://24.0.5')).toBe('docker');
    expect(runtimeOfVersion('remote://1')).toBeUndefined();
    expect(parseRuntime('CRI-O')).toBe('crio');
    expect(parseRuntime('auto')).toBe('auto');
    expect(error(() => parseRuntime('podman')).exitCode).toBe(2);
  });
  it('one runtime: no warning', () => {
    expect(detectRuntime([{ name: 'a', containerRuntimeVersion: 'containerd://1.7.2' }, { name: 'b', containerRuntimeVersion: 'containerd://1.6.0' }])).toMatchObject({ runtime: 'containerd', warnings: [] });
  });
  it('a mixed cluster: the runtime most nodes run, and a warning naming the others', () => {
    const r = detectRuntime([
      { name: 'a', containerRuntimeVersion: 'docker://20.10.1' },
      { name: 'b', containerRuntimeVersion: 'containerd://1.7.2' },
      { name: 'c', containerRuntimeVersion: 'containerd://1.7.2' },
    ]);
    expect(r.runtime).toBe('containerd');
    expect(r.warnings).toEqual(['the nodes run different container runtimes (containerd: 2, docker: 1): the Scope probes are set up for containerd, and will show no containers on a']);
  });
  it('nothing known: docker, with a warning', () => {
    expect(detectRuntime([{ name: 'a', containerRuntimeVersion: 'remote://x' }])).toMatchObject({ runtime: 'docker', warnings: [expect.stringContaining('no node reports a runtime Scope can probe')] });
  });
});

describe('--allow-from', () => {
  it('validates CIDRs (src/net/cidr.ts), network addresses only, de-duplicated', () => {
    expect(parseAllowFromList(['10.0.0.0/8,192.0.2.7/32', '10.0.0.0/8'])).toEqual(['10.0.0.0/8', '192.0.2.7/32']);
    expect(error(() => parseAllowFromList(['10.0.0.1/8'])).message).toContain('did you mean 10.0.0.0/8?');
    expect(error(() => parseAllowFromList(['10.0.0.1'])).exitCode).toBe(2);
    expect(error(() => parseAllowFromList(['nonsense'])).exitCode).toBe(2);
  });
  it('refuses Kubernetes 1.6 and 1.7 (no ipBlock before 1.8)', () => {
    const e = error(() => applyScopeSettings(loadScopeTemplate('legacy'), { allowFrom: ['10.0.0.0/8'] }, { k8sMinor: 7 }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain('needs Kubernetes 1.8 or later');
  });
  it('notes when nothing enforces the policy (release table, Weave Net v2.4.0 npc/ipblock.go)', () => {
    expect(allowFromNotes({ npc: true, version: '2.8.1' })).toEqual([]);
    expect(allowFromNotes({ npc: true, version: '2.9.0' })).toEqual([]);
    expect(allowFromNotes({ npc: false, version: '2.8.1' })[0]).toContain('without weave-npc');
    expect(allowFromNotes({ npc: true, version: '2.0.5' })[0]).toContain('pre-1.7 semantics');
    expect(allowFromNotes({ npc: true, version: '2.3.0' })[0]).toContain('does not know ipBlock peers');
    expect(allowFromNotes(undefined)[0]).toContain('no Weave Net found');
  });
});

describe('reading basic auth back from live workloads', () => {
  it('the Secret of BASIC_AUTH_PASSWORD when on; false when off', () => {
    const { manifest } = applyScopeSettings(loadScopeTemplate('current'), { basicAuthSecret: 'scope-auth' });
    const live = objects(manifest).filter((o) => o.kind === 'Deployment' || o.kind === 'DaemonSet');
    expect(readBasicAuthSecret(live)).toBe('scope-auth');
    expect(readBasicAuthSecret(objects(loadScopeTemplate('current')).filter((o) => o.kind === 'DaemonSet'))).toBe(false);
    expect(readBasicAuthSecret([])).toBeUndefined();
  });
});
