import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../support/fake-clock.js';
import type { HttpClient, HttpReply } from '../../agent/signals/http-client.js';
import { KamailioSource } from '../../agent/signals/kamailio-source.js';
import { PrometheusSource } from '../../agent/signals/prometheus-source.js';
import { parseSeries } from '../../agent/signals/prometheus-series.js';
import { SocketSource } from '../../agent/signals/socket-source.js';
import { parseSocketTable } from '../../agent/signals/proc-net.js';
import { OptionsSource } from '../../agent/signals/options-source.js';
import type { ProbeOutcome, SipProber } from '../../agent/signals/sip/prober.js';

const never = new AbortController().signal;

/** An HttpClient that answers only the exchanges the test scripted, in order, and fails on anything else. */
function scriptedHttp(script: { method: 'get' | 'postJson'; url: string; reply: HttpReply }[]): HttpClient & { left(): number } {
  const take = (method: string, url: string): Promise<HttpReply> => {
    const next = script.shift();
    if (!next || next.method !== method || next.url !== url) throw new Error(`unexpected ${method} ${url}`);
    return Promise.resolve(next.reply);
  };
  return { get: (url) => take('get', url), postJson: (url) => take('postJson', url), left: () => script.length };
}

// Real lines from /proc/net on this machine, ports changed: 0x13C4 = 5060.
const UDP_HEADER = '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops';
const udpRow = (rx: number, drops: number) => `  123: 0100007F:13C4 00000000:0000 07 00000000:${rx.toString(16).toUpperCase().padStart(8, '0')} 00:00000000 00000000     0        0 89501 2 0000000000000000 ${drops}`;
const TCP_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const TCP_ROWS = [
  '   0: 0100007F:13C4 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0 89501 1 000000001d766b78 100 0 0 10 0',
  '   1: 0100007F:13C4 0100007F:BD52 01 00000000:00000000 02:000AFC60 00000000     0        0 89523 2 000000001d2a1505 20 4 31 11 -1',
  '   2: 0100007F:13C4 0100007F:BD5C 01 00000000:00000000 02:000AFC61 00000000     0        0 89525 2 00000000e9504c74 20 0 0 10 -1',
  '   3: 0100007F:BD5C 0100007F:13C4 01 00000000:00000000 00:00000000 00000000     0        0 89524 2 00000000c1df39b1 20 0 0 10 -1',
];

test('parseSocketTable reads ports, states, queues and drops, and refuses anything odd', () => {
  const udp = parseSocketTable([UDP_HEADER, udpRow(4096, 3)].join('\n'), 'udp');
  assert.deepEqual(udp, { ok: true, rows: [{ localPort: 5060, state: 7, rxQueue: 4096, drops: 3 }] });
  assert.deepEqual(parseSocketTable('', 'udp'), { ok: false, reason: 'no socket table header' });
  assert.deepEqual(parseSocketTable([TCP_HEADER, ...TCP_ROWS].join('\n'), 'udp'), { ok: false, reason: 'udp table has no drops column' });
  assert.deepEqual(parseSocketTable([UDP_HEADER, '  1: zz:13C4 00000000:0000 07 0:0 x'].join('\n'), 'udp'), { ok: false, reason: 'line 2 is not a socket row' });
});

function socketSource(files: Record<string, string | undefined>[], clock = new FakeClock()) {
  const reads: string[] = [];
  const source = new SocketSource({
    ports: [5060],
    procNetDir: '/proc/net',
    clock,
    readText: (path) => {
      reads.push(path);
      const pass = files[0];
      if (!pass || !(path in pass)) throw new Error(`unexpected read of ${path}`);
      const text = pass[path];
      delete pass[path];
      if (Object.keys(pass).length === 0) files.shift();
      return Promise.resolve(text);
    },
  });
  return { source, reads };
}

test('socket: queues, connections, backlog; drops become a per-window delta and overload', async () => {
  const pass = (rx: number, drops: number) => ({ '/proc/net/udp': [UDP_HEADER, udpRow(rx, drops)].join('\n'), '/proc/net/udp6': undefined, '/proc/net/tcp': [TCP_HEADER, ...TCP_ROWS].join('\n'), '/proc/net/tcp6': undefined });
  const files = [pass(0, 10), pass(2560, 10), pass(130560, 408)];
  const { source } = socketSource(files);
  const first = await source.read(never);
  assert.deepEqual(first, { status: 'ok', raw: { udpSockets: 1, tcpListeners: 1, tcpEstablished: 2, tcpListenBacklog: 3, udpRxQueueBytes: 0, udpDropsTotal: 10 } });
  const second = await source.read(never);
  assert.equal(second.raw.udpDrops, 0);
  assert.equal(second.overload, undefined);
  const third = await source.read(never);
  assert.equal(third.raw.udpRxQueueBytes, 130560);
  assert.equal(third.raw.udpDrops, 398);
  assert.equal(third.overload, '398 UDP datagrams dropped on port 5060');
  assert.equal(files.length, 0);
});

