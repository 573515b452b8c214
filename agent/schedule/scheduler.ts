import type { VnfClusterSpec } from '../model/vnfcluster.js';

/**
 * The Scheduler port: which cron windows of the VnfCluster are open, for the
 * scaling decision (capacity floors, maintenance windows), plus a nudge when
 * one opens or closes so the leader runs a cycle at once instead of waiting
 * for the next tick. Wall-clock jobs only; lease timing never goes through cron.
 */

export type WindowKind = 'schedule' | 'maintenanceWindow';

export interface OpenWindow {
  readonly kind: WindowKind;
  readonly name: string;
  readonly openedAt: Date;
  readonly closesAt: Date;
}

/** A window the spec declares but that cannot run; the leader reports it in a status condition. */
export interface ScheduleProblem {
  readonly kind: WindowKind;
  readonly name: string;
  readonly field: 'cron' | 'timeZone';
  /** e.g. `maintenanceWindow "nightly": invalid cron "0 25 * * *": 25 is a invalid expression for hour`. */
  readonly message: string;
}

export interface ScheduleState {
  /** Open schedules with a floor; feeds ScalingSnapshot.floors. */
  readonly floors: readonly { readonly name: string; readonly minReplicas: number; readonly closesAt: Date }[];
  /** Names of the open maintenance windows; feeds ScalingSnapshot.openMaintenanceWindows. */
  readonly openMaintenanceWindows: readonly string[];
  readonly open: readonly OpenWindow[];
  readonly problems: readonly ScheduleProblem[];
}

export interface ScheduleEvent {
  readonly type: 'opened' | 'closed';
  readonly kind: WindowKind;
  readonly name: string;
  readonly at: Date;
}

export type ScheduleWindows = Pick<VnfClusterSpec, 'schedules' | 'maintenanceWindows'>;

export interface Scheduler {
  /**
   * Replaces every window with the spec's (a no-op when they did not change,
   * so calling it each cycle is cheap). Bad entries are skipped and returned,
   * never thrown.
   */
  load(windows: ScheduleWindows): readonly ScheduleProblem[];
  /** What is open at `now` (wall time). */
  stateAt(now: Date): ScheduleState;
  /** Subscribes to opened/closed; returns the unsubscribe function. */
  onEvent(listener: (event: ScheduleEvent) => void): () => void;
  /** Stops every timer; the scheduler may be loaded again afterwards. */
  stop(): void;
}
