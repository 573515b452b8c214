import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpReloader, kamailioDispatcherReloader, ReloadBusyError } from '../../agent/membership/reload.js';
import { procProcessTable, signalReloader, type ProcessTable } from '../../agent/membership/reload-signal.js';

interface Seen {
  method: string;
  url: string;
  body: string;
}

/** A loopback HTTP server answering with `reply`; it records every request it gets. */
async function server(reply: (res: ServerResponse, seen: Seen) => void) {
  const seen: Seen[] = [];
  const srv = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', body };
      seen.push(s);
      reply(res, s);
    });
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const address = srv.address();
  assert.ok(address && typeof address === 'object');
  return {
    url: `http://127.0.0.1:${address.port}`,
    seen,
    close: () => {
      srv.closeAllConnections();
      srv.close();
    },
  };
}

const signal = () => AbortSignal.timeout(5_000);

const kamailioCases: { name: string; status: number; body: string; error?: RegExp; busy?: boolean }[] = [
  { name: 'a result is success', status: 200, body: '{"jsonrpc":"2.0","result":"Ok. Dispatcher successfully reloaded.","id":1}' },
  { name: 'an RPC error is a failure with its message', status: 200, body: '{"jsonrpc":"2.0","error":{"code":500,"message":"No Destination Sets"},"id":1}', error: /dispatcher\.reload failed: 500 No Destination Sets$/ },
  { name: '"Ongoing reload" (within reload_delta) is a busy refusal, not a fault', status: 500, body: '{"jsonrpc":"2.0","error":{"code":500,"message":"Ongoing reload"},"id":1}', error: /dispatcher\.reload failed: 500 Ongoing reload$/, busy: true },
  { name: 'an RPC error sent as HTTP 500 keeps its message', status: 500, body: '{"jsonrpc":"2.0","error":{"code":500,"message":"No Destination Sets"},"id":1}', error: /dispatcher\.reload failed: 500 No Destination Sets$/ },
  { name: 'an HTTP error is a failure', status: 404, body: 'no such path', error: /HTTP 404 no such path/ },
  { name: 'a non-JSON reply is a failure', status: 200, body: '<html>', error: /not a JSON-RPC reply: <html>/ },
];

for (const c of kamailioCases) {
  test(`kamailio-rpc reload: ${c.name}`, async () => {
    const srv = await server((res) => res.writeHead(c.status, { 'content-type': 'application/json' }).end(c.body));
    try {
      const run = kamailioDispatcherReloader(`${srv.url}/RPC`).reload(signal());
      if (c.error) await assert.rejects(run, (err: Error) => c.error?.test(err.message) === true && (err instanceof ReloadBusyError) === (c.busy ?? false));
      else await run;
      assert.equal(srv.seen.length, 1);
      assert.equal(srv.seen[0]?.method, 'POST');
      assert.equal(srv.seen[0]?.url, '/RPC');
      assert.deepEqual(JSON.parse(srv.seen[0]?.body ?? ''), { jsonrpc: '2.0', method: 'dispatcher.reload', id: 1 });
    } finally {
      srv.close();
    }
  });
}

test('http reload uses the configured method; only 2xx counts as reloaded', async () => {
  let status = 204;
  const srv = await server((res) => res.writeHead(status).end());
  try {
    const reloader = httpReloader(`${srv.url}/reload?peers=1`, 'PUT');
    await reloader.reload(signal());
    status = 503;
    await assert.rejects(reloader.reload(signal()), /answered 503/);
    assert.deepEqual(
      srv.seen.map((s) => `${s.method} ${s.url}`),
      ['PUT /reload?peers=1', 'PUT /reload?peers=1'],
    );
  } finally {
    srv.close();
  }
});

test('a reload whose server never answers is aborted by the caller\'s signal', async () => {
  const srv = await server(() => undefined); // holds every request open
  try {
    const abort = new AbortController();
    const run = kamailioDispatcherReloader(`${srv.url}/RPC`).reload(abort.signal);
    while (srv.seen.length === 0) await new Promise((r) => setImmediate(r));
    abort.abort(new Error('reload timed out'));
    await assert.rejects(run, /reload timed out/);
  } finally {
    srv.close();
  }
});

/** A ProcessTable that knows fixed processes and bites on kills of anything else. */
function table(processes: Record<string, number[]>): ProcessTable & { kills: string[] } {
  const kills: string[] = [];
  return {
    kills,
    find: (name) => Promise.resolve(processes[name] ?? []),
    kill: (pid, sig) => {
      if (!Object.values(processes).flat().includes(pid)) throw new Error(`unexpected kill of ${pid}`);
      kills.push(`${sig} ${pid}`);
    },
  };
}

test('signal reload sends the signal to every process with the name', async () => {
  const processes = table({ sprout: [41, 42], bono: [7] });
  await signalReloader(processes, 'sprout', 'SIGHUP').reload(signal());
  assert.deepEqual(processes.kills, ['SIGHUP 41', 'SIGHUP 42']);
});

test('signal reload fails when no process has the name', async () => {
  const processes = table({ bono: [7] });
  await assert.rejects(signalReloader(processes, 'sprout', 'SIGHUP').reload(signal()), /no process named sprout/);
  assert.deepEqual(processes.kills, []);
});

test('the /proc process table finds a real process by name and signals it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'membership-proc-'));
  const name = `vnfsleep${process.pid % 100000}`; // unique, and within comm's 15 bytes
  const binary = join(dir, name);
  await copyFile('/bin/sleep', binary);
  const child = spawn(binary, ['30'], { stdio: 'ignore' });
  try {
    await once(child, 'spawn');
    const exited = once(child, 'exit');
    const procs = procProcessTable();
    assert.deepEqual(await procs.find(name, signal()), [child.pid]);
    await signalReloader(procs, name, 'SIGHUP').reload(signal());
    const [code, sig] = (await exited) as [number | null, string | null];
    assert.deepEqual([code, sig], [null, 'SIGHUP']);
    assert.deepEqual(await procs.find(name, signal()), []);
  } finally {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});
