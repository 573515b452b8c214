import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTracePlayer } from '../../bench/realnode-scaling/sipp-trace.js';
import { freePort, startProcess, stopChild } from '../support/process.js';
import { SIPP_BIN } from '../support/sipp.js';

/**
 * The real bench's SIPp player against SIPp's own uas on loopback: the rate
 * moves with the schedule over the control socket, and `q` ends the run
 * with its counts.
 */
test('a SIPp player follows its rate schedule and ends on q with its counts', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-trace-'));
  const port = await freePort();
  const uas = startProcess(SIPP_BIN, ['-sn', 'uas', '-i', '127.0.0.1', '-p', String(port), '-nostdin'], { PATH: process.env.PATH ?? '/usr/bin:/bin' });
  try {
    const player = await startTracePlayer({
      target: `127.0.0.1:${port}`, localHost: '127.0.0.1', statFile: join(dir, 'stat.csv'), errorFile: join(dir, 'errors.log'),
      firstCps: 1, holdMs: 100, recvTimeoutMs: 2000, timeoutS: 600,
    });
    const seconds: number[] = [];
    await player.play([1, 1, 20, 20, 20], (s) => seconds.push(s));
    const counts = await player.finish(20_000);
    assert.deepEqual(seconds, [0, 1, 2, 3, 4]);
    // About 2 + 3 x 20 calls: the rate moved; far more than 5 s at 1 call/s.
    assert.ok(counts.offered >= 30 && counts.offered <= 70, `offered ${counts.offered}`);
    assert.equal(counts.failed, 0);
    assert.equal(counts.successful, counts.offered);
    assert.equal(counts.failedPerPeriod.reduce((a, b) => a + b, 0), 0);
  } finally {
    await stopChild(uas.child);
  }
});
