/**
 * Weave Net settings applied to a Net manifest, the way the cloud.weave.works generator applied its
 * query parameters (env.NAME=VALUE, password-secret, disable-npc), plus an image registry mirror.
 * Works on every flavour (<=1.5 bare DaemonSet ... 1.11, reweave): they all have DaemonSet
 * `weave-net` with a container `weave`. Pure: returns a patched copy, never touches its input.
 */
import { failure, usageError } from '../errors.js';
import { findContainer, forEachImage, removeContainer, removeEnv, setEnv, type EnvValue } from './containers.js';
import { parseImage, rewriteRegistry } from './images.js';
import { noMasqLocalEnv, releaseLine } from '../weave/releases.js';
import { cloneManifest, findDoc, type Manifest } from './manifest.js';
import { validateIpalloc } from '../net/cidr.js';
import { type NetSettings, validateEnvName, parseMtu, parseConnLimit, parsePasswordSecret, validateImageRegistry } from './net-settings.js';
import { NET_DAEMONSET, WEAVE_CONTAINER, NPC_CONTAINER } from '../weave/names.js';

// ---------------------------------------------------------------------------------------------

/**
 * NO_MASQ_LOCAL for the release of the weave image: 2.4-2.6 test `-n` (on -> "1", off -> no variable),
 * 2.7+ turn it off only with "0" (on -> "1", off -> "0"); before 2.4 there is no such setting (refused
 * when asked on). An image without a version tag is taken as the newest release (2.7+ reading).
 */
function noMasqLocalFor(image: string | undefined, on: boolean): string | undefined {
  const tag = image ? parseImage(image).tag : undefined;
  const version = tag && /^v?\d+\.\d+\.\d+$/.test(tag) ? tag.replace(/^v/, '') : undefined;
  const line = version ? releaseLine(version) : undefined;
  if (!line) return on ? '1' : '0';
  if (line.noMasqLocal === 'not-read' && on) {
    throw usageError(`--no-masq-local: Weave Net ${version} has no NO_MASQ_LOCAL setting (it came in 2.4.0: v2.4.0 prog/weave-kube/launch.sh)`, 'choose Weave Net 2.4.0 or newer with --weave-version');
  }
  return noMasqLocalEnv(line, on);
}

/** Returns a copy of the manifest with the settings applied to the `weave` container of DaemonSet weave-net. */
export function applyNetSettings(m: Manifest, s: NetSettings): Manifest {
  // Validate everything before touching anything.
  const dedicated = new Map<string, { value: string; flag: string }>();
  if (s.ipalloc !== undefined) dedicated.set('IPALLOC_RANGE', { value: validateIpalloc(s.ipalloc).cidr, flag: '--ipalloc' });
  if (s.mtu !== undefined) dedicated.set('WEAVE_MTU', { value: String(parseMtu(s.mtu)), flag: '--mtu' });
  if (s.connLimit !== undefined) dedicated.set('CONN_LIMIT', { value: String(parseConnLimit(s.connLimit)), flag: '--conn-limit' });
  if (s.checkpoint && s.env?.CHECKPOINT_DISABLE !== undefined) {
    throw usageError('--checkpoint and --env CHECKPOINT_DISABLE contradict each other: --checkpoint leaves CHECKPOINT_DISABLE out');
  }
  if (s.noMasqLocal !== undefined && s.env?.NO_MASQ_LOCAL !== undefined) {
    throw usageError('NO_MASQ_LOCAL is given twice: --no-masq-local and --env NO_MASQ_LOCAL; use --no-masq-local (or --no-masq-local=false)');
  }
  if (s.disableNpc) dedicated.set('EXPECT_NPC', { value: '0', flag: '--disable-npc' });
  const secret = s.passwordSecret === undefined ? undefined : parsePasswordSecret(s.passwordSecret);
  if (secret && s.noPassword) throw usageError('--password-secret and --no-password-secret contradict each other');
  const registry = s.imageRegistry === undefined ? undefined : validateImageRegistry(s.imageRegistry);

  const env: [string, EnvValue][] = [];
  for (const [name, value] of Object.entries(s.env ?? {})) {
    validateEnvName(name);
    if (typeof value !== 'string') throw usageError(`--env ${name}: the value must be a string`);
    const own = dedicated.get(name);
    if (own) {
      const normalized = name === 'IPALLOC_RANGE' ? validateIpalloc(value).cidr : value;
      if (normalized !== own.value) {
        throw usageError(`${name} is given twice: ${own.flag} sets ${own.value}, --env sets ${JSON.stringify(value)}`);
      }
      continue;
    }
    if (name === 'IPALLOC_RANGE') validateIpalloc(value);
    if (name === 'WEAVE_MTU') parseMtu(value);
    if (name === 'CONN_LIMIT') parseConnLimit(value);
    env.push([name, value]);
  }
  for (const [name, valueFrom] of Object.entries(s.envFrom ?? {})) {
    validateEnvName(name);
    if (dedicated.has(name) || s.env?.[name] !== undefined) throw usageError(`${name} is given twice: as a value and from ${Object.keys(valueFrom)[0] ?? 'valueFrom'}`);
    env.push([name, { valueFrom }]);
  }
  for (const [name, { value }] of dedicated) env.push([name, value]);
  if (secret) env.push(['WEAVE_PASSWORD', { valueFrom: { secretKeyRef: { name: secret.name, key: secret.key } } }]);

  const out = cloneManifest(m);
  const ds = findDoc(out, 'DaemonSet', NET_DAEMONSET);
  if (!ds) {
    throw failure(`${m.origin}: no DaemonSet ${NET_DAEMONSET} in the manifest`, 'Weave Net settings apply to a Weave Net manifest');
  }
  const weave = findContainer(ds, WEAVE_CONTAINER, { init: false });
  if (!weave) throw failure(`${m.origin}: DaemonSet ${NET_DAEMONSET} has no container ${WEAVE_CONTAINER}`);

  if (s.noPassword) removeEnv(weave, 'WEAVE_PASSWORD');
  for (const [name, value] of env) setEnv(weave, name, value);
  // The version check: weaveworks' manifests never set CHECKPOINT_DISABLE, so weave phoned home to
  // checkpoint-api.weave.works (vendor/github.com/weaveworks/go-checkpoint/checkpoint.go); reweave's set "1".
  if (s.checkpoint) removeEnv(weave, 'CHECKPOINT_DISABLE');
  else if (s.env?.CHECKPOINT_DISABLE === undefined) setEnv(weave, 'CHECKPOINT_DISABLE', '1');
  if (s.noMasqLocal !== undefined) {
    // The feature on or off, written as the manifest's release reads NO_MASQ_LOCAL (src/weave/releases.ts).
    const image = weave.get('image');
    const value = noMasqLocalFor(typeof image === 'string' ? image : undefined, s.noMasqLocal);
    if (value === undefined) removeEnv(weave, 'NO_MASQ_LOCAL');
    else setEnv(weave, 'NO_MASQ_LOCAL', value);
  }
  if (s.disableNpc) removeContainer(ds, NPC_CONTAINER);
  if (registry) {
    for (const doc of out.docs) forEachImage(doc, (image) => rewriteRegistry(image, registry));
  }
  return out;
}
