import type { Registry } from 'prom-client';
import type { Clock } from '../clock/clock.js';
import type { Config } from '../config/schema.js';
import { MembershipMetrics } from './metrics.js';
import { PeerRegistrar } from './registrar.js';
import { httpReloader, kamailioDispatcherReloader, noReload, type Reloader } from './reload.js';
import { procProcessTable, signalReloader } from './reload-signal.js';
import { createRenderer } from './render/index.js';
import { nodeFileSystem, PeerFileWriter } from './writer.js';

type PeerSettings = Pick<
  Config,
  | 'sipPort'
  | 'peersRenderer'
  | 'peersFile'
  | 'peersSipPort'
  | 'peersTransport'
  | 'peersDispatcherSetId'
  | 'peersReload'
  | 'peersReloadUrl'
  | 'peersReloadMethod'
  | 'peersReloadProcess'
  | 'peersReloadSignal'
  | 'peersTimeoutMs'
  | 'peersRetryMaxMs'
>;

/** First retry delay; short, because the usual cause is a SIP server still starting. */
const RETRY_INITIAL_MS = 1_000;

/**
 * Retry delay after Kamailio refused a reload within its reload_delta (whole
 * seconds, 5 by default): a local RPC four times a second until it is accepted,
 * so the new peer set is live at most about 250 ms after Kamailio allows it.
 */
const BUSY_RETRY_MS = 250;

/**
 * Wires a PeerRegistrar from validated settings with the real adapters
 * (node:fs, fetch, /proc). main.ts calls this once and feeds `pass()` the
 * views selected by `peersSource`.
 */
export function createPeerRegistrar(config: PeerSettings, deps: { clock: Clock; registry: Registry }): PeerRegistrar {
  const renderer = createRenderer(config.peersRenderer, {
    port: config.peersSipPort === 0 ? config.sipPort : config.peersSipPort,
    transport: config.peersTransport,
    setId: config.peersDispatcherSetId,
  });
  return new PeerRegistrar({
    renderer,
    file: config.peersFile,
    writer: new PeerFileWriter(nodeFileSystem),
    reloader: reloaderFor(config),
    clock: deps.clock,
    metrics: new MembershipMetrics(deps.registry),
    timeoutMs: config.peersTimeoutMs,
    retryInitialMs: Math.min(RETRY_INITIAL_MS, config.peersRetryMaxMs),
    retryMaxMs: config.peersRetryMaxMs,
    busyRetryMs: BUSY_RETRY_MS,
  });
}

function reloaderFor(config: PeerSettings): Reloader {
  switch (config.peersReload) {
    case 'kamailio-rpc':
      return kamailioDispatcherReloader(config.peersReloadUrl);
    case 'http':
      return httpReloader(config.peersReloadUrl, config.peersReloadMethod);
    case 'signal':
      return signalReloader(procProcessTable(), config.peersReloadProcess, config.peersReloadSignal);
    case 'none':
      return noReload;
  }
}
