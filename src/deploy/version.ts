/**
 * The Kubernetes version a manifest is rendered for and what the cluster serves of it, shared by the
 * flows that write manifests (install, scope, policy, uninstall): --dry-run=server's version floor,
 * the version to render for, and the check that every kind of a manifest is served.
 */
import type { ClusterSession, KubeObject } from '../cluster/types.js';
import { failure } from '../errors.js';
import { parseK8sVersion, versionFromServer, formatMinor, type K8sVersion } from '../manifest/k8s-version.js';
import type { Reporter } from '../output/reporter.js';

/**
 * --dry-run=server needs Kubernetes 1.13 (server-side dry-run went beta, on by default, in 1.13; 1.12
 * had it alpha behind a feature gate). An older server does not know dryRun=All and would apply for
 * real, so the command fails here, once, before anything is sent.
 */
export async function requireServerDryRun(cluster: Pick<ClusterSession, 'version'>): Promise<void> {
  const v = await cluster.version();
  const minor = Number.parseInt(v.minor, 10);
  if (v.major === '1' && Number.isFinite(minor) && minor < 13) {
    throw failure(
      `server-side dry-run needs Kubernetes 1.13 or newer; the cluster runs ${v.gitVersion}`,
      'use --dry-run=client (an older server would ignore dryRun and change the cluster, so nothing was sent)',
    );
  }
}

export interface ResolvedVersion {
  k8s: K8sVersion;
  /** What the cloud API gets as k8s-version: the flag as typed, else the server's gitVersion. */
  raw: string;
  server: K8sVersion;
}

/**
 * The Kubernetes version to render for: the server's, unless --k8s-version says otherwise
 * (then a different minor is a warning: the manifest may not fit).
 */
export async function resolveVersion(cluster: ClusterSession, flag: string | undefined, reporter: Reporter): Promise<ResolvedVersion> {
  const sv = await cluster.version();
  const server = versionFromServer(sv);
  if (flag === undefined) {
    reporter.debug(`Cluster ${cluster.server} runs Kubernetes ${sv.gitVersion}`);
    return { k8s: server, raw: sv.gitVersion, server };
  }
  const k8s = parseK8sVersion(flag);
  if (k8s.major !== server.major || k8s.minor !== server.minor) {
    reporter.warn(`--k8s-version ${formatMinor(k8s)} differs from the cluster's Kubernetes ${sv.gitVersion}: the manifest may not fit it`);
  }
  return { k8s, raw: flag, server };
}

/** Fails before anything is sent when the cluster does not serve a kind of the manifest. */
export async function checkServed(cluster: ClusterSession, objects: KubeObject[], fits: string): Promise<void> {
  const pairs = new Map<string, { apiVersion: string; kind: string }>();
  for (const o of objects) pairs.set(`${o.apiVersion}/${o.kind}`, { apiVersion: String(o.apiVersion), kind: String(o.kind) });
  const served = await Promise.all([...pairs.values()].map(async (p) => ({ ...p, ok: await cluster.serves(p.apiVersion, p.kind) })));
  const missing = served.filter((p) => !p.ok).map((p) => `${p.kind} ${p.apiVersion}`);
  if (missing.length > 0) {
    const v = await cluster.version();
    throw failure(`the cluster (Kubernetes ${v.gitVersion}) does not serve ${missing.join(', ')}; nothing was applied`, fits);
  }
}
