import type { Clock } from '../clock/clock.js';
import { CronSpecError, type CompiledCron, type CronEngine } from './cron.js';
import type { OpenWindow, ScheduleEvent, ScheduleProblem, ScheduleState, ScheduleWindows, Scheduler, WindowKind } from './scheduler.js';
import { windowAt } from './window.js';

/**
 * The Scheduler over a CronEngine (node-cron in production). Openings come
 * from the cron timer; closings from the Clock, re-checked on waking, so a
 * window that re-opened while open stays open and says "closed" only once.
 */

interface Entry {
  readonly kind: WindowKind;
  readonly name: string;
  readonly timeZone: string;
  readonly durationMs: number;
  readonly minReplicas: number | undefined;
  readonly cron: CompiledCron;
  /** Whether the last event said open; events fire only on a change. */
  open: boolean;
}

export interface CronSchedulerDeps {
  readonly clock: Clock;
  readonly engine: CronEngine;
}

export class CronScheduler implements Scheduler {
  readonly #clock: Clock;
  readonly #engine: CronEngine;
  #entries: Entry[] = [];
  #problems: ScheduleProblem[] = [];
  #loadedKey: string | null = null;
  #abort = new AbortController();
  readonly #listeners = new Set<(event: ScheduleEvent) => void>();

  constructor(deps: CronSchedulerDeps) {
    this.#clock = deps.clock;
    this.#engine = deps.engine;
  }

  load(windows: ScheduleWindows): readonly ScheduleProblem[] {
    const key = JSON.stringify([windows.schedules, windows.maintenanceWindows]);
    if (key === this.#loadedKey) return this.#problems;
    this.stop();
    this.#loadedKey = key;
    this.#abort = new AbortController();
    const specs = [
      ...windows.schedules.map((s) => ({ kind: 'schedule' as const, s })),
      ...windows.maintenanceWindows.map((s) => ({ kind: 'maintenanceWindow' as const, s })),
    ];
    for (const { kind, s } of specs) this.#add(kind, s);
    return this.#problems;
  }

  #add(kind: WindowKind, s: ScheduleWindows['schedules'][number]): void {
    const timeZone = s.timeZone ?? 'UTC';
    let cron: CompiledCron;
    try {
      cron = this.#engine.compile(s.cron, timeZone);
    } catch (err) {
      const field = err instanceof CronSpecError ? err.field : 'cron';
      const why = err instanceof Error ? err.message : String(err);
      this.#problems.push({ kind, name: s.name, field, message: `${kind} ${JSON.stringify(s.name)}: ${why}` });
      return;
    }
    const entry: Entry = { kind, name: s.name, timeZone, durationMs: s.durationMinutes * 60_000, minReplicas: kind === 'schedule' ? s.minReplicas : undefined, cron, open: false };
    this.#entries.push(entry);
    entry.open = this.#isOpen(entry, this.#clock.wallTime().getTime());
    cron.start(() => this.#opened(entry));
    if (entry.open) void this.#watchClose(entry, this.#abort.signal);
  }

  stateAt(now: Date): ScheduleState {
    const open: OpenWindow[] = [];
    for (const e of this.#entries) {
      const w = windowAt(e.cron, e.timeZone, e.durationMs, now.getTime());
      if (w.open) open.push({ kind: e.kind, name: e.name, openedAt: new Date(w.openedAtMs!), closesAt: new Date(w.closesAtMs!) });
    }
    const floors = open.flatMap((w) => {
      const min = this.#entries.find((e) => e.kind === w.kind && e.name === w.name)?.minReplicas;
      return w.kind === 'schedule' && min !== undefined ? [{ name: w.name, minReplicas: min, closesAt: w.closesAt }] : [];
    });
    const openMaintenanceWindows = open.filter((w) => w.kind === 'maintenanceWindow').map((w) => w.name);
    return { floors, openMaintenanceWindows, open, problems: [...this.#problems] };
  }

  onEvent(listener: (event: ScheduleEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  stop(): void {
    this.#abort.abort();
    for (const e of this.#entries) e.cron.dispose();
    this.#entries = [];
    this.#problems = [];
    this.#loadedKey = null;
  }

  #isOpen(e: Entry, nowMs: number): boolean {
    return windowAt(e.cron, e.timeZone, e.durationMs, nowMs).open;
  }

  /** The cron fired: the window (re)opened now. */
  #opened(e: Entry): void {
    if (!this.#entries.includes(e)) return; // a late tick from a replaced spec
    const wasOpen = e.open;
    e.open = true;
    if (!wasOpen) {
      this.#emit({ type: 'opened', kind: e.kind, name: e.name, at: this.#clock.wallTime() });
      void this.#watchClose(e, this.#abort.signal);
    }
  }

  /** Sleeps until the window should close, re-checking on waking: a re-opening extends it. */
  async #watchClose(e: Entry, signal: AbortSignal): Promise<void> {
    try {
      for (;;) {
        const now = this.#clock.wallTime().getTime();
        const w = windowAt(e.cron, e.timeZone, e.durationMs, now);
        if (!w.open) break;
        await this.#clock.sleep(w.closesAtMs! - now, signal);
      }
    } catch {
      return; // aborted by stop() or a new spec: the entry is gone
    }
    e.open = false;
    this.#emit({ type: 'closed', kind: e.kind, name: e.name, at: this.#clock.wallTime() });
  }

  #emit(event: ScheduleEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A failing listener must not stop the others or the scheduler; the leader logs in its own listener.
      }
    }
  }
}
