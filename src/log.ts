import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Redaction is a second line of defence: secrets are
 * never put into log fields on purpose, but a config object logged whole
 * must still not leak one.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'tributary' },
    redact: {
      paths: [
        '*.apiKey', '*.password', '*.token', '*.clientSecret', '*.secret', '*.key',
        'auth.*', '*.auth.apiKey', '*.auth.password', '*.auth.token', '*.auth.clientSecret',
        'headers.authorization', '*.headers.authorization', 'req.headers.authorization',
      ],
      censor: '***',
    },
  });
}
