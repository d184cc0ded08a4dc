/** How weave prints a peer's share of the IPAM range (`weave status ipam`), shared by status and peers. Pure. */

/**
 * Go's `%04.1f` of float32(ips)*100/float32(total), as a number (http.go printIPAMRanges): the
 * float32 quotient (24-bit mantissa) is exact when scaled by 10 in a double; ties to even.
 */
export function ipamPercent(ips: number, total: number): number {
  const f = Math.fround;
  if (total <= 0) return 0;
  const scaled = f(f(f(ips) * 100) / f(total)) * 10;
  let n = Math.floor(scaled);
  const frac = scaled - n;
  if (frac > 0.5 || (frac === 0.5 && n % 2 === 1)) n += 1;
  return n / 10;
}
