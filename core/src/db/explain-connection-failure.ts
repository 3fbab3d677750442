import { isDatabaseUnavailable } from './database-unavailable.js';

/** Which setting gave the database a process connects to. */
export type DatabaseSource =
  | { readonly kind: 'url' }
  | { readonly kind: 'embedded'; readonly dataDir: string };

/** SQLSTATEs of a refused login or a database that does not exist. */
const LOGIN_STATES = new Set(['28P01', '28000', '3D000']);

/**
 * The error to show when the first statement on the database fails: when it could not connect
 * or log in, a sentence naming the setting at fault (DATABASE_URL, or the embedded PostgreSQL of
 * the data folder), the server (without its password) and the reason, with `error` as its cause;
 * otherwise `error` itself.
 */
export function explainConnectionFailure(
  error: unknown,
  url: string,
  source: DatabaseSource,
): unknown {
  const code = (error as { code?: unknown } | undefined)?.code;
  const login = typeof code === 'string' && LOGIN_STATES.has(code);
  if (!login && !isDatabaseUnavailable(error)) return error;
  const reason = reasonOf(error);
  const timeout = /timeout/i.test(reason)
    ? ' (JUNCTION_DB_CONNECT_TIMEOUT_MS sets how long a connection may take)'
    : '';
  const where = withoutPassword(url);
  const message =
    source.kind === 'url'
      ? `Cannot use the PostgreSQL server that DATABASE_URL (--database-url) names, ${where}: ${reason}${timeout}. Check DATABASE_URL, or unset it to have Junction start an embedded PostgreSQL.`
      : `Cannot use the embedded PostgreSQL of the data folder ${source.dataDir} (JUNCTION_DATA_DIR, --data-dir), ${where}: ${reason}${timeout}.`;
  return new Error(message, { cause: error });
}

function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reasonOf(error.errors[0]);
  if (error instanceof Error) return error.message || (error as { code?: string }).code || 'failed';
  return String(error);
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unreadable URL)';
  }
}
