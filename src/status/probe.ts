/**
 * What is asked of each node's weave (the commands run in its weave container) and their answers, reduced as
 * soon as they arrive to what the report needs (the raw text is not kept): parsed by ./parse.ts. Pure.
 */
import {
  parseBridgeAddresses,
  parseStatusIpam,
  parseWeaveStatus,
  summarizeConnections,
  type WeaveStatus,
} from './parse.js';
import { oneLine } from '../util/text.js';
import { DIGEST_TEMPLATE, ipamOwners, parseDigest } from './digest.js';
import type { IpamOwner } from './parse.js';
import { WEAVE_SCRIPT } from './weave-exec.js';

/**
 * What is run in the weave container of each pod: the report digest (./digest.ts: what `weave status`,
 * `status connections` and `status ipam` say, reduced by weave itself) and the bridge address.
 */
export const PROBE_COMMANDS = {
  digest: [WEAVE_SCRIPT, '--local', 'report', '-f', DIGEST_TEMPLATE],
  bridge: ['ip', '-4', '-o', 'addr', 'show', 'dev', 'weave'],
} as const;

/**
 * What is run instead of the digest when weave refuses it (a build whose report lacks a field
 * the template reads): the three status commands it stands for, whose answers are bigger.
 */
export const FALLBACK_COMMANDS = {
  status: [WEAVE_SCRIPT, '--local', 'status'],
  ipam: [WEAVE_SCRIPT, '--local', 'status', 'ipam'],
  connections: [WEAVE_SCRIPT, '--local', 'status', 'connections'],
} as const;

const ALL_COMMANDS = { ...PROBE_COMMANDS, ...FALLBACK_COMMANDS };
export type ProbeCommand = keyof typeof ALL_COMMANDS;

export type CommandResult = { stdout: string; stderr: string; exitCode: number } | { error: string };

export interface FailedConnection {
  address: string;
  state: string;
  info: string;
}

/** An established connection that does not use fastdp (sleeve, or an overlay weavectl does not know). */
export interface SlowConnection {
  address: string;
  overlay: string;
  nickname?: string;
  mtu?: number;
}

export interface UnreachableOwner {
  peer: string;
  nickname: string;
  ips: number;
  percent: number;
}

export interface NodeProbe {
  weave?: WeaveStatus;
  /** The local peer's line of `status ipam`; undefined when it owns nothing (or IPAM could not be read). */
  share?: { ips: number; percent: number; active?: number };
  /** `status ipam` was read (even if empty). */
  ipamRead: boolean;
  unreachable: UnreachableOwner[];
  connections?: {
    established: number;
    failed: FailedConnection[];
    encrypted: number;
    unencrypted: number;
    /** established connections over fastdp */
    fastdp?: number;
    /** established connections over anything else (sleeve) */
    slow?: SlowConnection[];
    /** the MTUs the established connections report, distinct, ascending */
    mtus?: number[];
  };
  /** undefined: not read; null: read, the bridge has no IPv4 address. */
  bridge?: string | null;
  /** One line per command that failed: `weave --local status ipam: exit code 1: ...`. */
  errors: string[];
}

function commandText(cmd: ProbeCommand): string {
  if (cmd === 'digest') return 'weave --local report -f <template>';
  return ALL_COMMANDS[cmd].join(' ').replace(`${WEAVE_SCRIPT} `, 'weave ');
}

/** The text of a command that worked, or records why it did not. */
function outputOf(cmd: ProbeCommand, r: CommandResult | undefined, errors: string[]): string | undefined {
  if (r === undefined) return undefined;
  if ('error' in r) {
    errors.push(`${commandText(cmd)}: ${oneLine(r.error, 240)}`);
    return undefined;
  }
  if (r.exitCode !== 0) {
    const why = oneLine(r.stderr, 240) || oneLine(r.stdout, 240) || 'no output';
    errors.push(`${commandText(cmd)}: exit code ${r.exitCode}: ${why}`);
    return undefined;
  }
  return r.stdout;
}

