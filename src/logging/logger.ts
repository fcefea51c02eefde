import { pino, type Logger, type DestinationStream } from 'pino';
import { BatchedDestination } from './batchedDestination.js';

export type { Logger };

/**
 * JSON logs through pino to standard output, written asynchronously in batches of ~64 KiB
 * (one write per ~250 access lines instead of one per line; see BatchedDestination).
 * `logger.flush()` writes the rest; process exit writes it synchronously. Headers that carry
 * credentials are censored at the logger, so no code path can log them by accident.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const batched = destination === undefined ? new BatchedDestination(1) : undefined;
  const logger = pino({
    level,
    base: { service: 'taogate' },
    // Exact paths only: wildcard paths make pino scan every logged object, on every line.
    redact: { paths: ['headers.authorization', 'authorization', 'apiKey', 'secret'], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  }, destination ?? batched!);
  if (batched !== undefined) {
    // A quiet gateway must not sit on buffered lines: flush at least twice a second.
    setInterval(() => batched.flush(), 500).unref();
    process.once('exit', () => batched.flushSync());
  }
  return logger;
}
