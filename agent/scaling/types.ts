import type { VnfClusterSpec } from '../model/vnfcluster.js';

/**
 * The inputs and outputs of one scaling decision. Everything here is plain
 * data: the leader gathers it, `decide` reads it, and the same values are shown
 * by GET /scale, so an operator sees exactly what the decision saw.
 */

/** One member's latest load sample, as the leader gathered it from GET /load. */
export interface MemberSample {
  readonly pod: string;
  readonly ready: boolean;
  /** 1.0 = the pod is at its signal targets; null when the pod reported no number. */
  readonly utilization: number | null;
  /** The pod rejects calls (503) or drops packets: the fast path adds pods at once. */
  readonly overloaded: boolean;
  /** How old the sample is; older than the staleness bound counts as missing. */
  readonly sampleAgeMs: number;
  /**
   * Time since the leader saw this pod turn Ready for the first time (absent:
   * not Ready now, or already Ready when this term first saw it). A pod first
   * Ready less than the staleness bound ago has not carried its share of the
   * calls yet; one Ready again after a spell NotReady counts from its first Ready.
   */
  readonly readyForMs?: number;
}

/** An operator request from POST /scale; it outlives cycles until withdrawn. */
export type ManualRequest = { readonly kind: 'replicas'; readonly replicas: number } | { readonly kind: 'pause' };

/** An open cron schedule and the capacity floor it sets. */
export interface ScheduleFloor {
  readonly name: string;
  readonly minReplicas: number;
}

/** The floor the load history asks for one lead time ahead (agent/scaling/predictive). */
export interface ForecastFloor {
  readonly replicas: number;
  /** Most replicas the floor may add above the reactive recommendation (spec.predictive.maxBoostReplicas). */
  readonly maxBoost: number;
  /** How the reason names it. */
  readonly clause: string;
}

/** What the leader knows in one cycle; immutable, read once. */
export interface ScalingSnapshot {
  /** The Deployment's spec.replicas as just read through the scale subresource. */
  readonly currentReplicas: number;
  readonly members: readonly MemberSample[];
  readonly manual?: ManualRequest | undefined;
  /** Open schedules with a floor (from the Scheduler). */
  readonly floors: readonly ScheduleFloor[];
  /** Names of maintenance windows open now (from the Scheduler). */
  readonly openMaintenanceWindows: readonly string[];
  /** The predictive floor; absent when predictive scaling is off or has not enough history. */
  readonly forecast?: ForecastFloor | undefined;
}

/** The parts of the VnfCluster spec that shape a decision, plus the agent's staleness bound. */
export type DecisionPolicy = Pick<
  VnfClusterSpec,
  'minReplicas' | 'maxReplicas' | 'targetUtilization' | 'tolerance' | 'behavior' | 'overload' | 'paused' | 'manualReplicas'
> & {
  /** Names of the spec's maintenance windows; non-empty means scale-in only inside one. */
  readonly maintenanceWindows: readonly { readonly name: string }[];
  /** A sample older than this counts as missing (config `sampleStaleMs`). */
  readonly sampleStaleMs: number;
};

export type Direction = 'up' | 'down' | 'none';

/** The numbers behind a decision, for GET /scale and the status. */
export interface DecisionInputs {
  readonly currentReplicas: number;
  /** Average utilization of the fresh, ready samples (un-adjusted, as the HPA reports it); null without any. */
  readonly averageUtilization: number | null;
  readonly targetUtilization: number;
  /** averageUtilization / targetUtilization; null without samples. */
  readonly usageRatio: number | null;
  /** What the load alone asks for, before floors, stabilization and rate limits. */
  readonly recommendation: number;
  readonly freshSamples: number;
  readonly missingSamples: number;
  readonly unreadyMembers: number;
  readonly overloadedMembers: readonly string[];
  readonly floor: number;
  /** The forecast's floor after maxBoost (0 without one), and whether it raised the recommendation. */
  readonly forecast?: { readonly replicas: number; readonly setFloor: boolean };
}

export interface Decision {
  /** Where the cluster should end up. */
  readonly replicas: number;
  /** What to write now: `replicas` on scale-up, one pod less on scale-down (graceful drain). */
  readonly nextStep: number;
  readonly direction: Direction;
  /** One sentence saying exactly why; logged once per cycle. */
  readonly reason: string;
  readonly inputs: DecisionInputs;
}

/** A recommendation kept for the stabilization windows. */
export interface TimedRecommendation {
  readonly atMs: number;
  readonly replicas: number;
}

/** An observed change of spec.replicas (signed), kept for the rate policies. */
export interface ScaleEvent {
  readonly atMs: number;
  readonly change: number;
}

/**
 * What `decide` remembers between cycles (the HPA keeps the same in memory).
 * A new leader starts empty, and the first cycle seeds the scale-down window
 * with the current count so a failover never shrinks the cluster at once.
 */
export interface ScalingHistory {
  readonly recommendations: readonly TimedRecommendation[];
  readonly events: readonly ScaleEvent[];
  /** spec.replicas seen in the previous cycle; null before the first. */
  readonly lastReplicas: number | null;
}

export const emptyHistory: ScalingHistory = Object.freeze({ recommendations: [], events: [], lastReplicas: null });

export interface DecideResult {
  readonly decision: Decision;
  readonly history: ScalingHistory;
}
