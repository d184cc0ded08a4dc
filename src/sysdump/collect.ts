/**
 * `weavectl sysdump`: everything a Weave Net bug report needs, streamed into a ZIP archive.
 *
 * Per node, from its weave-net pod (what the upstream issue template asks for, weave v2.8.1
 * .github/ISSUE_TEMPLATE.md: the weave logs, `ip route`, `ip -4 -o addr`, `iptables-save`; and the
 * views of `weave --local status [ipam|connections|peers]` and `weave --local report`):
 *   nodes/NODE/weave-status.txt, weave-status-ipam.txt, weave-status-connections.txt,
 *   weave-report.json (the node's own part of /report: `weave --local report -f` with weave's `json`
 *   template function, prog/weaver/http.go), ip-route.txt, ip-4-addr.txt, iptables-save.txt,
 *   ipset-list.txt, weave.log, weave-npc.log (and *.previous.log after a restart), errors.txt;
 *   from the first --mesh-view-nodes nodes also weave-status-peers.txt and weave-report-full.json:
 *   those are views of the whole mesh (every peer and its connections, the same from every healthy
 *   node), which grow with the square of the nodes.
 * The cluster: cluster/daemonset.json, weave-net-pods.json, nodes.json, events.json (Weave Net's
 * namespace), node-events.json, networkpolicies.json, namespaces.json (names, labels, the
 * net.beta.kubernetes.io/network-policy annotation). weavectl's own: weavectl/version.json,
 * status.json, check.json. Then sysdump.json: what was collected and every error.
 *
 * Memory stays bounded: each file is spooled (memory, then disk: ./spool.ts) while it is read and
 * then streamed into the archive (./zip.ts), at most `concurrency` nodes at a time; big lists are
 * read in pages. A node that fails is recorded and the others go on. Everything written goes
 * through the Scrubber (./redact.ts).
 */
import { isKubeApiError } from '../cluster/status-errors.js';
import type { Cluster, KubeObject } from '../cluster/types.js';
import { errorText } from '../errors.js';
import { podIsReadyAndNotTerminating, podNode } from '../kube/pods.js';
import { redactPasswords } from '../manifest/redact.js';
import type { Reporter } from '../output/reporter.js';
import { naturalCompare } from '../status/text.js';
import { WEAVE_SCRIPT } from '../status/weave-exec.js';
import { NET_DAEMONSET, NET_POD_SELECTOR, NPC_CONTAINER, WEAVE_CONTAINER } from '../weave/names.js';
import { passwordSources, Scrubber } from './redact.js';
import type { SpoolDir } from './spool.js';
import type { ZipWriter } from './zip.js';

export type SysdumpCluster = Pick<Cluster, 'serves' | 'get' | 'list' | 'exec' | 'logs'> & Partial<Pick<Cluster, 'listPages'>>;

export interface SysdumpOptions {
  namespace: string;
  /** --node: only these nodes (empty: every node). */
  nodes: readonly string[];
  concurrency: number;
  execTimeoutMs: number;
  /** --since: logs of the last N seconds only. */
  sinceSeconds?: number;
  logsLimitBytes: number;
  /** How many nodes give the mesh-wide views (status peers, the full report). */
  meshViewNodes: number;
  /** The folder inside the archive ("weavectl-sysdump-20261203-142700"). */
  root: string;
}

export interface SysdumpError {
  node?: string;
  /** The file (or step) it concerns. */
  what: string;
  error: string;
}

export interface SysdumpSummary {
  namespace: string;
  started: string;
  finished: string;
  nodes: { total: number; complete: number; failed: string[] };
  files: number;
  errors: SysdumpError[];
}

/** weavectl's own reports for the archive: name -> JSON text (or an error). */
export type OwnReports = Record<string, () => Promise<string>>;

/** API versions a weave-net DaemonSet may be served at, newest first. */
const DAEMONSET_VERSIONS = ['apps/v1', 'apps/v1beta2', 'extensions/v1beta1'];
const PAGE = 250;
const POLICY_ANNOTATION = 'net.beta.kubernetes.io/network-policy';

