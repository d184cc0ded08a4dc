/**
 * The cloud URL API of the retired cloud.weave.works Launch Generator, also served by the community
 * "reweave" endpoint: URL building, reading the Kubernetes version out of `k8s-version`, the
 * "returning config for vX.Y" fact from the redirect, and the messages for its failures. Pure.
 */
import { failure, WeavectlError } from '../../errors.js';
import type { FetchError, RedirectHop } from './http.js';

export const DEFAULT_CLOUD_URL = 'https://cloud.weave.works';
/** Stopped answering between 2022-09-26 and 2022-10-03 (weaveworks/weave#3960); the domain is unmaintained. */
export const RETIRED_CLOUD_HOST = 'cloud.weave.works';
export const REWEAVE_HOST = 'reweave.azurewebsites.net';

export type Product = 'net' | 'scope';

const ALTERNATIVES = 'use --source github to download the release files from GitHub, or omit --source to use the manifests embedded in weavectl';

/**
 * `{base}/k8s/net?k8s-version=RAW[&v=VERSION]` or `{base}/k8s/scope.yaml?k8s-version=RAW[&v=VERSION]`.
 * RAW is sent as given (a plain "1.29" / "v1.29.3" or the base64 of `kubectl version`), only URL-encoded.
 * The version parameter is `v` for cloud.weave.works (as its docs used it). Other endpoints get
 * `version`, which the cloud service accepted too and which is the only spelling reweave understands.
 */
export function cloudManifestUrl(base: string, product: Product, k8sVersionRaw: string, weaveVersion?: string): string {
  const root = base.replace(/\/+$/, '');
  const path = product === 'net' ? '/k8s/net' : '/k8s/scope.yaml';
  let url = `${root}${path}?k8s-version=${encodeURIComponent(isReweaveHost(root) ? asKubectlVersionBase64(k8sVersionRaw) : k8sVersionRaw)}`;
  if (weaveVersion) {
    const param = isRetiredCloudHost(root) ? 'v' : 'version';
    url += `&${param}=${encodeURIComponent(weaveVersion.replace(/^v/, ''))}`;
  }
  return url;
}

/**
 * The base64 of `kubectl version` output, the form the docs told users to send. cloud.weave.works also
 * took a plain "1.29"; reweave's endpoint reads only the GitVersion inside the base64 text (the first
 * one, the client's), so for it a plain version is wrapped as the text kubectl prints, with the same
 * version for client and server. Anything else is passed as is.
 */
export function asKubectlVersionBase64(raw: string): string {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?$/.exec(raw.trim());
  if (!m) return raw;
  const [, major, minor, patch = '0'] = m;
  const info = `version.Info{Major:"${major}", Minor:"${minor}", GitVersion:"v${major}.${minor}.${patch}"}`;
  return Buffer.from(`Client Version: ${info}\nServer Version: ${info}\n`).toString('base64');
}

/** True for an address on cloud.weave.works, the host that has been dead since 2022. */
export function isRetiredCloudHost(url: string): boolean {
  try {
    return new URL(url).hostname.toLowerCase().replace(/\.$/, '') === RETIRED_CLOUD_HOST;
  } catch {
    return false;
  }
}

function isReweaveHost(url: string): boolean {
  try {
    return new URL(url).hostname.toLowerCase() === REWEAVE_HOST;
  } catch {
    return false;
  }
}

/**
 * The fact the cloud service stated with its 301 ("returning config for Kubernetes version v1.16 and above"),
 * read from the redirect target `/k8s/vX.Y/net.yaml`. undefined when there was no such redirect (reweave answers directly).
 */
export function cloudRedirectNote(redirects: readonly RedirectHop[]): string | undefined {
  for (const hop of redirects) {
    let path: string;
    try {
      path = new URL(hop.to).pathname;
    } catch {
      continue;
    }
    const m = /\/k8s\/(v\d+\.\d+)\/(net|scope)(?:\.yaml)?$/.exec(path);
    if (m) return `${new URL(hop.from).host}: returning config for Kubernetes version ${m[1]} and above (redirected to ${hop.to})`;
  }
  return undefined;
}

export interface K8sVersion {
  major: number;
  minor: number;
  /** As written: "v1.29.3", "1.14". */
  text: string;
}

/**
 * The Kubernetes version in a `k8s-version` value: a plain "1.14" / "v1.10.0", or the base64 of the
 * `kubectl version` output (old `version.Info{... GitVersion:"v1.10.0"}`, new "Server Version: v1.29.1",
 * or `-o json`). The server's version wins over the client's. undefined when none can be found.
 */
