/** Text helpers of the status report. Pure. */

/** Node names and addresses in natural order (node-2 before node-10). */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
