/**
 * Flags that choose where a manifest comes from, shared by `install` and `scope`, and their
 * typed options (loading the manifest they name is src/deploy/source.ts).
 */
import { Option, type Command } from 'commander';
import type { SourceOptions } from '../deploy/source.js';
import { optBool, optString, type OptionValues } from './option-values.js';

export function addSourceOptions(cmd: Command): Command {
  return cmd
    .option(
      '--source <source>',
      'where the manifest comes from: embedded (offline, pinned), cloud (the cloud.weave.works URL API or --cloud-url), github (release assets), a file path, - for stdin, or an https URL',
      'embedded',
    )
    .addOption(new Option('--cloud-url <url>', 'base URL of a cloud.weave.works-compatible endpoint, e.g. https://reweave.azurewebsites.net').env('WEAVECTL_CLOUD_URL'))
    .option('--github-repo <owner/name>', 'GitHub repository whose release assets --source github downloads')
    .option('--insecure-http', 'allow plain http:// for a non-loopback host')
    .option('--sha256 <hex>', 'refuse a fetched manifest whose sha256 differs')
    .option('--allow-any-image', 'accept fetched manifests whose images are not from a known Weave repository');
}

/** The source flags as typed options. */
export function sourceOptionsOf(o: OptionValues): SourceOptions {
  return {
    source: optString(o, 'source') ?? 'embedded',
    ...defined('cloudUrl', optString(o, 'cloudUrl')),
    ...defined('githubRepo', optString(o, 'githubRepo')),
    ...defined('insecureHttp', optBool(o, 'insecureHttp')),
    ...defined('sha256', optString(o, 'sha256')),
    ...defined('allowAnyImage', optBool(o, 'allowAnyImage')),
  };
}

function defined<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
