import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { machine, type Machine } from './report.js';

/**
 * Where a figure came from, for the result files under bench/results/ that
 * the README quotes: the commit it was measured at, whether tracked files
 * differed from that commit (then the commit alone does not reproduce it),
 * and the machine, date and load it ran on.
 */
export interface Provenance {
  readonly commit: string;
  /** Tracked files outside bench/results/ differed from `commit` during the run. */
  readonly dirty: boolean;
  readonly machine: Machine;
}

const git = (args: string[]): string => {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
};

export function provenance(): Provenance {
  return {
    commit: git(['rev-parse', 'HEAD']),
    dirty: git(['status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)bench/results']) !== '',
    machine: machine(),
  };
}

/** Writes one result as pretty JSON (one file per command, overwritten by the next run: git keeps the history). */
export function writeResult(path: string, result: object): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
}