test('socket: no socket on the port is missing; a broken table is malformed', async () => {
  const empty = { '/proc/net/udp': UDP_HEADER, '/proc/net/udp6': UDP_HEADER, '/proc/net/tcp': TCP_HEADER, '/proc/net/tcp6': TCP_HEADER };
  assert.equal((await socketSource([empty]).source.read(never)).status, 'missing');
  const broken = { '/proc/net/udp': 'hello', '/proc/net/udp6': undefined, '/proc/net/tcp': TCP_HEADER, '/proc/net/tcp6': undefined };
  const reading = await socketSource([broken]).source.read(never);
  assert.deepEqual(reading, { status: 'malformed', raw: {}, reason: '/proc/net/udp: no socket table header' });
});

const stats = (extra: Record<string, number>) =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, result: Object.entries({ 'core:rcv_requests': 100, 'shmem:used_size': 16, 'shmem:total_size': 64, 'sl:5xx_replies': 2, 'tmx:active_transactions': 4, ...extra }).map(([k, v]) => `${k} = ${v}`) });

const kamailioCases: { name: string; replies: HttpReply[]; expect: { status: string; raw?: Record<string, number>; reason?: RegExp; overload?: RegExp } }[] = [
  { name: 'reads shm, transactions, dialogs, request rate and 5xx in the window', replies: [{ status: 200, body: stats({}) }, { status: 200, body: stats({ 'core:rcv_requests': 150, 'sl:5xx_replies': 9, 'dialog:active_dialogs': 3 }) }],
    expect: { status: 'ok', raw: { shmUsedBytes: 16, shmTotalBytes: 64, shmUsedRatio: 0.25, activeTransactions: 4, activeDialogs: 3, requestsPerS: 25, replies5xx: 7 }, overload: /^sent 7 5xx replies$/ } },
  { name: 'a JSON-RPC error is an error', replies: [{ status: 200, body: '{"jsonrpc":"2.0","error":{"code":500,"message":"Method Not Found"},"id":1}' }], expect: { status: 'error', reason: /Method Not Found/ } },
  { name: 'HTTP 404 is an error', replies: [{ status: 404, body: 'no' }], expect: { status: 'error', reason: /HTTP 404/ } },
  { name: 'not JSON is malformed', replies: [{ status: 200, body: '<html>' }], expect: { status: 'malformed', reason: /not JSON/ } },
  { name: 'a statistic that is no number is malformed', replies: [{ status: 200, body: '{"result":["core:rcv_requests = lots"]}' }], expect: { status: 'malformed', reason: /unexpected statistic/ } },
  { name: 'missing core statistics are malformed, not zero', replies: [{ status: 200, body: '{"result":["sl:5xx_replies = 1"]}' }], expect: { status: 'malformed', reason: /lack shmem/ } },
];

for (const c of kamailioCases) {
  test(`kamailio: ${c.name}`, async () => {
    const url = 'http://10.0.0.5:5060/RPC';
    const http = scriptedHttp(c.replies.map((reply) => ({ method: 'postJson' as const, url, reply })));
    const clock = new FakeClock();
    const source = new KamailioSource({ url, http, clock });
    let reading = await source.read(never);
    for (let i = 1; i < c.replies.length; i++) {
      await clock.advance(2_000);
      reading = await source.read(never);
    }
    assert.equal(http.left(), 0);
    assert.equal(reading.status, c.expect.status);
    if (c.expect.raw) assert.deepEqual(reading.raw, c.expect.raw);
    if (c.expect.reason) assert.match(reading.reason ?? '', c.expect.reason);
    if (c.expect.overload) assert.match(reading.overload ?? '', c.expect.overload);
  });
}

const METRICS = `# TYPE sprout_queue_size gauge
sprout_queue_size{node="a"} 30
sprout_queue_size{node="b"} 12
kamailio_core_rcv_requests 1000 1795812894054
# TYPE sprout_latency_us histogram
sprout_latency_us_bucket{le="+Inf"} 8
sprout_latency_us_sum 400
sprout_latency_us_count 8
`;

