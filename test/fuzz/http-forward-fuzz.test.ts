import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FUZZ_TOKEN, httpRequest, scaleRequest } from './arbitraries.js';
import { bitingLeader, leaderAnswers } from './biting-leader.js';
import { checkBitten, checkForwarded, serverFailures } from './checks.js';
import { follower, forwardPair } from './forward-fixture.js';

/**
 * The HTTP fuzz of http-fuzz.test.ts, sent to a follower: its /scale goes
 * through the real ScaleDesk and httpScaleForwarder, over HTTP, to a real
 * leader sidecar server on loopback. No crash, no 5xx but the documented
 * ones (a 502 means the forward itself failed), every error a 4xx with a
 * reason, and every /scale answer the one the leader gives when asked
 * directly. The 100k version: npm run fuzz (bench/fuzz-http.ts).
 */
test('fuzzed requests to a follower: the forwarded /scale answers as the leader does, never a 5xx', { timeout: 180_000 }, async (t) => {
  const pair = await forwardPair({ token: FUZZ_TOKEN });
  try {
    await fc.assert(
      fc.asyncProperty(fc.oneof(httpRequest, scaleRequest), async (r) => {
        const problem = await checkForwarded(pair, r);
        assert.equal(problem, undefined, problem);
      }),
      { numRuns: 2_000, seed: 17 },
    );
    assert.deepEqual(serverFailures(pair.follower, pair.leader), []);
    // Proof that the inputs reached the forwarder, not only routing and auth in front of it.
    t.diagnostic(`${pair.forwarded()} of 2000 requests forwarded to the leader`);
    assert.ok(pair.forwarded() >= 300, `only ${pair.forwarded()} requests were forwarded`);
    const after = await pair.follower.app.inject({ method: 'GET', url: '/scale' });
    assert.equal(after.statusCode, 200);
    assert.equal(after.json<{ pod: string }>().pod, 'sprout-1', 'the answer is the leader\'s');
  } finally {
    await pair.close();
  }
});

/**
 * The same follower, with a scripted server at the leader's address that
 * answers each forward with a fuzzed status, content type and body, or resets,
 * or never answers (biting-leader.ts). Sidecar answers reach the client as
 * sent; anything else is a 502 naming the leader, never relayed.
 */
test('fuzzed requests to a follower whose leader\'s address bites: sidecar answers relayed exactly, all else a 502 naming the leader', { timeout: 180_000 }, async (t) => {
  const leader = await bitingLeader();
  // Long enough for a loaded machine to answer on loopback; the scripted silences wait it out.
  const f = follower({ ip: leader.ip, port: leader.port }, { token: FUZZ_TOKEN, timeoutMs: 1_000 });
  try {
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 1, arbitrary: httpRequest }, { weight: 3, arbitrary: scaleRequest }), leaderAnswers(100), async (r, answer) => {
        leader.script(answer);
        // Counted where the follower calls its forwarder: a request that timed out may still reach the server later.
        const before = f.forwarded();
        const problem = await checkBitten(f.fixture, r, answer, () => f.forwarded() > before);
        assert.equal(problem, undefined, problem);
      }),
      { numRuns: 1_500, seed: 23 },
    );
    assert.deepEqual(serverFailures(f.fixture), []);
    t.diagnostic(`${f.forwarded()} of 1500 requests forwarded to the scripted leader`);
    assert.ok(f.forwarded() >= 300, `only ${f.forwarded()} requests were forwarded`);
  } finally {
    await f.fixture.close();
    await leader.close();
  }
});
