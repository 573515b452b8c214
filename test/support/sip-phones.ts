import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startProcess } from './process.js';
import { SIPP_BIN } from './sipp.js';

/**
 * (SIPp waits on a run of recvs with the timeout of the first of them, so each one carries it.)
 * One REGISTER per injected client (field0 the user, field1 Expires), each
 * logged by outcome: registered (200), refused (503: the proxy is leaving), or
 * lost (no answer in 4 s: the address is gone). A client's Contact is the same
 * in every run (the user at the clients' host, without SIPp's port, which
 * changes), so a registrar updates that client's one binding, as for a phone.
 */
const REGISTER_SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register each client once">
  <send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
Max-Forwards: 70
From: <sip:[field0]@vnf.test>;tag=[pid]SIPpTag[call_number]
To: <sip:[field0]@vnf.test>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:[field0]@[local_ip]>
Expires: [field1]
Content-Length: 0

]]></send>
  <recv response="100" optional="true" timeout="4000" ontimeout="lost"/>
  <recv response="503" optional="true" next="refused" timeout="4000" ontimeout="lost"/>
  <recv response="200" timeout="4000" ontimeout="lost"/>
  <nop next="done"><action><log message="registered [field0]"/></action></nop>
  <label id="refused"/>
  <nop next="done"><action><log message="refused [field0]"/></action></nop>
  <label id="lost"/>
  <nop><action><log message="lost [field0]"/></action></nop>
  <label id="done"/>
</scenario>
`;

export interface RegisterOutcome {
  readonly registered: string[];
  readonly refused: string[];
  readonly lost: string[];
}

export interface RegisterRun {
  readonly users: readonly string[];
  /** host:port of the edge proxy the clients register through. */
  readonly target: string;
  /** The address SIPp sends from (and the clients' Contact host). */
  readonly localHost: string;
  readonly expiresS: number;
  /** Where the scenario, the injection file and SIPp's logs go; `label` names them. */
  readonly dir: string;
  readonly label: string;
}

/** Registers each user once through `target` with SIPp, and says how each REGISTER ended. */
export async function registerUsers(r: RegisterRun): Promise<RegisterOutcome> {
  const file = (what: string): string => join(r.dir, `${r.label}-${what}`);
  writeFileSync(file('register.xml'), REGISTER_SCENARIO);
  writeFileSync(file('users.csv'), `SEQUENTIAL\n${r.users.map((u) => `${u};${r.expiresS}\n`).join('')}`);
  const port = await freePort(r.localHost);
  const proc = startProcess(SIPP_BIN, [
    '-sf', file('register.xml'), r.target, '-i', r.localHost, '-p', String(port), '-inf', file('users.csv'), '-m', String(r.users.length), '-r', '50',
    '-nostdin', '-timeout', '60s', '-timeout_error', '-trace_logs', '-log_file', file('outcomes.log'), '-trace_err', '-error_file', file('errors.log'),
  ], { PATH: process.env.PATH ?? '/usr/bin:/bin' });
  const { code, stdout } = await proc.exited(90_000);
  const log = existsSync(file('outcomes.log')) ? readFileSync(file('outcomes.log'), 'utf8') : '';
  const of = (outcome: string): string[] => [...log.matchAll(new RegExp(`^${outcome} (\\S+)$`, 'gm'))].map((m) => m[1] ?? '');
  const outcome = { registered: of('registered'), refused: of('refused'), lost: of('lost') };
  const told = outcome.registered.length + outcome.refused.length + outcome.lost.length;
  if (code !== 0 || told !== r.users.length) throw new Error(`sipp registering ${r.users.length} clients through ${r.target} exited ${code} with ${told} outcomes:\n${stdout.slice(-1500)}`);
  return outcome;
}

/**
 * Clients that stay registered as phones do: each refreshes through the edge
 * proxy it registered by, and one that is refused or gets no answer fails over
 * (RFC 3263) to another proxy address it knows and registers there at once.
 */
export class Phones {
  readonly #proxyOf = new Map<string, string>();
  /** Clients that moved, by why. */
  readonly moved = { refused: 0, lost: 0 };

  constructor(private readonly base: Omit<RegisterRun, 'users' | 'target' | 'label'>) {}

  /** The proxy address each client is registered through now. */
  proxies(): ReadonlyMap<string, string> {
    return this.#proxyOf;
  }

  /** Registers `users` spread over `addresses`, each at the one it is given. */
  async register(users: readonly string[], addresses: readonly string[], label: string): Promise<void> {
    users.forEach((u, i) => this.#proxyOf.set(u, addresses[i % addresses.length] ?? ''));
    await this.refresh(addresses, label);
  }

  /**
   * One re-registration period: every client refreshes through its proxy;
   * those refused or lost register through the next of `addresses` (the
   * addresses they would know, say from DNS) instead. Throws if one is left unregistered.
   */
  async refresh(addresses: readonly string[], label: string): Promise<void> {
    const failed = await this.#round([...this.#proxyOf.keys()], label);
    const elsewhere = (from: string, i: number): string => {
      const others = addresses.filter((a) => a !== from);
      return others[i % Math.max(1, others.length)] ?? from;
    };
    failed.forEach(({ user, why }, i) => {
      this.moved[why]++;
      this.#proxyOf.set(user, elsewhere(this.#proxyOf.get(user) ?? '', i));
    });
    const again = await this.#round(failed.map((f) => f.user), `${label}-failover`);
    if (again.length > 0) throw new Error(`${again.length} clients could not register anywhere: ${JSON.stringify(again.slice(0, 5))}`);
  }

  async #round(users: readonly string[], label: string): Promise<{ user: string; why: 'refused' | 'lost' }[]> {
    const byProxy = new Map<string, string[]>();
    for (const u of users) {
      const proxy = this.#proxyOf.get(u) ?? '';
      byProxy.set(proxy, [...(byProxy.get(proxy) ?? []), u]);
    }
    const outcomes = await Promise.all([...byProxy].map(([target, group], i) =>
      registerUsers({ ...this.base, users: group, target, label: `${label}-${i}` })));
    return outcomes.flatMap((o) => [...o.refused.map((user) => ({ user, why: 'refused' as const })), ...o.lost.map((user) => ({ user, why: 'lost' as const }))]);
  }
}
