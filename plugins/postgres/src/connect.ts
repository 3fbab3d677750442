import { AuthError, type Credentials, type RunContext } from '@junction/connector-kit';
import pg from 'pg';
import { toSqlError } from './sql-error.js';

/** Per-statement limit so a stuck query fails its step instead of holding a worker. */
const STATEMENT_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 10_000;

function text(credentials: Credentials, key: string): string | undefined {
  const value = credentials[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The node-postgres client configuration of a connection's credentials. Sessions run in UTC
 * so timestamps read back as text are stable.
 *
 * @example
 * ```ts
 * const config = clientConfig({ connectionString: 'postgres://u:p@localhost/db' });
 * ```
 */
export function clientConfig(credentials: Credentials): pg.ClientConfig {
  const ssl = text(credentials, 'ssl');
  const common: pg.ClientConfig = {
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    options: '-c TimeZone=UTC',
    application_name: 'junction',
    ...(ssl === 'require' ? { ssl: { rejectUnauthorized: false } } : {}),
    ...(ssl === 'verify-full' ? { ssl: { rejectUnauthorized: true } } : {}),
  };
  const connectionString = text(credentials, 'connectionString');
  if (connectionString !== undefined) return { ...common, connectionString };
  const host = text(credentials, 'host');
  if (host === undefined) {
    throw new AuthError('The PostgreSQL connection has neither a connection string nor a host.');
  }
  const port = credentials.port;
  return {
    ...common,
    host,
    port: typeof port === 'number' ? port : 5432,
    ...optional('user', text(credentials, 'user')),
    ...optional('password', text(credentials, 'password')),
    ...optional('database', text(credentials, 'database')),
  };
}

function optional<K extends string>(key: K, value: string | undefined) {
  return value === undefined ? {} : { [key]: value };
}

/**
 * Opens one client for the connection, runs `work`, and always closes it. An aborted
 * `ctx.signal` ends the client (the running statement fails). Errors come out classified by
 * {@link toSqlError}.
 *
 * @example
 * ```ts
 * const rows = await withClient(ctx, (client) => client.query('select 1'));
 * ```
 */
export async function withClient<T>(
  ctx: RunContext,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client(clientConfig(ctx.credentials));
  client.on('error', () => {});
  const onAbort = () => void client.end().catch(() => {});
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await client.connect();
    return await work(client);
  } catch (thrown) {
    throw toSqlError(thrown);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await client.end().catch(() => {});
  }
}
