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
]);

function codeOf(thrown: unknown): string | undefined {
  if (typeof thrown !== 'object' || thrown === null || !('code' in thrown)) return undefined;
  return typeof thrown.code === 'string' ? thrown.code : undefined;
}

/**
 * Classifies a PostgreSQL or network error into the kit's error kinds by SQLSTATE class:
 * connection problems, shutdowns, lack of resources, serialisation failures and deadlocks are
 * retryable; bad passwords and missing privileges need a new connection (auth); data and
 * constraint errors, and unknown tables or columns, are bad input (never retried).
 *
 * @example
 * ```ts
 * try { await client.query(sql, params); } catch (e) { throw toSqlError(e); }
 * ```
 */
export function toSqlError(thrown: unknown): ConnectorError {
  if (thrown instanceof ConnectorError) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  const code = codeOf(thrown);
  if (code === undefined) {
    if (/timeout|terminated|Connection terminated/i.test(message))
      return new RetryableError(`PostgreSQL: ${message}`, { cause: thrown });
    return new ConnectorError(`PostgreSQL: ${message}`, { cause: thrown });
  }
  if (NETWORK.has(code))
    return new RetryableError(`PostgreSQL unreachable: ${message}`, { cause: thrown });
  if (code === 'ENOTFOUND')
    return new AuthError(`PostgreSQL host not found: ${message}`, { cause: thrown });
  const sqlClass = code.slice(0, 2);
  if (['08', '53', '57', '40', '55'].includes(sqlClass))
    return new RetryableError(`PostgreSQL (${code}): ${message}`, { cause: thrown });
  if (sqlClass === '28' || code === '42501' || code === '3D000')
    return new AuthError(`PostgreSQL refused the connection (${code}): ${message}`, {
      cause: thrown,
    });
  if (['22', '23', '42', '2B', '44'].includes(sqlClass))
    return new InvalidInputError(`PostgreSQL rejected the statement (${code}): ${message}`, {
      cause: thrown,
      problems: [{ pointer: '', message }],
    });
  return new ConnectorError(`PostgreSQL (${code}): ${message}`, { cause: thrown });
}
