/**
 * The process of a term, as the kubelet reported it to the holder itself: its
 * pod, and the sidecar container it runs in. Written into the Lease with the
 * term (docs/election.md, "Takeover on proof of death").
 */
export interface TermProcess {
  readonly pod: string;
  readonly podUid: string;
  readonly container: string;
  readonly containerId: string;
  readonly restartCount: number;
}

/** Malformed annotation content never crashes a loop: it reads as "no record". */
export function parseTermProcess(raw: unknown): TermProcess | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const strings = [r.pod, r.podUid, r.container, r.containerId].every((v) => typeof v === 'string' && v !== '');
  if (!strings || !Number.isInteger(r.restartCount) || (r.restartCount as number) < 0) return undefined;
  return { pod: r.pod as string, podUid: r.podUid as string, container: r.container as string, containerId: r.containerId as string, restartCount: r.restartCount as number };
}