/** The node-local part of /report, as a Go template for `weave --local report -f` (weave's `json` function). */
export const NODE_REPORT_TEMPLATE =
  '{"Ready":{{json .Ready}},"Version":{{json .Version}},"Router":{"Name":{{json .Router.Name}},"NickName":{{json .Router.NickName}},' +
  '"Encryption":{{json .Router.Encryption}},"PeerDiscovery":{{json .Router.PeerDiscovery}},"Connections":{{json .Router.Connections}},' +
  '"Targets":{{json .Router.Targets}},"TrustedSubnets":{{json .Router.TrustedSubnets}},"Interface":{{json .Router.Interface}}},"IPAM":{{json .IPAM}}}';

interface ExecItem {
  file: string;
  container: 'weave' | 'npc';
  command: string[];
  mesh?: boolean;
}

const weave = (...args: string[]) => [WEAVE_SCRIPT, '--local', ...args];

/** What is run on each node, in order. */
export const NODE_ITEMS: readonly ExecItem[] = [
  { file: 'weave-status.txt', container: 'weave', command: weave('status') },
  { file: 'weave-status-ipam.txt', container: 'weave', command: weave('status', 'ipam') },
  { file: 'weave-status-connections.txt', container: 'weave', command: weave('status', 'connections') },
  { file: 'weave-report.json', container: 'weave', command: weave('report', '-f', NODE_REPORT_TEMPLATE) },
  { file: 'weave-status-peers.txt', container: 'weave', command: weave('status', 'peers'), mesh: true },
  { file: 'weave-report-full.json', container: 'weave', command: weave('report'), mesh: true },
  { file: 'ip-route.txt', container: 'weave', command: ['ip', 'route'] },
  { file: 'ip-4-addr.txt', container: 'weave', command: ['ip', '-4', 'addr'] },
  { file: 'iptables-save.txt', container: 'weave', command: ['iptables-save'] },
  { file: 'ipset-list.txt', container: 'npc', command: ['ipset', 'list'] },
];

interface WeavePod {
  name: string;
  node: string;
  ready: boolean;
  hasNpc: boolean;
  /** restartCount by container name: a previous log exists only after a restart. */
  restarts: Record<string, number>;
}

function summarizePod(p: KubeObject): WeavePod | undefined {
  const node = podNode(p);
  if (!node) return undefined;
  const restarts: Record<string, number> = {};
  for (const c of (p.status?.containerStatuses ?? []) as { name?: string; restartCount?: number }[]) if (c.name) restarts[c.name] = c.restartCount ?? 0;
  return {
    name: p.metadata.name,
    node,
    ready: podIsReadyAndNotTerminating(p),
    hasNpc: ((p.spec?.containers ?? []) as { name?: string }[]).some((c) => c.name === NPC_CONTAINER),
    restarts,
  };
}

