import fc from 'fast-check';
import { FUZZ_TOKEN, httpRequest } from '../test/fuzz/arbitraries.js';
import { checkHttp, serverFailures } from '../test/fuzz/checks.js';
import { fixture } from '../test/fuzz/server-fixture.js';

/**
 * 100k fuzzed requests (--runs N, --seed S) against buildServer with the real
 * token source, drainer, checks and registry (the bounded version is
 * test/fuzz/http-fuzz.test.ts). Prints the status codes seen and any failure;
 * exits 1 on a crash, a 5xx or an error without a reason.
 */
const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const runs = arg('runs', 100_000);
const seed = arg('seed', 1);
const f = fixture({ token: FUZZ_TOKEN, level: 'warn' });
const codes = new Map<number, number>();
const failures: string[] = [];
const t0 = performance.now();
for (const r of fc.sample(httpRequest, { numRuns: runs, seed })) {
  const problem = await checkHttp(f, r, (code) => codes.set(code, (codes.get(code) ?? 0) + 1));
  if (problem) failures.push(problem);
}
const logged = serverFailures(f);
const seconds = (performance.now() - t0) / 1000;
await f.close();
process.stdout.write(`| surface | inputs | failures | 5xx logged | seconds | status codes |\n| --- | --- | --- | --- | --- | --- |\n`);
process.stdout.write(`| HTTP routes (inject) | ${runs} | ${failures.length} | ${logged.length} | ${seconds.toFixed(1)} | ${[...codes].sort(([a], [b]) => a - b).map(([c, n]) => `${c}:${n}`).join(' ')} |\n`);
for (const line of [...failures, ...logged].slice(0, 20)) process.stdout.write(`${line}\n`);
process.exit(failures.length + logged.length === 0 ? 0 : 1);
