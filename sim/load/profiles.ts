/**
 * Offered load over time, in new calls per second. Pure: the generator asks
 * for the rate at the seconds elapsed since the profile was chosen.
 */
export type LoadProfile =
  | { readonly kind: 'constant'; readonly rate: number }
  /** `base` and `high` alternate every `periodS`. */
  | { readonly kind: 'step'; readonly base: number; readonly high: number; readonly periodS: number }
  /** Linear from `from` to `to` over `durationS`, then holds `to`. */
  | { readonly kind: 'ramp'; readonly from: number; readonly to: number; readonly durationS: number }
  /** A day compressed into `dayS`: night trough at 0, busy hour in the middle. */
  | { readonly kind: 'daily'; readonly min: number; readonly max: number; readonly dayS: number }
  /** `peak` for `lengthS` every `everyS`, `base` otherwise. */
  | { readonly kind: 'spike'; readonly base: number; readonly peak: number; readonly everyS: number; readonly lengthS: number };

export type ProfileKind = LoadProfile['kind'];

export function offeredRate(profile: LoadProfile, elapsedS: number): number {
  const t = Math.max(0, elapsedS);
  switch (profile.kind) {
    case 'constant':
      return profile.rate;
    case 'step':
      return Math.floor(t / profile.periodS) % 2 === 0 ? profile.base : profile.high;
    case 'ramp':
      return profile.from + (profile.to - profile.from) * Math.min(1, t / profile.durationS);
    case 'daily': {
      const phase = (t % profile.dayS) / profile.dayS;
      return profile.min + ((profile.max - profile.min) * (1 - Math.cos(2 * Math.PI * phase))) / 2;
    }
    case 'spike':
      return t % profile.everyS < profile.everyS - profile.lengthS ? profile.base : profile.peak;
  }
}

/**
 * The profiles the dashboard offers, sized for `perPodCps` calls/s per Sprout:
 * each swings between what minReplicas carry and what needs most of maxReplicas.
 */
export function presetProfiles(perPodCps: number): Record<ProfileKind, LoadProfile> {
  const c = perPodCps;
  return {
    constant: { kind: 'constant', rate: round(1.2 * c) },
    step: { kind: 'step', base: round(1.2 * c), high: round(3.5 * c), periodS: 60 },
    ramp: { kind: 'ramp', from: round(0.5 * c), to: round(4 * c), durationS: 240 },
    daily: { kind: 'daily', min: round(0.5 * c), max: round(4 * c), dayS: 300 },
    spike: { kind: 'spike', base: round(1.2 * c), peak: round(5 * c), everyS: 90, lengthS: 20 },
  };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

export function isProfileKind(value: unknown): value is ProfileKind {
  return value === 'constant' || value === 'step' || value === 'ramp' || value === 'daily' || value === 'spike';
}
