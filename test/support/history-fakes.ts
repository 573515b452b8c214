import type { CurvePayload } from '../../agent/scaling/predictive/codec.js';
import type { HistoryOwner, HistoryStore, StoredHistory } from '../../agent/scaling/predictive/store.js';

type Step = 'ok' | Error;

/**
 * The load-history ConfigMaps, in memory. It bites: every read, create and
 * replace must have been scripted with `expect`, and a replace must carry the
 * version the object has, as the API server demands.
 */
export class FakeHistoryStore implements HistoryStore {
  object: (StoredHistory & { owner: HistoryOwner }) | null = null;
  calls: string[] = [];
  #script: { op: 'read' | 'create' | 'replace'; step: Step }[] = [];
  #n = 0;

  expect(op: 'read' | 'create' | 'replace', step: Step = 'ok'): void {
    this.#script.push({ op, step });
  }

  get pending(): number {
    return this.#script.length;
  }

  /** What an operator or another leader writes, behind the leader's back. */
  put(payload: CurvePayload, owner: HistoryOwner = { apiVersion: 'vnf-agent.dev/v1alpha1', kind: 'VnfCluster', name: 'sprout', uid: 'u1' }): void {
    this.object = { ...payload, owner, version: `rv${++this.#n}` };
  }

  #next(op: 'read' | 'create' | 'replace', detail: string): void {
    this.calls.push(`${op} ${detail}`);
    const step = this.#script.shift();
    if (!step || step.op !== op) throw new Error(`unexpected ${op} ${detail} (expected ${step?.op ?? 'nothing'})`);
    if (step.step !== 'ok') throw step.step;
  }

  async read(name: string): Promise<StoredHistory | null> {
    this.#next('read', name);
    return this.object ? { data: { ...this.object.data }, binaryData: { ...this.object.binaryData }, version: this.object.version } : null;
  }

  async create(name: string, owner: HistoryOwner, payload: CurvePayload): Promise<string> {
    this.#next('create', name);
    if (this.object) throw Object.assign(new Error('already exists'), { status: 409 });
    this.put(payload, owner);
    return this.object!.version;
  }

  async replace(name: string, owner: HistoryOwner, payload: CurvePayload, version: string): Promise<string> {
    this.#next('replace', `${name}@${version}`);
    if (this.object?.version !== version) throw Object.assign(new Error('the object has been modified'), { status: 409 });
    this.put(payload, owner);
    return this.object.version;
  }
}
