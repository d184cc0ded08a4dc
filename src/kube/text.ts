/** Kubernetes messages (condition and waiting messages) as one line. Pure. */

/** Joins a multi-line message into one line. */
export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}
