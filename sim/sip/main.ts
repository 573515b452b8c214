import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { systemClock } from '../../agent/clock/clock.js';
import { startSimSipServer } from './server.js';

/** This file's path: the playground spawns it as the pod's SIP server container. */
export const SIM_SIP_MAIN = fileURLToPath(import.meta.url);

const PARENT_CHECK_MS = 1_000;

/** `node sim/sip/main.js --role sprout --host 127.0.0.10 --sip-port 5054 --http-port 9091 ...` */
export async function runSimSipProcess(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      role: { type: 'string' }, host: { type: 'string' }, 'sip-port': { type: 'string' }, 'http-port': { type: 'string' },
      'calls-per-second': { type: 'string', default: '10' }, workers: { type: 'string', default: '2' },
      'max-calls': { type: 'string', default: '60' }, 'queue-timeout-ms': { type: 'string', default: '4000' }, 'peers-file': { type: 'string' },
    },
    strict: true,
  });
  const role = values.role === 'bono' ? 'bono' : 'sprout';
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} sim-${role}: ${line}\n`);
  const server = await startSimSipServer({
    role, host: values.host ?? '127.0.0.1', sipPort: Number(values['sip-port'] ?? 5060), httpPort: Number(values['http-port'] ?? 9091),
    capacity: { callsPerSecond: Number(values['calls-per-second']), workers: Number(values.workers), maxCalls: Number(values['max-calls']), queueTimeoutMs: Number(values['queue-timeout-ms']) },
    ...(values['peers-file'] ? { peersFile: values['peers-file'] } : {}),
    clock: systemClock, log,
  });
  const parent = process.ppid;
  const stop = (why: string) => {
    log(`stopping (${why})`);
    void server.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM')).once('SIGINT', () => stop('SIGINT'));
  // A pod's containers do not outlive the pod: if the playground died, so do we.
  setInterval(() => {
    if (process.ppid !== parent) stop('playground gone');
  }, PARENT_CHECK_MS).unref();
}

if (process.argv[1] === SIM_SIP_MAIN) {
  runSimSipProcess(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`sim-sip: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
