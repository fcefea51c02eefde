import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * JSON logs through pino. Headers that carry credentials are censored at the logger, so
 * no code path can log them by accident.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({
    level,
    base: { service: 'taogate' },
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', '*.authorization', 'apiKey', '*.apiKey', 'secret', '*.secret'],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  }, destination ?? pino.destination({ sync: false }));
}
