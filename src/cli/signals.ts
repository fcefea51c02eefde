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

/**
 * A promise rejection nobody handled is a bug, but one a misbehaving miner might trigger:
 * it is logged and the gateway keeps serving (Node would otherwise exit). An uncaught
 * exception leaves the process in an unknown state: it is logged, then the process exits
 * and the orchestrator restarts it.
 */
export function handleStrayErrors(logger: Logger): void {
  process.on('unhandledRejection', (reason: unknown) => {
    logger.error({ err: reason instanceof Error ? { message: reason.message, stack: reason.stack } : String(reason) }, 'unhandled promise rejection');
  });
  process.on('uncaughtException', (error: Error) => {
    logger.fatal({ err: { message: error.message, stack: error.stack } }, 'uncaught exception: exiting');
    logger.flush();
    process.exit(1);
  });
}
