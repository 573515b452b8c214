import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, runAgent, startAgent } from '../support/process.js';

const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

test('--version prints the package version', async () => {
  const r = await runAgent(['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `vnf-agent ${version}\n`);
});

test('--help lists the commands', async () => {
  const r = await runAgent(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: vnf-agent <command>/);
  assert.match(r.stdout, /^ {2}run /m);
});

test('run --help lists every setting with its env name and default', async () => {
  const r = await runAgent(['run', '--help']);
  assert.equal(r.code, 0);
  for (const line of [
    /--http-port {2}VNF_AGENT_HTTP_PORT {2}default 8686/,
    /--http-host {2}VNF_AGENT_HTTP_HOST {2}default "0.0.0.0"/,
    /--pod-name {2}VNF_AGENT_POD_NAME/,
    /--pod-namespace {2}VNF_AGENT_POD_NAMESPACE/,
    /--pod-ip {2}VNF_AGENT_POD_IP/,
    /--cluster {2}VNF_AGENT_CLUSTER/,
    /--sip-port {2}VNF_AGENT_SIP_PORT {2}default 5060/,
    /--token-file {2}VNF_AGENT_TOKEN_FILE/,
  ]) {
    assert.match(r.stdout, line);
  }
});

test('an unknown command exits 2 with a clear message', async () => {
  const r = await runAgent(['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^vnf-agent: unknown command "frobnicate"/);
});

test('an unknown flag exits 2 with a clear message', async () => {
  const r = await runAgent(['run', '--http-prot', '1']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Unknown option '--http-prot'/);
});

test('invalid configuration exits 2 naming every bad setting', async () => {
  const r = await runAgent(['run', '--sip-port', '0'], { VNF_AGENT_HTTP_PORT: 'abc', VNF_AGENT_LOG_LEVEL: 'loud' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /invalid configuration \(3 problems\)/);
  assert.match(r.stderr, /VNF_AGENT_HTTP_PORT: must be integer \(got "abc"\)/);
  assert.match(r.stderr, /--sip-port: must be >= 1/);
  assert.match(r.stderr, /VNF_AGENT_LOG_LEVEL: must be one of/);
  assert.equal(r.stdout, '');
});

async function startServing(extraEnv: Record<string, string> = {}) {
  const port = await freePort();
  const agent = startAgent(['run'], { VNF_AGENT_HTTP_HOST: '127.0.0.1', VNF_AGENT_HTTP_PORT: String(port), ...extraEnv });
  await eventually(async () => ((await fetch(`http://127.0.0.1:${port}/livez`)).ok ? true : undefined), 10_000, '/livez');
  return { agent, port };
}

test('a valid run serves /livez and /metrics and exits 0 on SIGTERM', async () => {
  const { agent, port } = await startServing();
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  assert.match(metrics, /^vnf_agent_build_info\{version="[^"]+",node_version="v\d+/m);
  agent.child.kill('SIGTERM');
  const r = await agent.exited(10_000);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /"msg":"Stopped vnf-agent"/);
});

test('with a peer file configured, /startupz is 503 until the file exists (the native sidecar\'s startupProbe)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vnf-startupz-'));
  const file = join(dir, 'dispatcher.list');
  const { agent, port } = await startServing({ VNF_AGENT_PEERS_RENDERER: 'kamailio-dispatcher', VNF_AGENT_PEERS_FILE: file });
  try {
    const first = await fetch(`http://127.0.0.1:${port}/startupz`);
    assert.equal(first.status, 503);
    assert.match(await first.text(), /"name":"peers-file","ok":false/);
    writeFileSync(file, '# written\n');
    assert.equal((await fetch(`http://127.0.0.1:${port}/startupz`)).status, 200);
  } finally {
    agent.child.kill('SIGTERM');
    await agent.exited(10_000);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGINT stops gracefully as well', async () => {
  const { agent } = await startServing();
  agent.child.kill('SIGINT');
  const r = await agent.exited(10_000);
  assert.equal(r.code, 0, r.stderr);
});

test('an open keep-alive connection does not hold up the stop', async () => {
  const { agent, port } = await startServing();
  const { Agent, request } = await import('node:http');
  const keepAlive = new Agent({ keepAlive: true });
  const status = await new Promise<number>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/livez', agent: keepAlive }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject).end();
  });
  assert.equal(status, 200);
  const started = performance.now();
  agent.child.kill('SIGTERM');
  assert.equal((await agent.exited(10_000)).code, 0);
  assert.ok(performance.now() - started < 5_000, 'stop waited on an idle connection');
  keepAlive.destroy();
});

test('a port already taken is a runtime failure, exit 1, with the reason', async () => {
  const { agent, port } = await startServing();
  const second = await runAgent(['run'], { VNF_AGENT_HTTP_HOST: '127.0.0.1', VNF_AGENT_HTTP_PORT: String(port) });
  assert.equal(second.code, 1);
  assert.match(second.stderr, /EADDRINUSE/);
  agent.child.kill('SIGTERM');
  await agent.exited(10_000);
});
