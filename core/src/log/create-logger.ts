import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogLevel } from '../config/config.js';

export type { Logger } from 'pino';

/** Paths that never reach a log line, whatever logs them. */
export const redactedPaths = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  'token',
  'password',
  'secret',
  '*.password',
  '*.secret',
  '*.token',
  '*.apiKey',
  '*.accessToken',
  '*.refreshToken',
  '*.clientSecret',
];

/**
 * Structured JSON logs (one object a line) at the given level, with secrets redacted. By default
 * to standard output without blocking: lines logged while a write is under way go out together
 * in the next one (under load, one write for many request lines), and what is left is written
 * synchronously when the process exits.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'junction' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: redactedPaths, censor: '[redacted]' },
  };
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}
