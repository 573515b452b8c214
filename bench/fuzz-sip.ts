import { parseSipMessage } from '../agent/signals/sip/message.js';
import { sipParseProblem } from '../test/fuzz/checks.js';
import { fuzzInput, prng } from './signals-fuzz-inputs.js';
import { Tally, type SurfaceResult } from './fuzz-surface.js';

/**
 * The SIP response parser on random bytes and mutated SIP messages (the
 * same generator and checks as test/unit/signals-sip.test.ts): it never
 * throws, and what it calls a response has a usable status, Call-ID and branch.
 */
export function fuzzSip(runs: number, seed: number): SurfaceResult {
  const tally = new Tally();
  const next = prng(seed);
  for (let i = 0; i < runs; i++) {
    const input = fuzzInput(next);
    try {
      const parsed = parseSipMessage(input);
      tally.count(parsed.kind);
      tally.fail(sipParseProblem(parsed));
    } catch (err) {
      tally.fail(`threw on ${JSON.stringify(input.slice(0, 200))}: ${(err as Error).message}`);
    }
  }
  return tally.result('SIP response parser', runs, seed);
}
