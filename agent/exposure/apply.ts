import { GENERATED_HEADER } from '../membership/render/renderer.js';
import { kamailioShvSet } from '../membership/kamailio-rpc.js';
import type { PeerFileWriter } from '../membership/writer.js';

export const ADDRESS_FORMATS = ['kamailio', 'clearwater'] as const;
export type AddressFormat = (typeof ADDRESS_FORMATS)[number];

/** The address as applied: host and port clients reach, and both joined. */
export interface PublicAddress {
  readonly address: string;
  readonly host: string;
  readonly port: number;
}

/**
 * The file a SIP server reads its public address from, byte-identical for an
 * unchanged address. kamailio: `#!define` lines for an `import_file` (the
 * address as Kamailio was started with it: `listen=... advertise
 * PUBLIC_HOST:PUBLIC_PORT`). clearwater: the local_config keys Bono
 * record-routes with (public_ip, public_hostname) and the node port.
 */
export function renderAddress(format: AddressFormat, a: PublicAddress): string {
  switch (format) {
    case 'kamailio':
      return `${GENERATED_HEADER}\n#!define PUBLIC_ADDRESS "${a.address}"\n#!define PUBLIC_HOST "${a.host}"\n#!define PUBLIC_PORT ${a.port}\n`;
    case 'clearwater':
      return `${GENERATED_HEADER}\npublic_ip=${a.host}\npublic_hostname=${a.host}\npublic_port=${a.port}\n`;
  }
}

/** Tells the running SIP server its address; a rejection means "not applied, try again". */
export interface AddressApplier {
  readonly describe: string;
  apply(address: PublicAddress, signal: AbortSignal): Promise<void>;
}

/** The shared variable the Kamailio config reads ($shv(public_address)); declare it with modparam("pv", "shvset", "public_address=s:"). */
export const KAMAILIO_SHV = 'public_address';

/**
 * Kamailio learns its address at run time: JSON-RPC pv.shvSet of a shared
 * variable, which its script puts into Record-Route
 * (record_route_advertised_address("$shv(public_address)")). Kamailio forgets it when it
 * restarts; the sidecar sets it again every recheck.
 */
export function kamailioShvApplier(url: string): AddressApplier {
  const shvSet = kamailioShvSet(url);
  return {
    describe: `kamailio pv.shvSet at ${url}`,
    apply: (a, signal) => shvSet(KAMAILIO_SHV, a.address, signal),
  };
}

/** Writes the address file (atomically, only on change), then tells the server through `then` when there is one. */
export function fileApplier(writer: PeerFileWriter, file: string, format: AddressFormat, then?: AddressApplier): AddressApplier {
  return {
    describe: then ? `${file} (${format}) and ${then.describe}` : `${file} (${format})`,
    apply: async (a, signal) => {
      await writer.writeIfChanged(file, renderAddress(format, a));
      if (then) await then.apply(a, signal);
    },
  };
}

/** Nothing to tell: the address is only published (status, readiness). */
export const publishOnly: AddressApplier = { describe: 'publish only', apply: () => Promise.resolve() };
