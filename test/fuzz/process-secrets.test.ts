import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { kubeconfigYaml } from '../support/controlplane.js';
import { eventually, freePort, startAgent } from '../support/process.js';
import { SipResponder } from '../support/sip-responder.js';

/**
 * The real sidecar process, at trace level, with a bearer token file and a
 * kubeconfig whose user carries a token, pointed at an API server that refuses
 * connections (every API call fails and is logged). Neither secret may appear
 * in any HTTP answer or in any log line, whatever the requests.
 */
test('the sidecar process reveals neither its bearer token nor its kubeconfig credentials', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vnf-secrets-'));
  const bearer = 'bearer-secret-0a1b2c3d4e5f';
  const kubeToken = 'kube-secret-9z8y7x6w5v4u';
  writeFileSync(join(dir, 'token'), bearer);
  writeFileSync(join(dir, 'ca.crt'), '');
  writeFileSync(join(dir, 'kubeconfig'), kubeconfigYaml(`https://127.0.0.1:${await freePort()}`, join(dir, 'ca.crt'), kubeToken));
  const sip = new SipResponder();
  await sip.start();
  const port = await freePort();
  const agent = startAgent(['run'], {
    VNF_AGENT_POD_NAME: 'sprout-0', VNF_AGENT_CLUSTER: 'sprout', VNF_AGENT_KUBECONFIG: join(dir, 'kubeconfig'), VNF_AGENT_TOKEN_FILE: join(dir, 'token'),
    VNF_AGENT_HTTP_HOST: '127.0.0.1', VNF_AGENT_HTTP_PORT: String(port), VNF_AGENT_POD_IP: '127.0.0.1', VNF_AGENT_SIP_PORT: String(sip.port),
    VNF_AGENT_SIGNAL_SOURCES: 'sip-options', VNF_AGENT_SIGNAL_OPTIONS_TRANSPORTS: 'udp', VNF_AGENT_LOG_LEVEL: 'trace',
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await eventually(async () => ((await fetch(`${base}/livez`).catch(() => undefined))?.status ? true : undefined), 15_000, 'the sidecar to listen').catch((err: Error) => assert.fail(`${err.message}\n${agent.stderr()}\n${agent.stdout().slice(-2000)}`));
    await delay(2_500); // a few failed API calls and SIP samples
    const seen: string[] = [];
    const send = async (method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<void> => {
      const res = await fetch(base + path, { method, headers: { 'content-type': 'application/json', ...headers }, ...(body !== undefined ? { body } : {}) });
      seen.push(`${method} ${path} ${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`);
    };
    for (const path of ['/status', '/scale', '/load', '/metrics', '/livez', '/readyz', '/drain']) await send('GET', path, { authorization: `Bearer ${bearer}` });
    await send('POST', '/scale', { authorization: `Bearer ${bearer}x` }, '{"pause":true}');
    await send('POST', '/scale', { authorization: `Bearer ${bearer}` }, '{"pause":true}');
    await send('POST', '/drain', { authorization: bearer }, '{}');
    await delay(500);
    const replies = seen.join('\n');
    // A client's own input echoed back (the 404 names the URL) is no leak; it must still stay out of the log.
    await fetch(`${base}/nope?token=${bearer}`);
    assert.match(replies, /GET \/metrics 200/);
    assert.match(replies, /POST \/scale 403/);
    for (const secret of [bearer, kubeToken]) {
      assert.doesNotMatch(replies, new RegExp(secret), 'an HTTP answer holds a secret');
      assert.doesNotMatch(agent.stdout() + agent.stderr(), new RegExp(secret), 'the log holds a secret');
    }
    assert.ok(agent.stdout().split('\n').length > 5, 'the sidecar logged (at trace level) while it ran');
  } finally {
    agent.child.kill('SIGKILL');
    await agent.exited(5_000).catch(() => undefined);
    sip.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
