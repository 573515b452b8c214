import type { Config } from '../config/schema.js';
import { kamailioShvSet } from './kamailio-rpc.js';

/** The shared variable the Kamailio config reads ($shv(draining)); declare it with modparam("pv", "shvset", "draining=i:0"). */
export const KAMAILIO_DRAINING_SHV = 'draining';

/** Tells the local SIP server this pod is leaving; a rejection means "not told, try again". */
export type LeavingNotice = (signal: AbortSignal) => Promise<void>;

/**
 * Kamailio learns it is leaving at run time: JSON-RPC pv.shvSet of a shared
 * variable its script reads. The chart's Bono then refuses REGISTER with 503
 * and Retry-After, so a client registers through another edge proxy (RFC 3263
 * failover) long before this pod and its address go.
 */
export function kamailioLeavingNotice(url: string): LeavingNotice {
  const shvSet = kamailioShvSet(url);
  return (signal) => shvSet(KAMAILIO_DRAINING_SHV, 1, signal);
}

/** The notice the drainNotice setting names, or none. */
export function leavingNoticeFor(config: Pick<Config, 'drainNotice' | 'drainNoticeUrl'>): LeavingNotice | undefined {
  return config.drainNotice === 'kamailio-rpc' ? kamailioLeavingNotice(config.drainNoticeUrl) : undefined;
}
