import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpMethod, RequestContext } from '@kubernetes/client-node';
import { callOptions, kubeCall, PatchStrategy } from '../support/kube-call.js';
import { FakeClock, flushMicrotasks } from '../support/fake-clock.js';

async function signalOf(options: ReturnType<typeof callOptions>): Promise<{ signal: AbortSignal; contentType: string | undefined }> {
  const context = await options.middleware[0]!.pre(new RequestContext('https://api.invalid/api/v1/pods', HttpMethod.PATCH)).toPromise();
  return { signal: context.getSignal()!, contentType: context.getHeaders()['Content-Type'] };
}

test('an API call’s deadline runs on the clock the adapter was given', async () => {
  const clock = new FakeClock();
  const { signal, contentType } = await signalOf(callOptions({ timeoutMs: 500, clock, contentType: PatchStrategy.MergePatch }));
  assert.equal(contentType, PatchStrategy.MergePatch);
  await clock.advance(499);
  assert.equal(signal.aborted, false);
  await clock.advance(1);
  assert.equal((signal.reason as Error).name, 'TimeoutError');
});

test('an API call is aborted by the caller’s signal before its deadline', async () => {
  const clock = new FakeClock();
  const stop = new AbortController();
  const { signal } = await signalOf(callOptions({ timeoutMs: 500, clock, signal: stop.signal }));
  stop.abort(new Error('leadership lost'));
  assert.equal((signal.reason as Error).message, 'leadership lost');
});

test('kubeCall cancels the deadline once the call settled, so no timer outlives it', async () => {
  const clock = new FakeClock();
  assert.equal(await kubeCall({ timeoutMs: 500, clock }, async () => 'ok'), 'ok');
  await assert.rejects(kubeCall({ timeoutMs: 500, clock }, async () => Promise.reject(new Error('409'))), /409/);
  await flushMicrotasks();
  assert.equal(clock.pendingSleeps, 0);
});
