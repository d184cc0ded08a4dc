import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  containersOf,
  findContainer,
  forEachImage,
  getEnv,
  listEnv,
  podSpecOf,
  removeEnv,
  setEnv,
} from '../../src/manifest/containers.js';
import { findDoc, parseManifest, renderYaml, toObjects, type Manifest } from '../../src/manifest/manifest.js';
import { MAX_MTU, MIN_MTU, parseConnLimit, parseEnvFlag, parseMtu, parsePasswordSecret, validateImageRegistry, validateSecretName } from '../../src/manifest/net-settings.js';
import { applyNetSettings } from '../../src/manifest/patch-net.js';
import { loadNetTemplate } from '../../src/manifest/templates.js';
import { thrownError as error } from '../helpers/thrown.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const refDir = resolve(repoRoot, 'test/fixtures/upstream');
const load = (file: string): Manifest => parseManifest(readFileSync(join(refDir, file), 'utf8'), file);

const NET_FILES = readdirSync(refDir)
  .filter((f) => f.startsWith('net-') && f.endsWith('.yaml'))
  .sort();

interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string; valueFrom?: unknown }[] | null;
}

function daemonSet(m: Manifest): { spec: { template: { spec: { containers: Container[]; initContainers?: Container[] } } } } {
  const ds = toObjects(m).find((o) => o.kind === 'DaemonSet' && (o.metadata as { name: string }).name === 'weave-net');
  if (!ds) throw new Error('no weave-net DaemonSet');
  return ds as never;
}
const containers = (m: Manifest) => daemonSet(m).spec.template.spec.containers;
const weave = (m: Manifest) => containers(m).find((c) => c.name === 'weave')!;
const envOf = (m: Manifest) => weave(m).env ?? [];
const envNames = (m: Manifest) => envOf(m).map((e) => e.name);
const envValue = (m: Manifest, name: string) => envOf(m).find((e) => e.name === name);


describe('reference manifests are all there', () => {
  it('has the Net flavours the patches are tested on', () => {
    expect(NET_FILES).toEqual(
      expect.arrayContaining([
        'net-1.9.8-k8s-1.5.yaml',
        'net-2.0.5-k8s-1.7.yaml',
        'net-2.7.0-k8s-1.7.yaml',
        'net-2.8.1-k8s-1.11.yaml',
        'net-2.9.0-reweave-k8s-1.11.yaml',
      ]),
    );
    expect(NET_FILES.length).toBeGreaterThanOrEqual(17);
  });
});

