/**
 * The Secret `--basic-auth-secret NAME` reads (keys username, password): checked before anything is
 * written, or created by `--generate` with a random password. An existing Secret is never changed,
 * and the password is never printed.
 */
import { randomBytes } from 'node:crypto';
import type { KubeCluster } from '../cluster/kube-cluster.js';
import { isKubeApiError } from '../cluster/status-errors.js';
import type { KubeObject } from '../cluster/types.js';
import { failure } from '../errors.js';
import { BASIC_AUTH_KEYS } from '../manifest/scope-auth.js';
import type { Reporter } from '../output/reporter.js';
import { programName } from '../util/program-name.js';

/** Scope's own default user name (scope v1.13.2 prog/main.go: --app.basicAuth.username default "admin"). */
export const GENERATED_USERNAME = 'admin';

/** What is wrong with a Secret for basic auth (missing or empty keys), or undefined when it serves. */
export function authSecretProblem(secret: KubeObject): string | undefined {
  const data = (secret as { data?: Record<string, string> }).data ?? {};
  const missing = Object.values(BASIC_AUTH_KEYS).filter((k) => {
    const v = data[k];
    return typeof v !== 'string' || Buffer.from(v, 'base64').length === 0;
  });
  return missing.length > 0 ? `has no ${missing.map((k) => `"${k}"`).join(' or ')} key (or it is empty)` : undefined;
}

/** A new Secret with a random password (24 random bytes, base64url: 32 characters). */
export function generatedSecret(namespace: string, name: string, random: (n: number) => Buffer = randomBytes): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { app: 'weave-scope', 'app.kubernetes.io/managed-by': 'weavectl' } },
    type: 'Opaque',
    data: {
      [BASIC_AUTH_KEYS.username]: Buffer.from(GENERATED_USERNAME).toString('base64'),
      [BASIC_AUTH_KEYS.password]: Buffer.from(random(24).toString('base64url')).toString('base64'),
    },
  } as KubeObject;
}

export interface EnsureOptions {
  generate: boolean;
  /** --dry-run=server: create nothing for real. */
  dryRun: boolean;
  /** --diff: say what would happen, write nothing. */
  diffOnly?: boolean;
}

/**
 * Checks that Secret namespace/name serves basic auth; with `generate`, creates it when absent (its
 * namespace too, when that is missing). Throws (exit 1) when it is absent without `generate`, or
 * unusable; nothing is written then.
 */
export async function ensureBasicAuthSecret(cluster: KubeCluster, namespace: string, name: string, opts: EnsureOptions, reporter: Reporter): Promise<'present' | 'created' | 'would-create'> {
  const ref = { apiVersion: 'v1', kind: 'Secret', namespace, name };
  const existing = await cluster.get(ref);
  if (existing) {
    const problem = authSecretProblem(existing);
    if (problem) {
      throw failure(
        `Secret ${namespace}/${name} ${problem}: Scope's basic auth reads the user name from key "${BASIC_AUTH_KEYS.username}" and the password from key "${BASIC_AUTH_KEYS.password}"`,
        `add the keys (kubectl -n ${namespace} edit secret ${name}), or name a new Secret with --generate`,
      );
    }
    if (opts.generate) reporter.info(`Secret ${namespace}/${name} exists: kept as it is (--generate never overwrites a Secret)`);
    return 'present';
  }
  if (!opts.generate) {
    throw failure(
      `Secret ${namespace}/${name} not found: --basic-auth-secret reads the user name and password from it (keys ${BASIC_AUTH_KEYS.username}, ${BASIC_AUTH_KEYS.password})`,
      `create it with a random password: ${programName()} scope --basic-auth-secret ${name} --generate; or: kubectl -n ${namespace} create secret generic ${name} --from-literal=${BASIC_AUTH_KEYS.username}=admin --from-literal=${BASIC_AUTH_KEYS.password}=...`,
    );
  }
  if (opts.diffOnly) {
    reporter.info(`Secret ${namespace}/${name} would be created with a random password (--generate)`);
    return 'would-create';
  }
  if (!(await cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: namespace }))) {
    await cluster.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, { dryRun: opts.dryRun, fieldManager: 'weavectl' }).catch((err: unknown) => {
      if (!isKubeApiError(err, 409)) throw err;
    });
  }
  try {
    await cluster.create(generatedSecret(namespace, name), { dryRun: opts.dryRun, fieldManager: 'weavectl' });
  } catch (err) {
    // created meanwhile by someone else: theirs stays
    if (isKubeApiError(err, 409)) return ensureBasicAuthSecret(cluster, namespace, name, { ...opts, generate: false }, reporter);
    throw err;
  }
  reporter.success(`secret/${name} created${opts.dryRun ? ' (server dry run)' : ''}: user "${GENERATED_USERNAME}", a random password (not shown; kubectl -n ${namespace} get secret ${name} -o jsonpath='{.data.${BASIC_AUTH_KEYS.password}}' | base64 -d)`);
  return 'created';
}
