import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DRAINING_ANNOTATION, type PodFacts } from '../../agent/membership/state.js';
import { changePod, markSelf, markSelfLeaving } from '../../agent/scaling/pod-marks.js';
import { pod } from '../support/membership-fakes.js';
import { FakeAnnotator } from '../support/scaler-fakes.js';

const MARK = { [DRAINING_ANNOTATION]: 'true' };

/**
 * A pod's own leaving mark (its drain began): no lease fence, since it must
 * land with or without a leader, but never unconditional either: it is
 * written at the version just read, and a 409 means read and decide again.
 */
const selfMarks: {
  name: string;
  pods: PodFacts[];
  interfere?: (pods: PodFacts[], api: FakeAnnotator) => void;
  versions: string[];
  error?: RegExp;
}[] = [
  { name: 'writes the mark at the version just read', pods: [pod('a', { ip: '10.0.0.1', ready: true })], versions: ['a@0'] },
  { name: 'writes nothing when the pod carries the mark already', pods: [pod('a', { drainingAnnotation: true })], versions: [] },
  { name: 'marks a terminating pod too: peers must stop routing to it either way', pods: [pod('a', { deleting: true })], versions: ['a@0'] },
  {
    name: 'after a 409 reads again: the leader marked it meanwhile, so nothing more is written',
    pods: [pod('a')], interfere: (pods, api) => api.interfere('a', () => (pods[0] = { ...pods[0]!, drainingAnnotation: true })), versions: ['a@0'],
  },
  {
    name: 'after a 409 reads again: a status update only, so the mark is written at the new version',
    pods: [pod('a')], interfere: (_pods, api) => api.interfere('a'), versions: ['a@0', 'a@1'],
  },
  {
    name: 'fails (the drain retries next pass) when the pod kept changing under three writes',
    pods: [pod('a')], interfere: (_pods, api) => ['a', 'a', 'a'].forEach((p) => api.interfere(p)), versions: ['a@0', 'a@1', 'a@2'],
    error: /could not mark a as leaving: a changed under 3 writes in a row \(409\)/,
  },
  { name: 'fails without writing when the pod does not exist', pods: [], versions: [], error: /could not mark a as leaving: a does not exist any more/ },
];
for (const row of selfMarks) {
  test(`own leaving mark: ${row.name}`, async () => {
    const pods = [...row.pods];
    const api = new FakeAnnotator(() => pods);
    row.interfere?.(pods, api);
    const marking = markSelfLeaving(api, 'a', new AbortController().signal);
    if (row.error) await assert.rejects(marking, row.error);
    else await marking;
    assert.deepEqual(api.calls.map((c) => c.version), row.versions);
    for (const c of api.calls) assert.deepEqual(c.annotations, MARK);
  });
}

const direct = <T>(_what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> => work(new AbortController().signal);

test('changePod: an error other than 409 is not retried', async () => {
  const api = new FakeAnnotator(() => [pod('a')]);
  api.annotate = async () => {
    throw Object.assign(new Error('etcdserver: request timed out'), { status: 500 });
  };
  await assert.rejects(changePod(api, 'a', markSelf, direct), /request timed out/);
  assert.deepEqual(api.reads, ['a'], 'read once, no second attempt');
});

test('changePod: every read and write goes through request, so a fence that closes stops the next one', async () => {
  const api = new FakeAnnotator(() => [pod('a')]);
  api.interfere('a');
  const asked: string[] = [];
  const request = <T>(what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    asked.push(what);
    if (asked.length > 2) throw new Error('fence closed');
    return work(new AbortController().signal);
  };
  await assert.rejects(changePod(api, 'a', markSelf, request), /fence closed/);
  assert.deepEqual(asked, ['read Pod a', 'annotate Pod a', 'read Pod a']);
  assert.deepEqual([api.reads.length, api.calls.length], [1, 1], 'the re-read after the 409 was not sent');
});
