import fc from 'fast-check';
import { configSources } from '../test/fuzz/arbitraries.js';
import { checkConfig } from '../test/fuzz/checks.js';
import { ConfigError, loadConfig } from '../agent/config/index.js';
import { Tally, type SurfaceResult } from './fuzz-surface.js';

/**
 * Random configurations at full size: env maps, flags and config files (the
 * bounded version is test/fuzz/config-fuzz.test.ts). loadConfig must return
 * a valid frozen config or throw one ConfigError naming every problem.
 */
export function fuzzConfig(runs: number, seed: number): SurfaceResult {
  const tally = new Tally();
  for (const sources of fc.sample(configSources, { numRuns: runs, seed })) {
    const problem = checkConfig(sources);
    tally.fail(problem);
    if (problem) continue;
    try {
      loadConfig(sources);
      tally.count('accepted');
    } catch (err) {
      tally.count(err instanceof ConfigError ? 'rejected, every bad setting named' : 'threw something else');
    }
  }
  return tally.result('config loader (env, flags, files)', runs, seed);
}
