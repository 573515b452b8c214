import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, test } from 'node:test';
import { systemClock } from '../../agent/clock/clock.js';
import type { LoadCounters } from '../../sim/load/driver.js';
import { SippLoad } from '../../sim/load/sipp.js';
import { uacScenarioXml } from '../../sim/load/sipp-scenario.js';
import { parseStats, readStatsFile, type SippSnapshot } from '../../sim/load/sipp-stats.js';
import { startKamailio, type Kamailio } from '../support/kamailio.js';
import { alive, eventually } from '../support/process.js';
import { removeScratchDir } from '../support/scratch.js';
import { SIPP_BIN } from '../support/sipp.js';

// Captured from SIPp v3.6.1 (Debian sip-tester) running our scenario (`-trace_stat -fd 1`)
// against a UAS that answered INVITEs in turn with 503, 486, 100+200 and nothing at all.
const HEADER =
  'StartTime;LastResetTime;CurrentTime;ElapsedTime(P);ElapsedTime(C);TargetRate;CallRate(P);CallRate(C);IncomingCall(P);IncomingCall(C);OutgoingCall(P);OutgoingCall(C);TotalCallCreated;CurrentCall;SuccessfulCall(P);SuccessfulCall(C);FailedCall(P);FailedCall(C);FailedCannotSendMessage(P);FailedCannotSendMessage(C);FailedMaxUDPRetrans(P);FailedMaxUDPRetrans(C);FailedTcpConnect(P);FailedTcpConnect(C);FailedTcpClosed(P);FailedTcpClosed(C);FailedUnexpectedMessage(P);FailedUnexpectedMessage(C);FailedCallRejected(P);FailedCallRejected(C);FailedCmdNotSent(P);FailedCmdNotSent(C);FailedRegexpDoesntMatch(P);FailedRegexpDoesntMatch(C);FailedRegexpShouldntMatch(P);FailedRegexpShouldntMatch(C);FailedRegexpHdrNotFound(P);FailedRegexpHdrNotFound(C);FailedOutboundCongestion(P);FailedOutboundCongestion(C);FailedTimeoutOnRecv(P);FailedTimeoutOnRecv(C);FailedTimeoutOnSend(P);FailedTimeoutOnSend(C);FailedTestDoesntMatch(P);FailedTestDoesntMatch(C);FailedTestShouldntMatch(P);FailedTestShouldntMatch(C);FailedStrcmpDoesntMatch(P);FailedStrcmpDoesntMatch(C);FailedStrcmpShouldntMatch(P);FailedStrcmpShouldntMatch(C);OutOfCallMsgs(P);OutOfCallMsgs(C);DeadCallMsgs(P);DeadCallMsgs(C);Retransmissions(P);Retransmissions(C);AutoAnswered(P);AutoAnswered(C);Warnings(P);Warnings(C);FatalErrors(P);FatalErrors(C);WatchdogMajor(P);WatchdogMajor(C);WatchdogMinor(P);WatchdogMinor(C);ResponseTime1(P);ResponseTime1(C);ResponseTime1StDev(P);ResponseTime1StDev(C);CallLength(P);CallLength(C);CallLengthStDev(P);CallLengthStDev(C);failedOther(P);failedOther(C);rejected503(P);rejected503(C);answered(P);answered(C);completed(P);completed(C);timeouts(P);timeouts(C);ResponseTimeRepartition1;ResponseTimeRepartition1_<10;ResponseTimeRepartition1_<20;ResponseTimeRepartition1_<30;ResponseTimeRepartition1_<40;ResponseTimeRepartition1_<50;ResponseTimeRepartition1_<100;ResponseTimeRepartition1_<150;ResponseTimeRepartition1_<200;ResponseTimeRepartition1_>=200;CallLengthRepartition;CallLengthRepartition_<10;CallLengthRepartition_<50;CallLengthRepartition_<100;CallLengthRepartition_<500;CallLengthRepartition_<1000;CallLengthRepartition_<5000;CallLengthRepartition_<10000;CallLengthRepartition_>=10000;';
const ROW_4S =
  '2026-11-27\t23:14:20.280781\t1795821260.280781;2026-11-27\t23:14:23.290939\t1795821263.290939;2026-11-27\t23:14:24.295021\t1795821264.295021;00:00:01;00:00:04;4;3.98406;3.98605;0;0;4;16;16;4;4;12;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;2;5;0;0;1;1;0;0;0;0;0;0;00:00:00:000000;00:00:00:000000;00:00:00:000000;00:00:00:000000;00:00:01:003000;00:00:00:501000;00:00:01:416000;00:00:00:906000;1;4;1;4;1;4;1;3;1;1;;4;0;0;0;0;0;0;0;0;;8;0;0;0;0;4;0;0;';
