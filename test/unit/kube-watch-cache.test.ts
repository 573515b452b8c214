import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { WatchCache } from '../../agent/kube/watch-cache.js';
import type { WatchOpener } from '../../agent/kube/watch.js';
import { FakeClock } from '../support/fake-clock.js';
import { prng } from '../support/prng.js';

interface Obj {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  v: string;
}
type Event = readonly [type: string, object: Obj | { code: number; metadata?: undefined }];
type Call = { readonly list: readonly Obj[]; readonly rv: string } | { readonly watchFrom: string; readonly events: readonly Event[]; readonly end: 'open' | 'closed' };

const obj = (name: string, v: string, rv = '', namespace = 'default'): Obj => ({ metadata: { name, namespace, resourceVersion: rv }, v });

/**
 * The API server as a script: each list and each watch must come in the
 * scripted order, a watch from the scripted resourceVersion. Anything else
 * is recorded and refused. Scripts end with an open watch, so a correct
 * cache makes no further call.
 */
class ScriptedServer {
  readonly unexpected: string[] = [];
  #next = 0;

  constructor(private readonly script: readonly Call[]) {}

  get done(): boolean {
    return this.#next === this.script.length;
  }

  #take<K extends 'list' | 'watchFrom'>(kind: K, what: string): Extract<Call, Record<K, unknown>> {
    const call = this.script[this.#next];
    if (!call || !(kind in call)) {
      this.unexpected.push(`${what} at step ${this.#next}`);
      throw new Error(`unexpected ${what}`);
    }
    this.#next++;
    return call as Extract<Call, Record<K, unknown>>;
  }

  readonly list = async (): Promise<{ items: Obj[]; resourceVersion: string }> => {
    const call = this.#take('list', 'list');
    return { items: [...call.list], resourceVersion: call.rv };
  };

  readonly open: WatchOpener = async (_path, params, onEvent, onDone) => {
    const call = this.#take('watchFrom', `watch from ${String(params.resourceVersion)}`);
    if (params.resourceVersion !== call.watchFrom) this.unexpected.push(`watch from ${String(params.resourceVersion)}, scripted ${call.watchFrom}`);
    queueMicrotask(() => {
      for (const [type, object] of call.events) onEvent(type, object);
      if (call.end === 'closed') onDone(null);
    });
    return { abort: () => undefined };
  };
}

interface Row {
  readonly name: string;
  readonly script: readonly Call[];
  readonly keyOf?: (o: Obj) => string;
  /** cache.values() as seen inside each onChange. */
  readonly changes: readonly (readonly string[])[];
  readonly lists: number;
  readonly gone?: number;
  readonly get?: readonly [key: string, value: string | undefined];
}

