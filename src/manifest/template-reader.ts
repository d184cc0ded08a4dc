/**
 * Where the embedded templates are read from: files under the package root (the default), or, in
 * the single executable, its assets (set by src/sea-entry.ts). A reader takes a package-relative
 * path ("templates/net/weaveworks/2.8.1/weave-daemonset-k8s-1.11.yaml",
 * "dist/templates/....yaml.json") and returns the text, or throws when there is no such asset.
 */
export type TemplateReader = (path: string) => string;

let reader: TemplateReader | undefined;

export function setTemplateReader(r: TemplateReader): void {
  reader = r;
}

export function templateReader(): TemplateReader | undefined {
  return reader;
}
