import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { configSources } from './arbitraries.js';
import { checkConfig } from './checks.js';
import { ConfigError, loadConfig } from '../../agent/config/index.js';
import { runAgent } from '../support/process.js';

/**
 * The config loader over random env maps, flags and config files (YAML, JSON,
 * garbage, unreadable): it returns a valid frozen config or throws one
 * ConfigError naming every problem, never anything else. The 100k version:
 * npm run fuzz (bench/fuzz-config.ts).
 */
test('loadConfig on random sources: a frozen valid config or a ConfigError, nothing else', () => {
  fc.assert(
    fc.property(configSources, (sources) => {
      const problem = checkConfig(sources);
      assert.equal(problem, undefined, problem);
    }),
    { numRuns: 5_000, seed: 11 },
  );
});

test('exit semantics: invalid settings exit 2 with one message naming every bad setting', { timeout: 60_000 }, async () => {
  const bad = fc.sample(
    fc.record({
      VNF_AGENT_HTTP_PORT: fc.constantFrom('0', '70000', 'http', '-1', '86.86'),
      VNF_AGENT_LOG_LEVEL: fc.constantFrom('loud', 'INFO ', ''),
      VNF_AGENT_NO_SUCH_SETTING: fc.string({ minLength: 1, maxLength: 10 }),
    }),
    { numRuns: 3, seed: 11 },
  );
  for (const env of bad) {
    const { code, stderr, stdout } = await runAgent(['run'], env);
    assert.equal(code, 2, `${JSON.stringify(env)}\n${stderr}${stdout}`);
    assert.equal(stderr.match(/invalid configuration/g)?.length, 1, stderr);
    for (const name of Object.keys(env)) assert.match(stderr, new RegExp(name), stderr);
  }
});

/** Found by fuzzing: Value.Convert read "86.86" as 86, "0x10" as 16 and "1e3" as 1000, so a typo passed silently. */
test('integer settings accept only plain decimal integers', () => {
  for (const value of ['86.86', '0x10', '1e3']) {
    assert.throws(() => loadConfig({ env: { VNF_AGENT_HTTP_PORT: value }, flags: {}, readFile: () => '', hostname: 'sprout-0' }), ConfigError, value);
  }
});
