import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOptions, parseSipMessage } from '../../agent/signals/sip/message.js';
import { MAX_HEADER_BYTES, SipStreamFramer } from '../../agent/signals/sip/framing.js';
import { ResponseMatcher } from '../../agent/signals/sip/prober.js';
import { fuzzInput, prng, randomBytes } from '../../bench/signals-fuzz-inputs.js';
import { sipParseProblem } from '../fuzz/checks.js';

const request = buildOptions({ transport: 'udp', targetHost: '10.0.0.7', targetPort: 5054, localHost: '10.0.0.7', localPort: 40123 });

function answer(status: string, extra: string[] = [], callId = request.callId, branch = request.branch): string {
  return [`SIP/2.0 ${status}`, `Via: SIP/2.0/UDP 10.0.0.7:40123;branch=${branch};rport=40123`, 'From: <sip:poll-sip@10.0.0.7>;tag=a', 'To: <sip:poll-sip@10.0.0.7:5054>;tag=b',
    `Call-ID: ${callId}`, 'CSeq: 1 OPTIONS', ...extra, 'Content-Length: 0', '', ''].join('\r\n');
}

test('the OPTIONS is node-local like Clearwater poll-sip: R-URI is the pod, no Route, Max-Forwards 2, Via back to our socket', () => {
  const lines = request.text.split('\r\n');
  assert.equal(lines[0], 'OPTIONS sip:poll-sip@10.0.0.7:5054 SIP/2.0');
  assert.match(request.text, new RegExp(`^Via: SIP/2.0/UDP 10\\.0\\.0\\.7:40123;branch=${request.branch};rport$`, 'm'));
  assert.match(request.text, /^Max-Forwards: 2$/m);
  assert.equal(request.text.match(/^Max-Forwards:/gm)?.length, 1);
  assert.doesNotMatch(request.text, /^Route:/m);
  assert.match(request.text, /^CSeq: 1 OPTIONS$/m);
  assert.match(request.text, /\r\n\r\n$/);
  assert.match(request.branch, /^z9hG4bK/);
  assert.notEqual(buildOptions({ transport: 'tcp', targetHost: 'h', targetPort: 1, localHost: 'h', localPort: 2 }).branch, request.branch);
});

const parseCases: { name: string; text: string; expect: Record<string, unknown> }[] = [
  { name: '200 OK', text: answer('200 OK'), expect: { kind: 'response', statusCode: 200, reasonPhrase: 'OK', cseqMethod: 'OPTIONS' } },
  { name: '503 with Retry-After and a comment', text: answer('503 Service Unavailable', ['Retry-After: 5 (overloaded);duration=30']), expect: { kind: 'response', statusCode: 503, retryAfterS: 5 } },
  { name: '503 with a garbage Retry-After has none', text: answer('503 Service Unavailable', ['Retry-After: soon']), expect: { kind: 'response', statusCode: 503, retryAfterS: undefined } },
  { name: 'compact headers', text: answer('200 OK').replace('Call-ID:', 'i:').replace('Via:', 'v:'), expect: { kind: 'response', statusCode: 200 } },
  { name: 'a request is not a response', text: request.text, expect: { kind: 'not-a-response' } },
  { name: 'garbage', text: 'HTTP/1.1 200 OK\r\n\r\n', expect: { kind: 'malformed' } },
  { name: 'empty', text: '', expect: { kind: 'malformed' } },
  { name: 'status code out of range', text: answer('999 Nope'), expect: { kind: 'malformed' } },
  { name: 'no Call-ID', text: answer('200 OK').replace(/Call-ID: .*\r\n/, ''), expect: { kind: 'malformed' } },
  { name: 'no Via branch', text: answer('200 OK').replace(/;branch=[^;]*/, ''), expect: { kind: 'malformed' } },
];

for (const c of parseCases) {
  test(`parseSipMessage: ${c.name}`, () => {
    const parsed = parseSipMessage(c.text) as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(c.expect)) assert.equal(parsed[key], value, key);
  });
}

