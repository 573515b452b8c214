import type { EventsV1Api } from '@kubernetes/client-node';
import { V1MicroTime } from '@kubernetes/client-node';
import type { Clock } from '../clock/clock.js';
import { callOptions } from './request.js';
import { toKubeError } from './errors.js';

export interface EventTarget {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid?: string | undefined;
}

export interface AgentEvent {
  readonly regarding: EventTarget;
  readonly type: 'Normal' | 'Warning';
  /** CamelCase machine-readable cause, e.g. LeaderElected, ScaledUp. */
  readonly reason: string;
  /** The decision sentence. */
  readonly note: string;
  readonly action: string;
}

/** Kubernetes Events (events.k8s.io/v1), so `kubectl describe` shows what the agents did. */
export class EventRecorder {
  constructor(
    private readonly events: EventsV1Api,
    private readonly namespace: string,
    private readonly reportingInstance: string,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  async record(event: AgentEvent, signal?: AbortSignal): Promise<void> {
    const now = this.clock.wallTime();
    const suffix = `${now.getTime().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
    try {
      await this.events.createNamespacedEvent(
        {
          namespace: this.namespace,
          body: {
            metadata: { name: `${event.regarding.name}.${suffix}`, namespace: this.namespace },
            eventTime: new V1MicroTime(now.getTime()),
            reportingController: 'vnf-agent.dev/sidecar',
            reportingInstance: this.reportingInstance.slice(0, 128),
            action: event.action,
            reason: event.reason,
            note: event.note.slice(0, 1024),
            type: event.type,
            regarding: { ...event.regarding, namespace: this.namespace },
          },
        },
        callOptions({ timeoutMs: this.timeoutMs, signal }),
      );
    } catch (err) {
      throw toKubeError(err, `create Event ${event.reason} for ${event.regarding.kind} ${event.regarding.name}`);
    }
  }
}
