import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { ConfigError, loadConfig } from '../../agent/config/index.js';
import { createPeerRegistrar } from '../../agent/membership/from-config.js';
import { systemClock } from '../../agent/clock/clock.js';

function load(env: Record<string, string>) {
  return loadConfig({
    env,
    flags: {},
    readFile: (path) => {
      throw new Error(`unexpected read of ${path}`);
    },
    hostname: 'bono-0',
  });
}

function violations(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.violations.map((v) => `${v.source}: ${v.reason}`);
  }
  return [];
}

const cases: { name: string; env: Record<string, string>; expect: string[] }[] = [
  { name: 'defaults: no peer file, no reload', env: {}, expect: [] },
  {
    name: 'a renderer needs a file',
    env: { VNF_AGENT_PEERS_RENDERER: 'kamailio-dispatcher' },
    expect: ['VNF_AGENT_PEERS_FILE: is required when VNF_AGENT_PEERS_RENDERER is kamailio-dispatcher'],
  },
  {
    name: 'a reload needs a renderer',
    env: { VNF_AGENT_PEERS_RELOAD: 'http', VNF_AGENT_PEERS_RELOAD_URL: 'http://127.0.0.1:9/x' },
    expect: ['VNF_AGENT_PEERS_RELOAD: needs VNF_AGENT_PEERS_RENDERER: there is no peer file to reload'],
  },
  {
    name: 'kamailio-rpc needs an http URL',
    env: { VNF_AGENT_PEERS_RENDERER: 'kamailio-dispatcher', VNF_AGENT_PEERS_FILE: '/x', VNF_AGENT_PEERS_RELOAD: 'kamailio-rpc', VNF_AGENT_PEERS_RELOAD_URL: '127.0.0.1:5060' },
    expect: ['VNF_AGENT_PEERS_RELOAD_URL: must be an http(s) URL when VNF_AGENT_PEERS_RELOAD is kamailio-rpc (got "127.0.0.1:5060")'],
  },
  {
    name: 'signal needs a process name',
    env: { VNF_AGENT_PEERS_RENDERER: 'lines', VNF_AGENT_PEERS_FILE: '/x', VNF_AGENT_PEERS_RELOAD: 'signal' },
    expect: ['VNF_AGENT_PEERS_RELOAD_PROCESS: is required when VNF_AGENT_PEERS_RELOAD is signal'],
  },
  {
    name: 'unknown renderer is named',
    env: { VNF_AGENT_PEERS_RENDERER: 'yaml' },
    expect: ['VNF_AGENT_PEERS_RENDERER: must be one of json, lines, kamailio-dispatcher, clearwater-cluster-settings, none (got "yaml")'],
  },
  {
    name: 'the drain notice over kamailio-rpc needs an http URL',
    env: { VNF_AGENT_DRAIN_NOTICE: 'kamailio-rpc', VNF_AGENT_DRAIN_NOTICE_URL: 'localhost:5060' },
    expect: ['VNF_AGENT_DRAIN_NOTICE_URL: must be an http(s) URL when VNF_AGENT_DRAIN_NOTICE is kamailio-rpc (got "localhost:5060")'],
  },
  {
    name: 'the public address over kamailio-rpc needs an http URL',
    env: { VNF_AGENT_PUBLIC_ADDRESS_RELOAD: 'kamailio-rpc' },
    expect: ['VNF_AGENT_PUBLIC_ADDRESS_RELOAD_URL: must be an http(s) URL when VNF_AGENT_PUBLIC_ADDRESS_RELOAD is kamailio-rpc (got "")'],
  },
  { name: 'the drain notice with its URL is valid', env: { VNF_AGENT_DRAIN_NOTICE: 'kamailio-rpc', VNF_AGENT_DRAIN_NOTICE_URL: 'http://127.0.0.1:5060/RPC' }, expect: [] },
  {
    name: 'a complete kamailio setup is valid',
    env: {
      VNF_AGENT_PEERS_RENDERER: 'kamailio-dispatcher',
      VNF_AGENT_PEERS_FILE: '/etc/kamailio/dispatcher.list',
      VNF_AGENT_PEERS_RELOAD: 'kamailio-rpc',
      VNF_AGENT_PEERS_RELOAD_URL: 'http://127.0.0.1:5060/RPC',
    },
    expect: [],
  },
];

for (const c of cases) {
  test(`peers settings: ${c.name}`, () => {
    const got = violations(c.env);
    assert.equal(got.length, c.expect.length, got.join('\n'));
    c.expect.forEach((e, i) => assert.ok(got[i]?.startsWith(e), `${got[i]} should start with ${e}`));
  });
}

test('createPeerRegistrar wires a disabled registrar from defaults that does no I/O', async () => {
  const registrar = createPeerRegistrar(load({}), { clock: systemClock, registry: new Registry() });
  assert.equal((await registrar.pass([])).outcome, 'disabled');
});
