/**
 * GitHub release assets: the replacement for cloud.weave.works since 2022. Pure.
 *   Net:   {githubUrl}/{repo}/releases/download/v{version}/weave-daemonset[-k8s-{flavour}].yaml
 *   Scope: {githubUrl}/{repo}/releases/download/v{version}/k8s-scope.yaml
 * (GitHub answers with a 302 to its object storage on another https host; fetchText follows it.)
 */
import { failure, usageError, type WeavectlError } from '../../errors.js';
import type { FetchError } from './http.js';

export const DEFAULT_GITHUB_URL = 'https://github.com';
export const DEFAULT_NET_REPO = 'weaveworks/weave';
export const DEFAULT_SCOPE_REPO = 'weaveworks/scope';
/** The last Scope release, the one with a k8s-scope.yaml asset. */
export const DEFAULT_SCOPE_VERSION = '1.13.2';
export const SCOPE_ASSET = 'k8s-scope.yaml';

/** Manifest flavours of Weave Net, named after the oldest Kubernetes they support. */
export const NET_FLAVOURS = ['1.5', '1.6', '1.7', '1.8', '1.9', '1.11'] as const;
export type NetFlavour = (typeof NET_FLAVOURS)[number];

/** `weave-daemonset.yaml` for 1.5 (the pre-RBAC file), else `weave-daemonset-k8s-{flavour}.yaml`. */
export function netAssetName(flavour: string): string {
  if (!(NET_FLAVOURS as readonly string[]).includes(flavour)) {
    throw usageError(`unknown Weave Net manifest flavour "${flavour}"`, `known flavours: ${NET_FLAVOURS.join(', ')}`);
  }
  return flavour === '1.5' ? 'weave-daemonset.yaml' : `weave-daemonset-k8s-${flavour}.yaml`;
}

export interface GithubAsset {
  url: string;
  repo: string;
  /** Without the leading v. */
  version: string;
  asset: string;
  /** The release page, for hints. */
  releasePage: string;
}

export function githubAsset(opts: {
  product: 'net' | 'scope';
  githubUrl?: string;
  githubRepo?: string;
  weaveVersion?: string;
  flavour?: string;
}): GithubAsset {
  const base = (opts.githubUrl ?? DEFAULT_GITHUB_URL).replace(/\/+$/, '');
  const repo = opts.githubRepo ?? (opts.product === 'net' ? DEFAULT_NET_REPO : DEFAULT_SCOPE_REPO);
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo) || repo.includes('..')) {
    throw usageError(`invalid GitHub repository "${repo}"`, 'give it as OWNER/NAME, e.g. weaveworks/weave');
  }
  let version: string;
  let asset: string;
  if (opts.product === 'net') {
    if (!opts.weaveVersion) throw usageError('--source github needs a Weave Net version to download', 'pass --weave-version, e.g. 2.8.1');
    if (!opts.flavour) throw usageError('--source github needs the manifest flavour for the Kubernetes version');
    version = opts.weaveVersion;
    asset = netAssetName(opts.flavour);
  } else {
    version = opts.weaveVersion ?? DEFAULT_SCOPE_VERSION;
    asset = SCOPE_ASSET;
  }
  version = version.replace(/^v/, '');
  if (!/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(version)) {
    throw usageError(`invalid version "${version}" for a GitHub release`, 'use a release number such as 2.8.1');
  }
  return {
    url: `${base}/${repo}/releases/download/v${version}/${asset}`,
    repo,
    version,
    asset,
    releasePage: `${base}/${repo}/releases/tag/v${version}`,
  };
}

/** A 404 from a release download means the release or that file does not exist: say which. */
export function githubFailure(err: FetchError, asset: GithubAsset): WeavectlError {
  if (err.reason === 'status' && err.status === 404) {
    return failure(
      `${asset.repo} release v${asset.version} has no file ${asset.asset} (HTTP 404 for ${asset.url})`,
      `check the version and the files the release offers at ${asset.releasePage}`,
      err,
    );
  }
  return err;
}
