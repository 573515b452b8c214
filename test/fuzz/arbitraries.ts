import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { envName, settingSchemas, type ConfigSources } from '../../agent/config/index.js';
import { ROUTES } from './server-fixture.js';

/**
 * Input generators shared by the bounded fuzz tests (test/fuzz/) and the 100k
 * runs (npm run fuzz: bench/fuzz*.ts). They mix the well-formed (so the fuzzer gets past
 * auth and parsing) with the hostile (wrong types, odd URLs, huge bodies).
 */
export const FUZZ_TOKEN = 'fuzz-token-6f1c2b9a7e';

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 });

const latin1 = fc.string({ unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 40 });

const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'GET', 'POST') as fc.Arbitrary<InjectOptions['method']>;

const suffix = fc.constantFrom(
  '', '/', '//', '/..', '/../status', '%00', '%ff', '%2e%2e', '?wait=true', '?wait=false', '?wait=maybe', '?wait=1', '?wait=true&wait=false',
  '?x=1', '?wait', '?=&&=', '?wait=%00', '#frag', '/x', ';a=b', '?a[b]=c', `?${'q'.repeat(3000)}=1`,
);

const url = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...ROUTES), suffix).map(([r, s]) => r + s) },
  { weight: 1, arbitrary: fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)) },
  { weight: 1, arbitrary: printable.map((s) => `/${encodeURIComponent(s)}`) },
  { weight: 1, arbitrary: fc.constantFrom('/', '/%', '/%zz', `/${'a'.repeat(5000)}`, '/status/../../etc/passwd', '/STATUS', '/Status') },
);

const authorization = fc.oneof(
  fc.constant(undefined),
  fc.constant(`Bearer ${FUZZ_TOKEN}`),
  fc.constant(`Bearer ${FUZZ_TOKEN}`),
  fc.constant(`bearer ${FUZZ_TOKEN}`),
  fc.constant(`Bearer  ${FUZZ_TOKEN}`),
  fc.constant('Bearer'),
  printable.map((s) => `Bearer ${s}`),
  printable,
  // obs-text: bytes a client may send in a header value, which a follower then sends on.
  latin1.map((s) => `Bearer ${s}`),
  fc.constant(`Bearer ${'x'.repeat(8000)}`),
);

const contentType = fc.option(
  fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/merge-patch+json', 'json', ''),
  { nil: undefined },
);

const validBody = fc.oneof(
  fc.record({ replicas: fc.integer({ min: -5, max: 2000 }) }),
  fc.record({ pause: fc.boolean() }),
  fc.constant({ clear: true }),
  fc.record({ reason: fc.string({ maxLength: 300 }) }),
  fc.constant({}),
);

const payload = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: validBody.map((b) => JSON.stringify(b)) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: fc.string({ maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '{', '{"replicas":', '{"replicas":"3"}', '{"replicas":3.5}', '{"replicas":1e400}', '{"pause":"yes"}', '{"replicas":3,"pause":true}',
      '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', 'null', '[]', '"str"', '0', '\u0000', '\ufeff{}',
      '['.repeat(5000), `{"reason":"${'r'.repeat(20_000)}"}`, 'x'.repeat(40_000),
    ),
  },
);

export interface FuzzRequest {
  readonly method: InjectOptions['method'];
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly payload: string | undefined;
  readonly remoteAddress: string;
}

interface Parts {
  readonly url: fc.Arbitrary<string>;
  readonly method: fc.Arbitrary<InjectOptions['method']>;
  readonly authorization: fc.Arbitrary<string | undefined>;
  readonly payload: fc.Arbitrary<string | undefined>;
  readonly contentType: fc.Arbitrary<string | undefined>;
  readonly forwarded: fc.Arbitrary<boolean>;
}