const rows: Row[] = [
  {
    name: 'a list fills the cache and fires once, even when it is empty',
    script: [{ list: [], rv: '1' }, { watchFrom: '1', events: [], end: 'open' }],
    changes: [[]],
    lists: 1,
  },
  {
    name: 'ADDED and MODIFIED set an entry, DELETED removes it, each fires once',
    script: [
      { list: [obj('a', '1')], rv: '1' },
      { watchFrom: '1', events: [['ADDED', obj('b', '1', '2')], ['MODIFIED', obj('a', '2', '3')], ['DELETED', obj('b', '1', '4')]], end: 'open' },
    ],
    changes: [['a=1'], ['a=1', 'b=1'], ['a=2', 'b=1'], ['a=2']],
    lists: 1,
    get: ['b', undefined],
  },
  {
    name: 'a DELETED of an object the cache never had still fires, and leaves the cache as it was',
    script: [{ list: [obj('a', '1')], rv: '1' }, { watchFrom: '1', events: [['DELETED', obj('z', '1', '2')]], end: 'open' }],
    changes: [['a=1'], ['a=1']],
    lists: 1,
  },
  {
    name: 'after 410 Gone the relist replaces the whole map: what the old list and the old watch brought is gone',
    script: [
      { list: [obj('a', '1'), obj('b', '1')], rv: '1' },
      { watchFrom: '1', events: [['ADDED', obj('c', '1', '2')], ['ERROR', { code: 410 }]], end: 'open' },
      { list: [obj('b', '2'), obj('d', '1')], rv: '9' },
      { watchFrom: '9', events: [], end: 'open' },
    ],
    changes: [['a=1', 'b=1'], ['a=1', 'b=1', 'c=1'], ['b=2', 'd=1']],
    lists: 2,
    gone: 1,
    get: ['b', 'b=2'],
  },
  {
    name: 'a closed stream resumes from the last resourceVersion without a relist, and the map stays',
    script: [
      { list: [obj('a', '1')], rv: '1' },
      { watchFrom: '1', events: [['MODIFIED', obj('a', '2', '5')]], end: 'closed' },
      { watchFrom: '5', events: [['ADDED', obj('b', '1', '6')]], end: 'open' },
    ],
    changes: [['a=1'], ['a=2'], ['a=2', 'b=1']],
    lists: 1,
  },
  {
    name: 'a bookmark moves the resourceVersion and fires nothing',
    script: [
      { list: [], rv: '1' },
      { watchFrom: '1', events: [['BOOKMARK', obj('', '', '7')]], end: 'closed' },
      { watchFrom: '7', events: [], end: 'open' },
    ],
    changes: [[]],
    lists: 1,
  },
  {
    name: 'values come out ordered by key, whatever order they arrived in',
    script: [{ list: [obj('c', '1'), obj('a', '1')], rv: '1' }, { watchFrom: '1', events: [['ADDED', obj('b', '1', '2')]], end: 'open' }],
    changes: [['a=1', 'c=1'], ['a=1', 'b=1', 'c=1']],
    lists: 1,
  },
  {
    name: 'keyOf decides identity: one name in two namespaces is two entries, and DELETED removes only its own',
    keyOf: (o) => `${o.metadata.namespace}/${o.metadata.name}`,
    script: [
      { list: [obj('a', '1', '', 'x'), obj('a', '2', '', 'y')], rv: '1' },
      { watchFrom: '1', events: [['DELETED', obj('a', '1', '2', 'x')]], end: 'open' },
    ],
    changes: [['a=1', 'a=2'], ['a=2']],
    lists: 1,
    get: ['y/a', 'a=2'],
  },
];

for (const row of rows) {
  test(`WatchCache: ${row.name}`, async () => {
    const clock = new FakeClock();
    const server = new ScriptedServer(row.script);
    const changes: string[][] = [];
    const cache: WatchCache<Obj, string> = new WatchCache<Obj, string>({
      kubeConfig: new KubeConfig(),
      clock,
      random: prng(1),
      logger: pino({ level: 'silent' }),
      path: '/api/v1/namespaces/default/things',
      list: server.list,
      openWatch: server.open,
      project: (o) => `${o.metadata.name}=${o.v}`,
      ...(row.keyOf ? { keyOf: row.keyOf } : {}),
      onChange: () => changes.push(cache.values()),
    });
    assert.equal(cache.synced, false);
    cache.start();
    try {
      // Every scripted step is immediate: the script must be played out within 10 s of fake time.
      for (let t = 0; t < 10_000 && !server.done; t += 100) await clock.advance(100);
      await clock.advance(0);
      assert.deepEqual(server.unexpected, []);
      assert.ok(server.done, 'every scripted call was made');
      assert.deepEqual(changes, row.changes);
      assert.equal(cache.synced, true);
      assert.equal(cache.stats.lists, row.lists);
      assert.equal(cache.stats.gone, row.gone ?? 0);
      if (row.get) assert.equal(cache.get(row.get[0]), row.get[1]);
    } finally {
      await cache.stop();
    }
  });
}
