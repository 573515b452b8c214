/**
 * Deterministic fuzz inputs for the SIP probe: random bytes and mutated SIP
 * responses. Shared by the fuzz tests and bench/signals-probe.ts, so a failing
 * seed can be replayed exactly.
 */

import { prng } from '../test/support/prng.js';

export { prng };

/** Responses a SIP server might send; their Call-IDs never match a probe of ours. */
export const TEMPLATES: readonly string[] = [
  ['SIP/2.0 200 OK', 'Via: SIP/2.0/UDP 127.0.0.1:5071;branch=z9hG4bK-fuzz-1;rport=5071;received=127.0.0.1', 'From: <sip:poll-sip@127.0.0.1>;tag=abc',
    'To: <sip:poll-sip@127.0.0.1:5060>;tag=srv1', 'Call-ID: fuzz-call-1', 'CSeq: 1 OPTIONS', 'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS',
    'Server: kamailio (5.6.3 (x86_64/linux))', 'Content-Length: 0', '', ''].join('\r\n'),
  ['SIP/2.0 503 Service Unavailable', 'v: SIP/2.0/TCP 10.0.0.1;branch=z9hG4bK-fuzz-2', 'f: "Probe" <sip:a@b>;tag=1', 't: <sip:a@b>',
    'i: fuzz-call-2@host', 'CSeq: 7 OPTIONS', 'Retry-After: 0', 'l: 0', '', ''].join('\r\n'),
  ['SIP/2.0 180 Ringing', 'Via: SIP/2.0/UDP h;branch=z9hG4bK-fuzz-3', 'From: <sip:x@y>;tag=2', 'To: <sip:x@y>', 'Call-ID: fuzz-call-3',
    'CSeq: 2 INVITE', 'Content-Type: application/sdp', 'Content-Length: 13', '', 'v=0\r\no=- 0 0'].join('\r\n'),
  ['OPTIONS sip:127.0.0.1:5060 SIP/2.0', 'Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-fuzz-4', 'From: <sip:a@b>;tag=3', 'To: <sip:a@b>',
    'Call-ID: fuzz-call-4', 'CSeq: 1 OPTIONS', 'Max-Forwards: 70', 'Content-Length: 0', '', ''].join('\r\n'),
];

const NASTY = ['\r\n', '\n', '\0', ':', ';', '"', '<', '>', '\\', ' ', '\t', '%', '\u00ff', '\ud800', '99999999999999999999', '-1', 'SIP/2.0 ', '=', ','];

export function randomBytes(next: () => number, max = 600): string {
  const length = Math.floor(next() * max);
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(Math.floor(next() * 256));
  return s;
}

function mutateOnce(text: string, next: () => number): string {
  const at = Math.floor(next() * (text.length + 1));
  const span = Math.floor(next() * 40);
  switch (Math.floor(next() * 8)) {
    case 0: // flip a byte
      return text.slice(0, at) + String.fromCharCode(Math.floor(next() * 256)) + text.slice(at + 1);
    case 1: // delete a range
      return text.slice(0, at) + text.slice(at + span);
    case 2: // duplicate a range
      return text.slice(0, at + span) + text.slice(at, at + span) + text.slice(at + span);
    case 3: // insert a nasty token
      return text.slice(0, at) + NASTY[Math.floor(next() * NASTY.length)] + text.slice(at);
    case 4: // truncate
      return text.slice(0, at);
    case 5: // CRLF -> LF
      return text.replace(/\r\n/g, '\n');
    case 6: // drop a header line
      return text.split('\r\n').filter((_l, i) => i !== 1 + Math.floor(next() * 8)).join('\r\n');
    default: // random digits where digits were
      return text.replace(/\d+/, String(Math.floor(next() * 1e12)));
  }
}

/** The i-th input of a run: a third random bytes, the rest mutated templates. */
export function fuzzInput(next: () => number): string {
  if (next() < 0.33) return randomBytes(next);
  let text = TEMPLATES[Math.floor(next() * TEMPLATES.length)] ?? '';
  const mutations = 1 + Math.floor(next() * 4);
  for (let m = 0; m < mutations; m++) text = mutateOnce(text, next);
  return text;
}
