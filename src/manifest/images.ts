/**
 * Container image references: parsing, registry rewriting (air-gapped mirrors) and the
 * list of repositories weavectl trusts by default. Pure.
 */

export interface ImageRef {
  /** Registry host, '' for Docker Hub written without one ("weaveworks/weave-kube"). */
  registry: string;
  /** Repository path without the registry: "weaveworks/weave-kube". */
  repository: string;
  tag?: string;
  digest?: string;
}

/** A registry is the first path part when it has a dot, a colon or is "localhost" (Docker's rule). */
export function parseImage(image: string): ImageRef {
  let rest = image.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let registry = '';
  const slash = rest.indexOf('/');
  if (slash > 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first;
      rest = rest.slice(slash + 1);
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { registry, repository: rest, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

export function formatImage(ref: ImageRef): string {
  return `${ref.registry ? `${ref.registry}/` : ''}${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** Docker Hub's canonical repository: "weave-kube" -> "library/weave-kube"; registry aliases folded. */
export function canonicalRepository(ref: ImageRef): string {
  const hub = ref.registry === '' || ref.registry === 'docker.io' || ref.registry === 'index.docker.io' || ref.registry === 'registry-1.docker.io';
  const repo = hub && !ref.repository.includes('/') ? `library/${ref.repository}` : ref.repository;
  return hub ? `docker.io/${repo}` : `${ref.registry}/${repo}`;
}

/**
 * Moves an image to a private registry mirror, keeping its repository path and tag:
 * ("weaveworks/weave-kube:2.8.1", "registry.corp:5000/mirror") -> "registry.corp:5000/mirror/weaveworks/weave-kube:2.8.1".
 */
export function rewriteRegistry(image: string, registry: string): string {
  const ref = parseImage(image);
  const prefix = registry.replace(/\/+$/, '');
  return formatImage({ ...ref, registry: '', repository: `${prefix}/${ref.repository}` });
}

/** Repositories of Weave Net, Weave Scope and the reweave fork, as published upstream. */
export const KNOWN_WEAVE_REPOSITORIES: readonly string[] = [
  'docker.io/weaveworks/weave-kube',
  'docker.io/weaveworks/weave-npc',
  'docker.io/weaveworks/weaveexec',
  'docker.io/weaveworks/scope',
  'docker.io/rajchaudhuri/weave-kube',
  'docker.io/rajchaudhuri/weave-npc',
  'ghcr.io/weaveworks/launcher/weave-kube',
  'ghcr.io/weaveworks/launcher/weave-npc',
  'ghcr.io/weaveworks/launcher/scope',
];

/** True when the image belongs to a known Weave repository (optionally under a mirror prefix the user chose). */
export function isKnownWeaveImage(image: string, mirror?: string): boolean {
  let ref = parseImage(image);
  if (mirror) {
    const prefix = mirror.replace(/\/+$/, '') + '/';
    const text = formatImage({ ...ref, tag: undefined, digest: undefined });
    if (text.startsWith(prefix)) ref = parseImage(text.slice(prefix.length));
  }
  return KNOWN_WEAVE_REPOSITORIES.includes(canonicalRepository(ref));
}