test('prometheus: sums matching series, reads histogram _count, rates counters over the window', async () => {
  const spec = parseSeries('sprout_queue_size=100; sprout_queue_size{node="b"}; sprout_latency_us_count; rate(kamailio_core_rcv_requests)=20');
  assert.ok(spec.ok);
  const url = 'http://127.0.0.1:9100/metrics';
  const http = scriptedHttp([{ method: 'get', url, reply: { status: 200, body: METRICS } }, { method: 'get', url, reply: { status: 200, body: METRICS.replace('1000 1795812894054', '1100') } }]);
  const clock = new FakeClock();
  const source = new PrometheusSource({ url, series: spec.value, http, clock });
  const first = await source.read(never);
  assert.deepEqual(first, { status: 'ok', raw: { sprout_queue_size: 42, 'sprout_queue_size{node="b"}': 12, sprout_latency_us_count: 8 } });
  await clock.advance(5_000);
  const second = await source.read(never);
  assert.equal(second.raw['rate(kamailio_core_rcv_requests)'], 20);
});

const prometheusBad: { name: string; body: string; status?: number; expect: string; reason: RegExp }[] = [
  { name: 'an absent series is missing', body: 'other_metric 1\n', expect: 'missing', reason: /no series sprout_queue_size/ },
  { name: 'a broken exposition is malformed', body: 'sprout_queue_size{node="a" 3\n', expect: 'malformed', reason: /exposition text/ },
  { name: 'a non-numeric value is malformed', body: 'sprout_queue_size lots\n', expect: 'malformed', reason: /not a finite number/ },
  { name: 'HTTP 500 is an error', body: '', status: 500, expect: 'error', reason: /HTTP 500/ },
];

for (const c of prometheusBad) {
  test(`prometheus: ${c.name}`, async () => {
    const spec = parseSeries('sprout_queue_size=100');
    assert.ok(spec.ok);
    const http = scriptedHttp([{ method: 'get', url: 'http://x/metrics', reply: { status: c.status ?? 200, body: c.body } }]);
    const reading = await new PrometheusSource({ url: 'http://x/metrics', series: spec.value, http, clock: new FakeClock() }).read(never);
    assert.equal(reading.status, c.expect);
    assert.match(reading.reason ?? '', c.reason);
  });
}

test('parseSeries accepts labels, rate() and targets, and names what is wrong', () => {
  const ok = parseSeries('a_b{x="1",y="q\\"z"}=5; rate(c)');
  assert.deepEqual(ok, { ok: true, value: [{ key: 'a_b{x="1",y="q\\"z"}', name: 'a_b', labels: { x: '1', y: 'q"z' }, rate: false, target: 5 }, { key: 'rate(c)', name: 'c', labels: {}, rate: true }] });
  const bad = parseSeries('1abc; d{x=1}; e=-3; f; f');
  assert.equal(bad.ok, false);
  assert.equal(!bad.ok && bad.errors.length, 4);
});

function prober(transport: 'udp' | 'tcp', outcomes: ProbeOutcome[], counters = { malformed: 0, stray: 0 }): SipProber {
  return {
    transport,
    probe: () => {
      const next = outcomes.shift();
      if (!next) throw new Error(`unexpected ${transport} probe`);
      return Promise.resolve(next);
    },
    counters: () => counters,
    close: () => Promise.resolve(),
  };
}

test('sip-options: worst outcome names the status; 503 is overload; healthy only with 2xx on every transport', async () => {
  const counters = { malformed: 0, stray: 0 };
  const source = new OptionsSource([
    prober('udp', [{ kind: 'answered', transport: 'udp', statusCode: 200, reasonPhrase: 'OK', rttMs: 1.5, retransmits: 1 }, { kind: 'answered', transport: 'udp', statusCode: 503, reasonPhrase: 'Service Unavailable', rttMs: 2, retransmits: 0, retryAfterS: 0 }], counters),
    prober('tcp', [{ kind: 'answered', transport: 'tcp', statusCode: 200, reasonPhrase: 'OK', rttMs: 3, retransmits: 0 }, { kind: 'timeout', transport: 'tcp', afterMs: 1000 }]),
  ]);
  const good = await source.read(never);
  assert.deepEqual(good, { status: 'ok', healthy: true, raw: { udpStatusCode: 200, udpRttMs: 1.5, udpRetransmits: 1, tcpStatusCode: 200, tcpRttMs: 3, rttMs: 3, malformed: 0, stray: 0 } });
  counters.malformed = 5;
  const bad = await source.read(never);
  assert.equal(bad.status, 'timeout');
  assert.equal(bad.healthy, false);
  assert.equal(bad.reason, 'tcp got no answer within 1000 ms, udp got 503 Service Unavailable (Retry-After 0 s)');
  assert.equal(bad.overload, 'udp got 503 Service Unavailable (Retry-After 0 s)');
  assert.equal(bad.raw.malformed, 5);
  assert.equal(bad.raw.rttMs, undefined, 'no rtt when a transport did not answer');
});
