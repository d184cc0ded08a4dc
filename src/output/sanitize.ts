/**
 * Text from the cluster (exec output and errors, logs, event and status messages, names) is not
 * trusted: a pod can write terminal escape sequences that retitle or clear the operator's terminal,
 * move the cursor over earlier lines, or write to the clipboard (OSC 52). Everything printed as text
 * goes through sanitize() (the Reporter calls it for every message and every text document); JSON and
 * YAML documents are printed exactly (Reporter.document).
 *
 * - escape sequences (CSI `ESC [ ... final`, OSC/DCS/SOS/PM/APC strings up to BEL or ST, and the
 *   two-byte ones), in their 7-bit and 8-bit (C1) forms, are removed; with keepStyle, SGR sequences
 *   (`ESC [ 1;31 m`: colour and weight, nothing else) are kept, for weavectl's own colours;
 * - every other C0 control character but tab and newline, DEL, C1 controls and the Unicode bidi
 *   overrides are shown as `\xHH` / `\uHHHH` (a CR before LF is dropped: CRLF line ends).
 */

// ESC-introduced sequences and their C1 forms (0x9b CSI, 0x9d OSC, 0x90 DCS, 0x98 SOS, 0x9e PM, 0x9f APC).
const STRING_SEQ = /(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c|$)/g;
const CSI_SEQ = /(?:\x1b\[|\x9b)([0-?]*)([ -/]*)([@-~]|$)/g;
const ESC_SEQ = /\x1b[ -/]*[0-~]?/g;
const LONE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

export interface SanitizeOptions {
  /** Keep SGR sequences (colours, bold): only for weavectl's own colours on a colour terminal. */
  keepStyle?: boolean;
}

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The text with escape sequences removed and other control characters made visible. */
export function sanitize(text: string, opts: SanitizeOptions = {}): string {
  // the common case costs one test
  if (!/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/.test(text)) return text;
  return text
    .replace(STRING_SEQ, '')
    .replace(CSI_SEQ, (seq: string, params: string, inter: string, final: string) =>
      opts.keepStyle && seq.startsWith('\x1b[') && final === 'm' && inter === '' && /^[0-9;:]*$/.test(params) ? seq : '',
    )
    .replace(ESC_SEQ, (seq) => (seq.startsWith('\x1b[') ? seq : '')) // a kept SGR starts with ESC [
    .replace(LONE, (ch: string, offset: number, whole: string) => {
      if (ch === '\r' && whole[offset + 1] === '\n') return ''; // CRLF line end
      return ch === '\x1b' && opts.keepStyle && whole.startsWith('\x1b[', offset) ? ch : visible(ch);
    });
}

/** Every string in a plain value (a report of strings, numbers, arrays, objects) sanitized; for renderers given remote text. */
export function sanitizeDeep<T>(value: T): T {
  if (typeof value === 'string') return sanitize(value) as T;
  if (Array.isArray(value)) return value.map((v) => sanitizeDeep(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = sanitizeDeep(v);
    return out as T;
  }
  return value;
}
