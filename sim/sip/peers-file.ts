import { readFile } from 'node:fs/promises';
import type { Peer } from './bono.js';

/**
 * Reads the sidecar's JSON peer file (`vnf-agent.dev/peers/v1`, written by
 * agent/membership/render/json.ts) and returns the routable peers. A missing
 * or half-understood file yields undefined, so the caller keeps what it had.
 */
export async function readRoutablePeers(path: string): Promise<Peer[] | undefined> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null || (doc as { format?: unknown }).format !== 'vnf-agent.dev/peers/v1') return undefined;
  const peers = (doc as { peers?: unknown }).peers;
  if (!Array.isArray(peers)) return undefined;
  return peers
    .filter((p): p is { ip: string; port: number; routable: boolean } => typeof p === 'object' && p !== null && (p as { routable?: unknown }).routable === true)
    .map((p) => ({ host: p.ip, port: p.port }));
}
