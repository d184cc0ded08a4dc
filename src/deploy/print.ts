/**
 * Printing a rendered manifest or the applied objects, shared by the commands that render or apply
 * (install, scope, policy): -o yaml / -o json / -o name to stdout, or kubectl-style
 * "kind.group/name created (dry run)" lines.
 */
import type { KubeObject } from '../cluster/types.js';
import { redactPasswords } from '../manifest/redact.js';
import { kubectlName } from '../cluster/apply-plan.js';
import type { Manifest, ObjectRef } from '../manifest/manifest.js';
import { manifestList, refOf, renderYaml, stringify } from '../manifest/manifest.js';
import { printResult } from '../output/print.js';
import type { Reporter } from '../output/reporter.js';
import type { OutputFormat } from '../output/formats.js';

/** kubectl's "daemonset.apps/weave-net" (core kinds have no group: "serviceaccount/weave-net"). */
export function resourceName(ref: Pick<ObjectRef, 'apiVersion' | 'kind' | 'name'>): string {
  return kubectlName({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name } });
}

/** A rendered manifest: -o yaml its documents as written (comments kept), -o json a v1 List, -o name and text one line per object. */
export function printManifest(m: Manifest, output: OutputFormat, reporter: Reporter, verb = 'created (dry run)'): Promise<void> {
  return printResult(reporter, output, {
    yamlText: () => renderYaml(m),
    json: () => manifestList(m),
    name: () => m.docs.map((d) => resourceName(refOf(d))).join('\n'),
    text: () => m.docs.map((d) => `${resourceName(refOf(d))} ${verb}`).join('\n'),
  });
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
export function printApplied(objects: KubeObject[], output: OutputFormat, reporter: Reporter): Promise<void> {
  // a literal WEAVE_PASSWORD is never printed (src/manifest/redact.ts)
  const items = () => objects.map((o) => redactPasswords(printable(o)));
  return printResult(reporter, output, {
    name: () => items().map((o) => kubectlName(o)).join('\n'),
    json: () => {
      const all = items();
      return all.length === 1 ? all[0] : { apiVersion: 'v1', kind: 'List', items: all, metadata: { resourceVersion: '' } };
    },
    yamlText: () => items().map((o) => stringify(o)).join('---\n'),
  });
}