export function summarizeProbe(results: Partial<Record<ProbeCommand, CommandResult>>): NodeProbe {
  const errors: string[] = [];
  const probe: NodeProbe = { ipamRead: false, unreachable: [], errors };
  const parse = <T>(cmd: ProbeCommand, text: string | undefined, fn: (t: string) => T): T | undefined => {
    if (text === undefined) return undefined;
    try {
      return fn(text);
    } catch (err) {
      errors.push(`${commandText(cmd)}: ${(err as Error).message}`);
      return undefined;
    }
  };

  // The digest when it was asked; the three status commands when weave refused it.
  const useDigest = results.digest !== undefined && results.status === undefined && results.ipam === undefined && results.connections === undefined;
  const digest = useDigest ? parse('digest', outputOf('digest', results.digest, errors), parseDigest) : undefined;
  const weave = useDigest ? digest?.weave : parse('status', outputOf('status', results.status, errors), parseWeaveStatus);
  if (weave) probe.weave = weave;
  if (digest && !digest.ready) errors.push('weave is not ready: `weave --local status` would exit 1 (its /status answers 503)');

  const owner = (o: IpamOwner) => {
    if (o.local && (weave?.name === undefined || weave.name === o.peer)) {
      probe.share = { ips: o.ips, percent: o.percent, ...(o.active !== undefined ? { active: o.active } : {}) };
    } else if (!o.reachable) {
      probe.unreachable.push({ peer: o.peer, nickname: o.nickname, ips: o.ips, percent: o.percent });
    }
  };
  let connectionsText: string | undefined;
  if (useDigest) {
    if (digest) {
      connectionsText = digest.connections;
      if (digest.ipam) {
        for (const o of ipamOwners(digest.ipam)) owner(o);
        probe.ipamRead = true;
      }
    }
  } else {
    parse('ipam', outputOf('ipam', results.ipam, errors), (t) => {
      parseStatusIpam(t, owner);
      probe.ipamRead = true;
    });
    connectionsText = outputOf('connections', results.connections, errors);
  }

  parse(useDigest ? 'digest' : 'connections', connectionsText, (t) => {
    const sum = summarizeConnections(t);
    if (digest) {
      sum.fastdp += digest.fastdp.count;
      sum.fastdpEncrypted += digest.fastdp.encrypted;
      sum.fastdpUnencrypted += digest.fastdp.unencrypted;
      for (const m of digest.fastdp.mtus) sum.fastdpMtus.add(m);
    }
    const c = {
      established: sum.fastdp,
      failed: [] as FailedConnection[],
      encrypted: sum.fastdpEncrypted,
      unencrypted: sum.fastdpUnencrypted,
      fastdp: sum.fastdp,
      slow: [] as SlowConnection[],
      mtus: [...sum.fastdpMtus],
    };
    for (const conn of sum.others) {
      if (conn.self) continue;
      if (conn.state === 'established') {
        c.established++;
        if (conn.encrypted === true) c.encrypted++;
        else if (conn.encrypted === false) c.unencrypted++;
        if (conn.overlay === 'fastdp') c.fastdp++;
        else if (conn.overlay !== undefined) {
          c.slow.push({ address: conn.address, overlay: conn.overlay, ...(conn.nickname ? { nickname: conn.nickname } : {}), ...(conn.mtu !== undefined ? { mtu: conn.mtu } : {}) });
        }
        if (conn.mtu !== undefined && !c.mtus.includes(conn.mtu)) c.mtus.push(conn.mtu);
      } else if (conn.state !== 'pending' && conn.state !== 'connecting') {
        c.failed.push({ address: conn.address, state: conn.state, info: conn.info });
      }
    }
    c.mtus.sort((a, b) => a - b);
    probe.connections = c;
  });

  const bridgeText = outputOf('bridge', results.bridge, errors);
  if (bridgeText !== undefined) probe.bridge = parseBridgeAddresses(bridgeText)[0] ?? null;
  return probe;
}