/** Writes the whole sysdump into `zip`; never throws for what one node or one object does. */
export async function writeSysdump(
  cluster: SysdumpCluster,
  zip: ZipWriter,
  spools: SpoolDir,
  opts: SysdumpOptions,
  reporter: Reporter,
  own: OwnReports = {},
): Promise<SysdumpSummary> {
  const started = new Date().toISOString();
  const ns = opts.namespace;
  const errors: SysdumpError[] = [];
  const record = (e: SysdumpError) => {
    errors.push(e);
    reporter.debug(`sysdump: ${e.node ? `${e.node}: ` : ''}${e.what}: ${e.error}`);
  };

  // The DaemonSet and its pods first: they name the secrets to redact.
  let ds: KubeObject | undefined;
  try {
    ds = await findDaemonSet(cluster, ns);
  } catch (err) {
    record({ what: 'cluster/daemonset.json', error: errorText(err) });
  }
  let podObjects: KubeObject[] = [];
  try {
    podObjects = (await cluster.list({ apiVersion: 'v1', kind: 'Pod', namespace: ns }, { labelSelector: NET_POD_SELECTOR })).items;
  } catch (err) {
    record({ what: 'cluster/weave-net-pods.json', error: errorText(err) });
  }
  const secrets = await secretValues(cluster, ns, [...(ds ? [ds] : []), ...podObjects], record);
  const scrub = new Scrubber(secrets);

  let files = 0;
  const put = async (name: string, text: string) => {
    await zip.add(`${opts.root}/${name}`, scrub.text(text));
    files++;
  };
  /** A file read in pieces: spooled (scrubbed on the way in), then into the archive. */
  const putStreamed = async (name: string, produce: (write: (chunk: string | Buffer) => Promise<void>) => Promise<void>) => {
    const spool = spools.spool();
    const st = scrub.stream();
    const decoder = new TextDecoder('utf-8');
    try {
      await produce(async (chunk) => {
        const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
        const out = st.push(text);
        if (out) await spool.write(out);
      });
      const rest = decoder.decode();
      await spool.write(st.push(rest) + st.end());
      await zip.add(`${opts.root}/${name}`, spool.inMemory() ?? spool.read());
      files++;
    } finally {
      await spool.dispose();
    }
  };
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

  // ---- the cluster's objects
  if (ds) await put('cluster/daemonset.json', json(redactPasswords(ds)));
  else if (!errors.some((e) => e.what === 'cluster/daemonset.json')) record({ what: 'cluster/daemonset.json', error: `no DaemonSet ${NET_DAEMONSET} in namespace ${ns}` });
  // One pod at a time into the file (a thousand pods are megabytes of JSON).
  await putStreamed('cluster/weave-net-pods.json', async (write) => {
    await write('{"apiVersion": "v1", "kind": "List", "items": [\n');
    for (let i = 0; i < podObjects.length; i++) await write(`${i > 0 ? ',\n' : ''}${JSON.stringify({ apiVersion: 'v1', kind: 'Pod', ...redactPasswords(podObjects[i]!) })}`);
    await write('\n]}\n');
  });

  const apiNodes = new Set<string>();
  await listInto(cluster, putStreamed, 'cluster/nodes.json', { apiVersion: 'v1', kind: 'Node' }, {}, record, (n) => apiNodes.add(n.metadata.name));
  await listInto(cluster, putStreamed, 'cluster/events.json', { apiVersion: 'v1', kind: 'Event', namespace: ns }, {}, record);
  await listInto(cluster, putStreamed, 'cluster/node-events.json', { apiVersion: 'v1', kind: 'Event' }, { fieldSelector: 'involvedObject.kind=Node' }, record);
  const policyApi = (await cluster.serves('networking.k8s.io/v1', 'NetworkPolicy').catch(() => false)) ? 'networking.k8s.io/v1' : 'extensions/v1beta1';
  await listInto(cluster, putStreamed, 'cluster/networkpolicies.json', { apiVersion: policyApi, kind: 'NetworkPolicy' }, {}, record);
  try {
    const list = (await cluster.list({ apiVersion: 'v1', kind: 'Namespace' })).items.map((n) => ({
      name: n.metadata.name,
      labels: n.metadata.labels ?? {},
      annotations: Object.fromEntries(Object.entries(n.metadata.annotations ?? {}).filter(([k]) => k === POLICY_ANNOTATION)),
    }));
    await put('cluster/namespaces.json', json(list));
  } catch (err) {
    record({ what: 'cluster/namespaces.json', error: errorText(err) });
  }

  // ---- every node
  const filter = opts.nodes.length > 0 ? new Set(opts.nodes) : undefined;
  const pods = podObjects
    .map(summarizePod)
    .filter((p): p is WeavePod => p !== undefined && (!filter || filter.has(p.node)))
    .sort((a, b) => naturalCompare(a.node, b.node) || naturalCompare(a.name, b.name));
  const withPod = new Set(pods.map((p) => p.node));
  const wanted = filter ? [...filter] : [...apiNodes];
  const missing = wanted.filter((n) => !withPod.has(n)).sort(naturalCompare);
  for (const n of missing) {
    record({ node: n, what: 'node', error: apiNodes.has(n) || !filter ? `no weave-net pod on node ${n}` : `no node ${n} with a weave-net pod` });
  }
  const meshNodes = new Set(pods.filter((p) => p.ready).slice(0, opts.meshViewNodes).map((p) => p.name));
  const total = pods.length;
  let done = 0;
  const failedNodes = new Set<string>(missing);
  const progress = progressReporter(reporter, total);
  progress(0, 0);
  await eachLimited(pods, opts.concurrency, async (pod) => {
    const nodeErrors: SysdumpError[] = [];
    const fail = (what: string, err: unknown) => {
      const e = { node: pod.node, what, error: typeof err === 'string' ? err : errorText(err) };
      nodeErrors.push(e);
      record(e);
    };
    await dumpNode(cluster, pod, { ...opts, mesh: meshNodes.has(pod.name) }, putStreamed, fail);
    if (nodeErrors.length > 0) {
      failedNodes.add(pod.node);
      await put(`nodes/${pod.node}/errors.txt`, nodeErrors.map((e) => `${e.what}: ${e.error}\n`).join(''));
    }
    done++;
    progress(done, failedNodes.size - missing.length);
  });
  reporter.endProgress();

  // ---- weavectl's own view, last: its status of every node holds each node's connections while it
  // runs, on top of what the node loop left for the collector.
  for (const [name, produce] of Object.entries(own)) {
    try {
      await put(`weavectl/${name}`, await produce());
    } catch (err) {
      record({ what: `weavectl/${name}`, error: errorText(err) });
    }
  }

  const summary: SysdumpSummary = {
    namespace: ns,
    started,
    finished: new Date().toISOString(),
    nodes: { total: total + missing.length, complete: total + missing.length - failedNodes.size, failed: [...failedNodes].sort(naturalCompare) },
    files: files + 1,
    errors,
  };
  await put('sysdump.json', json(summary));
  return summary;
}

