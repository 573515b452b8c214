import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig, type ConfigSources } from '../../agent/config/index.js';

function sources(over: Partial<ConfigSources> = {}): ConfigSources {
  return {
    env: {},
    flags: {},
    readFile: (path) => {
      throw new Error(`unexpected read of ${path}`);
    },
    hostname: 'sprout-0',
    ...over,
  };
}

function violations(over: Partial<ConfigSources>): string[] {
  try {
    loadConfig(sources(over));
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.violations.map((v) => `${v.source}: ${v.reason}`);
  }
  assert.fail('expected the configuration to be rejected');
}

test('defaults give a valid, frozen config with the hostname as pod name', () => {
  const config = loadConfig(sources());
  assert.equal(config.httpPort, 8686);
  assert.equal(config.httpHost, '0.0.0.0');
  assert.equal(config.sipPort, 5060);
  assert.equal(config.podName, 'sprout-0');
  assert.equal(config.logLevel, 'info');
  assert.ok(Object.isFrozen(config));
});

test('flags override env, env overrides the file', () => {
  const config = loadConfig(
    sources({
      env: { VNF_AGENT_HTTP_PORT: '9000', VNF_AGENT_SIP_PORT: '5054', VNF_AGENT_CONFIG: '/etc/agent.yaml' },
      flags: { httpPort: '9001' },
      readFile: (path) => {
        assert.equal(path, '/etc/agent.yaml');
        return 'httpPort: 1\nsipPort: 2\nlogLevel: debug\n';
      },
    }),
  );
  assert.equal(config.httpPort, 9001);
  assert.equal(config.sipPort, 5054);
  assert.equal(config.logLevel, 'debug');
});

const bad: { name: string; over: Partial<ConfigSources>; expect: RegExp[] }[] = [
  { name: 'port not a number', over: { env: { VNF_AGENT_HTTP_PORT: 'abc' } }, expect: [/^VNF_AGENT_HTTP_PORT: must be integer \(got "abc"\)$/] },
  { name: 'port out of range', over: { flags: { sipPort: '70000' } }, expect: [/^--sip-port: must be <= 65535/] },
  { name: 'port zero', over: { env: { VNF_AGENT_SIP_PORT: '0' } }, expect: [/^VNF_AGENT_SIP_PORT: must be >= 1/] },
  { name: 'unknown log level', over: { env: { VNF_AGENT_LOG_LEVEL: 'loud' } }, expect: [/^VNF_AGENT_LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent/] },
  { name: 'bad namespace', over: { env: { VNF_AGENT_POD_NAMESPACE: 'Not_Valid' } }, expect: [/^VNF_AGENT_POD_NAMESPACE: must match pattern/] },
  { name: 'shutdown too short', over: { env: { VNF_AGENT_SHUTDOWN_TIMEOUT_MS: '5' } }, expect: [/^VNF_AGENT_SHUTDOWN_TIMEOUT_MS: must be >= 100/] },
  { name: 'empty http host', over: { flags: { httpHost: '' } }, expect: [/^--http-host: must not have fewer than 1 characters/] },
  { name: 'unknown env setting', over: { env: { VNF_AGENT_HTTP_PROT: '1' } }, expect: [/^VNF_AGENT_HTTP_PROT: unknown setting/] },
  { name: 'bad cluster name', over: { env: { VNF_AGENT_CLUSTER: 'Sprout_1' } }, expect: [/^VNF_AGENT_CLUSTER: must be a DNS-1123 label/] },
  {
    name: 'config file unreadable',
    over: { flags: { config: '/nope.yaml' }, readFile: () => { throw new Error('ENOENT: no such file'); } },
    expect: [/^\/nope.yaml: cannot read config file: ENOENT/],
  },
  {
    name: 'config file with an unknown key and a bad value',
    over: { flags: { config: '/c.yaml' }, readFile: () => 'httpPort: -1\nbogus: 3\n' },
    expect: [/^\/c.yaml: bogus: unknown setting/, /^\/c.yaml: httpPort: must be >= 1 \(got -1\)$/],
  },
  { name: 'config file not a mapping', over: { flags: { config: '/c.yaml' }, readFile: () => '- 1\n- 2\n' }, expect: [/^\/c.yaml: config file must hold a mapping/] },
  {
    name: 'every bad setting is named, not just the first',
    over: { env: { VNF_AGENT_HTTP_PORT: 'abc', VNF_AGENT_LOG_LEVEL: 'x', VNF_AGENT_SIP_PORT: '-5' } },
    expect: [/^VNF_AGENT_HTTP_PORT:/, /^VNF_AGENT_SIP_PORT:/, /^VNF_AGENT_LOG_LEVEL:/],
  },
];

