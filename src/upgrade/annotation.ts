/**
 * The settings weavectl applied, recorded on the weave-net DaemonSet (not on its pod template, so
 * writing it never restarts a pod) as the annotation
 *
 *   weavectl.io/settings: {"settings":{"ipalloc":"172.25.64.0/18","mtu":8916},"v":1,"weave":"2.7.0"}
 *
 * - `v`: the format version (1);
 * - `weave`: the Weave Net version installed;
 * - `settings`: the NetSettings weavectl applied (flags merged with what it kept), keys sorted.
 *   A password is recorded by its Secret's name only ("weave-passwd" or "weave-passwd:key").
 *
 * The key: a prefix of weavectl's own. `weave.works/` is Weaveworks' domain (its
 * `cloud.weave.works/launcher-info` means something else) and no Weave annotation should be claimed
 * by a third-party tool. The live env of the `weave` container stays the source of truth for what the
 * cluster runs; the annotation says what weavectl was asked for, so a hand edit since can be told apart.
 * Pure.
 */
import { failure } from '../errors.js';
import { cloneManifest, findDoc, type Manifest } from '../manifest/manifest.js';
import { type NetSettings } from '../manifest/net-settings.js';
import { NET_DAEMONSET } from '../weave/names.js';

export const SETTINGS_ANNOTATION = 'weavectl.io/settings';
export const SETTINGS_FORMAT = 1;

export interface RecordedSettings {
  /** The Weave Net version weavectl installed. */
  weaveVersion: string;
  settings: NetSettings;
}

/** JSON with sorted keys and no undefined values, so the same settings always give the same text (no churn on re-apply). */
function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${sortedJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The annotation's value for these settings and Weave version. */
export function settingsAnnotation(settings: NetSettings, weaveVersion: string): string {
  const s: NetSettings = { ...settings };
  if (s.env && Object.keys(s.env).length === 0) delete s.env;
  if (s.envFrom && Object.keys(s.envFrom).length === 0) delete s.envFrom;
  if (s.disableNpc === false) delete s.disableNpc;
  delete s.noPassword; // what is recorded is the state: no passwordSecret
  return sortedJson({ v: SETTINGS_FORMAT, weave: weaveVersion, settings: s });
}

const FIELD_TYPES: Readonly<Record<keyof NetSettings, 'string' | 'number' | 'boolean' | 'env' | 'envFrom'>> = {
  ipalloc: 'string',
  mtu: 'number',
  connLimit: 'number',
  noMasqLocal: 'boolean',
  disableNpc: 'boolean',
  passwordSecret: 'string',
  noPassword: 'boolean',
  env: 'env',
  envFrom: 'envFrom',
  imageRegistry: 'string',
  checkpoint: 'boolean',
};

/**
 * Parses the annotation's value. Undefined for an empty value; a one-line failure for anything
 * malformed (not JSON, another format version, fields of the wrong type). Unknown settings fields of
 * the same format version are ignored (a newer weavectl may record more).
 */
export function parseSettingsAnnotation(text: string | undefined): RecordedSettings | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const bad = (why: string) => failure(`the ${SETTINGS_ANNOTATION} annotation is not one weavectl wrote: ${why}`, `remove it: kubectl -n kube-system annotate daemonset ${NET_DAEMONSET} ${SETTINGS_ANNOTATION}-`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw bad('it is not JSON');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw bad('it is not a JSON object');
  const o = v as Record<string, unknown>;
  if (o.v !== SETTINGS_FORMAT) throw bad(`format ${JSON.stringify(o.v)} is not ${SETTINGS_FORMAT} (written by another weavectl version?)`);
  if (typeof o.weave !== 'string' || o.weave === '') throw bad('"weave" (the Weave Net version) is missing');
  const raw = o.settings;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw bad('"settings" is not an object');
  const settings: NetSettings = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const type = FIELD_TYPES[key as keyof NetSettings];
    if (type === undefined) continue;
    if (type === 'env') {
      if (!value || typeof value !== 'object' || Array.isArray(value) || Object.values(value).some((x) => typeof x !== 'string')) {
        throw bad('"settings.env" is not an object of strings');
      }
      settings.env = { ...(value as Record<string, string>) };
      continue;
    }
    if (type === 'envFrom') {
      const isObj = (x: unknown) => Boolean(x) && typeof x === 'object' && !Array.isArray(x);
      if (!isObj(value) || !Object.values(value as object).every(isObj)) throw bad('"settings.envFrom" is not an object of valueFrom objects');
      settings.envFrom = structuredClone(value as Record<string, Record<string, unknown>>);
      continue;
    }
    if (typeof value !== type) throw bad(`"settings.${key}" is not a ${type}`);
    (settings as Record<string, unknown>)[key] = value;
  }
  return { weaveVersion: o.weave, settings };
}

/**
 * A copy of the manifest whose weave-net DaemonSet carries the settings annotation (on the
 * DaemonSet's own metadata, not its pod template). A manifest without the DaemonSet is returned as a
 * copy, unchanged.
 */
export function annotateManifest(m: Manifest, settings: NetSettings, weaveVersion: string): Manifest {
  const out = cloneManifest(m);
  const ds = findDoc(out, 'DaemonSet', NET_DAEMONSET);
  if (ds) ds.setIn(['metadata', 'annotations', SETTINGS_ANNOTATION], settingsAnnotation(settings, weaveVersion));
  return out;
}
