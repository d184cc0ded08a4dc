/**
 * What the running Weave Net was configured with, read back from its live `weave-net` DaemonSet, so
 * that an upgrade keeps it (cilium#34464: an upgrade must not silently reset IPALLOC_RANGE, the MTU
 * or the password). Pure: plain JSON in, plain values out.
 *
 * Read from the `weave` container: IPALLOC_RANGE, WEAVE_MTU, CONN_LIMIT, NO_MASQ_LOCAL, EXPECT_NPC,
 * WEAVE_PASSWORD (secretKeyRef), every other env var the user added; from the pod spec: whether
 * weave-npc runs; from the image: the registry mirror, the repository (weaveworks or reweave) and the
 * Weave version.
 *
 * What cannot be carried over is never dropped quietly: a value weavectl would refuse (an
 * IPALLOC_RANGE it does not accept, a literal WEAVE_PASSWORD) is a `problem` (the upgrade stops unless
 * a flag replaces it); something NetSettings cannot express (an env var from a fieldRef, weave-npc
 * args) is listed in `notCarried` (the upgrade warns).
 */
import type { KubeObject } from '../cluster/types.js';
import { parseImage, type ImageRef } from '../manifest/images.js';
import { parseConnLimit, parseMtu, validateEnvName, type NetSettings } from '../manifest/net-settings.js';
import { NET_DAEMONSET, NPC_CONTAINER, WEAVE_CONTAINER } from '../weave/names.js';
import { validateIpalloc } from '../net/cidr.js';
import { noMasqLocalOn, releaseLine } from '../weave/releases.js';
import { parseSettingsAnnotation, SETTINGS_ANNOTATION, type RecordedSettings } from './annotation.js';

export type WeaveRepoName = 'weaveworks' | 'reweave';

/** A live value that cannot be carried into the new manifest as it is; the upgrade stops unless a flag replaces it. */
export interface LiveProblem {
  /** The env var or setting: "IPALLOC_RANGE", "WEAVE_PASSWORD". */
  name: string;
  /** The flag that replaces it ("--ipalloc"); undefined when no flag can. */
  flag?: string;
  message: string;
  hint?: string;
}

export interface LiveSettings {
  /** Settings in the form install takes them (flags), as found on the live DaemonSet. */
  settings: NetSettings;
  /** IPALLOC_RANGE exactly as written on the live DaemonSet (also when weavectl would refuse it); undefined: Weave's default. */
  ipallocRaw?: string;
  /** The `weave` container's image. */
  image?: string;
  /** The Weave Net version: the image tag without a leading "v" ("2.0.5"); undefined for :latest, a digest or no tag. */
  weaveVersion?: string;
  /** weaveworks/weave-kube -> weaveworks, rajchaudhuri/weave-kube -> reweave; undefined for an image weavectl does not know. */
  repo?: WeaveRepoName;
  /** What weavectl recorded the last time it installed (the settings annotation), if any. */
  recorded?: RecordedSettings;
  /** NO_MASQ_LOCAL exactly as written on the live DaemonSet, when its meaning was read by the running release. */
  noMasqLocalRaw?: string;
  problems: LiveProblem[];
  /** One line each: live configuration that NetSettings cannot express and the new manifest will not have. */
  notCarried: string[];
}

/** Env vars a manifest itself sets (never a user's choice), with the value it sets; `undefined` = any value (valueFrom). */
interface ManifestEnv {
  name: string;
  value?: string;
  /** Only the manifests of this repository set it. */
  repo?: WeaveRepoName;
}

/**
 * Env vars that the Weave Net manifests set on the `weave` container themselves: HOSTNAME (fieldRef
 * spec.nodeName) in every release, INIT_CONTAINER "true" from 2.8 (with the weave-init init
 * container), CHECKPOINT_DISABLE "1" in reweave's and in every manifest weavectl writes (unless --checkpoint).
 * They are not the user's settings.
 */
export const MANIFEST_ENV: readonly ManifestEnv[] = [
  { name: 'HOSTNAME' },
  { name: 'INIT_CONTAINER', value: 'true' },
  { name: 'CHECKPOINT_DISABLE', value: '1' },
];

/** Env vars with a NetSettings field of their own (the rest go to NetSettings.env). */
const DEDICATED = new Set(['IPALLOC_RANGE', 'WEAVE_MTU', 'CONN_LIMIT', 'NO_MASQ_LOCAL', 'EXPECT_NPC', 'WEAVE_PASSWORD']);