const ROW_11S =
  '2026-11-27\t23:14:20.280781\t1795821260.280781;2026-11-27\t23:14:30.319347\t1795821270.319347;2026-11-27\t23:14:31.281402\t1795821271.281402;00:00:00;00:00:11;0;0;2.09091;0;0;0;23;23;0;0;23;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;12;0;0;0;6;0;0;0;0;0;0;00:00:00:000000;00:00:00:000000;00:00:00:000000;00:00:00:000000;00:00:00:000000;00:00:01:046000;00:00:00:000000;00:00:01:262000;0;6;0;5;0;6;0;6;0;6;;6;0;0;0;0;0;0;0;0;;11;0;0;0;0;12;0;0;';

const AT_4S: SippSnapshot = { counters: { attempts: 16, answered: 4, rejected503: 4, failedOther: 4, timeouts: 1, completed: 3 }, activeCalls: 4, targetRate: 4 };
const AT_11S: SippSnapshot = { counters: { attempts: 23, answered: 6, rejected503: 5, failedOther: 6, timeouts: 6, completed: 6 }, activeCalls: 0, targetRate: 0 };

test('SIPp statistics: the last complete row, by column name; partial rows and garbage are ignored', () => {
  const cases: [string, string, SippSnapshot | undefined][] = [
    ['header and rows', `${HEADER}\n${ROW_4S}\n${ROW_11S}\n`, AT_11S],
    ['a row still being written', `${HEADER}\n${ROW_4S}\n${ROW_11S.slice(0, 300)}`, AT_4S],
    ['a truncated row with its newline', `${HEADER}\n${ROW_4S}\n${ROW_11S.slice(0, 300)}\n`, AT_4S],
    ['CRLF line ends', `${HEADER}\r\n${ROW_4S}\r\n`, AT_4S],
    ['FailedCall (SIPp ended the call) counts as another failure', `${HEADER}\n${ROW_4S.replace(';4;4;12;0;0;', ';4;4;12;0;3;')}\n`, { ...AT_4S, counters: { ...AT_4S.counters, failedOther: 7 } }],
    ['header only', `${HEADER}\n`, undefined],
    ['empty file', '', undefined],
    ['garbage', 'not;a;csv\n\u0000\u0001;x\n', undefined],
    ['a counter that is not a number', `${HEADER}\n${ROW_4S.replace(';4;16;16;', ';4;sixteen;16;')}\n`, undefined],
    ['stats of a scenario without our counters', `${HEADER.replace(/answered/g, 'x')}\n${ROW_4S}\n`, undefined],
  ];
  for (const [name, text, want] of cases) assert.deepEqual(parseStats(text), want, name);
});

test('SIPp statistics file: a missing file has no snapshot; a long file is read by its head and tail', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-stats-test-'));
  try {
    assert.equal(await readStatsFile(join(dir, 'missing.csv')), undefined);
    const file = join(dir, 'stats.csv');
    writeFileSync(file, `${HEADER}\n${`${ROW_4S}\n`.repeat(100)}${ROW_11S}\n${ROW_4S.slice(0, 500)}`);
    assert.deepEqual(await readStatsFile(file), AT_11S);
  } finally {
    removeScratchDir(dir);
  }
});

test('scenario: non-2xx answers are ACKed on the INVITE branch (message 0) and counted by name', () => {
  const xml = uacScenarioXml({ holdMs: 1_500, answerTimeoutMs: 8_000 });
  const messages = xml.split('\n').filter((l) => /^ {2}<(send|recv|nop|pause)\b/.test(l));
  const ackIndex = messages.findLastIndex((l) => l.startsWith('  <send>'));
  assert.match(xml, new RegExp(`branch=\\[branch-${ackIndex}\\]`));
  assert.match(xml, /<recv response="503" [^>]*counter="rejected503"/);
  assert.match(xml, /<pause milliseconds="1500"\/>/);
  for (const counter of ['answered', 'failedOther', 'timeouts', 'completed']) assert.match(xml, new RegExp(`counter="${counter}"`));
});

test('start() rejects with a clear error when the SIPp binary is missing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-load-test-'));
  const load = new SippLoad({ clock: systemClock, holdMs: 1_000, dir, sippBin: '/nonexistent/sipp' }, { kind: 'constant', rate: 1 });
  try {
    await assert.rejects(load.start(), /SIPp not found \(\/nonexistent\/sipp\): apt-get install sip-tester/);
  } finally {
    await load.stop();
    removeScratchDir(dir);
  }
});

const LOCAL = '127.0.0.61';
const PIPE_LIMIT = 5;
let first: Kamailio | undefined;
let second: Kamailio | undefined;
after(async () => {
  await Promise.all([first?.stop(), second?.stop()]);
});

