/**
 * Kubernetes versions: what `--k8s-version` accepts, what the /version endpoint returns,
 * and how versions compare. Pure: no I/O.
 *
 * Accepted (the cloud.weave.works URL API's `k8s-version` parameter, as weaveworks/weave
 * site/kubernetes/kube-addon.md at v2.8.1 documents it):
 * - a plain version: `1.29`, `1.7.5`, `v1.7.5`, `v1.10.0-gke.1`, `v1.27.3+k3s1`, `v1.27.3-eks-a5565ad`;
 * - `kubectl version` output, as text or as its base64 (`$(kubectl version | base64 | tr -d '\n')`),
 *   in the old form (`Server Version: version.Info{Major:"1", Minor:"7+", GitVersion:"v1.7.5-gke.1", ...}`),
 *   the new form (`Client Version: v1.29.0` / `Kustomize Version: ...` / `Server Version: v1.29.2`),
 *   or `kubectl version -o json`. The server version wins: the cluster is what the manifest is for.
 */
import { failure, usageError } from '../errors.js';

export interface K8sVersion {
  major: number;
  minor: number;
  patch?: number;
  /** Normalised: "v1.7.5", or "v1.29" when no patch was given. Build suffixes (-gke.1, +k3s1) are dropped. */
  text: string;
}

const ACCEPTED = "expected a Kubernetes version such as 1.29, v1.7.5 or v1.10.0-gke.1, or the base64 of 'kubectl version' output";

// MAJOR.MINOR[.PATCH[-pre|+build]]; numbers without leading zeros.
const NUM = '(0|[1-9][0-9]{0,3})';
const PLAIN = new RegExp(`^v?${NUM}\\.${NUM}(?:\\.${NUM}([-+][0-9A-Za-z.+_-]*)?)?$`);

/** Parses what a user gave `--k8s-version` (or the cloud API's `k8s-version`). Throws usageError (exit 2). */
export function parseK8sVersion(input: string): K8sVersion {
  const raw = typeof input === 'string' ? input.trim() : '';
  if (raw === '') throw usageError(`empty Kubernetes version: ${ACCEPTED}`);

  const plain = parsePlain(raw);
  if (plain.ok) return plain.version;
  if (plain.reason) throw usageError(`invalid Kubernetes version ${quote(raw)}: ${plain.reason}`);

  // `kubectl version` text pasted as is.
  if (/Version/.test(raw)) {
    const fromText = parseVersionOutput(raw);
    if (fromText) return fromText;
    throw usageError(`no Kubernetes version found in ${quote(raw)}: ${ACCEPTED}`);
  }

  const decoded = decodeBase64Text(raw);
  if (decoded !== undefined) {
    const fromText = parseVersionOutput(decoded);
    if (fromText) return fromText;
    throw usageError(`the base64 text ${quote(raw)} does not hold 'kubectl version' output: ${ACCEPTED}`);
  }
  throw usageError(`invalid Kubernetes version ${quote(raw)}: ${ACCEPTED}`);
}

/**
 * The version a cluster's /version endpoint reports (`{major: "1", minor: "7+", gitVersion: "v1.7.5-gke.1"}`).
 * gitVersion wins when it is a version; otherwise major/minor ("7+" -> 7). A response that holds neither
 * is a failed operation (exit 1), not a command-line error.
 */
export function versionFromServer(info: { major?: unknown; minor?: unknown; gitVersion?: unknown }): K8sVersion {
  const v = fromInfo(info);
  if (v) return v;
  const shown = JSON.stringify({ major: info?.major, minor: info?.minor, gitVersion: info?.gitVersion });
  throw failure(`the cluster reported a version weavectl cannot read: ${shown.length > 120 ? `${shown.slice(0, 117)}...` : shown}`);
}

/** Negative when a < b, 0 when equal, positive when a > b. A missing patch counts as 0 (v1.29 == v1.29.0). */
export function compareK8s(a: K8sVersion, b: K8sVersion): number {
  return a.major - b.major || a.minor - b.minor || (a.patch ?? 0) - (b.patch ?? 0);
}

/** "1.7" */
export function formatMinor(v: K8sVersion): string {
  return `${v.major}.${v.minor}`;
}

