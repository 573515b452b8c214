import { open } from 'node:fs/promises';
import type { LoadCounters } from './driver.js';
import { SCENARIO_COUNTERS } from './sipp-scenario.js';

/** What one row of SIPp's -trace_stat file says about the calls of that SIPp run. */
export interface SippSnapshot {
  /** Cumulative since this SIPp started. */
  readonly counters: LoadCounters;
  /** Calls open in SIPp now (waiting for an answer, or answered and holding). */
  readonly activeCalls: number;
  /** The rate SIPp applies now (after any `cset rate`). */
  readonly targetRate: number | undefined;
}

export const ZERO_COUNTERS: LoadCounters = Object.freeze({ attempts: 0, answered: 0, rejected503: 0, failedOther: 0, timeouts: 0, completed: 0 });

export function addCounters(a: LoadCounters, b: LoadCounters): LoadCounters {
  return {
    attempts: a.attempts + b.attempts,
    answered: a.answered + b.answered,
    rejected503: a.rejected503 + b.rejected503,
    failedOther: a.failedOther + b.failedOther,
    timeouts: a.timeouts + b.timeouts,
    completed: a.completed + b.completed,
  };
}

/**
 * The last complete row of a statistics CSV, by column name (SIPp's column set
 * and order differ between versions and with the scenario's counters, so no
 * index is assumed). The text after the last newline is a row SIPp may still
 * be writing and is ignored; so is any row whose cell count is not the header's.
 */
export function lastStatsRow(text: string, delimiter = ';'): Map<string, string> | undefined {
  const lines = text.split('\n');
  const names = (lines[0] ?? '').split(delimiter).map((n) => n.trim());
  if (names.length < 2) return undefined;
  for (let i = lines.length - 2; i >= 1; i--) {
    const cells = (lines[i] ?? '').split(delimiter);
    if (cells.length !== names.length) continue;
    return new Map(names.map((name, j) => [name, (cells[j] ?? '').trim()]));
  }
  return undefined;
}

/**
 * Our counters from a row. Failures SIPp ends by its default behaviour (an
 * answer the scenario does not list, a transport error) are in FailedCall: the
 * scenario ends every call it handles itself as a SIPp "success".
 */
export function snapshotFromRow(row: ReadonlyMap<string, string>): SippSnapshot | undefined {
  const c = (name: string): number | undefined => count(row.get(name));
  const attempts = c('OutgoingCall(C)');
  const active = c('CurrentCall');
  const sippFailed = c('FailedCall(C)');
  const answered = c(`${SCENARIO_COUNTERS.answered}(C)`);
  const rejected503 = c(`${SCENARIO_COUNTERS.rejected503}(C)`);
  const failedOther = c(`${SCENARIO_COUNTERS.failedOther}(C)`);
  const timeouts = c(`${SCENARIO_COUNTERS.timeouts}(C)`);
  const completed = c(`${SCENARIO_COUNTERS.completed}(C)`);
  if (attempts === undefined || active === undefined || sippFailed === undefined || answered === undefined) return undefined;
  if (rejected503 === undefined || failedOther === undefined || timeouts === undefined || completed === undefined) return undefined;
  const rate = Number(row.get('TargetRate'));
  return {
    counters: { attempts, answered, rejected503, failedOther: failedOther + sippFailed, timeouts, completed },
    activeCalls: active,
    targetRate: row.get('TargetRate') !== undefined && Number.isFinite(rate) ? rate : undefined,
  };
}

export function parseStats(text: string): SippSnapshot | undefined {
  const row = lastStatsRow(text);
  return row && snapshotFromRow(row);
}

function count(cell: string | undefined): number | undefined {
  if (cell === undefined || !/^\d+$/.test(cell)) return undefined;
  return Number(cell);
}

/** Enough for the header and a few rows (a row is about 1.2 kB). */
const CHUNK = 16 * 1024;

/**
 * The latest snapshot in a statistics file, reading only its head (the header)
 * and its tail: SIPp appends a row every second for as long as the playground
 * runs. Undefined when the file is missing or has no complete row yet.
 */
export async function readStatsFile(path: string): Promise<SippSnapshot | undefined> {
  let file;
  try {
    file = await open(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const { size } = await file.stat();
    if (size <= 2 * CHUNK) return parseStats(await read(file, 0, size));
    const head = await read(file, 0, CHUNK);
    const tail = await read(file, size - CHUNK, CHUNK);
    const header = head.slice(0, head.indexOf('\n'));
    // The tail starts mid-row: drop up to its first newline.
    return parseStats(`${header}\n${tail.slice(tail.indexOf('\n') + 1)}`);
  } catch {
    return undefined;
  } finally {
    await file.close().catch(() => undefined);
  }
}

async function read(file: Awaited<ReturnType<typeof open>>, position: number, length: number): Promise<string> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await file.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead).toString('latin1');
}
