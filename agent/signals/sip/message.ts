import { randomBytes } from 'node:crypto';
// Deep imports: only sip.js' core parser and message classes, never its UserAgent/WebSocket layer.
import { Parser } from 'sip.js/lib/core/messages/parser.js';
import { OutgoingRequestMessage } from 'sip.js/lib/core/messages/outgoing-request-message.js';
import { IncomingResponseMessage } from 'sip.js/lib/core/messages/incoming-response-message.js';
import { LoggerFactory } from 'sip.js/lib/core/log/logger-factory.js';
import { URI } from 'sip.js/lib/grammar/uri.js';

export type SipTransport = 'udp' | 'tcp';

export interface OptionsRequest {
  readonly transport: SipTransport;
  /** The SIP server: the pod IP and SIP port. */
  readonly targetHost: string;
  readonly targetPort: number;
  /** Where the answer must come back: our socket's address. */
  readonly localHost: string;
  readonly localPort: number;
}

export interface BuiltRequest {
  readonly text: string;
  readonly callId: string;
  readonly branch: string;
}

/** The probe's user part, as Clearwater's own monit poll (poll-sip) uses it. */
const PROBE_USER = 'poll-sip';

/**
 * An OPTIONS shaped like Clearwater's poll-sip: the Request-URI is the node's
 * own address and there is no Route, so Sprout and Bono answer it themselves,
 * statelessly, without touching subscriber data (Clearwater's documentation,
 * "SIP OPTIONS poll support in Clearwater").
 * Max-Forwards 2 keeps a misrouted probe from travelling far.
 */
export function buildOptions(req: OptionsRequest): BuiltRequest {
  const token = randomBytes(9).toString('base64url');
  const branch = `z9hG4bK-vnf-${token}`;
  const callId = `vnf-agent-${token}`;
  const ruri = new URI('sip', PROBE_USER, req.targetHost, req.targetPort);
  const from = new URI('sip', PROBE_USER, req.localHost);
  const message = new OutgoingRequestMessage('OPTIONS', ruri, from, ruri, {
    callId,
    cseq: 1,
    fromTag: token.slice(0, 8),
    forceRport: true,
    // Via carries our port so a UDP answer comes back to this very socket.
    viaHost: `${formatHost(req.localHost)}:${req.localPort}`,
    optionTags: [],
    userAgentString: 'vnf-agent',
  }, [`Contact: <sip:${PROBE_USER}@${formatHost(req.localHost)}:${req.localPort};transport=${req.transport}>`, 'Accept: application/sdp']);
  message.setHeader('max-forwards', '2');
  message.setViaHeader(branch, req.transport.toUpperCase());
  return { text: message.toString(), callId, branch };
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export interface SipResponse {
  readonly kind: 'response';
  readonly statusCode: number;
  readonly reasonPhrase: string;
  readonly callId: string;
  readonly branch: string;
  readonly cseqMethod: string;
  /** Seconds from Retry-After, when present and well-formed. */
  readonly retryAfterS?: number;
}

export interface Malformed {
  readonly kind: 'malformed';
  readonly reason: string;
}

/** Requests and other well-formed messages we never asked for. */
export interface NotAResponse {
  readonly kind: 'not-a-response';
}

export type ParsedMessage = SipResponse | Malformed | NotAResponse;

const STATUS_LINE = /^SIP\/2\.0 [1-6]\d\d [^\r\n]*$/;
const REQUEST_LINE = /^[A-Za-z]+ \S+ SIP\/2\.0$/;

const silent = new LoggerFactory();
silent.builtinEnabled = false;
const parserLog = silent.getLogger('vnf-agent.probe');

/**
 * Parses one SIP message with sip.js' parser and checks what the probe relies
 * on. Never throws: anything sip.js rejects or throws on, or a response
 * without the headers that identify its transaction, is `malformed`.
 */
export function parseSipMessage(text: string): ParsedMessage {
  // Cheap guard before sip.js' PEG grammar, whose failures are costly to build:
  // only a status line can be an answer, and requests need no parsing at all.
  const firstLine = text.slice(0, Math.max(0, text.indexOf('\r\n')));
  if (!STATUS_LINE.test(firstLine)) return REQUEST_LINE.test(firstLine) ? { kind: 'not-a-response' } : { kind: 'malformed', reason: 'no SIP status line' };
  let message: ReturnType<typeof Parser.parseMessage>;
  try {
    message = Parser.parseMessage(text, parserLog);
  } catch (err) {
    return { kind: 'malformed', reason: `parser threw: ${(err as Error).message}` };
  }
  if (message === undefined) return { kind: 'malformed', reason: 'not a SIP message' };
  if (!(message instanceof IncomingResponseMessage)) return { kind: 'not-a-response' };
  const statusCode = message.statusCode;
  if (statusCode === undefined || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 699) {
    return { kind: 'malformed', reason: 'status code out of range' };
  }
  if (!message.callId) return { kind: 'malformed', reason: 'no Call-ID' };
  if (!message.viaBranch) return { kind: 'malformed', reason: 'no Via branch' };
  const cseqMethod = message.method;
  if (!Number.isInteger(message.cseq) || !cseqMethod) return { kind: 'malformed', reason: 'no CSeq' };
  const retryAfterS = parseRetryAfter(message.getHeader('retry-after'));
  const response: SipResponse = {
    kind: 'response',
    statusCode,
    reasonPhrase: message.reasonPhrase ?? '',
    callId: message.callId,
    branch: message.viaBranch,
    cseqMethod,
  };
  return retryAfterS === undefined ? response : { ...response, retryAfterS };
}

/** RFC 3261 25.1: `Retry-After: delta-seconds [comment] *(;param)`. */
function parseRetryAfter(value: string | undefined): number | undefined {
  const match = value === undefined ? null : /^\s*(\d{1,9})\b/.exec(value);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
