/**
 * Printing a rendered manifest or the applied objects, shared by the commands that render or apply
 * (install, scope, policy): -o yaml / -o json / -o name to stdout, or kubectl-style
 * "kind.group/name created (dry run)" lines.
 */
import type { KubeObject } from '../cluster/types.js';
import { redactPasswords } from '../manifest/redact.js';
import { kubectlName } from '../cluster/apply-plan.js';
import type { Manifest, ObjectRef } from '../manifest/manifest.js';
import { refOf, renderJson, renderYaml, stringify } from '../manifest/manifest.js';
import type { Reporter } from '../output/reporter.js';
import type { OutputFormat } from '../output/formats.js';

/** kubectl's "daemonset.apps/weave-net" (core kinds have no group: "serviceaccount/weave-net"). */
export function resourceName(ref: Pick<ObjectRef, 'apiVersion' | 'kind' | 'name'>): string {
  return kubectlName({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name } });
}

export function printManifest(m: Manifest, output: OutputFormat, reporter: Reporter, verb = 'created (dry run)'): void {
  if (output === 'yaml') return reporter.document(renderYaml(m));
  if (output === 'json') return reporter.document(renderJson(m));
  if (output === 'name') return reporter.data(m.docs.map((d) => resourceName(refOf(d))).join('\n'));
  for (const doc of m.docs) reporter.data(`${resourceName(refOf(doc))} ${verb}`);
}

/** An applied object as kubectl prints it with -o yaml/json: without metadata.managedFields. */
export function printable(o: KubeObject): KubeObject {
  if (!o.metadata || o.metadata.managedFields === undefined) return o;
  const { managedFields: _mf, ...metadata } = o.metadata;
  return { ...o, metadata };
}

/**
 * The objects the server returned from an apply, as one document (text output printed its
 * result lines as they came): -o yaml the documents, -o json one object or a v1 List as
 * `kubectl apply -o json` prints, -o name one "kind.group/name" per line.
 */
export function printApplied(objects: KubeObject[], output: OutputFormat, reporter: Reporter): void {
  if (output === 'text') return;
  // a literal WEAVE_PASSWORD is never printed (src/manifest/redact.ts)
  const items = objects.map((o) => redactPasswords(printable(o)));
  if (output === 'name') return reporter.data(items.map((o) => kubectlName(o)).join('\n'));
  if (output === 'json') {
    const doc = items.length === 1 ? items[0] : { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } };
    return reporter.document(JSON.stringify(doc, null, 2));
  }
  reporter.document(items.map((o) => stringify(o)).join('---\n'));
}
