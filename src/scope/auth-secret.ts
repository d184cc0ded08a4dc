/**
 * The Secret `--basic-auth-secret NAME` reads (keys username, password): checked before anything is
 * written, or created by `--generate` with a random password. An existing Secret is never changed,
 * and the password is never printed.
 */
import { randomBytes } from 'node:crypto';
import type { ClusterSession, KubeObject } from '../cluster/types.js';
import { isKubeApiError } from '../cluster/status-errors.js';
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

/**
 * Checks, before anything is written, that Secret namespace/name serves basic auth: 'present', or
 * 'absent' when `generate` will create it. Throws (exit 1) when it is absent without `generate`, or
 * unusable.
 */
export async function checkBasicAuthSecret(cluster: ClusterSession, namespace: string, name: string, generate: boolean, reporter: Reporter): Promise<'present' | 'absent'> {
  const existing = await cluster.get({ apiVersion: 'v1', kind: 'Secret', namespace, name });
  if (existing) {
    const problem = authSecretProblem(existing);
    if (problem) {
      throw failure(
        `Secret ${namespace}/${name} ${problem}: Scope's basic auth reads the user name from key "${BASIC_AUTH_KEYS.username}" and the password from key "${BASIC_AUTH_KEYS.password}"`,
        `add the keys (kubectl -n ${namespace} edit secret ${name}), or name a new Secret with --generate`,
      );
    }
    if (generate) reporter.info(`Secret ${namespace}/${name} exists: kept as it is (--generate never overwrites a Secret)`);
    return 'present';
  }
  if (!generate) {
    throw failure(
      `Secret ${namespace}/${name} not found: --basic-auth-secret reads the user name and password from it (keys ${BASIC_AUTH_KEYS.username}, ${BASIC_AUTH_KEYS.password})`,
      `create it with a random password: ${programName()} scope --basic-auth-secret ${name} --generate; or: kubectl -n ${namespace} create secret generic ${name} --from-literal=${BASIC_AUTH_KEYS.username}=admin --from-literal=${BASIC_AUTH_KEYS.password}=...`,
    );
  }
  return 'absent';
}

/**
 * Creates the Secret with a random password (its namespace too, when missing). One that appeared
 * meanwhile is kept (409) and checked instead. The password is never printed.
 */
export async function createBasicAuthSecret(cluster: ClusterSession, namespace: string, name: string, dryRun: boolean, reporter: Reporter): Promise<void> {
  if (!(await cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: namespace }))) {
    if (dryRun) {
      // a server dry run cannot create into a namespace that does not exist yet
      reporter.success(`secret/${name} would be created with a random password (server dry run; namespace ${namespace} does not exist yet)`);
      return;
    }
    await cluster.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, { dryRun, fieldManager: 'weavectl' }).catch((err: unknown) => {
      if (!isKubeApiError(err, 409)) throw err;
    });
  }
  try {
    await cluster.create(generatedSecret(namespace, name), { dryRun, fieldManager: 'weavectl' });
  } catch (err) {
    if (isKubeApiError(err, 409)) {
      await checkBasicAuthSecret(cluster, namespace, name, false, reporter);
      return;
    }
    throw err;
  }
  reporter.success(
    `secret/${name} created${dryRun ? ' (server dry run)' : ''}: user "${GENERATED_USERNAME}" and a random password (not shown; kubectl -n ${namespace} get secret ${name} -o jsonpath='{.data.${BASIC_AUTH_KEYS.password}}' | base64 -d)`,
  );
}
