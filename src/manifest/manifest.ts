/**
 * The parsed manifest: one yaml Document per Kubernetes object, comments kept, so
 * patches can edit structurally and the output still reads like the upstream file.
 * Pure: no I/O.
 */
import { Document, isMap, isScalar, isSeq, parseAllDocuments, stringify, type YAMLMap } from 'yaml';
import { failure } from '../errors.js';

export interface Manifest {
  /** One document per object; a `kind: List` is flattened into its items. */
  readonly docs: Document[];
  /** Where the text came from, for messages ("embedded net 2.7.0 k8s-1.7", a URL, a path). */
  readonly origin: string;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/**
 * How many alias resolutions a document may need (yaml's maxAliasCount, weighted by the size of what
 * each alias stands for). Kubernetes manifests rarely use anchors at all; a "billion laughs"
 * document (aliases of aliases) needs millions and would exhaust memory wherever it is expanded.
 */
export const MAX_ALIAS_COUNT = 100;

function refuseAliasBomb(doc: Document, origin: string): void {
  try {
    doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (/alias/i.test((err as Error).message ?? '')) {
      throw failure(
        `${origin}: a document expands its YAML aliases too often (more than ${MAX_ALIAS_COUNT}): refused as a resource-exhaustion ("billion laughs") document`,
        'use a manifest without anchors and aliases (*name), as Weave publishes them',
      );
    }
    throw err;
  }
}

/** Parses multi-document YAML (or JSON) text into a Manifest. Throws a one-line error naming the line. */
export function parseManifest(text: string, origin: string): Manifest {
  const head = text.slice(0, 512).trimStart().toLowerCase();
  if (head.startsWith('<!doctype') || head.startsWith('<html') || head.startsWith('<?xml')) {
    throw failure(`${origin}: got an HTML/XML page instead of a YAML manifest`, 'the address probably points at a web page, not at the raw file');
  }
  const parsed = parseAllDocuments(text, { prettyErrors: true });
  // an alias is written `*name`: a text without "*" has none, and costs nothing more
  const mayHoldAliases = text.includes('*');
  const list = Array.isArray(parsed) ? parsed : [parsed];
  const docs: Document[] = [];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) {
      const line = err.linePos?.[0]?.line;
      const first = err.message.split('\n')[0];
      throw failure(`${origin}: YAML syntax error${line ? ` at line ${line}` : ''}: ${first}`);
    }
    if (mayHoldAliases) refuseAliasBomb(doc as unknown as Document, origin);
    // A comment-only or empty document (a trailing `---`, as helm and kustomize print).
    if (doc.contents == null || (isScalar(doc.contents) && doc.contents.value == null)) continue;
    if (!isMap(doc.contents)) {
      throw failure(`${origin}: a document is not a Kubernetes object (expected a mapping with apiVersion and kind)`);
    }
    const kind = doc.get('kind');
    if (kind === 'List' || (typeof kind === 'string' && kind.endsWith('List') && isSeq(doc.get('items')))) {
      const items = doc.get('items');
      if (!isSeq(items)) throw failure(`${origin}: a List without items`);
      for (const item of items.items) {
        if (!isMap(item)) throw failure(`${origin}: a List item is not a Kubernetes object`);
        const d = new Document();
        d.contents = item as YAMLMap;
        docs.push(d);
      }
      continue;
    }
    docs.push(doc as unknown as Document);
  }
  for (const d of docs) {
    const ref = refOf(d);
    if (!ref.apiVersion || !ref.kind) {
      throw failure(`${origin}: an object has no apiVersion or kind${ref.name ? ` (name ${ref.name})` : ''}`);
    }
  }
  return { docs, origin };
}

export function refOf(doc: Document): ObjectRef {
  const str = (v: unknown) => (typeof v === 'string' ? v : v == null ? '' : String(v));
  const ns = doc.getIn(['metadata', 'namespace']);
  return {
    apiVersion: str(doc.get('apiVersion')),
    kind: str(doc.get('kind')),
    name: str(doc.getIn(['metadata', 'name'])),
    ...(ns == null ? {} : { namespace: str(ns) }),
  };
}

/** "DaemonSet kube-system/weave-net" */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

export function findDoc(m: Manifest, kind: string, name?: string): Document | undefined {
  return m.docs.find((d) => {
    const r = refOf(d);
    return r.kind === kind && (name === undefined || r.name === name);
  });
}

/** Plain JS objects, for JSON output and for the cluster layer. */
export function toObjects(m: Manifest): Record<string, unknown>[] {
  return m.docs.map((d) => d.toJS({ maxAliasCount: 100 }) as Record<string, unknown>);
}

/** Multi-document YAML; comments of the source are kept. */
export function renderYaml(m: Manifest): string {
  return m.docs
    .map((d) => {
      const text = d.toString({ lineWidth: 0, flowCollectionPadding: false });
      return text.startsWith('---') ? text.replace(/^---\n?/, '') : text;
    })
    .join('---\n');
}

/** A v1 List, as `kubectl get -o json` prints several objects. */
export function renderJson(m: Manifest): string {
  return JSON.stringify(manifestList(m), null, 2) + '\n';
}

/** The manifest's objects as a v1 List. */
export function manifestList(m: Manifest): { apiVersion: 'v1'; kind: 'List'; items: unknown[]; metadata: { resourceVersion: string } } {
  return { apiVersion: 'v1', kind: 'List', items: toObjects(m), metadata: { resourceVersion: '' } };
}

/** A copy whose documents can be patched without touching the original. */
export function cloneManifest(m: Manifest): Manifest {
  return { origin: m.origin, docs: m.docs.map((d) => d.clone()) };
}

export { stringify };
