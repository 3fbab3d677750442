import { createRedactor } from './redactor.js';

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

/** Log data as JSON-like values: errors as their name and message, no deeper than 8 levels. */
function plain(value: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) out[key] = plainValue(member, depth + 1);
  return out;
}

function plainValue(value: unknown, depth: number): unknown {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => plainValue(v, depth + 1));
  return plain(value as Record<string, unknown>, depth);
}

/**
 * Creates a {@link Logger} that redacts `secrets` (at least 4 characters long, in every form
 * {@link createRedactor} knows: raw, encoded, inside base64, split across strings) and hands each
 * entry to `sink`.
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
  const redactor = createRedactor(options.secrets ?? []);
  const write = (level: LogLevel) => (message: string, data?: Record<string, unknown>) => {
    const entry: LogEntry = {
      level,
      message: redactor.text(message),
      time: new Date().toISOString(),
      ...(data === undefined ? {} : { data: redactor.value(plain(data, 0)) }),
    };
    options.sink(entry);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
