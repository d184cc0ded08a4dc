/**
 * The settings of an upgrade: what the user passed now wins, everything else the running Weave Net
 * was configured with is kept (cilium#34464). Pure.
 *
 * `kept` and `changed` are one line each, for install to print before it applies:
 *   kept:    "IPALLOC_RANGE=172.25.64.0/18", "WEAVE_PASSWORD from Secret weave-passwd", "images from registry.corp:5000/mirror"
 *   changed: "WEAVE_MTU: 1376 -> 8916", "CONN_LIMIT: unset -> 100", "weave-npc: off -> on"
 */
import { failure } from '../errors.js';
import { parsePasswordSecret, type NetSettings } from '../manifest/net-settings.js';
import { describeValueFrom, type LiveProblem, type LiveSettings } from './live-settings.js';

export interface MergedSettings {
  settings: NetSettings;
  kept: string[];
  changed: string[];
}

type Scalar = string | number | boolean;

interface Field {
  key: Exclude<keyof NetSettings, 'env' | 'disableNpc'>;
  /** The env var the setting becomes. */
  env?: string;
  /** "IPALLOC_RANGE=172.25.64.0/18" */
  kept: (v: Scalar) => string;
  /** "172.25.64.0/18", for "NAME: old -> new" */
  show: (v: Scalar) => string;
  label: string;
}

function secretText(v: Scalar): string {
  const { name, key } = parsePasswordSecret(String(v));
  return key === name ? `Secret ${name}` : `Secret ${name} (key ${key})`;
}

const FIELDS: readonly Field[] = [
  { key: 'ipalloc', env: 'IPALLOC_RANGE', label: 'IPALLOC_RANGE', kept: (v) => `IPALLOC_RANGE=${v}`, show: String },
  { key: 'mtu', env: 'WEAVE_MTU', label: 'WEAVE_MTU', kept: (v) => `WEAVE_MTU=${v}`, show: String },
  { key: 'connLimit', env: 'CONN_LIMIT', label: 'CONN_LIMIT', kept: (v) => `CONN_LIMIT=${v}`, show: String },
  // On/off, not the string: "0" means on for 2.4-2.6 and off from 2.7 (src/weave/releases.ts).
  { key: 'noMasqLocal', env: 'NO_MASQ_LOCAL', label: 'NO_MASQ_LOCAL', kept: (v) => `NO_MASQ_LOCAL ${v ? 'on' : 'off'}`, show: (v) => (v ? 'on' : 'off') },
  { key: 'passwordSecret', env: 'WEAVE_PASSWORD', label: 'WEAVE_PASSWORD', kept: (v) => `WEAVE_PASSWORD from ${secretText(v)}`, show: secretText },
  { key: 'imageRegistry', label: 'image registry', kept: (v) => `images from ${v}`, show: String },
];

/** The flag that sets an env var through a dedicated setting, for problems. */
function flagSets(flags: NetSettings, p: LiveProblem): boolean {
  if (p.name === 'WEAVE_PASSWORD' && flags.noPassword) return true;
  const field = FIELDS.find((f) => f.env === p.name);
  if (field && flags[field.key] !== undefined) return true;
  return flags.env?.[p.name] !== undefined;
}

function same(a: Scalar | undefined, b: Scalar | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && String(a) === String(b));
}

/**
 * Flags over live settings. Throws a one-line failure (exit 1) when a live value cannot be carried
 * over and no flag replaces it (a literal WEAVE_PASSWORD, an IPALLOC_RANGE weavectl refuses): going
 * on would silently reset it.
 */
