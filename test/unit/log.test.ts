import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, partLogger } from '../../agent/log/logger.js';
import { memorySink } from '../support/log-sink.js';

test('tokens, passwords and authorization headers never reach the log', () => {
  const sink = memorySink();
  const log = createLogger({ level: 'info', pod: 'sprout-0', destination: sink });
  log.info({ token: 's3cret-1', client: { token: 's3cret-2', user: { password: 's3cret-3' } } }, 'Loaded credentials');
  log.info({ req: { headers: { authorization: 'Bearer s3cret-4' } } }, 'Handled request');
  assert.doesNotMatch(sink.text(), /s3cret/);
  assert.match(sink.text(), /\[redacted\]/);
});

test('lines are JSON events: level label, pod, part, fixed message, err with stack', () => {
  const sink = memorySink();
  const log = partLogger(createLogger({ level: 'info', pod: 'sprout-0', destination: sink }), 'election');
  log.error({ err: new Error('lease conflict') }, 'Could not renew Lease');
  const [line] = sink.lines();
  assert.equal(line?.level, 'error');
  assert.equal(line?.pod, 'sprout-0');
  assert.equal(line?.part, 'election');
  assert.equal(line?.msg, 'Could not renew Lease');
  assert.match(String((line?.err as { stack: string }).stack), /lease conflict/);
});

test('the level from config filters lines', () => {
  const sink = memorySink();
  const log = createLogger({ level: 'warn', destination: sink });
  log.info('Quiet');
  log.warn('Loud');
  assert.deepEqual(sink.lines().map((l) => l.msg), ['Loud']);
});
