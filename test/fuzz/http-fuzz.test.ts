import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { httpRequest, FUZZ_TOKEN } from './arbitraries.js';
import { checkHttp, serverFailures } from './checks.js';
import { fixture } from './server-fixture.js';

/**
 * Every HTTP route through buildServer with the real token source, drainer,
 * health checks and registry: malformed JSON, wrong types, huge bodies and
 * headers, bad methods, odd URLs, with and without the token, from many IPs.
 * No crash, no 5xx (except /readyz's documented 503 while draining), and
 * every error a 4xx with a reason. The 100k version: npm run fuzz (bench/fuzz-http.ts).
 */
test('fuzzed requests never crash the server nor get a 5xx; errors are 4xx with a reason', { timeout: 120_000 }, async () => {
  const f = fixture({ token: FUZZ_TOKEN });
  try {
    await fc.assert(
      fc.asyncProperty(httpRequest, async (r) => {
        const problem = await checkHttp(f, r);
        assert.equal(problem, undefined, problem);
      }),
      { numRuns: 3_000, seed: 11 },
    );
    assert.deepEqual(serverFailures(f), []);
    // The server still answers normally afterwards.
    assert.equal((await f.app.inject({ method: 'GET', url: '/livez' })).statusCode, 200);
  } finally {
    await f.close();
  }
});
