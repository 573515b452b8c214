import { readFile } from 'node:fs/promises';
import type { Registry } from 'prom-client';
import type { Clock } from '../clock/clock.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { nodeHttpClient, type HttpClient } from './http-client.js';
import { KamailioSource } from './kamailio-source.js';
import { SignalMetrics } from './metrics.js';
import { OptionsSource } from './options-source.js';
import { PrometheusSource } from './prometheus-source.js';
import { parseSeries } from './prometheus-series.js';
import { Sampler } from './sampler.js';
import type { SignalSource } from './sample.js';
import type { SipTransport } from './sip/message.js';
import { TcpProber } from './sip/tcp-prober.js';
import { UdpProber } from './sip/udp-prober.js';
import { SocketSource, type ReadText } from './socket-source.js';
import { commaList, parsePorts, parseSources, parseTargets, type Targets } from './targets.js';

export interface SignalDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly registry?: Registry;
  /** Defaults to fetch bounded by signalTimeoutMs. */
  readonly http?: HttpClient;
  /** Defaults to reading the file system. */
  readonly readText?: ReadText;
}

/**
 * Builds the sampler and its sources from a validated config (config/rules.ts
 * has already rejected anything these parsers would refuse).
 */
export function createSampler(config: Config, deps: SignalDeps): Sampler {
  const host = config.podIp === '' ? '127.0.0.1' : config.podIp;
  const http = deps.http ?? nodeHttpClient(config.signalTimeoutMs, deps.clock);
  const series = valueOf(parseSeries(config.signalPrometheusSeries));
  const targets: Targets = {
    ...valueOf(parseTargets(config.signalTargets)),
    prometheus: Object.fromEntries(series.flatMap((s) => (s.target === undefined ? [] : [[s.key, s.target]]))),
  };
  const build: Record<string, () => SignalSource> = {
    'sip-options': () =>
      new OptionsSource(
        (commaList(config.signalOptionsTransports) as SipTransport[]).map((transport) => {
          const options = { targetHost: host, targetPort: config.sipPort, localHost: host, timeoutMs: config.signalOptionsTimeoutMs, clock: deps.clock };
          return transport === 'udp' ? new UdpProber(options) : new TcpProber(options);
        }),
      ),
    socket: () => {
      const ports = valueOf(parsePorts(config.signalSocketPorts));
      return new SocketSource({
        ports: ports.length > 0 ? ports : [config.sipPort],
        procNetDir: config.signalProcNetDir,
        readText: deps.readText ?? readTextFile,
        clock: deps.clock,
      });
    },
    kamailio: () => new KamailioSource({ url: config.signalKamailioRpcUrl, http, clock: deps.clock }),
    prometheus: () => new PrometheusSource({ url: config.signalPrometheusUrl, series, http, clock: deps.clock }),
  };
  const sources = valueOf(parseSources(config.signalSources)).map((name) => build[name]!());
  return new Sampler({
    pod: config.podName,
    sources,
    targets,
    intervalMs: config.signalIntervalMs,
    timeoutMs: config.signalTimeoutMs,
    smoothing: config.signalSmoothing,
    clock: deps.clock,
    logger: deps.logger,
    ...(deps.registry ? { metrics: new SignalMetrics(deps.registry) } : {}),
  });
}

function valueOf<T>(parsed: { ok: true; value: T } | { ok: false; errors: string[] }): T {
  if (!parsed.ok) throw new Error(`invalid signal settings: ${parsed.errors.join('; ')}`);
  return parsed.value;
}

/** /proc/net files; a missing one (no IPv6) is undefined, not an error. */
export const readTextFile: ReadText = async (path, signal) => {
  try {
    return await readFile(path, { encoding: 'utf8', signal });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
};
