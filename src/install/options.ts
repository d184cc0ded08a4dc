/**
 * What `weavectl install` is asked to do, as typed options (src/commands/install.ts makes them from the
 * flags), and the Weave Net settings and guard overrides they mean. Every bad value is refused here,
 * before anything is fetched or sent.
 */
import type { SourceOptions } from '../deploy/source.js';
import {
  mtuWarning,
  parseConnLimit,
  parseEnvFlag,
  parseMtu,
  parsePasswordSecret,
  validateImageRegistry,
  type NetSettings,
} from '../manifest/net-settings.js';
import { usageError } from '../errors.js';
import { validateIpalloc } from '../net/cidr.js';
import type { GuardAllow } from '../upgrade/guard.js';

export interface InstallOptions extends SourceOptions {
  k8sVersion?: string;
  weaveVersion?: string;
  weaveRepo?: string;
  ipalloc?: string;
  mtu?: string;
  connLimit?: string;
  /** Commander's `--no-masq-local`: true when not given, false when given bare, 'on'/'off' with a value. */
  masqLocal: boolean | 'on' | 'off';
  disableNpc?: boolean;
  /** false: --no-password-secret */
  passwordSecret?: string | false;
  /** --generate-password: create the --password-secret Secret with a random password when it does not exist. */
  generatePassword?: boolean;
  env: string[];
  imageRegistry?: string;
  wait: boolean;
  forceConflicts?: boolean;
  skipChecks?: boolean;
  allowRangeChange?: boolean;
  allowPasswordChange?: boolean;
  allowNpcChange?: boolean;
  allowDowngrade?: boolean;
  diff?: boolean;
  yes?: boolean;
  checkpoint?: boolean;
}

/** Options -> settings; every bad value is refused here, before anything is fetched or sent. */
export function netSettingsFromOptions(f: InstallOptions): { settings: NetSettings; warnings: string[] } {
  const warnings: string[] = [];
  const settings: NetSettings = {};
  if (f.ipalloc !== undefined) {
    const r = validateIpalloc(f.ipalloc);
    settings.ipalloc = r.cidr;
    warnings.push(...r.warnings);
  }
  if (f.mtu !== undefined) {
    settings.mtu = parseMtu(f.mtu);
    const w = mtuWarning(settings.mtu);
    if (w) warnings.push(w);
  }
  if (f.connLimit !== undefined) settings.connLimit = parseConnLimit(f.connLimit);
  if (f.masqLocal === false || f.masqLocal === 'on') settings.noMasqLocal = true;
  else if (f.masqLocal === 'off') settings.noMasqLocal = false;
  if (f.disableNpc !== undefined) settings.disableNpc = f.disableNpc;
  if (f.generatePassword && (f.passwordSecret === undefined || f.passwordSecret === false)) {
    throw usageError(
      f.passwordSecret === false ? '--generate-password and --no-password-secret contradict each other' : '--generate-password needs --password-secret NAME: the Secret to create',
      'e.g. weavectl install --password-secret weave-passwd --generate-password',
    );
  }
  if (f.passwordSecret === false) settings.noPassword = true;
  else if (f.passwordSecret !== undefined) {
    parsePasswordSecret(f.passwordSecret);
    settings.passwordSecret = f.passwordSecret;
  }
  if (f.env.length > 0) {
    settings.env = {};
    for (const e of f.env) {
      const { name, value } = parseEnvFlag(e);
      settings.env[name] = value;
    }
  }
  if (f.imageRegistry !== undefined) settings.imageRegistry = validateImageRegistry(f.imageRegistry);
  if (f.checkpoint) settings.checkpoint = true;
  return { settings, warnings };
}

/** The guard's overrides, from the options. */
export function guardAllow(f: InstallOptions): GuardAllow {
  return { rangeChange: Boolean(f.allowRangeChange), passwordChange: Boolean(f.allowPasswordChange), npcChange: Boolean(f.allowNpcChange), downgrade: Boolean(f.allowDowngrade) };
}
