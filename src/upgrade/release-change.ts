/**
 * What an upgrade changes by changing the Weave Net release: the release itself (upgrade, downgrade,
 * another repository) and each behaviour the two release lines do differently when nothing is set
 * (src/weave/releases.ts): the CONN_LIMIT default, what NO_MASQ_LOCAL means, the iptables backend,
 * weave-npc's semantics. Each line says what to set to keep today's behaviour. Pure.
 */
import type { NetSettings } from '../manifest/net-settings.js';
import {
  compareWeave,
  describeNoMasqLocal,
  noMasqLocalEnv,
  noMasqLocalOn,
  releaseLine,
  WEAVE_REPOS,
  type ReleaseLine,
  type WeaveRepo,
} from '../weave/releases.js';

export interface ReleaseRef {
  repo: WeaveRepo;
  version: string;
}

export interface ReleaseChange {
  kind: 'upgrade' | 'downgrade' | 'same' | 'repository' | 'unknown';
  /** "Weave Net release: weaveworks 2.6.0 -> weaveworks 2.7.0 (upgrade)" */
  summary: string;
  /** One line per behaviour that changes, with what keeps today's. */
  behaviour: string[];
}

function label(r: ReleaseRef): string {
  return `${r.repo} ${r.version}`;
}

/**
 * `live`: the running release and its settings as read (NO_MASQ_LOCAL's raw value when one is set);
 * `to`: the release of the manifest about to be applied; `settings`: the merged settings it is rendered with.
 */
export function releaseChange(
  from: ReleaseRef | undefined,
  to: ReleaseRef | undefined,
  settings: NetSettings,
  live: { noMasqLocalRaw?: string } = {},
): ReleaseChange {
  if (!from || !to) {
    return {
      kind: 'unknown',
      summary: `Weave Net release: ${from ? label(from) : 'unknown (no version tag on the running image)'} -> ${to ? label(to) : 'unknown'}`,
      behaviour: [],
    };
  }
  const cmp = compareWeave(to.version, from.version);
  const kind: ReleaseChange['kind'] = cmp === 0 && from.repo === to.repo ? 'same' : cmp > 0 ? 'upgrade' : cmp < 0 ? 'downgrade' : 'repository';
  const how = kind === 'same' ? 'unchanged' : kind === 'repository' ? `from ${WEAVE_REPOS[from.repo].github} to ${WEAVE_REPOS[to.repo].github}` : kind;
  const summary = `Weave Net release: ${label(from)} -> ${label(to)} (${how}${kind !== 'repository' && from.repo !== to.repo ? `, from ${WEAVE_REPOS[from.repo].github} to ${WEAVE_REPOS[to.repo].github}` : ''})`;
  const a = releaseLine(from.version, from.repo);
  const b = releaseLine(to.version, to.repo);
  if (!a || !b || a === b) return { kind, summary, behaviour: [] };
  return { kind, summary, behaviour: behaviourChanges(a, b, from, to, settings, live) };
}

