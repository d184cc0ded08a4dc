/**
 * Watch: a streaming GET that answers newline-delimited JSON events. client-node's Watch has no
 * inactivity timeout, so this is done over the raw transport: it resolves when the server ends the
 * stream (timeoutSeconds), the connection drops or goes silent, or the caller aborts. ERROR events
 * (e.g. a 410 Gone for an expired resourceVersion) are passed to the caller, who decides to re-list.
 */
import type { KubeObject, WatchEvent, WatchOptions } from './types.js';
import type { RequestDescription } from './status-errors.js';
import type { Transport } from './transport.js';

/** Server-side watch length when the caller gives none (client-go's reflector uses 5-10 minutes). */
export const DEFAULT_WATCH_TIMEOUT_SECONDS = 300;
/** How much longer than timeoutSeconds a silent stream may stay open before it counts as dropped. */
export const WATCH_GRACE_MS = 30_000;

const EVENT_TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/** A line that is not a watch event: the stream is broken and treated as dropped. */
class BrokenStream extends Error {}

/**
 * Splits a chunked body into lines and parses each as a watch event. Pure; exported for tests.
 * `push` returns the complete events; `flush` the last, unterminated one.
 */
export class EventSplitter {
  private buf = '';

  push(chunk: string): WatchEvent[] {
    this.buf += chunk;
    const out: WatchEvent[] = [];
    for (let i = this.buf.indexOf('\n'); i >= 0; i = this.buf.indexOf('\n')) {
      const line = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 1);
      const ev = parseEvent(line);
      if (ev) out.push(ev);
    }
    return out;
  }

  flush(): WatchEvent[] {
    const rest = this.buf;
    this.buf = '';
    const ev = parseEvent(rest);
    return ev ? [ev] : [];
  }
}

function parseEvent(line: string): WatchEvent | undefined {
  const text = line.trim();
  if (text === '') return undefined;
  let v: { type?: unknown; object?: unknown };
  try {
    v = JSON.parse(text) as typeof v;
  } catch {
    throw new BrokenStream(`not JSON: ${text.slice(0, 80)}`);
  }
  if (!v || typeof v !== 'object' || typeof v.type !== 'string' || !v.object || typeof v.object !== 'object') {
    throw new BrokenStream(`not a watch event: ${text.slice(0, 80)}`);
  }
  if (!EVENT_TYPES.has(v.type)) return undefined; // a future event type: skip it
  return v as WatchEvent;
}

export async function runWatch<T extends KubeObject>(
  t: Transport,
  path: string,
  desc: RequestDescription,
  opts: WatchOptions,
  onEvent: (e: WatchEvent<T>) => void,
  signal: AbortSignal,
): Promise<void> {
  const timeoutSeconds = opts.timeoutSeconds ?? DEFAULT_WATCH_TIMEOUT_SECONDS;
  const splitter = new EventSplitter();
  const deliver = (events: WatchEvent[]) => {
    for (const e of events) {
      if (signal.aborted) return;
      onEvent(e as WatchEvent<T>);
    }
  };
  try {
    const end = await t.stream(
      {
        method: 'GET',
        path,
        query: {
          watch: 'true',
          resourceVersion: opts.resourceVersion,
          allowWatchBookmarks: opts.allowWatchBookmarks ? 'true' : undefined,
          timeoutSeconds,
          labelSelector: opts.labelSelector,
          fieldSelector: opts.fieldSelector,
        },
        desc,
      },
      (chunk) => deliver(splitter.push(chunk)),
      signal,
      timeoutSeconds * 1000 + WATCH_GRACE_MS,
    );
    if (end === 'ended') deliver(splitter.flush());
  } catch (err) {
    if (err instanceof BrokenStream) return; // treated as a drop: the caller resumes
    throw err;
  }
}
