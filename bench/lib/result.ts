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
  /** The tree had changes outside bench/results/ (machine().commit ends in -dirty). */
  readonly dirty: boolean;
  readonly machine: Machine;
}

export function provenance(): Provenance {
  const m = machine();
  return { commit: m.commit.replace(/-dirty$/, ''), dirty: m.commit.endsWith('-dirty'), machine: m };
}

/** Writes one result as pretty JSON (one file per command, overwritten by the next run: git keeps the history). */
export function writeResult(path: string, result: object): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
}
