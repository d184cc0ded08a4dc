/**
 * What keeps passwords and tokens out of a sysdump. Pure.
 *
 * Objects go through src/manifest/redact.ts (a literal WEAVE_PASSWORD in a pod template) first;
 * then every byte written to the archive goes through a Scrubber, which replaces
 * - each known secret value (the WEAVE_PASSWORD of the running pods, literal or read from the
 *   Secret they reference), also in its JSON-escaped form (a kubectl last-applied-configuration
 *   annotation holds the whole object as a JSON string);
 * - whatever follows `--password`, `--token`, `password=`/`password:`, `token=`/`token:`,
 *   `WEAVE_PASSWORD=` and `Bearer ` (weave itself prints `<redacted>` for its password and token
 *   flags, v2.8.1 prog/weaver/main.go options(); this is for everything else).
 * Values shorter than MIN_SECRET_LENGTH are not replaced by value (they would hit ordinary text);
 * the patterns still apply to them.
 */
import { REDACTED_VALUE } from '../manifest/redact.js';

export { REDACTED_VALUE };
export const MIN_SECRET_LENGTH = 4;

const PATTERNS: RegExp[] = [
  // --password X, --password=X, --token X
  /(--(?:password|token)[= ])("?)(?!\(password hidden\)|<redacted>)[^\s"]+/g,
  // password=X, password: X, token=X, WEAVE_PASSWORD=X (not "Token": in JSON: that key is weave's IPAM ring token, an address)
  /(\b(?:[A-Z_]*PASSWORD|password|passwd|token)\s*[=:]\s*)("?)(?!\(password hidden\)|<redacted>)[^\s",}]+/g,
  // Authorization: Bearer X
  /(\bBearer\s+)()[A-Za-z0-9._~+/=-]{8,}/g,
];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class Scrubber {
  private readonly valueRe: RegExp | undefined;
  /** The longest text one replacement can span: a streamed chunk keeps this much back. */
  readonly window: number;

  constructor(secrets: Iterable<string>) {
    const forms = new Set<string>();
    for (const s of secrets) {
      if (s.length < MIN_SECRET_LENGTH) continue;
      forms.add(s);
      forms.add(JSON.stringify(s).slice(1, -1));
      forms.add(JSON.stringify(JSON.stringify(s).slice(1, -1)).slice(1, -1)); // JSON inside a JSON string
    }
    const list = [...forms].sort((a, b) => b.length - a.length);
    this.valueRe = list.length > 0 ? new RegExp(list.map(escapeRegExp).join('|'), 'g') : undefined;
    this.window = Math.max(256, ...list.map((s) => s.length * 2));
  }

  /** Known secrets, then the password and token patterns, replaced by REDACTED_VALUE. */
  text(s: string): string {
    let out = this.valueRe ? s.replace(this.valueRe, REDACTED_VALUE) : s;
    for (const re of PATTERNS) out = out.replace(re, (_m, key: string, quote: string) => `${key}${quote}${REDACTED_VALUE}`);
    return out;
  }

  /** `cut`, moved back to the start of any replacement that would straddle it. */
  private safeCut(text: string, cut: number): number {
    for (let moved = true; moved && cut > 0; ) {
      moved = false;
      for (const re of [...(this.valueRe ? [this.valueRe] : []), ...PATTERNS]) {
        re.lastIndex = 0;
        for (let m = re.exec(text); m; m = re.exec(text)) {
          if (m.index >= cut) break;
          if (m.index + m[0].length > cut) {
            cut = m.index;
            moved = true;
          }
          if (m[0].length === 0) re.lastIndex++;
        }
        re.lastIndex = 0;
      }
    }
    return cut;
  }

  /**
   * A scrubber for text that arrives in pieces: push() returns what is safe to write, holding back
   * the rest of the last line (or, for a very long line, the last `window` characters) so that a
   * secret split across two pieces is still found; end() returns the rest.
   */
  stream(): { push(chunk: string): string; end(): string } {
    let carry = '';
    const LONG_LINE = 1 << 20;
    return {
      push: (chunk: string) => {
        carry += chunk;
        let cut = carry.lastIndexOf('\n') + 1;
        // A line longer than LONG_LINE is cut inside, but never inside something to replace.
        if (cut === 0 && carry.length > LONG_LINE) cut = this.safeCut(carry, carry.length - this.window);
        if (cut <= 0) return '';
        const ready = carry.slice(0, cut);
        carry = carry.slice(cut);
        return this.text(ready);
      },
      end: () => {
        const rest = carry;
        carry = '';
        return this.text(rest);
      },
    };
  }
}

/**
 * The WEAVE_PASSWORD values of objects' pod specs (DaemonSet templates, pods), literal ones, and the
 * Secret references (name, key) of those given by valueFrom.secretKeyRef.
 */
export function passwordSources(objects: Iterable<unknown>): { literals: Set<string>; secretRefs: Map<string, { name: string; key: string }> } {
  const literals = new Set<string>();
  const secretRefs = new Map<string, { name: string; key: string }>();
  const fromSpec = (spec: unknown) => {
    if (!spec || typeof spec !== 'object') return;
    const s = spec as { containers?: unknown; initContainers?: unknown };
    for (const list of [s.containers, s.initContainers]) {
      if (!Array.isArray(list)) continue;
      for (const c of list as { env?: { name?: unknown; value?: unknown; valueFrom?: { secretKeyRef?: { name?: unknown; key?: unknown } } }[] }[]) {
        for (const e of c?.env ?? []) {
          if (e?.name !== 'WEAVE_PASSWORD') continue;
          if (typeof e.value === 'string' && e.value !== '' && e.value !== REDACTED_VALUE) literals.add(e.value);
          const ref = e.valueFrom?.secretKeyRef;
          if (ref && typeof ref.name === 'string' && typeof ref.key === 'string') secretRefs.set(`${ref.name}/${ref.key}`, { name: ref.name, key: ref.key });
        }
      }
    }
  };
  for (const o of objects) {
    const spec = (o as { spec?: { template?: { spec?: unknown } } })?.spec;
    fromSpec(spec?.template?.spec);
    fromSpec(spec);
  }
  return { literals, secretRefs };
}
