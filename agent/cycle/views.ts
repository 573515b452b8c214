import type { PodFacts } from '../membership/state.js';
import { buildView, emptyView, type ClusterView } from '../membership/view.js';
import type { VnfCluster } from '../model/vnfcluster.js';

/** A pod source per label selector; kube/ PodWatch in production, a fake in tests. */
export interface PodSource {
  pods(): readonly PodFacts[];
  start(): void;
  stop(): Promise<void>;
}

export function selectorOf(vc: VnfCluster): string {
  return Object.entries(vc.spec.selector.matchLabels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/**
 * The membership views of this cluster and its upstreams. Keeps one pod
 * source per cluster, restarted when its selector changes, and the previous
 * view per cluster so states and generations carry over between passes.
 */
export class ClusterViews {
  readonly #sources = new Map<string, { selector: string; source: PodSource }>();
  readonly #views = new Map<string, ClusterView>();

  constructor(private readonly openSource: (selector: string) => PodSource) {}

  /** Continues the numbering a previous leader published (called when this agent starts leading). */
  seed(cluster: string, generation: number, members: ClusterView['members']): void {
    const current = this.#views.get(cluster);
    if (current && current.generation >= generation) return;
    this.#views.set(cluster, { ...emptyView(cluster, generation), members });
  }

  /** The current view of each named cluster (clusters without a known spec are skipped). */
  refresh(clusters: readonly VnfCluster[]): ClusterView[] {
    const wanted = new Set(clusters.map((vc) => vc.metadata.name));
    for (const [name, entry] of this.#sources) {
      if (!wanted.has(name)) {
        void entry.source.stop();
        this.#sources.delete(name);
      }
    }
    return clusters.map((vc) => {
      const name = vc.metadata.name;
      const selector = selectorOf(vc);
      let entry = this.#sources.get(name);
      if (!entry || entry.selector !== selector) {
        void entry?.source.stop();
        entry = { selector, source: this.openSource(selector) };
        entry.source.start();
        this.#sources.set(name, entry);
      }
      const view = buildView(name, entry.source.pods(), this.#views.get(name));
      this.#views.set(name, view);
      return view;
    });
  }

  /** The raw pod facts of a cluster as its watch last saw them (the scaler reads its own cluster's); none before the first refresh names it. */
  pods(cluster: string): readonly PodFacts[] {
    return this.#sources.get(cluster)?.source.pods() ?? [];
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#sources.values()].map((e) => e.source.stop()));
    this.#sources.clear();
  }
}
