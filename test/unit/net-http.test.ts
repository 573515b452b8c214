import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { httpExchange } from '../../agent/net/http.js';

test('HTTP to port 5060 works (Kamailio JSON-RPC shares the SIP port), where fetch refuses it', async () => {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => res.end(JSON.stringify({ method: req.method, body })));
  });
  server.listen(5060, '127.0.0.201');
  await once(server, 'listening');
  try {
    await assert.rejects(fetch('http://127.0.0.201:5060/RPC'), /fetch failed/);
    const reply = await httpExchange('http://127.0.0.201:5060/RPC', { method: 'POST', body: '{"id":1}' }, 2000);
    assert.equal(reply.status, 200);
    assert.deepEqual(JSON.parse(reply.body), { method: 'POST', body: '{"id":1}' });
  } finally {
    server.close();
  }
});

test('an exchange is bounded by its timeout', async () => {
  const server = createServer(() => undefined); // never answers
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  try {
    const started = performance.now();
    await assert.rejects(httpExchange(`http://127.0.0.1:${port}/`, { method: 'GET' }, 200));
    assert.ok(performance.now() - started < 5000);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('an https: URL goes over TLS (node:https, required at its first use)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vnf-https-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => res.end('over tls'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    try {
      // The exchange trusts the system's CAs only: a self-signed server is refused by TLS itself.
      await assert.rejects(httpExchange(`https://127.0.0.1:${port}/`, { method: 'GET' }, 2000), (err: NodeJS.ErrnoException) => err.code === 'DEPTH_ZERO_SELF_SIGNED_CERT');
      await assert.rejects(httpExchange(`http://127.0.0.1:${port}/`, { method: 'GET' }, 2000), 'plain HTTP to a TLS port fails otherwise');
    } finally {
      server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