/** Builds a K8sVersion from numbers (tests, tables). */
export function k8s(major: number, minor: number, patch?: number): K8sVersion {
  return { major, minor, ...(patch === undefined ? {} : { patch }), text: `v${major}.${minor}${patch === undefined ? '' : `.${patch}`}` };
}

// ---------------------------------------------------------------------------------------------

type PlainResult = { ok: true; version: K8sVersion } | { ok: false; reason?: string };

/** ok, or not a plain version at all (reason undefined), or a version-looking string we refuse (reason set). */
function parsePlain(s: string): PlainResult {
  const m = PLAIN.exec(s);
  if (!m) {
    // Looks like a version but is not one we accept: say why instead of trying base64.
    if (/^v?[0-9]+(\.[0-9xX*+]*)*$/.test(s)) return { ok: false, reason: ACCEPTED };
    return { ok: false };
  }
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const patch = m[3] === undefined ? undefined : Number(m[3]);
  if (major !== 1) return { ok: false, reason: `Kubernetes has no major version ${major}; ${ACCEPTED}` };
  return { ok: true, version: k8s(major, minor, patch) };
}

function fromGitVersion(s: unknown): K8sVersion | undefined {
  if (typeof s !== 'string') return undefined;
  const r = parsePlain(s.trim());
  return r.ok ? r.version : undefined;
}

function fromInfo(info: { major?: unknown; minor?: unknown; gitVersion?: unknown } | undefined | null): K8sVersion | undefined {
  if (!info || typeof info !== 'object') return undefined;
  const git = fromGitVersion(info.gitVersion);
  if (git) return git;
  const major = typeof info.major === 'string' || typeof info.major === 'number' ? String(info.major).trim() : '';
  const minor = typeof info.minor === 'string' || typeof info.minor === 'number' ? String(info.minor).trim().replace(/\+$/, '') : '';
  if (!/^[0-9]+$/.test(major) || !/^[0-9]+$/.test(minor)) return undefined;
  const r = parsePlain(`${Number(major)}.${Number(minor)}`);
  return r.ok ? r.version : undefined;
}

/** `kubectl version` output (old, new or -o json form): the server's version, else the client's. */
function parseVersionOutput(text: string): K8sVersion | undefined {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const j = JSON.parse(trimmed) as Record<string, unknown>;
      const server = fromInfo(j.serverVersion as Record<string, unknown> | undefined);
      if (server) return server;
      if (j.serverVersion !== undefined) return undefined;
      return fromInfo(j.clientVersion as Record<string, unknown> | undefined) ?? fromInfo(j);
    } catch {
      return undefined;
    }
  }
  const server = versionLine(trimmed, 'Server');
  if (server !== null) return server; // present: use it, or refuse if it is unreadable
  const client = versionLine(trimmed, 'Client');
  return client ?? undefined;
}

/** null: no such line; undefined: a line that holds no readable version. */
function versionLine(text: string, who: 'Server' | 'Client'): K8sVersion | undefined | null {
  const m = new RegExp(`^\\s*${who} Version:\\s*(.*)$`, 'm').exec(text);
  if (!m) return null;
  const rest = (m[1] ?? '').trim();
  const info = /^version\.Info\{(.*)\}\s*$/.exec(rest);
  if (info) {
    const body = info[1] ?? '';
    const field = (name: string) => new RegExp(`(?:^|[\\s,{])${name}:"([^"]*)"`).exec(body)?.[1];
    return fromInfo({ major: field('Major'), minor: field('Minor'), gitVersion: field('GitVersion') });
  }
  return fromGitVersion(rest.split(/\s+/)[0]);
}

/** Decodes base64 (standard or URL-safe alphabet, line breaks allowed) that holds printable UTF-8 text. */
function decodeBase64Text(s: string): string | undefined {
  let b64 = s;
  if (/%[0-9A-Fa-f]{2}/.test(b64)) {
    try {
      b64 = decodeURIComponent(b64); // copied from a URL: %3D for '='
    } catch {
      return undefined;
    }
  }
  b64 = b64.replace(/\s+/g, '');
  if (b64.length < 8 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64)) return undefined;
  const bytes = Buffer.from(b64.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  if (text.trim() === '' || /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) return undefined;
  return text;
}

/** Quoted, single-line and short, for an error message. */
function quote(s: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = s.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return JSON.stringify(flat.length > 40 ? `${flat.slice(0, 37)}...` : flat);
}
