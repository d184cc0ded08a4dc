/**
 * The objects `weavectl connectivity test` deploys, in its own namespace. Pure.
 *
 *   weavectl-echo    DaemonSet: a pod on every node answering HTTP on 8080 (socat)
 *   weavectl-client  DaemonSet: a pod on every node to run the probes from
 *   weavectl-host    DaemonSet: a host-network pod on every node (host → pod)
 *   weavectl-echo    Service: port 80 to the echo pods' 8080
 * and, for --include policy, a policy isolating the echo pods and one admitting the clients (as
 * networking.k8s.io/v1, or for weave-npc's legacy semantics an extensions/v1beta1 policy plus the
 * namespace's DefaultDeny annotation).
 *
 * Every pod tolerates every taint (the test covers every node Weave Net runs on) and runs the probe
 * image, nicolaka/netshoot, from the --image-registry mirror when one is given.
 */
import type { KubeObject } from '../cluster/types.js';
import { ECHO_PORT, SERVICE_PORT } from './evaluate.js';

export const DEFAULT_TEST_NAMESPACE = 'weavectl-test';
export const PROBE_IMAGE = 'nicolaka/netshoot:v0.13';
export const ECHO = 'weavectl-echo';
export const CLIENT = 'weavectl-client';
export const HOST = 'weavectl-host';
export const ISOLATE_POLICY = 'weavectl-isolate-echo';
export const ALLOW_POLICY = 'weavectl-allow-client';
/** The container the probes run in (client and host pods). */
export const CLIENT_CONTAINER = 'client';
export const PART_OF = { 'app.kubernetes.io/part-of': 'weavectl-connectivity-test', 'app.kubernetes.io/managed-by': 'weavectl' };
/** kube 1.6: the pre-1.7 isolation annotation weave-npc's legacy mode reads. */
export const LEGACY_ISOLATION_ANNOTATION = 'net.beta.kubernetes.io/network-policy';

export function probeImage(registry: string | undefined): string {
  return registry ? `${registry}/${PROBE_IMAGE}` : PROBE_IMAGE;
}

export interface WorkloadOptions {
  namespace: string;
  image: string;
  /** The DaemonSet API the cluster serves: apps/v1, apps/v1beta2 or extensions/v1beta1 (1.6, 1.7). */
  daemonSetApiVersion: string;
}

export function namespaceObject(ns: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { ...PART_OF } } };
}

function daemonSet(o: WorkloadOptions, name: string, pod: { container: string; command: string[]; ports?: { containerPort: number; name: string }[]; hostNetwork?: boolean }): KubeObject {
  const labels = { app: name, ...PART_OF };
  return {
    apiVersion: o.daemonSetApiVersion,
    kind: 'DaemonSet',
    metadata: { name, namespace: o.namespace, labels },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels },
        spec: {
          ...(pod.hostNetwork ? { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } : {}),
          terminationGracePeriodSeconds: 1,
          tolerations: [{ operator: 'Exists' }],
          containers: [
            {
              name: pod.container,
              image: o.image,
              command: pod.command,
              ...(pod.ports ? { ports: pod.ports } : {}),
            },
          ],
        },
      },
    },
  };
}

/** The three DaemonSets and the Service. */
export function probeWorkloads(o: WorkloadOptions): KubeObject[] {
  const sleep = ['sleep', '2147483647'];
  return [
    daemonSet(o, ECHO, {
      container: 'echo',
      command: ['socat', `TCP-LISTEN:${ECHO_PORT},fork,reuseaddr`, 'SYSTEM:echo HTTP/1.0 200 OK; echo; echo weavectl'],
      ports: [{ containerPort: ECHO_PORT, name: 'http' }],
    }),
    daemonSet(o, CLIENT, { container: CLIENT_CONTAINER, command: sleep }),
    daemonSet(o, HOST, { container: CLIENT_CONTAINER, command: sleep, hostNetwork: true }),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: ECHO, namespace: o.namespace, labels: { app: ECHO, ...PART_OF } },
      spec: { selector: { app: ECHO }, ports: [{ name: 'http', port: SERVICE_PORT, targetPort: ECHO_PORT, protocol: 'TCP' }] },
    },
  ];
}

/**
 * The isolating step of the policy test: v1 semantics, a policy selecting the echo pods with no
 * ingress rule; legacy semantics, the namespace's DefaultDeny annotation (policies only allow there).
 */
export function isolateObjects(ns: string, legacy: boolean): KubeObject[] {
  if (legacy) {
    return [
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns, labels: { ...PART_OF }, annotations: { [LEGACY_ISOLATION_ANNOTATION]: JSON.stringify({ ingress: { isolation: 'DefaultDeny' } }) } },
      },
    ];
  }
  return [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: ISOLATE_POLICY, namespace: ns, labels: { ...PART_OF } },
      spec: { podSelector: { matchLabels: { app: ECHO } }, policyTypes: ['Ingress'] },
    },
  ];
}

/** The admitting step: a rule letting the client pods reach the echo pods' port. */
export function allowObject(ns: string, legacy: boolean): KubeObject {
  return {
    apiVersion: legacy ? 'extensions/v1beta1' : 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: ALLOW_POLICY, namespace: ns, labels: { ...PART_OF } },
    spec: {
      podSelector: { matchLabels: { app: ECHO } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: CLIENT } } }], ports: [{ protocol: 'TCP', port: ECHO_PORT }] }],
    },
  };
}

/** The DaemonSet API to use: the newest one served. */
export function daemonSetApi(serves: { appsV1: boolean; appsV1beta2: boolean }): string {
  return serves.appsV1 ? 'apps/v1' : serves.appsV1beta2 ? 'apps/v1beta2' : 'extensions/v1beta1';
}