for (const c of bad) {
  test(`rejects: ${c.name}`, () => {
    const got = violations(c.over);
    assert.equal(got.length, c.expect.length, `violations: ${got.join(' | ')}`);
    for (const pattern of c.expect) assert.ok(got.some((line) => pattern.test(line)), `${pattern} not in ${got.join(' | ')}`);
  });
}

test('the error message lists every violation on its own line', () => {
  try {
    loadConfig(sources({ env: { VNF_AGENT_HTTP_PORT: 'abc', VNF_AGENT_SIP_PORT: 'x' } }));
    assert.fail('expected rejection');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /^invalid configuration \(2 problems\):\n {2}- VNF_AGENT_HTTP_PORT: .*\n {2}- VNF_AGENT_SIP_PORT: /);
  }
});

test('leader election timing defaults suit a SIP core: lease 8 s, renew deadline 6 s, retry 2 s', () => {
  const config = loadConfig(sources());
  assert.deepEqual([config.leaseDurationMs, config.renewDeadlineMs, config.retryPeriodMs], [8_000, 6_000, 2_000]);
  assert.deepEqual(loadConfig(sources({ flags: { leaseDurationMs: '15000', renewDeadlineMs: '10000' } })).leaseDurationMs, 15_000);
});

const badTiming: { name: string; over: Partial<ConfigSources>; expect: RegExp[] }[] = [
  {
    name: 'lease duration not above the renew deadline',
    over: { env: { VNF_AGENT_LEASE_DURATION_MS: '6000' } },
    expect: [/^VNF_AGENT_LEASE_DURATION_MS: must be greater than VNF_AGENT_RENEW_DEADLINE_MS \(6000 <= 6000\)$/],
  },
  {
    name: 'renew deadline not above 1.2 x the retry period',
    over: { flags: { retryPeriodMs: '5000' } },
    expect: [/^VNF_AGENT_RENEW_DEADLINE_MS: must be greater than 1.2 x VNF_AGENT_RETRY_PERIOD_MS \(6000 <= 6000\)$/],
  },
  {
    name: 'both timing rules broken at once',
    over: { env: { VNF_AGENT_LEASE_DURATION_MS: '2000', VNF_AGENT_RENEW_DEADLINE_MS: '2000', VNF_AGENT_API_TIMEOUT_MS: '1000' } },
    expect: [/^VNF_AGENT_LEASE_DURATION_MS: must be greater than/, /^VNF_AGENT_RENEW_DEADLINE_MS: must be greater than 1.2 x/],
  },
  {
    name: 'API timeout not below the renew deadline',
    over: { env: { VNF_AGENT_API_TIMEOUT_MS: '6000' } },
    expect: [/^VNF_AGENT_API_TIMEOUT_MS: must be below VNF_AGENT_RENEW_DEADLINE_MS \(6000\)/],
  },
  { name: 'retry period zero', over: { env: { VNF_AGENT_RETRY_PERIOD_MS: '0' } }, expect: [/^VNF_AGENT_RETRY_PERIOD_MS: must be >= 1/] },
  { name: 'lease duration under a second', over: { env: { VNF_AGENT_LEASE_DURATION_MS: '500' } }, expect: [/^VNF_AGENT_LEASE_DURATION_MS: must be >= 1000/] },
  { name: 'renew deadline not a number', over: { env: { VNF_AGENT_RENEW_DEADLINE_MS: 'soon' } }, expect: [/^VNF_AGENT_RENEW_DEADLINE_MS: must be integer/] },
];

for (const c of badTiming) {
  test(`rejects leader election timing: ${c.name}`, () => {
    const got = violations(c.over);
    assert.equal(got.length, c.expect.length, `violations: ${got.join(' | ')}`);
    for (const pattern of c.expect) assert.ok(got.some((line) => pattern.test(line)), `${pattern} not in ${got.join(' | ')}`);
  });
}
