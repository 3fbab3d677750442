import {
  AuthError,
  ConnectorError,
  InvalidInputError,
  RetryableError,
} from '@junction/connector-kit';

const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
]);
const AUTH = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_TABLEACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'ENOTFOUND',
]);

function field(thrown: unknown, key: 'code' | 'sqlState'): string | undefined {
  if (typeof thrown !== 'object' || thrown === null || !(key in thrown)) return undefined;
  const value: unknown = Reflect.get(thrown, key);
  return typeof value === 'string' ? value : undefined;
}

/**
 * Classifies a MySQL/MariaDB or network error into the kit's error kinds: lost connections,
 * deadlocks and lock timeouts are retryable; denied access needs a new connection (auth);
 * data and constraint errors (SQLSTATE 22xxx, 23xxx, 42xxx) are bad input, never retried.
 *
 * @example
 * ```ts
 * try { await db.execute(sql, params); } catch (e) { throw toSqlError(e); }
 * ```
 */
export function toSqlError(thrown: unknown): ConnectorError {
  if (thrown instanceof ConnectorError) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  const code = field(thrown, 'code');
  const state = field(thrown, 'sqlState') ?? '';
  if (code !== undefined && NETWORK.has(code))
    return new RetryableError(`MySQL (${code}): ${message}`, { cause: thrown });
  if (code !== undefined && AUTH.has(code))
    return new AuthError(`MySQL refused the connection (${code}): ${message}`, { cause: thrown });
  if (/^(22|23|42)/.test(state) || code === 'ER_NO_DEFAULT_FOR_FIELD')
    return new InvalidInputError(`MySQL rejected the statement (${code}): ${message}`, {
      cause: thrown,
      problems: [{ pointer: '', message }],
    });
  return new ConnectorError(`MySQL${code ? ` (${code})` : ''}: ${message}`, { cause: thrown });
}
