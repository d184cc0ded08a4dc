/**
 * What `weavectl scope` is asked to do, as typed options (src/commands/scope.ts makes them from the
 * flags), and the Scope settings they mean.
 */
import type { SourceOptions } from '../deploy/source.js';
import { validateImageRegistry } from '../manifest/net-settings.js';
import { parseExternalIPs, parsePort, parseServiceType } from '../manifest/patch-scope.js';
import type { ScopeFlagSettings } from '../upgrade/scope-settings.js';
import { extraFlagSettings } from './extras.js';

export interface ScopeOptions extends SourceOptions {
  k8sVersion?: string;
  /** undefined: not given (a re-run keeps the running ones); false: --no-external-ip */
  externalIp?: string[] | false;
  port?: string;
  serviceType?: string;
  readOnly?: boolean;
  diff?: boolean;
  yes?: boolean;
  imageRegistry?: string;
  wait: boolean;
  forceConflicts?: boolean;
  /** --basic-auth-secret NAME; false: --no-basic-auth */
  basicAuthSecret?: string | false;
  generate?: boolean;
  /** auto, docker, containerd, crio (validated by scopeFlagSettings) */
  runtime?: string;
  /** --allow-from CIDRs; false: --no-allow-from */
  allowFrom?: string[] | false;
}

/** Options -> settings; only what was given (a re-run keeps the rest from the running Scope). */
export function scopeFlagSettings(f: ScopeOptions, dryRunClient = false): ScopeFlagSettings {
  return {
    ...extraFlagSettings(f, dryRunClient).settings,
    ...(f.externalIp === false ? { externalIPs: [] } : f.externalIp !== undefined ? { externalIPs: parseExternalIPs(f.externalIp) } : {}),
    ...(f.port === undefined ? {} : { port: parsePort(f.port) }),
    ...(f.serviceType === undefined ? {} : { serviceType: parseServiceType(f.serviceType) }),
    ...(f.readOnly === undefined ? {} : { readOnly: f.readOnly }),
    ...(f.imageRegistry === undefined ? {} : { imageRegistry: validateImageRegistry(f.imageRegistry) }),
  };
}
