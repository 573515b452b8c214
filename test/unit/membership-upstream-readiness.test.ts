import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RegistrarStatus } from '../../agent/membership/registrar.js';
import { UpstreamReadiness } from '../../agent/membership/upstream-readiness.js';

const at = '2026-12-03T07:20:39.315Z';
const synced = (peers: number): RegistrarStatus => ({ rendered: true, file: '/run/dispatcher.list', reloaded: true, inSync: true, peers, at });
const refused: RegistrarStatus = { rendered: true, file: '/run/dispatcher.list', reloaded: false, inSync: false, peers: 2, error: 'Kamailio RPC dispatcher.reload failed: 500 Ongoing reload', at };

test('upstream readiness: ready only once the SIP server has loaded a routable upstream peer, then for good', () => {
  // The sequence a Bono saw in the flaky peers e2e: 0 peers loaded, then 2 written but the reload refused.
  const steps: [RegistrarStatus | undefined, RegExp | undefined][] = [
    [undefined, /not been given its upstream peers yet/],
    [synced(0), /no routable upstream peer yet/],
    [refused, /not loaded into the SIP server yet: .*Ongoing reload/],
    [synced(2), undefined],
    [refused, undefined],
    [synced(0), undefined],
  ];
  let last: RegistrarStatus | undefined;
  const gate = new UpstreamReadiness(() => last);
  for (const [status, expected] of steps) {
    last = status;
    const reason = gate.readiness();
    if (expected) assert.match(reason ?? 'ready', expected);
    else assert.equal(reason, undefined, `ready after ${JSON.stringify(status)}`);
  }
});
