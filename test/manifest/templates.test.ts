/**
 * The embedded manifests against the upstream references in test/fixtures/upstream/ (inside the
 * repository; SOURCES.md there gives each file's tag, commit, path and licence).
 */
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { WeavectlError } from '../../src/errors.js';
import { allEmbeddedNetReleases, netAssetName, resolveNetRelease, type NetRelease } from '../../src/manifest/catalog.js';
import { NET_OBJECTS } from '../../src/manifest/net-settings.js';
import { findDoc, parseManifest, refOf, toObjects } from '../../src/manifest/manifest.js';
import { loadNetTemplate, loadScopeTemplate, netTemplateText, packageRoot } from '../../src/manifest/templates.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const refDir = resolve(repoRoot, 'test/fixtures/upstream');

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function refFile(r: Pick<NetRelease, 'repo' | 'version' | 'flavour'>): string {
  return join(refDir, `net-${r.version}${r.repo === 'reweave' ? '-reweave' : ''}-k8s-${r.flavour}.yaml`);
}

function loadRef(file: string): Obj[] {
  return toObjects(parseManifest(readFileSync(file, 'utf8'), file)) as Obj[];
}

/** Pod templates' containers of every workload in the list. */
function containersOf(objs: Obj[]): Obj[] {
  const out: Obj[] = [];
  for (const o of objs) {
    const pod = o?.spec?.template?.spec;
    if (!pod) continue;
    for (const list of [pod.initContainers, pod.containers]) if (Array.isArray(list)) out.push(...list);
  }
  return out;
}

/** upstream bin/release, structurally: `:latest` image tags -> `:<version>`, imagePullPolicy Always dropped. */
function releaseEdits(objs: Obj[], version: string): Obj[] {
  const copy = structuredClone(objs);
  for (const c of containersOf(copy)) {
    if (typeof c.image === 'string' && c.image.endsWith(':latest')) c.image = `${c.image.slice(0, -':latest'.length)}:${version}`;
    if (c.imagePullPolicy === 'Always') delete c.imagePullPolicy;
  }
  return copy;
}

/** Paths where a and b differ: same objects in the same order, same fields, same values. */
function diff(a: unknown, b: unknown, path = ''): string[] {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return [path || '.'];
    const out: string[] = [];
    if (a.length !== b.length) out.push(`${path}.length (${a.length} != ${b.length})`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) out.push(...diff(a[i], b[i], `${path}[${i}]`));
    return out;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const out: string[] = [];
    const keys = new Set([...Object.keys(a as Obj), ...Object.keys(b as Obj)]);
    for (const k of keys) {
      if (!(k in (a as Obj)) || !(k in (b as Obj))) out.push(`${path}.${k} (only in ${k in (a as Obj) ? 'first' : 'second'})`);
      else out.push(...diff((a as Obj)[k], (b as Obj)[k], `${path}.${k}`));
    }
    return out;
  }
  return Object.is(a, b) ? [] : [`${path} (${JSON.stringify(a)} != ${JSON.stringify(b)})`];
}

const embedded = allEmbeddedNetReleases();

describe('the references are where the tests expect them', () => {
  it(`finds ${refDir}`, () => {
    expect(existsSync(join(refDir, 'SOURCES.md')), `missing ${refDir}: the upstream reference manifests belong to the repository`).toBe(true);
  });
});

