/**
 * A Kubernetes API server simulator for tests: plain HTTP on 127.0.0.1, faithful enough for kubectl and
 * @kubernetes/client-node. See test/sim/README.md for what it does and does not do.
 *
 *   const sim = await startSimulator({ k8sVersion: '1.29.2', nodes: 3 });
 *   // KUBECONFIG=sim.kubeconfigPath ...
 *   await sim.stop();
 */

import { PortForwards } from './portforward.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiSurface, parseK8sVersion, R, type K8sVersion, type ResourceDef } from './apis.js';
import { ApiServer, present, type Target } from './apiserver.js';
import { EventRecorder, type Core } from './core.js';
import { Faults } from './faults.js';
import { Kubelet } from './kubelet.js';
import { Loop } from './loop.js';
import { NodeControl } from './nodes.js';
import { clone } from './patch.js';
import { Front } from './server.js';
import { Rng, Store } from './store.js';
import { ExecHandlers, PodLogs, type Obj } from './types.js';
import { Controllers } from './workloads.js';
import { trackRing } from './weave-ring.js';

export { ExecHandlers, PodLogs } from './types.js';
export type { ExecHandler, ExecReply, Obj } from './types.js';
export type { AccessAttributes, AccessRule, PodFault, PodMatch, RequestFault, WatchCut } from './faults.js';
export type { Faults } from './faults.js';
export type { NodeControl, Taint, AddNodeOptions } from './nodes.js';
export type { Store, StoreEvent } from './store.js';
export { SIM_USER, FORBIDDEN_USER } from './server.js';

export interface SimOptions {
  /** default '1.29.2'; '1.7.5' etc. (1.6 to 1.35) */
  k8sVersion?: string;
  /** default 3 */
  nodes?: number;
  /** default k8s-vm1..N */
  nodeNames?: string[];
  /** when set, a bearer token is required (401 without or with another one) */
  token?: string;
  /** a token that authenticates as "sim-forbidden", who may do nothing (403) */
  forbiddenToken?: string;
  /**
   * controller step delay, default 20 ms; one step is one simulated second (minReadySeconds, deadlines). While the
   * controllers are idle the clock follows the wall clock at this rate; a large value stops it (drive it with runSteps).
   */
  stepDelayMs?: number;
  /** latency added to every request, ms */
  latencyMs?: number;
  /** seed of the pseudo random names and uids (default 1) */
  seed?: number;
  /** how many write events watches can resume from (default 20000); older resourceVersions get 410 */
  eventWindow?: number;
  /** interval of BOOKMARK events for allowWatchBookmarks watches, ms (default 1000) */
  bookmarkIntervalMs?: number;
  /** record Events (kind Event) like the real components do (default true) */
  events?: boolean;
}

export interface WaitOptions {
  timeoutMs?: number;
  /** what the error says when the time runs out */
  message?: string;
}

export interface Simulator {
  /** http://127.0.0.1:PORT */
  url: string;
  /** kubeconfig with cluster, user and context "sim" (in a fresh temp dir, removed by stop()) */
  kubeconfigPath: string;
  k8sVersion: K8sVersion;
  store: Store;
  faults: Faults;
  nodes: NodeControl;
  /** program what `exec` answers */
  execHandlers: ExecHandlers;
  /** container logs */
  podLogs: PodLogs;
  /** pods/portforward: what listens in the pods (the stand-in Scope app, scope-app.ts; tests add theirs) */
  portForwards: PortForwards;
  /** the API semantics (create/update/patch/delete) without HTTP */
  api: ApiServer;
  surface: ApiSurface;
  /** the current resourceVersion */
  readonly resourceVersion: number;
  /** the simulated time in steps: steps the controllers have run, plus one per `stepDelayMs` while they were idle */
  readonly step: number;
  /** errors thrown inside controllers (a test can assert it stays empty) */
  readonly controllerErrors: readonly Error[];
  /** An object as stored (apiVersion of the request's choosing); undefined when absent. */
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Obj | undefined;
  /** Objects of a kind (all namespaces unless given). */
  list(apiVersion: string, kind: string, namespace?: string): Obj[];
  /** Creates or replaces an object as a client would (validation, defaults, managedFields under "sim"). */
  put(obj: Obj): Obj;
  /** Deletes an object (background propagation); false when it did not exist. */
  delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean;
  /** Resolves with the predicate's first truthy value, re-checked on every write and every 5 ms. */
  waitFor<T>(predicate: () => T | undefined | null | false, opts?: WaitOptions): Promise<T>;
  /** Runs controller steps right now (instead of waiting for the timer). */
  runSteps(n?: number): void;
  /** Drops the watch event log: every watch from an older resourceVersion gets 410 Expired. */
  compact(): void;
  /** Jumps the resourceVersion counter ahead. */
  bumpResourceVersion(to: number): void;
  stop(): Promise<void>;
}

