/**
 * Is the installed Weave Net managed by something that re-applies its own manifest? kops installs
 * Weave Net as an addon (label `k8s-addon: networking.weave`) and its channels tool re-applies it;
 * the Kubernetes addon manager reconciles objects labelled `addonmanager.kubernetes.io/mode:
 * Reconcile` back to its copy. Either undoes what weavectl changes. Pure.
 */
import type { KubeObject } from '../cluster/types.js';

export interface Manager {
  /** "kops", "the addon manager" */
  who: string;
  /** How it was seen: "label k8s-addon=networking.weave", "field manager kops". */
  evidence: string[];
  /** true when it will put its own manifest back (Reconcile / kops), false when it only recreates deleted objects (EnsureExists). */
  reconciles: boolean;
}

const ADDON_MODE = 'addonmanager.kubernetes.io/mode';
const KOPS_ADDON = 'k8s-addon';

/** Field manager names of tools that re-apply addons. */
const MANAGER_NAMES: readonly { re: RegExp; who: string }[] = [
  { re: /kops/i, who: 'kops' },
  { re: /addon-manager/i, who: 'the addon manager' },
];

export function managedBy(obj: KubeObject): Manager | undefined {
  const labels = obj.metadata.labels ?? {};
  const annotations = obj.metadata.annotations ?? {};
  const kops: string[] = [];
  const addon: string[] = [];
  let reconciles = false;

  for (const [where, map] of [
    ['label', labels],
    ['annotation', annotations],
  ] as const) {
    const k = map[KOPS_ADDON];
    if (k !== undefined && /weave/i.test(k)) kops.push(`${where} ${KOPS_ADDON}=${k}`);
    const mode = map[ADDON_MODE];
    if (mode !== undefined) {
      addon.push(`${where} ${ADDON_MODE}=${mode}`);
      if (mode === 'Reconcile') reconciles = true;
    }
  }
  for (const f of Array.isArray(obj.metadata.managedFields) ? (obj.metadata.managedFields as { manager?: unknown }[]) : []) {
    const name = typeof f?.manager === 'string' ? f.manager : '';
    for (const m of MANAGER_NAMES) {
      if (!m.re.test(name)) continue;
      const line = `field manager ${name}`;
      const list = m.who === 'kops' ? kops : addon;
      if (!list.includes(line)) list.push(line);
      if (m.who !== 'kops') reconciles = true;
    }
  }
  if (kops.length > 0) return { who: 'kops', evidence: [...kops, ...addon], reconciles: true };
  if (addon.length > 0) return { who: 'the addon manager', evidence: addon, reconciles };
  return undefined;
}
