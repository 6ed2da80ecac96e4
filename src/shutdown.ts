import type { Logger } from './logger.js';

/**
 * Runs `stop` once on SIGTERM or SIGINT and exits. Platforms such as Heroku
 * kill the process 30 s after SIGTERM, so `timeoutMs` (25 s by default) bounds
 * the wait and the process exits 1 if stopping takes longer.
 */
export function onShutdownSignal(logger: Logger, timeoutMs: number, stop: () => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal, timeoutMs });
    const timer = setTimeout(() => {
      logger.error('shutdown timed out; exiting', { timeoutMs });
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    stop().then(
      () => {
        logger.info('shutdown complete');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error('shutdown failed', { error: error instanceof Error ? error.message : String(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}
