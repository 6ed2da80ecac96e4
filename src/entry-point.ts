import { ConfigError } from './config/config.js';
import { createLogger, type Logger } from './logger.js';

/**
 * Runs an entry point with a logger built from the environment. A config
 * error prints one line naming the variable and exits 1; any other start-up
 * error is logged and exits 1.
 */
export async function runEntryPoint(processName: string, start: (logger: Logger) => Promise<void>): Promise<void> {
  const level = process.env['LOG_LEVEL'] ?? 'info';
  const logger = createLogger({ env: process.env['NODE_ENV'] ?? 'development', level: ['error', 'warn', 'info', 'debug'].includes(level) ? level : 'info' }).child({
    process: processName,
  });
  try {
    await start(logger);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
    } else {
      logger.error('failed to start', { error: error instanceof Error ? error.stack : String(error) });
    }
    process.exit(1);
  }
}
