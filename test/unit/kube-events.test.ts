import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventName } from '../../agent/kube/events.js';

const AT = Date.parse('2026-11-27T12:00:00.000Z');
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

const rows: { name: string; a: Parameters<typeof eventName>; b: Parameters<typeof eventName> }[] = [
  { name: 'two pods, same object, same millisecond', a: ['sprout', 'sprout-a', AT, 0], b: ['sprout', 'sprout-b', AT, 0] },
  { name: 'one pod, two Events in the same millisecond', a: ['sprout', 'sprout-a', AT, 0], b: ['sprout', 'sprout-a', AT, 1] },
  { name: 'one pod, a millisecond apart', a: ['sprout', 'sprout-a', AT, 0], b: ['sprout', 'sprout-a', AT + 1, 0] },
];
for (const row of rows) {
  test(`Event names differ without randomness: ${row.name}`, () => {
    const a = eventName(...row.a);
    const b = eventName(...row.b);
    assert.notEqual(a, b);
    assert.match(a, DNS_SUBDOMAIN);
    assert.ok(a.startsWith('sprout.'), a);
  });
}

test('Event names are reproducible: the same inputs give the same name', () => {
  assert.equal(eventName('bono', 'bono-0', AT, 3), eventName('bono', 'bono-0', AT, 3));
});
