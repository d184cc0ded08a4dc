/**
 * The narrow surface every capability (install, rollout, status, check, policy) uses to
 * talk to a cluster. Only src/cluster/ implements it (over @kubernetes/client-node); the
 * rest of the code, and the pure core, never imports the client library.
 */
import type { Duplex } from 'node:stream';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  managedFields?: unknown[];
  [key: string]: unknown;
}

/** Any Kubernetes object, as plain JSON (never a typed model: those drop unknown fields). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  status?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  [key: string]: unknown;
}

/** What kind of object, and optionally which one. */
export interface ResourceRef {
  apiVersion: string; // "apps/v1", "v1", "extensions/v1beta1"
  kind: string; // "DaemonSet"
  namespace?: string;
  name?: string;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
}

export interface ListPagesOptions extends ListOptions {
  /** Objects per request (`limit`); default 500. Wins over `limit`. */
  pageSize?: number;
}

export type PatchType = 'merge' | 'strategic' | 'json';

export interface PatchOptions {
  /**
   * merge: JSON merge patch (RFC 7386; `null` removes a key, lists are replaced);
   * strategic: Kubernetes strategic merge patch (built-in kinds only: lists merged by key);
   * json: JSON patch (RFC 6902), an array of operations.
   */
  type: PatchType;
  fieldManager?: string;
  dryRun?: boolean;
}

export interface ListResult<T extends KubeObject = KubeObject> {
  items: T[];
  resourceVersion: string;
}

export interface WatchOptions extends ListOptions {
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

/** The Kubernetes Status object that errors and 410 watch events carry. */
export interface KubeStatus {
  kind?: 'Status';
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: unknown;
}

export type WatchEvent<T extends KubeObject = KubeObject> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; object: T }
  | { type: 'ERROR'; object: KubeStatus };

export type ApplyResult = 'created' | 'configured' | 'unchanged';

export interface ApplyOptions {
  fieldManager: string;
  force?: boolean;
  dryRun?: boolean;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface ExecOptions {
  timeoutMs?: number;
  onStdout?: (chunk: Buffer) => void | Promise<void>;
}

export interface ServerVersion {
  major: string;
  minor: string;
  gitVersion: string;
}

export interface Cluster {
  /** GET /version */
  version(): Promise<ServerVersion>;
  /** Discovery: is this apiVersion/kind served? */
  serves(apiVersion: string, kind: string): Promise<boolean>;
  get<T extends KubeObject = KubeObject>(ref: ResourceRef & { name: string }): Promise<T | undefined>;
  /** Every object of a kind (a namespaced kind without ref.namespace: in all namespaces), read in pages of `limit` (default 500). */
  list<T extends KubeObject = KubeObject>(ref: ResourceRef, opts?: ListOptions): Promise<ListResult<T>>;
  /**
   * The same list, handed to `onPage` one page at a time (`limit=pageSize`, following `continue`) and
   * never held as a whole: for reducing big lists (1,000s of pods or nodes) to what the caller keeps.
   * The next page is requested once `onPage` has returned (or its promise resolved). A continue token
   * that expires between pages fails the call (the pages already handed out cannot be taken back).
   */
  listPages<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: ListPagesOptions, onPage: (items: T[]) => void | Promise<void>): Promise<{ resourceVersion: string }>;
  /**
   * Streams watch events until the server ends the stream, the signal aborts, or the
   * connection drops; resolves then (the caller decides whether to resume).
   */
  watch<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: WatchOptions, onEvent: (e: WatchEvent<T>) => void, signal: AbortSignal): Promise<void>;
  /** Server-side apply of one object exactly as given. */
  apply(obj: KubeObject, opts: ApplyOptions): Promise<{ object: KubeObject; result: ApplyResult }>;
  /**
   * POST to the kind's collection and return the server's answer: for virtual resources such as
   * SelfSubjectAccessReview (which have no name), not for the objects weavectl installs (those use apply).
   */
  create(obj: Omit<KubeObject, 'metadata'> & { metadata?: Partial<KubeObject['metadata']> }, opts?: { dryRun?: boolean; fieldManager?: string }): Promise<KubeObject>;
  delete(ref: ResourceRef & { name: string }, opts?: { dryRun?: boolean }): Promise<boolean>;
  /**
   * PATCH one object (404 and every other refusal throw) and return it as stored. For changes that
   * server-side apply cannot express, such as removing an annotation another field manager owns.
   * `body`: an object for merge and strategic, an array of operations for json.
   */
  patch(ref: ResourceRef & { name: string }, body: unknown, opts: PatchOptions): Promise<KubeObject>;
  /**
   * Runs a command in a container. With `onStdout`, stdout is handed over chunk by chunk as it
   * arrives (and the result's stdout is empty); the stream pauses while a returned promise is pending,
   * and `timeoutMs` limits the silence between chunks instead of the whole command.
   */
  exec(pod: { namespace: string; name: string }, container: string, command: string[], opts?: ExecOptions): Promise<ExecResult>;
  /**
   * One TCP connection to a pod's port through the API server (pods/portforward over a WebSocket,
   * port-forward.ts): resolves once connected; write to send, read the pod's answer; it ends when the
   * pod's side closes. One call per connection.
   */
  portForward(pod: { namespace: string; name: string }, port: number, opts?: { timeoutMs?: number }): Promise<Duplex>;
  /**
   * `previous`: the last terminated run (what `kubectl logs --previous` shows; why a crash-looping container died).
   * `sinceSeconds`, `limitBytes`: as `kubectl logs --since`, `--limit-bytes`.
   */
  logs(pod: { namespace: string; name: string }, container: string, opts?: { tailLines?: number; previous?: boolean; sinceSeconds?: number; limitBytes?: number }): Promise<string>;
  /** The group/versions that serve a kind (for error messages; reads all of discovery). */
  servedVersionsOf(kind: string): Promise<string[]>;
  /** Starts reading the state before of objects about to be applied (apply answers created/configured/unchanged from it); a hint. */
  prepareApply(objects: readonly KubeObject[]): void;
}

/**
 * A cluster as the flows get it from the command (src/commands/cluster-session.ts opens one): the
 * Cluster, where it is, and the hints that let the first reads travel together. KubeCluster
 * (src/cluster/kube-cluster.ts) is one; the in-memory cluster of the tests (test/fakes/memory-cluster.ts) another.
 */
export interface ClusterSession extends Cluster {
  /** API server URL. */
  readonly server: string;
  /** --namespace, else the context's, else "default". */
  readonly defaultNamespace: string;
  /** Starts reading these objects now; get() and apply() answer from these reads. */
  prefetch(refs: readonly (ResourceRef & { name: string })[]): void;
  /** Starts asking for the server version and discovery, so that they travel with the first reads. */
  warmUp(): void;
  /** Closes idle keep-alive connections. */
  close(): void;
}
