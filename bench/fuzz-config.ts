import fc from 'fast-check';
import { configSources } from '../test/fuzz/arbitraries.js';
import { checkConfig } from '../test/fuzz/checks.js';
import { ConfigError, loadConfig } from '../agent/config/index.js';

/**
 * 100k random configurations (--runs N, --seed S): env maps, flags and config
 * files (the bounded version is test/fuzz/config-fuzz.test.ts). loadConfig
 * must return a valid frozen config or throw one ConfigError; prints how many
 * were accepted and rejected; exits 1 on anything else.
 */
const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const runs = arg('runs', 100_000);
const seed = arg('seed', 1);
const failures: string[] = [];
let accepted = 0;
const t0 = performance.now();
for (const sources of fc.sample(configSources, { numRuns: runs, seed })) {
  const problem = checkConfig(sources);
  if (problem) failures.push(problem);
  else {
    try {
      loadConfig(sources);
      accepted++;
    } catch (err) {
      if (!(err instanceof ConfigError)) failures.push(String(err));
    }
  }
}
const seconds = (performance.now() - t0) / 1000;
process.stdout.write('| surface | inputs | accepted | rejected (ConfigError) | failures | seconds |\n| --- | --- | --- | --- | --- | --- |\n');
process.stdout.write(`| config loader | ${runs} | ${accepted} | ${runs - accepted - failures.length} | ${failures.length} | ${seconds.toFixed(1)} |\n`);
for (const line of failures.slice(0, 20)) process.stdout.write(`${line}\n`);
process.exit(failures.length === 0 ? 0 : 1);
