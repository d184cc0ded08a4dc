/** Text helpers of the status report. Pure. */

/** Whitespace collapsed to single spaces, at most `max` characters (an ellipsis marks the cut). */
export function oneLine(s: string, max = 240): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** Node names and addresses in natural order (node-2 before node-10). */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
