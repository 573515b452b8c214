import type { Config } from '../config/schema.js';
import { nodeFileSystem, PeerFileWriter } from '../membership/writer.js';
import { fileApplier, kamailioShvApplier, publishOnly, type AddressApplier } from './apply.js';

/** How this pod's SIP server learns its public address, from validated settings: a file, a Kamailio RPC, both, or neither. */
export function addressApplierFor(config: Pick<Config, 'publicAddressFile' | 'publicAddressFormat' | 'publicAddressReload' | 'publicAddressReloadUrl'>): AddressApplier {
  const rpc = config.publicAddressReload === 'kamailio-rpc' ? kamailioShvApplier(config.publicAddressReloadUrl) : undefined;
  if (config.publicAddressFile !== '') return fileApplier(new PeerFileWriter(nodeFileSystem), config.publicAddressFile, config.publicAddressFormat, rpc);
  return rpc ?? publishOnly;
}
