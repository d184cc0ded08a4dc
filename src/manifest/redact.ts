/**
 * Passwords never reach output: a literal WEAVE_PASSWORD (the value Weave Net encrypts its peers'
 * traffic with; weave v2.8.1 prog/weave-kube/launch.sh passes it to `weave launch --password`) is
 * replaced in copies of objects before they are printed. A valueFrom (where the password comes from)
 * is kept. Pure.
 */
export const REDACTED_VALUE = '(password hidden)';

const SECRET_ENV = new Set(['WEAVE_PASSWORD']);

function redactContainers(list: unknown): void {
  if (!Array.isArray(list)) return;
  for (const c of list) {
    if (!c || typeof c !== 'object' || !Array.isArray((c as { env?: unknown }).env)) continue;
    for (const e of (c as { env: unknown[] }).env) {
      if (e && typeof e === 'object') {
        const entry = e as { name?: unknown; value?: unknown };
        if (typeof entry.name === 'string' && SECRET_ENV.has(entry.name) && typeof entry.value === 'string' && entry.value !== '') entry.value = REDACTED_VALUE;
      }
    }
  }
}

/** A copy of the object with every literal password in a pod template (or pod) replaced by REDACTED_VALUE. */
export function redactPasswords<T>(obj: T): T {
  const copy = structuredClone(obj) as { spec?: { template?: { spec?: Record<string, unknown> }; containers?: unknown; initContainers?: unknown } };
  for (const spec of [copy?.spec?.template?.spec, copy?.spec as Record<string, unknown> | undefined]) {
    if (!spec) continue;
    redactContainers(spec.containers);
    redactContainers(spec.initContainers);
  }
  return copy as T;
}