/** Image repositories (without registry) of the weave container, and the repository they belong to. */
const WEAVE_KUBE_PATHS: readonly { path: string; repo: WeaveRepoName }[] = [
  { path: 'weaveworks/weave-kube', repo: 'weaveworks' },
  { path: 'rajchaudhuri/weave-kube', repo: 'reweave' },
];

/** Registries that publish Weave's images themselves: an image from one of them is not from a mirror. */
const UPSTREAM_PREFIXES = new Set(['', 'docker.io', 'index.docker.io', 'registry-1.docker.io', 'ghcr.io/weaveworks/launcher']);

interface EnvEntry {
  name?: unknown;
  value?: unknown;
  valueFrom?: Record<string, unknown>;
}

interface ContainerJson {
  name?: unknown;
  image?: unknown;
  env?: unknown;
  args?: unknown;
  command?: unknown;
}

/** The pod spec of a DaemonSet (or any workload) as plain JSON. */
function podSpec(obj: KubeObject): { containers?: unknown; initContainers?: unknown } | undefined {
  const spec: unknown = obj.spec?.template?.spec;
  return spec && typeof spec === 'object' ? (spec as { containers?: unknown }) : undefined;
}

function containers(obj: KubeObject): ContainerJson[] {
  const list = podSpec(obj)?.containers;
  return Array.isArray(list) ? (list.filter((c) => c && typeof c === 'object') as ContainerJson[]) : [];
}

/** The env list of a container; with duplicate names the last one wins, as in Kubernetes. */
function envOf(c: ContainerJson | undefined): Map<string, EnvEntry> {
  const out = new Map<string, EnvEntry>();
  if (!c || !Array.isArray(c.env)) return out;
  for (const e of c.env as EnvEntry[]) {
    if (!e || typeof e !== 'object' || typeof e.name !== 'string') continue;
    out.delete(e.name); // keep the order of the winning entry
    out.set(e.name, e);
  }
  return out;
}

function literal(e: EnvEntry): string | undefined {
  if (e.valueFrom && typeof e.valueFrom === 'object') return undefined;
  return e.value == null ? '' : String(e.value);
}

/** Whether weavectl can set an env var of this name; if not, says why in `notCarried`. */
function carriableName(name: string, notCarried: string[]): boolean {
  try {
    validateEnvName(name);
    return true;
  } catch (err) {
    notCarried.push(`env ${name}: ${(err as Error).message}`);
    return false;
  }
}

/** "fieldRef status.hostIP", "secretKeyRef weave-passwd/weave-passwd", "configMapKeyRef cm/key". */
export function describeValueFrom(vf: Record<string, unknown>): string {
  const [kind, ref] = Object.entries(vf)[0] ?? [];
  if (!kind) return 'valueFrom';
  const r = (ref ?? {}) as Record<string, unknown>;
  if (kind === 'fieldRef') return `fieldRef ${String(r.fieldPath ?? '?')}`;
  if (kind === 'resourceFieldRef') return `resourceFieldRef ${String(r.resource ?? '?')}`;
  if (kind === 'secretKeyRef' || kind === 'configMapKeyRef') return `${kind} ${String(r.name ?? '?')}/${String(r.key ?? '?')}`;
  return kind;
}

/**
 * Where the weave image comes from: its repository (weaveworks / reweave), a registry mirror prefix
 * ("registry.corp:5000/mirror" for registry.corp:5000/mirror/weaveworks/weave-kube:2.8.1) and the
 * version (its tag). `mirror` is undefined for images from Docker Hub or Weave's own ghcr.io path.
 */
export function weaveImageOrigin(image: string): { repo?: WeaveRepoName; mirror?: string; version?: string; known: boolean } {
  const ref: ImageRef = parseImage(image);
  const full = ref.registry ? `${ref.registry}/${ref.repository}` : ref.repository;
  const tag = ref.tag;
  const version = tag && /^v?[0-9]+\.[0-9]+\.[0-9]+([-+.][0-9A-Za-z.+-]*)?$/.test(tag) ? tag.replace(/^v/, '') : undefined;
  for (const { path, repo } of WEAVE_KUBE_PATHS) {
    if (full === path || full.endsWith(`/${path}`)) {
      const prefix = full === path ? '' : full.slice(0, full.length - path.length - 1);
      return { repo, ...(UPSTREAM_PREFIXES.has(prefix) ? {} : { mirror: prefix }), ...(version ? { version } : {}), known: true };
    }
  }
  if (full === 'ghcr.io/weaveworks/launcher/weave-kube') return { repo: 'weaveworks', ...(version ? { version } : {}), known: true };
  return { ...(version ? { version } : {}), known: false };
}

