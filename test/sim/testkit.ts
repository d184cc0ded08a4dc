/** Helpers for the simulator's own tests: plain fetch against sim.url, and a line reader for watch streams. */

import type { Obj, Simulator } from './index.js';

export interface Reply {
  status: number;
  headers: Headers;
  body: Obj;
  text: string;
}

export async function call(sim: Simulator, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const r = await fetch(sim.url + path, init);
  const text = await r.text();
  let parsed: Obj = {};
  try {
    parsed = JSON.parse(text) as Obj;
  } catch {
    parsed = {};
  }
  return { status: r.status, headers: r.headers, body: parsed, text };
}

export const get = (sim: Simulator, path: string, headers?: Record<string, string>) => call(sim, 'GET', path, undefined, headers);
export const post = (sim: Simulator, path: string, body: unknown) => call(sim, 'POST', path, body);
export const put = (sim: Simulator, path: string, body: unknown) => call(sim, 'PUT', path, body);
export const del = (sim: Simulator, path: string, body?: unknown) => call(sim, 'DELETE', path, body);
export const patch = (sim: Simulator, path: string, contentType: string, body: unknown) => call(sim, 'PATCH', path, body, { 'content-type': contentType });

/** An open watch: collects events; `next(pred)` waits for a matching one. */
export interface WatchStream {
  events: Obj[];
  status: number;
  ended: Promise<void>;
  isEnded(): boolean;
  next(pred?: (e: Obj) => boolean, timeoutMs?: number): Promise<Obj>;
  close(): void;
}

export async function watch(sim: Simulator, path: string): Promise<WatchStream> {
  const ac = new AbortController();
  const r = await fetch(sim.url + path, { signal: ac.signal });
  const events: Obj[] = [];
  const waiters: { pred: (e: Obj) => boolean; resolve: (e: Obj) => void; from: number }[] = [];
  let ended = false;
  let endResolve!: () => void;
  const endedP = new Promise<void>((res) => (endResolve = res));
  const onEvent = (e: Obj) => {
    events.push(e);
    for (const w of [...waiters]) {
      if (w.pred(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  };
  void (async () => {
    let buf = '';
    const dec = new TextDecoder();
    try {
      for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
        buf += dec.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.trim()) onEvent(JSON.parse(line) as Obj);
        }
      }
    } catch {
      // aborted
    }
    ended = true;
    endResolve();
  })();
  return {
    events,
    status: r.status,
    ended: endedP,
    isEnded: () => ended,
    next(pred = () => true, timeoutMs = 5000) {
      const seen = events.find(pred);
      if (seen) {
        events.splice(events.indexOf(seen), 1);
        return Promise.resolve(seen);
      }
      return new Promise<Obj>((resolve, reject) => {
        const w = {
          pred,
          resolve: (e: Obj) => {
            clearTimeout(to);
            events.splice(events.indexOf(e), 1);
            resolve(e);
          },
          from: events.length,
        };
        const to = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`no matching watch event within ${timeoutMs} ms; got ${JSON.stringify(events.map((e) => e['type']))}`));
        }, timeoutMs);
        waiters.push(w);
      });
    },
    close() {
      ac.abort();
    },
  };
}

export function daemonSet(name: string, image = 'weaveworks/weave-kube:2.8.1', extra: Obj = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'kube-system', labels: { name } },
    spec: {
      selector: { matchLabels: { name } },
      template: { metadata: { labels: { name } }, spec: { containers: [{ name: 'weave', image }], tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }] } },
      ...extra,
    },
  };
}

export const DS_PATH = '/apis/apps/v1/namespaces/kube-system/daemonsets';
