/**
 * Flags that choose where a manifest comes from, shared by `install` and `scope`,
 * and the one function that turns them into a loaded, validated Manifest.
 */
import { Option, type Command } from 'commander';
import { usageError } from '../errors.js';
import type { Manifest } from '../manifest/manifest.js';
import type { SourceSpec } from '../manifest/sources/index.js';
import type { Reporter } from '../output/reporter.js';

export interface SourceFlags {
  source: string;
  cloudUrl?: string;
  githubRepo?: string;
  insecureHttp?: boolean;
  sha256?: string;
  allowAnyImage?: boolean;
}

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

/** What every source but the embedded one needs; the caller has resolved flavour and version. */
export async function fetchManifest(
  flags: SourceFlags,
  spec: Omit<SourceSpec, 'source' | 'cloudUrl' | 'githubRepo' | 'insecureHttp' | 'sha256'>,
  reporter: Reporter,
): Promise<Manifest> {
  if (flags.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(flags.sha256)) {
    throw usageError(`invalid --sha256 "${flags.sha256}": expected 64 hexadecimal digits`);
  }
  // Loaded on demand: undici and the fetch code are not needed to render the embedded manifests.
  const { loadManifest } = await import('../manifest/sources/index.js');
  return loadManifest(
    {
      ...spec,
      source: flags.source,
      cloudUrl: flags.cloudUrl,
      githubRepo: flags.githubRepo,
      insecureHttp: flags.insecureHttp,
      sha256: flags.sha256?.toLowerCase(),
      stdin: process.stdin,
    },
    (msg) => reporter.info(msg),
  );
}

/** The flags a source other than "embedded" makes meaningless or needed. */
export function checkSourceFlags(flags: SourceFlags): void {
  if (flags.source === 'embedded' && flags.sha256 !== undefined) {
    throw usageError('--sha256 applies to fetched manifests; the embedded ones are pinned already', 'use it with --source cloud|github|FILE|URL');
  }
}
