/**
 * The simulator's pod exec/attach (WebSocket remote-command protocols) and pod logs.
 *
 * Exec: `GET /api/v1/namespaces/NS/pods/NAME/exec?command=..&container=..&stdout=true&stderr=true`
 * upgraded to a WebSocket with one of the subprotocols the API server speaks:
 *   v5.channel.k8s.io  (kubectl >= 1.30 offers only this one; adds the CLOSE signal, channel 255)
 *   v4.channel.k8s.io  (@kubernetes/client-node offers v5..v1; the error channel carries a JSON Status)
 *   v3.channel.k8s.io, v2.channel.k8s.io, channel.k8s.io (the error channel carries plain text)
 * Every message is binary; its first byte is the channel: 0 stdin, 1 stdout, 2 stderr, 3 error,
 * 4 resize (255 close, v5: the client half-closes stdin with it). The command's output goes to 1
 * and 2 (only the streams the client asked for; with tty=true stderr is merged into stdout), then
 * its result to 3, then a normal close (1000), which is how kubectl and client-go learn that the
 * streams ended.
 *
 * Who answers a command: the handlers a test programmed (`sim.execHandlers`), then the imitation
 * of a Weave Net pod (weave-node.ts), else the container runtime's "executable file not found"
 * with exit code 126. Errors the API server gives before the upgrade (unknown pod or container,
 * a dead node) are HTTP responses with a Status body, as the real server sends them.
 *
 * Logs: `GET .../pods/NAME/log?container=..&tailLines=..&previous=..&follow=..&limitBytes=..`
 * from `sim.podLogs` (follow streams what is appended until the client goes). `sinceSeconds` and
 * `sinceTime` keep what was appended from then on (PodLogs records when each piece was written);
 * the simulated lines carry no timestamps, so `timestamps` is accepted and ignored.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ExecReply, Obj } from './types.js';
import { probeExec } from './dataplane.js';
import { weaveExec, weaveState, type WeaveView } from './weave-node.js';
import { departedNodeObjects, ringExec, ringState } from './weave-ring.js';
import { hostExec } from './weave-host.js';
import { defaultConnLimitOf } from './conn-limit.js';

/** What exec.ts needs of the simulator (a structural subset of index.ts's Simulator). */
export interface ExecSim {
  /** The Kubernetes version the simulator serves (which NetworkPolicy APIs weave-npc can watch). */
  k8sVersion?: { major: number; minor: number };
  store: {
    list(store: string, namespace?: string): Obj[];
    get(store: string, namespace: string, name: string): Obj | undefined;
  };
  execHandlers: { run(pod: Obj, container: string, command: string[]): Promise<ExecReply | undefined> };
  /** The data plane faults (faults.ts partition / pathMtu). */
  faults?: { partitioned(a: string, b: string): boolean; pathMtuBetween(a: string, b: string): number | undefined };
  podLogs: {
    get(ns: string, pod: string, container: string, opts?: { previous?: boolean }): string;
    getSince?(ns: string, pod: string, container: string, sinceMs: number, opts?: { previous?: boolean }): string;
    hasPrevious(ns: string, pod: string, container: string): boolean;
    onAppend(fn: (ns: string, pod: string, container: string, chunk: string) => void): () => void;
  };
}

export interface ExecContext {
  sim: ExecSim;
  /** The stored Pod, or undefined when it does not exist. */
  pod: Obj | undefined;
}

/** The subprotocols served, most preferred first. */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'] as const;
export type ExecProtocol = (typeof EXEC_PROTOCOLS)[number];

const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;

// ---------------------------------------------------------------------------------------------
// Status responses before the upgrade

function status(code: number, reason: string, message: string, details?: Obj): Obj {
  const s: Obj = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason };
  if (details) s['details'] = details;
  s['code'] = code;
  return s;
}

const REASON_PHRASE: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
};

