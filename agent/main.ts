#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseCommandLine } from './cli.js';
import { ConfigError, loadConfig, type Config } from './config/index.js';
import { createLogger, type Logger } from './log/logger.js';
import { createRegistry } from './metrics/registry.js';
import { startAgent } from './run.js';
import { runInject } from './inject/command.js';
import { packageVersion } from './version.js';

/** Exit codes: 0 clean stop, 1 runtime failure, 2 bad command line or configuration. */
const EXIT_USAGE = 2;

async function main(argv: readonly string[]): Promise<number> {
  const command = parseCommandLine(argv);
  switch (command.kind) {
    case 'help':
      process.stdout.write(`${command.text}\n`);
      return 0;
    case 'version':
      process.stdout.write(`vnf-agent ${packageVersion()}\n`);
      return 0;
    case 'usage-error':
      process.stderr.write(`vnf-agent: ${command.message}\n`);
      return EXIT_USAGE;
    case 'apiserver': {
      const { runApiServerCommand } = await import('../sim/apiserver/command.js');
      return runApiServerCommand(command.args);
    }
    case 'local': {
      const { runLocalCommand } = await import('../sim/playground/command.js');
      return runLocalCommand(command.args);
    }
    case 'inject': {
      const outcome = runInject(command.args, { readStdin: () => readFileSync(0, 'utf8'), version: packageVersion() });
      // Wait for the write: the exit that follows must not cut a large manifest short.
      if (outcome.code === 0) await new Promise<void>((done) => process.stdout.write(outcome.stdout, () => done()));
      else process.stderr.write(outcome.stderr);
      return outcome.code;
    }
    case 'run': {
      let config: Config;
      try {
        config = loadConfig({ env: process.env, flags: command.flags, readFile: (p) => readFileSync(p, 'utf8'), hostname: hostname() });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        process.stderr.write(`vnf-agent: ${err.message}\n`);
        return EXIT_USAGE;
      }
      return run(config);
    }
  }
}

/** Starts the sidecar and runs until a signal stops it. */
async function run(config: Config): Promise<number> {
  const logger = createLogger({ level: config.logLevel, pod: config.podName });
  const registry = createRegistry({ version: packageVersion(), nodeVersion: process.version, eventLoopSampleMs: config.eventLoopSampleMs });
  const agent = await startAgent(config, logger, registry);
  logger.info({ address: agent.address, cluster: config.cluster, version: packageVersion() }, 'Started vnf-agent');
  const signal = await nextStopSignal(logger);
  return shutdown(logger, config, signal, () => agent.stop());
}

function nextStopSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
      // A second signal means the operator does not want to wait for the graceful path.
      const again = (second: NodeJS.Signals): void => {
        logger.warn({ signal: second }, 'Received second signal, exiting at once');
        process.exit(130);
      };
      process.once('SIGTERM', again).once('SIGINT', again);
      resolve(signal);
    };
    process.on('SIGTERM', onSignal).on('SIGINT', onSignal);
  });
}

async function shutdown(logger: Logger, config: Config, signal: NodeJS.Signals, stop: () => Promise<void>): Promise<number> {
  logger.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'Stopping vnf-agent');
  const deadline = new Promise<'timeout'>((resolve) => setTimeout(resolve, config.shutdownTimeoutMs, 'timeout').unref());
  const outcome = await Promise.race([stop().then(() => 'stopped' as const), deadline]);
  if (outcome === 'timeout') {
    logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'Graceful stop timed out');
    return 1;
  }
  logger.info({ signal }, 'Stopped vnf-agent');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`vnf-agent: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
