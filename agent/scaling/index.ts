/** The scaling core: pure decisions the leader's scaler applies. */
export { decide } from './decide.js';
export { chooseVictim, type VictimCandidate, type VictimChoice } from './victim.js';
export { recordScale } from './history.js';
export { policyFromSpec } from './policy.js';
export { DEFAULT_SCALE_DOWN_POLICIES, DEFAULT_SCALE_UP_POLICIES } from './behavior.js';
export * from './types.js';
