import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths whose values never reach a log line. Bearer tokens arrive in request
 * headers and in client configs; kubeconfig users carry tokens and passwords.
 */
export const REDACTED_PATHS: readonly string[] = [
  'token',
  'password',
  'authorization',
  '*.token',
  '*.password',
  '*.authorization',
  '*.bearerToken',
  '*.secret',
  'req.headers.authorization',
  'req.headers.cookie',
  '*.headers.authorization',
  '*.user.token',
  '*.user.password',
];

export interface LoggerOptions {
  readonly level: string;
  readonly pod?: string;
  /** Defaults to stdout; tests pass a sink to read what was logged. */
  readonly destination?: DestinationStream;
}

/**
 * JSON lines to stdout, one event per line: the object first, then a fixed
 * message. Errors go under `err` so pino serializes their stack.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      name: 'vnf-agent',
      level: options.level,
      base: options.pod ? { pod: options.pod } : {},
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** A child logger for one part, so every line says which part wrote it. */
export function partLogger(root: Logger, part: string): Logger {
  return root.child({ part });
}
