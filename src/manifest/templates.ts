/**
 * The manifests embedded in weavectl (templates/ at the package root), read from disk at run time.
 *
 * templates/net/<repo>/<version>/<asset name>   Weave Net, release-asset form (see the catalog)
 * templates/scope/current.yaml | legacy.yaml     Weave Scope 1.13.2
 *
 * The package root is found by walking up from this module until a package.json named "weavectl":
 * that works from src/ (vitest, tsx) and from the esbuild bundle in dist/ alike.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { failure, usageError } from '../errors.js';
import {
  SCOPE_VERSION,
  WEAVE_REPOS,
  describeNetFlavour,
  describeScopeFlavour,
  embeddedNetReleases,
  netAssetName,
  type NetFlavour,
  type ScopeFlavour,
  type WeaveRepo,
} from './catalog.js';
import { Document } from 'yaml';
import { parseManifest, type Manifest } from './manifest.js';
import { templateReader } from './template-reader.js';

export type NetTemplateId = { flavour: NetFlavour; version: string; repo: WeaveRepo };

let rootCache: string | undefined;

/** The weavectl package root (the folder holding package.json and templates/). */
export function packageRoot(): string {
  if (rootCache !== undefined) return rootCache;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const name = (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name;
        if (name === 'weavectl') {
          rootCache = dir;
          return dir;
        }
      } catch {
        // not our package.json: keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) throw failure('cannot find the weavectl package root (no package.json named weavectl above the program)', 'reinstall weavectl');
    dir = up;
  }
}

/** templates/-relative path of an embedded Net manifest; refuses a pair that is not embedded. */
function netTemplateRel(release: NetTemplateId): string {
  const { flavour, version, repo } = release;
  if (!embeddedNetReleases(flavour, repo).includes(version)) {
    const list = embeddedNetReleases(flavour, repo);
    throw usageError(
      `${WEAVE_REPOS[repo].label} ${version} for ${describeNetFlavour(flavour)} is not embedded in weavectl (embedded: ${list.length ? list.join(', ') : 'none'})`,
    );
  }
  return join('net', repo, version, netAssetName(flavour));
}

function scopeTemplateRel(flavour: ScopeFlavour): string {
  if (flavour !== 'legacy' && flavour !== 'current') throw usageError(`unknown Weave Scope manifest flavour ${JSON.stringify(flavour)}: expected legacy or current`);
  return join('scope', `${flavour}.yaml`);
}

/** The release-asset text of an embedded Net manifest, header comment included. */
export function netTemplateText(release: NetTemplateId): string {
  return readTemplate(netTemplateRel(release));
}

/**
 * Which form of an embedded template to read: the build's pre-parsed JSON (the default, falling back to
 * the YAML when there is no build), or always the YAML in templates/ (the tests compare both).
 */
export type TemplateForm = 'compiled' | 'yaml';

/** An embedded Net manifest, parsed. Origin: "embedded weave-net 2.7.0 (k8s 1.7)". */
export function loadNetTemplate(release: NetTemplateId, form: TemplateForm = 'compiled'): Manifest {
  const prefix = release.repo === 'reweave' ? 'reweave ' : '';
  return loadTemplate(netTemplateRel(release), `embedded ${prefix}weave-net ${release.version} (k8s ${release.flavour})`, form);
}

/** An embedded Scope 1.13.2 manifest, parsed (a kind: List is flattened). Origin: "embedded weave-scope 1.13.2 (current, Kubernetes 1.9 and newer)". */
export function loadScopeTemplate(flavour: ScopeFlavour, form: TemplateForm = 'compiled'): Manifest {
  return loadTemplate(scopeTemplateRel(flavour), `embedded weave-scope ${SCOPE_VERSION} (${flavour}, ${describeScopeFlavour(flavour)})`, form);
}

/**
 * The build (scripts/build.mjs) stores each template pre-parsed as JSON in dist/templates/<rel>.json:
 * parsing YAML with a cold JIT costs ~50 ms, JSON.parse well under 1 ms. The objects are the same
 * (a test compares both paths); only the upstream comments are not carried over, so the header that
 * says where the manifest comes from is put back as a comment. Without a build (tests of src/), the YAML is parsed.
 */
export interface CompiledTemplate {
  header: string;
  objects: Record<string, unknown>[];
}

function loadTemplate(rel: string, origin: string, form: TemplateForm): Manifest {
  const assets = templateReader();
  const compiled = assets ? undefined : join(packageRoot(), 'dist', 'templates', `${rel}.json`);
  if (form === 'compiled' && (assets || existsSync(compiled!))) {
    const t = JSON.parse(assets ? assets(`dist/templates/${rel}.json`) : readFileSync(compiled!, 'utf8')) as CompiledTemplate;
    const docs = t.objects.map((o) => new Document(o));
    if (docs[0] && t.header) docs[0].commentBefore = t.header;
    return { docs, origin };
  }
  return parseManifest(readTemplate(rel), origin);
}

const textCache = new Map<string, string>();

function readTemplate(rel: string): string {
  const cached = textCache.get(rel);
  if (cached !== undefined) return cached;
  const assets = templateReader();
  const path = assets ? `templates/${rel}` : join(packageRoot(), 'templates', rel);
  let text: string;
  try {
    text = assets ? assets(path) : readFileSync(path, 'utf8');
  } catch (err) {
    throw failure(`embedded manifest ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 'the weavectl installation is incomplete: reinstall it', err);
  }
  textCache.set(rel, text);
  return text;
}
