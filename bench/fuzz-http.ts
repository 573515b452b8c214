import fc from 'fast-check';
import { FUZZ_TOKEN, httpRequest, scaleRequest } from '../test/fuzz/arbitraries.js';
import { bitingLeader, fromSidecar, leaderAnswers } from '../test/fuzz/biting-leader.js';
import { checkBitten, checkForwarded, checkHttp, serverFailures } from '../test/fuzz/checks.js';
import { follower, forwardPair } from '../test/fuzz/forward-fixture.js';
import { fixture } from '../test/fuzz/server-fixture.js';
import { Tally, type SurfaceResult } from './fuzz-surface.js';

/**
 * The HTTP surfaces at full size (the bounded versions are
 * test/fuzz/http-fuzz.test.ts and http-forward-fuzz.test.ts), with the same
 * generators and checks: the leader's routes through inject; a follower
 * whose /scale is forwarded over HTTP to a real leader sidecar; a follower
 * whose leader's address answers scripted garbage. 5xx lines in the servers'
 * logs count as failures too.
 */

export async function fuzzHttpLeader(runs: number, seed: number): Promise<SurfaceResult> {
  const f = fixture({ token: FUZZ_TOKEN, level: 'warn' });
  const tally = new Tally();
  try {
    for (const r of fc.sample(httpRequest, { numRuns: runs, seed })) tally.fail(await checkHttp(f, r, (code) => tally.count(code)));
    for (const line of serverFailures(f)) tally.fail(line);
  } finally {
    await f.close();
  }
  return tally.result('HTTP routes, leader (inject)', runs, seed);
}

export async function fuzzHttpFollower(runs: number, seed: number): Promise<SurfaceResult> {
  const pair = await forwardPair({ token: FUZZ_TOKEN, level: 'warn' });
  const tally = new Tally();
  try {
    for (const r of fc.sample(fc.oneof(httpRequest, scaleRequest), { numRuns: runs, seed })) tally.fail(await checkForwarded(pair, r, (code) => tally.count(code)));
    for (const line of serverFailures(pair.follower, pair.leader)) tally.fail(line);
  } finally {
    await pair.close();
  }
  return tally.result('HTTP routes, follower forwarding /scale to a real leader', runs, seed, { forwarded: pair.forwarded() });
}

export async function fuzzHttpBitten(runs: number, seed: number): Promise<SurfaceResult> {
  const leader = await bitingLeader();
  // Long enough for a loaded machine to answer on loopback; the silences, fewer than in the
  // bounded test (one in 300), each wait it out.
  const f = follower({ ip: leader.ip, port: leader.port }, { token: FUZZ_TOKEN, level: 'warn', timeoutMs: 1_000 });
  const tally = new Tally();
  const reached = { forwarded: 0, 'sidecar answers relayed': 0, 'other answers or none, made a 502': 0 };
  try {
    const inputs = fc.tuple(fc.oneof({ weight: 1, arbitrary: httpRequest }, { weight: 3, arbitrary: scaleRequest }), leaderAnswers(300));
    for (const [r, answer] of fc.sample(inputs, { numRuns: runs, seed })) {
      leader.script(answer);
      // Counted where the follower calls its forwarder: a request that timed out may still reach the server later.
      const before = f.forwarded();
      tally.fail(await checkBitten(f.fixture, r, answer, () => f.forwarded() > before, (code) => tally.count(code)));
      if (f.forwarded() === before) continue;
      reached.forwarded++;
      reached[fromSidecar(answer) ? 'sidecar answers relayed' : 'other answers or none, made a 502']++;
    }
    for (const line of serverFailures(f.fixture)) tally.fail(line);
  } finally {
    await f.fixture.close();
    await leader.close();
  }
  return tally.result('HTTP /scale, follower whose leader\'s address answers scripted garbage', runs, seed, reached);
}