const request = (p: Parts): fc.Arbitrary<FuzzRequest> =>
  fc
    .record({
      method: p.method, url: p.url, authorization: p.authorization, contentType: p.contentType, payload: p.payload,
      forwarded: p.forwarded,
      extra: fc.dictionary(fc.stringMatching(/^x-[a-z]{1,12}$/), printable, { maxKeys: 3 }),
      ip: fc.ipV4(),
    })
    .map((r) => ({
      method: r.method,
      url: r.url,
      headers: {
        ...r.extra,
        ...(r.authorization !== undefined ? { authorization: r.authorization } : {}),
        ...(r.contentType !== undefined ? { 'content-type': r.contentType } : {}),
        ...(r.forwarded ? { 'x-vnf-agent-forwarded': '1' } : {}),
      },
      payload: r.payload,
      remoteAddress: r.ip,
    }));

/** Any route, any method. */
export const httpRequest: fc.Arbitrary<FuzzRequest> = request({ url, method, authorization, payload, contentType, forwarded: fc.boolean() });

/**
 * Aimed at /scale, where a follower forwards to its leader: mostly GET and
 * POST, the right token and well-formed commands more often, and the
 * forwarding header rarely (with it a follower answers 503 itself), so most
 * inputs get past routing, auth and validation into the forwarder; the odd
 * headers, bodies and URLs come along.
 */
export const scaleRequest: fc.Arbitrary<FuzzRequest> = request({
  url: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('', '?x=1', '?wait=true', `?${'q'.repeat(3000)}=1`) }, { weight: 1, arbitrary: suffix }).map((s) => `/scale${s}`),
  method: fc.constantFrom<InjectOptions['method']>('GET', 'POST', 'POST', 'POST', 'HEAD', 'PUT'),
  authorization: fc.oneof({ weight: 3, arbitrary: fc.constant(`Bearer ${FUZZ_TOKEN}`) }, { weight: 1, arbitrary: authorization }),
  payload: fc.oneof({ weight: 3, arbitrary: validBody.map((b) => JSON.stringify(b)) }, { weight: 1, arbitrary: payload }),
  contentType: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') }, { weight: 1, arbitrary: contentType }),
  forwarded: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
});

const settingKeys = settingSchemas().map(([key]) => key);
const envNames = settingKeys.map(envName);

const settingValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer({ min: -100_000, max: 1_000_000 }).map(String),
  fc.constantFrom('', ' ', 'true', 'false', '-1', '0', '1e309', 'NaN', 'Infinity', ' 8686 ', '0x10', '8000.5', 'udp,tcp', 'json', 'warn', '127.0.0.1', 'sprout'),
);

/** Random env maps, flags and config files (YAML or JSON, readable or not). */
export const configSources: fc.Arbitrary<ConfigSources> = fc
  .record({
    env: fc.dictionary(fc.oneof(fc.constantFrom(...envNames), fc.stringMatching(/^VNF_AGENT_[A-Z_]{1,20}$/), fc.constantFrom('HOME', 'KUBECONFIG', 'PATH')), settingValue, { maxKeys: 8 }),
    flags: fc.dictionary(fc.oneof(fc.constantFrom(...settingKeys), fc.string({ maxLength: 10 })), settingValue, { maxKeys: 4 }),
    withFile: fc.boolean(),
    file: fc.oneof(
      fc.dictionary(fc.oneof(fc.constantFrom(...settingKeys), fc.string({ maxLength: 10 })), fc.oneof(settingValue, fc.jsonValue({ maxDepth: 2 })), { maxKeys: 6 }).map((o) => JSON.stringify(o)),
      fc.string({ maxLength: 200 }),
      fc.constantFrom('', '---', '- a\n- b', 'httpPort: [', 'httpPort: 8686\nhttpPort: 9000', '!!binary x', 'a: &x 1\nb: *x', '{"httpPort": 1e999}', 'null', '42'),
    ),
    readable: fc.boolean(),
    hostname: fc.oneof(fc.constant('sprout-0'), fc.string({ maxLength: 20 })),
  })
  .map((r) => ({
    env: r.withFile ? { ...r.env, VNF_AGENT_CONFIG: '/etc/vnf-agent/config.yaml' } : r.env,
    flags: r.flags,
    readFile: (path: string) => {
      if (!r.readable) throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
      return r.file;
    },
    hostname: r.hostname,
  }));