export function k8sVersionOf(raw: string): K8sVersion | undefined {
  const plain = /^v?(\d+)\.(\d+)(?:[.+-][0-9A-Za-z.+-]*)?$/.exec(raw.trim());
  if (plain) return { major: Number(plain[1]), minor: Number(plain[2]), text: raw.trim() };
  let decoded: string;
  try {
    decoded = Buffer.from(raw.trim().replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
  } catch {
    return undefined;
  }
  if (!/version/i.test(decoded)) return undefined;
  const server = /server\s*version/i.exec(decoded);
  const parts = server ? [decoded.slice(server.index), decoded] : [decoded];
  for (const part of parts) {
    const m = /gitVersion"?\s*:\s*"(v?(\d+)\.(\d+)[^"]*)"/i.exec(part) ?? /version:\s*(v(\d+)\.(\d+)\S*)/i.exec(part);
    if (m) return { major: Number(m[2]), minor: Number(m[3]), text: m[1]! };
  }
  return undefined;
}

/** "Kubernetes v1.7.2" or `k8s-version=<the value, shortened>`. */
function describeK8s(raw: string): string {
  const v = k8sVersionOf(raw);
  if (v) return `Kubernetes ${v.text}`;
  return `k8s-version=${raw.length > 24 ? `${raw.slice(0, 21)}...` : raw}`;
}

/**
 * Turns a download failure from a cloud-style endpoint into the message a user can act on:
 * - cloud.weave.works not answering: it has been down since 2022 (weaveworks/weave#3960), use github/embedded;
 * - any other failure there: the same alternatives as the hint;
 * - a 404 from reweave (it serves Kubernetes 1.8+ only) or another endpoint: no manifest for that version;
 * - a 400: the endpoint did not accept the k8s-version value.
 */
export function cloudFailure(err: FetchError, ctx: { base: string; product: Product; k8sVersionRaw: string }): WeavectlError {
  const base = ctx.base.replace(/\/+$/, '');
  if (isRetiredCloudHost(base) || isRetiredCloudHost(err.url)) {
    if (noAnswer(err)) {
      return failure(
        `${RETIRED_CLOUD_HOST} did not answer (${err.detail}): it has been down since 2022 (weaveworks/weave#3960)`,
        ALTERNATIVES,
        err,
      );
    }
    return failure(err.message, `${RETIRED_CLOUD_HOST} has been down since 2022 (weaveworks/weave#3960) and its domain is not maintained; ${ALTERNATIVES}`, err);
  }
  if (err.reason === 'status' && err.status === 404) {
    const what = ctx.product === 'net' ? 'Weave Net' : 'Weave Scope';
    if (isReweaveHost(base)) {
      const v = k8sVersionOf(ctx.k8sVersionRaw);
      const why =
        ctx.product === 'scope'
          ? 'reweave serves Weave Net only'
          : v && v.major === 1 && v.minor < 8
            ? 'reweave serves Kubernetes 1.8 and later only'
            : v && /^v?\d/.test(ctx.k8sVersionRaw.trim())
              ? 'reweave reads k8s-version only as the base64 of `kubectl version` output'
              : 'reweave serves Kubernetes 1.8 and later only';
      return failure(`${REWEAVE_HOST} has no ${what} manifest for ${describeK8s(ctx.k8sVersionRaw)} (HTTP 404): ${why}`, ALTERNATIVES, err);
    }
    return failure(`${base} has no ${what} manifest for ${describeK8s(ctx.k8sVersionRaw)} (${err.detail})`, ALTERNATIVES, err);
  }
  if (err.reason === 'status' && err.status === 400) {
    return failure(`${base} did not accept ${describeK8s(ctx.k8sVersionRaw)} (${err.detail})`, 'the endpoint expects a Kubernetes version such as 1.29 or v1.29.3, or the base64 of `kubectl version` output', err);
  }
  return err;
}

function noAnswer(err: FetchError): boolean {
  return ['dns', 'refused', 'unreachable', 'connect-timeout', 'timeout', 'tls', 'reset'].includes(err.reason);
}

/** The hint added to a content error (HTML page, YAML error) from the retired host. */
export function retiredHostContentHint(url: string): string | undefined {
  return isRetiredCloudHost(url)
    ? `${RETIRED_CLOUD_HOST} has been down since 2022 (weaveworks/weave#3960) and its domain is not maintained; ${ALTERNATIVES}`
    : undefined;
}
