/**
 * Just enough SIP text handling for the simulated servers and the load
 * generator: split a datagram into start line, headers and body, read and
 * rewrite headers, build responses. Not a general parser (sip.js is, but at
 * about 1.5k messages/s it would cost the playground more CPU than the load).
 */
export interface SipMessage {
  /** Request method, or undefined for a response. */
  readonly method?: string;
  readonly uri?: string;
  readonly status?: number;
  readonly reason?: string;
  readonly headers: [string, string][];
  readonly body: string;
}

const COMPACT: Record<string, string> = { v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length', c: 'content-type' };

function canonical(name: string): string {
  const lower = name.toLowerCase();
  return COMPACT[lower] ?? lower;
}

export function parseSip(text: string): SipMessage | undefined {
  const end = text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end);
  const body = end === -1 ? '' : text.slice(end + 4);
  const [start, ...lines] = head.split('\r\n');
  if (!start) return undefined;
  const headers: [string, string][] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  const response = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(start);
  if (response) return { status: Number(response[1]), reason: response[2] ?? '', headers, body };
  const request = /^([A-Z]+) (\S+) SIP\/2\.0$/.exec(start);
  if (request) return { method: request[1]!, uri: request[2]!, headers, body };
  return undefined;
}

export function header(msg: SipMessage, name: string): string | undefined {
  const wanted = canonical(name);
  return msg.headers.find(([n]) => canonical(n) === wanted)?.[1];
}

export function headers(msg: SipMessage, name: string): string[] {
  const wanted = canonical(name);
  return msg.headers.filter(([n]) => canonical(n) === wanted).map(([, v]) => v);
}

/** The request's CSeq method (for responses: which request they answer). */
export function cseqMethod(msg: SipMessage): string {
  return (header(msg, 'cseq') ?? '').split(/\s+/)[1] ?? '';
}

/** A To header without a tag means a dialog-creating (out-of-dialog) request. */
export function toTag(msg: SipMessage): string | undefined {
  return /;\s*tag=([^;>\s]+)/i.exec(header(msg, 'to') ?? '')?.[1];
}

export function serialize(msg: SipMessage): string {
  const start = msg.method ? `${msg.method} ${msg.uri ?? ''} SIP/2.0` : `SIP/2.0 ${msg.status ?? 500} ${msg.reason ?? ''}`;
  const lines = msg.headers.filter(([n]) => canonical(n) !== 'content-length').map(([n, v]) => `${n}: ${v}`);
  return `${start}\r\n${lines.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(msg.body)}\r\n\r\n${msg.body}`;
}

/**
 * A response to `request` that copies Via, From, To, Call-ID and CSeq as
 * RFC 3261 §8.2.6 requires; `tag` is added to To when it has none.
 */
export function responseTo(request: SipMessage, status: number, reason: string, extra: [string, string][] = [], tag?: string): string {
  const copied: [string, string][] = [];
  for (const [name, value] of request.headers) {
    const c = canonical(name);
    if (c === 'to' && tag && !toTag(request)) copied.push([name, `${value};tag=${tag}`]);
    else if (c === 'via' || c === 'from' || c === 'to' || c === 'call-id' || c === 'cseq') copied.push([name, value]);
  }
  return serialize({ status, reason, headers: [...copied, ...extra], body: '' });
}

/** Where a response goes: the sent-by of the topmost Via (received/rport win, RFC 3581). */
export function viaTarget(via: string): { host: string; port: number } | undefined {
  const m = /^SIP\/2\.0\/UDP\s+([^;:\s]+)(?::(\d+))?(.*)$/i.exec(via.trim());
  if (!m) return undefined;
  const params = m[3] ?? '';
  const received = /;received=([^;\s]+)/i.exec(params)?.[1];
  const rport = /;rport=(\d+)/i.exec(params)?.[1];
  return { host: received ?? m[1]!, port: Number(rport ?? m[2] ?? 5060) };
}

/** Removes the first header named `name` (the topmost Via of a response a proxy relays). */
export function withoutFirst(msg: SipMessage, name: string): SipMessage {
  const wanted = canonical(name);
  const index = msg.headers.findIndex(([n]) => canonical(n) === wanted);
  if (index === -1) return msg;
  return { ...msg, headers: msg.headers.filter((_, i) => i !== index) };
}