describe('embedded Weave Net templates equal the upstream release assets', () => {
  it('embeds at least every flavour of 2.8.1 and the reweave 1.11 file', () => {
    const ids = embedded.map((r) => `${r.repo}/${r.version}/${r.flavour}`);
    for (const id of ['weaveworks/2.8.1/1.8', 'weaveworks/2.8.1/1.9', 'weaveworks/2.8.1/1.11', 'weaveworks/2.7.0/1.6', 'weaveworks/2.7.0/1.7', 'reweave/2.9.0/1.11']) {
      expect(ids).toContain(id);
    }
  });

  it.each(embedded.map((r) => [`${r.repo} ${r.version} k8s ${r.flavour}`, r] as const))('%s', (_name, r) => {
    const file = refFile(r);
    expect(existsSync(file), `no upstream reference ${file} for an embedded template`).toBe(true);
    const want = releaseEdits(loadRef(file), r.version);
    const m = loadNetTemplate(r);
    const got = toObjects(m) as Obj[];
    expect(diff(got, want)).toEqual([]);
    // Belt and braces: nothing left at :latest, no Always pull policy, every Weave image at the version.
    const json = JSON.stringify(got);
    expect(json).not.toContain(':latest');
    expect(json).not.toContain('"imagePullPolicy":"Always"');
    const images = containersOf(got).map((c) => c.image as string);
    expect(images.length).toBeGreaterThanOrEqual(2);
    for (const img of images) expect(img.endsWith(`:${r.version}`), img).toBe(true);
    expect(m.origin).toBe(`embedded ${r.repo === 'reweave' ? 'reweave ' : ''}weave-net ${r.version} (k8s ${r.flavour})`);
  });

  it('fails the comparison when one field differs (mutation)', () => {
    const r = embedded.find((e) => e.repo === 'weaveworks' && e.version === '2.8.1' && e.flavour === '1.11')!;
    const want = releaseEdits(loadRef(refFile(r)), r.version);
    const got = toObjects(loadNetTemplate(r)) as Obj[];
    expect(diff(got, want)).toEqual([]);

    const dsIndex = got.findIndex((o) => o.kind === 'DaemonSet');
    const containers = (objs: Obj[]): Obj[] => objs[dsIndex]!.spec.template.spec.containers;
    const weaveIndex = containers(got).findIndex((c) => c.name === 'weave');
    const envIndex = (containers(got)[weaveIndex]!.env as Obj[]).findIndex((e) => e.name === 'INIT_CONTAINER');
    expect(envIndex).toBeGreaterThanOrEqual(0);
    const mutated = structuredClone(got);
    containers(mutated)[weaveIndex]!.env[envIndex].value = 'false';
    expect(diff(mutated, want)).toEqual([
      `[${dsIndex}].spec.template.spec.containers[${weaveIndex}].env[${envIndex}].value ("false" != "true")`,
    ]);

    // An added field, a dropped object and a reordering are caught too.
    const added = structuredClone(got);
    containers(added)[weaveIndex]!.env.push({ name: 'IPALLOC_RANGE', value: '10.32.0.0/12' });
    expect(diff(added, want).length).toBeGreaterThan(0);
    expect(diff(got.slice(1), want).length).toBeGreaterThan(0);
    expect(diff([...got].reverse(), want).length).toBeGreaterThan(0);
    // Without the release edits the template does not equal the tagged source.
    expect(diff(got, loadRef(refFile(r))).length).toBeGreaterThan(0);
  });

  it('has exactly the catalog entries on disk, each with its provenance header', () => {
    const base = join(packageRoot(), 'templates', 'net');
    const onDisk: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else onDisk.push(relative(base, join(dir, e.name)));
      }
    };
    walk(base);
    const expected = embedded.map((r) => join(r.repo, r.version, netAssetName(r.flavour)));
    expect(onDisk.sort()).toEqual([...expected].sort());
    for (const r of embedded) {
      const text = netTemplateText(r);
      const github = r.repo === 'reweave' ? 'rajch/weave' : 'weaveworks/weave';
      expect(text).toMatch(new RegExp(`^# Weave Net ${r.version.replace(/\./g, '\\.')} manifest`));
      expect(text).toContain(`# Source: github.com/${github} tag v${r.version} (commit `);
      expect(text).toContain(`prog/weave-kube/${netAssetName(r.flavour)}`);
      expect(text).toContain('Apache License 2.0');
      expect(text).toContain('Release-asset form');
    }
  });

  it('returns fresh documents on each load', () => {
    const r = embedded[0]!;
    const a = loadNetTemplate(r);
    a.docs[0]!.set('kind', 'Mutated');
    expect(refOf(loadNetTemplate(r).docs[0]!).kind).not.toBe('Mutated');
  });

  it('refuses a release that is not embedded', () => {
    try {
      loadNetTemplate({ repo: 'weaveworks', version: '2.5.2', flavour: '1.5' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(WeavectlError);
      expect((e as WeavectlError).exitCode).toBe(2);
      expect((e as Error).message).toBe('Weave 2.5.2 for Kubernetes 1.5 and older is not embedded in weavectl (embedded: 1.9.8, 2.0.5)');
    }
  });
});

