/** Text helpers. Pure. */

/**
 * A message as one line: runs of whitespace (line breaks included: the API server's and weave's
 * multi-line messages) become one space, trimmed; longer than `max` characters, it is cut and the cut
 * marked with an ellipsis (…).
 */
export function oneLine(s: string, max = 300): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
