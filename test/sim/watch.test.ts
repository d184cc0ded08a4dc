import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from './index.js';
import { del, get, patch, post, watch, type WatchStream } from './testkit.js';

let sim: Simulator | undefined;
const streams: WatchStream[] = [];
afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  await sim?.stop();
  sim = undefined;
});

const CM = '/api/v1/namespaces/default/configmaps';
const cm = (name: string, labels: Record<string, string> = {}) => ({ metadata: { name, labels }, data: { a: '1' } });

async function open(s: Simulator, path: string): Promise<WatchStream> {
  const w = await watch(s, path);
  streams.push(w);
  return w;
}

describe('watch', () => {
  it('without a resourceVersion: ADDED for the current state, then changes', async () => {
    sim = await startSimulator({ nodes: 1 });
    await post(sim, CM, cm('a'));
    const w = await open(sim, `${CM}?watch=true`);
    expect(w.status).toBe(200);
    const first = await w.next();
    expect(first['type']).toBe('ADDED');
    expect(first['object']).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'a' } });
    await patch(sim, `${CM}/a`, 'application/merge-patch+json', { data: { a: '2' } });
    const mod = await w.next((e) => e['type'] === 'MODIFIED');
    expect(mod['object']['data']).toEqual({ a: '2' });
    await del(sim, `${CM}/a`);
    const gone = await w.next((e) => e['type'] === 'DELETED');
    expect(Number(gone['object']['metadata']['resourceVersion'])).toBeGreaterThan(Number(mod['object']['metadata']['resourceVersion']));
  });

  it('from a resourceVersion: only the events after it (legacy /watch/ path too)', async () => {
    sim = await startSimulator({ nodes: 1 });
    const a = await post(sim, CM, cm('a'));
    const rv = a.body['metadata']['resourceVersion'];
    await post(sim, CM, cm('b'));
    await patch(sim, `${CM}/a`, 'application/merge-patch+json', { data: { a: '3' } });
    const w = await open(sim, `${CM}?watch=1&resourceVersion=${rv}`);
    const e1 = await w.next();
    const e2 = await w.next();
    expect([e1['type'], e1['object']['metadata']['name']]).toEqual(['ADDED', 'b']);
    expect([e2['type'], e2['object']['metadata']['name']]).toEqual(['MODIFIED', 'a']);
    const legacy = await open(sim, `/api/v1/watch/namespaces/default/configmaps/a?resourceVersion=${rv}`);
    const l1 = await legacy.next();
    expect([l1['type'], l1['object']['metadata']['name']]).toEqual(['MODIFIED', 'a']);
  });

  it('applies label selectors: an object leaving the selection is DELETED for the watcher', async () => {
    sim = await startSimulator({ nodes: 1 });
    await post(sim, CM, cm('a', { app: 'weave' }));
    const w = await open(sim, `${CM}?watch=true&labelSelector=app%3Dweave`);
    await w.next((e) => e['type'] === 'ADDED');
    await post(sim, CM, cm('other', { app: 'x' }));
    await patch(sim, `${CM}/a`, 'application/merge-patch+json', { metadata: { labels: { app: 'gone' } } });
    const d = await w.next();
    expect(d['type']).toBe('DELETED');
    expect(d['object']['metadata']['name']).toBe('a');
    await patch(sim, `${CM}/other`, 'application/merge-patch+json', { metadata: { labels: { app: 'weave' } } });
    const a = await w.next();
    expect([a['type'], a['object']['metadata']['name']]).toEqual(['ADDED', 'other']);
  });

  it('sends bookmarks when allowed and ends at timeoutSeconds', async () => {
    sim = await startSimulator({ nodes: 1, bookmarkIntervalMs: 50 });
    const w = await open(sim, `${CM}?watch=true&allowWatchBookmarks=true&resourceVersion=${sim.resourceVersion}&timeoutSeconds=1`);
    const b = await w.next((e) => e['type'] === 'BOOKMARK');
    expect(b['object']).toEqual({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: String(sim.resourceVersion) } });
    const t0 = Date.now();
    await w.ended;
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('answers an expired resourceVersion with 200 and one 410 ERROR event, then closes', async () => {
    sim = await startSimulator({ nodes: 1 });
    const old = sim.resourceVersion;
    await post(sim, CM, cm('a'));
    sim.compact();
    const compactedAt = sim.resourceVersion;
    const w = await open(sim, `${CM}?watch=true&resourceVersion=${old - 5}`);
    expect(w.status).toBe(200);
    await w.ended;
    expect(w.events).toHaveLength(1);
    expect(w.events[0]).toEqual({
      type: 'ERROR',
      object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${old - 5} (${compactedAt + 1})`, reason: 'Expired', code: 410 },
    });
  });

  it('expires resourceVersions through faults; the event window also expires old ones', async () => {
    sim = await startSimulator({ nodes: 1, eventWindow: 5 });
    const start = sim.resourceVersion;
    for (let i = 0; i < 10; i++) await post(sim, CM, cm(`c${i}`));
    const w = await open(sim, `${CM}?watch=true&resourceVersion=${start}`);
    await w.ended;
    expect(w.events[0]!['object']['code']).toBe(410);
    const recent = sim.resourceVersion;
    const undo = sim.faults.expireResourceVersions(recent + 1);
    const w2 = await open(sim, `${CM}?watch=true&resourceVersion=${recent}`);
    await w2.ended;
    expect(w2.events[0]!['object']['message']).toBe(`too old resource version: ${recent} (${recent + 1})`);
    undo();
    const w3 = await open(sim, `${CM}?watch=true&resourceVersion=${recent}`);
    await post(sim, CM, cm('fresh'));
    expect((await w3.next())['type']).toBe('ADDED');
  });

  it('cuts watches after N events when told to', async () => {
    sim = await startSimulator({ nodes: 1 });
    for (const n of ['a', 'b', 'c']) await post(sim, CM, cm(n));
    sim.faults.cutWatches({ after: 2, resource: 'configmaps', count: 1 });
    const w = await open(sim, `${CM}?watch=true`);
    await w.ended;
    expect(w.events.map((e) => e['object']['metadata']['name'])).toEqual(['a', 'b']);
    const w2 = await open(sim, `${CM}?watch=true`);
    await w2.next((e) => e['object']['metadata']['name'] === 'c');
    expect(w2.isEnded()).toBe(false);
  });

  it('stop() closes open watches', async () => {
    sim = await startSimulator({ nodes: 1 });
    const w = await open(sim, `${CM}?watch=true`);
    await sim.stop();
    await w.ended;
    expect(w.isEnded()).toBe(true);
    sim = undefined;
  });

  it('sendInitialEvents ends the initial list with the annotated bookmark', async () => {
    sim = await startSimulator({ nodes: 1 });
    await post(sim, CM, cm('a'));
    const w = await open(sim, `${CM}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`);
    expect((await w.next())['type']).toBe('ADDED');
    const b = await w.next();
    expect(b['type']).toBe('BOOKMARK');
    expect(b['object']['metadata']['annotations']).toEqual({ 'k8s.io/initial-events-end': 'true' });
    void get;
  });
});
