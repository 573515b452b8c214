import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';

/**
 * A real HTTP server at the leader's address that answers each forwarded
 * /scale with whatever it is scripted to: the leader's own answers, and
 * what else can sit there (a mesh proxy's text page, another pod on a
 * reused IP, a sidecar that lost the lease, a redirect, an empty or huge
 * body, a reset connection, silence). The follower must relay exactly the
 * answers a sidecar gives and turn everything else into a 502 with a reason.
 */
export interface LeaderAnswer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
  /** Drop the connection instead of answering. */
  readonly reset: boolean;
  /** Answer nothing: the follower's forward timeout must end it. */
  readonly hang: boolean;
}

export const LEADER = 'sprout-1';

const json = (v: unknown): string => JSON.stringify(v);
const leaderState = fc.record({ pod: fc.constant(LEADER), isLeader: fc.constant(true), replicas: fc.integer({ min: 0, max: 9 }), extra: fc.jsonValue({ maxDepth: 2 }) }).map(json);
const sidecarError = fc.record({ error: fc.string({ minLength: 1, maxLength: 20 }), reason: fc.string({ minLength: 1, maxLength: 200 }) }).map(json);
const body = fc.oneof(
  { weight: 4, arbitrary: leaderState },
  { weight: 4, arbitrary: sidecarError },
  { weight: 1, arbitrary: fc.constantFrom(json({ pod: 'bono-0', isLeader: true }), json({ pod: LEADER, isLeader: false }), json({ error: 'Bad Request' }), json({ error: 'x', reason: '' }), '[]', 'null', '') },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map(json) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constantFrom('upstream connect error or disconnect/reset before headers. reset reason: connection failure', '<html><body>502 Bad Gateway</body></html>', '{"pod":"sprout-1",', `{"pod":"sprout-1","isLeader":true,"pad":"${'p'.repeat(270_000)}"}`) },
);

/** Scripted answers; one in `hangOneIn` never comes, and each of those costs the follower's whole forward timeout. */
export const leaderAnswers = (hangOneIn: number): fc.Arbitrary<LeaderAnswer> => fc.record({
  status: fc.constantFrom(200, 200, 200, 201, 204, 301, 302, 400, 401, 403, 404, 415, 429, 500, 502, 503, 503),
  contentType: fc.constantFrom('application/json; charset=utf-8', 'application/json', 'text/html', 'text/plain', undefined),
  body,
  reset: fc.integer({ min: 0, max: 30 }).map((n) => n === 0),
  hang: fc.integer({ min: 1, max: hangOneIn }).map((n) => n === 1),
});

/**
 * The oracle: the answers a sidecar gives to a forwarded /scale (the leader's
 * state naming it, or an error with a reason), the only ones to relay.
 */
export function fromSidecar(a: LeaderAnswer): boolean {
  if (a.reset || a.hang) return false;
  let v: unknown;
  try {
    v = JSON.parse(a.body);
  } catch {
    return false;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  if (a.status === 200) return o.pod === LEADER && o.isLeader === true && a.body.length <= 256 * 1024;
  return a.status >= 400 && typeof o.error === 'string' && typeof o.reason === 'string' && o.reason !== '';
}

export interface BitingLeader {
  readonly ip: string;
  readonly port: number;
  /** What the next forwarded requests get. */
  script(answer: LeaderAnswer): void;
  close(): Promise<void>;
}

export async function bitingLeader(): Promise<BitingLeader> {
  let next: LeaderAnswer = { status: 200, contentType: 'application/json', body: json({ pod: LEADER, isLeader: true }), reset: false, hang: false };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const a = next;
      if (a.reset) return void req.socket.destroy();
      if (a.hang) return;
      res.writeHead(a.status, a.contentType === undefined ? {} : { 'content-type': a.contentType });
      res.end(a.status === 204 || a.status === 304 ? undefined : a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { address, port } = server.address() as AddressInfo;
  return {
    ip: address, port,
    script: (answer) => void (next = answer),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