describe('embedded Weave Scope templates', () => {
  const kinds = (objs: Obj[]) => objs.map((o) => `${o.kind}/${o.metadata.name}`);

  it('current equals the Scope 1.13.2 release asset', () => {
    const want = loadRef(join(refDir, 'scope-1.13.2-k8s-scope-release-asset.yaml'));
    const m = loadScopeTemplate('current');
    const got = toObjects(m) as Obj[];
    expect(diff(got, want)).toEqual([]);
    expect(m.origin).toBe('embedded weave-scope 1.13.2 (current, Kubernetes 1.9 and newer)');
  });

  for (const flavour of ['current', 'legacy'] as const) {
    it(`${flavour} has the app Deployment, its Service and the agent DaemonSet`, () => {
      const m = loadScopeTemplate(flavour);
      const ns = flavour === 'current' ? 'weave' : 'kube-system';
      const app = findDoc(m, 'Deployment', 'weave-scope-app')!.toJS() as Obj;
      expect(app.metadata.namespace).toBe(ns);
      expect(app.spec.template.spec.containers.map((c: Obj) => c.name)).toContain('app');
      expect(app.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 4040, protocol: 'TCP' }]);
      const svc = findDoc(m, 'Service', 'weave-scope-app')!.toJS() as Obj;
      expect(svc.metadata.namespace).toBe(ns);
      expect(svc.spec.ports).toEqual([{ name: 'app', port: 80, protocol: 'TCP', targetPort: 4040 }]);
      expect(svc.spec.type).toBeUndefined(); // ClusterIP: Scope has no authentication
      const agent = findDoc(m, 'DaemonSet', 'weave-scope-agent')!.toJS() as Obj;
      expect(agent.metadata.namespace).toBe(ns);
      expect(agent.spec.selector).toEqual({ matchLabels: { app: 'weave-scope' } });
      expect(agent.spec.template.spec.containers[0].args.at(-1)).toBe(`weave-scope-app.${ns}.svc.cluster.local.:80`);
      for (const img of containersOf(toObjects(m) as Obj[]).map((c) => c.image)) expect(img).toMatch(/weaveworks\/scope:1\.13\.2$/);
    });
  }

  it('current uses namespace weave, apps/v1 and rbac v1, without PodSecurityPolicy', () => {
    const objs = toObjects(loadScopeTemplate('current')) as Obj[];
    expect(kinds(objs)).toEqual([
      'Namespace/weave',
      'ClusterRole/weave-scope',
      'ClusterRoleBinding/weave-scope',
      'Deployment/weave-scope-app',
      'DaemonSet/weave-scope-agent',
      'Deployment/weave-scope-cluster-agent',
      'ServiceAccount/weave-scope',
      'Service/weave-scope-app',
    ]);
    for (const o of objs) {
      if (o.kind === 'Deployment' || o.kind === 'DaemonSet') expect(o.apiVersion).toBe('apps/v1');
      if (o.kind.startsWith('Cluster')) expect(o.apiVersion).toBe('rbac.authorization.k8s.io/v1');
    }
  });

  it('legacy uses kube-system, extensions/v1beta1 with selectors and rbac v1beta1, without a Namespace', () => {
    const objs = toObjects(loadScopeTemplate('legacy')) as Obj[];
    expect(kinds(objs)).toEqual([
      'ClusterRole/weave-scope',
      'ClusterRoleBinding/weave-scope',
      'Deployment/weave-scope-app',
      'DaemonSet/weave-scope-agent',
      'Deployment/weave-scope-cluster-agent',
      'ServiceAccount/weave-scope',
      'Service/weave-scope-app',
    ]);
    for (const o of objs) {
      if (o.kind === 'Deployment' || o.kind === 'DaemonSet') {
        expect(o.apiVersion).toBe('extensions/v1beta1');
        const sel = o.spec.selector?.matchLabels as Record<string, string>;
        expect(Object.keys(sel ?? {}), `${o.kind} ${o.metadata.name} selector`).not.toEqual([]);
        for (const [k, v] of Object.entries(sel)) expect(o.spec.template.metadata.labels[k]).toBe(v);
      }
      if (o.kind.startsWith('Cluster')) {
        expect(o.apiVersion).toBe('rbac.authorization.k8s.io/v1beta1');
        expect(o.metadata.namespace).toBeUndefined();
      } else {
        expect(o.metadata.namespace).toBe('kube-system');
      }
    }
    const crb = objs.find((o) => o.kind === 'ClusterRoleBinding')!;
    expect(crb.subjects).toEqual([{ kind: 'ServiceAccount', name: 'weave-scope', namespace: 'kube-system' }]);
    expect(objs.find((o) => o.kind === 'DaemonSet')!.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } });
  });

  it('legacy is the current objects with exactly the documented rewrites', () => {
    const current = toObjects(loadScopeTemplate('current')) as Obj[];
    const derived = structuredClone(current)
      .filter((o) => o.kind !== 'Namespace')
      .map((o) => {
        if (o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding') {
          o.apiVersion = 'rbac.authorization.k8s.io/v1beta1';
          delete o.metadata.namespace;
          for (const s of o.subjects ?? []) s.namespace = 'kube-system';
        } else {
          o.metadata.namespace = 'kube-system';
        }
        if (o.kind === 'Deployment' || o.kind === 'DaemonSet') {
          o.apiVersion = 'extensions/v1beta1';
          for (const c of o.spec.template.spec.containers) {
            c.args = c.args?.map((a: string) => a.replace('.weave.svc.cluster.local.', '.kube-system.svc.cluster.local.'));
          }
        }
        if (o.kind === 'DaemonSet') o.spec.updateStrategy = { type: 'RollingUpdate', ...o.spec.updateStrategy };
        return o;
      });
    expect(diff(toObjects(loadScopeTemplate('legacy')), derived)).toEqual([]);
  });
});

