import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Clock } from '../../agent/clock/clock.js';
import { BonoProxy, type Peer } from './bono.js';
import { serviceTimeMs, type CapacitySettings } from './call-processor.js';
import { parseSip } from './message.js';
import { bonoStats, renderMetrics, sproutStats, type SimSipStats } from './metrics.js';
import { readRoutablePeers } from './peers-file.js';
import { SproutUas } from './sprout.js';

export interface SimSipServerOptions {
  readonly role: 'sprout' | 'bono';
  readonly host: string;
  readonly sipPort: number;
  /** Port of GET /metrics, GET /stats and POST /reload on `host`. */
  readonly httpPort: number;
  readonly capacity: CapacitySettings;
  /** Bono: the sidecar's JSON peer file, re-read on POST /reload and every few seconds. */
  readonly peersFile?: string;
  readonly clock: Clock;
  readonly log: (line: string) => void;
}

export interface SimSipServer {
  stats(): SimSipStats;
  reloadPeers(): Promise<void>;
  close(): Promise<void>;
}

const PEERS_POLL_MS = 3_000;

/** Binds the simulated SIP server (UDP) and its stats endpoint (HTTP) on the pod's own IP. */
export async function startSimSipServer(o: SimSipServerOptions): Promise<SimSipServer> {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
  let closed = false;
  const send = (text: string, host: string, port: number) => {
    if (!closed) socket.send(text, port, host);
  };
  const uas = o.role === 'sprout' ? new SproutUas(o.capacity, o.clock, send) : undefined;
  const proxy = o.role === 'bono' ? new BonoProxy({ host: o.host, port: o.sipPort }, o.clock, send) : undefined;
  socket.on('message', (buf, from) => {
    const msg = parseSip(buf.toString('utf8'));
    if (!msg) return;
    if (uas) uas.handle(msg, from.address, from.port);
    else proxy?.handle(msg, from.address, from.port);
  });
  socket.on('error', (err) => o.log(`UDP socket error: ${err.message}`));
  socket.bind(o.sipPort, o.host);
  await once(socket, 'listening');

  const stats = (): SimSipStats => (uas ? sproutStats(uas, o.capacity.callsPerSecond, o.capacity.maxCalls) : bonoStats(proxy!));
  const reloadPeers = async (): Promise<void> => {
    if (!proxy || !o.peersFile) return;
    const peers = await readRoutablePeers(o.peersFile);
    if (peers && !samePeers(peers, proxy.peers)) {
      proxy.setPeers(peers);
      o.log(`peers now ${peers.map((p) => `${p.host}:${p.port}`).join(', ') || '(none)'}`);
    }
  };
  const http = createServer((req, res) => void route(req, res, stats, reloadPeers));
  http.listen(o.httpPort, o.host);
  await once(http, 'listening');
  const poll = proxy ? setInterval(() => void reloadPeers(), PEERS_POLL_MS) : undefined;
  await reloadPeers();
  o.log(`SIMULATED ${o.role} (not the real Clearwater ${o.role}) on udp:${o.host}:${o.sipPort}, stats on http://${o.host}:${o.httpPort}/metrics` +
    (uas ? `; capacity ${o.capacity.callsPerSecond} calls/s (${o.capacity.workers} workers x ${serviceTimeMs(o.capacity).toFixed(0)} ms), ${o.capacity.maxCalls} calls` : ''));
  return {
    stats,
    reloadPeers,
    async close() {
      closed = true;
      uas?.stop();
      if (poll) clearInterval(poll);
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}

async function route(req: IncomingMessage, res: ServerResponse, stats: () => SimSipStats, reload: () => Promise<void>): Promise<void> {
  if (req.method === 'GET' && req.url === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(renderMetrics(stats()));
  } else if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats()));
  } else if ((req.method === 'POST' || req.method === 'PUT') && req.url === '/reload') {
    await reload();
    res.writeHead(204).end();
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }
}

function samePeers(a: readonly Peer[], b: readonly Peer[]): boolean {
  return a.length === b.length && a.every((p, i) => p.host === b[i]?.host && p.port === b[i]?.port);
}