function behaviourChanges(a: ReleaseLine, b: ReleaseLine, from: ReleaseRef, to: ReleaseRef, s: NetSettings, live: { noMasqLocalRaw?: string }): string[] {
  const out: string[] = [];
  const env = s.env ?? {};
  const A = `${from.version}`;
  const B = `${to.version}`;

  // CONN_LIMIT: launch.sh `CONN_LIMIT=${CONN_LIMIT:-N}`.
  if (s.connLimit === undefined && env.CONN_LIMIT === undefined && a.connLimitDefault !== b.connLimitDefault) {
    out.push(`CONN_LIMIT is not set: its default goes from ${a.connLimitDefault} (${A}) to ${b.connLimitDefault} (${B}); --conn-limit ${a.connLimitDefault} keeps today's`);
  }

  // NO_MASQ_LOCAL: what its value (or its absence) means.
  if (a.noMasqLocal !== b.noMasqLocal) {
    if (s.noMasqLocal === undefined && env.NO_MASQ_LOCAL === undefined) {
      const was = noMasqLocalOn(a, undefined);
      const will = noMasqLocalOn(b, undefined);
      if (was !== will) {
        out.push(
          `NO_MASQ_LOCAL is not set: no-masq-local goes from ${was ? 'on' : 'off'} (${A}: ${describeNoMasqLocal(a.noMasqLocal)}) to ${will ? 'on' : 'off'} (${B}: ${describeNoMasqLocal(b.noMasqLocal)}); ${was ? '--no-masq-local' : '--no-masq-local=false'} keeps it ${was ? 'on' : 'off'}`,
        );
      }
    } else if (s.noMasqLocal !== undefined) {
      const written = noMasqLocalEnv(b, s.noMasqLocal);
      if (live.noMasqLocalRaw !== undefined && written !== live.noMasqLocalRaw) {
        out.push(
          `NO_MASQ_LOCAL is carried by meaning: "${live.noMasqLocalRaw}" means ${s.noMasqLocal ? 'on' : 'off'} for ${A} (${describeNoMasqLocal(a.noMasqLocal)}), so ${B} gets ${written === undefined ? 'no NO_MASQ_LOCAL' : `"${written}"`} (${describeNoMasqLocal(b.noMasqLocal)})`,
        );
      }
    }
  }

  // The iptables backend.
  if (a.iptablesBackend !== b.iptablesBackend && env.IPTABLES_BACKEND === undefined) {
    if (b.iptablesBackend === 'nft-default') {
      out.push(
        `iptables backend: ${B} images default to iptables-nft (rajch v2.9.0 CHANGELOG.md); its weave container still detects legacy hosts, but weave-npc's launch.sh only ever switches to nft, so weave-npc writes its rules with iptables-nft even where weave uses legacy (both prog/*/launch.sh at rajch v2.9.0); on legacy-iptables hosts (CentOS 7) stay on reweave 2.8.10 (--weave-repo reweave --weave-version 2.8.10)`,
      );
    } else if (a.iptablesBackend === 'nft-default') {
      out.push(`iptables backend: ${B} images default to legacy iptables and detect nft hosts (${A} defaulted to iptables-nft); --env IPTABLES_BACKEND=nft keeps nft`);
    } else if (a.iptablesBackend === 'legacy' && b.iptablesBackend === 'detect') {
      out.push(`iptables backend: ${B} reads IPTABLES_BACKEND and otherwise detects it (nft only when the host has fewer than 10 legacy rules and more nft than legacy ones; ${A} always used legacy); --env IPTABLES_BACKEND=legacy keeps legacy`);
    } else if (a.iptablesBackend === 'detect' && b.iptablesBackend === 'legacy') {
      out.push(`iptables backend: ${B} always uses legacy iptables and ignores IPTABLES_BACKEND (${A} detected nft hosts)`);
    }
  }

  // weave-npc's semantics.
  if (a.npc !== b.npc) {
    if (a.npc === 'legacy') {
      out.push(
        `weave-npc semantics: ${A} isolates namespaces only by the DefaultDeny annotation (extensions/v1beta1); ${B} ${b.npc === 'v1' ? 'watches only networking.k8s.io/v1 and ignores the annotation' : 'uses networking.k8s.io/v1 semantics unless run with --use-legacy-netpol'}: namespaces isolated by the annotation are open after the upgrade; isolate them again with weavectl policy isolate NAMESPACE`,
      );
    } else if (b.npc === 'legacy') {
      out.push(`weave-npc semantics: ${B} knows only the DefaultDeny annotation (extensions/v1beta1): default-deny NetworkPolicies stop isolating; weavectl policy isolate NAMESPACE writes the annotation`);
    } else if (a.npc === 'v1-or-legacy-flag' && b.npc === 'v1') {
      out.push(`weave-npc semantics: ${B} has no --use-legacy-netpol (removed in 2.4.0, commit 07d31a85); a weave-npc given the flag does not start`);
    }
  }

  if (b.archived && !a.archived) out.push(`${B} is a weaveworks release: the repository is archived and its images get no fixes (reweave 2.8.2+ is maintained)`);
  return out;
}