describe.each(NET_FILES)('applyNetSettings on %s', (file) => {
  const original = load(file);
  const before = renderYaml(original);
  const envBefore = envOf(original);

  it('adds the settings to the weave container, after the existing env, in a fixed order', () => {
    const out = applyNetSettings(original, { ipalloc: '172.25.64.0/18', mtu: 1400, connLimit: 300, noMasqLocal: true });
    expect(envOf(out).slice(0, envBefore.length)).toEqual(envBefore);
    expect(envOf(out).slice(envBefore.length)).toEqual([
      { name: 'IPALLOC_RANGE', value: '172.25.64.0/18' },
      { name: 'WEAVE_MTU', value: '1400' },
      { name: 'CONN_LIMIT', value: '300' },
      // reweave's manifests set CHECKPOINT_DISABLE="1" themselves; weavectl adds it to weaveworks' ones.
      ...(envBefore.some((e) => e.name === 'CHECKPOINT_DISABLE') ? [] : [{ name: 'CHECKPOINT_DISABLE', value: '1' }]),
      { name: 'NO_MASQ_LOCAL', value: '1' },
    ]);
    // weave-npc and the init container are untouched.
    const npcBefore = containers(original).find((c) => c.name === 'weave-npc');
    expect(containers(out).find((c) => c.name === 'weave-npc')).toEqual(npcBefore);
    expect(daemonSet(out).spec.template.spec.initContainers).toEqual(daemonSet(original).spec.template.spec.initContainers);
    // Every other object is identical.
    const others = (m: Manifest) => toObjects(m).filter((o) => o.kind !== 'DaemonSet');
    expect(others(out)).toEqual(others(original));
  });

  it('never mutates its input', () => {
    applyNetSettings(original, {
      ipalloc: '172.25.64.0/18',
      disableNpc: true,
      passwordSecret: 'weave-passwd',
      env: { EXTRA_ARGS: '--log-level=debug' },
      imageRegistry: 'registry.example.com/mirror',
    });
    expect(renderYaml(original)).toBe(before);
  });

  it('keeps the comments and the quoting of the source', () => {
    const out = renderYaml(applyNetSettings(original, { mtu: 1376, imageRegistry: 'registry.example.com:5000/mirror' }));
    for (const comment of ['# Wait 5 seconds to let pod connect before rolling next pod', '#npc-args']) {
      if (before.includes(comment)) expect(out).toContain(comment);
    }
    if (before.includes("image: 'weaveworks/weave-kube:latest'")) {
      expect(out).toContain("image: 'registry.example.com:5000/mirror/weaveworks/weave-kube:latest'");
    }
    // Quoted as a string, or Kubernetes would reject a number in env.value.
    expect(out).toMatch(/- name: WEAVE_MTU\n\s+value: "1376"\n/);
  });

  it('replaces a variable in place on a second pass, keeping the order', () => {
    const once = applyNetSettings(original, { ipalloc: '172.25.64.0/18', mtu: 1400, env: { EXTRA_ARGS: '--log-level=debug' } });
    const twice = applyNetSettings(once, { ipalloc: '10.200.0.0/16', env: { EXTRA_ARGS: '--log-level=info' } });
    expect(envNames(twice)).toEqual(envNames(once));
    expect(envValue(twice, 'IPALLOC_RANGE')).toEqual({ name: 'IPALLOC_RANGE', value: '10.200.0.0/16' });
    expect(envValue(twice, 'EXTRA_ARGS')).toEqual({ name: 'EXTRA_ARGS', value: '--log-level=info' });
    expect(envValue(twice, 'WEAVE_MTU')).toEqual({ name: 'WEAVE_MTU', value: '1400' });
  });

  it('disableNpc drops weave-npc and sets EXPECT_NPC=0, like disable-npc=true', () => {
    expect(containers(original).map((c) => c.name)).toContain('weave-npc');
    const out = applyNetSettings(original, { disableNpc: true });
    expect(containers(out).map((c) => c.name)).toEqual(['weave']);
    expect(envValue(out, 'EXPECT_NPC')).toEqual({ name: 'EXPECT_NPC', value: '0' });
    expect(renderYaml(out)).not.toContain('weave-npc:');
    // Idempotent.
    const again = applyNetSettings(out, { disableNpc: true });
    expect(renderYaml(again)).toBe(renderYaml(out));
  });

  it('passwordSecret sets WEAVE_PASSWORD from a secretKeyRef (key = name by default)', () => {
    const out = applyNetSettings(original, { passwordSecret: 'weave-passwd' });
    expect(envValue(out, 'WEAVE_PASSWORD')).toEqual({
      name: 'WEAVE_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'weave-passwd', key: 'weave-passwd' } },
    });
    const custom = applyNetSettings(out, { passwordSecret: 'net-secrets:weave.pw' });
    expect(envValue(custom, 'WEAVE_PASSWORD')).toEqual({
      name: 'WEAVE_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'net-secrets', key: 'weave.pw' } },
    });
    expect(envNames(custom).filter((n) => n === 'WEAVE_PASSWORD')).toHaveLength(1);
    expect(renderYaml(custom)).not.toMatch(/WEAVE_PASSWORD\n\s+value:/);
  });

  it('imageRegistry rewrites every image, init containers included', () => {
    const out = applyNetSettings(original, { imageRegistry: 'registry.example.com:5000/mirror/' });
    const ds = daemonSet(out).spec.template.spec;
    const images = [...(ds.initContainers ?? []), ...ds.containers].map((c) => c.image);
    expect(images.length).toBeGreaterThanOrEqual(2);
    for (const image of images) expect(image).toMatch(/^registry\.example\.com:5000\/mirror\/(weaveworks|rajchaudhuri)\/weave-(kube|npc):latest$/);
  });
});

