import type { CurvePayload } from './codec.js';

/**
 * The port to the ConfigMap that keeps a cluster's load history. kube/
 * provides the adapter (HistoryConfigMaps); tests give a fake that bites.
 */
export interface StoredHistory extends CurvePayload {
  /** resourceVersion of the ConfigMap as read. */
  readonly version: string;
}

/** The VnfCluster that owns the ConfigMap: deleting the cluster deletes its history. */
export interface HistoryOwner {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid?: string | undefined;
}

export interface HistoryStore {
  /** The stored history, or null when the ConfigMap does not exist. */
  read(name: string, signal?: AbortSignal): Promise<StoredHistory | null>;
  /** Creates the ConfigMap; a 409 (status 409) when it exists already. Resolves the new version. */
  create(name: string, owner: HistoryOwner, payload: CurvePayload, signal?: AbortSignal): Promise<string>;
  /** Replaces it, conditional on `version`: a 409 when it changed since. Resolves the new version. */
  replace(name: string, owner: HistoryOwner, payload: CurvePayload, version: string, signal?: AbortSignal): Promise<string>;
}

/** The history ConfigMap of a VnfCluster. */
export const historyName = (cluster: string): string => `${cluster}-load-history`;
