import { REDACTED } from './auth.js';

/**
 * A log level.
 *
 * @example
 * ```ts
 * const level: LogLevel = 'warn';
 * ```
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * One log entry, after redaction.
 *
 * @example
 * ```ts
 * createLogger({ sink: (entry: LogEntry) => rows.push(entry) });
 * ```
 */
export interface LogEntry {
  readonly level: LogLevel;
  readonly message: string;
  readonly data?: Readonly<Record<string, unknown>>;
  readonly time: string;
}

/**
 * The logger plugin code writes to. Every known secret value is replaced by `[REDACTED]`
 * in messages and data before it leaves the logger.
 *
 * @example
 * ```ts
 * ctx.logger.info('fetched page', { page: 2, count: 50 });
 * ```
 */
export interface Logger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

function redactString(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(REDACTED);
  return out;
}

function redactValue(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return redactString(value, secrets);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return redactString(`${value.name}: ${value.message}`, secrets);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactValue(v, secrets, depth + 1);
  return out;
}

/**
 * Creates a {@link Logger} that redacts `secrets` (exact values, at least 4 characters long)
 * and hands each entry to `sink`.
 *
 * @example
 * ```ts
 * const logger = createLogger({ secrets: ['s3cr3t'], sink: (e) => console.log(e.level, e.message) });
 * ```
 */
export function createLogger(options: {
  readonly sink: (entry: LogEntry) => void;
  readonly secrets?: readonly string[];
}): Logger {
  // Longest first, so a secret containing another is replaced whole.
  const secrets = [...new Set(options.secrets ?? [])]
    .filter((s) => s.length >= 4)
    .sort((a, b) => b.length - a.length);
  const write = (level: LogLevel) => (message: string, data?: Record<string, unknown>) => {
    const entry: LogEntry = {
      level,
      message: redactString(message, secrets),
      time: new Date().toISOString(),
      ...(data === undefined
        ? {}
        : { data: redactValue(data, secrets) as Record<string, unknown> }),
    };
    options.sink(entry);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
