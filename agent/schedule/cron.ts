import nodeCron, { type ScheduledTask } from 'node-cron';
import type { CronPattern } from './window.js';
import { timeZoneProblem } from './zone.js';

/**
 * The port to the cron library: compile a pattern in a time zone (for the
 * window math) and fire at each match (to wake the leader when a window
 * opens). node-cron behind it; tests use a fake that fires on demand.
 */
export interface CompiledCron extends CronPattern {
  /** Calls `onFire` at every match until disposed. Starting twice is a bug. */
  start(onFire: () => void): void;
  dispose(): void;
}

export interface CronEngine {
  /** Throws CronSpecError for a bad pattern or time zone; never anything else. */
  compile(cron: string, timeZone: string): CompiledCron;
}

/** A cron or time zone in the spec that cannot be used; the message names the culprit for a status condition. */
export class CronSpecError extends Error {
  constructor(
    readonly field: 'cron' | 'timeZone',
    message: string,
  ) {
    super(message);
    this.name = 'CronSpecError';
  }
}

/** Checks a pattern and zone without building anything, in node-cron's words. */
export function cronProblem(cron: string, timeZone: string): CronSpecError | null {
  const zone = timeZoneProblem(timeZone);
  if (zone) return new CronSpecError('timeZone', `invalid time zone ${JSON.stringify(timeZone)}: ${zone}`);
  const result = nodeCron.validateDetailed(cron);
  if (!result.valid) {
    const why = result.errors.map((e) => e.message).join('; ');
    return new CronSpecError('cron', `invalid cron ${JSON.stringify(cron)}: ${why}`);
  }
  return null;
}

export const nodeCronEngine: CronEngine = {
  compile(cron, timeZone) {
    const problem = cronProblem(cron, timeZone);
    if (problem) throw problem;
    const fields = nodeCron.parse(cron);
    let listener: (() => void) | null = null;
    // createTask builds a stopped task; it is node-cron's matcher now and its timer once started.
    const task: ScheduledTask = nodeCron.createTask(cron, () => listener?.(), { timezone: timeZone, noOverlap: true });
    return {
      seconds: fields.second,
      minutes: fields.minute,
      hours: fields.hour,
      matches: (at) => task.match(at),
      start(onFire) {
        if (listener) throw new Error(`cron ${cron} started twice`);
        listener = onFire;
        void task.start();
      },
      dispose() {
        listener = null;
        void task.destroy();
      },
    };
  },
};
