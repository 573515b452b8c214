import type { RegistrarStatus } from './registrar.js';

/**
 * Readiness of a pod that routes to upstream peers (Bono to its Sprouts): it
 * is not ready until its SIP server has loaded at least one routable upstream
 * peer. A Bono that is Ready before then receives calls it can only answer
 * with 503, and writing the peer file is not enough: the SIP server may have
 * refused the reload (Kamailio's reload_delta), so the pass must be in sync.
 *
 * Once reached, the gate stays open for the life of the process. Later
 * changes are applied within a reload, and taking the only Bono out of its
 * Service for that moment would drop every call instead of a few.
 */
export class UpstreamReadiness {
  #loaded = false;

  constructor(private readonly lastResult: () => RegistrarStatus | undefined) {}

  /** A readiness check: undefined when ready, else why not. */
  readiness(): string | undefined {
    if (this.#loaded) return undefined;
    const last = this.lastResult();
    if (last?.inSync === true && last.peers > 0) {
      this.#loaded = true;
      return undefined;
    }
    if (last === undefined) return 'the SIP server has not been given its upstream peers yet';
    if (!last.inSync) return `upstream peers not loaded into the SIP server yet: ${last.error ?? 'registration pending'}`;
    return 'no routable upstream peer yet: the SIP server could only refuse calls';
  }
}
