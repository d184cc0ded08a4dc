/**
 * Server-side printing (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), what `kubectl get` shows: the
 * columns of the real printers for the kinds weavectl deals with, NAME/AGE for the rest.
 */

import type { Target } from './apiserver.js';
import type { Core } from './core.js';
import { isPlainObject } from './patch.js';
import type { Obj } from './types.js';

export function wantsTable(accept: string): boolean {
  return /as=Table/.test(accept);
}

/** duration.HumanDuration */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${Math.floor(days / 365)}y` : `${Math.floor(days / 365)}y${days % 365}d`;
  return `${Math.floor(days / 365)}y`;
}

function age(o: Obj): string {
  const t = Date.parse(String(o['metadata']?.['creationTimestamp'] ?? ''));
  return Number.isFinite(t) ? humanDuration(Date.now() - t) : '<unknown>';
}

interface Column {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  cell: (o: Obj) => unknown;
}

const col = (name: string, type: string, cell: (o: Obj) => unknown, priority = 0, format = ''): Column => ({ name, type, format, priority, cell });
const NAME = col('Name', 'string', (o) => o['metadata']['name'], 0, 'name');
const AGE = col('Age', 'string', age);

function labelSelectorString(sel: unknown): string {
  if (!isPlainObject(sel)) return '<none>';
  const parts: string[] = [];
  for (const [k, v] of Object.entries((sel['matchLabels'] ?? {}) as Record<string, string>)) parts.push(`${k}=${v}`);
  for (const e of (sel['matchExpressions'] ?? []) as Obj[]) {
    const op = String(e['operator']);
    const vals = ((e['values'] ?? []) as string[]).join(',');
    if (op === 'In') parts.push(`${e['key']} in (${vals})`);
    else if (op === 'NotIn') parts.push(`${e['key']} notin (${vals})`);
    else if (op === 'Exists') parts.push(String(e['key']));
    else if (op === 'DoesNotExist') parts.push(`!${e['key']}`);
  }
  return parts.length ? parts.join(',') : '<none>';
}

function mapString(m: unknown): string {
  if (!isPlainObject(m) || Object.keys(m).length === 0) return '<none>';
  return Object.entries(m)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
}

function containers(o: Obj): Obj[] {
  return (o['spec']?.['template']?.['spec']?.['containers'] ?? []) as Obj[];
}

/** The STATUS column of `kubectl get pods` (printPod). */
export function podStatusReason(pod: Obj): string {
  const st = (pod['status'] ?? {}) as Obj;
  let reason = String(st['reason'] ?? st['phase'] ?? 'Unknown');
  let initializing = false;
  const inits = (st['initContainerStatuses'] ?? []) as Obj[];
  const initTotal = ((pod['spec']?.['initContainers'] ?? []) as unknown[]).length;
  for (let i = 0; i < inits.length; i++) {
    const c = inits[i]!;
    const term = c['state']?.['terminated'];
    const wait = c['state']?.['waiting'];
    if (term && term['exitCode'] === 0) continue;
    if (term) reason = term['reason'] ? `Init:${term['reason']}` : `Init:ExitCode:${term['exitCode']}`;
    else if (wait?.['reason'] && wait['reason'] !== 'PodInitializing') reason = `Init:${wait['reason']}`;
    else reason = `Init:${i}/${initTotal}`;
    initializing = true;
    break;
  }
  if (!initializing) {
    let hasRunning = false;
    const cs = (st['containerStatuses'] ?? []) as Obj[];
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = cs[i]!;
      const wait = c['state']?.['waiting'];
      const term = c['state']?.['terminated'];
      if (wait?.['reason']) reason = String(wait['reason']);
      else if (term?.['reason']) reason = String(term['reason']);
      else if (term) reason = term['signal'] ? `Signal:${term['signal']}` : `ExitCode:${term['exitCode']}`;
      else if (c['ready'] && c['state']?.['running']) hasRunning = true;
    }
    if (reason === 'Completed' && hasRunning) reason = 'Running';
  }
  if (pod['metadata']?.['deletionTimestamp']) reason = st['reason'] === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

function podColumns(minor: number): Column[] {
  return [
    NAME,
    col('Ready', 'string', (p) => {
      const cs = (p['status']?.['containerStatuses'] ?? []) as Obj[];
      const total = ((p['spec']?.['containers'] ?? []) as unknown[]).length;
      return `${cs.filter((c) => c['ready']).length}/${total}`;
    }),
    col('Status', 'string', podStatusReason),
    col('Restarts', 'string', (p) => {
      const cs = (p['status']?.['containerStatuses'] ?? []) as Obj[];
      const n = cs.reduce((s, c) => s + Number(c['restartCount'] ?? 0), 0);
      let last = 0;
      for (const c of cs) {
        const f = Date.parse(String(c['lastState']?.['terminated']?.['finishedAt'] ?? ''));
        if (Number.isFinite(f) && f > last) last = f;
      }
      return minor >= 24 && n > 0 && last ? `${n} (${humanDuration(Date.now() - last)} ago)` : String(n);
    }),
    AGE,
    col('IP', 'string', (p) => p['status']?.['podIP'] ?? '<none>', 1),
    col('Node', 'string', (p) => p['spec']?.['nodeName'] ?? '<none>', 1),
    col('Nominated Node', 'string', (p) => p['status']?.['nominatedNodeName'] ?? '<none>', 1),
    col('Readiness Gates', 'string', (p) => (Array.isArray(p['spec']?.['readinessGates']) ? `${p['spec']['readinessGates'].length}` : '<none>'), 1),
  ];
}

const COLUMNS: Record<string, (minor: number) => Column[]> = {
  Pod: podColumns,
  DaemonSet: () => [
    NAME,
    col('Desired', 'integer', (o) => o['status']?.['desiredNumberScheduled'] ?? 0),
    col('Current', 'integer', (o) => o['status']?.['currentNumberScheduled'] ?? 0),
    col('Ready', 'integer', (o) => o['status']?.['numberReady'] ?? 0),
    col('Up-to-date', 'integer', (o) => o['status']?.['updatedNumberScheduled'] ?? 0),
    col('Available', 'integer', (o) => o['status']?.['numberAvailable'] ?? 0),
    col('Node Selector', 'string', (o) => mapString(o['spec']?.['template']?.['spec']?.['nodeSelector'])),
    AGE,
    col('Containers', 'string', (o) => containers(o).map((c) => c['name']).join(','), 1),
    col('Images', 'string', (o) => containers(o).map((c) => c['image']).join(','), 1),
    col('Selector', 'string', (o) => labelSelectorString(o['spec']?.['selector']), 1),
  ],
  Deployment: () => [
    NAME,
    col('Ready', 'string', (o) => `${o['status']?.['readyReplicas'] ?? 0}/${o['spec']?.['replicas'] ?? 0}`),
    col('Up-to-date', 'integer', (o) => o['status']?.['updatedReplicas'] ?? 0),
    col('Available', 'integer', (o) => o['status']?.['availableReplicas'] ?? 0),
    AGE,
    col('Containers', 'string', (o) => containers(o).map((c) => c['name']).join(','), 1),
    col('Images', 'string', (o) => containers(o).map((c) => c['image']).join(','), 1),
    col('Selector', 'string', (o) => labelSelectorString(o['spec']?.['selector']), 1),
  ],
  ReplicaSet: () => [
    NAME,
    col('Desired', 'integer', (o) => o['spec']?.['replicas'] ?? 0),
    col('Current', 'integer', (o) => o['status']?.['replicas'] ?? 0),
    col('Ready', 'integer', (o) => o['status']?.['readyReplicas'] ?? 0),
    AGE,
    col('Containers', 'string', (o) => containers(o).map((c) => c['name']).join(','), 1),
    col('Images', 'string', (o) => containers(o).map((c) => c['image']).join(','), 1),
    col('Selector', 'string', (o) => labelSelectorString(o['spec']?.['selector']), 1),
  ],
  Node: () => [
    NAME,
    col('Status', 'string', (n) => {
      const ready = ((n['status']?.['conditions'] ?? []) as Obj[]).find((c) => c['type'] === 'Ready');
      const parts = [ready?.['status'] === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown'];
      if (n['spec']?.['unschedulable']) parts.push('SchedulingDisabled');
      return parts.join(',');
    }),
    col('Roles', 'string', (n) => {
      const roles = Object.keys((n['metadata']?.['labels'] ?? {}) as Obj)
        .filter((k) => k.startsWith('node-role.kubernetes.io/'))
        .map((k) => k.slice('node-role.kubernetes.io/'.length));
      return roles.length ? roles.sort().join(',') : '<none>';
    }),
    AGE,
    col('Version', 'string', (n) => n['status']?.['nodeInfo']?.['kubeletVersion'] ?? ''),
    col('Internal-IP', 'string', (n) => ((n['status']?.['addresses'] ?? []) as Obj[]).find((a) => a['type'] === 'InternalIP')?.['address'] ?? '<none>', 1),
    col('External-IP', 'string', (n) => ((n['status']?.['addresses'] ?? []) as Obj[]).find((a) => a['type'] === 'ExternalIP')?.['address'] ?? '<none>', 1),
    col('OS-Image', 'string', (n) => n['status']?.['nodeInfo']?.['osImage'] ?? '<unknown>', 1),
    col('Kernel-Version', 'string', (n) => n['status']?.['nodeInfo']?.['kernelVersion'] ?? '<unknown>', 1),
    col('Container-Runtime', 'string', (n) => n['status']?.['nodeInfo']?.['containerRuntimeVersion'] ?? '<unknown>', 1),
  ],
  Namespace: () => [NAME, col('Status', 'string', (o) => o['status']?.['phase'] ?? ''), AGE],
  Service: () => [
    NAME,
    col('Type', 'string', (o) => o['spec']?.['type'] ?? 'ClusterIP'),
    col('Cluster-IP', 'string', (o) => o['spec']?.['clusterIP'] ?? '<none>'),
    col('External-IP', 'string', (o) => {
      const ing = (o['status']?.['loadBalancer']?.['ingress'] ?? []) as Obj[];
      if (ing.length) return ing.map((i) => i['ip'] ?? i['hostname']).join(',');
      const ext = (o['spec']?.['externalIPs'] ?? []) as string[];
      if (ext.length) return ext.join(',');
      return o['spec']?.['type'] === 'LoadBalancer' ? '<pending>' : '<none>';
    }),
    col('Port(s)', 'string', (o) => {
      const ps = (o['spec']?.['ports'] ?? []) as Obj[];
      return ps.length ? ps.map((p) => `${p['port']}${p['nodePort'] ? `:${p['nodePort']}` : ''}/${p['protocol'] ?? 'TCP'}`).join(',') : '<none>';
    }),
    AGE,
    col('Selector', 'string', (o) => mapString(o['spec']?.['selector']), 1),
  ],
  ConfigMap: () => [NAME, col('Data', 'integer', (o) => Object.keys(o['data'] ?? {}).length + Object.keys(o['binaryData'] ?? {}).length), AGE],
  Secret: () => [NAME, col('Type', 'string', (o) => o['type'] ?? 'Opaque'), col('Data', 'integer', (o) => Object.keys(o['data'] ?? {}).length), AGE],
  ServiceAccount: (minor) => (minor >= 24 ? [NAME, AGE] : [NAME, col('Secrets', 'string', (o) => ((o['secrets'] ?? []) as unknown[]).length), AGE]),
  ControllerRevision: () => [
    NAME,
    col('Controller', 'string', (o) => {
      const r = ((o['metadata']?.['ownerReferences'] ?? []) as Obj[]).find((x) => x['controller']);
      return r ? `${String(r['kind']).toLowerCase()}.${String(r['apiVersion']).split('/')[0]}/${r['name']}` : '<none>';
    }),
    col('Revision', 'integer', (o) => o['revision'] ?? 0),
    AGE,
  ],
  NetworkPolicy: () => [NAME, col('Pod-Selector', 'string', (o) => labelSelectorString(o['spec']?.['podSelector']).replace('<none>', '<none>')), AGE],
  ClusterRoleBinding: () => [NAME, col('Role', 'string', (o) => `${o['roleRef']?.['kind']}/${o['roleRef']?.['name']}`), AGE],
  RoleBinding: () => [NAME, col('Role', 'string', (o) => `${o['roleRef']?.['kind']}/${o['roleRef']?.['name']}`), AGE],
  ClusterRole: () => [NAME, col('Created At', 'string', (o) => o['metadata']['creationTimestamp'], 0, 'date')],
  Role: () => [NAME, col('Created At', 'string', (o) => o['metadata']['creationTimestamp'], 0, 'date')],
  Event: () => [
    col('Last Seen', 'string', (e) => {
      const t = Date.parse(String(e['lastTimestamp'] ?? e['eventTime'] ?? ''));
      return Number.isFinite(t) ? humanDuration(Date.now() - t) : '<unknown>';
    }),
    col('Type', 'string', (e) => e['type'] ?? ''),
    col('Reason', 'string', (e) => e['reason'] ?? ''),
    col('Object', 'string', (e) => `${String(e['involvedObject']?.['kind'] ?? '').toLowerCase()}/${e['involvedObject']?.['name'] ?? ''}`),
    col('Message', 'string', (e) => e['message'] ?? ''),
  ],
};

export function toTable(t: Target, items: Obj[], c: Core, includeObject: string | null): Obj {
  const cols = (COLUMNS[t.res.kind] ?? (() => [NAME, AGE]))(c.surface.k8s.minor);
  const rows = items.map((o) => {
    const row: Obj = { cells: cols.map((cl) => cl.cell(o)) };
    if (includeObject === 'Object') row['object'] = { kind: t.res.kind, apiVersion: t.gv, ...o };
    else if (includeObject !== 'None') {
      const md = { ...o['metadata'] };
      delete md['managedFields'];
      row['object'] = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: md };
    }
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: String(c.store.resourceVersion) },
    columnDefinitions: cols.map((cl) => ({ name: cl.name, type: cl.type, format: cl.format ?? '', description: cl.name === 'Name' ? 'Name must be unique within a namespace.' : cl.name, priority: cl.priority ?? 0 })),
    rows,
  };
}
