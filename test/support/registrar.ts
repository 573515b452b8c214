import { rpc } from '../chart/kamailio-pod.js';

/** One registration binding a Kamailio registrar holds (usrloc). */
export interface Binding {
  readonly aor: string;
  readonly contact: string;
  /** The Path header stored with it ('' when none): the proxies requests to the client go back through. */
  readonly path: string;
  /** Seconds left. */
  readonly expires: number;
}

interface UlDump {
  Domains?: { Domain?: { AoRs?: { Info?: { AoR?: string; Contacts?: { Contact?: { Address?: string; Path?: string; Expires?: number | string } }[] } }[] } }[];
}

/** Every unexpired binding of the registrars at `rpcUrls` (JSON-RPC ul.dump), across all of them. */
export async function bindings(rpcUrls: readonly string[]): Promise<Binding[]> {
  return bindingsIn(await Promise.all(rpcUrls.map((url) => rpc(url, 'ul.dump'))));
}

/** Every unexpired binding in the results of ul.dump from one registrar or more. */
export function bindingsIn(dumps: readonly unknown[]): Binding[] {
  return (dumps as UlDump[]).flatMap((dump) =>
    (dump.Domains ?? []).flatMap((d) =>
      (d.Domain?.AoRs ?? []).flatMap((a) =>
        (a.Info?.Contacts ?? []).map((c) => ({
          aor: a.Info?.AoR ?? '',
          contact: c.Contact?.Address ?? '',
          path: c.Contact?.Path ?? '',
          expires: Number(c.Contact?.Expires ?? 0),
        }))))).filter((b) => b.expires > 0);
}
