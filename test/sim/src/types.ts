/**
 * Types shared by the simulator's modules (and by exec.ts / weave-node.ts).
 *
 * Objects are plain JSON as the API server would store them: no typed models, unknown fields kept.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = Record<string, any>;

/** What an exec handler answers for one command run in one container. */
export interface ExecReply {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * Answers `kubectl exec POD -c CONTAINER -- COMMAND...`; `undefined` = "not mine, ask the next handler".
 * Handlers registered later are asked first.
 */
export type ExecHandler = (pod: Obj, container: string, command: string[]) => ExecReply | undefined | Promise<ExecReply | undefined>;

/** The registry of exec handlers a test programs (`sim.execHandlers`). */
export class ExecHandlers {
  private handlers: ExecHandler[] = [];

  /** Adds a handler (asked before the ones added earlier); returns a function that removes it. */
  add(handler: ExecHandler): () => void {
    this.handlers.push(handler);
    return () => {
      const i = this.handlers.indexOf(handler);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }

  /** Removes every handler. */
  clear(): void {
    this.handlers = [];
  }

  /** The first answer of the handlers, newest first; `undefined` when none answers. */
  async run(pod: Obj, container: string, command: string[]): Promise<ExecReply | undefined> {
    for (let i = this.handlers.length - 1; i >= 0; i--) {
      const h = this.handlers[i]!;
      const r = await h(pod, container, command);
      if (r !== undefined) return r;
    }
    return undefined;
  }

  get size(): number {
    return this.handlers.length;
  }
}

/**
 * Container logs (`sim.podLogs`), per namespace/pod/container. `previous` holds what the last terminated
 * instance wrote (`kubectl logs --previous`). Crash-loop faults write here too.
 */
export class PodLogs {
  private current = new Map<string, string>();
  private prev = new Map<string, string>();
  private listeners = new Set<(ns: string, pod: string, container: string, chunk: string) => void>();

  private static key(ns: string, pod: string, container: string): string {
    return `${ns}/${pod}/${container}`;
  }

  /** Replaces the log of a container. */
  set(ns: string, pod: string, container: string, text: string): void {
    this.current.set(PodLogs.key(ns, pod, container), text);
    this.stamps.set(PodLogs.key(ns, pod, container), [{ offset: 0, at: this.now() }]);
  }

  /** Appends to the log of a container (and tells followers). */
  append(ns: string, pod: string, container: string, text: string): void {
    const k = PodLogs.key(ns, pod, container);
    const before = this.current.get(k) ?? '';
    this.current.set(k, before + text);
    const stamps = this.stamps.get(k) ?? [];
    stamps.push({ offset: before.length, at: this.now() });
    this.stamps.set(k, stamps);
    for (const l of this.listeners) l(ns, pod, container, text);
  }

  /** When each piece of a log was written (for sinceSeconds/sinceTime): offsets into the text, epoch ms. */
  private stamps = new Map<string, { offset: number; at: number }[]>();
  private prevStamps = new Map<string, { offset: number; at: number }[]>();
  /** The clock of the stamps (a test may set it). */
  now: () => number = () => Date.now();

  /** What was written at or after `sinceMs` (epoch ms), as the kubelet filters by the runtime's line timestamps. */
  getSince(ns: string, pod: string, container: string, sinceMs: number, opts: { previous?: boolean } = {}): string {
    const k = PodLogs.key(ns, pod, container);
    const text = this.get(ns, pod, container, opts);
    const first = ((opts.previous ? this.prevStamps : this.stamps).get(k) ?? []).find((s) => s.at >= sinceMs);
    return first ? text.slice(first.offset) : '';
  }

  /** The log of a container ('' when nothing was written). */
  get(ns: string, pod: string, container: string, opts: { previous?: boolean } = {}): string {
    const k = PodLogs.key(ns, pod, container);
    return (opts.previous ? this.prev.get(k) : this.current.get(k)) ?? '';
  }

  /** Whether a `--previous` log exists (a container that restarted). */
  hasPrevious(ns: string, pod: string, container: string): boolean {
    return this.prev.has(PodLogs.key(ns, pod, container));
  }

  /** Moves the current log to "previous" (a container restart) and starts an empty one. */
  rotate(ns: string, pod: string, container: string): void {
    const k = PodLogs.key(ns, pod, container);
    this.prev.set(k, this.current.get(k) ?? '');
    this.current.set(k, '');
    this.prevStamps.set(k, this.stamps.get(k) ?? []);
    this.stamps.set(k, []);
  }

  /** Forgets every log of a pod (when it is deleted). */
  deletePod(ns: string, pod: string): void {
    const prefix = `${ns}/${pod}/`;
    for (const m of [this.current, this.prev]) for (const k of [...m.keys()]) if (k.startsWith(prefix)) m.delete(k);
  }

  /** Calls `fn` for every append (for `logs --follow`); returns an unsubscribe function. */
  onAppend(fn: (ns: string, pod: string, container: string, chunk: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
