/**
 * Weave Net's settings (IPALLOC_RANGE, MTU, connection limit, password secret, extra env, registry
 * mirror, NPC off) and the parsers and validators of the flags that set them. Pure and light: the
 * commands validate their flags with it before anything is loaded, fetched or sent; patch-net.ts
 * applies the settings to a manifest.
 */
import { usageError } from '../errors.js';
import { NET_DAEMONSET, WEAVE_NAMESPACE } from '../weave/names.js';


/**
 * The objects of the newest Weave Net manifests, in their API versions: what install reads before it
 * knows which manifest it will apply (older manifests have older API versions, and before 2.6 the
 * namespaced role was weave-net-kube-peer: those objects are read when they are applied). A test
 * holds the embedded templates to this list.
 */
export const NET_OBJECTS: readonly { apiVersion: string; kind: string; namespace?: string; name: string }[] = [
  { apiVersion: 'v1', kind: 'ServiceAccount', namespace: WEAVE_NAMESPACE, name: NET_DAEMONSET },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: NET_DAEMONSET },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: NET_DAEMONSET },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', namespace: WEAVE_NAMESPACE, name: NET_DAEMONSET },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', namespace: WEAVE_NAMESPACE, name: NET_DAEMONSET },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: WEAVE_NAMESPACE, name: NET_DAEMONSET },
];