/**
 * Reads the settings of a live weave-net DaemonSet. `template`, when given, is the DaemonSet of the
 * manifest the cluster was installed from (or the one about to be applied): env vars it sets to the
 * same value are the manifest's, not the user's, and are not carried.
 */
export function readLiveSettings(ds: KubeObject, opts: { template?: KubeObject } = {}): LiveSettings {
  const settings: NetSettings = {};
  const problems: LiveProblem[] = [];
  const notCarried: string[] = [];
  const out: LiveSettings = { settings, problems, notCarried };
  const where = `${ds.kind ?? 'DaemonSet'} ${ds.metadata?.namespace ? `${ds.metadata.namespace}/` : ''}${ds.metadata?.name ?? NET_DAEMONSET}`;

  const all = containers(ds);
  const weave = all.find((c) => c.name === WEAVE_CONTAINER);
  const npc = all.find((c) => c.name === NPC_CONTAINER);

  // Image: version, repository, mirror.
  if (weave && typeof weave.image === 'string') {
    out.image = weave.image;
    const origin = weaveImageOrigin(weave.image);
    if (origin.repo) out.repo = origin.repo;
    if (origin.version) out.weaveVersion = origin.version;
    if (origin.mirror !== undefined) settings.imageRegistry = origin.mirror;
    if (!origin.known) {
      notCarried.push(
        `image ${weave.image}: not a Weave Net image path weavectl knows (weaveworks/weave-kube, rajchaudhuri/weave-kube), so its registry cannot be carried over; pass --image-registry to keep using a mirror`,
      );
    }
  }

  // The recorded settings (informational; the live env is what counts).
  const annotation = ds.metadata?.annotations?.[SETTINGS_ANNOTATION];
  if (typeof annotation === 'string') {
    try {
      const rec = parseSettingsAnnotation(annotation);
      if (rec) out.recorded = rec;
    } catch (err) {
      notCarried.push(`annotation ${SETTINGS_ANNOTATION}: ${(err as Error).message}`);
    }
  }

  if (!weave) {
    problems.push({
      name: WEAVE_CONTAINER,
      message: `${where} has no container "${WEAVE_CONTAINER}": it is not a Weave Net DaemonSet weavectl can read settings from`,
      hint: 'check what runs as weave-net: kubectl -n kube-system get daemonset weave-net -o yaml',
    });
    return out;
  }

  const templateEnv = opts.template ? envOf(containers(opts.template).find((c) => c.name === WEAVE_CONTAINER)) : undefined;
  const env = envOf(weave);

  // NPC: off when the container is gone or EXPECT_NPC=0.
  const expectNpc = env.get('EXPECT_NPC');
  const expectNpcValue = expectNpc ? literal(expectNpc) : undefined;
  if (!npc || expectNpcValue === '0') settings.disableNpc = true;
  if (expectNpc && expectNpcValue !== '0' && expectNpcValue !== '1') {
    // An unusual value: carry it as it is.
    if (expectNpcValue !== undefined) (settings.env ??= {}).EXPECT_NPC = expectNpcValue;
    else notCarried.push(`env EXPECT_NPC from ${describeValueFrom(expectNpc.valueFrom!)}: only literal values are carried over`);
  }
  if (npc) {
    const args = Array.isArray(npc.args) ? (npc.args as unknown[]).map(String) : [];
    if (args.length > 0) notCarried.push(`weave-npc args ${JSON.stringify(args)}: weavectl has no setting for them; the new manifest runs weave-npc without them`);
  }

  for (const [name, e] of env) {
    const value = literal(e);
    if (isManifestEnv(name, value, out.repo, templateEnv)) continue;

    if (name === 'WEAVE_PASSWORD') {
      const ref = e.valueFrom?.secretKeyRef as { name?: unknown; key?: unknown } | undefined;
      if (ref && typeof ref.name === 'string' && typeof ref.key === 'string') {
        settings.passwordSecret = ref.key === ref.name ? ref.name : `${ref.name}:${ref.key}`;
      } else if (value !== undefined) {
        problems.push({
          name,
          flag: '--password-secret',
          message: `${where} has WEAVE_PASSWORD written into the manifest: weavectl never puts a password in a manifest, and upgrading without it would turn encryption off`,
          hint: 'move it into a Secret (kubectl create secret generic -n kube-system weave-passwd --from-file=weave-passwd=FILE) and pass --password-secret weave-passwd, or turn encryption off with --no-password-secret',
        });
      } else {
        problems.push({
          name,
          flag: '--password-secret',
          message: `${where} takes WEAVE_PASSWORD from ${describeValueFrom(e.valueFrom!)}, which weavectl cannot carry over (only a Secret key): upgrading without it would turn encryption off`,
          hint: 'put the password into a Secret and pass --password-secret NAME[:KEY], or turn encryption off with --no-password-secret',
        });
      }
      continue;
    }

    if (value === undefined) {
      // From a Secret or ConfigMap key, or a field: carried over as it is, unless weavectl has a setting for it.
      if (DEDICATED.has(name)) {
        notCarried.push(`env ${name} from ${describeValueFrom(e.valueFrom!)}: weavectl sets ${name} itself; only a literal value is carried over`);
        continue;
      }
      if (carriableName(name, notCarried)) (settings.envFrom ??= {})[name] = structuredClone(e.valueFrom!);
      continue;
    }

    switch (name) {
      case 'IPALLOC_RANGE':
        out.ipallocRaw = value;
        try {
          settings.ipalloc = validateIpalloc(value).cidr;
        } catch (err) {
          problems.push({
            name,
            flag: '--ipalloc',
            message: `${where} has IPALLOC_RANGE=${JSON.stringify(value)}, which weavectl does not accept (${(err as Error).message}), so it cannot be carried over`,
            hint: 'pass --ipalloc with the range the cluster uses now, written as a network address (changing it disconnects running pods)',
          });
        }
        continue;
      case 'WEAVE_MTU':
        try {
          settings.mtu = parseMtu(value);
        } catch (err) {
          problems.push({ name, flag: '--mtu', message: `${where} has WEAVE_MTU=${JSON.stringify(value)}, which weavectl does not accept (${(err as Error).message})`, hint: 'pass --mtu with the MTU to use' });
        }
        continue;
      case 'CONN_LIMIT':
        try {
          settings.connLimit = parseConnLimit(value);
        } catch (err) {
          problems.push({ name, flag: '--conn-limit', message: `${where} has CONN_LIMIT=${JSON.stringify(value)}, which weavectl does not accept (${(err as Error).message})`, hint: 'pass --conn-limit with the limit to use' });
        }
        continue;
      case 'NO_MASQ_LOCAL': {
        // Carried by meaning (on/off), as the running release reads it: "0" is ON for 2.4-2.6 (`-n` test)
        // and OFF from 2.7 (src/weave/releases.ts); the new manifest gets the value its release reads the same way.
        const line = out.weaveVersion ? releaseLine(out.weaveVersion, out.repo) : undefined;
        if (line?.noMasqLocal === 'not-read') {
          notCarried.push(`env NO_MASQ_LOCAL=${value}: Weave Net ${out.weaveVersion} does not read it (NO_MASQ_LOCAL came in 2.4.0), so it has no effect today; pass --no-masq-local to turn the feature on`);
        } else if (line) {
          settings.noMasqLocal = noMasqLocalOn(line, value);
          out.noMasqLocalRaw = value;
        } else if (value === '1') settings.noMasqLocal = true;
        else if (value === '0') settings.noMasqLocal = false;
        else (settings.env ??= {})[name] = value;
        continue;
      }
      case 'EXPECT_NPC':
        continue; // handled above
      default:
        break;
    }
    if (carriableName(name, notCarried)) (settings.env ??= {})[name] = value;
  }
  return out;
}

function isManifestEnv(name: string, value: string | undefined, repo: WeaveRepoName | undefined, templateEnv: Map<string, EnvEntry> | undefined): boolean {
  if (DEDICATED.has(name)) return false;
  if (templateEnv?.has(name)) {
    const t = templateEnv.get(name)!;
    const tv = literal(t);
    // Same literal, or both from a valueFrom: the manifest's own.
    if (tv === value) return true;
  }
  for (const m of MANIFEST_ENV) {
    if (m.name !== name) continue;
    if (m.repo !== undefined && m.repo !== repo) continue;
    if (m.value === undefined || m.value === value) return true;
  }
  return false;
}
