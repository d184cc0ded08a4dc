/**
 * Checks of what weave itself says on every node (read once, as `weavectl status` reads it: the
 * context's weaveReport()), in four categories:
 *
 * - ipam: consensus reached on every node; no unreachable peer owns part of the range;
 * - connections: every node has the peer connections it should have;
 * - encryption: on or off, the same on every node;
 * - datapath: every connection on fastdp (a pair on sleeve is a warning naming it), unless
 *   WEAVE_NO_FASTDP turns fastdp off.
 *
 * The findings are the status report's (src/status/): these checks only say them as checks. Without a
 * report (no Weave Net, or a context that cannot exec) they are skipped.
 */
import { IPAM_SEVERITY } from '../../status/node-row.js';
import type { StatusReport } from '../../status/model.js';
import { ok, plural, type Check, type CheckContext, type CheckResult } from '../framework.js';

const list = (items: readonly string[], max = 5) => `${items.slice(0, max).join(', ')}${items.length > max ? ` and ${items.length - max} more` : ''}`;

/** The report, or the result that says why the check cannot be made. */
async function reportOf(ctx: CheckContext): Promise<{ report: StatusReport } | { result: CheckResult }> {
  const ds = await ctx.weaveDaemonSet().catch(() => undefined);
  if (!ds) return { result: { status: 'skip', message: 'Weave Net is not installed' } };
  const report = await ctx.weaveReport();
  if (!report) return { result: { status: 'skip', message: "weave's state was not read" } };
  const read = report.nodes.filter((n) => n.peer !== null || n.ipamState !== null || n.connections !== null);
  if (read.length === 0) {
    // as lookupFailed says it: not being allowed to look is not a finding
    const errors = report.nodes.map((n) => n.error).filter((e): e is string => e !== null);
    if (errors.length > 0 && errors.every((e) => /forbidden/i.test(e))) {
      return { result: { status: 'warn', message: `could not check: exec into the weave-net pods is forbidden (${errors[0]})`, hint: 'run the checks as a user that may create pods/exec in the weave-net namespace' } };
    }
    return { result: { status: 'fail', message: 'weave answered on no node', hint: 'weavectl status shows why' } };
  }
  return { report };
}

export const ipamConsensusCheck: Check = {
  id: 'ipam-consensus',
  category: 'ipam',
  description: 'IPAM reached consensus on every node',
  async run(ctx) {
    const r = await reportOf(ctx);
    if ('result' in r) return r.result;
    const rows = r.report.nodes.filter((n) => n.ipamState !== null);
    const bad = rows.filter((n) => IPAM_SEVERITY[n.ipamState!] === 'error');
    const slow = rows.filter((n) => IPAM_SEVERITY[n.ipamState!] === 'warning');
    if (bad.length > 0) {
      return {
        status: 'fail',
        message: `${list(bad.map((n) => `${n.node} (${n.ipamState})`))}`,
        hint: 'consensus needs a quorum of peers that reach each other: weavectl status shows their connections',
      };
    }
    if (slow.length > 0) return { status: 'warn', message: list(slow.map((n) => `${n.node} (${n.ipamState})`)), hint: 'weavectl status' };
    return ok(`ready on ${plural(rows.length, 'node')}${r.report.ipam.range ? `, range ${r.report.ipam.range}` : ''}`);
  },
};

export const ipamOwnersCheck: Check = {
  id: 'ipam-owners-reachable',
  category: 'ipam',
  description: 'no unreachable peer owns part of the range',
  async run(ctx) {
    const r = await reportOf(ctx);
    if ('result' in r) return r.result;
    const peers = r.report.unreachablePeers;
    if (peers.length === 0) return ok();
    const gone = peers.filter((p) => !p.nodeExists);
    const ips = peers.reduce((n, p) => n + p.ips, 0);
    return {
      status: gone.length > 0 ? 'fail' : 'warn',
      message: `${plural(peers.length, 'unreachable peer')} ${peers.length === 1 ? 'owns' : 'own'} ${ips} addresses: ${list(peers.map((p) => `${p.nickname || p.peer} (${p.ips} IPs${p.nodeExists ? ', node still exists' : ', node gone'})`))}`,
      hint: gone.length > 0 ? `reclaim the addresses of peers whose nodes are gone, once, in one pod: ${gone[0]!.rmpeer}` : 'the nodes still exist: bring their weave-net pods back (weavectl status)',
    };
  },
};

