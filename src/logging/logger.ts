import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * JSON logs through pino, written asynchronously in 4 KiB batches (one write per ~15 access
 * lines instead of one per line; `logger.flush()` on shutdown writes the rest). Headers that carry credentials are censored at the logger, so
 * no code path can log them by accident.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const logger = pino({
    level,
    base: { service: 'taogate' },
    // Exact paths only: wildcard paths make pino scan every logged object, on every line.
    redact: { paths: ['headers.authorization', 'authorization', 'apiKey', 'secret'], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  }, destination ?? pino.destination({ sync: false, minLength: 4096 }));
  if (destination === undefined) {
    // A quiet gateway must not sit on buffered lines: flush at least twice a second.
    setInterval(() => logger.flush(), 500).unref();
  }
  return logger;
}
