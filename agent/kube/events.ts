import type { Clock } from '../clock/clock.js';
import { seg, type KubeApi } from './request.js';
import { microTime } from './micro-time.js';
import { toKubeError } from './errors.js';
import type { EventTarget } from '../scaling/scaler-ports.js';


export interface AgentEvent {
  readonly regarding: EventTarget;
  readonly type: 'Normal' | 'Warning';
  /** CamelCase machine-readable cause, e.g. LeaderElected, ScaledUp. */
  readonly reason: string;
  /** The decision sentence. */
  readonly note: string;
  readonly action: string;
}

/**
 * A unique Event name without randomness. client-go names an Event
 * `<object>.<unix nanoseconds in hex>`; milliseconds are too coarse for that,
 * so a per-recorder sequence and a hash of the reporting pod's name keep two
 * Events about one object in the same millisecond apart, from one pod or two.
 */
export function eventName(regarding: string, reportingInstance: string, atMs: number, seq: number): string {
  return `${regarding}.${atMs.toString(16)}${fnv1a(reportingInstance).toString(16).padStart(8, '0')}${seq.toString(16)}`;
}

/** 32-bit FNV-1a: a stable, tiny hash; not for anything secret. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

/** Kubernetes Events (events.k8s.io/v1), so `kubectl describe` shows what the agents did. */
export class EventRecorder {
  #seq = 0;

  constructor(
    private readonly api: KubeApi,
    private readonly namespace: string,
    private readonly reportingInstance: string,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  async record(event: AgentEvent, signal?: AbortSignal): Promise<void> {
    const now = this.clock.wallTime();
    const name = eventName(event.regarding.name, this.reportingInstance, now.getTime(), this.#seq++);
    try {
      const body = {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name, namespace: this.namespace },
        eventTime: microTime(now),
        reportingController: 'vnf-agent.dev/sidecar',
        reportingInstance: this.reportingInstance.slice(0, 128),
        action: event.action,
        reason: event.reason,
        note: event.note.slice(0, 1024),
        type: event.type,
        regarding: { ...event.regarding, namespace: this.namespace },
      };
      await this.api.create(`/apis/events.k8s.io/v1/namespaces/${seg(this.namespace)}/events`, body, { timeoutMs: this.timeoutMs, signal });
    } catch (err) {
      throw toKubeError(err, `create Event ${event.reason} for ${event.regarding.kind} ${event.regarding.name}`);
    }
  }
}