describe('applyNetSettings details', () => {
  it('adds an env list to a container that has none (<= 1.5 flavour of 1.9.8)', () => {
    const m = load('net-1.9.8-k8s-1.5.yaml');
    expect(weave(m).env).toBeUndefined();
    const out = applyNetSettings(m, { ipalloc: '10.40.0.0/16', checkpoint: true });
    expect(weave(out).env).toEqual([{ name: 'IPALLOC_RANGE', value: '10.40.0.0/16' }]);
    expect(renderYaml(out)).toMatch(/imagePullPolicy: Always\n\s+command:[\s\S]*env:\n\s+- name: IPALLOC_RANGE\n\s+value: 10\.40\.0\.0\/16\n/);
  });

  it("replaces reweave's CHECKPOINT_DISABLE in place", () => {
    const m = load('net-2.9.0-reweave-k8s-1.11.yaml');
    expect(envNames(m)).toEqual(['INIT_CONTAINER', 'HOSTNAME', 'CHECKPOINT_DISABLE']);
    const out = applyNetSettings(m, { env: { CHECKPOINT_DISABLE: '0', IPTABLES_BACKEND: 'nft' }, ipalloc: '10.32.0.0/12' });
    expect(envOf(out)).toEqual([
      { name: 'INIT_CONTAINER', value: 'true' },
      { name: 'HOSTNAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } },
      { name: 'CHECKPOINT_DISABLE', value: '0' },
      { name: 'IPTABLES_BACKEND', value: 'nft' },
      { name: 'IPALLOC_RANGE', value: '10.32.0.0/12' },
    ]);
  });

  it('noMasqLocal=false writes NO_MASQ_LOCAL=0', () => {
    const out = applyNetSettings(load('net-2.8.1-k8s-1.11.yaml'), { noMasqLocal: false });
    expect(envValue(out, 'NO_MASQ_LOCAL')).toEqual({ name: 'NO_MASQ_LOCAL', value: '0' });
  });

  it('an empty settings object with --checkpoint changes nothing (weaveworks manifests have no CHECKPOINT_DISABLE)', () => {
    const m = load('net-2.8.1-k8s-1.11.yaml');
    expect(renderYaml(applyNetSettings(m, { checkpoint: true }))).toBe(renderYaml(m));
  });

  it('CHECKPOINT_DISABLE="1" by default (v2.8.1 vendor/github.com/weaveworks/go-checkpoint/checkpoint.go skips the call for any non-empty value); --checkpoint leaves it out, also on reweave', () => {
    expect(envValue(applyNetSettings(load('net-2.8.1-k8s-1.11.yaml'), {}), 'CHECKPOINT_DISABLE')).toEqual({ name: 'CHECKPOINT_DISABLE', value: '1' });
    expect(envValue(applyNetSettings(load('net-2.0.5-k8s-1.7.yaml'), {}), 'CHECKPOINT_DISABLE')).toEqual({ name: 'CHECKPOINT_DISABLE', value: '1' });
    expect(envValue(applyNetSettings(load('net-2.9.0-reweave-k8s-1.11.yaml'), { checkpoint: true }), 'CHECKPOINT_DISABLE')).toBeUndefined();
    expect(envValue(applyNetSettings(load('net-2.8.1-k8s-1.11.yaml'), { env: { CHECKPOINT_DISABLE: 'yes' } }), 'CHECKPOINT_DISABLE')).toEqual({ name: 'CHECKPOINT_DISABLE', value: 'yes' });
    expect(() => applyNetSettings(load('net-2.8.1-k8s-1.11.yaml'), { checkpoint: true, env: { CHECKPOINT_DISABLE: '1' } })).toThrow(/--checkpoint and --env CHECKPOINT_DISABLE contradict each other/);
  });

  it('NO_MASQ_LOCAL is written as the release reads it: 2.6.0 off -> no variable, on -> "1"; 2.7.0 off -> "0"; before 2.4.0 on is refused', () => {
    const at = (version: string, on: boolean) => {
      const m = loadNetTemplate({ repo: 'weaveworks', version, flavour: version === '2.0.5' ? '1.7' : '1.11' });
      return envValue(applyNetSettings(m, { noMasqLocal: on }), 'NO_MASQ_LOCAL');
    };
    expect(at('2.6.0', false)).toBeUndefined();
    expect(at('2.6.0', true)).toEqual({ name: 'NO_MASQ_LOCAL', value: '1' });
    expect(at('2.7.0', false)).toEqual({ name: 'NO_MASQ_LOCAL', value: '0' });
    expect(at('2.8.1', true)).toEqual({ name: 'NO_MASQ_LOCAL', value: '1' });
    expect(at('2.0.5', false)).toBeUndefined();
    expect(() => at('2.0.5', true)).toThrow(/Weave Net 2\.0\.5 has no NO_MASQ_LOCAL setting/);
  });

  it('a literal WEAVE_PASSWORD already in a manifest is replaced by the secret reference', () => {
    const m = parseManifest(
      `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: weave-net, namespace: kube-system}
spec:
  template:
    spec:
      containers:
        - name: weave
          image: weaveworks/weave-kube:2.8.1
          env:
            - name: WEAVE_PASSWORD
              value: hunter2 # oops
            - name: WEAVE_MTU
              value: "1376"
`,
      'literal',
    );
    const out = applyNetSettings(m, { passwordSecret: 'weave-passwd' });
    expect(envOf(out)).toEqual([
      { name: 'WEAVE_PASSWORD', valueFrom: { secretKeyRef: { name: 'weave-passwd', key: 'weave-passwd' } } },
      { name: 'WEAVE_MTU', value: '1376' },
      { name: 'CHECKPOINT_DISABLE', value: '1' },
    ]);
    expect(renderYaml(out)).not.toContain('hunter2');
  });

  it('accepts the same value given by a flag and by --env, refuses different ones', () => {
    const m = load('net-2.8.1-k8s-1.11.yaml');
    const out = applyNetSettings(m, { ipalloc: '10.40.0.0/16', env: { IPALLOC_RANGE: '10.40.0.0/16' } });
    expect(envNames(out).filter((n) => n === 'IPALLOC_RANGE')).toHaveLength(1);
    const err = error(() => applyNetSettings(m, { ipalloc: '10.40.0.0/16', env: { IPALLOC_RANGE: '10.50.0.0/16' } }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('IPALLOC_RANGE is given twice');
    expect(error(() => applyNetSettings(m, { disableNpc: true, env: { EXPECT_NPC: '1' } })).message).toContain('--disable-npc');
  });

  it('validates values that arrive through --env too', () => {
    const m = load('net-2.8.1-k8s-1.11.yaml');
    expect(error(() => applyNetSettings(m, { env: { IPALLOC_RANGE: '10.32.0.1/12' } })).message).toContain('did you mean 10.32.0.0/12?');
    expect(error(() => applyNetSettings(m, { env: { WEAVE_MTU: '100' } })).exitCode).toBe(2);
    expect(error(() => applyNetSettings(m, { env: { WEAVE_PASSWORD: 'x' } })).message).toContain('use --password-secret');
    expect(error(() => applyNetSettings(m, { env: { 'BAD-NAME': 'x' } })).exitCode).toBe(2);
  });

  it('validates every setting before patching', () => {
    const m = load('net-2.8.1-k8s-1.11.yaml');
    expect(error(() => applyNetSettings(m, { ipalloc: '172.25.64.1/18' })).message).toBe(
      '172.25.64.1/18 is not a network address: did you mean 172.25.64.0/18?',
    );
    expect(error(() => applyNetSettings(m, { mtu: 70000 })).exitCode).toBe(2);
    expect(error(() => applyNetSettings(m, { connLimit: 0 })).exitCode).toBe(2);
    expect(error(() => applyNetSettings(m, { passwordSecret: 'Weave_Passwd' })).exitCode).toBe(2);
    expect(error(() => applyNetSettings(m, { imageRegistry: 'https://registry.example.com' })).exitCode).toBe(2);
  });

  it('fails, naming what is missing, on a manifest without weave-net or its weave container', () => {
    const scope = load('scope-1.13.2-k8s-examples.yaml');
    const e1 = error(() => applyNetSettings(scope, { mtu: 1400 }));
    expect(e1.exitCode).toBe(1);
    expect(e1.message).toBe('scope-1.13.2-k8s-examples.yaml: no DaemonSet weave-net in the manifest');
    const noWeave = parseManifest(
      'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: weave-net}\nspec: {template: {spec: {containers: [{name: weave-npc, image: x}]}}}\n',
      'custom.yaml',
    );
    const e2 = error(() => applyNetSettings(noWeave, { mtu: 1400 }));
    expect(e2.exitCode).toBe(1);
    expect(e2.message).toBe('custom.yaml: DaemonSet weave-net has no container weave');
  });
});

describe('flag parsers', () => {
  it.each([
    ['IPALLOC_RANGE=10.32.0.0/12', 'IPALLOC_RANGE', '10.32.0.0/12'],
    ['EXTRA_ARGS=--log-level=debug', 'EXTRA_ARGS', '--log-level=debug'],
    ['WEAVE_NO_FASTDP=', 'WEAVE_NO_FASTDP', ''],
    ['_x9=a b', '_x9', 'a b'],
  ])('parseEnvFlag(%j)', (text, name, value) => {
    expect(parseEnvFlag(text)).toEqual({ name, value });
  });

  it.each([
    ['NOEQUALS', 'expects NAME=VALUE'],
    ['=value', 'invalid environment variable name'],
    ['1ABC=x', 'invalid environment variable name'],
    ['MY-VAR=x', 'invalid environment variable name'],
    ['MY.VAR=x', 'invalid environment variable name'],
    [' NAME=x', 'invalid environment variable name'],
    ['WEAVE_PASSWORD=secret', 'never put a password in a manifest: use --password-secret'],
    ['HOSTNAME=node1', 'spec.nodeName'],
  ])('parseEnvFlag(%j) refuses: %s', (text, part) => {
    const e = error(() => parseEnvFlag(text));
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(part);
  });

  it('parseMtu', () => {
    expect(parseMtu('1376')).toBe(1376);
    expect(parseMtu(8916)).toBe(8916);
    expect(parseMtu(String(MIN_MTU))).toBe(576);
    expect(parseMtu(MAX_MTU)).toBe(65448);
    for (const bad of ['575', '65449', '0', '-1', '1376.5', '1e3', '', ' 1376', 'abc', '99999999999999999999']) {
      const e = error(() => parseMtu(bad));
      expect(e.exitCode).toBe(2);
      expect(e.message).toContain('--mtu');
    }
    expect(error(() => parseMtu('100')).message).toMatch(/576 to 65448.*encapsulation/);
  });

  it('parseConnLimit', () => {
    expect(parseConnLimit('200')).toBe(200);
    expect(parseConnLimit(1)).toBe(1);
    for (const bad of ['0', '-5', '2.5', 'many', '']) expect(error(() => parseConnLimit(bad)).exitCode).toBe(2);
  });

  it.each(['weave-passwd', 'a', 'weave.passwd', '0x1', 'a-b.c-d', 'a'.repeat(253)])('validateSecretName accepts %s', (name) => {
    expect(validateSecretName(name)).toBe(name);
  });

  it.each(['', 'Weave', 'weave_passwd', '-weave', 'weave-', 'weave..x', '.weave', 'a'.repeat(254), 'we ave'])(
    'validateSecretName refuses %j',
    (name) => {
      const e = error(() => validateSecretName(name));
      expect(e.exitCode).toBe(2);
      expect(e.message).toContain('DNS-1123 subdomain');
    },
  );

  it('parsePasswordSecret', () => {
    expect(parsePasswordSecret('weave-passwd')).toEqual({ name: 'weave-passwd', key: 'weave-passwd' });
    expect(parsePasswordSecret('weave:password.txt')).toEqual({ name: 'weave', key: 'password.txt' });
    expect(parsePasswordSecret('weave:Pass_Word')).toEqual({ name: 'weave', key: 'Pass_Word' });
    expect(error(() => parsePasswordSecret('weave:')).message).toContain('invalid Secret key');
    expect(error(() => parsePasswordSecret('weave:a/b')).message).toContain('invalid Secret key');
    expect(error(() => parsePasswordSecret(':key')).message).toContain('invalid Secret name');
  });

  it('validateImageRegistry', () => {
    expect(validateImageRegistry('registry.example.com')).toBe('registry.example.com');
    expect(validateImageRegistry('registry.example.com:5000/mirror/')).toBe('registry.example.com:5000/mirror');
    expect(validateImageRegistry('localhost:5000')).toBe('localhost:5000');
    expect(validateImageRegistry('ghcr.io/my-org/weave_mirror')).toBe('ghcr.io/my-org/weave_mirror');
    expect(error(() => validateImageRegistry('https://registry.example.com')).hint).toContain('--image-registry registry.example.com');
    for (const bad of ['', 'registry example', 'reg.io/Upper', 'reg.io:port', 'reg.io/a//b', '-reg.io']) {
      expect(error(() => validateImageRegistry(bad)).exitCode).toBe(2);
    }
  });
});

describe('containers helpers', () => {
  const m = load('net-2.8.1-k8s-1.11.yaml');

  it('finds the pod spec and containers of workloads', () => {
    const ds = findDoc(m, 'DaemonSet', 'weave-net')!;
    expect(podSpecOf(ds)?.get('serviceAccountName')).toBe('weave-net');
    expect(containersOf(ds).map((c) => [c.name, c.init])).toEqual([
      ['weave-init', true],
      ['weave', false],
      ['weave-npc', false],
    ]);
    expect((findContainer(ds, 'weave-init')?.get('command', true) as { toJSON(): unknown } | undefined)?.toJSON()).toEqual(['/home/weave/init.sh']);
    expect(findContainer(ds, 'weave-init', { init: false })).toBeUndefined();
    expect(findContainer(ds, 'nope')).toBeUndefined();
    expect(podSpecOf(findDoc(m, 'ClusterRole')!)).toBeUndefined();
  });

  it('finds pod specs of CronJobs and Pods', () => {
    const cm = parseManifest(
      `apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: a, image: busybox}]}}}}}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {initContainers: [{name: i, image: alpine}], containers: [{name: b, image: nginx}]}
`,
      't',
    );
    const seen: string[] = [];
    for (const d of cm.docs) forEachImage(d, (img, site) => void seen.push(`${site.container}:${site.init}:${img}`));
    expect(seen).toEqual(['a:false:busybox', 'i:true:alpine', 'b:false:nginx']);
  });

  it('setEnv on `env:` with no value (weave-init of 2.8.x) makes a list; removeEnv/getEnv', () => {
    const copy = parseManifest(renderYaml(m), 'copy');
    const init = findContainer(findDoc(copy, 'DaemonSet', 'weave-net')!, 'weave-init')!;
    expect(getEnv(init, 'X')).toBeUndefined();
    setEnv(init, 'X', '1');
    setEnv(init, 'Y', { valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } });
    expect(listEnv(init)).toEqual([
      { name: 'X', value: '1' },
      { name: 'Y', value: { valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } } },
    ]);
    setEnv(init, 'Y', 'literal');
    expect(getEnv(init, 'Y')).toBe('literal');
    expect(removeEnv(init, 'X')).toBe(true);
    expect(removeEnv(init, 'X')).toBe(false);
    expect(listEnv(init)).toEqual([{ name: 'Y', value: 'literal' }]);
    expect(renderYaml(copy)).toMatch(/- name: weave-init[\s\S]*env:\n\s+- name: Y\n\s+value: literal\n/);
  });

  it('setEnv on a flow `env: []` turns it into a block list and removes duplicates', () => {
    const scope = load('scope-1.13.2-k8s-examples.yaml');
    const app = findContainer(findDoc(scope, 'Deployment', 'weave-scope-app')!, 'app')!;
    setEnv(app, 'A', 'x');
    expect(renderYaml(scope)).toMatch(/env:\n\s+- name: A\n\s+value: x\n/);
    const dup = parseManifest(
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      env:\n        - {name: A, value: "1"}\n        - {name: B, value: "2"}\n        - {name: A, value: "3"}\n',
      'dup',
    );
    const c = findContainer(dup.docs[0]!, 'c')!;
    expect(getEnv(c, 'A')).toBe('3'); // the last one wins, as in Kubernetes
    setEnv(c, 'A', '4');
    expect(listEnv(c)).toEqual([
      { name: 'A', value: '4' },
      { name: 'B', value: '2' },
    ]);
  });
});
