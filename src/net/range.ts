/**
 * A run of addresses as the fewest CIDR blocks (weave's IPAM ring owns runs: a token and a size,
 * not necessarily aligned). Pure.
 */
import { formatIp, parseIp } from './cidr.js';

/** The CIDRs that cover exactly `count` addresses from `start` ("172.25.96.0", 4096 -> ["172.25.96.0/20"]). */
export function rangeToCidrs(start: string | number, count: number): string[] {
  let ip = typeof start === 'number' ? start : parseIp(start);
  let left = Math.floor(count);
  if (!Number.isInteger(ip) || ip < 0 || ip > 0xffffffff || left < 0 || ip + left > 2 ** 32) {
    throw new RangeError(`not a run of IPv4 addresses: ${String(start)} + ${count}`);
  }
  const out: string[] = [];
  while (left > 0) {
    // The largest block aligned at ip that fits in what is left.
    let size = ip === 0 ? 2 ** 32 : 2 ** Math.min(32, countTrailingZeros(ip));
    while (size > left) size /= 2;
    out.push(`${formatIp(ip)}/${32 - Math.log2(size)}`);
    ip += size;
    left -= size;
  }
  return out;
}

function countTrailingZeros(n: number): number {
  let z = 0;
  while (z < 32 && n % 2 ** (z + 1) === 0) z++;
  return z;
}