export function mergeSettings(live: LiveSettings, flags: NetSettings): MergedSettings {
  const open = live.problems.filter((p) => !(p.flag && flagSets(flags, p)));
  if (open.length > 0) {
    const first = open[0]!;
    const more = open.length > 1 ? ` (and ${open.length - 1} more: ${open.slice(1).map((p) => p.name).join(', ')})` : '';
    throw failure(`cannot keep the running Weave Net's settings: ${first.message}${more}`, first.hint ?? (first.flag ? `pass ${first.flag}` : undefined));
  }

  const settings: NetSettings = {};
  const kept: string[] = [];
  const changed: string[] = [];
  const liveEnv = { ...(live.settings.env ?? {}) };
  const flagEnv = flags.env ?? {};

  // --no-password-secret: whatever the running pods take WEAVE_PASSWORD from is dropped.
  if (flags.noPassword) {
    const was = live.settings.passwordSecret;
    const literal = live.problems.some((p) => p.name === 'WEAVE_PASSWORD');
    delete liveEnv['WEAVE_PASSWORD'];
    if (was !== undefined) changed.push(`WEAVE_PASSWORD: ${secretText(was)} -> unset (no encryption)`);
    else if (literal) changed.push('WEAVE_PASSWORD: set -> unset (no encryption)');
    settings.noPassword = true;
  }

  for (const f of FIELDS) {
    if (f.key === 'passwordSecret' && flags.noPassword) continue;
    const was = live.settings[f.key] as Scalar | undefined;
    const wasEnv = f.env ? liveEnv[f.env] : undefined;
    const byFlag = flags[f.key] as Scalar | undefined;
    const byEnvFlag = f.env ? flagEnv[f.env] : undefined;
    if (byFlag !== undefined) {
      (settings as Record<string, unknown>)[f.key] = byFlag;
      if (f.env) delete liveEnv[f.env]; // an odd live value carried as env gives way to the flag
      if (same(was, byFlag)) kept.push(f.kept(byFlag));
      else {
        const literalPassword = f.key === 'passwordSecret' && live.problems.some((p) => p.name === 'WEAVE_PASSWORD');
        changed.push(`${f.label}: ${was === undefined ? (wasEnv ?? (literalPassword ? 'written into the DaemonSet' : 'unset')) : f.show(was)} -> ${f.show(byFlag)}`);
      }
      continue;
    }
    if (byEnvFlag !== undefined) {
      // `--env IPALLOC_RANGE=...`: the env flag replaces the live value (merged below with the env).
      if (f.env) delete liveEnv[f.env];
      if (was !== undefined || wasEnv !== undefined) {
        const old = was === undefined ? wasEnv! : f.show(was);
        if (old !== byEnvFlag) changed.push(`${f.label}: ${old} -> ${byEnvFlag}`);
      }
      continue;
    }
    if (was !== undefined) {
      (settings as Record<string, unknown>)[f.key] = was;
      kept.push(f.kept(was));
    }
  }

  // weave-npc: --disable-npc turns it off; an explicit false turns it back on; otherwise as it was.
  const npcWasOff = live.settings.disableNpc === true;
  if (flags.disableNpc === true || flagEnv.EXPECT_NPC === '0') {
    settings.disableNpc = true;
    if (npcWasOff) kept.push('weave-npc off (EXPECT_NPC=0)');
    else changed.push('weave-npc: on -> off (EXPECT_NPC=0)');
  } else if (flags.disableNpc === false || flagEnv.EXPECT_NPC === '1') {
    if (npcWasOff) changed.push('weave-npc: off -> on');
  } else if (npcWasOff) {
    settings.disableNpc = true;
    kept.push('weave-npc off (EXPECT_NPC=0)');
  }
  if (flags.disableNpc !== undefined || flagEnv.EXPECT_NPC !== undefined) delete liveEnv.EXPECT_NPC;

  // Other env: live ones kept, flags win.
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(liveEnv)) {
    if (flagEnv[name] === undefined) {
      env[name] = value;
      kept.push(`env ${name}=${value}`);
    }
  }
  for (const [name, value] of Object.entries(flagEnv)) {
    env[name] = value;
    if (FIELDS.some((f) => f.env === name) || name === 'EXPECT_NPC') continue; // reported above
    if (live.settings.envFrom?.[name] !== undefined) continue; // reported below
    const old = liveEnv[name];
    if (old === undefined) changed.push(`env ${name}: unset -> ${value}`);
    else if (old !== value) changed.push(`env ${name}: ${old} -> ${value}`);
    else kept.push(`env ${name}=${value}`);
  }
  if (Object.keys(env).length > 0) settings.env = env;

  // Env from a Secret or ConfigMap key or a field: kept as it is, unless --env gives the name a value.
  const envFrom: Record<string, Record<string, unknown>> = {};
  for (const [name, valueFrom] of Object.entries(live.settings.envFrom ?? {})) {
    const byFlag = flagEnv[name];
    if (byFlag !== undefined) {
      changed.push(`env ${name}: from ${describeValueFrom(valueFrom)} -> ${byFlag}`);
      continue;
    }
    envFrom[name] = valueFrom;
    kept.push(`env ${name} from ${describeValueFrom(valueFrom)}`);
  }
  if (Object.keys(envFrom).length > 0) settings.envFrom = envFrom;
  return { settings, kept, changed };
}
