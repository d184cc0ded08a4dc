/**
 * `weavectl versions [--k8s-version V]`: which Weave Net releases weavectl embeds for a Kubernetes
 * version, which it fetches from GitHub release assets, and which cannot run there and why (the
 * release table, src/weave/releases.ts). Without --k8s-version, the cluster's version.
 */
import type { Command } from 'commander';
import { parseK8sVersion, type K8sVersion } from '../manifest/k8s-version.js';
import { printResult } from '../output/print.js';
import { globalsOf, reporterFor, type Globals } from './global.js';

interface VersionsFlags {
  k8sVersion?: string;
}

export function registerVersions(program: Command): void {
  program
    .command('versions')
    .description('List the Weave Net releases for a Kubernetes version: embedded, fetched from GitHub, or unable to run there (and why)')
    .option('--k8s-version <version>', "the Kubernetes version (default: the cluster's)")
    .addHelpText(
      'after',
      `
Examples:
  # What runs on the cluster of the current context
  weavectl versions

  # What runs on Kubernetes 1.7.5, for a script
  weavectl versions --k8s-version 1.7.5 -o json

Embedded releases install offline (weavectl install --weave-version V); the others come from the
release assets on GitHub (--source github --weave-version V, with --weave-repo reweave for reweave
2.8.2-2.9.x). A release "cannot run" when it has no manifest for that Kubernetes version or its manifest
uses an API the version no longer serves; a release whose weave-npc watches an API the version does not
serve installs, but enforces no NetworkPolicy (e.g. 2.4+ before Kubernetes 1.7).`,
    )
    .action(async (opts: VersionsFlags, command: Command) => {
      await runVersions(opts, globalsOf(command));
    });
}

async function runVersions(f: VersionsFlags, g: Globals): Promise<void> {
  const reporter = reporterFor(g);
  let k8s: K8sVersion;
  if (f.k8sVersion !== undefined) k8s = parseK8sVersion(f.k8sVersion);
  else {
    const [{ openCluster }, { versionFromServer }] = await Promise.all([import('./cluster-session.js'), import('../manifest/k8s-version.js')]);
    const cluster = await openCluster(g, reporter);
    try {
      k8s = versionFromServer(await cluster.version());
    } finally {
      cluster.close();
    }
    reporter.info(`The cluster runs Kubernetes ${k8s.text}`);
  }
  const { versionsReport, renderVersions } = await import('../weave/versions.js');
  const report = versionsReport(k8s);
  await printResult(reporter, g.output, { json: () => report, text: () => renderVersions(report) });
}
