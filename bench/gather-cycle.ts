/**
 * The leader's gather cycle time: agent/scaling/gather.ts (SampleGatherer)
 * fetching GET /load from 10, 100 and 300 fake peers, each an HTTP server on
 * its own 127.0.0.x address in a separate process (bench/fixtures/fake-peers.ts),
 * through the sidecar's own fetcher (agent/scaling/scaler-http.ts), bounded by
 * the default gatherTimeoutMs (1 s). One cycle = one gather() over every member.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { systemClock } from '../agent/clock/clock.js';
import type { Member } from '../agent/model/vnfcluster.js';
import { SampleGatherer } from '../agent/scaling/gather.js';
import { httpSampleFetcher } from '../agent/scaling/scaler-http.js';
import { freePort } from '../test/support/process.js';
import { peerAddress, startFakePeers } from './fixtures/fake-peers.js';
import { killOnExit } from './lib/cleanup.js';
import { summarize, type Summary } from './lib/stats.js';

export interface GatherResult {
  readonly peers: number;
  readonly cycleMs: Summary;
  /** Members without a usable sample, summed over all measured cycles: must be 0. */
  readonly missing: number;
}

/** The default gatherTimeoutMs. */
const TIMEOUT_MS = 1_000;
/** Pause between cycles, so each starts as the leader's loop would: idle connections, not back to back. */
const GAP_MS = 250;

export async function measureGather(sizes: readonly number[], cycles: number): Promise<GatherResult[]> {
  const largest = Math.max(...sizes);
  const port = await freePort();
  const child = killOnExit(await startFakePeers(port, largest));
  try {
    const results: GatherResult[] = [];
    for (const peers of sizes) {
      const members: Member[] = Array.from({ length: peers }, (_, i) => ({ pod: `peer-${i}`, ip: peerAddress(i), state: 'active', ready: true }));
      const gatherer = new SampleGatherer({ clock: systemClock, fetcher: httpSampleFetcher(port, TIMEOUT_MS), self: 'bench-leader', localSample: () => undefined, timeoutMs: TIMEOUT_MS });
      const times: number[] = [];
      let missing = 0;
      for (let c = -2; c < cycles; c++) {
        await delay(GAP_MS);
        const started = performance.now();
        const gathered = await gatherer.gather(members, new AbortController().signal);
        if (c < 0) continue; // warm-up: connections, JIT
        times.push(performance.now() - started);
        missing += gathered.missing.length;
      }
      results.push({ peers, cycleMs: summarize(times), missing });
    }
    return results;
  } finally {
    child.kill('SIGKILL');
  }
}