export interface NetSettings {
  /** IPALLOC_RANGE, a CIDR (validated with validateIpalloc). */
  ipalloc?: string;
  /** WEAVE_MTU. */
  mtu?: number;
  /** CONN_LIMIT. */
  connLimit?: number;
  /** NO_MASQ_LOCAL: true -> "1", false -> "0" (the default is off up to 2.6, on from 2.7). */
  noMasqLocal?: boolean;
  /** Drop the weave-npc container and set EXPECT_NPC=0 (the cloud's disable-npc=true). */
  disableNpc?: boolean;
  /** "NAME" or "NAME:KEY": WEAVE_PASSWORD from secretKeyRef {name: NAME, key: KEY (default NAME)}. */
  passwordSecret?: string;
  /** No WEAVE_PASSWORD (--no-password-secret): an upgrade drops the running one; peers stop encrypting. */
  noPassword?: boolean;
  /** Extra env of the weave container (the cloud's env.NAME=VALUE); added or replaced. */
  env?: Record<string, string>;
  /**
   * Env of the weave container whose value comes from elsewhere (`valueFrom`: a Secret or ConfigMap key,
   * a field of the pod): what an upgrade carries over from the running DaemonSet, as it is.
   */
  envFrom?: Record<string, Record<string, unknown>>;
  /** Registry mirror prefix for every image ("registry.corp:5000/mirror"). */
  imageRegistry?: string;
  /**
   * Let weave call checkpoint-api.weave.works (--checkpoint): CHECKPOINT_DISABLE is left out. By default it is
   * set to "1": the endpoint is dead and was sent node details; go-checkpoint (vendor/.../checkpoint.go at
   * v2.8.1) skips the call for any non-empty value.
   */
  checkpoint?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Validators and flag parsers (usageError, exit 2): the CLI calls them at flag-parse time.

const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Env names the manifest itself derives; overriding them breaks weave. */
const MANIFEST_ENV: Readonly<Record<string, string>> = {
  HOSTNAME: 'it is set from the node name (spec.nodeName) and weave and weave-npc use it to find their node',
};

/** Validates an env var name for the weave container: C identifier rules; no password; not HOSTNAME. */
export function validateEnvName(name: string): string {
  if (!ENV_NAME_RE.test(name)) {
    throw usageError(`invalid environment variable name ${JSON.stringify(name)}: use letters, digits and _, not starting with a digit`);
  }
  if (name === 'WEAVE_PASSWORD') {
    throw usageError('never put a password in a manifest: use --password-secret', 'create it with: kubectl create secret generic -n kube-system weave-passwd --from-file=weave-passwd=FILE');
  }
  const why = MANIFEST_ENV[name];
  if (why) throw usageError(`${name} cannot be set with --env: ${why}`);
  return name;
}

/** Parses `--env NAME=VALUE` (the value may be empty and may contain "="). */
export function parseEnvFlag(text: string): { name: string; value: string } {
  const eq = text.indexOf('=');
  if (eq < 0) throw usageError(`--env expects NAME=VALUE, got ${JSON.stringify(text)}`, 'e.g. --env WEAVE_MTU=1376 or --env EXTRA_ARGS=--log-level=debug');
  const name = validateEnvName(text.slice(0, eq));
  return { name, value: text.slice(eq + 1) };
}

/**
 * WEAVE_MTU bounds. 576 is the smallest datagram every IPv4 host must accept (RFC 791); below it TCP
 * and DNS misbehave. Weave's fast datapath sends each pod packet inside VXLAN/UDP/IP with about 87
 * bytes of overhead, and the underlay must carry MTU + overhead: the largest link MTU Linux allows
 * is 65535, hence 65535 - 87. (Default 1376 for a 1500-byte network; 8916 for 9000-byte jumbo frames.)
 */
export const MIN_MTU = 576;
export const FASTDP_OVERHEAD = 87;
export const MAX_MTU = 65535 - FASTDP_OVERHEAD;

function parseWholeNumber(text: string | number, flag: string, what: string): number {
  const str = typeof text === 'number' ? String(text) : text;
  if (!/^[0-9]+$/.test(str)) throw usageError(`${flag} ${JSON.stringify(str)} is not ${what}`);
  const n = Number(str);
  if (!Number.isSafeInteger(n)) throw usageError(`${flag} ${str} is too large`);
  return n;
}

/** Validates --mtu (WEAVE_MTU). */
export function parseMtu(text: string | number): number {
  const n = parseWholeNumber(text, '--mtu', 'a whole number of bytes');
  if (n < MIN_MTU || n > MAX_MTU) {
    throw usageError(
      `--mtu ${n} is out of range: use ${MIN_MTU} to ${MAX_MTU} (the pod MTU; the network between nodes must carry it plus ~${FASTDP_OVERHEAD} bytes of encapsulation)`,
      'Weave Net uses 1376 on a 1500-byte network; 8916 suits 9000-byte jumbo frames',
    );
  }
  return n;
}

/**
 * A warning for a WEAVE_MTU that is not a multiple of 4, or undefined. Weave's fast-datapath page says
 * "the final MTU should be divisible by four" (site/tasks/manage/fastdp.md, added with the encryption
 * overhead in 86f716c3, at v2.0.5 … v2.8.1), but weave's code does not enforce it and upstream itself used
 * other values (the weave script's default was 1410 up to v1.8.2; site/kubernetes/kube-addon.md's example
 * is 1337): so weavectl warns and does not refuse.
 */
export function mtuWarning(mtu: number): string | undefined {
  if (mtu % 4 === 0) return undefined;
  const down = mtu - (mtu % 4);
  return `WEAVE_MTU ${mtu} is not a multiple of 4: Weave's fast datapath documentation says the MTU should be divisible by four (site/tasks/manage/fastdp.md); ${down >= MIN_MTU ? `${down} or ` : ''}${down + 4} would be`;
}

/** Validates --conn-limit (CONN_LIMIT: the most peer connections one weave router accepts). */
export function parseConnLimit(text: string | number): number {
  const n = parseWholeNumber(text, '--conn-limit', 'a positive whole number');
  if (n < 1) throw usageError(`--conn-limit must be at least 1 (Weave Net 2.6+ defaults to 200)`);
  return n;
}

const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY_RE = /^[-._a-zA-Z0-9]+$/;

/** A Secret name: a DNS-1123 subdomain (lower case letters, digits, '-', '.', at most 253). */
export function validateSecretName(name: string): string {
  if (name.length === 0 || name.length > 253 || !DNS1123_SUBDOMAIN_RE.test(name)) {
    throw usageError(
      `invalid Secret name ${JSON.stringify(name)}: it must be a DNS-1123 subdomain (lower case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters)`,
    );
  }
  return name;
}

/** A key inside a Secret: letters, digits, '-', '_', '.' (at most 253; not "." or ".."). */
export function validateSecretKey(key: string): string {
  if (key.length === 0 || key.length > 253 || !SECRET_KEY_RE.test(key) || key === '.' || key === '..') {
    throw usageError(`invalid Secret key ${JSON.stringify(key)}: use letters, digits, '-', '_' and '.' (at most 253 characters)`);
  }
  return key;
}

/**
 * Parses --password-secret NAME or NAME:KEY. The key defaults to NAME, as the cloud generator's
 * password-secret=NAME did (secretKeyRef {name: NAME, key: NAME}).
 */
export function parsePasswordSecret(text: string): { name: string; key: string } {
  const colon = text.indexOf(':');
  const name = colon < 0 ? text : text.slice(0, colon);
  const key = colon < 0 ? text : text.slice(colon + 1);
  return { name: validateSecretName(name), key: validateSecretKey(key) };
}

const REGISTRY_RE =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:]+\])(?::[0-9]{1,5})?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** Validates --image-registry ("registry.corp:5000/mirror"); returns it without a trailing slash. */
export function validateImageRegistry(text: string): string {
  const t = text.replace(/\/+$/, '');
  if (/^[a-z]+:\/\//i.test(t)) {
    throw usageError(`--image-registry ${text}: give the registry host and path without a scheme`, `e.g. --image-registry ${t.replace(/^[a-z]+:\/\//i, '')}`);
  }
  if (!REGISTRY_RE.test(t)) {
    throw usageError(`--image-registry ${JSON.stringify(text)} is not a registry: expected HOST[:PORT][/PATH], e.g. registry.example.com:5000/mirror`);
  }
  return t;
}
