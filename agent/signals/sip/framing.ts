/** Limits that keep a confused or hostile peer from growing our buffer without end. */
export const MAX_HEADER_BYTES = 16 * 1024;
export const MAX_BODY_BYTES = 64 * 1024;

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /^(?:content-length|l)[ \t]*:[ \t]*(\S*)[ \t]*$/im;

export type FrameResult = { readonly messages: string[]; readonly error?: string };

/**
 * Splits a SIP byte stream (TCP) into messages, RFC 3261 18.3: headers end at
 * the first CRLFCRLF and Content-Length (or `l`) says how many body bytes
 * follow; on a stream it is mandatory. sip.js' parser reads one message and
 * ignores trailing bytes, so framing must happen here. After an error the
 * stream cannot be resynchronised; the caller closes the connection.
 */
export class SipStreamFramer {
  #buffer: Buffer = Buffer.alloc(0);
  #failed: string | undefined;

  push(chunk: Buffer): FrameResult {
    if (this.#failed !== undefined) return { messages: [], error: this.#failed };
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const messages: string[] = [];
    for (;;) {
      this.#skipKeepalives();
      const next = this.#nextMessage();
      if (next === undefined) break;
      if (typeof next !== 'string') return this.#fail(messages, next.error);
      messages.push(next);
    }
    return { messages };
  }

  /** RFC 5626 keepalives: CRLFs between messages carry no message. */
  #skipKeepalives(): void {
    let start = 0;
    while (start + 1 < this.#buffer.length && this.#buffer[start] === 0x0d && this.#buffer[start + 1] === 0x0a) start += 2;
    if (start > 0) this.#buffer = this.#buffer.subarray(start);
  }

  #nextMessage(): string | { error: string } | undefined {
    const headerEnd = this.#buffer.indexOf(HEADER_END);
    if (headerEnd === -1) {
      return this.#buffer.length > MAX_HEADER_BYTES ? { error: `no end of headers within ${MAX_HEADER_BYTES} bytes` } : undefined;
    }
    if (headerEnd > MAX_HEADER_BYTES) return { error: `headers longer than ${MAX_HEADER_BYTES} bytes` };
    const head = this.#buffer.subarray(0, headerEnd).toString('latin1');
    const declared = CONTENT_LENGTH.exec(head)?.[1];
    if (declared === undefined) return { error: 'no Content-Length on a stream transport' };
    if (!/^\d{1,9}$/.test(declared)) return { error: `bad Content-Length ${JSON.stringify(declared.slice(0, 20))}` };
    const bodyLength = Number(declared);
    if (bodyLength > MAX_BODY_BYTES) return { error: `body of ${bodyLength} bytes exceeds ${MAX_BODY_BYTES}` };
    const total = headerEnd + HEADER_END.length + bodyLength;
    if (this.#buffer.length < total) return undefined;
    const message = this.#buffer.subarray(0, total).toString('utf8');
    this.#buffer = this.#buffer.subarray(total);
    return message;
  }

  #fail(messages: string[], error: string): FrameResult {
    this.#failed = error;
    this.#buffer = Buffer.alloc(0);
    return { messages, error };
  }
}