function kubeconfig(url: string, token?: string): string {
  const user = token ? `\n    token: ${token}` : ' {}';
  return `apiVersion: v1
kind: Config
clusters:
- name: sim
  cluster:
    server: ${url}
    insecure-skip-tls-verify: true
users:
- name: sim
  user:${user}
contexts:
- name: sim
  context:
    cluster: sim
    user: sim
    namespace: default
current-context: sim
preferences: {}
`;
}

export async function startSimulator(opts: SimOptions = {}): Promise<Simulator> {
  const k8s = parseK8sVersion(opts.k8sVersion ?? '1.29.2');
  const surface = new ApiSurface(k8s);
  const rng = new Rng(opts.seed ?? 1);
  const store = new Store(rng, opts.eventWindow ?? 20000);
  const stepDelayMs = opts.stepDelayMs ?? 20;
  const loop = new Loop(stepDelayMs);
  const faults = new Faults(store);
  const podLogs = new PodLogs();
  const execHandlers = new ExecHandlers();
  const serviceNetwork = k8s.minor < 10 ? '10.0.0' : '10.96.0';
  const api = new ApiServer({ store, surface, rng, serviceNetwork, bindingsNeedRoles: () => faults.bindingsNeedRoles });
  // eslint-disable-next-line prefer-const
  let core: Core;
  const events = new EventRecorder(() => core);
  events.enabled = opts.events ?? true;
  core = { store, api, surface, loop, faults, rng, podLogs, events, stepDelayMs };

  const kubelet = new Kubelet(core);
  const controllers = new Controllers(core, kubelet);
  const nodes = new NodeControl(core);

  // ---- bootstrap: namespaces, default service accounts, the kubernetes service, nodes
  const ns = (name: string) => api.create({ gv: 'v1', group: '', res: R.namespaces }, { metadata: { name } }, { manager: 'kube-apiserver' });
  for (const n of ['default', 'kube-system', 'kube-public', ...(k8s.minor >= 14 ? ['kube-node-lease'] : [])]) {
    ns(n);
    // what the service account controller would do a step later, done now so a new simulator starts quiescent
    api.internalCreate('serviceaccounts', 'ServiceAccount', 'v1', { metadata: { name: 'default', namespace: n } }, 'kube-controller-manager');
  }
  api.reserveServiceIp(1);
  api.create(
    { gv: 'v1', group: '', res: R.services, namespace: 'default' },
    {
      metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { clusterIP: `${serviceNetwork}.1`, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: k8s.minor < 10 ? 443 : 6443 }], sessionAffinity: 'None', type: 'ClusterIP' },
    },
    { manager: 'kube-apiserver' },
  );
  const names = opts.nodeNames ?? Array.from({ length: opts.nodes ?? 3 }, (_, i) => `k8s-vm${i + 1}`);
  for (const n of names) nodes.add(n);

  let sim!: Simulator;
  const portForwards = new PortForwards({ store });
  const front = new Front(core, {
    portForwards,
    token: opts.token,
    forbiddenToken: opts.forbiddenToken,
    latencyMs: opts.latencyMs ?? 0,
    bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 1000,
    execSim: () => sim,
  });
  const url = await front.listen();
  const dir = mkdtempSync(join(tmpdir(), 'weavectl-sim-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfig(url, opts.token));

  const resolve = (apiVersion: string, kind: string, namespace: string | undefined, name?: string): Target => {
    const res: ResourceDef | undefined = surface.resourceForKind(apiVersion, kind);
    if (!res) throw new Error(`${apiVersion} ${kind} is not served by this simulated Kubernetes ${k8s.gitVersion}`);
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    const t: Target = { gv: apiVersion, group, res };
    if (res.namespaced) t.namespace = namespace ?? 'default';
    if (name !== undefined) t.name = name;
    return t;
  };

  let stopped = false;
  sim = {
    url,
    kubeconfigPath,
    k8sVersion: k8s,
    store,
    faults,
    nodes,
    execHandlers,
    podLogs,
    portForwards,
    api,
    surface,
    get resourceVersion() {
      return store.resourceVersion;
    },
    get step() {
      return loop.step;
    },
    get controllerErrors() {
      return [...loop.errors, ...store.listenerErrors];
    },
    get(apiVersion, kind, namespace, name) {
      const t = resolve(apiVersion, kind, namespace, name);
      const o = store.get(t.res.store, t.namespace ?? '', name);
      return o ? clone(present(o, apiVersion, kind, 99)) : undefined;
    },
    list(apiVersion, kind, namespace) {
      const t = resolve(apiVersion, kind, namespace);
      return store.list(t.res.store, t.res.namespaced ? namespace : '').map((o) => clone(present(o, apiVersion, kind, 99)));
    },
    put(obj) {
      const md = (obj['metadata'] ?? {}) as Obj;
      const t = resolve(String(obj['apiVersion']), String(obj['kind']), md['namespace'], md['name']);
      const exists = md['name'] !== undefined && store.get(t.res.store, t.namespace ?? '', md['name']);
      const out = exists ? api.update(t, { ...obj, metadata: { ...md, resourceVersion: undefined } }, { manager: 'sim' }) : api.create({ ...t, name: undefined }, obj, { manager: 'sim' });
      return clone(present(out, t.gv, t.res.kind, 99));
    },
    delete(apiVersion, kind, namespace, name) {
      const t = resolve(apiVersion, kind, namespace, name);
      if (!store.get(t.res.store, t.namespace ?? '', name)) return false;
      api.delete(t, { propagationPolicy: 'Background' });
      return true;
    },
    waitFor<T>(predicate: () => T | undefined | null | false, wopts: WaitOptions = {}): Promise<T> {
      const timeoutMs = wopts.timeoutMs ?? 5000;
      return new Promise<T>((resolveP, reject) => {
        let done = false;
        const check = (): boolean => {
          if (done) return true;
          let v: T | undefined | null | false;
          try {
            v = predicate();
          } catch (e) {
            finish();
            reject(e as Error);
            return true;
          }
          if (v) {
            finish();
            resolveP(v);
            return true;
          }
          return false;
        };
        // re-check once per burst of writes, not once per write
        let scheduled = false;
        const unsub = store.subscribe('*', () => {
          if (scheduled) return;
          scheduled = true;
          setImmediate(() => {
            scheduled = false;
            check();
          });
        });
        const iv = setInterval(check, 5);
        const to = setTimeout(() => {
          if (done) return;
          finish();
          reject(new Error(wopts.message ?? `sim.waitFor: condition not met within ${timeoutMs} ms`));
        }, timeoutMs);
        const finish = () => {
          done = true;
          unsub();
          clearInterval(iv);
          clearTimeout(to);
        };
        check();
      });
    },
    runSteps(n = 1) {
      for (let i = 0; i < n; i++) loop.tick();
    },
    compact() {
      store.compact();
    },
    bumpResourceVersion(to) {
      store.bumpResourceVersion(to);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      loop.stop();
      kubelet.stop();
      controllers.stop();
      await portForwards.close();
      await front.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  trackRing(sim);
  return sim;
}
