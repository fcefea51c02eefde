import type { Logger } from '../logging/logger.js';

/**
 * First SIGTERM/SIGINT: graceful stop, then exit. A second signal while stopping: exit at
 * once (an operator pressing Ctrl-C twice means it).
 */
export function handleSignals(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      logger.flush();
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'signal received: shutting down gracefully');
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