test('the matcher takes only the final answer to our own transaction and counts the rest', () => {
  const m = new ResponseMatcher();
  assert.equal(m.match(answer('100 Trying'), request), 'provisional');
  assert.equal(m.match(answer('200 OK', [], 'someone-else'), request), undefined);
  assert.equal(m.match(answer('200 OK', [], request.callId, 'z9hG4bK-other'), request), undefined);
  assert.equal(m.match('\u0000\u0001garbage', request), undefined);
  assert.equal(m.match(answer('200 OK'), undefined), undefined, 'nothing in flight: a late answer is stray');
  const final = m.match(answer('486 Busy Here'), request);
  assert.equal(typeof final === 'object' && final.statusCode, 486);
  assert.deepEqual(m.counters(), { malformed: 1, stray: 3 });
});

test('the TCP framer splits on Content-Length across chunk boundaries and skips keepalives', () => {
  const body = 'v=0\r\n';
  const two = `\r\n\r\n${answer('200 OK')}${answer('180 Ringing').replace('Content-Length: 0', `Content-Length: ${body.length}`)}${body}`;
  const framer = new SipStreamFramer();
  const messages: string[] = [];
  for (let i = 0; i < two.length; i += 7) messages.push(...framer.push(Buffer.from(two.slice(i, i + 7))).messages);
  assert.equal(messages.length, 2);
  assert.equal(messages[0], answer('200 OK'));
  assert.ok(messages[1]?.endsWith(`\r\n\r\n${body}`));
});

const framingErrors: { name: string; text: string; error: RegExp }[] = [
  { name: 'no Content-Length', text: answer('200 OK').replace('Content-Length: 0\r\n', ''), error: /no Content-Length/ },
  { name: 'a non-numeric Content-Length', text: answer('200 OK').replace('Content-Length: 0', 'Content-Length: -5'), error: /bad Content-Length/ },
  { name: 'a huge body', text: answer('200 OK').replace('Content-Length: 0', 'Content-Length: 999999'), error: /exceeds/ },
  { name: 'endless headers', text: `SIP/2.0 200 OK\r\n${'X: y\r\n'.repeat(MAX_HEADER_BYTES / 4)}`, error: /no end of headers/ },
];

for (const c of framingErrors) {
  test(`the TCP framer refuses ${c.name} and stays failed`, () => {
    const framer = new SipStreamFramer();
    assert.match(framer.push(Buffer.from(c.text)).error ?? '', c.error);
    assert.match(framer.push(Buffer.from(answer('200 OK'))).error ?? '', c.error);
  });
}

test('fuzz: 100k random and mutated SIP responses never crash the parser and unusable ones are malformed', (t) => {
  const next = prng(3261);
  const counts = { response: 0, malformed: 0, 'not-a-response': 0 };
  const started = performance.now();
  for (let i = 0; i < 100_000; i++) {
    const parsed = parseSipMessage(fuzzInput(next));
    counts[parsed.kind]++;
    const problem = sipParseProblem(parsed);
    assert.equal(problem, undefined, problem);
  }
  const seconds = (performance.now() - started) / 1000;
  t.diagnostic(`parser fuzz: 100000 inputs in ${seconds.toFixed(1)} s: ${JSON.stringify(counts)}`);
  assert.ok(counts.malformed > 33_000, `malformed ${counts.malformed}`);
  assert.ok(counts.response > 1_000, 'mutations that keep a response valid still parse');
});

test('fuzz: random chunks never crash the TCP framer', () => {
  const next = prng(793);
  for (let i = 0; i < 2_000; i++) {
    const framer = new SipStreamFramer();
    for (let j = 0; j < 5; j++) {
      const result = framer.push(Buffer.from(next() < 0.5 ? fuzzInput(next) : randomBytes(next, 3000), 'latin1'));
      for (const m of result.messages) assert.equal(typeof parseSipMessage(m).kind, 'string');
    }
  }
});
