/**
 * CONN_LIMIT in the simulator: which peers a weave router is connected to when the mesh has more
 * peers than one router may connect to.
 *
 * What the sources fix:
 * - prog/weave-kube/launch.sh passes `--conn-limit=$CONN_LIMIT` to the router, with the default
 *   `CONN_LIMIT=${CONN_LIMIT:-30}` at v1.9.8 … v2.2.1, `:-100` at v2.3.0 … v2.5.2, `:-200` from
 *   v2.6.0 (weaveworks/weave tags; rajch/weave v2.9.0 still `:-200`).
 * - The limit counts the router's connections, inbound and outbound alike: mesh's
 *   localPeer.checkConnectionLimit (`0 != limit && peer.connectionCount() >= limit` → "Connection
 *   limit reached (N)") runs before dialling (createConnection) and before adding an accepted
 *   connection (handleAddConnection) (v2.8.1 vendor/github.com/weaveworks/mesh/local_peer.go). So a
 *   connection exists only while both of its ends are under their limit, and no router holds more
 *   than CONN_LIMIT.
 * - A target that could not be dialled because of the limit stays a target: connectionAborted keeps
 *   it waiting with the error, and `status connections` shows it as `failed` with
 *   "Connection limit reached (N), retry: <time>" (v2.8.1 vendor/github.com/weaveworks/mesh/
 *   connection_maker.go attemptConnection/connectionAborted, status.go makeLocalConnectionStatusSlice).
 *
 * What they do not fix: WHICH peers end up connected. That depends on the order in which the
 * routers start and their randomised retry timers (connection_maker.go nextTryLater), so it is a
 * race. The simulator picks a deterministic, symmetric topology instead: the peers in join order on
 * a ring, each connected to its nearest floor(L/2) neighbours on either side (a circulant graph),
 * plus the opposite peer when L is odd and the number of peers even. Every peer then has exactly
 * min(peers - 1, L) connections, except when both L and the number of peers are odd (no graph has
 * every degree odd on an odd number of nodes): then every peer has L - 1.
 */

/** launch.sh's CONN_LIMIT default for a Weave Net version ("2.8.1"); 200 when unknown. */
export function defaultConnLimitOf(version: string): number {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  if (!m) return 200;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major < 2 || (major === 2 && minor <= 2)) return 30;
  if (major === 2 && minor <= 5) return 100;
  return 200;
}

/**
 * The indexes (into the join-ordered peer list of `n` peers) that peer `i` is connected to under
 * `limit` (0 or undefined: unlimited, as `--conn-limit=0`), in ascending order.
 */
export function linkedPeers(n: number, i: number, limit: number | undefined): number[] {
  if (!limit || limit >= n - 1) {
    const all: number[] = [];
    for (let j = 0; j < n; j++) if (j !== i) all.push(j);
    return all;
  }
  const out = new Set<number>();
  for (let d = 1; d <= Math.floor(limit / 2); d++) {
    out.add((i + d) % n);
    out.add((i - d + n) % n);
  }
  if (limit % 2 === 1 && n % 2 === 0) out.add((i + n / 2) % n);
  return [...out].sort((a, b) => a - b);
}

/** Whether peers `i` and `j` (join-order indexes) are connected under `limit`. */
export function areLinked(n: number, i: number, j: number, limit: number | undefined): boolean {
  if (i === j) return false;
  if (!limit || limit >= n - 1) return true;
  const d = Math.min((i - j + n) % n, (j - i + n) % n);
  if (d <= Math.floor(limit / 2)) return true;
  return limit % 2 === 1 && n % 2 === 0 && d === n / 2;
}