/** Kamailio's own count of INVITEs received (JSON-RPC stats.get_statistics). */
async function invitesAt(k: Kamailio): Promise<number> {
  const res = await fetch(k.rpcUrl, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', method: 'stats.get_statistics', params: ['core:'], id: 1 }), signal: AbortSignal.timeout(2_000) });
  const body = (await res.json()) as { result: string[] };
  const line = body.result.find((s) => s.startsWith('core:rcv_requests_invite ='));
  return Number(line?.split('=')[1]);
}

function outcomes(c: LoadCounters): number {
  return c.answered + c.rejected503 + c.failedOther + c.timeouts;
}

test('SIPp load against Kamailio: 503s above the pipe, rate 0 stops calls, a new target restarts SIPp, counters stay cumulative', { timeout: 120_000 }, async (t) => {
  // Bono before (with a pipe well below the offered rate) and after a restart on another IP.
  const bono1 = (first = await startKamailio({ host: '127.0.0.62', inviteLimit: PIPE_LIMIT }));
  const bono2 = (second = await startKamailio({ host: '127.0.0.63' }));
  const dir = mkdtempSync(join(tmpdir(), 'sipp-load-test-'));
  const lines: string[] = [];
  const load = new SippLoad({ clock: systemClock, holdMs: 1_000, dir, sippBin: SIPP_BIN, localHost: LOCAL, log: (l) => lines.push(l) }, { kind: 'constant', rate: 3 * PIPE_LIMIT });
  const pids = new Set<number>();
  const sawPid = () => (load.sippPid === undefined ? undefined : (pids.add(load.sippPid), load.sippPid));
  try {
    await load.start();
    assert.equal(load.sippPid, undefined, 'no SIPp before there is a target');
    load.setTarget({ host: bono1.host, port: bono1.port });

    // Above the pipe: some calls answered (and hung up), the rest rejected with 503.
    await eventually(async () => (sawPid(), load.counters.attempts >= 60 && load.counters.answered > 0 && load.counters.rejected503 > 0 && load.counters.completed > 0 ? true : undefined), 30_000, 'answered, 503 and completed calls');
    const c = { ...load.counters };
    assert.ok(outcomes(c) <= c.attempts && c.attempts <= outcomes(c) + load.activeCalls, `attempts add up: ${JSON.stringify(c)} active ${load.activeCalls}`);
    assert.equal(load.currentRate(), 15);

    // Rate 0: calls drain and no new INVITE reaches Kamailio.
    load.setProfile({ kind: 'constant', rate: 0 });
    await eventually(async () => (load.activeCalls === 0 ? true : undefined), 20_000, 'open calls to drain');
    const [attempts, invites] = [load.counters.attempts, await invitesAt(bono1)];
    await delay(3_000);
    assert.equal(load.counters.attempts, attempts, 'no attempts at rate 0');
    assert.equal(await invitesAt(bono1), invites, 'no INVITE at rate 0');

    // Bono moved: the old SIPp is replaced, calls arrive at the new target, counters keep counting.
    const before = { ...load.counters };
    const oldPid = load.sippPid;
    load.setProfile({ kind: 'constant', rate: 4 });
    load.setTarget({ host: bono2.host, port: bono2.port });
    await eventually(async () => (sawPid() !== oldPid && (await invitesAt(bono2)) > 0 && load.counters.completed > before.completed ? true : undefined), 30_000, 'calls at the second Kamailio');
    assert.ok(oldPid !== undefined && !alive(oldPid), 'the first SIPp is gone');
    for (const k of Object.keys(before) as (keyof LoadCounters)[]) assert.ok(load.counters[k] >= before[k], `${k} is cumulative`);

    // SIPp dying on its own is logged and restarted; the counters still only grow.
    const crashed = load.sippPid!;
    const beforeCrash = load.counters.attempts;
    process.kill(crashed, 'SIGKILL');
    await eventually(async () => (sawPid() !== crashed && load.sippPid !== undefined && load.counters.attempts > beforeCrash + 4 ? true : undefined), 30_000, 'a restarted SIPp placing calls');
    assert.ok(lines.some((l) => l.includes('exited unexpectedly')), lines.join('\n'));
  } finally {
    t.diagnostic(`counters ${JSON.stringify(load.counters)}; log:\n${lines.join('\n')}`);
    const started = performance.now();
    await load.stop();
    assert.ok(performance.now() - started < 8_000, 'stop() is bounded');
    removeScratchDir(dir);
  }
  assert.ok(pids.size >= 3, `three SIPp runs: ${[...pids].join(', ')}`);
  for (const pid of pids) assert.equal(alive(pid), false, `SIPp pid ${pid} is gone`);
});