describe('from the esbuild bundle', () => {
  // Inside the package (node_modules/.cache, ignored by git) so that walking up finds its package.json.
  const outDir = join(repoRoot, 'node_modules', '.cache', 'weavectl-templates-test');
  const outfile = join(outDir, `bundle-${process.pid}.mjs`);
  afterAll(() => {
    rmSync(outfile, { force: true });
    rmSync(`${outfile}.map`, { force: true });
  });

  it('finds templates/ by walking up to the weavectl package.json', async () => {
    mkdirSync(outDir, { recursive: true });
    await build({
      absWorkingDir: repoRoot,
      entryPoints: ['src/manifest/templates.ts'],
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
    const mod = (await import(pathToFileURL(outfile).href)) as typeof import('../../src/manifest/templates.js');
    expect(mod.packageRoot()).toBe(packageRoot());
    const m = mod.loadNetTemplate({ repo: 'weaveworks', version: '2.8.1', flavour: '1.11' });
    expect(refOf(m.docs.at(-1)!)).toMatchObject({ kind: 'DaemonSet', name: 'weave-net' });
    expect(mod.loadScopeTemplate('legacy').docs.length).toBe(7);
  });
});

describe('NET_OBJECTS, what install reads before it knows the manifest', () => {
  const id = (o: { kind?: unknown; metadata?: { namespace?: unknown; name?: unknown } }) => `${String(o.kind)} ${String(o.metadata?.namespace ?? '')}/${String(o.metadata?.name)}`;
  const listed = NET_OBJECTS.map((o) => id({ kind: o.kind, metadata: { namespace: o.namespace, name: o.name } }));

  it('every embedded Weave Net manifest has the listed DaemonSet; the others are listed but for the roles of older releases', () => {
    const releases = allEmbeddedNetReleases();
    expect(releases.length).toBeGreaterThan(10);
    for (const r of releases) {
      const ids = toObjects(loadNetTemplate(r)).map(id);
      expect(ids, `${r.repo} ${r.version} for ${r.flavour}`).toContain('DaemonSet kube-system/weave-net');
      // before 2.6 the namespaced role was weave-net-kube-peer: read when applied, not ahead
      expect(ids.filter((i) => !listed.includes(i) && !/^Role(Binding)? kube-system\/weave-net-kube-peer$/.test(i)), `${r.repo} ${r.version} for ${r.flavour}`).toEqual([]);
    }
  });

  it('the newest flavour has exactly the listed objects, in the listed API versions', () => {
    for (const repo of ['weaveworks', 'reweave'] as const) {
      const newest = resolveNetRelease({ flavour: '1.11', repo });
      const objs = toObjects(loadNetTemplate(newest));
      expect(objs.map((o) => `${String(o.apiVersion)} ${id(o)}`).sort()).toEqual(NET_OBJECTS.map((o) => `${o.apiVersion} ${id({ kind: o.kind, metadata: { namespace: o.namespace, name: o.name } })}`).sort());
    }
  });
});
