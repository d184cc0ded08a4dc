/**
 * `install --password-secret NAME --generate-password`: the Secret WEAVE_PASSWORD comes from is
 * created with a random password when it does not exist. The password is never printed, logged or
 * put in an error; an existing Secret is never changed: the Secret is created with a POST, which the
 * API server refuses (409 AlreadyExists) rather than overwrite, so a Secret made in between by
 * someone else is kept too.
 *
 * Weave Net takes any string as its password (weave v2.8.1 prog/weaver/main.go determinePassword:
 * the --password flag or WEAVE_PASSWORD, as bytes); 32 random bytes, base64url (43 characters).
 */
import { randomBytes } from 'node:crypto';
import type { KubeCluster } from '../cluster/kube-cluster.js';
import type { KubeObject } from '../cluster/types.js';
import { isKubeApiError } from '../cluster/status-errors.js';
import { errorText, failure } from '../errors.js';
import type { Reporter } from '../output/reporter.js';
import { passwordSecretRef, type PasswordSecretRef } from '../check/password-secret.js';
import { FIELD_MANAGER } from '../deploy/apply.js';

export function randomPassword(): string {
  return randomBytes(32).toString('base64url');
}

/** The Secret the planned DaemonSet takes WEAVE_PASSWORD from, when it does not exist yet (undefined: it exists, or it cannot be read). */
export async function missingPasswordSecret(cluster: Pick<KubeCluster, 'get'>, plannedDs: KubeObject | undefined): Promise<PasswordSecretRef | undefined> {
  const ref = plannedDs ? passwordSecretRef(plannedDs) : undefined;
  if (!ref) return undefined;
  try {
    const secret = await cluster.get({ apiVersion: 'v1', kind: 'Secret', namespace: ref.namespace, name: ref.name });
    return secret ? undefined : ref;
  } catch (err) {
    // Not allowed to read it: the POST below finds out (409 when it exists, never an overwrite).
    if (isKubeApiError(err, 403)) return ref;
    throw err;
  }
}

/** The Secret object with a fresh random password under its key. */
export function generatedSecret(ref: PasswordSecretRef, password = randomPassword()): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: ref.name, namespace: ref.namespace, labels: { 'app.kubernetes.io/managed-by': 'weavectl' } },
    type: 'Opaque',
    data: { [ref.key]: Buffer.from(password, 'utf8').toString('base64') },
  };
}

/**
 * Creates the Secret (dryRun: the server checks it, nothing is stored). 'exists' when the API server
 * says it exists already (someone made it since it was read): it is left as it is.
 */
export async function createPasswordSecret(cluster: Pick<KubeCluster, 'create'>, ref: PasswordSecretRef, opts: { dryRun: boolean }, reporter: Reporter): Promise<'created' | 'exists'> {
  try {
    await cluster.create(generatedSecret(ref), { dryRun: opts.dryRun, fieldManager: FIELD_MANAGER });
  } catch (err) {
    if (isKubeApiError(err, 409)) {
      reporter.info(`Secret ${ref.namespace}/${ref.name} exists already: keeping it (--generate-password never overwrites)`);
      return 'exists';
    }
    throw failure(`cannot create Secret ${ref.namespace}/${ref.name} for the generated password: ${errorText(err)}; nothing was applied`, `create it yourself: kubectl create secret generic -n ${ref.namespace} ${ref.name} --from-file=${ref.key}=FILE`);
  }
  reporter.success(`secret/${ref.name} created${opts.dryRun ? ' (server dry run)' : ''} with a random password under the key ${ref.key} (not shown)`);
  return 'created';
}
