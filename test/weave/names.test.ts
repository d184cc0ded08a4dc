import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { UPSTREAM_DIR } from '../fixtures/upstream.js';
import * as names from '../../src/weave/names.js';

type Doc = { kind?: string; metadata?: { name?: string; namespace?: string; labels?: Record<string, string> }; spec?: any };
const docs = (file: string): Doc[] =>
  parseAllDocuments(readFileSync(join(UPSTREAM_DIR, file), 'utf8')).flatMap((d) => {
    const j = d.toJSON() as Doc & { items?: Doc[] };
    return j?.kind === 'List' ? (j.items ?? []) : j ? [j] : [];
  });

describe('src/weave/names.ts holds the names of the upstream manifests', () => {
  it('Weave Net 2.8.1 (prog/weave-kube/weave-daemonset-k8s-1.11.yaml): DaemonSet, namespace, pod label, containers, status port', () => {
    const ds = docs('net-2.8.1-k8s-1.11.yaml').find((d) => d.kind === 'DaemonSet')!;
    expect(ds.metadata).toMatchObject({ name: names.NET_DAEMONSET, namespace: names.WEAVE_NAMESPACE });
    const [key, value] = names.NET_POD_SELECTOR.split('=');
    expect(ds.spec.template.metadata.labels[key!]).toBe(value);
    const pod = ds.spec.template.spec;
    expect(pod.containers.map((c: { name: string }) => c.name)).toEqual([names.WEAVE_CONTAINER, names.NPC_CONTAINER]);
    expect(pod.initContainers.map((c: { name: string }) => c.name)).toEqual([names.INIT_CONTAINER]);
    expect(pod.containers[0].readinessProbe.httpGet.port).toBe(names.NET_STATUS_PORT);
  });
  it('Weave Scope 1.13.2 (examples/k8s): namespace, app Deployment/Service, agents, account, label, containers, port', () => {
    const all = docs('scope-1.13.2-k8s-examples.yaml');
    const find = (kind: string, name: string) => all.find((d) => d.kind === kind && d.metadata?.name === name);
    const app = find('Deployment', names.SCOPE_APP)!;
    expect(app.metadata?.namespace).toBe(names.SCOPE_NAMESPACE);
    expect(app.spec.template.spec.containers[0].name).toBe(names.SCOPE_APP_CONTAINER);
    expect(app.spec.template.spec.containers[0].ports[0].containerPort).toBe(names.SCOPE_APP_PORT);
    expect(find('Service', names.SCOPE_SERVICE)?.spec.ports[0].targetPort).toBe(names.SCOPE_APP_PORT);
    expect(find('DaemonSet', names.SCOPE_AGENT_DAEMONSET)?.spec.template.spec.containers[0].name).toBe(names.SCOPE_AGENT_CONTAINER);
    expect(find('Deployment', names.SCOPE_CLUSTER_AGENT_DEPLOYMENT)?.spec.template.spec.containers[0].name).toBe(names.SCOPE_CLUSTER_AGENT_CONTAINER);
    expect(find('ServiceAccount', names.SCOPE_ACCOUNT)?.metadata?.namespace).toBe(names.SCOPE_NAMESPACE);
    for (const d of all.filter((x) => ['Deployment', 'DaemonSet', 'Service'].includes(x.kind ?? ''))) expect(d.metadata?.labels?.app, `${d.kind} ${d.metadata?.name}`).toBe(names.SCOPE_APP_LABEL);
  });
});
