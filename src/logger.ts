import winston from 'winston';

export type Logger = winston.Logger;

/** Field names whose values never reach a log line, whatever the caller passes. */
const REDACTED_FIELDS = new Set([
  'authorization',
  'stripe-signature',
  'x-razorpay-signature',
  'secret',
  'secrets',
  'webhookSecret',
  'apiKey',
  'password',
  'cookie',
  'set-cookie',
  'body',
  'rawBody',
  'payload',
]);

const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (REDACTED_FIELDS.has(key)) info[key] = '[redacted]';
    else if (key === 'email' && typeof info[key] === 'string') info[key] = maskEmail(info[key]);
  }
  return info;
});

/** Masks an email as `j***@example.com` so logs can correlate without exposing the address. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** Creates the process logger: JSON in production, one readable line per record otherwise. */
export function createLogger(options: { env: string; level: string; silent?: boolean }): Logger {
  const format =
    options.env === 'production'
      ? winston.format.combine(redact(), winston.format.timestamp(), winston.format.json())
      : winston.format.combine(
          redact(),
          winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
          winston.format.printf(({ timestamp, level, message, ...fields }) => {
            const rest = Object.entries(fields)
              .filter(([, value]) => value !== undefined)
              .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
              .join(' ');
            return `${String(timestamp)} ${level} ${String(message)}${rest ? ` ${rest}` : ''}`;
          }),
        );
  return winston.createLogger({
    level: options.level,
    silent: options.silent ?? false,
    format,
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
  });
}
