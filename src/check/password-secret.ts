/**
 * The Secret weave-net takes WEAVE_PASSWORD from must exist and hold the key: without it the kubelet
 * cannot start the weave container (CreateContainerConfigError: secret "NAME" not found / couldn't
 * find key KEY in Secret). Pure: a DaemonSet and a Secret (or none) in, a problem or nothing out.
 */
import type { KubeObject } from '../cluster/types.js';
import { WEAVE_CONTAINER, WEAVE_NAMESPACE } from '../weave/names.js';

export interface PasswordSecretRef {
  namespace: string;
  name: string;
  key: string;
}

/** Where a DaemonSet's weave container takes WEAVE_PASSWORD from, when that is a Secret key. */
export function passwordSecretRef(ds: KubeObject): PasswordSecretRef | undefined {
  const containers: unknown = ds.spec?.template?.spec?.containers;
  const weave = Array.isArray(containers) ? containers.find((c) => c?.name === WEAVE_CONTAINER) : undefined;
  const env: unknown[] = Array.isArray(weave?.env) ? weave.env : [];
  const e = [...env].reverse().find((x) => (x as { name?: unknown })?.name === 'WEAVE_PASSWORD') as { valueFrom?: { secretKeyRef?: { name?: unknown; key?: unknown; optional?: unknown } } } | undefined;
  const ref = e?.valueFrom?.secretKeyRef;
  if (!ref || typeof ref.name !== 'string' || typeof ref.key !== 'string' || ref.optional === true) return undefined;
  return { namespace: ds.metadata?.namespace ?? WEAVE_NAMESPACE, name: ref.name, key: ref.key };
}

/** Undefined when the Secret holds the key; else what is wrong and how to fix it. The password itself is never read into a message. */
export function passwordSecretProblem(ref: PasswordSecretRef, secret: KubeObject | undefined): { message: string; hint: string } | undefined {
  const create = `kubectl create secret generic -n ${ref.namespace} ${ref.name} --from-file=${ref.key}=FILE`;
  if (!secret) {
    return {
      message: `Secret ${ref.namespace}/${ref.name}, which weave-net takes WEAVE_PASSWORD from, does not exist: the weave containers could not start (CreateContainerConfigError)`,
      hint: `create it first: ${create}`,
    };
  }
  const keys = [...Object.keys((secret.data as object | undefined) ?? {}), ...Object.keys((secret.stringData as object | undefined) ?? {})];
  if (!keys.includes(ref.key)) {
    return {
      message: `Secret ${ref.namespace}/${ref.name} has no key ${ref.key}${keys.length ? ` (it has ${keys.sort().join(', ')})` : ' (it is empty)'}: the weave containers could not start (CreateContainerConfigError)`,
      hint: keys.length === 1 ? `name the key: --password-secret ${ref.name}:${keys[0]}` : `add the key: ${create} (or name an existing key with --password-secret ${ref.name}:KEY)`,
    };
  }
  return undefined;
}
