/**
 * Printing a rendered manifest, shared by the commands that render (install, scope, policy):
 * -o yaml / -o json to stdout, or kubectl-style "kind.group/name created (dry run)" lines.
 */
import { kubectlName } from '../cluster/apply-plan.js';
import type { Manifest, ObjectRef } from '../manifest/manifest.js';
import { refOf, renderJson, renderYaml } from '../manifest/manifest.js';
import type { Reporter } from '../output/reporter.js';
import type { OutputFormat } from './global.js';

/** kubectl's "daemonset.apps/weave-net" (core kinds have no group: "serviceaccount/weave-net"). */
export function resourceName(ref: Pick<ObjectRef, 'apiVersion' | 'kind' | 'name'>): string {
  return kubectlName({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name } });
}

export function printManifest(m: Manifest, output: OutputFormat, reporter: Reporter, verb = 'created (dry run)'): void {
  if (output === 'yaml') return reporter.document(renderYaml(m));
  if (output === 'json') return reporter.document(renderJson(m));
  for (const doc of m.docs) reporter.data(`${resourceName(refOf(doc))} ${verb}`);
}
