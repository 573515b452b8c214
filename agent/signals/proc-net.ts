/** One socket row of /proc/net/{udp,udp6,tcp,tcp6}. */
export interface SocketRow {
  readonly localPort: number;
  /** Kernel socket state: 0x01 ESTABLISHED, 0x0A LISTEN, 0x07 for a bound UDP socket. */
  readonly state: number;
  /** Bytes (skb truesize) waiting to be read; for a TCP LISTEN socket, the accept queue length. */
  readonly rxQueue: number;
  /** UDP only: datagrams dropped because the receive buffer was full (cumulative). */
  readonly drops?: number;
}

export const TCP_ESTABLISHED = 0x01;
export const TCP_LISTEN = 0x0a;

export type ProcTable = { ok: true; rows: SocketRow[] } | { ok: false; reason: string };

const ADDRESS = /^[0-9A-F]{8}(?:[0-9A-F]{24})?:([0-9A-F]{4})$/i;
const QUEUES = /^([0-9A-F]{1,8}):([0-9A-F]{1,8})$/i;
const HEX_STATE = /^[0-9A-F]{2}$/i;

/**
 * Parses a /proc/net socket table (proc_net_udp(5)/tcp(5) layout). Any line
 * that does not fit makes the whole table malformed: a half-read table would
 * under-count load, and we would rather say we do not know.
 */
export function parseSocketTable(text: string, kind: 'udp' | 'tcp'): ProcTable {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0]?.trim().split(/\s+/) ?? [];
  if (header[1] !== 'local_address' || !header.includes('rx_queue')) return { ok: false, reason: 'no socket table header' };
  if (kind === 'udp' && header[header.length - 1] !== 'drops') return { ok: false, reason: 'udp table has no drops column' };
  const rows: SocketRow[] = [];
  for (const [index, line] of lines.slice(1).entries()) {
    const row = parseRow(line.trim().split(/\s+/), kind);
    if (row === undefined) return { ok: false, reason: `line ${index + 2} is not a socket row` };
    rows.push(row);
  }
  return { ok: true, rows };
}

function parseRow(fields: string[], kind: 'udp' | 'tcp'): SocketRow | undefined {
  const [slot, local, remote, state, queues] = fields;
  if (slot === undefined || !/^\d+:$/.test(slot)) return undefined;
  const port = ADDRESS.exec(local ?? '')?.[1];
  const queue = QUEUES.exec(queues ?? '');
  if (port === undefined || !ADDRESS.test(remote ?? '') || !HEX_STATE.test(state ?? '') || !queue?.[2]) return undefined;
  const row = { localPort: parseInt(port, 16), state: parseInt(state ?? '', 16), rxQueue: parseInt(queue[2], 16) };
  if (kind === 'tcp') return row;
  const drops = fields[fields.length - 1] ?? '';
  return /^\d+$/.test(drops) && fields.length >= 13 ? { ...row, drops: Number(drops) } : undefined;
}