/** One node: the exec items (skipped after the first that cannot reach the container), then the logs. */
async function dumpNode(
  cluster: SysdumpCluster,
  pod: WeavePod,
  opts: SysdumpOptions & { mesh: boolean },
  putStreamed: (name: string, produce: (write: (chunk: string | Buffer) => Promise<void>) => Promise<void>) => Promise<void>,
  fail: (what: string, err: unknown) => void,
): Promise<void> {
  const dir = `nodes/${pod.node}`;
  const ref = { namespace: opts.namespace, name: pod.name };
  let unreachable: string | undefined;
  for (const item of NODE_ITEMS) {
    if (item.mesh && !opts.mesh) continue;
    const file = `${dir}/${item.file}`;
    if (unreachable) {
      fail(file, `skipped: ${unreachable}`);
      continue;
    }
    const container = item.container === 'npc' && pod.hasNpc ? NPC_CONTAINER : WEAVE_CONTAINER;
    let stderr = '';
    let exitCode = 0;
    try {
      await putStreamed(file, async (write) => {
        const r = await cluster.exec(ref, container, item.command, { timeoutMs: opts.execTimeoutMs, onStdout: (chunk) => write(chunk) });
        stderr = r.stderr;
        exitCode = r.exitCode;
      });
      if (exitCode !== 0) fail(file, `${item.command.slice(0, 4).join(' ')}${item.command.length > 4 ? ' ...' : ''} exited with ${exitCode}${stderr.trim() ? `: ${stderr.trim().split('\n')[0]}` : ''}`);
    } catch (err) {
      fail(file, err);
      // The container cannot be reached at all (the API server refused the exec: node down, container
      // not running; or it said nothing until the timeout): the other commands would fail the same
      // way, each after its own timeout. A stream cut in the middle is this command's failure only.
      if (isKubeApiError(err) || /did not finish within|sent nothing for|ECONNREFUSED|EHOSTUNREACH/.test(errorText(err))) unreachable = errorText(err);
    }
  }
  for (const [container, file] of [
    [WEAVE_CONTAINER, 'weave'],
    [NPC_CONTAINER, 'weave-npc'],
  ] as const) {
    if (container === NPC_CONTAINER && !pod.hasNpc) continue;
    for (const previous of [false, true]) {
      if (previous && !(pod.restarts[container]! > 0)) continue;
      const name = `${dir}/${file}${previous ? '.previous' : ''}.log`;
      try {
        const text = await cluster.logs(ref, container, {
          ...(previous ? { previous: true } : {}),
          ...(opts.sinceSeconds !== undefined ? { sinceSeconds: opts.sinceSeconds } : {}),
          limitBytes: opts.logsLimitBytes,
        });
        await putStreamed(name, (write) => write(text));
      } catch (err) {
        fail(name, err);
      }
    }
  }
}

