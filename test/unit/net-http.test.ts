import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
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
