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
  if (output === 'yaml') return reporter.data(renderYaml(m));
  if (output === 'json') return reporter.data(renderJson(m));
  for (const doc of m.docs) reporter.data(`${resourceName(refOf(doc))} ${verb}`);
}

/** `--wait=false`, `--watch=false`: commander has no `=false` for booleans, so these take an optional value. */
export function parseBool(flag: string): (value: string | undefined) => boolean {
  return (value) => {
    if (value === undefined || value === 'true' || value === '1' || value === 'yes') return true;
    if (value === 'false' || value === '0' || value === 'no') return false;
    throw new Error(`${flag} takes true or false, not "${value}"`);
  };
}
