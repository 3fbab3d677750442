import { AuthError, type Credentials, type RunContext } from '@junction/connector-kit';
import mysql from 'mysql2/promise';
import { toSqlError } from './sql-error.js';

const CONNECT_TIMEOUT_MS = 10_000;

function text(credentials: Credentials, key: string): string | undefined {
  const value = credentials[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function optional<K extends string>(key: K, value: string | undefined) {
  return value === undefined ? {} : { [key]: value };
}

/**
 * The mysql2 options of a connection's credentials. Dates come back as the strings the server
 * prints (no time-zone shifts, full microseconds); big numbers as strings; one statement per
 * call (`multipleStatements: false`).
 *
 * @example
 * ```ts
 * const options = connectionOptions({ host: '127.0.0.1', user: 'root', database: 'test' });
 * ```
 */
export function connectionOptions(credentials: Credentials): mysql.ConnectionOptions {
  const ssl = text(credentials, 'ssl');
  const common: mysql.ConnectionOptions = {
    connectTimeout: CONNECT_TIMEOUT_MS,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    multipleStatements: false,
    ...(ssl === 'require' ? { ssl: { rejectUnauthorized: false } } : {}),
    ...(ssl === 'verify-full' ? { ssl: { rejectUnauthorized: true } } : {}),
  };
  const connectionString = text(credentials, 'connectionString');
  if (connectionString !== undefined) return { ...common, uri: connectionString };
  const host = text(credentials, 'host');
  if (host === undefined) {
    throw new AuthError('The MySQL connection has neither a connection string nor a host.');
  }
  const port = credentials.port;
  return {
    ...common,
    host,
    port: typeof port === 'number' ? port : 3306,
    ...optional('user', text(credentials, 'user')),
    ...optional('password', text(credentials, 'password')),
    ...optional('database', text(credentials, 'database')),
  };
}

/**
 * Opens one connection (session time zone UTC), runs `work`, and always closes it. An aborted
 * `ctx.signal` destroys the connection. Errors come out classified by {@link toSqlError}.
 *
 * @example
 * ```ts
 * const [rows] = await withConnection(ctx, (db) => db.execute('select 1'));
 * ```
 */
export async function withConnection<T>(
  ctx: RunContext,
  work: (db: mysql.Connection) => Promise<T>,
): Promise<T> {
  let db: mysql.Connection | undefined;
  const onAbort = () => db?.destroy();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    db = await mysql.createConnection(connectionOptions(ctx.credentials));
    db.on('error', () => {});
    await db.query("set time_zone = '+00:00'");
    return await work(db);
  } catch (thrown) {
    throw toSqlError(thrown);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await db?.end().catch(() => db?.destroy());
  }
}