export const connectionsCheck: Check = {
  id: 'connections-established',
  category: 'connections',
  description: 'every node has its expected peer connections',
  async run(ctx) {
    const r = await reportOf(ctx);
    if ('result' in r) return r.result;
    const rows = r.report.nodes.filter((n) => n.connections !== null);
    const short = rows.filter((n) => n.connections!.short);
    if (short.length > 0) {
      return {
        status: 'fail',
        message: list(short.map((n) => `${n.node} ${n.connections!.established}/${n.connections!.expected}`)),
        hint: 'weave needs TCP 6783 and UDP 6783-6784 open between all nodes; weavectl status names the failing connections',
      };
    }
    const total = rows.reduce((n, x) => n + x.connections!.established, 0);
    return ok(`${plural(total, 'connection')} established on ${plural(rows.length, 'node')}`);
  },
};

export const encryptionCheck: Check = {
  id: 'encryption-consistent',
  category: 'encryption',
  description: 'encryption is the same on every node',
  async run(ctx) {
    const r = await reportOf(ctx);
    if ('result' in r) return r.result;
    const rows = r.report.nodes.filter((n) => n.encryption !== null);
    const on = rows.filter((n) => n.encryption === true).map((n) => n.node);
    const off = rows.filter((n) => n.encryption === false).map((n) => n.node);
    if (on.length > 0 && off.length > 0) {
      return {
        status: 'fail',
        message: `enabled on ${list(on)}; disabled on ${list(off)}`,
        hint: 'every weave-net pod must run with the same WEAVE_PASSWORD: weavectl rollout-status, then weavectl install --password-secret NAME',
      };
    }
    if (rows.length === 0) return { status: 'skip', message: 'no node reported it' };
    return ok(`${on.length > 0 ? 'enabled' : 'disabled'} on every node (${rows.length})`);
  },
};

export const datapathCheck: Check = {
  id: 'datapath-fastdp',
  category: 'datapath',
  description: 'every connection uses the fast datapath (fastdp)',
  async run(ctx) {
    const r = await reportOf(ctx);
    if ('result' in r) return r.result;
    const dp = r.report.datapath;
    if (dp.overlay === null) return { status: 'skip', message: 'no established connection was read' };
    const mtu = dp.mtu ? `, MTU ${dp.mtu.min === dp.mtu.max ? dp.mtu.min : `${dp.mtu.min}-${dp.mtu.max}`}` : '';
    if (dp.fastdpDisabled) return ok(`sleeve on ${plural(dp.sleeve, 'connection')} (WEAVE_NO_FASTDP)${mtu}`);
    if (dp.sleeve === 0) return ok(`fastdp on ${plural(dp.fastdp, 'connection')}${mtu}`);
    const problem = r.report.problems.find((p) => p.message.includes('fell back from fastdp to sleeve'));
    return {
      status: 'warn',
      message: `sleeve between ${list(dp.sleevePairs.map((p) => `${p.nodes[0]} and ${p.nodes[1]}${p.mtu !== null ? ` (MTU ${p.mtu})` : ''}`))}: a path MTU below WEAVE_MTU plus VXLAN's overhead, or UDP 6784 blocked`,
      ...(problem?.hint ? { hint: problem.hint } : {}),
    };
  },
};

export const meshChecks: readonly Check[] = [ipamConsensusCheck, ipamOwnersCheck, connectionsCheck, encryptionCheck, datapathCheck];
