import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import type { History } from './history.js';
import type { PlaygroundState } from './observer.js';

/** What the dashboard's buttons do; each answers one sentence for the event log. */
export interface DashboardActions {
  killPod(name: string): Promise<string>;
  pauseLeader(cluster: string, seconds: number): Promise<string>;
  setProfile(kind: string): string;
  setPolicy(cluster: string, policy: { minReplicas?: number; maxReplicas?: number; targetUtilization?: number }): Promise<string>;
}

export interface DashboardOptions {
  readonly host: string;
  readonly port: number;
  /** sim/dashboard: index.html (markup and script), style.css. */
  readonly assetsDir: string;
  /** uPlot's dist folder in node_modules. */
  readonly chartDir: string;
  readonly state: () => PlaygroundState | undefined;
  readonly history: History;
  readonly actions: DashboardActions;
}

export interface Dashboard {
  readonly url: string;
  /** Sends one server-sent event to every open page. */
  broadcast(event: string, data: unknown): void;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
const ASSETS = new Set(['index.html', 'style.css']);
const CHART_FILES = new Set(['uPlot.iife.min.js', 'uPlot.min.css']);

/** The dashboard on 127.0.0.1: static page, JSON state, live updates as server-sent events, actions. */
export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const streams = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    handle(req, res, o, streams).catch((err: unknown) => send(res, 500, { error: err instanceof Error ? err.message : String(err) }));
  });
  server.listen(o.port, o.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${o.host}:${port}/`,
    broadcast(event, data) {
      const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
      for (const res of streams) res.write(frame);
    },
    async close() {
      for (const res of streams) res.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, o: DashboardOptions, streams: Set<ServerResponse>): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://dashboard');
  const path = url.pathname;
  if (req.method === 'GET') {
    if (path === '/') return file(res, join(o.assetsDir, 'index.html'));
    if (ASSETS.has(path.slice(1))) return file(res, join(o.assetsDir, path.slice(1)));
    if (path.startsWith('/vendor/') && CHART_FILES.has(path.slice(8))) return file(res, join(o.chartDir, path.slice(8)));
    if (path === '/api/state') return send(res, o.state() ? 200 : 503, o.state() ?? { error: 'starting' });
    if (path === '/api/history') return send(res, 200, { points: o.history.points(), events: o.history.events() });
    if (path === '/api/stream') return stream(req, res, o, streams);
    return send(res, 404, { error: 'not found' });
  }
  if (req.method !== 'POST') return send(res, 405, { error: 'method not allowed' });
  // JSON only: a cross-site form cannot post this content type without a preflight.
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return send(res, 415, { error: 'send application/json' });
  const body = (await readJson(req)) as Record<string, unknown>;
  const kill = /^\/api\/pods\/([a-z0-9.-]+)\/kill$/.exec(path);
  let done: string;
  if (kill) done = await o.actions.killPod(kill[1]!);
  else if (path === '/api/leader/pause') done = await o.actions.pauseLeader(text(body.cluster, 'sprout'), Number(body.seconds ?? 15));
  else if (path === '/api/load') done = o.actions.setProfile(text(body.profile, ''));
  else if (path === '/api/policy') done = await o.actions.setPolicy(text(body.cluster, 'sprout'), numbers(body, ['minReplicas', 'maxReplicas', 'targetUtilization']));
  else return send(res, 404, { error: 'not found' });
  send(res, 200, { done });
}

function stream(req: IncomingMessage, res: ServerResponse, o: DashboardOptions, streams: Set<ServerResponse>): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  res.write(`event: history\ndata: ${JSON.stringify({ points: o.history.points(), events: o.history.events() })}\n\n`);
  streams.add(res);
  req.on('close', () => streams.delete(res));
}

function text(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function numbers(body: Record<string, unknown>, keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) if (body[k] !== undefined && body[k] !== '' && Number.isFinite(Number(body[k]))) out[k] = Number(body[k]);
  return out;
}

async function file(res: ServerResponse, path: string): Promise<void> {
  const body = await readFile(path);
  res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 10_000) throw new Error('body too large');
  }
  return text.trim() === '' ? {} : JSON.parse(text);
}
