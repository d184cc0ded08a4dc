/**
 * The global flags, spelt as kubectl spells them, turned into typed values once.
 * Every command calls globalsOf(cmd) and never reads raw commander options for these.
 */
import type { Command } from 'commander';
import { usageError } from '../errors.js';
import { Reporter } from '../output/reporter.js';
import type { KubeconfigOverrides } from '../cluster/kubeconfig.js';
import { parseDuration, parseRequestTimeout } from '../util/duration.js';
import { WEAVE_NAMESPACE as DEFAULT_NAMESPACE } from '../weave/names.js';

import type { DryRun, OutputFormat } from '../output/formats.js';
import { outputFormat } from '../output/print.js';

export type { DryRun, OutputFormat };

export interface Globals {
  kubeconfig?: string;
  context?: string;
  namespace: string;
  /** true when -n was given (kube-system is the default otherwise) */
  namespaceSet: boolean;
  output: OutputFormat;
  dryRun: DryRun;
  /** --timeout: bounds the whole command, every request in it included; 0 = no limit. */
  timeoutMs: number;
  /** When --timeout runs out (epoch ms; Infinity without a limit), counted from the start of the process. */
  deadline: number;
  /** --request-timeout: the limit of one request (undefined: the default, 30 s; 0: none of its own). */
  requestTimeoutMs?: number;
  verbose: boolean;
  color: boolean;
  /** kubectl's --server, --cluster, --user, --token, --as, --certificate-authority, --insecure-skip-tls-verify */
  overrides: KubeconfigOverrides;
}


export const DEFAULT_TIMEOUT = '5m';

/** The -o value as a format the command prints (src/output/print.ts refuses the others). */
export function parseOutput(value: string | undefined, command?: string): OutputFormat {
  return outputFormat(value, command);
}

/** "policy list": the command's path below the program. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

export function parseDryRun(value: string | boolean | undefined): DryRun {
  if (value === undefined || value === false) return 'none';
  if (value === true || value === 'client') return 'client';
  if (value === 'none' || value === 'server') return value;
  throw usageError(`invalid --dry-run value "${String(value)}": must be "none", "server", or "client"`);
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function parseNamespace(value: string): string {
  if (value.length > 63 || !DNS1123_LABEL.test(value)) {
    throw usageError(`invalid namespace "${value}": must be a lowercase RFC 1123 label (a-z, 0-9, '-', at most 63 characters)`);
  }
  return value;
}

export function globalsOf(cmd: Command): Globals {
  const o = cmd.optsWithGlobals() as Record<string, unknown>;
  const ns = o.namespace as string | undefined;
  const timeoutMs = parseDuration(String(o.timeout ?? DEFAULT_TIMEOUT));
  return {
    kubeconfig: o.kubeconfig as string | undefined,
    context: o.context as string | undefined,
    namespace: ns === undefined ? DEFAULT_NAMESPACE : parseNamespace(ns),
    namespaceSet: ns !== undefined,
    output: parseOutput(o.output as string | undefined, commandPath(cmd)),
    dryRun: parseDryRun(o.dryRun as string | boolean | undefined),
    timeoutMs,
    deadline: timeoutMs > 0 ? performance.timeOrigin + timeoutMs : Infinity,
    ...(o.requestTimeout !== undefined ? { requestTimeoutMs: parseRequestTimeout(String(o.requestTimeout)) } : {}),
    verbose: Boolean(o.verbose),
    color: o.color !== false,
    overrides: overridesOf(o),
  };
}

/** A --server value as kubectl takes it: a URL, or HOST[:PORT] (then https://). */
export function parseServer(value: string): string {
  const v = value.trim();
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : `https://${v}`;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw usageError(`invalid --server "${value}": expected an address like https://10.200.33.10:6443`);
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || !u.hostname) {
    throw usageError(`invalid --server "${value}": expected an address like https://10.200.33.10:6443`);
  }
  return url.replace(/\/+$/, '');
}

function nonEmpty(flag: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  const s = String(v);
  if (s === '') throw usageError(`${flag} needs a value`);
  return s;
}

function overridesOf(o: Record<string, unknown>): KubeconfigOverrides {
  const out: KubeconfigOverrides = {};
  const server = nonEmpty('--server', o.server);
  if (server !== undefined) out.server = parseServer(server);
  const cluster = nonEmpty('--cluster', o.cluster);
  if (cluster !== undefined) out.cluster = cluster;
  const user = nonEmpty('--user', o.user);
  if (user !== undefined) out.user = user;
  const token = nonEmpty('--token', o.token);
  if (token !== undefined) {
    if (/[\r\n\0]/.test(token)) throw usageError('--token holds a line break or NUL: not a bearer token');
    out.token = token;
  }
  const as = nonEmpty('--as', o.as);
  if (as !== undefined) out.as = as;
  if (Array.isArray(o.asGroup)) out.asGroups = o.asGroup.map((g) => nonEmpty('--as-group', g)).filter((g): g is string => g !== undefined);
  const asUid = nonEmpty('--as-uid', o.asUid);
  if (asUid !== undefined) out.asUid = asUid;
  const ca = nonEmpty('--certificate-authority', o.certificateAuthority);
  if (ca !== undefined) out.certificateAuthority = ca;
  if (o.insecureSkipTlsVerify === true) out.insecureSkipTlsVerify = true;
  return out;
}


/** The reporter of a command: result lines on stdout in text mode; with -o yaml/json/name stdout holds only the document. */
export function reporterFor(g: Globals): Reporter {
  return new Reporter({ color: g.color, verbose: g.verbose, results: g.output === 'text' ? 'stdout' : 'stderr' });
}