async function findDaemonSet(cluster: SysdumpCluster, namespace: string): Promise<KubeObject | undefined> {
  for (const apiVersion of DAEMONSET_VERSIONS) {
    if (!(await cluster.serves(apiVersion, 'DaemonSet'))) continue;
    const ds = await cluster.get({ apiVersion, kind: 'DaemonSet', namespace, name: NET_DAEMONSET });
    if (ds) return { ...ds, apiVersion: ds.apiVersion ?? apiVersion, kind: ds.kind ?? 'DaemonSet' };
  }
  return undefined;
}

/** The WEAVE_PASSWORD values to hide: literal ones, and those of the Secrets the pods reference. */
async function secretValues(cluster: SysdumpCluster, namespace: string, objects: KubeObject[], record: (e: SysdumpError) => void): Promise<string[]> {
  const { literals, secretRefs } = passwordSources(objects);
  const values = [...literals];
  for (const ref of secretRefs.values()) {
    try {
      const secret = await cluster.get({ apiVersion: 'v1', kind: 'Secret', namespace, name: ref.name });
      const data = (secret as { data?: Record<string, string> } | undefined)?.data?.[ref.key];
      if (typeof data === 'string') values.push(Buffer.from(data, 'base64').toString('utf8'));
    } catch (err) {
      // Without the value only the patterns (password=..., --password ...) hide it.
      record({ what: `secret ${ref.name}`, error: `cannot read the Secret to hide the password it holds: ${errorText(err)}` });
    }
  }
  return values;
}

/** A kind listed page by page into one JSON file ({"items": [...]}); `each` sees every object. */
async function listInto(
  cluster: SysdumpCluster,
  putStreamed: (name: string, produce: (write: (chunk: string | Buffer) => Promise<void>) => Promise<void>) => Promise<void>,
  file: string,
  ref: { apiVersion: string; kind: string; namespace?: string },
  opts: { fieldSelector?: string },
  record: (e: SysdumpError) => void,
  each?: (o: KubeObject) => void,
): Promise<void> {
  try {
    await putStreamed(file, async (write) => {
      await write(`{"apiVersion": "v1", "kind": "List", "items": [\n`);
      let first = true;
      const page = async (items: KubeObject[]) => {
        for (const o of items) {
          each?.(o);
          await write(`${first ? '' : ',\n'}${JSON.stringify({ apiVersion: ref.apiVersion, kind: ref.kind, ...o })}`);
          first = false;
        }
      };
      if (cluster.listPages) await cluster.listPages(ref, { ...opts, pageSize: PAGE }, page);
      else await page((await cluster.list(ref, opts)).items);
      await write('\n]}\n');
    });
  } catch (err) {
    record({ what: file, error: errorText(err) });
  }
}

async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** TTY: a live bar on stderr; otherwise one line per tenth. */
function progressReporter(reporter: Reporter, total: number): (done: number, failed: number) => void {
  let lastTenth = -1;
  return (done, failed) => {
    const failedText = failed > 0 ? `, ${failed} with errors` : '';
    if (reporter.mode === 'tty') {
      const width = 24;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      reporter.progress('sysdump', `Collecting [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${total} nodes${failedText}`);
      return;
    }
    const tenth = total === 0 ? 10 : Math.floor((done / total) * 10);
    if (tenth !== lastTenth) {
      lastTenth = tenth;
      reporter.info(`Collected ${done} of ${total} nodes${failedText}`);
    }
  };
}
