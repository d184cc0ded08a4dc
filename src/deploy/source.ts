/**
 * Where a manifest comes from (the --source flags as typed options, shared by install and scope),
 * and the one function that turns them into a loaded, validated Manifest.
 */
import { usageError } from '../errors.js';
import type { Manifest } from '../manifest/manifest.js';
import type { SourceSpec } from '../manifest/sources/index.js';
import type { Reporter } from '../output/reporter.js';

export interface SourceOptions {
  source: string;
  cloudUrl?: string;
  githubRepo?: string;
  insecureHttp?: boolean;
  sha256?: string;
  allowAnyImage?: boolean;
}

/** What every source but the embedded one needs; the caller has resolved flavour and version. */
export async function fetchManifest(
  flags: SourceOptions,
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
export function checkSourceFlags(flags: SourceOptions): void {
  if (flags.source === 'embedded' && flags.sha256 !== undefined) {
    throw usageError('--sha256 applies to fetched manifests; the embedded ones are pinned already', 'use it with --source cloud|github|FILE|URL');
  }
}
