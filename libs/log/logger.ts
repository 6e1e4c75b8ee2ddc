import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * One JSON logger per process; each service logs through `child({ service })`.
 * Secrets are redacted by path as a second line of defence.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['*.destination_secret_key', '*.secret_key', '*.secretKey', '*.secretAccessKey', '*.sessionToken', '*.authorization', '*.token', 'definition.destination_secret_key_sealed', '*.webhook_secret', 'definition.webhook_secret_sealed', '*.password', '*.pass'],
      censor: '[redacted]',
    },
  });
}
