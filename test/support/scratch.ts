import { rmSync } from 'node:fs';

/**
 * Removes a test's scratch directory. Processes stopped a moment ago (Kamailio in a pod the
 * simulated kubelet is still tearing down, SIPp) may still create or remove files in it, which
 * makes a single recursive rmdir fail with ENOTEMPTY; Node retries that error when asked to.
 */
export function removeScratchDir(dir: string | undefined): void {
  if (dir === undefined) return;
  rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 });
}
