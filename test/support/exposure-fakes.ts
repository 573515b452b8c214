import type { MemberService, MemberServices, ServiceSpec } from '../../agent/exposure/ports.js';
import { MANAGED_ANNOTATIONS } from '../../agent/exposure/ports.js';
import { ConflictError } from './scaler-fakes.js';

type Op = 'list' | 'get' | 'create' | 'update' | 'remove';

/**
 * Member Services in memory, with the API server's rules for them: a create
 * of an existing name and an update or delete at an old version fail with
 * 409, every write moves the version. It bites: an operation the test did not
 * allow throws, and every call is recorded as `op name@version`.
 */
export class FakeServices implements MemberServices {
  readonly items = new Map<string, MemberService>();
  readonly calls: string[] = [];
  #version = 100;
  #nextNodePort = 30000;

  constructor(private readonly allowed: ReadonlySet<Op> = new Set<Op>(['list', 'get', 'create', 'update', 'remove'])) {}

  /** A Service as a previous leader left it. */
  seed(s: Omit<MemberService, 'version'>): MemberService {
    const stored = { ...s, version: String(++this.#version) };
    this.items.set(s.name, stored);
    return stored;
  }

  /** Another writer changes the Service: the version moves, so a write at the old one loses. */
  touch(name: string): void {
    const s = this.items.get(name);
    if (s) this.items.set(name, { ...s, version: String(++this.#version) });
  }

  list(cluster: string): Promise<MemberService[]> {
    return this.#op('list', cluster, () => [...this.items.values()]);
  }

  get(name: string): Promise<MemberService | undefined> {
    return this.#op('get', name, () => this.items.get(name));
  }

  create(spec: ServiceSpec): Promise<MemberService> {
    return this.#op('create', spec.name, () => {
      if (this.items.has(spec.name)) throw new ConflictError();
      return this.#store(spec, undefined);
    });
  }

  update(spec: ServiceSpec, version: string): Promise<MemberService> {
    return this.#op('update', `${spec.name}@${version}`, () => {
      const current = this.items.get(spec.name);
      if (!current || current.version !== version) throw new ConflictError();
      return this.#store(spec, current);
    });
  }

  remove(name: string, version: string): Promise<void> {
    return this.#op('remove', `${name}@${version}`, () => {
      const current = this.items.get(name);
      if (!current || current.version !== version) throw new ConflictError();
      this.items.delete(name);
    });
  }

  #store(spec: ServiceSpec, current: MemberService | undefined): MemberService {
    const annotations: Record<string, string> = { ...(current?.annotations ?? {}), ...spec.annotations, [MANAGED_ANNOTATIONS]: Object.keys(spec.annotations).sort().join(',') };
    for (const k of spec.dropAnnotations) if (!(k in spec.annotations)) delete annotations[k];
    const ports = spec.ports.map((p) => ({ ...p, nodePort: current?.ports.find((c) => c.name === p.name)?.nodePort || this.#nextNodePort++ }));
    const stored: MemberService = {
      name: spec.name, member: spec.member, type: spec.type, ports, annotations, ingress: current?.ingress ?? [], ownerUid: spec.ownerUid, version: String(++this.#version),
    };
    this.items.set(spec.name, stored);
    return stored;
  }

  async #op<T>(op: Op, what: string, run: () => T): Promise<T> {
    this.calls.push(`${op} ${what}`);
    if (!this.allowed.has(op)) throw new Error(`unexpected ${op} ${what}`);
    return run();
  }
}