/** Writes an HTTP response with a Status body on a socket that was not upgraded, then closes it. */
function rejectUpgrade(socket: Duplex, st: Obj): void {
  const body = JSON.stringify(st);
  const code = st['code'] as number;
  socket.end(
    `HTTP/1.1 ${code} ${REASON_PHRASE[code] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      'Cache-Control: no-cache, private\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

function sendStatus(res: ServerResponse, st: Obj): void {
  const body = JSON.stringify(st);
  res.writeHead(st['code'] as number, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function podNotFound(name: string): Obj {
  return status(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' });
}

// ---------------------------------------------------------------------------------------------
// Pods and containers

interface PodPath {
  namespace: string;
  name: string;
  sub: string;
}

function parsePodPath(url: URL): PodPath | undefined {
  const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
  if (!m) return undefined;
  return { namespace: decodeURIComponent(m[1]!), name: decodeURIComponent(m[2]!), sub: m[3]! };
}

function containerNames(pod: Obj): { all: string[]; regular: string[] } {
  const names = (list: unknown) => (Array.isArray(list) ? list.map((c: Obj) => String(c?.['name'] ?? '')) : []);
  const spec = (pod['spec'] ?? {}) as Obj;
  const regular = names(spec['containers']);
  return { all: [...names(spec['initContainers']), ...regular, ...names(spec['ephemeralContainers'])], regular };
}

/**
 * The API server's validateContainer: the named container, or the only one when none is named.
 * Returns a 400 Status when that fails.
 */
export function validateContainer(pod: Obj, container: string): { container: string } | { error: Obj } {
  const name = String(pod['metadata']?.['name'] ?? '');
  const { all, regular } = containerNames(pod);
  if (container === '') {
    if (regular.length === 1) return { container: regular[0]! };
    if (regular.length === 0) return { error: status(400, 'BadRequest', `a container name must be specified for pod ${name}`) };
    return { error: status(400, 'BadRequest', `a container name must be specified for pod ${name}, choose one of: [${all.join(' ')}]`) };
  }
  if (!all.includes(container)) return { error: status(400, 'BadRequest', `container ${container} is not valid for pod ${name}`) };
  return { container };
}

function containerStatus(pod: Obj, container: string): Obj | undefined {
  const st = (pod['status'] ?? {}) as Obj;
  for (const field of ['containerStatuses', 'initContainerStatuses', 'ephemeralContainerStatuses']) {
    const list = st[field];
    if (Array.isArray(list)) {
      const s = list.find((c: Obj) => c?.['name'] === container);
      if (s) return s as Obj;
    }
  }
  return undefined;
}

function nodeOf(sim: ExecSim, pod: Obj): Obj | undefined {
  const nodeName = pod['spec']?.['nodeName'];
  return typeof nodeName === 'string' && nodeName !== '' ? sim.store.get('nodes', '', nodeName) : undefined;
}

function nodeReady(node: Obj): boolean {
  const conds = node['status']?.['conditions'];
  return Array.isArray(conds) && conds.some((c: Obj) => c?.['type'] === 'Ready' && c?.['status'] === 'True');
}

function internalIP(node: Obj): string {
  const addrs = node['status']?.['addresses'];
  const a = Array.isArray(addrs) ? addrs.find((x: Obj) => x?.['type'] === 'InternalIP') : undefined;
  return String(a?.['address'] ?? '');
}

/**
 * Errors the kubelet (through the API server) gives before a stream starts: the pod is not on a
 * node, the node does not answer, the container is not running.
 */
function kubeletRefusal(sim: ExecSim, pod: Obj, container: string): Obj | undefined {
  const nodeName = pod['spec']?.['nodeName'];
  const podName = String(pod['metadata']?.['name'] ?? '');
  if (typeof nodeName !== 'string' || nodeName === '') {
    return status(400, 'BadRequest', `pod ${podName} does not have a host assigned`);
  }
  const node = nodeOf(sim, pod);
  if (node && !nodeReady(node)) {
    const ip = internalIP(node) || nodeName;
    return status(500, 'InternalError', `error dialing backend: dial tcp ${ip}:10250: connect: no route to host`);
  }
  const cs = containerStatus(pod, container);
  if (cs && !cs['state']?.['running']) {
    return status(400, 'BadRequest', `container not found ("${container}")`);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The Weave Net imitation as the default exec handler

function isWeaveNetPod(pod: Obj): boolean {
  return pod['metadata']?.['labels']?.['name'] === 'weave-net' && containerNames(pod).regular.includes('weave');
}

function envOf(pod: Obj, container: string): Map<string, string | undefined> {
  const c = (pod['spec']?.['containers'] ?? []).find((x: Obj) => x?.['name'] === container) as Obj | undefined;
  const env = new Map<string, string | undefined>();
  for (const e of (c?.['env'] ?? []) as Obj[]) {
    if (e && typeof e['name'] === 'string') env.set(e['name'], e['value'] === undefined ? undefined : String(e['value']));
  }
  return env;
}

/** "weaveworks/weave-kube:2.8.1" -> "2.8.1"; ":latest" (the upstream repo files) reads as the last release, 2.8.1. */
function weaveVersion(pod: Obj): string {
  const c = (pod['spec']?.['containers'] ?? []).find((x: Obj) => x?.['name'] === 'weave') as Obj | undefined;
  return containerVersion(c);
}

function containerVersion(c: Obj | undefined): string {
  const image = String(c?.['image'] ?? '');
  const tag = /:([^:/@]+)(@.*)?$/.exec(image)?.[1];
  return tag && /^v?\d+\.\d+/.test(tag) ? tag.replace(/^v/, '') : '2.8.1';
}

/** Natural order for node names ("node-2" before "node-10"). */
function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** The cluster as the weave peer in `pod` sees it. */
export function weaveViewFor(sim: ExecSim, pod: Obj): WeaveView {
  const ns = String(pod['metadata']?.['namespace'] ?? 'kube-system');
  const weavePods = sim.store.list('pods', ns).filter(isWeaveNetPod);
  const peerNodes = new Set(weavePods.map((p) => p['spec']?.['nodeName']).filter((n): n is string => typeof n === 'string' && n !== ''));
  const nodes = sim.store
    .list('nodes', '')
    .filter((n) => peerNodes.has(n['metadata']?.['name']))
    .concat(departedNodeObjects(sim)) // peers of deleted nodes stay in the ring (weave-ring.ts)
    .sort((a, b) => {
      const ta = String(a['metadata']?.['creationTimestamp'] ?? '');
      const tb = String(b['metadata']?.['creationTimestamp'] ?? '');
      return ta < tb ? -1 : ta > tb ? 1 : naturalCompare(String(a['metadata']?.['name']), String(b['metadata']?.['name']));
    })
    .map((n) => ({ name: String(n['metadata']['name']), internalIP: internalIP(n), ready: nodeReady(n) }));
  const env = envOf(pod, 'weave');
  const faults = weaveState(sim);
  const mtu = Number(env.get('WEAVE_MTU'));
  // launch.sh: CONN_LIMIT=${CONN_LIMIT:-<release default>} (conn-limit.ts)
  const connLimit = /^\d+$/.test(env.get('CONN_LIMIT') ?? '') ? Number(env.get('CONN_LIMIT')) : defaultConnLimitOf(weaveVersion(pod));
  const npc = (pod['spec']?.['containers'] ?? []).find((x: Obj) => x?.['name'] === 'weave-npc') as Obj | undefined;
  return {
    version: weaveVersion(pod),
    ...(npc ? { npcVersion: containerVersion(npc), npcArgs: [...(npc['command'] ?? []).slice(1), ...(npc['args'] ?? [])].map(String) } : {}),
    ...(sim.k8sVersion ? { k8sMinor: sim.k8sVersion.minor } : {}),
    ipallocRange: env.get('IPALLOC_RANGE') || undefined,
    nodes,
    unreachable: faults.unreachable,
    awaitingConsensus: faults.awaitingConsensus,
    npcFormat: faults.npcFormat,
    encryption: env.has('WEAVE_PASSWORD'),
    mtu: Number.isInteger(mtu) && mtu > 0 ? mtu : undefined,
    noFastdp: !!env.get('WEAVE_NO_FASTDP'),
    connLimit,
    checkpointDisabled: !!env.get('CHECKPOINT_DISABLE'),
    ...(sim.faults ? { partitioned: (a: string, b: string) => sim.faults!.partitioned(a, b), pathMtu: (a: string, b: string) => sim.faults!.pathMtuBetween(a, b) } : {}),
    pods: sim.store.list('pods').map((p) => ({
      namespace: String(p['metadata']?.['namespace'] ?? ''),
      name: String(p['metadata']?.['name'] ?? ''),
      labels: p['metadata']?.['labels'],
      nodeName: p['spec']?.['nodeName'],
      podIP: p['status']?.['podIP'],
      hostNetwork: !!p['spec']?.['hostNetwork'],
    })),
    namespaces: sim.store.list('namespaces', '').map((n) => ({
      name: String(n['metadata']?.['name'] ?? ''),
      labels: n['metadata']?.['labels'],
      annotations: n['metadata']?.['annotations'],
    })),
    networkPolicies: sim.store.list('networkpolicies'),
    takenOver: ringState(sim).takenOver,
  };
}

/** containerd's answer to a command that is not in the image. */
export function notFoundReply(command: string[]): ExecReply {
  return {
    stdout: '',
    stderr: `OCI runtime exec failed: exec failed: unable to start container process: exec: "${command[0] ?? ''}": executable file not found in $PATH: unknown\r\n`,
    exitCode: 126,
  };
}

/** Runs `command` in `container` of `pod`: programmed handlers, then the weave imitation, then "not found". */
export async function runInContainer(sim: ExecSim, pod: Obj, container: string, command: string[]): Promise<ExecReply> {
  const programmed = await sim.execHandlers.run(pod, container, command);
  if (programmed) return programmed;
  if (isWeaveNetPod(pod)) {
    const node = pod['spec']?.['nodeName'];
    if (typeof node === 'string') {
      const view = weaveViewFor(sim, pod);
      const r = ringExec(ringState(sim), view, node, container, command) ?? weaveExec(view, node, container, command) ?? hostExec(view, node, container, command);
      if (r) return r;
    }
  }
  const probe = probeExec(sim, pod, container, command);
  if (probe) return probe;
  return notFoundReply(command);
}

// ---------------------------------------------------------------------------------------------
// Exec over WebSocket

const wss = new WebSocketServer({
  noServer: true,
  clientTracking: false,
  perMessageDeflate: false,
  handleProtocols: (offered: Set<string>) => EXEC_PROTOCOLS.find((p) => offered.has(p)) ?? false,
});

function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1' || v === 'True';
}

/** The error channel's message for a command's result. */
export function resultStatus(protocol: string, exitCode: number, command: string[]): Buffer | undefined {
  const v4plus = protocol === 'v4.channel.k8s.io' || protocol === 'v5.channel.k8s.io';
  if (exitCode === 0) return v4plus ? Buffer.from(JSON.stringify({ metadata: {}, status: 'Success' })) : undefined;
  const message = `command terminated with non-zero exit code: command '${command.join(' ')}' exited with ${exitCode}`;
  if (!v4plus) return Buffer.from(message);
  return Buffer.from(
    JSON.stringify({
      metadata: {},
      status: 'Failure',
      message,
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
    }),
  );
}

function frame(channel: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from([channel]), body]);
}

/**
 * Serves one exec/attach upgrade request: validates it like the API server (HTTP errors with a
 * Status body before the upgrade), then speaks the negotiated channel protocol.
 */
export function handleExecUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: ExecContext): void {
  const url = new URL(req.url ?? '/', 'http://sim.invalid');
  const path = parsePodPath(url);
  if (!path || (path.sub !== 'exec' && path.sub !== 'attach')) {
    rejectUpgrade(socket, status(404, 'NotFound', 'the server could not find the requested resource', {}));
    return;
  }
  const { pod } = ctx;
  if (!pod) {
    rejectUpgrade(socket, podNotFound(path.name));
    return;
  }
  const q = url.searchParams;
  const checked = validateContainer(pod, q.get('container') ?? '');
  if ('error' in checked) {
    rejectUpgrade(socket, checked.error);
    return;
  }
  const container = checked.container;
  const command = q.getAll('command');
  const tty = boolParam(q, 'tty');
  const wantStdin = boolParam(q, 'stdin');
  const wantStdout = boolParam(q, 'stdout');
  const wantStderr = boolParam(q, 'stderr') && !tty;
  if (path.sub === 'exec' && command.length === 0) {
    rejectUpgrade(socket, status(400, 'BadRequest', 'you must specify at least 1 command'));
    return;
  }
  if (!wantStdin && !wantStdout && !boolParam(q, 'stderr')) {
    rejectUpgrade(socket, status(400, 'BadRequest', 'you must specify at least 1 of stdin, stdout, stderr'));
    return;
  }
  const refusal = kubeletRefusal(ctx.sim, pod, container);
  if (refusal) {
    rejectUpgrade(socket, refusal);
    return;
  }
  const upgrade = String(req.headers['upgrade'] ?? '').toLowerCase();
  if (upgrade !== 'websocket') {
    // SPDY/3.1 (kubectl's fallback) is not implemented: say so instead of hanging.
    rejectUpgrade(
      socket,
      status(400, 'BadRequest', `the simulator serves ${path.sub} over WebSocket only (${EXEC_PROTOCOLS.join(', ')}), not ${req.headers['upgrade'] ?? 'a plain request'}`),
    );
    return;
  }
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (offered.length > 0 && !offered.some((p) => (EXEC_PROTOCOLS as readonly string[]).includes(p))) {
    rejectUpgrade(
      socket,
      status(400, 'BadRequest', `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${EXEC_PROTOCOLS.join(' ')}]`),
    );
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    const protocol = ws.protocol || 'channel.k8s.io';
    void serveStreams(ws, protocol, ctx, pod, container, path.sub === 'attach' ? [] : command, { wantStdout, wantStderr, tty });
  });
}

async function serveStreams(
  ws: WebSocket,
  protocol: string,
  ctx: ExecContext,
  pod: Obj,
  container: string,
  command: string[],
  opts: { wantStdout: boolean; wantStderr: boolean; tty: boolean },
): Promise<void> {
  // Stdin (channel 0), resize (4) and the v5 CLOSE signal (255) are read and dropped: the
  // commands answered here take no input.
  ws.on('message', () => undefined);
  ws.on('error', () => ws.terminate());
  let reply: ExecReply;
  try {
    reply = command.length === 0 ? { stdout: '', stderr: '', exitCode: 0 } : await runInContainer(ctx.sim, pod, container, command);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    sendAndClose(ws, [frame(ERROR, JSON.stringify({ metadata: {}, status: 'Failure', message: `Internal error occurred: ${msg}`, reason: 'InternalError', code: 500 }))]);
    return;
  }
  const frames: Buffer[] = [];
  const stdout = opts.tty ? reply.stdout + reply.stderr : reply.stdout;
  // The kubelet copies a command's output in 32 KiB reads (io.Copy), one message each.
  if (opts.wantStdout && stdout !== '') {
    const out = Buffer.from(stdout);
    for (let i = 0; i < out.length; i += 32 * 1024) frames.push(frame(STDOUT, out.subarray(i, i + 32 * 1024)));
  }
  if (opts.wantStderr && reply.stderr !== '') frames.push(frame(STDERR, reply.stderr));
  const result = resultStatus(protocol, reply.exitCode, command);
  if (result) frames.push(frame(ERROR, result));
  // No CLOSE (255) signals for stdout/stderr: the API server ends them by closing the connection
  // (kubectl 1.35 logs "Unknown stream id 255, discarding message" for them).
  sendAndClose(ws, frames);
}

function sendAndClose(ws: WebSocket, frames: Buffer[]): void {
  // A client that never answers the close handshake is cut off, 5 s after everything was written
  // to it (a slow reader of a big answer is not cut off while it reads).
  const cutOff = () => setTimeout(() => ws.terminate(), 5_000).unref();
  frames.forEach((f, i) => ws.send(f, { binary: true }, i === frames.length - 1 ? cutOff : undefined));
  ws.close(1000);
  if (frames.length === 0) cutOff();
}

// ---------------------------------------------------------------------------------------------
// Logs

function lastLines(text: string, n: number): string {
  if (n <= 0) return '';
  const endsWithNewline = text.endsWith('\n');
  const lines = (endsWithNewline ? text.slice(0, -1) : text).split('\n');
  if (text === '') return '';
  const kept = lines.slice(-n).join('\n');
  return endsWithNewline ? `${kept}\n` : kept;
}

/** The kubelet's refusal to give logs of a container that never started. */
function waitingRefusal(pod: Obj, container: string): Obj | undefined {
  const waiting = containerStatus(pod, container)?.['state']?.['waiting'];
  const running = containerStatus(pod, container)?.['state']?.['running'];
  const terminated = containerStatus(pod, container)?.['state']?.['terminated'];
  const restarts = Number(containerStatus(pod, container)?.['restartCount'] ?? 0);
  if (!waiting || running || terminated || restarts > 0) return undefined;
  const podName = String(pod['metadata']?.['name'] ?? '');
  const reason = String(waiting['reason'] ?? 'ContainerCreating');
  const why = reason === 'ErrImagePull' || reason === 'ImagePullBackOff' ? 'trying and failing to pull image' : reason;
  return status(400, 'BadRequest', `container "${container}" in pod "${podName}" is waiting to start: ${why}`);
}

/** Serves `GET .../pods/NAME/log`. */
export function handleLogs(req: IncomingMessage, res: ServerResponse, ctx: ExecContext): void {
  const url = new URL(req.url ?? '/', 'http://sim.invalid');
  const path = parsePodPath(url);
  if (!path || path.sub !== 'log') {
    sendStatus(res, status(404, 'NotFound', 'the server could not find the requested resource', {}));
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendStatus(res, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {}));
    return;
  }
  const { pod, sim } = ctx;
  if (!pod) {
    sendStatus(res, podNotFound(path.name));
    return;
  }
  const q = url.searchParams;
  const checked = validateContainer(pod, q.get('container') ?? '');
  if ('error' in checked) {
    sendStatus(res, checked.error);
    return;
  }
  const container = checked.container;
  const podName = path.name;
  const ns = path.namespace;
  const previous = boolParam(q, 'previous');
  const follow = boolParam(q, 'follow') && !previous;
  for (const [param, value] of [['tailLines', q.get('tailLines')], ['limitBytes', q.get('limitBytes')]] as const) {
    if (value !== null && !/^-?\d+$/.test(value)) {
      sendStatus(res, status(400, 'BadRequest', `${param}: Invalid value: "${value}": must be an integer`));
      return;
    }
  }
  const tail = q.get('tailLines');
  const limit = q.get('limitBytes');
  if (tail !== null && Number(tail) < 0) {
    sendStatus(res, status(422, 'Invalid', `PodLogOptions "${podName}" is invalid: tailLines: Invalid value: ${tail}: must be greater than or equal to 0`));
    return;
  }
  if (limit !== null && Number(limit) < 1) {
    sendStatus(res, status(422, 'Invalid', `PodLogOptions "${podName}" is invalid: limitBytes: Invalid value: ${limit}: must be greater than 0`));
    return;
  }
  if (previous && !sim.podLogs.hasPrevious(ns, podName, container)) {
    sendStatus(res, status(400, 'BadRequest', `previous terminated container "${container}" in pod "${podName}" not found`));
    return;
  }
  if (!previous) {
    if (typeof pod['spec']?.['nodeName'] !== 'string' || pod['spec']['nodeName'] === '') {
      sendStatus(res, status(400, 'BadRequest', `pod ${podName} does not have a host assigned`));
      return;
    }
    const refusal = waitingRefusal(pod, container);
    if (refusal) {
      sendStatus(res, refusal);
      return;
    }
  }
  const sinceSeconds = q.get('sinceSeconds');
  const sinceTime = q.get('sinceTime');
  if (sinceSeconds !== null && (!/^\d+$/.test(sinceSeconds) || Number(sinceSeconds) < 1)) {
    sendStatus(res, status(422, 'Invalid', `PodLogOptions "${podName}" is invalid: sinceSeconds: Invalid value: ${sinceSeconds}: must be greater than 0`));
    return;
  }
  const sinceMs = sinceSeconds !== null ? Date.now() - Number(sinceSeconds) * 1000 : sinceTime !== null && !Number.isNaN(Date.parse(sinceTime)) ? Date.parse(sinceTime) : undefined;
  let text = sinceMs !== undefined && sim.podLogs.getSince ? sim.podLogs.getSince(ns, podName, container, sinceMs, { previous }) : sim.podLogs.get(ns, podName, container, { previous });
  if (tail !== null) text = lastLines(text, Number(tail));
  let budget = limit !== null ? Number(limit) : Infinity;
  const write = (chunk: string): boolean => {
    if (budget <= 0) return false;
    const buf = Buffer.from(chunk);
    const part = buf.length > budget ? buf.subarray(0, budget) : buf;
    budget -= part.length;
    if (part.length > 0) res.write(part);
    return budget > 0;
  };
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const more = write(text);
  if (!follow || !more) {
    res.end();
    return;
  }
  const stop = sim.podLogs.onAppend((n, p, c, chunk) => {
    if (n !== ns || p !== podName || c !== container) return;
    if (!write(chunk)) {
      stop();
      res.end();
    }
  });
  res.on('close', stop);
}
