import type { PodSighting } from '../election/proof.js';
import type { PodFacts } from '../membership/state.js';

/** Deleted pods remembered for the proof of death; more than a cluster's leader changes in a lease duration. */
const GONE_KEPT = 64;

/**
 * The last status of every pod the pod watches saw, for the election's proof
 * of death (election/proof.ts). A pod that leaves a watch it was in is kept as
 * `gone` with its last status: the kubelet reports a sidecar container's end
 * before it lets the pod object go, and a standby that missed the pod's last
 * update must still be able to tell "deleted after its containers stopped"
 * from "force-deleted while still running" (which waits for the lease).
 */
export class PodSightings {
  readonly #bySource = new Map<string, Set<string>>();
  readonly #last = new Map<string, PodSighting>();

  /** One watch's full current set (its onChange). */
  update(source: string, pods: readonly PodFacts[]): void {
    const now = new Set<string>();
    for (const pod of pods) {
      now.add(pod.name);
      if (pod.process) this.#last.set(pod.name, { pod: pod.process, gone: false });
    }
    for (const name of this.#bySource.get(source) ?? []) {
      const last = this.#last.get(name);
      if (now.has(name) || !last || last.gone) continue;
      this.#last.delete(name); // re-inserted last: the oldest gone entries are dropped first
      this.#last.set(name, { ...last, gone: true });
    }
    this.#bySource.set(source, now);
    this.#forgetOldGone();
  }

  /** The pod as last seen, present or gone; undefined when never seen with a status. */
  sighting(name: string): PodSighting | undefined {
    return this.#last.get(name);
  }

  /** The pod as a watch holds it now. */
  present(name: string): PodSighting['pod'] | undefined {
    const s = this.#last.get(name);
    return s && !s.gone ? s.pod : undefined;
  }

  #forgetOldGone(): void {
    const gone = [...this.#last].filter(([, s]) => s.gone);
    for (const [name] of gone.slice(0, Math.max(0, gone.length - GONE_KEPT))) this.#last.delete(name);
  }
}
