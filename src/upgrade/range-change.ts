/**
 * Refusing to change IPALLOC_RANGE under a running Weave Net (weave-facts §3, weave#2874).
 *
 * A new range makes a new network: the peers that restart with it refuse the peers still on the old
 * one until a quorum of them has restarted, running pods lose connectivity meanwhile, and every node
 * keeps the old range in /var/lib/weave/weave-netdata.db, so a restarted peer can come back with it.
 *
 * Exit code: asking for a different range is a valid command line, so this is not a usage error
 * (2); weavectl refuses the operation for the cluster's sake, like a failed pre-flight check, so it
 * is a failure (exit 1) with a hint naming --allow-range-change. Pure.
 */
import { failure, type WeavectlError } from '../errors.js';
import { canonical, formatCidr, tryParseCidr, WEAVE_DEFAULT_IPALLOC } from '../net/cidr.js';
import type { LiveSettings } from './live-settings.js';

export const ALLOW_RANGE_CHANGE_FLAG = '--allow-range-change';

export interface RangeChange {
  /** The range the running Weave Net uses ("10.32.0.0/12" when it sets none). */
  from: string;
  /** True when `from` is Weave's default (no IPALLOC_RANGE on the live DaemonSet). */
  fromDefault: boolean;
  to: string;
  /** One line: why this is refused. */
  message: string;
  hint: string;
  /** One line for when the change is allowed anyway. */
  warning: string;
}

function normalize(cidr: string): string {
  const c = tryParseCidr(cidr.trim());
  return c ? formatCidr(canonical(c)) : cidr.trim();
}

/** The range the running Weave Net allocates from: its IPALLOC_RANGE, else Weave's default. */
export function liveRange(live: Pick<LiveSettings, 'settings' | 'ipallocRaw'>): { cidr: string; isDefault: boolean } {
  const raw = live.settings.ipalloc ?? live.ipallocRaw;
  return raw === undefined || raw.trim() === '' ? { cidr: WEAVE_DEFAULT_IPALLOC, isDefault: true } : { cidr: normalize(raw), isDefault: false };
}

/**
 * Undefined when installing with `desired` keeps the running range (also when `desired` is undefined:
 * the live range is kept); otherwise what changes and the words to refuse it with.
 */
export function rangeChange(live: Pick<LiveSettings, 'settings' | 'ipallocRaw'>, desired: string | undefined): RangeChange | undefined {
  if (desired === undefined) return undefined;
  const { cidr: from, isDefault } = liveRange(live);
  const to = normalize(desired);
  if (from === to) return undefined;
  const fromText = isDefault ? `${from} (Weave's default: it sets no IPALLOC_RANGE)` : from;
  const message =
    `refusing to change the pod range of the running Weave Net from ${fromText} to ${to}: a new range makes a new network (weave#2874); ` +
    `peers refuse each other until a quorum has restarted, running pods lose connectivity, and each node keeps the old range in /var/lib/weave/weave-netdata.db`;
  const hint =
    `keep the range (omit --ipalloc, or pass --ipalloc ${from}); to change it anyway pass ${ALLOW_RANGE_CHANGE_FLAG} and plan an outage: ` +
    `remove /var/lib/weave/weave-netdata.db on every node and restart all weave-net pods together`;
  const warning = `changing the pod range from ${from} to ${to} (${ALLOW_RANGE_CHANGE_FLAG}): pods lose connectivity until every weave-net pod has restarted, and nodes keep the old range in /var/lib/weave/weave-netdata.db until it is removed`;
  return { from, fromDefault: isDefault, to, message, hint, warning };
}

/** The error install throws for a range change that was not allowed (exit 1). */
export function refuseRangeChange(rc: RangeChange): WeavectlError {
  return failure(rc.message, rc.hint);
}
