/**
 * `weavectl policy isolate NAMESPACE`: the flags as typed options, the call (the flow is
 * src/policy/isolate.ts), and the printing: -o json the result, -o yaml the objects written or found
 * in place, -o name their names; --dry-run=client what would be written.
 */
import { stringify } from 'yaml';
import { resourceName } from '../deploy/print.js';
import { usageError } from '../errors.js';
import { printResult } from '../output/print.js';
import { parseK8sVersion } from '../manifest/k8s-version.js';
import { printable, weaveVersionFlag } from '../policy/cluster.js';
import { isolateOnCluster, planIsolate, type IsolateOptions } from '../policy/isolate.js';
import { LEGACY_ANNOTATION } from '../policy/index.js';
import { openCluster } from './cluster-session.js';
import { reporterFor, type Globals } from './global.js';
import { optBool, optString, type OptionValues } from './option-values.js';

/** The flags as typed options. */
export function isolateOptionsOf(o: OptionValues): IsolateOptions {
  const k8sVersion = optString(o, 'k8sVersion');
  const weaveVersion = optString(o, 'weaveVersion');
  return {
    ...(optBool(o, 'undo') !== undefined ? { undo: optBool(o, 'undo') } : {}),
    ...(optBool(o, 'egress') !== undefined ? { egress: optBool(o, 'egress') } : {}),
    ...(k8sVersion !== undefined ? { k8sVersion } : {}),
    ...(weaveVersion !== undefined ? { weaveVersion } : {}),
  };
}

function yamlOf(objs: readonly object[]): string {
  return objs.map((o) => stringify(o, { indentSeq: false, lineWidth: 0 })).join('---\n');
}

export async function runIsolate(namespace: string, f: IsolateOptions, g: Globals): Promise<void> {
  const reporter = reporterFor(g);
  if (f.undo && g.output === 'yaml') {
    throw usageError('--undo writes no object to print as YAML', 'use -o json for the result, or leave -o out');
  }
  const flagVersion = f.k8sVersion !== undefined ? parseK8sVersion(f.k8sVersion) : undefined;
  const weaveVersion = weaveVersionFlag(f.weaveVersion, g);
  if (g.dryRun === 'client') {
    const { result, objects } = planIsolate(namespace, f, flagVersion, weaveVersion, reporter);
    return printResult(reporter, g.output, {
      json: () => (f.undo ? result : objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects, metadata: { resourceVersion: '' } }),
      yamlText: () => yamlOf(objects),
      name: () => result.changes.map((c) => c.object).join('\n'),
      text: () =>
        result.changes
          .map((c) => {
            const verb = c.action === 'annotated' ? `annotated ${LEGACY_ANNOTATION}` : c.action === 'unannotated' ? `annotation ${LEGACY_ANNOTATION} removed` : c.action;
            return `${c.object} ${verb} (dry run)`;
          })
          .join('\n'),
    });
  }

  const cluster = await openCluster(g, reporter);
  try {
    const { result, written } = await isolateOnCluster(cluster, namespace, f, flagVersion, g, reporter);
    // text: the result lines were printed as the objects were written
    await printResult(reporter, g.output, {
      json: () => result,
      yamlText: () => yamlOf(written.map(printable)),
      name: () => written.map((o) => resourceName({ apiVersion: String(o.apiVersion), kind: String(o.kind), name: o.metadata.name })).join('\n'),
    });
  } finally {
    cluster.close();
  }
}
