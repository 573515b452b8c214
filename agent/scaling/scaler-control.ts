import type { ScaleCommand, ScaleState } from '../http/routes/scale.js';
import type { VnfCluster } from '../model/vnfcluster.js';
import type { ScaleInState } from './scale-in.js';
import type { LastDecision } from './scaler.js';
import type { ManualRequest } from './types.js';

/** What the desk needs from the leader's scaler. */
export interface ScalerView {
  readonly manual: ManualRequest | undefined;
  readonly last: LastDecision | undefined;
  readonly lastPass: string;
  setManual(manual: ManualRequest | undefined): void;
}

export interface ScaleDeskDeps {
  readonly pod: string;
  /** Who leads, as this pod's elector last saw it. */
  readonly leadership: () => { readonly isLeader: boolean; readonly leader: string | undefined };
  readonly policy: () => VnfCluster | undefined;
  readonly scaler: ScalerView;
  readonly scaleIn: { state(): ScaleInState | null };
}

/** An operator's command as the leader's scaler took it, or why it did not. */
export type ScaleApplied = { readonly applied: true; readonly state: ScaleState } | { readonly applied: false; readonly reason: string };

/**
 * The leader's side of /scale, in domain terms: the state it shows and the
 * manual requests it takes. Whether this pod answers or forwards to the
 * leader is the HTTP layer's business (agent/http/scale-relay.ts).
 */
export class ScaleDesk {
  constructor(private readonly d: ScaleDeskDeps) {}

  /** The leader's answer to GET /scale. */
  state(): ScaleState {
    const spec = this.d.policy()?.spec;
    const { manual, last } = this.d.scaler;
    return {
      pod: this.d.pod,
      leader: this.d.leadership().leader ?? null,
      isLeader: this.d.leadership().isLeader,
      currentReplicas: last?.replicas ?? this.d.policy()?.status?.replicas ?? null,
      desiredReplicas: last?.decision.replicas ?? null,
      paused: (spec?.paused ?? false) || manual?.kind === 'pause',
      specPaused: spec?.paused ?? false,
      specManualReplicas: spec?.manualReplicas ?? null,
      manual: manual ? { ...manual } : null,
      lastDecision: last
        ? { replicas: last.decision.replicas, nextStep: last.decision.nextStep, direction: last.decision.direction, reason: last.decision.reason, time: last.time, inputs: { ...last.decision.inputs, overloadedMembers: [...last.decision.inputs.overloadedMembers] } }
        : null,
      samples: (last?.gathered.samples ?? []).map((s) => ({ ...s })),
      missing: (last?.gathered.missing ?? []).map((m) => ({ ...m })),
      scaleIn: this.d.scaleIn.state(),
      lastPass: this.d.scaler.lastPass,
      forecast: last?.forecast ? { ...last.forecast } : null,
    };
  }

  /** Hands `command` to the scaler; refused when this pod stopped leading in between (the scaler throws then). */
  apply(command: ScaleCommand): ScaleApplied {
    const { scaler } = this.d;
    try {
      if (command.replicas !== undefined) scaler.setManual({ kind: 'replicas', replicas: command.replicas });
      else if (command.pause === true) scaler.setManual({ kind: 'pause' });
      else if (command.pause === false) scaler.setManual(scaler.manual?.kind === 'pause' ? undefined : scaler.manual);
      else if (command.clear === true) scaler.setManual(undefined);
    } catch (err) {
      return { applied: false, reason: `this pod stopped leading before the request was applied (${(err as Error).message}); retry` };
    }
    return { applied: true, state: this.state() };
  }
}
